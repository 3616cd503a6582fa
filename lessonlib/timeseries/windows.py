"""Supervised windows, causal splits, and the lag and difference operators.

A forecasting data set is built from one series by sliding an input window of length
``L`` along it and taking the next ``H`` values as the target. Splits must respect
time: the test block always comes after the training block.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_in_range

__all__ = [
    "sliding_windows",
    "n_windows",
    "chrono_split",
    "lag",
    "difference",
    "undifference",
    "seasonal_difference",
]


def n_windows(T: int, L: int, H: int, stride: int = 1) -> int:
    """Number of (input, target) pairs :func:`sliding_windows` makes from ``T`` values.

    It is ``floor((T - L - H) / stride) + 1`` when ``T >= L + H`` and 0 otherwise.
    """
    T = check_int(T, "T", minimum=0)
    L = check_int(L, "L", minimum=1)
    H = check_int(H, "H", minimum=0)
    stride = check_int(stride, "stride", minimum=1)
    if T < L + H:
        return 0
    return (T - L - H) // stride + 1


def sliding_windows(y, L: int, H: int, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into supervised pairs ``x_i = y[s:s+L]``, ``z_i = y[s+L:s+L+H]``.

    Parameters
    ----------
    y : array_like, shape (T,) or (T, d)
        The series (rows are time steps).
    L : int
        Input (lookback) length, at least 1.
    H : int
        Forecast horizon, at least 1.
    stride : int
        Step between consecutive window starts ``s = 0, stride, 2 stride, ...``.

    Returns
    -------
    X : numpy.ndarray, shape (N, L) or (N, L, d)
        Input windows, oldest value first.
    Z : numpy.ndarray, shape (N, H) or (N, H, d)
        Targets: the ``H`` values that follow each input window.

    Notes
    -----
    With 1-based time indices, pair ``i`` (``i = 1, 2, ...``) has input
    ``(y_i, ..., y_{i+L-1})`` and target ``(y_{i+L}, ..., y_{i+L+H-1})``.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    L = check_int(L, "L", minimum=1)
    H = check_int(H, "H", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    T = y.shape[0]
    N = n_windows(T, L, H, stride)
    if N == 0:
        raise ValueError(f"y is too short: need at least L + H = {L + H} values, got {T}")
    starts = np.arange(N) * stride
    idx_x = starts[:, None] + np.arange(L)[None, :]
    idx_z = starts[:, None] + L + np.arange(H)[None, :]
    return y[idx_x].copy(), y[idx_z].copy()


def chrono_split(y, n_train: int | float) -> tuple[np.ndarray, np.ndarray]:
    """Split a series in time order: the first ``n_train`` values train, the rest test.

    Parameters
    ----------
    y : array_like, shape (T,) or (T, d)
    n_train : int or float
        Number of training values, or a fraction in (0, 1) of ``T`` (rounded down).

    Returns
    -------
    train, test : numpy.ndarray
        ``y[:n_train]`` and ``y[n_train:]``; both non-empty.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    T = y.shape[0]
    if isinstance(n_train, float):
        frac = check_in_range(n_train, "n_train", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        n = int(np.floor(frac * T))
    else:
        n = check_int(n_train, "n_train", minimum=1)
    if not 1 <= n <= T - 1:
        raise ValueError(f"n_train must leave at least one value on each side, got {n} of {T}")
    return y[:n].copy(), y[n:].copy()


def lag(y, k: int = 1, fill: float = np.nan) -> np.ndarray:
    """Apply the lag operator ``k`` times: ``(L^k y)_t = y_{t-k}``.

    The first ``k`` entries have no past value and are set to ``fill`` (NaN by
    default), so the output has the same length and time axis as the input.
    Negative ``k`` is a lead: ``(L^{-1} y)_t = y_{t+1}``.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    k = check_int(k, "k")
    out = np.full_like(y, fill, dtype=np.float64)
    T = y.shape[0]
    if abs(k) >= T:
        return out
    if k > 0:
        out[k:] = y[:-k]
    elif k < 0:
        out[:k] = y[-k:]
    else:
        out[:] = y
    return out


def difference(y, d: int = 1, lag: int = 1) -> np.ndarray:
    """Apply ``(1 - L^lag)^d``: the ``d``-th (seasonal if ``lag > 1``) difference.

    Each difference shortens the series by ``lag`` values (no padding), so the
    result has length ``T - d * lag``. ``difference(y, 1)`` is
    ``nabla y_t = y_t - y_{t-1}`` for ``t = 2, ..., T``.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    d = check_int(d, "d", minimum=0)
    lag_ = check_int(lag, "lag", minimum=1)
    if y.shape[0] <= d * lag_:
        raise ValueError(f"y is too short to difference {d} time(s) at lag {lag_}: got {y.shape[0]} values")
    out = y.copy()
    for _ in range(d):
        out = out[lag_:] - out[:-lag_]
    return out


def seasonal_difference(y, m: int, D: int = 1) -> np.ndarray:
    """Seasonal difference ``(1 - L^m)^D y``; shorthand for ``difference(y, D, lag=m)``."""
    return difference(y, D, lag=m)


def undifference(dy, initial) -> np.ndarray:
    """Invert :func:`difference` (at lag 1): rebuild a series from its ``d``-th differences.

    Parameters
    ----------
    dy : array_like, shape (n,)
        The ``d``-th differences (for example forecasts of a differenced series).
    initial : array_like, shape (d,)
        The last ``d`` values of the *original* series before ``dy`` starts, oldest
        first. They fix the ``d`` integration constants.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The values of the original series that correspond to ``dy``.
    """
    dy = as_float_array(dy, "dy", ndim=1)
    init = as_float_array(initial, "initial", ndim=1)
    check_finite(init, "initial")
    d = init.shape[0]
    if d == 0:
        return dy.copy()
    # the last values of each lower-order difference, from order 0 up to d-1
    tails = [init]
    for _ in range(d - 1):
        tails.append(np.diff(tails[-1]))
    out = dy.copy()
    for order in range(d - 1, -1, -1):
        out = tails[order][-1] + np.cumsum(out)
    return out
