"""A tiny decoder-only transformer in NumPy: one block's forward pass, a KV cache, a toy LM.

The block is the pre-norm design used by GPT-2 and its successors::

    H = X + MHA(LN(X))          (causal multi-head self-attention)
    Y = H + FFN(LN(H))          (FFN(u) = GELU(u W1 + b1) W2 + b2)

Weights are random (the point is shapes, costs and the exactness of caching, not
language quality). Attention projections have no biases.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_int, check_positive, check_rng
from .attention import causal_mask, merge_heads, scaled_dot_product_attention, sinusoidal_positions, split_heads

__all__ = [
    "layer_norm",
    "gelu",
    "init_block",
    "block_param_count",
    "transformer_block",
    "init_tiny_lm",
    "tiny_lm_forward",
    "new_kv_cache",
]

_BLOCK_KEYS = ("ln1_g", "ln1_b", "Wq", "Wk", "Wv", "Wo", "ln2_g", "ln2_b", "W1", "b1", "W2", "b2")


def layer_norm(X: Any, gamma: Any = None, beta: Any = None, *, eps: float = 1e-5) -> np.ndarray:
    """Normalise each row to mean 0 and variance 1, then scale by ``gamma`` and shift by ``beta``."""
    X = as_float_array(X, "X")
    eps = check_positive(eps, "eps")
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)
    Y = (X - mu) / np.sqrt(var + eps)
    if gamma is not None:
        Y = Y * as_float_array(gamma, "gamma", ndim=1)
    if beta is not None:
        Y = Y + as_float_array(beta, "beta", ndim=1)
    return Y


def gelu(x: Any) -> np.ndarray:
    """GELU with the tanh approximation used by GPT-2: ``0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³)))``."""
    x = as_float_array(x, "x")
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def init_block(d: int, n_heads: int, d_ff: int, rng: Any, *, scale: float | None = None) -> dict[str, np.ndarray]:
    """Random parameters of one block (Gaussian weights with std ``scale``, default 1/√d)."""
    d = check_int(d, "d", minimum=1)
    n_heads = check_int(n_heads, "n_heads", minimum=1)
    d_ff = check_int(d_ff, "d_ff", minimum=1)
    if d % n_heads:
        raise ValueError(f"d={d} is not divisible by n_heads={n_heads}")
    rng = check_rng(rng)
    s = 1.0 / np.sqrt(d) if scale is None else check_positive(scale, "scale")
    return {
        "ln1_g": np.ones(d),
        "ln1_b": np.zeros(d),
        "Wq": rng.normal(0, s, (d, d)),
        "Wk": rng.normal(0, s, (d, d)),
        "Wv": rng.normal(0, s, (d, d)),
        "Wo": rng.normal(0, s, (d, d)),
        "ln2_g": np.ones(d),
        "ln2_b": np.zeros(d),
        "W1": rng.normal(0, s, (d, d_ff)),
        "b1": np.zeros(d_ff),
        "W2": rng.normal(0, 1.0 / np.sqrt(d_ff) if scale is None else s, (d_ff, d)),
        "b2": np.zeros(d),
    }


def block_param_count(d: int, d_ff: int) -> int:
    """Parameters of one block: ``4 d²`` (attention) ``+ 2 d d_ff + d_ff + d`` (FFN) ``+ 4 d`` (two layer norms)."""
    d = check_int(d, "d", minimum=1)
    d_ff = check_int(d_ff, "d_ff", minimum=1)
    return 4 * d * d + 2 * d * d_ff + d_ff + d + 4 * d


def new_kv_cache(n_layers: int) -> list[dict[str, np.ndarray | None]]:
    """An empty KV cache: one ``{"k": None, "v": None}`` per layer."""
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    return [{"k": None, "v": None} for _ in range(n_layers)]


def transformer_block(
    X: Any,
    params: dict[str, Any],
    n_heads: int,
    *,
    cache: dict[str, np.ndarray | None] | None = None,
    cache_dtype: Any = np.float64,
    return_weights: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Forward pass of one pre-norm decoder block on ``X`` (..., T, d).

    Parameters
    ----------
    X : array_like
        The new tokens' vectors. Without a cache this is the whole sequence.
    params : dict
        As returned by :func:`init_block`.
    n_heads : int
        Number of attention heads.
    cache : dict, optional
        ``{"k": K, "v": V}`` with the keys and values (..., h, T_past, d_h) of earlier
        tokens (``None`` when empty). The new keys and values are appended in place,
        stored as ``cache_dtype``; the new tokens attend to the cached ones and causally
        to each other.
    return_weights : bool
        Also return the attention weights (..., h, T, T_past + T).
    """
    X = as_float_array(X, "X")
    missing = [k for k in _BLOCK_KEYS if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}")
    P = {k: np.asarray(params[k], dtype=np.float64) for k in _BLOCK_KEYS}
    U = layer_norm(X, P["ln1_g"], P["ln1_b"])
    Q, K, V = (split_heads(U @ P[w], n_heads) for w in ("Wq", "Wk", "Wv"))
    offset = 0
    if cache is not None:
        if cache.get("k") is not None:
            offset = cache["k"].shape[-2]
            K = np.concatenate([cache["k"].astype(np.float64), K], axis=-2)
            V = np.concatenate([cache["v"].astype(np.float64), V], axis=-2)
        cache["k"] = K.astype(cache_dtype)
        cache["v"] = V.astype(cache_dtype)
    out, W = scaled_dot_product_attention(Q, K, V, causal_mask(X.shape[-2], offset=offset))
    H = X + merge_heads(out) @ P["Wo"]
    G = layer_norm(H, P["ln2_g"], P["ln2_b"])
    Y = H + gelu(G @ P["W1"] + P["b1"]) @ P["W2"] + P["b2"]
    return (Y, W) if return_weights else Y


