"""Trend, seasonality and residual: y_t = T_t + S_t + R_t.

Two classical routes are implemented:

* regression on a linear trend plus ``K`` Fourier pairs of period ``m``
  (:func:`fit_trend_fourier`), the smooth-seasonality model;
* the classical moving-average decomposition (:func:`classical_decompose`), with a
  centred ``2 x m`` moving average for even periods.

:func:`series_decomp` and :func:`multiscale` are the moving-average split and the
average-pooling pyramid that decomposition-based deep models (Autoformer, TimeMixer)
build into their layers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_float_array, check_choice, check_finite, check_int

__all__ = [
    "fourier_terms",
    "TrendSeasonFit",
    "fit_trend_fourier",
    "moving_average",
    "Decomposition",
    "classical_decompose",
    "series_decomp",
    "multiscale",
]


def fourier_terms(t, m: float, K: int) -> np.ndarray:
    """Fourier regressors of period ``m``: columns ``cos(2 pi k t/m), sin(2 pi k t/m)``, k = 1..K.

    Parameters
    ----------
    t : array_like, shape (n,)
        Time points (integers for regularly sampled data).
    m : float
        Seasonal period in time steps (``m = 7`` for a weekly cycle in daily data).
    K : int
        Number of harmonics, ``1 <= K <= m/2``. When ``K = m/2`` exactly, the last sine
        is identically zero on integer times and is left out.

    Returns
    -------
    numpy.ndarray, shape (n, 2K) or (n, 2K - 1)
        Columns in the order ``cos_1, sin_1, cos_2, sin_2, ...``.
    """
    t = as_float_array(t, "t", ndim=1)
    m = float(m)
    if not np.isfinite(m) or m <= 1:
        raise ValueError(f"m must be a period > 1, got {m}")
    K = check_int(K, "K", minimum=1)
    if 2 * K > m:
        raise ValueError(f"K must be at most m/2 = {m / 2}, got {K}")
    cols = []
    for k in range(1, K + 1):
        arg = 2.0 * np.pi * k * t / m
        cols.append(np.cos(arg))
        if not (2 * k == m):
            cols.append(np.sin(arg))
    return np.column_stack(cols)


class TrendSeasonFit(NamedTuple):
    """Result of :func:`fit_trend_fourier`."""

    intercept: float
    slope: float
    fourier_coef: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray
    resid: np.ndarray

    @property
    def fitted(self) -> np.ndarray:
        return self.trend + self.seasonal


def fit_trend_fourier(y, m: float, K: int, t=None) -> TrendSeasonFit:
    """Least-squares fit of ``y_t = a + b t + sum_k [a_k cos(2 pi k t/m) + b_k sin(2 pi k t/m)] + r_t``.

    Parameters
    ----------
    y : array_like, shape (n,)
    m, K :
        Period and number of harmonics, as in :func:`fourier_terms`.
    t : array_like, optional
        Time points; default ``1, 2, ..., n``.

    Returns
    -------
    TrendSeasonFit
        Intercept ``a``, slope ``b``, the Fourier coefficients
        ``[a_1, b_1, a_2, b_2, ...]`` and the three components (trend, seasonal, residual).
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    n = y.shape[0]
    t = np.arange(1, n + 1, dtype=np.float64) if t is None else as_float_array(t, "t", ndim=1)
    if t.shape[0] != n:
        raise ValueError(f"t and y must have the same length, got {t.shape[0]} and {n}")
    F = fourier_terms(t, m, K)
    X = np.column_stack([np.ones(n), t, F])
    if n <= X.shape[1]:
        raise ValueError(f"y is too short: {n} values for {X.shape[1]} coefficients")
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    trend = coef[0] + coef[1] * t
    seasonal = F @ coef[2:]
    return TrendSeasonFit(float(coef[0]), float(coef[1]), coef[2:].copy(), trend, seasonal, y - trend - seasonal)


