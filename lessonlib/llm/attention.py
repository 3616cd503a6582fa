"""Scaled dot-product attention, causal masking, multi-head splitting and position encodings.

Arrays follow the row convention of the chapter: a sequence is a ``T × d`` matrix whose
row ``t`` is token ``t``; leading batch axes are allowed everywhere (``B × T × d``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_int, check_positive
from .sampling import softmax

__all__ = [
    "causal_mask",
    "attention_scores",
    "scaled_dot_product_attention",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
    "sinusoidal_positions",
    "rope_angles",
    "apply_rope",
    "blockwise_attention",
]


def causal_mask(T: int, *, offset: int = 0) -> np.ndarray:
    """Boolean ``T × (offset + T)`` matrix: True where query ``t`` may attend to key ``s``.

    Query ``t`` sits at absolute position ``offset + t`` and sees keys ``0 .. offset + t``
    (``offset`` is the number of tokens already in a KV cache).
    """
    T = check_int(T, "T", minimum=1)
    offset = check_int(offset, "offset", minimum=0)
    q = np.arange(T)[:, None] + offset
    k = np.arange(offset + T)[None, :]
    return k <= q


def attention_scores(Q: Any, K: Any) -> np.ndarray:
    """Scaled scores ``Q K^T / sqrt(d_k)`` (shape ``... × T_q × T_k``)."""
    Q = as_float_array(Q, "Q")
    K = as_float_array(K, "K")
    if Q.ndim < 2 or K.ndim < 2:
        raise ValueError("Q and K must have at least 2 dimensions (tokens × features)")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"Q and K must have the same feature size, got {Q.shape[-1]} and {K.shape[-1]}")
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])


def scaled_dot_product_attention(Q: Any, K: Any, V: Any, mask: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(Q K^T / sqrt(d_k) + mask) V`` (Vaswani et al., 2017).

    Parameters
    ----------
    Q : array_like, shape (..., T_q, d_k)
    K : array_like, shape (..., T_k, d_k)
    V : array_like, shape (..., T_k, d_v)
    mask : array_like of bool, optional
        Broadcastable to ``(..., T_q, T_k)``; True = allowed. Masked scores become
        ``-inf`` before the softmax, so their weights are exactly 0.

    Returns
    -------
    out : numpy.ndarray, shape (..., T_q, d_v)
    weights : numpy.ndarray, shape (..., T_q, T_k)
        Each row is a probability vector.
    """
    V = as_float_array(V, "V")
    S = attention_scores(Q, K)
    if V.shape[-2] != S.shape[-1]:
        raise ValueError(f"K and V must have the same number of tokens, got {S.shape[-1]} and {V.shape[-2]}")
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool:
            raise TypeError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
        try:
            m = np.broadcast_to(m, S.shape)
        except ValueError:
            raise ValueError(f"mask of shape {np.shape(mask)} does not broadcast to scores {S.shape}") from None
        if not np.all(m.any(axis=-1)):
            raise ValueError("mask leaves some query with no key to attend to")
        S = np.where(m, S, -np.inf)
    W = softmax(S, axis=-1)
    return W @ V, W


