"""KV cache, speculative decoding, quantisation, LoRA, MoE, alignment losses and reasoning of lessonlib.llm."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lessonlib.llm import (
    acceptance_rate,
    best_of_n_success,
    bradley_terry_prob,
    decode_step_cost,
    dequantize_int8,
    dpo_implicit_rewards,
    dpo_loss,
    init_lora,
    kl_divergence,
    kl_regularized_objective,
    kv_cache_bytes,
    load_balancing_loss,
    lora_forward,
    lora_params,
    majority_vote_accuracy,
    moe_forward,
    moe_topk_gate,
    optimal_kl_policy,
    pass_at_k,
    ppo_clip_objective,
    quantization_error,
    quantize_int8,
    reward_model_loss,
    simulate_speculative_tokens,
    softmax,
    speculative_expected_tokens,
    speculative_output_distribution,
    speculative_sample,
    speculative_speedup,
)


def test_kv_cache_formula_example_and_validation():
    # 32 layers, 32 heads of 128, fp16, 4096 tokens: 2*4096*32*32*128*2 bytes = 2 GiB
    assert kv_cache_bytes(1, 4096, 32, 32, 128, 2) == 2 * 2**30
    assert kv_cache_bytes(1, 4096, 32, 8, 128, 2) == 2**29  # grouped-query attention with 8 KV heads
    with pytest.raises(ValueError, match="batch"):
        kv_cache_bytes(0, 1, 1, 1, 1)


def test_decode_step_cost_terms():
    c = decode_step_cost(7e9, 32, 1000, 32, 128)
    assert c["flops"] == pytest.approx(2 * 7e9 + 4 * 32 * 1000 * 32 * 128)
    assert c["bytes"] == pytest.approx(7e9 * 2 + kv_cache_bytes(1, 1000, 32, 32, 128, 2))
    assert decode_step_cost(7e9, 32, 1000, 32, 128, batch=8)["intensity"] > c["intensity"]


def test_speculative_expected_tokens_against_sum_and_simulation():
    for a, g in [(0.6, 4), (0.8, 3), (0.0, 5), (1.0, 4)]:
        assert speculative_expected_tokens(a, g) == pytest.approx(sum(a**i for i in range(g + 1)))
    tokens = simulate_speculative_tokens(0.7, 4, 40000, 11)
    se = tokens.std() / math.sqrt(tokens.size)
    assert abs(tokens.mean() - speculative_expected_tokens(0.7, 4)) < 5 * se  # 5 standard errors
    assert speculative_speedup(0.7, 4, 0.0) == pytest.approx(speculative_expected_tokens(0.7, 4))


probs = arrays(np.float64, 5, elements=st.floats(0.01, 1.0)).map(lambda a: a / a.sum())


@settings(max_examples=60, deadline=None)
@given(probs, probs)
def test_speculative_step_preserves_target_distribution(p, q):
    np.testing.assert_allclose(speculative_output_distribution(p, q), p, atol=1e-12)
    assert acceptance_rate(p, q) == pytest.approx(1 - 0.5 * np.abs(p - q).sum())


def test_speculative_sample_frequencies():
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.2, 0.2, 0.6])
    rng = np.random.default_rng(3)
    out = [speculative_sample(p, q, rng) for _ in range(8000)]
    freq = np.bincount([t for t, _ in out], minlength=3) / len(out)
    # SE of each frequency <= sqrt(0.25 / 8000) = 0.0056; 5 SE
    np.testing.assert_allclose(freq, p, atol=0.028)
    acc = np.mean([a for _, a in out])
    assert acc == pytest.approx(acceptance_rate(p, q), abs=0.028)


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e3, 1e3)))
def test_int8_round_trip_error_bound(x):
    q, s = quantize_int8(x)
    assert q.dtype == np.int8 and np.all(np.abs(q.astype(int)) <= 127)
    err = np.abs(dequantize_int8(q, s) - x)
    assert np.all(err <= s / 2 + 1e-12 * max(1.0, np.abs(x).max()))


def test_int8_per_row_scales_and_example():
    q, s = quantize_int8([0.5, -1.27, 0.03, 2.54])
    assert s == pytest.approx(0.02)
    assert q.tolist() == [25, -64, 2, 127]  # -63.5 and 1.5 round half to even
    W = np.array([[0.01, -0.02], [100.0, 50.0]])
    qr, sr = quantize_int8(W, axis=1)
    np.testing.assert_allclose(sr.ravel(), [0.02 / 127, 100 / 127])
    q1, s1 = quantize_int8(W)
    assert q1[0].tolist() == [0, 0]  # one scale for the tensor wipes out the small row
    np.testing.assert_allclose(dequantize_int8(qr, sr)[0], W[0], atol=0.02 / 254 + 1e-15)


def test_lora_counts_and_forward():
    assert lora_params(4096, 4096, 8) == 65536
    rng = np.random.default_rng(0)
    W = rng.normal(size=(6, 5))
    A, B = init_lora(5, 6, 2, rng)
    x = rng.normal(size=(3, 5))
    np.testing.assert_allclose(lora_forward(x, W, A, B), x @ W.T)  # B = 0 at initialisation
    B = rng.normal(size=(6, 2))
    h = lora_forward(x, W, A, B, alpha=4.0)
    np.testing.assert_allclose(h, x @ (W + 2.0 * B @ A).T, atol=1e-12)
    assert np.linalg.matrix_rank(B @ A) == 2


def test_moe_gate_and_forward():
    idx, w = moe_topk_gate(np.array([[1.0, 3.0, 2.0, 0.0]]), 2)
    assert idx.tolist() == [[1, 2]]
    np.testing.assert_allclose(w, [scipy.special.softmax([3.0, 2.0])])
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 3))
    Wr = rng.normal(size=(3, 4))
    mats = [rng.normal(size=(3, 2)) for _ in range(4)]
    experts = [lambda Z, M=M: Z @ M for M in mats]
    # k = number of experts: a dense softmax mixture
    Y, _ = moe_forward(X, Wr, experts, 4)
    G = scipy.special.softmax(X @ Wr, axis=1)
    dense = sum(G[:, [e]] * (X @ mats[e]) for e in range(4))
    np.testing.assert_allclose(Y, dense, atol=1e-12)
    # k = 1: each token goes to its argmax expert with weight 1
    Y1, idx1 = moe_forward(X, Wr, experts, 1)
    for t in range(7):
        e = int(np.argmax(X[t] @ Wr))
        assert idx1[t, 0] == e
        np.testing.assert_allclose(Y1[t], X[t] @ mats[e])


def test_load_balancing_loss_uniform_is_one():
    Z = np.zeros((8, 4))
    assert load_balancing_loss(Z, np.array([0, 1, 2, 3, 0, 1, 2, 3])) == pytest.approx(1.0)
    Zs = np.tile([5.0, 0, 0, 0], (8, 1))
    assert load_balancing_loss(Zs, np.zeros(8, int)) > 3.0


def test_bradley_terry_and_reward_loss():
    assert bradley_terry_prob(2.0, 1.0) == pytest.approx(scipy.special.expit(1.0))
    assert reward_model_loss(2.0, 1.0) == pytest.approx(-math.log(scipy.special.expit(1.0)))
    assert bradley_terry_prob(800.0, 0.0) == pytest.approx(1.0)


def test_kl_against_scipy():
    p = np.array([0.2, 0.5, 0.3])
    q = np.array([0.3, 0.3, 0.4])
    assert kl_divergence(p, q) == pytest.approx(scipy.stats.entropy(p, q))
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, [0.5, 0.5, 0.0]) == math.inf


@settings(max_examples=40, deadline=None)
@given(probs, arrays(np.float64, 5, elements=st.floats(-3, 3)), st.floats(0.05, 5), st.integers(0, 2**31))
def test_optimal_kl_policy_beats_perturbations(ref, r, beta, seed):
    star = optimal_kl_policy(ref, r, beta)
    best = kl_regularized_objective(star, ref, r, beta)
    # closed-form value: beta * log Z with Z = sum ref exp(r / beta)
    assert best == pytest.approx(beta * scipy.special.logsumexp(r / beta, b=ref), abs=1e-9)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        other = softmax(np.log(star) + rng.normal(scale=0.5, size=5))
        assert kl_regularized_objective(other, ref, r, beta) <= best + 1e-12


def test_ppo_clip_cases():
    assert ppo_clip_objective(1.5, 2.0, 0.2) == pytest.approx(2.4)  # clipped at 1.2 for a positive advantage
    assert ppo_clip_objective(0.5, 2.0, 0.2) == pytest.approx(1.0)  # not clipped below for A > 0
    assert ppo_clip_objective(0.5, -2.0, 0.2) == pytest.approx(-1.6)  # clipped at 0.8 for a negative advantage
    assert ppo_clip_objective(1.5, -2.0, 0.2) == pytest.approx(-3.0)


def test_dpo_loss_formula_and_limits():
    loss = dpo_loss(-10.0, -12.0, -11.0, -11.0, beta=0.1)
    assert loss == pytest.approx(-math.log(scipy.special.expit(0.1 * ((-10 + 11) - (-12 + 11)))))
    assert dpo_loss(-5.0, -7.0, -5.0, -7.0, beta=0.5) == pytest.approx(math.log(2))  # policy = reference
    rw, rl = dpo_implicit_rewards(-10.0, -12.0, -11.0, -11.0, 0.1)
    assert (rw, rl) == pytest.approx((0.1, -0.1))
    assert dpo_loss([-10.0, -9.0], [-12.0, -9.0], [-11.0, -9.0], [-11.0, -9.0], beta=0.1) == pytest.approx((loss + math.log(2)) / 2)


def test_reasoning_formulas_against_brute_force_and_scipy():
    assert best_of_n_success(0.3, 4) == pytest.approx(1 - 0.7**4)
    n, c, k = 7, 3, 2
    subsets = list(itertools.combinations(range(n), k))
    brute = np.mean([any(i < c for i in s) for s in subsets])
    assert pass_at_k(n, c, k) == pytest.approx(brute)
    for p, m in [(0.6, 5), (0.6, 15), (0.4, 9)]:
        assert majority_vote_accuracy(p, m) == pytest.approx(scipy.stats.binom.sf(m // 2, m, p))
    assert majority_vote_accuracy(0.6, 4) == pytest.approx(scipy.stats.binom.sf(2, 4, 0.6) + 0.5 * scipy.stats.binom.pmf(2, 4, 0.6))
