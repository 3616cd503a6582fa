"""Densities, sampling and Monte Carlo estimates (chapter 1.3, first half).

Everything a later module needs about single random variables and random vectors:
the Gaussian densities, sampling a multivariate Gaussian through a Cholesky factor,
sampling a categorical law by inverting its CDF, exact means and variances of
discrete laws, Bayes' rule on a finite set of hypotheses, a Monte Carlo mean with
its standard error, and a least-squares power-law fit (used for spectra and for
convergence orders).

Every random routine takes an explicit ``rng`` (a ``numpy.random.Generator`` or an
integer seed).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_positive, check_rng
from ..fmt import exact

__all__ = [
    "gaussian_pdf",
    "mvn_pdf",
    "sample_mvn",
    "sample_categorical",
    "discrete_mean",
    "discrete_variance",
    "bayes_posterior",
    "MCEstimate",
    "monte_carlo_mean",
    "PowerLawFit",
    "fit_power_law",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


def gaussian_pdf(x: Any, mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """Density of :math:`\\mathcal N(\\mu, \\sigma^2)` at ``x``.

    Parameters
    ----------
    x : array_like
        Points.
    mu : float
        Mean.
    sigma : float
        Standard deviation (> 0), not the variance.

    Returns
    -------
    numpy.ndarray
        ``exp(-(x-mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2)``, same shape as ``x``.
    """
    x = as_float_array(x, "x")
    mu = float(as_float_array(mu, "mu", ndim=0))
    sigma = check_positive(sigma, "sigma")
    z = (x - mu) / sigma
    return np.exp(-0.5 * z * z) / (sigma * np.sqrt(2.0 * np.pi))


def _check_cov(cov: Any, d: int, name: str = "cov") -> np.ndarray:
    cov = check_finite(as_float_array(cov, name, ndim=2), name)
    if cov.shape != (d, d):
        raise ValueError(f"{name} must have shape ({d}, {d}), got {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=1e-12, atol=1e-14):
        raise ValueError(f"{name} must be symmetric")
    return cov


def _cholesky(cov: np.ndarray, name: str = "cov") -> np.ndarray:
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite") from None


def mvn_pdf(x: Any, mean: Any, cov: Any) -> np.ndarray:
    """Density of :math:`\\mathcal N(\\mu, \\Sigma)` at the rows of ``x``.

    Parameters
    ----------
    x : array_like, shape (d,) or (n, d)
        One point or ``n`` points in :math:`\\mathbb R^d`.
    mean : array_like, shape (d,)
    cov : array_like, shape (d, d)
        Symmetric positive definite covariance.

    Returns
    -------
    numpy.ndarray
        Shape ``()`` for one point, ``(n,)`` for ``n`` points.

    Notes
    -----
    With the Cholesky factor :math:`\\Sigma = LL^\\top`, the quadratic form is
    :math:`\\|L^{-1}(x-\\mu)\\|^2` and :math:`\\log|\\Sigma| = 2\\sum_i \\log L_{ii}`,
    which avoids forming :math:`\\Sigma^{-1}`.
    """
    mean = check_finite(as_float_array(mean, "mean", ndim=1), "mean")
    d = mean.shape[0]
    cov = _check_cov(cov, d)
    x = as_float_array(x, "x", ndim=(1, 2))
    single = x.ndim == 1
    x2 = np.atleast_2d(x)
    if x2.shape[1] != d:
        raise ValueError(f"x must have {d} columns, got shape {x.shape}")
    L = _cholesky(cov)
    from scipy.linalg import solve_triangular

    z = solve_triangular(L, (x2 - mean).T, lower=True)
    quad = np.sum(z * z, axis=0)
    logdet = 2.0 * np.sum(np.log(np.diag(L)))
    out = np.exp(-0.5 * (quad + logdet + d * _LOG_2PI))
    return out[0] if single else out


def sample_mvn(mean: Any, cov: Any, n: int, rng: Any) -> np.ndarray:
    """Draw ``n`` samples of :math:`\\mathcal N(\\mu, \\Sigma)` as ``mean + Z L^T``.

    Parameters
    ----------
    mean : array_like, shape (d,)
    cov : array_like, shape (d, d)
        Symmetric positive definite.
    n : int
        Number of samples (>= 1).
    rng : numpy.random.Generator or int

    Returns
    -------
    numpy.ndarray, shape (n, d)
        Row ``i`` is ``mean + L z_i`` with ``z_i`` standard normal and ``L`` the
        lower Cholesky factor of ``cov``.
    """
    mean = check_finite(as_float_array(mean, "mean", ndim=1), "mean")
    cov = _check_cov(cov, mean.shape[0])
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    L = _cholesky(cov)
    z = rng.standard_normal((n, mean.shape[0]))
    return mean + z @ L.T


def sample_categorical(probs: Any, n: int, rng: Any) -> np.ndarray:
    """Draw ``n`` class indices ``0..K-1`` with ``P(k) = probs[k]`` by inverting the CDF.

    A uniform ``U`` falls in ``[c_{k-1}, c_k)`` of the cumulative sums with
    probability ``p_k``; ``numpy.searchsorted`` finds that ``k``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    p = _check_probs(probs, "probs")
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    c = np.cumsum(p)
    c[-1] = 1.0  # guard against round-off in the last cumulative sum
    u = rng.random(n)
    return np.searchsorted(c, u, side="right").astype(np.int64)


def _check_probs(probs: Any, name: str) -> np.ndarray:
    p = check_finite(as_float_array(probs, name, ndim=1), name)
    if p.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative")
    if abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must sum to 1, got {p.sum()!r}")
    return p


def _exact_law(values: Any, probs: Any) -> tuple[list[Fraction], list[Fraction]]:
    vals = [exact(v) for v in np.asarray(values, dtype=object).ravel()]
    ps = [exact(p) for p in np.asarray(probs, dtype=object).ravel()]
    if len(vals) != len(ps):
        raise ValueError(f"values and probs must have the same length, got {len(vals)} and {len(ps)}")
    if not ps:
        raise ValueError("probs must not be empty")
    if any(p < 0 for p in ps):
        raise ValueError("probs must be non-negative")
    if abs(float(sum(ps, Fraction(0)) - 1)) > 1e-12:
        raise ValueError(f"probs must sum to 1, got {float(sum(ps, Fraction(0)))!r}")
    return vals, ps


def discrete_mean(values: Any, probs: Any) -> Fraction:
    """Exact mean :math:`\\sum_x x\\,P(X=x)` of a discrete law.

    Inputs are read as the decimals a reader sees (:func:`lessonlib.fmt.exact`), so
    ``discrete_mean([0, 1], [0.3, 0.7])`` is exactly ``Fraction(7, 10)``.
    """
    vals, ps = _exact_law(values, probs)
    return sum((v * p for v, p in zip(vals, ps)), Fraction(0))


def discrete_variance(values: Any, probs: Any) -> Fraction:
    """Exact variance :math:`\\sum_x (x-\\mu)^2 P(X=x)` of a discrete law."""
    vals, ps = _exact_law(values, probs)
    mu = sum((v * p for v, p in zip(vals, ps)), Fraction(0))
    return sum(((v - mu) ** 2 * p for v, p in zip(vals, ps)), Fraction(0))


def bayes_posterior(prior: Any, likelihood: Any) -> tuple[list[Fraction], Fraction]:
    """Bayes' rule on a finite set of hypotheses, in exact arithmetic.

    Parameters
    ----------
    prior : sequence of numbers
        :math:`P(H_k)`, summing to 1.
    likelihood : sequence of numbers
        :math:`P(\\text{data} \\mid H_k)`, each in [0, 1].

    Returns
    -------
    posterior : list of Fraction
        :math:`P(H_k \\mid \\text{data}) = P(\\text{data}\\mid H_k)P(H_k) / P(\\text{data})`.
    evidence : Fraction
        :math:`P(\\text{data}) = \\sum_k P(\\text{data}\\mid H_k)P(H_k)`.
    """
    _, pr = _exact_law(np.zeros(len(prior)), prior)
    lik = [exact(v) for v in np.asarray(likelihood, dtype=object).ravel()]
    if len(lik) != len(pr):
        raise ValueError(f"prior and likelihood must have the same length, got {len(pr)} and {len(lik)}")
    if any(v < 0 or v > 1 for v in lik):
        raise ValueError("likelihood entries must lie in [0, 1]")
    joint = [a * b for a, b in zip(pr, lik)]
    evidence = sum(joint, Fraction(0))
    if evidence == 0:
        raise ValueError("the data have probability 0 under every hypothesis")
    return [j / evidence for j in joint], evidence


class MCEstimate(NamedTuple):
    """A Monte Carlo mean with its standard error ``std / sqrt(n)``."""

    mean: np.ndarray | float
    se: np.ndarray | float
    n: int


def monte_carlo_mean(samples: Any, axis: int = 0) -> MCEstimate:
    """Sample mean and its standard error (sample std with ``ddof=1`` over ``sqrt(n)``).

    By the central limit theorem the error of the mean is about ``N(0, se^2)``, so
    ``mean +- 1.96 se`` is an approximate 95 % interval and the error shrinks like
    ``1/sqrt(n)``.
    """
    x = check_finite(as_float_array(samples, "samples"), "samples")
    if x.ndim == 0:
        raise ValueError("samples must have at least one dimension")
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"samples needs at least 2 values along axis {axis}, got {n}")
    m = x.mean(axis=axis)
    se = x.std(axis=axis, ddof=1) / np.sqrt(n)
    if np.ndim(m) == 0:
        return MCEstimate(float(m), float(se), int(n))
    return MCEstimate(m, se, int(n))


