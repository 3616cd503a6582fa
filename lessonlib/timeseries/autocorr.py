"""Sample autocovariance, autocorrelation and partial autocorrelation.

The sample autocovariance uses the divisor ``n`` (not ``n - k``):

    gamma_hat(k) = (1/n) sum_{t=k+1}^{n} (y_t - ybar)(y_{t-k} - ybar),

which keeps the estimated autocovariance matrix positive semi-definite, so the
Durbin–Levinson recursion on it is always well defined.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_float_array, check_finite, check_int

__all__ = ["acovf", "acf", "pacf", "durbin_levinson", "LevinsonResult", "acf_band"]


def acovf(y, nlags: int, *, demean: bool = True) -> np.ndarray:
    """Sample autocovariances ``gamma_hat(0), ..., gamma_hat(nlags)`` (divisor ``n``).

    Computed with the FFT (zero-padded to avoid wrap-around), so long series are cheap.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    n = y.shape[0]
    nlags = check_int(nlags, "nlags", minimum=0)
    if nlags >= n:
        raise ValueError(f"nlags must be < len(y) = {n}, got {nlags}")
    x = y - y.mean() if demean else y
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, size)
    full = np.fft.irfft(f * np.conj(f), size)[: nlags + 1]
    return full / n


def acf(y, nlags: int) -> np.ndarray:
    """Sample autocorrelations ``rho_hat(k) = gamma_hat(k) / gamma_hat(0)``, k = 0..nlags."""
    g = acovf(y, nlags)
    if g[0] == 0:
        raise ValueError("y is constant: its autocorrelation is undefined")
    return g / g[0]


class LevinsonResult(NamedTuple):
    """Output of :func:`durbin_levinson`.

    ``pacf[k-1]`` is ``phi_kk``; ``phi`` holds the AR(p) coefficients ``phi_1..phi_p``
    of the best linear predictor of order ``p``; ``sigma2[k]`` is the one-step
    prediction error variance of order ``k`` (``sigma2[0] = gamma(0)``).
    """

    pacf: np.ndarray
    phi: np.ndarray
    sigma2: np.ndarray


def durbin_levinson(gamma, p: int) -> LevinsonResult:
    """Durbin–Levinson recursion: solve the Yule–Walker equations of orders 1..p.

    Parameters
    ----------
    gamma : array_like, shape (>= p + 1,)
        Autocovariances (or autocorrelations) at lags 0..p.
    p : int
        Largest order.

    Notes
    -----
    With ``phi_{k,j}`` the coefficients of order ``k``::

        phi_kk = (gamma(k) - sum_j phi_{k-1,j} gamma(k-j)) / v_{k-1}
        phi_kj = phi_{k-1,j} - phi_kk phi_{k-1,k-j}
        v_k    = v_{k-1} (1 - phi_kk^2)
    """
    g = as_float_array(gamma, "gamma", ndim=1)
    p = check_int(p, "p", minimum=1)
    if g.shape[0] < p + 1:
        raise ValueError(f"gamma must hold lags 0..{p}, got {g.shape[0]} values")
    if g[0] <= 0:
        raise ValueError("gamma[0] must be > 0")
    phi = np.zeros(0)
    v = [g[0]]
    pac = np.zeros(p)
    for k in range(1, p + 1):
        num = g[k] - (phi @ g[k - 1 : 0 : -1] if k > 1 else 0.0)
        a = num / v[-1]
        phi = np.concatenate([phi - a * phi[::-1], [a]])
        pac[k - 1] = a
        v.append(v[-1] * (1.0 - a * a))
    return LevinsonResult(pac, phi, np.array(v))


def pacf(y, nlags: int) -> np.ndarray:
    """Sample partial autocorrelations ``1, phi_11, ..., phi_{nlags,nlags}``.

    Durbin–Levinson applied to the sample autocovariances (divisor ``n``); entry 0 is
    1 by convention, so the array lines up with :func:`acf`.
    """
    g = acovf(y, nlags)
    return np.concatenate([[1.0], durbin_levinson(g, nlags).pacf])


def acf_band(n: int, level: float = 0.95) -> float:
    """Half-width ``z_{(1+level)/2} / sqrt(n)`` of the white-noise band for a sample ACF.

    Under i.i.d. noise each ``rho_hat(k)``, ``k >= 1``, is approximately
    ``N(0, 1/n)`` (Bartlett), so about ``level`` of the bars fall inside the band.
    """
    from scipy.stats import norm

    n = check_int(n, "n", minimum=1)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    return float(norm.ppf(0.5 + level / 2) / np.sqrt(n))
