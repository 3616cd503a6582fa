"""Exponential smoothing: simple (level), Holt (level + trend), Holt–Winters (+ additive season).

Equations in the error-correction form of Hyndman & Athanasopoulos (FPP3)::

    level    l_t = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + b_{t-1})
    trend    b_t = beta (l_t - l_{t-1}) + (1 - beta) b_{t-1}
    season   s_t = gamma (y_t - l_{t-1} - b_{t-1}) + (1 - gamma) s_{t-m}
    forecast y_{n+h|n} = l_n + h b_n + s_{n+h-m(k+1)},   k = floor((h-1)/m)

Simple exponential smoothing drops ``b`` and ``s``; Holt drops ``s``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from .._validate import as_float_array, check_finite, check_in_range, check_int

__all__ = ["SmoothingResult", "ses", "holt", "holt_winters", "fit_ses", "fit_holt"]


class SmoothingResult(NamedTuple):
    """States ``l_0..l_n`` (and ``b``, ``s``), one-step fits ``y_{t|t-1}``, forecasts and SSE."""

    level: np.ndarray
    trend: np.ndarray | None
    season: np.ndarray | None
    fitted: np.ndarray
    forecast: np.ndarray
    sse: float


def _series(y) -> np.ndarray:
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    if y.shape[0] < 2:
        raise ValueError("y must have at least 2 values")
    return y


def _rate(v, name: str) -> float:
    return check_in_range(v, name, 0.0, 1.0)


def ses(y, alpha: float, h: int = 1, *, l0: float | None = None) -> SmoothingResult:
    """Simple exponential smoothing ``l_t = alpha y_t + (1 - alpha) l_{t-1}``.

    The forecast for every horizon is the last level: ``y_{n+h|n} = l_n``.
    The level is a weighted average of the past with weights ``alpha (1-alpha)^j``.
    ``l0`` defaults to ``y_1``.
    """
    y = _series(y)
    a = _rate(alpha, "alpha")
    h = check_int(h, "h", minimum=1)
    n = y.shape[0]
    level = np.zeros(n + 1)
    level[0] = y[0] if l0 is None else float(l0)
    for t in range(n):
        level[t + 1] = a * y[t] + (1.0 - a) * level[t]
    fitted = level[:-1]
    e = y - fitted
    return SmoothingResult(level, None, None, fitted, np.full(h, level[-1]), float(e @ e))


def holt(y, alpha: float, beta: float, h: int = 1, *, l0: float | None = None, b0: float | None = None) -> SmoothingResult:
    """Holt's linear trend method; forecasts ``l_n + h b_n``.

    Defaults ``l0 = y_1`` and ``b0 = y_2 - y_1``.
    """
    y = _series(y)
    a, b = _rate(alpha, "alpha"), _rate(beta, "beta")
    h = check_int(h, "h", minimum=1)
    n = y.shape[0]
    lev, tr = np.zeros(n + 1), np.zeros(n + 1)
    lev[0] = y[0] if l0 is None else float(l0)
    tr[0] = y[1] - y[0] if b0 is None else float(b0)
    fitted = np.zeros(n)
    for t in range(n):
        fitted[t] = lev[t] + tr[t]
        lev[t + 1] = a * y[t] + (1.0 - a) * (lev[t] + tr[t])
        tr[t + 1] = b * (lev[t + 1] - lev[t]) + (1.0 - b) * tr[t]
    e = y - fitted
    fc = lev[-1] + np.arange(1, h + 1) * tr[-1]
    return SmoothingResult(lev, tr, None, fitted, fc, float(e @ e))


def holt_winters(y, m: int, alpha: float, beta: float, gamma: float, h: int = 1, *,
                 l0: float | None = None, b0: float | None = None, s0=None) -> SmoothingResult:
    """Additive Holt–Winters with period ``m``.

    Default initial states (from the first two cycles): ``l0`` the mean of cycle 1,
    ``b0`` the difference of the means of cycles 2 and 1 divided by ``m``, and
    ``s0 = y_1..y_m - l0`` (the seasonal states ``s_{1-m}, ..., s_0``).

    ``season`` in the result holds ``s_{1-m}, ..., s_n``.
    """
    y = _series(y)
    m = check_int(m, "m", minimum=2)
    a, b, g = _rate(alpha, "alpha"), _rate(beta, "beta"), _rate(gamma, "gamma")
    h = check_int(h, "h", minimum=1)
    n = y.shape[0]
    if n < 2 * m:
        raise ValueError(f"y must cover two seasons (2m = {2 * m} values), got {n}")
    c1, c2 = y[:m].mean(), y[m : 2 * m].mean()
    lev, tr = np.zeros(n + 1), np.zeros(n + 1)
    lev[0] = c1 if l0 is None else float(l0)
    tr[0] = (c2 - c1) / m if b0 is None else float(b0)
    s = np.zeros(n + m)
    s[:m] = y[:m] - lev[0] if s0 is None else as_float_array(s0, "s0", ndim=1)
    fitted = np.zeros(n)
    for t in range(n):
        st = s[t]  # s_{t-m} for observation t (0-based)
        fitted[t] = lev[t] + tr[t] + st
        lev[t + 1] = a * (y[t] - st) + (1.0 - a) * (lev[t] + tr[t])
        tr[t + 1] = b * (lev[t + 1] - lev[t]) + (1.0 - b) * tr[t]
        s[t + m] = g * (y[t] - lev[t] - tr[t]) + (1.0 - g) * st
    steps = np.arange(1, h + 1)
    season_idx = n + (steps - 1) % m  # the last m seasonal states, cycled
    fc = lev[-1] + steps * tr[-1] + s[season_idx]
    e = y - fitted
    return SmoothingResult(lev, tr, s, fitted, fc, float(e @ e))


def fit_ses(y, h: int = 1) -> tuple[float, SmoothingResult]:
    """Choose ``alpha`` and ``l0`` by minimising the one-step SSE; returns ``(alpha, result)``."""
    y = _series(y)

    def sse(v):
        return ses(y, v[0], 1, l0=v[1]).sse

    best = optimize.minimize(sse, [0.5, y[0]], method="L-BFGS-B", bounds=[(1e-4, 1.0), (None, None)])
    alpha = float(best.x[0])
    return alpha, ses(y, alpha, h, l0=float(best.x[1]))


def fit_holt(y, h: int = 1) -> tuple[float, float, SmoothingResult]:
    """Choose ``alpha, beta, l0, b0`` by minimising the one-step SSE; returns ``(alpha, beta, result)``."""
    y = _series(y)

    def sse(v):
        return holt(y, v[0], v[1], 1, l0=v[2], b0=v[3]).sse

    x0 = [0.5, 0.1, y[0], y[1] - y[0]]
    best = optimize.minimize(sse, x0, method="L-BFGS-B", bounds=[(1e-4, 1.0), (1e-4, 1.0), (None, None), (None, None)])
    a, b = float(best.x[0]), float(best.x[1])
    return a, b, holt(y, a, b, h, l0=float(best.x[2]), b0=float(best.x[3]))
