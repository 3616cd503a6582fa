"""ODE solvers and a small neural ODE trained by backpropagation through the solver.

A neural ODE defines a continuous-time hidden state by ``dh/dt = f_theta(h)`` and
reads predictions off ``h(t)`` at any time, which suits irregularly sampled series.
Here ``f_theta`` is a one-hidden-layer MLP, the solver is classical RK4 on a fixed
grid, and gradients are computed exactly for the discrete solver by reverse-mode
differentiation through its stages ("discretise, then optimise"). The adjoint method of
Chen et al. (2018) computes the same gradient by solving a second ODE backwards in time
with memory that does not grow with the number of steps.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_float_array, check_int, check_positive, check_rng

__all__ = [
    "euler_solve",
    "rk4_solve",
    "init_mlp_field",
    "mlp_field",
    "neural_ode_solve",
    "neural_ode_loss_and_grad",
    "fit_neural_ode",
]

Params = dict[str, np.ndarray]


def _grid(t) -> np.ndarray:
    t = as_float_array(t, "t", ndim=1)
    if t.shape[0] < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a strictly increasing grid of at least 2 points")
    return t


def euler_solve(f: Callable, y0, t) -> np.ndarray:
    """Explicit Euler ``y_{n+1} = y_n + dt f(t_n, y_n)`` on the grid ``t``; returns ``(len(t),) + y0.shape``."""
    t = _grid(t)
    y = as_float_array(y0, "y0").copy()
    out = np.zeros((t.shape[0],) + y.shape)
    out[0] = y
    for n in range(t.shape[0] - 1):
        y = y + (t[n + 1] - t[n]) * np.asarray(f(t[n], y))
        out[n + 1] = y
    return out


def rk4_solve(f: Callable, y0, t) -> np.ndarray:
    """Classical fourth-order Runge–Kutta on the grid ``t`` (global error ``O(dt^4)``)."""
    t = _grid(t)
    y = as_float_array(y0, "y0").copy()
    out = np.zeros((t.shape[0],) + y.shape)
    out[0] = y
    for n in range(t.shape[0] - 1):
        h = t[n + 1] - t[n]
        k1 = np.asarray(f(t[n], y))
        k2 = np.asarray(f(t[n] + h / 2, y + h / 2 * k1))
        k3 = np.asarray(f(t[n] + h / 2, y + h / 2 * k2))
        k4 = np.asarray(f(t[n] + h, y + h * k3))
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[n + 1] = y
    return out


def init_mlp_field(d: int, hidden: int, rng, *, scale: float = 0.1) -> Params:
    """Parameters of ``f(h) = W2 tanh(W1 h + b1) + b2`` with ``N(0, scale^2)`` weights."""
    d = check_int(d, "d", minimum=1)
    hidden = check_int(hidden, "hidden", minimum=1)
    rng = check_rng(rng)
    scale = check_positive(scale, "scale")
    return {
        "W1": rng.normal(0, scale, (hidden, d)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(0, scale, (d, hidden)),
        "b2": np.zeros(d),
    }


def mlp_field(h, p: Params) -> np.ndarray:
    """Evaluate ``f(h) = W2 tanh(W1 h + b1) + b2`` for ``h`` of shape (d,) or (batch, d)."""
    h = np.asarray(h, dtype=float)
    return np.tanh(h @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"]


def _field_vjp(h: np.ndarray, p: Params, g: np.ndarray, grads: Params) -> np.ndarray:
    """Add the parameter cotangents of ``g . f(h)`` to ``grads``; return the cotangent for ``h``."""
    z = np.tanh(h @ p["W1"].T + p["b1"])
    grads["W2"] += g.T @ z
    grads["b2"] += g.sum(axis=0)
    da = (g @ p["W2"]) * (1.0 - z * z)
    grads["W1"] += da.T @ h
    grads["b1"] += da.sum(axis=0)
    return da @ p["W1"]


def neural_ode_solve(p: Params, h0, t) -> np.ndarray:
    """RK4 solution of ``dh/dt = mlp_field(h)`` from ``h0`` (shape (batch, d) or (d,)) on the grid ``t``."""
    return rk4_solve(lambda _t, h: mlp_field(h, p), h0, t)


def neural_ode_loss_and_grad(p: Params, h0, t, targets) -> tuple[float, Params]:
    """Mean squared error between the RK4 trajectory and ``targets`` at ``t[1:]``, and its exact gradient.

    Parameters
    ----------
    p : dict
        MLP parameters (:func:`init_mlp_field`).
    h0 : array_like, shape (batch, d)
        Initial states.
    t : array_like, shape (n,)
        Time grid; the loss uses the states at ``t[1], ..., t[n-1]``.
    targets : array_like, shape (n - 1, batch, d)

    Returns
    -------
    loss : float
        ``mean((h(t_j) - target_j)^2)`` over all times, batch entries and coordinates.
    grads : dict
        ``d loss / d p`` for each parameter, computed by reverse-mode differentiation
        through every RK4 stage.
    """
    t = _grid(t)
    h = as_float_array(h0, "h0", ndim=2)
    targets = as_float_array(targets, "targets", ndim=3)
    n = t.shape[0]
    if targets.shape != (n - 1,) + h.shape:
        raise ValueError(f"targets must have shape {(n - 1,) + h.shape}, got {targets.shape}")
    f = lambda x: mlp_field(x, p)  # noqa: E731
    states, stages = [h], []
    for j in range(n - 1):
        dt = t[j + 1] - t[j]
        u1 = h
        k1 = f(u1)
        u2 = h + dt / 2 * k1
        k2 = f(u2)
        u3 = h + dt / 2 * k2
        k3 = f(u3)
        u4 = h + dt * k3
        k4 = f(u4)
        h = h + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        states.append(h)
        stages.append((u1, u2, u3, u4))
    pred = np.stack(states[1:])
    diff = pred - targets
    loss = float(np.mean(diff * diff))
    dpred = 2.0 * diff / diff.size
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    g = np.zeros_like(h)
    for j in range(n - 2, -1, -1):
        g = g + dpred[j]  # cotangent of the state after step j
        dt = t[j + 1] - t[j]
        u1, u2, u3, u4 = stages[j]
        a4 = dt / 6 * g
        a3 = dt / 3 * g
        a2 = dt / 3 * g
        a1 = dt / 6 * g
        gy = g.copy()
        du4 = _field_vjp(u4, p, a4, grads)
        gy += du4
        a3 = a3 + dt * du4
        du3 = _field_vjp(u3, p, a3, grads)
        gy += du3
        a2 = a2 + dt / 2 * du3
        du2 = _field_vjp(u2, p, a2, grads)
        gy += du2
        a1 = a1 + dt / 2 * du2
        gy += _field_vjp(u1, p, a1, grads)
        g = gy
    return loss, grads


def fit_neural_ode(series, t, rng, *, hidden: int = 32, segment: int = 10, batch: int = 16,
                   n_iter: int = 600, lr: float = 0.01, params: Params | None = None) -> tuple[Params, np.ndarray]:
    """Fit a neural ODE to one observed trajectory by Adam on random short segments.

    Each iteration draws ``batch`` start indices, integrates ``segment`` steps from the
    observed states there and compares with the observed continuation (the mini-batch
    scheme of Chen et al.'s spiral demo).

    Parameters
    ----------
    series : array_like, shape (n, d)
        Observed states on the grid ``t``.
    t : array_like, shape (n,)
        Evenly spaced observation times.
    rng : numpy.random.Generator or int

    Returns
    -------
    params : dict
    losses : numpy.ndarray, shape (n_iter,)
    """
    Y = as_float_array(series, "series", ndim=2)
    t = _grid(t)
    if t.shape[0] != Y.shape[0]:
        raise ValueError("series and t must have the same length")
    rng = check_rng(rng)
    segment = check_int(segment, "segment", minimum=1)
    batch = check_int(batch, "batch", minimum=1)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    lr = check_positive(lr, "lr")
    if Y.shape[0] <= segment:
        raise ValueError("series is shorter than one segment")
    steps = np.diff(t)
    if not np.allclose(steps, steps[0]):
        raise ValueError("t must be evenly spaced (segments share one time grid)")
    p = init_mlp_field(Y.shape[1], hidden, rng) if params is None else {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v2 = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    losses = np.zeros(n_iter)
    for it in range(1, n_iter + 1):
        s = rng.integers(0, Y.shape[0] - segment, batch)
        h0 = Y[s]
        tgt = np.stack([Y[s + j] for j in range(1, segment + 1)])
        tt = t[: segment + 1] - t[0]
        loss, g = neural_ode_loss_and_grad(p, h0, tt, tgt)
        losses[it - 1] = loss
        for k in p:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v2[k] = b2 * v2[k] + (1 - b2) * g[k] ** 2
            p[k] -= lr * (m[k] / (1 - b1**it)) / (np.sqrt(v2[k] / (1 - b2**it)) + eps)
    return p, losses
