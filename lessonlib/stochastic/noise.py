"""Noise: white, exponentially correlated and 1/f^beta sequences, their spectra, and
Gaussian random fields on a pixel grid (chapter 1.3).

Conventions
-----------
* A sequence is sampled every ``dt`` time units, so its sampling frequency is
  ``fs = 1/dt``. Spectra are *one-sided power spectral densities*: their integral over
  ``[0, fs/2]`` is the variance (the convention of ``scipy.signal.periodogram``).
* Every random routine takes an explicit ``rng``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_rng,
)

__all__ = [
    "add_gaussian_noise",
    "white_noise",
    "exp_cov_matrix",
    "exp_cov_noise",
    "exp_cov_psd",
    "power_law_noise",
    "periodogram",
    "field_covariance",
    "gaussian_random_field_2d",
]


def add_gaussian_noise(x: Any, sigma: float, rng: Any) -> np.ndarray:
    """Return ``Y = X + E`` with independent ``E_ij ~ N(0, sigma^2)`` of the same shape as ``x``.

    Works for a vector, an image ``(H, W)``, a colour image ``(H, W, C)`` or a video
    ``(T, H, W, C)``: the noise is white over every index.
    """
    x = check_finite(as_float_array(x, "x"), "x")
    sigma = check_positive(sigma, "sigma", strict=False)
    rng = check_rng(rng)
    return x + sigma * rng.standard_normal(x.shape)


def white_noise(n: int, rng: Any, sigma: float = 1.0) -> np.ndarray:
    """``n`` samples of discrete Gaussian white noise, ``E[e_t e_s] = sigma^2 delta_ts``."""
    n = check_int(n, "n", minimum=1)
    sigma = check_positive(sigma, "sigma", strict=False)
    rng = check_rng(rng)
    return sigma * rng.standard_normal(n)


def exp_cov_matrix(t: Any, ell: float, sigma: float = 1.0) -> np.ndarray:
    """Covariance matrix ``C_ij = sigma^2 exp(-|t_i - t_j| / ell)`` of exponentially correlated noise."""
    t = check_finite(as_float_array(t, "t", ndim=1), "t")
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    return sigma**2 * np.exp(-np.abs(t[:, None] - t[None, :]) / ell)


def exp_cov_noise(n: int, dt: float, ell: float, rng: Any, sigma: float = 1.0) -> np.ndarray:
    """Stationary Gaussian noise with ``Cov(e_t, e_s) = sigma^2 exp(-|t-s|/ell)`` on a grid of step ``dt``.

    Sampled *exactly* by the AR(1) recursion

    .. math:: e_0 = \\sigma z_0, \\qquad e_{k+1} = \\rho e_k + \\sigma\\sqrt{1-\\rho^2}\\, z_{k+1},
              \\qquad \\rho = e^{-\\Delta t/\\ell},

    with ``z_k`` standard normal (the Ornstein–Uhlenbeck process observed every
    ``dt``). This costs O(n), where a Cholesky factor of the n × n covariance costs
    O(n^3); the two give the *same* numbers from the same ``z`` because the AR(1)
    recursion is exactly the Cholesky factor of this covariance.

    Parameters
    ----------
    n : int
        Number of samples.
    dt : float
        Grid step (> 0).
    ell : float
        Correlation length (> 0), in the units of ``dt``.
    rng : numpy.random.Generator or int
    sigma : float
        Marginal standard deviation.
    """
    from scipy.signal import lfilter

    n = check_int(n, "n", minimum=1)
    dt = check_positive(dt, "dt")
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    rng = check_rng(rng)
    z = rng.standard_normal(n)
    rho = np.exp(-dt / ell)
    out = np.empty(n)
    out[0] = sigma * z[0]
    if n > 1:
        out[1:], _ = lfilter([sigma * np.sqrt(1.0 - rho * rho)], [1.0, -rho], z[1:], zi=[rho * out[0]])
    return out


def exp_cov_psd(f: Any, dt: float, ell: float, sigma: float = 1.0) -> np.ndarray:
    """Exact one-sided PSD of :func:`exp_cov_noise` at frequencies ``f`` in ``[0, 1/(2 dt)]``.

    For the AR(1) sequence with ``rho = exp(-dt/ell)``,

    .. math:: S(f) = 2\\,\\Delta t\\, \\frac{\\sigma^2 (1-\\rho^2)}{|1 - \\rho e^{-2\\pi i f \\Delta t}|^2},

    (twice the two-sided density, so that its integral over ``[0, 1/(2 dt)]`` is
    ``sigma^2``). For
    ``dt << ell`` and ``f << 1/dt`` this is the Lorentzian
    ``4 sigma^2 ell / (1 + (2 pi f ell)^2)``: flat below ``1/(2 pi ell)``, falling like
    ``1/f^2`` above it.
    """
    f = check_finite(as_float_array(f, "f"), "f")
    dt = check_positive(dt, "dt")
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    nyq = 0.5 / dt
    if np.any(f < 0) or np.any(f > nyq * (1 + 1e-12)):
        raise ValueError(f"f must lie in [0, {nyq}] (the Nyquist range of dt={dt})")
    rho = np.exp(-dt / ell)
    denom = np.abs(1.0 - rho * np.exp(-2j * np.pi * f * dt)) ** 2
    return 2.0 * dt * sigma**2 * (1.0 - rho**2) / denom


def power_law_noise(n: int, beta: float, rng: Any, sigma: float = 1.0) -> np.ndarray:
    """Gaussian noise whose power spectrum falls like ``1 / f^beta`` (FFT shaping).

    ``beta = 0`` is white, ``beta = 1`` pink (1/f), ``beta = 2`` brown (1/f^2, a random
    walk's spectrum). Independent complex Gaussian Fourier coefficients are multiplied
    by ``f^(-beta/2)`` (the zero frequency is removed) and transformed back with an
    inverse real FFT; the result is a stationary periodic Gaussian sequence, scaled so
    that its variance is exactly ``sigma^2``.

    Parameters
    ----------
    n : int
        Length (>= 4).
    beta : float
        Spectral exponent, in ``[0, 4]``.
    rng : numpy.random.Generator or int
    sigma : float
        Standard deviation of each sample.
    """
    n = check_int(n, "n", minimum=4)
    beta = float(as_float_array(beta, "beta", ndim=0))
    if not 0.0 <= beta <= 4.0:
        raise ValueError(f"beta must lie in [0, 4], got {beta}")
    sigma = check_positive(sigma, "sigma", strict=False)
    rng = check_rng(rng)
    f = np.fft.rfftfreq(n)  # cycles per sample, 0 .. 1/2
    amp = np.zeros_like(f)
    amp[1:] = f[1:] ** (-beta / 2.0)
    m = f.size
    coef = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    if n % 2 == 0:
        coef[-1] = coef[-1].real  # the Nyquist coefficient of a real signal is real
    x = np.fft.irfft(amp * coef, n)
    # variance of each sample of irfft: (4 sum_{0<k<n/2} a_k^2 + a_{n/2}^2 [n even]) / n^2
    a2 = amp**2
    if n % 2 == 0:
        var = (4.0 * a2[1:-1].sum() + a2[-1]) / n**2
    else:
        var = 4.0 * a2[1:].sum() / n**2
    return sigma * x / np.sqrt(var)


def periodogram(x: Any, fs: float = 1.0, *, detrend: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One-sided periodogram ``P(f_k) = 2 |X_k|^2 / (fs n)`` along the last axis.

    ``X_k`` is the discrete Fourier transform of the (mean-removed, if ``detrend``)
    samples; the zero and Nyquist frequencies are not doubled. Summing ``P`` times the
    frequency step ``fs/n`` gives the sample variance (Parseval). Same convention as
    ``scipy.signal.periodogram`` with its default boxcar window.

    Returns
    -------
    f : numpy.ndarray
        Frequencies ``0, fs/n, ..., fs/2``.
    P : numpy.ndarray
        Power spectral density, shape ``x.shape[:-1] + f.shape``.
    """
    x = check_finite(as_float_array(x, "x", ndim=(1, 2)), "x")
    fs = check_positive(fs, "fs")
    n = x.shape[-1]
    if n < 2:
        raise ValueError("x needs at least 2 samples")
    if detrend:
        x = x - x.mean(axis=-1, keepdims=True)
    X = np.fft.rfft(x, axis=-1)
    P = np.abs(X) ** 2 / (fs * n)
    if n % 2 == 0:
        P[..., 1:-1] *= 2.0
    else:
        P[..., 1:] *= 2.0
    return np.fft.rfftfreq(n, d=1.0 / fs), P


_KERNELS = ("squared_exponential", "exponential")


def field_covariance(dx: Any, dy: Any, ell: float, sigma: float = 1.0, kind: str = "squared_exponential") -> np.ndarray:
    """Stationary covariance ``c(r)`` of a 2-D field at separation ``(dx, dy)`` (pixels).

    ``squared_exponential``: ``sigma^2 exp(-r^2 / (2 ell^2))`` (smooth fields);
    ``exponential``: ``sigma^2 exp(-r / ell)`` (rough, continuous but nowhere smooth).
    """
    dx = as_float_array(dx, "dx")
    dy = as_float_array(dy, "dy")
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    kind = check_choice(kind, "kind", _KERNELS)
    r2 = dx**2 + dy**2
    if kind == "squared_exponential":
        return sigma**2 * np.exp(-0.5 * r2 / ell**2)
    return sigma**2 * np.exp(-np.sqrt(r2) / ell)


def gaussian_random_field_2d(
    n: int,
    ell: float,
    rng: Any,
    *,
    sigma: float = 1.0,
    kind: str = "squared_exponential",
    n_samples: int | None = None,
) -> np.ndarray:
    """Stationary Gaussian random field on an ``n × n`` periodic pixel grid.

    The covariance between pixels is :func:`field_covariance` of their shortest
    separation on the torus. That covariance matrix is block-circulant, so the 2-D FFT
    diagonalises it: with ``Lambda = fft2(c)`` (its eigenvalues) and white noise ``W``,
    ``X = ifft2(sqrt(Lambda) * fft2(W))`` has exactly covariance ``C`` (circulant
    embedding). Tiny negative eigenvalues from round-off are set to zero.

    Parameters
    ----------
    n : int
        Grid side in pixels (>= 2).
    ell : float
        Correlation length in pixels: small gives rough fields, large smooth ones.
    rng : numpy.random.Generator or int
    sigma : float
        Pointwise standard deviation.
    kind : {"squared_exponential", "exponential"}
    n_samples : int, optional
        Return a stack ``(n_samples, n, n)`` instead of one ``(n, n)`` field.
    """
    n = check_int(n, "n", minimum=2)
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    kind = check_choice(kind, "kind", _KERNELS)
    rng = check_rng(rng)
    k = np.arange(n)
    d = np.minimum(k, n - k).astype(float)  # shortest separation on the ring
    c = field_covariance(d[:, None], d[None, :], ell, sigma, kind)
    lam = np.fft.fft2(c).real
    lam = np.clip(lam, 0.0, None)
    root = np.sqrt(lam)
    shape = (n, n) if n_samples is None else (check_int(n_samples, "n_samples", minimum=1), n, n)
    w = rng.standard_normal(shape)
    return np.fft.ifft2(root * np.fft.fft2(w, axes=(-2, -1)), axes=(-2, -1)).real
