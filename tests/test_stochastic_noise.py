"""lessonlib.stochastic.noise against Cholesky factors, scipy.signal and closed-form spectra."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, stats

from lessonlib.stochastic.noise import (
    add_gaussian_noise,
    exp_cov_matrix,
    exp_cov_noise,
    exp_cov_psd,
    field_covariance,
    gaussian_random_field_2d,
    periodogram,
    power_law_noise,
    white_noise,
)
from lessonlib.stochastic.probability import fit_power_law


def test_white_noise_is_normal_and_uncorrelated():
    x = white_noise(20_000, 4, sigma=2.0)
    assert stats.kstest(x, stats.norm(0, 2).cdf).pvalue > 1e-3
    # lag-1 sample autocorrelation of white noise has s.d. 1/sqrt(n) = 0.007; allow 5 s.d.
    r1 = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(r1) < 5 / np.sqrt(x.size)


def test_add_gaussian_noise_shape_and_level():
    img = np.zeros((40, 50, 3))
    y = add_gaussian_noise(img, 0.3, 1)
    assert y.shape == img.shape
    # sample s.d. of 6000 values: relative s.e. 1/sqrt(2n) = 0.9 %; allow 5 %
    assert np.std(y) == pytest.approx(0.3, rel=0.05)
    np.testing.assert_array_equal(add_gaussian_noise(img, 0.0, 1), img)


def test_exp_cov_noise_equals_cholesky_factor_times_same_normals():
    """The AR(1) recursion IS the Cholesky factor of the exponential covariance."""
    n, dt, ell, sigma = 60, 0.1, 0.7, 1.5
    x = exp_cov_noise(n, dt, ell, 123, sigma=sigma)
    z = np.random.default_rng(123).standard_normal(n)
    L = np.linalg.cholesky(exp_cov_matrix(dt * np.arange(n), ell, sigma))
    np.testing.assert_allclose(x, L @ z, rtol=1e-10, atol=1e-12)


def test_exp_cov_noise_autocovariance():
    dt, ell = 0.05, 0.5
    x = exp_cov_noise(200_000, dt, ell, 9)
    for lag in (0, 5, 10, 20):
        c = np.mean(x[: x.size - lag] * x[lag:])
        # correlated samples: effective sample size ~ n dt / (2 ell) = 10^4, s.e. ~ 0.01; 5 s.e.
        assert c == pytest.approx(np.exp(-lag * dt / ell), abs=0.05)


def test_exp_cov_psd_integrates_to_variance_and_matches_lorentzian():
    dt, ell, sigma = 0.01, 0.5, 2.0
    from scipy.integrate import quad

    total = quad(lambda f: float(exp_cov_psd(f, dt, ell, sigma)), 0, 0.5 / dt, points=[1 / (2 * np.pi * ell)], limit=500)[0]
    assert total == pytest.approx(sigma**2, rel=1e-8)
    f = np.linspace(0, 0.5 / dt, 20_001)
    S = exp_cov_psd(f, dt, ell, sigma)
    low = f < 1.0  # far below the sampling rate the discrete spectrum is the Lorentzian
    lorentz = 4 * sigma**2 * ell / (1 + (2 * np.pi * f[low] * ell) ** 2)
    np.testing.assert_allclose(S[low], lorentz, rtol=2e-3)


def test_averaged_periodogram_matches_exact_ar1_spectrum():
    dt, ell, n, reps = 0.1, 1.0, 512, 400
    rng = np.random.default_rng(5)
    P = np.mean([periodogram(exp_cov_noise(n, dt, ell, rng), fs=1 / dt, detrend=False)[1] for _ in range(reps)], axis=0)
    f = np.fft.rfftfreq(n, dt)
    S = exp_cov_psd(f, dt, ell)
    # each periodogram ordinate is ~ S * chi2_2/2 (relative s.d. 1); the mean of 400 has
    # relative s.e. 5 %; allow 25 % (5 s.e.) away from f = 0 and the leakage-prone first bins
    sel = slice(5, -1)
    np.testing.assert_allclose(P[sel], S[sel], rtol=0.25)


def test_periodogram_matches_scipy():
    x = np.random.default_rng(0).standard_normal((3, 101))
    for fs in (1.0, 8.0):
        f, P = periodogram(x, fs)
        fr, Pr = signal.periodogram(x, fs)
        np.testing.assert_allclose(f, fr)
        np.testing.assert_allclose(P, Pr, rtol=1e-10, atol=1e-14)
    x2 = np.random.default_rng(1).standard_normal(256)
    np.testing.assert_allclose(periodogram(x2, 2.0)[1], signal.periodogram(x2, 2.0)[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0])
def test_power_law_noise_spectral_slope(beta):
    n, reps = 4096, 40
    rng = np.random.default_rng(int(10 * beta))
    X = np.array([power_law_noise(n, beta, rng) for _ in range(reps)])
    f, P = periodogram(X, 1.0)
    Pm = P.mean(axis=0)
    sel = (f > 1e-3) & (f < 0.2)
    # the averaged log-periodogram is nearly linear in log f with slope -beta; with 40
    # realisations the fitted slope scatters by about 0.02 (measured over seeds); allow 0.1
    assert fit_power_law(f[sel], Pm[sel]).slope == pytest.approx(-beta, abs=0.1)
    # the variance is sigma^2 = 1 by construction: mean of 40*4096 values of squares
    assert np.mean(X**2) == pytest.approx(1.0, rel=0.1 if beta < 2 else 0.3)


def test_power_law_noise_variance_normalisation_is_exact_in_expectation():
    # E[mean_j x_j^2] = sigma^2 = 4 exactly; over 1000 realisations this average scatters
    # with s.d. 0.029 (measured over 20 seeds), so 5 s.d. is 0.14, i.e. 3.6 %
    rng = np.random.default_rng(3)
    for n in (64, 65):
        v = np.mean([np.mean(power_law_noise(n, 1.0, rng, sigma=2.0) ** 2) for _ in range(1000)])
        assert v == pytest.approx(4.0, rel=0.04)


def test_random_field_covariance_matches_kernel():
    n, ell = 32, 3.0
    F = gaussian_random_field_2d(n, ell, 4, n_samples=200, sigma=1.5)
    assert F.shape == (200, n, n)
    for kind, fld in (("squared_exponential", F),):
        for dx, dy in ((0, 0), (1, 0), (0, 2), (3, 3), (6, 0)):
            emp = np.mean(fld * np.roll(fld, shift=(-dx, -dy), axis=(1, 2)))
            ref = field_covariance(dx, dy, ell, 1.5, kind)
            # 200 fields with about (n/ell)^2 ~ 100 independent patches each: s.e. ~ 2.25 * 0.007 = 0.016;
            # allow 0.1 (about 6 s.e.)
            assert emp == pytest.approx(ref, abs=0.1)


def test_random_field_exponential_kernel_is_rougher():
    smooth = gaussian_random_field_2d(64, 6.0, 1)
    rough = gaussian_random_field_2d(64, 6.0, 1, kind="exponential")
    # mean squared neighbour difference: 2(c(0) - c(1)); exponential kernel decays linearly at 0
    d_s = np.mean(np.diff(smooth, axis=0) ** 2)
    d_r = np.mean(np.diff(rough, axis=0) ** 2)
    assert d_r > 5 * d_s


def test_noise_argument_errors():
    with pytest.raises(ValueError, match="ell"):
        exp_cov_noise(10, 0.1, 0.0, 1)
    with pytest.raises(ValueError, match="beta"):
        power_law_noise(16, 5.0, 1)
    with pytest.raises(ValueError, match="kind"):
        gaussian_random_field_2d(8, 2.0, 1, kind="matern")
    with pytest.raises(TypeError, match="rng"):
        white_noise(5, None)
