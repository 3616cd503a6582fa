"""Brownian motion and stochastic differential equations (chapter 1.3).

SDEs are written in Itô form,

.. math:: dX_t = a(X_t, t)\\,dt + b(X_t, t)\\,dW_t ,

and solved on the grid ``t_n = t0 + n Δt`` with ``Δt = T / n_steps``. Routines:

* :func:`brownian_paths` and :func:`coarsen_increments` (sum a fine path's increments
  into a coarser one, so that two step sizes see the *same* Brownian path);
* :func:`euler_maruyama` and :func:`milstein` for scalar and vector SDEs;
* exact laws to test against: Ornstein–Uhlenbeck (:func:`ou_mean_var`,
  :func:`ou_density`, :func:`ou_exact_paths`) and geometric Brownian motion
  (:func:`gbm_exact`);
* :func:`convergence_study`, the strong and weak convergence test of Higham (SIAM
  Review 43, 2001) on geometric Brownian motion, compiled with numba.

Every random routine takes an explicit ``rng``; routines that accept ``dW`` use those
increments instead, so several methods can be compared on one Brownian path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_rng,
)
from .probability import PowerLawFit, fit_power_law, gaussian_pdf

__all__ = [
    "brownian_paths",
    "coarsen_increments",
    "euler_maruyama",
    "milstein",
    "ou_mean_var",
    "ou_density",
    "ou_exact_paths",
    "gbm_exact",
    "ConvergenceStudy",
    "convergence_study",
]


def brownian_paths(n_paths: int, T: float, n_steps: int, rng: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard Brownian paths on ``[0, T]`` sampled at ``n_steps + 1`` times.

    The increments ``ΔW_n = W_{t_{n+1}} - W_{t_n}`` are independent ``N(0, Δt)``,
    drawn as ``sqrt(Δt) Z_n``; ``W`` is their cumulative sum with ``W_0 = 0``.

    Returns
    -------
    t : numpy.ndarray, shape (n_steps + 1,)
    W : numpy.ndarray, shape (n_paths, n_steps + 1)
    dW : numpy.ndarray, shape (n_paths, n_steps)
    """
    n_paths = check_int(n_paths, "n_paths", minimum=1)
    T = check_positive(T, "T")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    rng = check_rng(rng)
    dt = T / n_steps
    dW = np.sqrt(dt) * rng.standard_normal((n_paths, n_steps))
    W = np.zeros((n_paths, n_steps + 1))
    np.cumsum(dW, axis=1, out=W[:, 1:])
    return np.linspace(0.0, T, n_steps + 1), W, dW