def moving_average(y, window: int, *, centred: bool = True) -> np.ndarray:
    """Moving average with NaN where the window does not fit.

    With ``centred=True`` and an odd window the average is symmetric about ``t``;
    with an even window it is the ``2 x window`` moving average (weights
    ``1/(2 window)`` at both ends and ``1/window`` inside), which is centred too.
    With ``centred=False`` it is the trailing (causal) mean of the last ``window`` values.
    """
    y = as_float_array(y, "y", ndim=1)
    w = check_int(window, "window", minimum=1)
    if centred and w % 2 == 0:
        weights = np.full(w + 1, 1.0 / w)
        weights[0] = weights[-1] = 0.5 / w
    else:
        weights = np.full(w, 1.0 / w)
    k = weights.shape[0]
    out = np.full(y.shape[0], np.nan)
    if y.shape[0] < k:
        return out
    vals = np.convolve(y, weights[::-1], mode="valid")
    if centred:
        half = (k - 1) // 2
        out[half : half + vals.shape[0]] = vals
    else:
        out[k - 1 :] = vals
    return out


class Decomposition(NamedTuple):
    """Result of :func:`classical_decompose`: ``observed = trend + seasonal + resid``."""

    observed: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray
    resid: np.ndarray
    seasonal_index: np.ndarray


def classical_decompose(y, m: int, model: str = "additive") -> Decomposition:
    """Classical decomposition by a centred moving average.

    1. trend: centred moving average of length ``m`` (``2 x m`` if ``m`` is even);
    2. seasonal index: for each position ``j = t mod m`` the mean of ``y - trend``
       (or ``y / trend`` for ``model="multiplicative"``) over the cycles, normalised to
       sum to 0 (to average 1);
    3. residual: what is left.

    The trend and the residual are NaN for the first and last ``floor(m/2)`` values.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    m = check_int(m, "m", minimum=2)
    model = check_choice(model, "model", ("additive", "multiplicative"))
    if y.shape[0] < 2 * m:
        raise ValueError(f"y must cover at least two periods (2m = {2 * m} values), got {y.shape[0]}")
    trend = moving_average(y, m, centred=True)
    detr = y - trend if model == "additive" else y / trend
    pos = np.arange(y.shape[0]) % m
    index = np.array([np.nanmean(detr[pos == j]) for j in range(m)])
    if model == "additive":
        index = index - index.mean()
        seasonal = index[pos]
        resid = y - trend - seasonal
    else:
        index = index / index.mean()
        seasonal = index[pos]
        resid = y / (trend * seasonal)
    return Decomposition(y.copy(), trend, seasonal, resid, index)


def series_decomp(y, kernel: int) -> tuple[np.ndarray, np.ndarray]:
    """Moving-average split ``y = trend + seasonal`` with edge padding (Autoformer, TimeMixer).

    The series is padded at both ends by repeating its first and last values
    ``(kernel - 1)/2`` times, so the trend has the same length as ``y``.

    Parameters
    ----------
    y : array_like, shape (T,) or (T, d)
    kernel : int
        Odd window length.

    Returns
    -------
    trend, seasonal : numpy.ndarray
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    k = check_int(kernel, "kernel", minimum=1)
    if k % 2 == 0:
        raise ValueError(f"kernel must be odd, got {k}")
    half = (k - 1) // 2
    pad = np.concatenate([np.repeat(y[:1], half, axis=0), y, np.repeat(y[-1:], half, axis=0)], axis=0)
    c = np.cumsum(np.concatenate([np.zeros((1,) + y.shape[1:]), pad], axis=0), axis=0)
    trend = (c[k:] - c[:-k]) / k
    return trend, y - trend


def multiscale(y, n_scales: int, factor: int = 2) -> list[np.ndarray]:
    """Average-pooling pyramid ``[y, pool(y), pool(pool(y)), ...]`` with non-overlapping windows.

    Each level averages consecutive blocks of ``factor`` values of the previous one
    (an incomplete last block is dropped), as in TimeMixer's multiscale inputs.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    n_scales = check_int(n_scales, "n_scales", minimum=1)
    factor = check_int(factor, "factor", minimum=2)
    out = [y.copy()]
    for _ in range(n_scales - 1):
        prev = out[-1]
        n = prev.shape[0] // factor
        if n == 0:
            raise ValueError("y is too short for that many scales")
        out.append(prev[: n * factor].reshape((n, factor) + prev.shape[1:]).mean(axis=1))
    return out
