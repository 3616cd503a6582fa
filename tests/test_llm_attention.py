"""Attention, position encodings, the transformer block and its KV cache."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings, strategies as st

from lessonlib.llm import (
    apply_rope,
    block_param_count,
    causal_mask,
    gelu,
    init_block,
    init_tiny_lm,
    kv_cache_bytes,
    layer_norm,
    merge_heads,
    multi_head_attention,
    new_kv_cache,
    scaled_dot_product_attention,
    sinusoidal_positions,
    split_heads,
    tiny_lm_forward,
    transformer_block,
)


def naive_attention(Q, K, V, causal):
    """Attention with explicit loops over queries and keys (no matrix products)."""
    Tq, dk = Q.shape
    out = np.zeros((Tq, V.shape[1]))
    for i in range(Tq):
        scores = []
        for j in range(K.shape[0]):
            if causal and j > i:
                continue
            scores.append(sum(Q[i, a] * K[j, a] for a in range(dk)) / math.sqrt(dk))
        m = max(scores)
        w = [math.exp(s - m) for s in scores]
        tot = sum(w)
        for j, wj in enumerate(w):
            out[i] += wj / tot * V[j]
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.booleans(), st.integers(0, 2**31))
def test_attention_matches_naive_loops(T, dk, dv, causal, seed):
    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(size=(T, dk)), rng.normal(size=(T, dk)), rng.normal(size=(T, dv))
    out, W = scaled_dot_product_attention(Q, K, V, causal_mask(T) if causal else None)
    np.testing.assert_allclose(out, naive_attention(Q, K, V, causal), atol=1e-12)
    np.testing.assert_allclose(W.sum(axis=-1), 1.0)
    if causal:
        assert np.all(W[np.triu_indices(T, 1)] == 0.0)


def test_causal_mask_shape_and_offset():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert causal_mask(1, offset=3).tolist() == [[True, True, True, True]]
    with pytest.raises(ValueError, match="mask"):
        scaled_dot_product_attention(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)), np.zeros((2, 2), bool))


def test_split_and_merge_heads_are_inverse_and_match_reshape():
    X = np.arange(2 * 3 * 8, dtype=float).reshape(2, 3, 8)
    H = split_heads(X, 4)
    assert H.shape == (2, 4, 3, 2)
    np.testing.assert_array_equal(H[1, 2, 0], X[1, 0, 4:6])  # head 2 holds features 4..5
    np.testing.assert_array_equal(merge_heads(H), X)
    with pytest.raises(ValueError, match="n_heads"):
        split_heads(X, 3)


def test_multi_head_equals_per_head_loop():
    rng = np.random.default_rng(1)
    T, d, h = 5, 6, 3
    X = rng.normal(size=(T, d))
    Wq, Wk, Wv, Wo = (rng.normal(size=(d, d)) for _ in range(4))
    Y = multi_head_attention(X, Wq, Wk, Wv, Wo, h, causal=True)
    dh = d // h
    heads = []
    for k in range(h):
        s = slice(k * dh, (k + 1) * dh)
        heads.append(naive_attention((X @ Wq)[:, s], (X @ Wk)[:, s], (X @ Wv)[:, s], True))
    np.testing.assert_allclose(Y, np.hstack(heads) @ Wo, atol=1e-12)
    # one head with d_k = d is plain attention
    Y1 = multi_head_attention(X, Wq, Wk, Wv, np.eye(d), 1, causal=False)
    np.testing.assert_allclose(Y1, naive_attention(X @ Wq, X @ Wk, X @ Wv, False), atol=1e-12)


def test_sinusoidal_positions_against_loop():
    T, d = 7, 6
    PE = sinusoidal_positions(T, d)
    for pos in range(T):
        for i in range(d // 2):
            ang = pos / 10000 ** (2 * i / d)
            assert PE[pos, 2 * i] == pytest.approx(math.sin(ang))
            assert PE[pos, 2 * i + 1] == pytest.approx(math.cos(ang))


def test_rope_matches_complex_rotation():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 8))
    Y = apply_rope(X)
    theta = 10000.0 ** (-np.arange(0, 8, 2) / 8)
    z = (X[:, 0::2] + 1j * X[:, 1::2]) * np.exp(1j * np.arange(5)[:, None] * theta)
    np.testing.assert_allclose(Y[:, 0::2], z.real, atol=1e-12)
    np.testing.assert_allclose(Y[:, 1::2], z.imag, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), np.linalg.norm(X, axis=1))  # rotations keep norms


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 50), st.integers(0, 50), st.integers(-20, 20), st.integers(0, 2**31))
def test_rope_scores_depend_on_relative_position_only(m, n, shift, seed):
    rng = np.random.default_rng(seed)
    q, k = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))
    s1 = (apply_rope(q, [m]) @ apply_rope(k, [n]).T).item()
    s2 = (apply_rope(q, [m + shift]) @ apply_rope(k, [n + shift]).T).item()
    assert s1 == pytest.approx(s2, abs=1e-9)


def test_layer_norm_and_gelu_references():
    X = np.random.default_rng(3).normal(size=(4, 5))
    Y = layer_norm(X, eps=1e-12)
    np.testing.assert_allclose(Y, scipy.stats.zscore(X, axis=1), atol=1e-9)
    x = np.linspace(-5, 5, 201)
    # the tanh form approximates x Phi(x) to within about 5e-4 (Hendrycks and Gimpel)
    np.testing.assert_allclose(gelu(x), x * scipy.stats.norm.cdf(x), atol=1e-3)


def test_block_param_count_matches_arrays():
    for d, h, dff in [(8, 2, 32), (12, 3, 48), (4, 1, 7)]:
        params = init_block(d, h, dff, 0)
        assert block_param_count(d, dff) == sum(a.size for a in params.values())


def test_block_output_shape_and_causality():
    params = init_block(8, 2, 32, 4)
    X = np.random.default_rng(5).normal(size=(6, 8))
    Y = transformer_block(X, params, 2)
    assert Y.shape == X.shape
    X2 = X.copy()
    X2[4:] += 10.0  # changing later tokens must not change earlier outputs
    np.testing.assert_allclose(transformer_block(X2, params, 2)[:4], Y[:4], atol=1e-12)


def test_kv_cache_decoding_equals_full_forward_and_formula():
    B, T, V, d, h, L = 2, 9, 11, 8, 2, 3
    model = init_tiny_lm(V, d, h, 4 * d, L, 6)
    ids = np.random.default_rng(7).integers(0, V, size=(B, T))
    full = tiny_lm_forward(ids, model)
    cache = new_kv_cache(L)
    steps = [tiny_lm_forward(ids[:, :3], model, cache=cache)]  # prefill 3 tokens, then one at a time
    steps += [tiny_lm_forward(ids[:, t : t + 1], model, cache=cache) for t in range(3, T)]
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, atol=1e-10)
    counted = sum(layer["k"].nbytes + layer["v"].nbytes for layer in cache)
    assert counted == kv_cache_bytes(B, T, L, h, d // h, 8)
    cache16 = new_kv_cache(L)
    tiny_lm_forward(ids, model, cache=cache16, cache_dtype=np.float16)
    assert sum(c["k"].nbytes + c["v"].nbytes for c in cache16) == kv_cache_bytes(B, T, L, h, d // h, 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 4), st.booleans(), st.integers(0, 2**31))
def test_blockwise_online_softmax_equals_full_attention(T, block, causal, seed):
    from lessonlib.llm import blockwise_attention

    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(scale=3, size=(T, 4)), rng.normal(scale=3, size=(T, 4)), rng.normal(size=(T, 3))
    full, _ = scaled_dot_product_attention(Q, K, V, causal_mask(T) if causal else None)
    np.testing.assert_allclose(blockwise_attention(Q, K, V, block, causal=causal), full, atol=1e-12)
