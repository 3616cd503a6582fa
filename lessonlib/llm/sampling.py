"""From logits to a next token: softmax with temperature, top-k and top-p (nucleus) sampling."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_in_range, check_int, check_positive, check_rng

__all__ = [
    "softmax",
    "log_softmax",
    "entropy",
    "top_k_filter",
    "top_p_filter",
    "next_token_distribution",
    "sample_token",
]


def softmax(z: Any, *, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """Softmax of logits ``z / temperature`` along ``axis``, computed stably.

    The maximum is subtracted before exponentiating; softmax is unchanged by adding a
    constant to every logit, so this changes nothing but prevents overflow. Logits of
    ``-inf`` (masked entries) get probability 0.
    """
    z = as_float_array(z, "z")
    temperature = check_positive(temperature, "temperature")
    s = z / temperature
    m = np.max(s, axis=axis, keepdims=True)
    if np.any(~np.isfinite(m)):
        raise ValueError("z must have at least one finite logit along axis")
    e = np.exp(s - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: Any, *, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """``log softmax(z / temperature)`` via the log-sum-exp trick (no underflow to -inf)."""
    z = as_float_array(z, "z")
    temperature = check_positive(temperature, "temperature")
    s = z / temperature
    m = np.max(s, axis=axis, keepdims=True)
    return s - m - np.log(np.sum(np.exp(s - m), axis=axis, keepdims=True))


def entropy(p: Any, *, axis: int = -1) -> np.ndarray | float:
    """Shannon entropy ``-sum p log p`` in nats (``0 log 0 = 0``)."""
    p = as_float_array(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    h = np.sum(terms, axis=axis)
    return float(h) if np.ndim(h) == 0 else h


def _check_dist(p: Any) -> np.ndarray:
    p = as_float_array(p, "p", ndim=1)
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError("p must be a probability vector (non-negative, summing to 1)")
    return p


def top_k_filter(p: Any, k: int) -> np.ndarray:
    """Keep the ``k`` most probable tokens and renormalise (ties: lower ID first)."""
    p = _check_dist(p)
    k = check_int(k, "k", minimum=1)
    k = min(k, p.size)
    order = np.argsort(-p, kind="stable")
    out = np.zeros_like(p)
    keep = order[:k]
    out[keep] = p[keep]
    return out / out.sum()


def top_p_filter(p: Any, top_p: float) -> np.ndarray:
    """Nucleus filter: the smallest set of most probable tokens with total mass >= ``top_p``.

    Tokens are sorted by probability (ties: lower ID first); the kept ones are
    renormalised. ``top_p = 1`` keeps every token of non-zero probability.
    """
    p = _check_dist(p)
    top_p = check_in_range(top_p, "top_p", 0.0, 1.0, low_inclusive=False)
    order = np.argsort(-p, kind="stable")
    cum = np.cumsum(p[order])
    # first position where the cumulative mass reaches top_p (tolerate rounding)
    n_keep = int(np.searchsorted(cum, top_p - 1e-12) + 1)
    n_keep = min(n_keep, p.size)
    out = np.zeros_like(p)
    keep = order[:n_keep]
    out[keep] = p[keep]
    return out / out.sum()


def next_token_distribution(
    logits: Any, *, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> np.ndarray:
    """The distribution a sampler draws from: softmax with temperature, then top-k, then top-p."""
    p = softmax(as_float_array(logits, "logits", ndim=1), temperature=temperature)
    if top_k is not None:
        p = top_k_filter(p, top_k)
    if top_p is not None:
        p = top_p_filter(p, top_p)
    return p


def sample_token(
    logits: Any,
    rng: Any,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    size: int | None = None,
) -> int | np.ndarray:
    """Draw the next token ID (or ``size`` independent draws) from the filtered softmax."""
    rng = check_rng(rng)
    p = next_token_distribution(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    if size is None:
        return int(rng.choice(p.size, p=p))
    size = check_int(size, "size", minimum=1)
    return rng.choice(p.size, p=p, size=size)