class PowerLawFit(NamedTuple):
    """Least-squares fit of ``y = C x^slope`` on log-log axes."""

    slope: float
    prefactor: float
    residual: float
    slope_se: float


def fit_power_law(x: Any, y: Any) -> PowerLawFit:
    """Fit ``log y = log C + slope log x`` by least squares.

    This is how convergence orders are read off an error plot (Higham 2001 reports
    the slope and the residual norm) and how a spectral exponent is read off a
    periodogram.

    Returns
    -------
    PowerLawFit
        ``slope``, ``prefactor`` ``C``, ``residual`` (2-norm of the log residuals) and
        ``slope_se``, the ordinary least-squares standard error of the slope (NaN for
        two points).
    """
    x = check_finite(as_float_array(x, "x", ndim=1), "x")
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError("x needs at least 2 points")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    lx, ly = np.log(x), np.log(y)
    A = np.column_stack([np.ones_like(lx), lx])
    coef, *_ = np.linalg.lstsq(A, ly, rcond=None)
    r = ly - A @ coef
    resid = float(np.linalg.norm(r))
    dof = x.size - 2
    if dof > 0:
        s2 = float(r @ r) / dof
        se = float(np.sqrt(s2 / np.sum((lx - lx.mean()) ** 2)))
    else:
        se = float("nan")
    return PowerLawFit(float(coef[1]), float(np.exp(coef[0])), resid, se)
