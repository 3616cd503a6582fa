"""Training maths: cross-entropy and its gradient, finite-difference checks, AdamW.

The headline identity: for logits ``z`` and a target token ``y``,
``d/dz [-log softmax(z)_y] = softmax(z) - onehot(y)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._validate import as_float_array, check_in_range, check_int, check_positive
from .sampling import log_softmax, softmax

__all__ = [
    "cross_entropy_logits",
    "numerical_gradient",
    "AdamWState",
    "adamw_step",
    "train_bigram_logits",
]


def cross_entropy_logits(logits: Any, targets: Any) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of rows of ``logits`` (N × V) against integer ``targets`` (N), and its gradient.

    Returns
    -------
    loss : float
        ``-(1/N) sum_n log softmax(z_n)[y_n]`` in nats.
    grad : numpy.ndarray
        ``(softmax(z) - onehot(y)) / N``, same shape as ``logits``.
    """
    Z = as_float_array(logits, "logits", ndim=(1, 2))
    one_row = Z.ndim == 1
    Z = np.atleast_2d(Z)
    y = np.atleast_1d(np.asarray(targets))
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"targets must hold integers, got dtype {y.dtype}")
    if y.shape != (Z.shape[0],):
        raise ValueError(f"targets must have shape ({Z.shape[0]},), got {y.shape}")
    if np.any(y < 0) or np.any(y >= Z.shape[1]):
        raise ValueError(f"targets must lie in [0, {Z.shape[1] - 1}]")
    N = Z.shape[0]
    lp = log_softmax(Z)
    loss = float(-lp[np.arange(N), y].mean())
    G = softmax(Z)
    G[np.arange(N), y] -= 1.0
    G /= N
    return loss, (G[0] if one_row else G)


def numerical_gradient(f: Callable[[np.ndarray], float], x: Any, *, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    Each coordinate costs two calls: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``,
    with an error of order ``eps²``.
    """
    x = as_float_array(x, "x").copy()
    eps = check_positive(eps, "eps")
    g = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        fp = float(f(x))
        x[idx] = old - eps
        fm = float(f(x))
        x[idx] = old
        g[idx] = (fp - fm) / (2 * eps)
    return g


@dataclass
class AdamWState:
    """First and second moment estimates and the step counter of AdamW."""

    m: np.ndarray
    v: np.ndarray
    t: int = 0

    @classmethod
    def zeros_like(cls, theta: Any) -> "AdamWState":
        theta = as_float_array(theta, "theta")
        return cls(np.zeros_like(theta), np.zeros_like(theta), 0)


def adamw_step(
    theta: Any,
    grad: Any,
    state: AdamWState,
    *,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> tuple[np.ndarray, AdamWState]:
    """One AdamW update (Loshchilov and Hutter, 2019), returning new parameters and state.

    ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g²``, bias corrections
    ``m^ = m / (1-b1^t)``, ``v^ = v / (1-b2^t)``, and
    ``theta <- theta - lr (m^ / (sqrt(v^) + eps) + weight_decay · theta)``: the decay is
    applied to the weights directly, not added to the gradient (that is the "W").
    """
    theta = as_float_array(theta, "theta")
    g = as_float_array(grad, "grad")
    if g.shape != theta.shape:
        raise ValueError(f"grad must have the shape of theta {theta.shape}, got {g.shape}")
    if state.m.shape != theta.shape:
        raise ValueError("state does not match theta's shape")
    lr = check_positive(lr, "lr")
    beta1 = check_in_range(beta1, "beta1", 0.0, 1.0, high_inclusive=False)
    beta2 = check_in_range(beta2, "beta2", 0.0, 1.0, high_inclusive=False)
    eps = check_positive(eps, "eps")
    weight_decay = check_positive(weight_decay, "weight_decay", strict=False)
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * g
    v = beta2 * state.v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    new = theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta)
    return new, AdamWState(m, v, t)


def train_bigram_logits(
    counts: Any,
    *,
    steps: int = 300,
    lr: float = 0.1,
    weight_decay: float = 0.0,
    init: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit a bigram "neural" LM (a V × V logit table) to bigram counts with AdamW.

    The loss is the average next-token cross-entropy over all bigram occurrences,
    whose minimum is reached by the count-based estimate ``softmax(W) = counts /
    row sums`` for every context that occurs.

    Returns
    -------
    W : numpy.ndarray
        Final logits (V × V).
    history : numpy.ndarray
        Loss (nats per token) before each step, then after the last (``steps + 1`` values).
    """
    C = as_float_array(counts, "counts", ndim=2)
    if C.shape[0] != C.shape[1] or np.any(C < 0) or C.sum() <= 0:
        raise ValueError("counts must be a square, non-negative matrix with a positive total")
    steps = check_int(steps, "steps", minimum=0)
    n = C.sum()
    W = np.zeros_like(C) if init is None else as_float_array(init, "init", ndim=2).copy()
    state = AdamWState.zeros_like(W)
    hist = np.empty(steps + 1)

    def loss_grad(W: np.ndarray) -> tuple[float, np.ndarray]:
        lp = log_softmax(W)
        loss = float(-(C * lp).sum() / n)
        grad = (C.sum(axis=1, keepdims=True) * softmax(W) - C) / n
        return loss, grad

    for k in range(steps):
        hist[k], g = loss_grad(W)
        W, state = adamw_step(W, g, state, lr=lr, weight_decay=weight_decay)
    hist[steps] = loss_grad(W)[0]
    return W, hist
