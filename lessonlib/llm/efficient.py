"""Making big models cheaper: int8 quantisation, LoRA adapters and mixture-of-experts routing."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .._validate import as_float_array, check_int, check_positive, check_rng
from .sampling import softmax

__all__ = [
    "quantize_int8",
    "dequantize_int8",
    "quantization_error",
    "lora_params",
    "init_lora",
    "lora_forward",
    "moe_topk_gate",
    "moe_forward",
    "load_balancing_loss",
]


def quantize_int8(x: Any, *, axis: int | None = None) -> tuple[np.ndarray, np.ndarray | float]:
    """Symmetric absmax int8 quantisation: ``q = round(x / s)`` with ``s = max|x| / 127``.

    Parameters
    ----------
    x : array_like
        Values to quantise.
    axis : int, optional
        ``None`` = one scale for the whole tensor; an axis = one scale per slice along
        the *other* axes (for a weight matrix, ``axis=1`` gives one scale per row).

    Returns
    -------
    q : numpy.ndarray of int8
    scale : float or numpy.ndarray
        Dequantise with ``q * scale``. Rounding is half-to-even (NumPy's ``round``).
    """
    x = as_float_array(x, "x")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must contain only finite values")
    amax = np.max(np.abs(x)) if axis is None else np.max(np.abs(x), axis=axis, keepdims=True)
    # amax / 127 underflows to 0 for subnormal inputs: such a tensor quantises to zeros
    # with a unit scale (its values are below any int8 step) instead of dividing by zero
    step = amax / 127.0
    scale = np.where(step > 0, step, 1.0)
    q = np.clip(np.round(x / scale), -127, 127).astype(np.int8)
    return q, (float(scale) if axis is None else scale)


def dequantize_int8(q: Any, scale: Any) -> np.ndarray:
    """``q * scale`` as float64."""
    return np.asarray(q, dtype=np.float64) * np.asarray(scale, dtype=np.float64)


def quantization_error(x: Any, *, axis: int | None = None) -> dict[str, float]:
    """Round-trip error of :func:`quantize_int8`: max and RMS absolute error, and the bound ``s/2``."""
    x = as_float_array(x, "x")
    q, s = quantize_int8(x, axis=axis)
    err = dequantize_int8(q, s) - x
    return {
        "max_abs": float(np.max(np.abs(err))),
        "rms": float(np.sqrt(np.mean(err**2))),
        "bound": float(np.max(s) / 2),
        "bytes_fp32": float(x.size * 4),
        "bytes_int8": float(x.size + np.size(s) * 4),
    }


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """Trainable parameters of a rank-``r`` LoRA adapter on a ``d_out × d_in`` weight: ``r (d_in + d_out)``."""
    d_in = check_int(d_in, "d_in", minimum=1)
    d_out = check_int(d_out, "d_out", minimum=1)
    r = check_int(r, "r", minimum=1)
    return r * (d_in + d_out)


def init_lora(d_in: int, d_out: int, r: int, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    """LoRA factors as in Hu et al. (2022): ``A`` (r × d_in) Gaussian, ``B`` (d_out × r) zero."""
    lora_params(d_in, d_out, r)
    rng = check_rng(rng)
    return rng.normal(0.0, 1.0 / np.sqrt(d_in), (r, d_in)), np.zeros((d_out, r))


def lora_forward(x: Any, W: Any, A: Any, B: Any, *, alpha: float | None = None) -> np.ndarray:
    """``h = W x + (alpha / r) B A x`` for rows ``x`` (..., d_in); ``W`` is d_out × d_in and frozen.

    ``alpha`` defaults to ``r`` (scaling 1).
    """
    x = as_float_array(x, "x")
    W = as_float_array(W, "W", ndim=2)
    A = as_float_array(A, "A", ndim=2)
    B = as_float_array(B, "B", ndim=2)
    r = A.shape[0]
    if A.shape[1] != W.shape[1] or B.shape != (W.shape[0], r) or x.shape[-1] != W.shape[1]:
        raise ValueError(f"shapes do not fit: x {x.shape}, W {W.shape}, A {A.shape}, B {B.shape}")
    scale = 1.0 if alpha is None else check_positive(alpha, "alpha") / r
    return x @ W.T + scale * (x @ A.T) @ B.T


def moe_topk_gate(logits: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k routing: for each token keep the ``k`` largest router logits and softmax over them.

    Returns ``(experts, weights)``, both of shape (..., k); experts are sorted by
    decreasing logit (ties: lower index first) and each row of weights sums to 1.
    """
    Z = as_float_array(logits, "logits")
    k = check_int(k, "k", minimum=1)
    n = Z.shape[-1]
    if k > n:
        raise ValueError(f"k must be <= the number of experts {n}, got {k}")
    idx = np.argsort(-Z, axis=-1, kind="stable")[..., :k]
    top = np.take_along_axis(Z, idx, axis=-1)
    return idx, softmax(top, axis=-1)


def moe_forward(
    X: Any, W_router: Any, experts: Sequence[Callable[[np.ndarray], np.ndarray]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sparse mixture of experts on rows ``X`` (T × d): ``y_t = sum_{e in top-k} g_{t,e} f_e(x_t)``.

    Only the selected experts run on each token. Returns the outputs (T × d_out) and
    the routing (T × k expert indices).
    """
    X = as_float_array(X, "X", ndim=2)
    Wr = as_float_array(W_router, "W_router", ndim=2)
    if Wr.shape != (X.shape[1], len(experts)):
        raise ValueError(f"W_router must have shape ({X.shape[1]}, {len(experts)}), got {Wr.shape}")
    idx, w = moe_topk_gate(X @ Wr, k)
    out = None
    for e, f in enumerate(experts):
        rows, slot = np.nonzero(idx == e)
        if rows.size == 0:
            continue
        y = np.asarray(f(X[rows]), dtype=np.float64)
        if out is None:
            out = np.zeros((X.shape[0], y.shape[1]))
        out[rows] += w[rows, slot][:, None] * y
    if out is None:  # pragma: no cover - k >= 1 always routes somewhere
        raise RuntimeError("no expert was selected")
    return out, idx


def load_balancing_loss(logits: Any, experts: Any) -> float:
    """Switch-Transformer auxiliary loss ``n · sum_e f_e P_e`` (Fedus et al., 2022).

    ``f_e`` is the fraction of tokens whose first choice is expert ``e`` and ``P_e`` the
    mean router probability of ``e``. It equals 1 for perfectly uniform routing and
    grows when a few experts take most tokens.
    """
    Z = as_float_array(logits, "logits", ndim=2)
    idx = np.asarray(experts)
    first = idx[:, 0] if idx.ndim == 2 else idx
    n = Z.shape[1]
    f = np.bincount(first, minlength=n) / Z.shape[0]
    P = softmax(Z, axis=-1).mean(axis=0)
    return float(n * np.sum(f * P))