def coarsen_increments(dW: Any, R: int) -> np.ndarray:
    """Sum blocks of ``R`` consecutive increments (axis 1): the same path seen with step ``R Δt``."""
    dW = as_float_array(dW, "dW", ndim=(2, 3))
    R = check_int(R, "R", minimum=1)
    n = dW.shape[1]
    if n % R:
        raise ValueError(f"the number of steps ({n}) must be a multiple of R={R}")
    shape = (dW.shape[0], n // R, R) + dW.shape[2:]
    return dW.reshape(shape).sum(axis=2)


def _setup(x0: Any, T: float, n_steps: int, n_paths: int, dW: Any, rng: Any, m: int | None):
    x0 = check_finite(as_float_array(x0, "x0", ndim=(0, 1)), "x0")
    T = check_positive(T, "T")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_paths = check_int(n_paths, "n_paths", minimum=1)
    vector = x0.ndim == 1
    d = x0.shape[0] if vector else 1
    if dW is None:
        if rng is None:
            raise TypeError("pass rng (a Generator or an int seed) or the increments dW")
        rng = check_rng(rng)
        m = d if m is None else m
        shape = (n_paths, n_steps, m) if vector else (n_paths, n_steps)
        dW = np.sqrt(T / n_steps) * rng.standard_normal(shape)
    else:
        dW = check_finite(as_float_array(dW, "dW", ndim=3 if vector else 2), "dW")
        if dW.shape[:2] != (dW.shape[0], n_steps):
            raise ValueError(f"dW must have {n_steps} steps along axis 1, got shape {dW.shape}")
        n_paths = dW.shape[0]
    return x0, T, n_steps, n_paths, vector, d, dW


def euler_maruyama(
    drift: Callable[[np.ndarray, float], Any],
    diffusion: Callable[[np.ndarray, float], Any],
    x0: Any,
    T: float,
    n_steps: int,
    rng: Any = None,
    *,
    n_paths: int = 1,
    dW: Any = None,
    noise: str = "diagonal",
    noise_dim: int | None = None,
    t0: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Euler–Maruyama: ``X_{n+1} = X_n + a(X_n, t_n) Δt + b(X_n, t_n) ΔW_n``.

    Parameters
    ----------
    drift, diffusion : callable ``(x, t) -> array``
        ``x`` is the state of all paths: shape ``(n_paths,)`` for a scalar SDE,
        ``(n_paths, d)`` for a vector one. ``drift`` returns the shape of ``x``.
        ``diffusion`` returns, for a scalar SDE, something broadcastable to
        ``(n_paths,)``; for a vector SDE with ``noise="diagonal"`` (component ``i``
        driven by its own ``W^i``) something broadcastable to ``(n_paths, d)``; with
        ``noise="general"`` a matrix broadcastable to ``(n_paths, d, m)`` that
        multiplies the m-dimensional increment.
    x0 : float or array_like, shape (d,)
        Initial state, shared by all paths.
    T : float
        Final time (the grid is ``t0 .. t0 + T``).
    n_steps : int
        Number of steps, ``Δt = T / n_steps``.
    rng : numpy.random.Generator or int, optional
        Needed unless ``dW`` is given.
    n_paths : int
        Number of independent paths (ignored when ``dW`` is given).
    dW : array_like, optional
        Brownian increments, shape ``(n_paths, n_steps)`` (scalar) or
        ``(n_paths, n_steps, m)`` (vector); each ``N(0, Δt)``.
    noise : {"diagonal", "general"}
    noise_dim : int, optional
        ``m`` for ``noise="general"`` when ``dW`` is drawn here (default ``d``).
    t0 : float
        Initial time.

    Returns
    -------
    t : numpy.ndarray, shape (n_steps + 1,)
    X : numpy.ndarray
        ``(n_paths, n_steps + 1)`` for a scalar SDE, ``(n_paths, n_steps + 1, d)`` for a
        vector one.
    """
    noise = check_choice(noise, "noise", ("diagonal", "general"))
    x0, T, n_steps, n_paths, vector, d, dW = _setup(x0, T, n_steps, n_paths, dW, rng, noise_dim)
    dt = T / n_steps
    t = t0 + dt * np.arange(n_steps + 1)
    shape = (n_paths, d) if vector else (n_paths,)
    X = np.empty((n_paths, n_steps + 1) + ((d,) if vector else ()))
    x = np.broadcast_to(x0, shape).astype(float)
    X[:, 0] = x
    for n in range(n_steps):
        a = np.broadcast_to(np.asarray(drift(x, t[n]), dtype=float), shape)
        b = np.asarray(diffusion(x, t[n]), dtype=float)
        if vector and noise == "general":
            if b.ndim <= 2:  # one matrix for all paths
                b = np.broadcast_to(b, (d, dW.shape[2]))
                x = x + a * dt + dW[:, n] @ b.T
            else:
                b = np.broadcast_to(b, (n_paths, d, dW.shape[2]))
                x = x + a * dt + np.matmul(b, dW[:, n, :, None])[..., 0]
        else:
            b = np.broadcast_to(b, shape)
            if vector and dW.shape[2] != d:
                raise ValueError(f"diagonal noise needs dW with {d} components, got {dW.shape[2]}")
            x = x + a * dt + b * dW[:, n]
        X[:, n + 1] = x
    return t, X


def milstein(
    drift: Callable[[np.ndarray, float], Any],
    diffusion: Callable[[np.ndarray, float], Any],
    diffusion_dx: Callable[[np.ndarray, float], Any],
    x0: Any,
    T: float,
    n_steps: int,
    rng: Any = None,
    *,
    n_paths: int = 1,
    dW: Any = None,
    t0: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Milstein: Euler–Maruyama plus ``½ b b_x ((ΔW_n)^2 - Δt)``.

    Scalar SDEs, and vector SDEs with *diagonal* noise in which ``b_i`` depends on
    ``x_i`` only (then the scheme applies componentwise and needs no Lévy areas).
    ``diffusion_dx(x, t)`` returns ``∂b/∂x`` (``∂b_i/∂x_i`` componentwise). With a
    constant ``b``, ``b_x = 0`` and the scheme *is* Euler–Maruyama.

    Parameters and returns as in :func:`euler_maruyama` (diagonal noise only).
    """
    x0, T, n_steps, n_paths, vector, d, dW = _setup(x0, T, n_steps, n_paths, dW, rng, None)
    if vector and dW.shape[2] != d:
        raise ValueError(f"Milstein with diagonal noise needs dW with {d} components, got {dW.shape[2]}")
    dt = T / n_steps
    t = t0 + dt * np.arange(n_steps + 1)
    shape = (n_paths, d) if vector else (n_paths,)
    X = np.empty((n_paths, n_steps + 1) + ((d,) if vector else ()))
    x = np.broadcast_to(x0, shape).astype(float)
    X[:, 0] = x
    for n in range(n_steps):
        a = np.broadcast_to(np.asarray(drift(x, t[n]), dtype=float), shape)
        b = np.broadcast_to(np.asarray(diffusion(x, t[n]), dtype=float), shape)
        bx = np.broadcast_to(np.asarray(diffusion_dx(x, t[n]), dtype=float), shape)
        w = dW[:, n]
        x = x + a * dt + b * w + 0.5 * b * bx * (w * w - dt)
        X[:, n + 1] = x
    return t, X


def ou_mean_var(x0: Any, theta: float, mu: float, sigma: float, t: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and variance of the Ornstein–Uhlenbeck process at time ``t``.

    For ``dX = θ(μ - X) dt + σ dW`` started at ``x0``:

    .. math:: \\mathbb E X_t = \\mu + (x_0-\\mu)e^{-\\theta t}, \\qquad
              \\operatorname{Var} X_t = \\frac{\\sigma^2}{2\\theta}\\left(1-e^{-2\\theta t}\\right).
    """
    x0 = as_float_array(x0, "x0")
    theta = check_positive(theta, "theta")
    mu = float(as_float_array(mu, "mu", ndim=0))
    sigma = check_positive(sigma, "sigma", strict=False)
    t = as_float_array(t, "t")
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    decay = np.exp(-theta * t)
    mean = mu + (x0 - mu) * decay
    var = sigma**2 / (2.0 * theta) * (1.0 - decay**2)
    return mean, var


def ou_density(x: Any, t: float, x0: float, theta: float, mu: float, sigma: float) -> np.ndarray:
    """Transition density ``p(x, t | x0)`` of the OU process: a Gaussian with :func:`ou_mean_var` moments.

    This is the solution of the Fokker–Planck equation
    ``∂p/∂t = -∂/∂x[θ(μ-x)p] + (σ²/2) ∂²p/∂x²`` started from a point mass at ``x0``.
    """
    t = check_positive(t, "t")
    m, v = ou_mean_var(x0, theta, mu, sigma, t)
    return gaussian_pdf(x, float(m), float(np.sqrt(v)))


def ou_exact_paths(
    x0: float, theta: float, mu: float, sigma: float, T: float, n_steps: int, n_paths: int, rng: Any
) -> tuple[np.ndarray, np.ndarray]:
    """OU paths sampled *exactly* on a grid (no discretisation error).

    Uses the Gaussian transition ``X_{t+Δt} = μ + (X_t - μ)e^{-θΔt} + s Z`` with
    ``s^2 = σ^2(1 - e^{-2θΔt})/(2θ)``.
    """
    theta = check_positive(theta, "theta")
    sigma = check_positive(sigma, "sigma", strict=False)
    T = check_positive(T, "T")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_paths = check_int(n_paths, "n_paths", minimum=1)
    rng = check_rng(rng)
    dt = T / n_steps
    rho = np.exp(-theta * dt)
    s = sigma * np.sqrt((1.0 - rho**2) / (2.0 * theta))
    X = np.empty((n_paths, n_steps + 1))
    X[:, 0] = float(x0)
    z = rng.standard_normal((n_paths, n_steps))
    for n in range(n_steps):
        X[:, n + 1] = mu + (X[:, n] - mu) * rho + s * z[:, n]
    return np.linspace(0.0, T, n_steps + 1), X


def gbm_exact(x0: float, lam: float, mu: float, t: Any, W: Any) -> np.ndarray:
    """Geometric Brownian motion ``X_t = x0 exp((λ - μ²/2) t + μ W_t)``, solution of ``dX = λX dt + μX dW``."""
    t = as_float_array(t, "t")
    W = as_float_array(W, "W")
    return float(x0) * np.exp((float(lam) - 0.5 * float(mu) ** 2) * t + float(mu) * W)


@numba.njit(cache=True)
def _gbm_kernel(dW, lam, mu, x0, T, dt, ratios):
    M, N = dW.shape
    P = ratios.shape[0]
    exact = np.empty(M)
    em = np.empty((M, P))
    mil = np.empty((M, P))
    for i in range(M):
        w = 0.0
        for k in range(N):
            w += dW[i, k]
        exact[i] = x0 * np.exp((lam - 0.5 * mu * mu) * T + mu * w)
        for p in range(P):
            R = ratios[p]
            Dt = R * dt
            xe = x0
            xm = x0
            for j in range(N // R):
                inc = 0.0
                for r in range(R):
                    inc += dW[i, j * R + r]
                xe = xe + Dt * lam * xe + mu * xe * inc
                xm = xm + Dt * lam * xm + mu * xm * inc + 0.5 * mu * mu * xm * (inc * inc - Dt)
            em[i, p] = xe
            mil[i, p] = xm
    return exact, em, mil


@dataclass(frozen=True)
class ConvergenceStudy:
    """Errors of Euler–Maruyama and Milstein at ``T`` for several step sizes ``dt``.

    ``*_strong`` are ``E|X_T - X_T^{Δt}|``; ``em_weak`` is ``|E X_T^{Δt} - E X_T|``
    estimated on coupled paths; ``weak_exact`` is its exact value
    ``|x0 (1 + λΔt)^{T/Δt} - x0 e^{λT}|``. ``*_se`` are Monte Carlo standard errors.
    The ``*_fit`` fields are least-squares fits ``error ≈ C Δt^q`` (``q`` is the order).
    """

    dt: np.ndarray
    em_strong: np.ndarray
    em_strong_se: np.ndarray
    mil_strong: np.ndarray
    mil_strong_se: np.ndarray
    em_weak: np.ndarray
    em_weak_se: np.ndarray
    weak_exact: np.ndarray
    em_strong_fit: PowerLawFit
    mil_strong_fit: PowerLawFit
    em_weak_fit: PowerLawFit
    n_paths: int


def convergence_study(
    rng: Any,
    *,
    n_paths: int = 10_000,
    lam: float = 2.0,
    mu: float = 1.0,
    x0: float = 1.0,
    T: float = 1.0,
    n_fine: int = 2**9,
    ratios: tuple[int, ...] = (1, 2, 4, 8, 16),
    chunk: int = 2_000,
) -> ConvergenceStudy:
    """Strong and weak convergence of Euler–Maruyama and Milstein on geometric Brownian motion.

    The test problem of Higham (2001): ``dX = λX dt + μX dW``, ``X_0 = x0`` on
    ``[0, T]``, whose exact solution on each sampled Brownian path is
    :func:`gbm_exact`. Each path is sampled with ``n_fine`` increments; the schemes use
    steps ``Δt = R T / n_fine`` for ``R`` in ``ratios``, built from the *same* path by
    summing increments, so the strong error ``E|X_T - X_T^{Δt}|`` measures pathwise
    accuracy. The weak error ``E X_T^{Δt} - E X_T`` is estimated as the mean of the
    coupled difference ``X_T^{Δt} - X_T``; coupling removes most of the Monte Carlo
    noise (the variance of ``X_T`` itself is ``e^{2λT}(e^{μ²T} - 1)``, far too large
    to resolve a weak error of order ``Δt`` by plain sampling). The exact weak error
    ``x0(1 + λΔt)^{T/Δt} - x0 e^{λT}`` is returned alongside for comparison.

    Parameters
    ----------
    rng : numpy.random.Generator or int
    n_paths : int
        Number of Brownian paths ``M``; standard errors shrink like ``1/sqrt(M)``.
    lam, mu, x0, T : float
        Problem parameters (Higham: 2, 1, 1, 1).
    n_fine : int
        Fine increments per path (Higham: 2^9).
    ratios : tuple of int
        Step multipliers (Higham: 1, 2, 4, 8, 16); each must divide ``n_fine``.
    chunk : int
        Paths simulated per batch (bounds memory).
    """
    rng = check_rng(rng)
    n_paths = check_int(n_paths, "n_paths", minimum=2)
    T = check_positive(T, "T")
    n_fine = check_int(n_fine, "n_fine", minimum=1)
    chunk = check_int(chunk, "chunk", minimum=1)
    R = np.asarray([check_int(r, "ratios entry", minimum=1) for r in ratios], dtype=np.int64)
    if R.size < 2:
        raise ValueError("ratios needs at least two step sizes to fit an order")
    if np.any(n_fine % R):
        raise ValueError(f"every ratio must divide n_fine={n_fine}")
    dt = T / n_fine
    sums = np.zeros((5, R.size))  # sum |em-ex|, sum |em-ex|^2, sum |mil-ex|, sum |mil-ex|^2, sum (em-ex)
    sq_weak = np.zeros(R.size)
    done = 0
    while done < n_paths:
        m = min(chunk, n_paths - done)
        dW = np.sqrt(dt) * rng.standard_normal((m, n_fine))
        ex, em, mil = _gbm_kernel(dW, float(lam), float(mu), float(x0), T, dt, R)
        e_em = em - ex[:, None]
        e_mil = mil - ex[:, None]
        sums[0] += np.abs(e_em).sum(axis=0)
        sums[1] += (e_em**2).sum(axis=0)
        sums[2] += np.abs(e_mil).sum(axis=0)
        sums[3] += (e_mil**2).sum(axis=0)
        sums[4] += e_em.sum(axis=0)
        sq_weak += (e_em**2).sum(axis=0)
        done += m
    M = n_paths

    def mean_se(s1, s2):
        mean = s1 / M
        var = (s2 - M * mean**2) / (M - 1)
        return mean, np.sqrt(np.maximum(var, 0.0) / M)

    em_s, em_s_se = mean_se(sums[0], sums[1])
    mil_s, mil_s_se = mean_se(sums[2], sums[3])
    w_mean, w_se = mean_se(sums[4], sq_weak)
    steps = dt * R
    weak_exact = np.abs(x0 * (1.0 + lam * steps) ** (n_fine // R) - x0 * np.exp(lam * T))
    em_w = np.abs(w_mean)
    return ConvergenceStudy(
        dt=steps,
        em_strong=em_s,
        em_strong_se=em_s_se,
        mil_strong=mil_s,
        mil_strong_se=mil_s_se,
        em_weak=em_w,
        em_weak_se=w_se,
        weak_exact=weak_exact,
        em_strong_fit=fit_power_law(steps, em_s),
        mil_strong_fit=fit_power_law(steps, mil_s),
        em_weak_fit=fit_power_law(steps, em_w),
        n_paths=M,
    )
