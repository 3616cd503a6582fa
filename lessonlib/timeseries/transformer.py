"""Scaled dot-product attention over time steps, with an optional causal mask.

``Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V``; with a causal mask the weight
``A_ij`` is forced to 0 for ``j > i`` (time step ``i`` cannot look at the future).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int

__all__ = ["softmax", "causal_mask", "attention", "self_attention"]


def softmax(x, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax; entries equal to ``-inf`` get probability 0."""
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    if np.any(s == 0):
        raise ValueError("a row of x is entirely -inf: nothing to attend to")
    return e / s


def causal_mask(T: int) -> np.ndarray:
    """``T x T`` boolean matrix, True where attention is allowed (``j <= i``)."""
    T = check_int(T, "T", minimum=1)
    return np.tril(np.ones((T, T), dtype=bool))


def attention(Q, K, V, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention.

    Parameters
    ----------
    Q : array_like, shape (T_q, d_k)
    K : array_like, shape (T_k, d_k)
    V : array_like, shape (T_k, d_v)
    mask : array_like of bool, shape (T_q, T_k), optional
        True where attention is allowed.

    Returns
    -------
    out : numpy.ndarray, shape (T_q, d_v)
    weights : numpy.ndarray, shape (T_q, T_k)
        Rows sum to 1; masked entries are exactly 0.
    """
    Q = as_float_array(Q, "Q", ndim=2)
    K = as_float_array(K, "K", ndim=2)
    V = as_float_array(V, "V", ndim=2)
    if Q.shape[1] != K.shape[1]:
        raise ValueError(f"Q and K must have the same width d_k, got {Q.shape[1]} and {K.shape[1]}")
    if K.shape[0] != V.shape[0]:
        raise ValueError(f"K and V must have the same length, got {K.shape[0]} and {V.shape[0]}")
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != scores.shape:
            raise ValueError(f"mask must have shape {scores.shape}, got {mask.shape}")
        scores = np.where(mask, scores, -np.inf)
    W = softmax(scores, axis=1)
    return W @ V, W


def self_attention(X, W_Q, W_K, W_V, *, causal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``Q = X W_Q``, ``K = X W_K``, ``V = X W_V`` and :func:`attention` (causal if asked)."""
    X = as_float_array(X, "X", ndim=2)
    Q, K, V = X @ as_float_array(W_Q, "W_Q", ndim=2), X @ as_float_array(W_K, "W_K", ndim=2), X @ as_float_array(W_V, "W_V", ndim=2)
    return attention(Q, K, V, causal_mask(X.shape[0]) if causal else None)
