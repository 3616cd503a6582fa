"""Scaling laws: training compute, Kaplan and Chinchilla loss fits, compute-optimal sizes.

Conventions: ``N`` = parameters (non-embedding), ``D`` = training tokens, ``C`` =
training FLOPs, with the standard estimate ``C ≈ 6 N D`` (2 FLOPs per parameter per
token forward, 4 backward).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_positive

__all__ = [
    "CHINCHILLA",
    "KAPLAN",
    "training_flops",
    "kaplan_loss",
    "chinchilla_loss",
    "compute_optimal",
    "compute_optimal_rule",
    "fit_power_law",
    "fit_offset_power_law",
]

#: Parametric fit L(N, D) = E + A / N^alpha + B / D^beta of Hoffmann et al. (2022), their approach 3.
CHINCHILLA: dict[str, float] = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}

#: Single-variable laws of Kaplan et al. (2020): L(N) = (N_c/N)^alpha_N, L(D) = (D_c/D)^alpha_D (nats/token).
KAPLAN: dict[str, float] = {"N_c": 8.8e13, "alpha_N": 0.076, "D_c": 5.4e13, "alpha_D": 0.095}


def training_flops(N: Any, D: Any) -> np.ndarray | float:
    """Training compute ``C = 6 N D`` in FLOPs."""
    N = as_float_array(N, "N")
    D = as_float_array(D, "D")
    if np.any(N <= 0) or np.any(D <= 0):
        raise ValueError("N and D must be positive")
    C = 6.0 * N * D
    return float(C) if C.ndim == 0 else C


def kaplan_loss(*, N: Any = None, D: Any = None, params: dict[str, float] | None = None) -> np.ndarray | float:
    """Kaplan et al. loss as a function of model size alone or data size alone (give exactly one)."""
    p = dict(KAPLAN, **(params or {}))
    if (N is None) == (D is None):
        raise ValueError("give exactly one of N and D")
    x, c, a, name = (N, p["N_c"], p["alpha_N"], "N") if N is not None else (D, p["D_c"], p["alpha_D"], "D")
    x = as_float_array(x, name)
    if np.any(x <= 0):
        raise ValueError(f"{name} must be positive")
    L = (c / x) ** a
    return float(L) if L.ndim == 0 else L


def chinchilla_loss(N: Any, D: Any, params: dict[str, float] | None = None) -> np.ndarray | float:
    """``L(N, D) = E + A N^-alpha + B D^-beta`` (nats per token) with the Chinchilla constants by default."""
    p = dict(CHINCHILLA, **(params or {}))
    N = as_float_array(N, "N")
    D = as_float_array(D, "D")
    if np.any(N <= 0) or np.any(D <= 0):
        raise ValueError("N and D must be positive")
    L = p["E"] + p["A"] * N ** (-p["alpha"]) + p["B"] * D ** (-p["beta"])
    return float(L) if np.ndim(L) == 0 else L


def compute_optimal(C: Any, params: dict[str, float] | None = None) -> tuple[Any, Any, Any]:
    """Minimise ``L(N, D)`` subject to ``6 N D = C`` in closed form.

    With ``a = beta / (alpha + beta)``, ``b = alpha / (alpha + beta)`` and
    ``G = (alpha A / (beta B))^(1 / (alpha + beta))``:
    ``N* = G (C/6)^a`` and ``D* = (C/6)^b / G`` (Hoffmann et al., 2022, eq. 4).

    Returns
    -------
    N_opt, D_opt, L_opt
        Floats for a scalar ``C``, arrays otherwise.
    """
    p = dict(CHINCHILLA, **(params or {}))
    Cv = as_float_array(C, "C")
    if np.any(Cv <= 0):
        raise ValueError("C must be positive")
    al, be = p["alpha"], p["beta"]
    G = (al * p["A"] / (be * p["B"])) ** (1.0 / (al + be))
    N = G * (Cv / 6.0) ** (be / (al + be))
    D = (Cv / 6.0) ** (al / (al + be)) / G
    L = chinchilla_loss(N, D, p)
    if Cv.ndim == 0:
        return float(N), float(D), float(L)
    return N, D, L


def compute_optimal_rule(C: Any, tokens_per_param: float = 20.0) -> tuple[Any, Any]:
    """The rule of thumb ``D = k N`` with ``C = 6 N D``: ``N = sqrt(C / (6k))``, ``D = k N``."""
    k = check_positive(tokens_per_param, "tokens_per_param")
    Cv = as_float_array(C, "C")
    if np.any(Cv <= 0):
        raise ValueError("C must be positive")
    N = np.sqrt(Cv / (6.0 * k))
    D = k * N
    if Cv.ndim == 0:
        return float(N), float(D)
    return N, D


def fit_power_law(x: Any, y: Any) -> tuple[float, float]:
    """Least-squares fit of ``y = a x^(-alpha)`` on log-log axes; returns ``(a, alpha)``."""
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("x and y must have the same length, at least 2")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(-slope)


def fit_offset_power_law(x: Any, y: Any) -> tuple[float, float, float]:
    """Fit ``y = E + a x^(-alpha)`` (an irreducible floor plus a power law); returns ``(E, a, alpha)``.

    For a fixed floor ``E`` the rest is a straight line on log-log axes, so ``E`` is
    found by a one-dimensional search on the log-space residual (a grid between 0 and
    just below ``min(y)``, then a bounded refinement); all three parameters are then
    polished together by least squares on ``log y``.
    """
    from scipy.optimize import least_squares, minimize_scalar

    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 3:
        raise ValueError("x and y must have the same length, at least 3")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive")
    lx = np.log(x)
    ymin = float(y.min())

    def sse(E: float) -> float:
        r = np.log(y - E)
        coef = np.polyfit(lx, r, 1)
        return float(np.sum((np.polyval(coef, lx) - r) ** 2))

    # coarse grid first (the residual can have several local minima), then refine
    grid = ymin * (1.0 - np.geomspace(1.0, 1e-6, 241))
    vals = [sse(E) for E in grid]
    k = int(np.argmin(vals))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(sse, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13 * max(ymin, 1.0)})
    E0 = float(res.x) if res.fun <= vals[k] else float(grid[k])
    a0, alpha0 = fit_power_law(x, y - E0)
    # polish: least squares on log y, the usual objective for loss curves
    ly = np.log(y)

    def resid(p: np.ndarray) -> np.ndarray:
        E, la, al = p
        return np.logaddexp(np.log(max(E, 1e-300)), la - al * lx) - ly

    sol = least_squares(resid, x0=[max(E0, 1e-12), np.log(a0), alpha0], bounds=([0.0, -np.inf, -np.inf], [ymin, np.inf, np.inf]),
                        xtol=1e-15, ftol=1e-15, gtol=1e-15)
    E, la, alpha = (float(v) for v in sol.x)
    return E, float(np.exp(la)), alpha
