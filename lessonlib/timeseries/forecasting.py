"""Multi-step forecasting strategies and sampling of probabilistic forecasts.

* recursive: one one-step model, its own predictions fed back as inputs;
* direct / multi-output: a separate output for each horizon ``h`` (for linear
  least-squares models the two coincide: each output column is its own regression);
* DeepAR-style ancestral sampling: a one-step *distribution* ``N(mu, sigma^2)``
  sampled and fed back, giving whole sample paths whose quantiles form a fan chart.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_rng
from .windows import sliding_windows

__all__ = [
    "fit_linear_forecaster",
    "linear_forecast",
    "recursive_forecast",
    "sample_paths",
    "path_quantiles",
]


def fit_linear_forecaster(y, L: int, H: int) -> np.ndarray:
    """Least-squares map from the last ``L`` values (and 1) to the next ``H`` values.

    Fits ``z_i = B^T [x_i; 1]`` on the sliding windows of ``y`` and returns ``B`` of
    shape ``(L + 1, H)``; column ``h - 1`` is the direct model for horizon ``h``.
    With ``H = 1`` it is the OLS AR(L) one-step model used recursively.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    X, Z = sliding_windows(y, L, H)
    Xd = np.column_stack([X, np.ones(X.shape[0])])
    if Xd.shape[0] < Xd.shape[1]:
        raise ValueError("too few windows for the number of coefficients")
    B, *_ = np.linalg.lstsq(Xd, Z, rcond=None)
    return B


def linear_forecast(B, history) -> np.ndarray:
    """Apply a fitted linear forecaster to the last ``L`` values of ``history`` (direct forecasts)."""
    B = as_float_array(B, "B", ndim=2)
    hist = as_float_array(history, "history", ndim=1)
    L = B.shape[0] - 1
    if hist.shape[0] < L:
        raise ValueError(f"history must have at least L = {L} values")
    return np.concatenate([hist[-L:], [1.0]]) @ B


def recursive_forecast(step: Callable[[np.ndarray], float], history, L: int, H: int) -> np.ndarray:
    """Feed one-step predictions back: ``y_{t+1} = step(window)``, the window then slides forward.

    ``step`` receives the last ``L`` values (oldest first), including earlier predictions.
    """
    hist = list(as_float_array(history, "history", ndim=1))
    L = check_int(L, "L", minimum=1)
    H = check_int(H, "H", minimum=1)
    if len(hist) < L:
        raise ValueError(f"history must have at least L = {L} values")
    out = []
    for _ in range(H):
        nxt = float(step(np.array(hist[-L:])))
        out.append(nxt)
        hist.append(nxt)
    return np.array(out)


def sample_paths(step_dist: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], history, L: int, H: int,
                 n_paths: int, rng) -> np.ndarray:
    """Ancestral sampling of ``n_paths`` future paths of length ``H`` (the DeepAR recursion).

    At each step ``step_dist(windows)`` maps the ``(n_paths, L)`` array of current
    windows to arrays ``(mu, sigma)`` of shape ``(n_paths,)``; one value per path is
    drawn from ``N(mu, sigma^2)`` and appended to that path's window.

    Returns
    -------
    numpy.ndarray, shape (n_paths, H)
    """
    hist = check_finite(as_float_array(history, "history", ndim=1), "history")
    L = check_int(L, "L", minimum=1)
    H = check_int(H, "H", minimum=1)
    n_paths = check_int(n_paths, "n_paths", minimum=1)
    rng = check_rng(rng)
    if hist.shape[0] < L:
        raise ValueError(f"history must have at least L = {L} values")
    win = np.tile(hist[-L:], (n_paths, 1))
    out = np.zeros((n_paths, H))
    for h in range(H):
        mu, sigma = step_dist(win)
        mu = np.broadcast_to(np.asarray(mu, dtype=float), (n_paths,))
        sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (n_paths,))
        if np.any(sigma < 0):
            raise ValueError("step_dist returned a negative sigma")
        draw = mu + sigma * rng.standard_normal(n_paths)
        out[:, h] = draw
        win = np.column_stack([win[:, 1:], draw])
    return out


def path_quantiles(paths, taus) -> np.ndarray:
    """Per-horizon empirical quantiles of sample paths, shape ``(len(taus), H)``."""
    P = as_float_array(paths, "paths", ndim=2)
    taus = as_float_array(taus, "taus", ndim=1)
    if np.any((taus <= 0) | (taus >= 1)):
        raise ValueError("taus must lie in (0, 1)")
    return np.quantile(P, taus, axis=0)