def init_tiny_lm(V: int, d: int, n_heads: int, d_ff: int, n_layers: int, rng: Any) -> dict[str, Any]:
    """A toy decoder-only LM: embedding E (V × d, tied output layer), ``n_layers`` blocks, final norm."""
    V = check_int(V, "V", minimum=2)
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    rng = check_rng(rng)
    E = rng.normal(0, 1.0, (V, d))
    blocks = [init_block(d, n_heads, d_ff, rng) for _ in range(n_layers)]
    return {"E": E, "blocks": blocks, "n_heads": n_heads, "lnf_g": np.ones(d), "lnf_b": np.zeros(d)}


def tiny_lm_forward(
    ids: Any,
    model: dict[str, Any],
    *,
    cache: list[dict[str, np.ndarray | None]] | None = None,
    cache_dtype: Any = np.float64,
) -> np.ndarray:
    """Next-token logits (..., T, V) for token IDs (..., T).

    With a ``cache`` (from :func:`new_kv_cache`), ``ids`` are the *new* tokens: their
    positions continue after the cached ones and every layer's cache grows by T.
    """
    idx = np.asarray(ids)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"ids must hold integers, got dtype {idx.dtype}")
    E = model["E"]
    if idx.size and (idx.min() < 0 or idx.max() >= E.shape[0]):
        raise ValueError(f"ids must lie in [0, {E.shape[0] - 1}]")
    blocks = model["blocks"]
    if cache is not None and len(cache) != len(blocks):
        raise ValueError(f"cache must have one entry per layer ({len(blocks)}), got {len(cache)}")
    start = 0
    if cache is not None and cache[0].get("k") is not None:
        start = cache[0]["k"].shape[-2]
    T = idx.shape[-1]
    X = E[idx] + sinusoidal_positions(start + T, E.shape[1])[start:]
    for layer, params in enumerate(blocks):
        X = transformer_block(X, params, model["n_heads"], cache=None if cache is None else cache[layer], cache_dtype=cache_dtype)
    return layer_norm(X, model["lnf_g"], model["lnf_b"]) @ E.T