def split_heads(X: Any, n_heads: int) -> np.ndarray:
    """``(..., T, d) -> (..., h, T, d/h)``: cut the feature axis into ``h`` heads."""
    X = as_float_array(X, "X")
    n_heads = check_int(n_heads, "n_heads", minimum=1)
    *lead, T, d = X.shape
    if d % n_heads:
        raise ValueError(f"the feature size {d} is not divisible by n_heads={n_heads}")
    return np.swapaxes(X.reshape(*lead, T, n_heads, d // n_heads), -2, -3)


def merge_heads(X: Any) -> np.ndarray:
    """Inverse of :func:`split_heads`: ``(..., h, T, d_h) -> (..., T, h·d_h)``."""
    X = as_float_array(X, "X")
    if X.ndim < 3:
        raise ValueError(f"X must have at least 3 dimensions (heads × tokens × features), got shape {X.shape}")
    Y = np.swapaxes(X, -2, -3)
    return Y.reshape(*Y.shape[:-2], Y.shape[-2] * Y.shape[-1])


def multi_head_attention(
    X: Any,
    Wq: Any,
    Wk: Any,
    Wv: Any,
    Wo: Any,
    n_heads: int,
    *,
    causal: bool = True,
    return_weights: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Multi-head self-attention of a sequence ``X`` (..., T, d) with d × d projections.

    ``Q = X Wq`` etc. are split into heads, each head attends on its own, and the
    concatenated head outputs are mixed by ``Wo``. With ``return_weights`` the
    attention weights (..., h, T, T) are returned too.
    """
    X = as_float_array(X, "X")
    mats = [as_float_array(W, name, ndim=2) for W, name in ((Wq, "Wq"), (Wk, "Wk"), (Wv, "Wv"), (Wo, "Wo"))]
    d = X.shape[-1]
    for W, name in zip(mats, ("Wq", "Wk", "Wv", "Wo")):
        if W.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}), got {W.shape}")
    Q, K, V = (split_heads(X @ W, n_heads) for W in mats[:3])
    mask = causal_mask(X.shape[-2]) if causal else None
    out, weights = scaled_dot_product_attention(Q, K, V, mask)
    Y = merge_heads(out) @ mats[3]
    return (Y, weights) if return_weights else Y


def sinusoidal_positions(T: int, d: int, *, base: float = 10000.0) -> np.ndarray:
    """Sinusoidal position encodings (T × d) of Vaswani et al. (2017).

    ``PE[pos, 2i] = sin(pos / base^(2i/d))`` and ``PE[pos, 2i+1] = cos(pos / base^(2i/d))``.
    """
    T = check_int(T, "T", minimum=1)
    d = check_int(d, "d", minimum=2)
    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    base = check_positive(base, "base")
    pos = np.arange(T)[:, None]
    freq = base ** (-np.arange(0, d, 2) / d)
    PE = np.empty((T, d))
    PE[:, 0::2] = np.sin(pos * freq)
    PE[:, 1::2] = np.cos(pos * freq)
    return PE


def rope_angles(positions: Any, d: int, *, base: float = 10000.0) -> np.ndarray:
    """Rotation angles ``m · theta_i`` (len(positions) × d/2), ``theta_i = base^(-2i/d)``."""
    d = check_int(d, "d", minimum=2)
    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    base = check_positive(base, "base")
    pos = as_float_array(positions, "positions", ndim=1)
    return pos[:, None] * base ** (-np.arange(0, d, 2) / d)[None, :]


def apply_rope(X: Any, positions: Any = None, *, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding (Su et al.): rotate feature pairs ``(2i, 2i+1)`` of row ``m`` by ``m·theta_i``.

    After rotation the dot product of a query at position ``m`` with a key at
    position ``n`` depends on the positions only through ``m - n``.

    Parameters
    ----------
    X : array_like, shape (..., T, d)
    positions : array_like of length T, optional
        Absolute positions of the rows (default ``0 .. T-1``).
    """
    X = as_float_array(X, "X")
    if X.ndim < 2:
        raise ValueError("X must have at least 2 dimensions (tokens × features)")
    T, d = X.shape[-2:]
    if positions is None:
        positions = np.arange(T)
    ang = rope_angles(positions, d, base=base)
    if ang.shape[0] != T:
        raise ValueError(f"positions must have length {T}, got {ang.shape[0]}")
    c, s = np.cos(ang), np.sin(ang)
    x0, x1 = X[..., 0::2], X[..., 1::2]
    out = np.empty_like(X)
    out[..., 0::2] = x0 * c - x1 * s
    out[..., 1::2] = x0 * s + x1 * c
    return out


def blockwise_attention(Q: Any, K: Any, V: Any, block_size: int, *, causal: bool = False) -> np.ndarray:
    """Exact attention computed over blocks of keys with an online softmax (the idea behind FlashAttention).

    Keys and values are visited ``block_size`` at a time. For each query the routine
    keeps a running maximum ``m``, a running normaliser ``l`` and an unnormalised
    output ``o``; when a new block raises the maximum, the old sums are rescaled by
    ``exp(m_old - m_new)``. The full ``T_q × T_k`` score matrix is never stored, yet
    the result equals :func:`scaled_dot_product_attention` up to rounding.
    """
    Q = as_float_array(Q, "Q", ndim=2)
    K = as_float_array(K, "K", ndim=2)
    V = as_float_array(V, "V", ndim=2)
    block_size = check_int(block_size, "block_size", minimum=1)
    if Q.shape[1] != K.shape[1] or K.shape[0] != V.shape[0]:
        raise ValueError(f"shapes do not fit: Q {Q.shape}, K {K.shape}, V {V.shape}")
    Tq, Tk = Q.shape[0], K.shape[0]
    if causal and Tq != Tk:
        raise ValueError("causal blockwise attention needs as many queries as keys")
    m = np.full(Tq, -np.inf)
    l = np.zeros(Tq)
    o = np.zeros((Tq, V.shape[1]))
    scale = 1.0 / np.sqrt(Q.shape[1])
    for start in range(0, Tk, block_size):
        stop = min(start + block_size, Tk)
        S = (Q @ K[start:stop].T) * scale
        if causal:
            S = np.where(np.arange(start, stop)[None, :] <= np.arange(Tq)[:, None], S, -np.inf)
        m_new = np.maximum(m, S.max(axis=1))
        safe = np.where(np.isfinite(m_new), m_new, 0.0)
        P = np.exp(S - safe[:, None])
        corr = np.exp(np.where(np.isfinite(m), m - safe, -np.inf))
        l = corr * l + P.sum(axis=1)
        o = corr[:, None] * o + P @ V[start:stop]
        m = m_new
    return o / l[:, None]
