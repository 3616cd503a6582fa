"""Point and probabilistic forecast losses, proper scores and split-conformal intervals.

* point: :func:`mse`, :func:`mae`;
* distributional: :func:`gaussian_nll`, :func:`pinball_loss` (quantile loss),
  :func:`crps_gaussian` (closed form), :func:`crps_ensemble` (forecast given by samples),
  :func:`crps_from_quantiles` (CRPS as twice the pinball loss averaged over levels);
* calibration: :func:`coverage`, :func:`conformal_quantile`.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .._validate import as_float_array, check_in_range, check_int

__all__ = [
    "mse",
    "mae",
    "gaussian_nll",
    "pinball_loss",
    "crps_gaussian",
    "crps_ensemble",
    "crps_from_quantiles",
    "coverage",
    "conformal_quantile",
]


def _pair(y, yhat, name: str = "y_hat"):
    y = as_float_array(y, "y")
    yhat = as_float_array(yhat, name)
    try:
        np.broadcast_shapes(y.shape, yhat.shape)
    except ValueError:
        raise ValueError(f"y and {name} have incompatible shapes {y.shape} and {yhat.shape}") from None
    return y, yhat


def mse(y, y_hat) -> float:
    """Mean squared error ``mean((y_hat - y)^2)``."""
    y, yh = _pair(y, y_hat)
    return float(np.mean((yh - y) ** 2))


def mae(y, y_hat) -> float:
    """Mean absolute error ``mean(|y_hat - y|)``."""
    y, yh = _pair(y, y_hat)
    return float(np.mean(np.abs(yh - y)))


def _sigma(sigma) -> np.ndarray:
    s = as_float_array(sigma, "sigma")
    if np.any(~(s > 0)):
        raise ValueError("sigma must be > 0")
    return s


def gaussian_nll(y, mu, sigma, *, reduce: bool = True):
    """Negative log-likelihood ``0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2)`` (mean if ``reduce``)."""
    y, mu = _pair(y, mu, "mu")
    s = _sigma(sigma)
    v = 0.5 * np.log(2.0 * np.pi * s * s) + (y - mu) ** 2 / (2.0 * s * s)
    return float(np.mean(v)) if reduce else v


def pinball_loss(y, q, tau: float, *, reduce: bool = True):
    """Quantile (pinball) loss ``max(tau (y - q), (tau - 1)(y - q))`` (mean if ``reduce``).

    Its expectation over ``y`` is minimised by the ``tau``-quantile of ``y``; with
    ``tau = 0.5`` it is half the absolute error.
    """
    y, q = _pair(y, q, "q")
    tau = check_in_range(tau, "tau", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    u = y - q
    v = np.maximum(tau * u, (tau - 1.0) * u)
    return float(np.mean(v)) if reduce else v


def crps_gaussian(y, mu, sigma, *, reduce: bool = True):
    """CRPS of ``N(mu, sigma^2)`` at ``y``: ``sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]``, ``z = (y - mu)/sigma``.

    It has the units of ``y``, is 0 only for a perfect point mass, and tends to
    ``|y - mu|`` as ``sigma -> 0``.
    """
    y, mu = _pair(y, mu, "mu")
    s = _sigma(sigma)
    z = (y - mu) / s
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    cdf = special.ndtr(z)
    v = s * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / np.sqrt(np.pi))
    return float(np.mean(v)) if reduce else v


def crps_ensemble(samples, y):
    """CRPS of the empirical distribution of ``samples`` at ``y``.

    ``CRPS = mean_i |x_i - y| - (1/(2 m^2)) sum_{i,j} |x_i - x_j|``, with the double sum
    computed in ``O(m log m)`` from the sorted samples:
    ``sum_{i,j} |x_i - x_j| = 2 sum_i (2i - m - 1) x_(i)``.

    Parameters
    ----------
    samples : array_like, shape (m,) or (m, n)
        ``m`` draws from the forecast distribution (for each of ``n`` targets).
    y : float or array_like, shape (n,)

    Returns
    -------
    float or numpy.ndarray
        One score per target.
    """
    x = as_float_array(samples, "samples", ndim=(1, 2))
    y = as_float_array(y, "y", ndim=(0, 1))
    m = x.shape[0]
    if m == 0:
        raise ValueError("samples must not be empty")
    xs = np.sort(x, axis=0)
    i = np.arange(1, m + 1).reshape((m,) + (1,) * (x.ndim - 1))
    spread = 2.0 * np.sum((2 * i - m - 1) * xs, axis=0) / (m * m)
    term1 = np.mean(np.abs(x - y), axis=0)
    out = term1 - 0.5 * spread
    return float(out) if np.ndim(out) == 0 else out


def crps_from_quantiles(y, quantile_fn, n_levels: int = 99):
    """Approximate the CRPS by ``2 * mean_k pinball(y, q_{tau_k}, tau_k)`` on ``tau_k = (k - 1/2)/K``.

    ``quantile_fn(tau)`` returns the forecast's ``tau``-quantile. The identity
    ``CRPS(F, y) = 2 int_0^1 pinball_tau(y, F^{-1}(tau)) dtau`` links the CRPS to quantile
    regression; the midpoint rule converges as ``n_levels`` grows.
    """
    y = as_float_array(y, "y")
    K = check_int(n_levels, "n_levels", minimum=1)
    taus = (np.arange(1, K + 1) - 0.5) / K
    total = 0.0
    for t in taus:
        total = total + pinball_loss(y, quantile_fn(t), t, reduce=False)
    v = 2.0 * total / K
    return float(np.mean(v))


def coverage(y, lower, upper) -> float:
    """Fraction of ``y`` inside ``[lower, upper]``."""
    y = as_float_array(y, "y")
    lo = as_float_array(lower, "lower")
    hi = as_float_array(upper, "upper")
    return float(np.mean((y >= lo) & (y <= hi)))


def conformal_quantile(scores, alpha: float) -> float:
    """Split-conformal threshold: the ``ceil((n + 1)(1 - alpha))``-th smallest calibration score.

    If new and calibration scores are exchangeable, a new score is ``<=`` this value
    with probability at least ``1 - alpha``. Returns ``inf`` when ``n`` is too small
    for the requested level.
    """
    s = as_float_array(scores, "scores", ndim=1)
    alpha = check_in_range(alpha, "alpha", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    n = s.shape[0]
    if n == 0:
        raise ValueError("scores must not be empty")
    k = int(np.ceil((n + 1) * (1.0 - alpha)))
    if k > n:
        return float("inf")
    return float(np.sort(s)[k - 1])
