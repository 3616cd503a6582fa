"""Frequency domain: the DFT, the periodogram, ARMA spectral densities, period detection.

Conventions:

* DFT ``Y_k = sum_{t=0}^{T-1} y_t exp(-2 pi i k t / T)`` and inverse
  ``y_t = (1/T) sum_k Y_k exp(2 pi i k t / T)`` (the same as :func:`numpy.fft.fft`);
* spectral density ``f(omega) = (1/2pi) sum_k gamma(k) exp(-i omega k)`` on
  ``[-pi, pi]``, so that ``int_{-pi}^{pi} f = gamma(0)``;
* periodogram ``I(omega_j) = |Y_j|^2 / (2 pi T)`` at the Fourier frequencies
  ``omega_j = 2 pi j / T``, which estimates ``f(omega_j)`` without bias as ``T`` grows.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_positive

__all__ = [
    "dft_matrix",
    "dft",
    "idft",
    "periodogram",
    "daniell_smooth",
    "arma_spectral_density",
    "top_k_periods",
    "fold_by_period",
]


def dft_matrix(T: int) -> np.ndarray:
    """The ``T x T`` Fourier matrix ``F[k, t] = exp(-2 pi i k t / T)`` (so ``Y = F y``)."""
    T = check_int(T, "T", minimum=1)
    k = np.arange(T)
    return np.exp(-2j * np.pi * np.outer(k, k) / T)


def dft(y) -> np.ndarray:
    """DFT by its definition, as a matrix–vector product (``O(T^2)``; the FFT does it in ``O(T log T)``)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    return dft_matrix(y.shape[0]) @ y.astype(np.complex128)


def idft(Y) -> np.ndarray:
    """Inverse DFT by its definition: ``y = conj(F) Y / T``."""
    Y = np.asarray(Y, dtype=np.complex128)
    if Y.ndim != 1:
        raise ValueError(f"Y must be 1-D, got shape {Y.shape}")
    return np.conj(dft_matrix(Y.shape[0])) @ Y / Y.shape[0]


def periodogram(y, *, demean: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Periodogram at the Fourier frequencies ``omega_j = 2 pi j / T``, ``j = 1..floor(T/2)``.

    Returns ``(omega, I)`` with ``I(omega_j) = |Y_j|^2 / (2 pi T)``. Frequency 0 is left
    out (after demeaning it is zero).
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    T = y.shape[0]
    if T < 2:
        raise ValueError("y must have at least 2 values")
    x = y - y.mean() if demean else y
    Y = np.fft.rfft(x)
    j = np.arange(1, T // 2 + 1)
    return 2.0 * np.pi * j / T, np.abs(Y[j]) ** 2 / (2.0 * np.pi * T)


def daniell_smooth(I, span: int) -> np.ndarray:
    """Moving average of ``span`` (odd) neighbouring periodogram ordinates, shrinking at the ends.

    Averaging ``span`` roughly independent ordinates divides the variance of the
    estimate by about ``span`` (the raw periodogram is not consistent).
    """
    I = as_float_array(I, "I", ndim=1)
    span = check_int(span, "span", minimum=1)
    if span % 2 == 0:
        raise ValueError(f"span must be odd, got {span}")
    h = span // 2
    c = np.concatenate([[0.0], np.cumsum(I)])
    idx = np.arange(I.shape[0])
    lo = np.maximum(idx - h, 0)
    hi = np.minimum(idx + h + 1, I.shape[0])
    return (c[hi] - c[lo]) / (hi - lo)


def arma_spectral_density(phi, theta, omega, *, sigma2: float = 1.0) -> np.ndarray:
    """``f(omega) = sigma^2/(2 pi) |theta(e^{-i omega})|^2 / |phi(e^{-i omega})|^2``.

    For AR(1) this is ``sigma^2 / (2 pi |1 - phi e^{-i omega}|^2)``.
    """
    phi = np.atleast_1d(as_float_array([] if phi is None else phi, "phi", ndim=(0, 1)))
    theta = np.atleast_1d(as_float_array([] if theta is None else theta, "theta", ndim=(0, 1)))
    omega = as_float_array(omega, "omega", ndim=(0, 1))
    sigma2 = check_positive(sigma2, "sigma2")
    z = np.exp(-1j * np.atleast_1d(omega))
    num = 1.0 + sum(th * z ** (j + 1) for j, th in enumerate(theta))
    den = 1.0 - sum(ph * z ** (i + 1) for i, ph in enumerate(phi))
    out = sigma2 / (2.0 * np.pi) * np.abs(num) ** 2 / np.abs(den) ** 2
    return out if omega.ndim else out[0]


def top_k_periods(y, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TimesNet's period detection: the ``k`` largest FFT amplitudes and their periods.

    Parameters
    ----------
    y : array_like, shape (T,) or (T, d)
        Amplitudes are averaged over the ``d`` channels.
    k : int

    Returns
    -------
    periods : numpy.ndarray of int
        ``ceil(T / f)`` for each selected frequency index ``f`` (largest amplitude first).
    freqs : numpy.ndarray of int
        The frequency indices ``f`` (cycles per window), never 0.
    amplitudes : numpy.ndarray
        Mean ``|Y_f|`` at those frequencies.
    """
    y = check_finite(as_float_array(y, "y", ndim=(1, 2)), "y")
    k = check_int(k, "k", minimum=1)
    Y = np.abs(np.fft.rfft(y, axis=0))
    amp = Y if Y.ndim == 1 else Y.mean(axis=1)
    amp = amp.copy()
    amp[0] = -np.inf  # the mean is not a period
    if k > amp.shape[0] - 1:
        raise ValueError(f"k must be at most {amp.shape[0] - 1}, got {k}")
    order = np.argsort(-amp, kind="stable")[:k]
    T = y.shape[0]
    return np.ceil(T / order).astype(np.int64), order.astype(np.int64), amp[order]


def fold_by_period(y, p: int) -> np.ndarray:
    """Reshape a series into a ``(ceil(T/p), p)`` array: rows are cycles, columns the phase.

    A column runs across cycles (inter-period variation), a row along one cycle
    (intra-period variation). If ``p`` does not divide ``T`` the last row is padded
    with zeros, as TimesNet does.
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    p = check_int(p, "p", minimum=1)
    T = y.shape[0]
    rows = -(-T // p)
    pad = rows * p - T
    if pad:
        y = np.concatenate([y, np.zeros((pad,) + y.shape[1:])], axis=0)
    return y.reshape((rows, p) + y.shape[1:])
