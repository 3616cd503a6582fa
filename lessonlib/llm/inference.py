"""Inference costs: KV-cache memory, per-token decoding cost and speculative decoding."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_in_range, check_int, check_positive, check_rng

__all__ = [
    "kv_cache_bytes",
    "decode_step_cost",
    "acceptance_rate",
    "speculative_expected_tokens",
    "speculative_speedup",
    "speculative_output_distribution",
    "speculative_sample",
    "simulate_speculative_tokens",
]


def kv_cache_bytes(
    batch: int, seq_len: int, n_layers: int, n_kv_heads: int, d_head: int, bytes_per_element: float = 2
) -> int | float:
    """Memory of a KV cache: ``2 · B · T · L · H_kv · d_head · bytes`` (the 2 is keys and values).

    ``n_kv_heads`` is the number of key/value heads: equal to the query heads for
    standard multi-head attention, smaller with grouped-query attention, 1 with
    multi-query attention. ``bytes_per_element`` is 2 for fp16/bf16, 1 for int8.
    """
    B = check_int(batch, "batch", minimum=1)
    T = check_int(seq_len, "seq_len", minimum=0)
    L = check_int(n_layers, "n_layers", minimum=1)
    H = check_int(n_kv_heads, "n_kv_heads", minimum=1)
    dh = check_int(d_head, "d_head", minimum=1)
    b = check_positive(bytes_per_element, "bytes_per_element")
    total = 2 * B * T * L * H * dh * b
    return int(total) if float(total).is_integer() else total


def decode_step_cost(
    n_params: float,
    n_layers: int,
    context: int,
    n_kv_heads: int,
    d_head: int,
    *,
    n_heads: int | None = None,
    batch: int = 1,
    bytes_per_element: float = 2,
) -> dict[str, float]:
    """Rough cost of generating one token per sequence with a KV cache.

    * FLOPs: ``2 N`` per sequence for the weight matrix products plus
      ``4 · L · context · H · d_head`` for the scores ``q K^T`` and the sum ``a V``
      (``H`` = query heads).
    * Bytes read: all weights once per step (shared by the batch) plus each
      sequence's KV cache.

    Returns a dict with ``flops``, ``weight_bytes``, ``kv_bytes``, ``bytes`` and
    ``intensity`` (FLOPs per byte). Small intensities mean the step is limited by
    memory bandwidth, not arithmetic.
    """
    N = check_positive(n_params, "n_params")
    H = n_kv_heads if n_heads is None else check_int(n_heads, "n_heads", minimum=1)
    b = check_positive(bytes_per_element, "bytes_per_element")
    B = check_int(batch, "batch", minimum=1)
    kv = kv_cache_bytes(B, context, n_layers, n_kv_heads, d_head, b)
    flops = B * (2 * N + 4 * n_layers * context * H * d_head)
    wbytes = N * b
    total = wbytes + kv
    return {"flops": float(flops), "weight_bytes": float(wbytes), "kv_bytes": float(kv), "bytes": float(total), "intensity": float(flops / total)}


def acceptance_rate(p: Any, q: Any) -> float:
    """Expected acceptance ``alpha = sum_x min(p(x), q(x))`` of a draft ``q`` for a target ``p``.

    Equal to one minus the total-variation distance between the two distributions.
    """
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    return float(np.minimum(p, q).sum())


def speculative_expected_tokens(alpha: Any, gamma: int) -> Any:
    """Expected tokens per target-model call with ``gamma`` drafted tokens (Leviathan et al., 2023).

    Each drafted token is accepted with probability ``alpha`` independently until the
    first rejection; one more token always comes from the target model (a correction
    or a bonus token). So ``E = 1 + alpha + ... + alpha^gamma = (1 - alpha^(gamma+1)) / (1 - alpha)``.
    """
    gamma = check_int(gamma, "gamma", minimum=0)
    a = as_float_array(alpha, "alpha")
    if np.any(a < 0) or np.any(a > 1):
        raise ValueError("alpha must lie in [0, 1]")
    with np.errstate(invalid="ignore", divide="ignore"):
        E = np.where(a < 1, (1 - a ** (gamma + 1)) / np.where(a < 1, 1 - a, 1.0), gamma + 1.0)
    return float(E) if E.ndim == 0 else E


def speculative_speedup(alpha: Any, gamma: int, cost_ratio: float) -> Any:
    """Expected wall-time speed-up ``E[tokens] / (gamma c + 1)`` for a draft that costs ``c`` target calls."""
    c = check_positive(cost_ratio, "cost_ratio", strict=False)
    return speculative_expected_tokens(alpha, gamma) / (check_int(gamma, "gamma", minimum=0) * c + 1)


def speculative_output_distribution(p: Any, q: Any) -> np.ndarray:
    """Exact law of the token emitted by one speculative step (it equals ``p``).

    Draw ``x ~ q``; accept with probability ``min(1, p(x)/q(x))``; on rejection draw
    from the residual ``max(p - q, 0)`` normalised. The emitted law is
    ``min(p, q) + (1 - alpha) · residual``.
    """
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    acc = np.minimum(p, q)
    res = np.maximum(p - q, 0.0)
    rej = 1.0 - acc.sum()
    if res.sum() > 0:
        return acc + rej * res / res.sum()
    return acc


def speculative_sample(p: Any, q: Any, rng: Any) -> tuple[int, bool]:
    """One speculative step for a single position: returns ``(token, accepted)``."""
    rng = check_rng(rng)
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    x = int(rng.choice(q.size, p=q / q.sum()))
    if rng.random() * q[x] < p[x]:  # accept with probability min(1, p/q)
        return x, True
    res = np.maximum(p - q, 0.0)
    return int(rng.choice(p.size, p=res / res.sum())), False


def simulate_speculative_tokens(alpha: float, gamma: int, n_calls: int, rng: Any) -> np.ndarray:
    """Tokens produced by each of ``n_calls`` target calls when each draft is accepted with probability ``alpha``."""
    alpha = check_in_range(alpha, "alpha", 0.0, 1.0)
    gamma = check_int(gamma, "gamma", minimum=0)
    n_calls = check_int(n_calls, "n_calls", minimum=1)
    rng = check_rng(rng)
    acc = rng.random((n_calls, gamma)) < alpha
    # accepted drafts = length of the leading run of True
    run = np.where(acc.all(axis=1), gamma, np.argmin(acc, axis=1)) if gamma else np.zeros(n_calls, int)
    return run + 1
