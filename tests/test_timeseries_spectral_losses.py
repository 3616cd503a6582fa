"""DFT, periodogram, spectral densities, forecast losses, CRPS, conformal, forecasting strategies."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, signal
from scipy.stats import norm

from lessonlib.timeseries import arma, forecasting, losses, spectral

arrays = st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=40).map(np.array)


# ------------------------------------------------------------------ spectral
@settings(max_examples=40, deadline=None)
@given(y=arrays)
def test_dft_and_inverse_match_numpy_fft(y):
    np.testing.assert_allclose(spectral.dft(y), np.fft.fft(y), rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(spectral.idft(np.fft.fft(y)), y, rtol=1e-9, atol=1e-8)


def test_dft_of_a_pure_cosine_has_two_spikes():
    T = 64
    t = np.arange(T)
    Y = spectral.dft(np.cos(2 * np.pi * 5 * t / T))
    mag = np.abs(Y)
    assert set(np.flatnonzero(mag > 1e-8)) == {5, T - 5}
    assert mag[5] == pytest.approx(T / 2)


def test_periodogram_matches_scipy_with_convention_change():
    rng = np.random.default_rng(0)
    y = rng.normal(size=128)
    w, I = spectral.periodogram(y)
    f, Pxx = signal.periodogram(y, fs=1.0, scaling="density", detrend="constant", return_onesided=True)
    # scipy: one-sided density in cycles/sample, Pxx = 2|Y|^2/T (except Nyquist: |Y|^2/T);
    # ours: two-sided in radians, I = |Y|^2 / (2 pi T)
    np.testing.assert_allclose(w, 2 * np.pi * f[1:])
    np.testing.assert_allclose(I[:-1], Pxx[1:-1] / (4 * np.pi), rtol=1e-10)
    assert I[-1] == pytest.approx(Pxx[-1] / (2 * np.pi), rel=1e-10)


@pytest.mark.parametrize("phi,theta", [([0.8], []), ([0.5, -0.3], [0.4]), ([], [0.6])])
def test_spectral_density_is_fourier_transform_of_acovf(phi, theta):
    w = np.linspace(-np.pi, np.pi, 9)
    f = spectral.arma_spectral_density(phi, theta, w, sigma2=1.7)
    g = arma.arma_acovf(phi, theta, 400, sigma2=1.7)
    k = np.arange(1, 401)
    ref = (g[0] + 2 * (g[1:, None] * np.cos(np.outer(k, w))).sum(axis=0)) / (2 * np.pi)
    np.testing.assert_allclose(f, ref, rtol=1e-9)
    # integrates to gamma(0) over [-pi, pi]
    area, _ = integrate.quad(lambda x: spectral.arma_spectral_density(phi, theta, x, sigma2=1.7), -np.pi, np.pi, limit=200)
    assert area == pytest.approx(g[0], rel=1e-8)


def test_ar1_spectral_density_closed_form():
    w = np.linspace(0, np.pi, 7)
    ref = 2.0 / (2 * np.pi * np.abs(1 - 0.8 * np.exp(-1j * w)) ** 2)
    np.testing.assert_allclose(spectral.arma_spectral_density([0.8], None, w, sigma2=2.0), ref, rtol=1e-12)


def test_averaged_periodogram_estimates_the_density():
    # mean of 200 independent periodograms: relative sd ~ 1/sqrt(200) = 7%; allow 5 sd = 35% on average 20%
    rng = np.random.default_rng(1)
    Is = [spectral.periodogram(arma.simulate_ar([0.8], 256, rng))[1] for _ in range(200)]
    w, _ = spectral.periodogram(np.zeros(256) + rng.normal(size=256))
    ratio = np.mean(Is, axis=0) / spectral.arma_spectral_density([0.8], None, w)
    assert np.all(np.abs(ratio - 1) < 0.35)
    assert abs(np.mean(ratio) - 1) < 0.05


def test_daniell_smooth_reference():
    x = np.arange(10.0) ** 2
    out = spectral.daniell_smooth(x, 3)
    ref = [x[max(i - 1, 0) : i + 2].mean() for i in range(10)]
    np.testing.assert_allclose(out, ref)


def test_top_k_periods_and_folding():
    T = 96
    t = np.arange(T)
    y = 3 * np.sin(2 * np.pi * t / 24) + 1.0 * np.sin(2 * np.pi * t / 8)
    periods, freqs, amps = spectral.top_k_periods(y, 2)
    np.testing.assert_array_equal(periods, [24, 8])
    np.testing.assert_array_equal(freqs, [4, 12])
    F = spectral.fold_by_period(y, 24)
    assert F.shape == (4, 24)
    np.testing.assert_allclose(F[2], y[48:72])
    G = spectral.fold_by_period(np.arange(10.0), 4)
    np.testing.assert_array_equal(G, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 0]])


# ------------------------------------------------------------------ losses
def test_point_losses_and_gaussian_nll():
    y = np.array([1.0, 2.0, 4.0])
    yh = np.array([1.5, 2.0, 3.0])
    assert losses.mse(y, yh) == pytest.approx((0.25 + 0 + 1) / 3)
    assert losses.mae(y, yh) == pytest.approx(0.5)
    assert losses.gaussian_nll(y, yh, 0.7) == pytest.approx(-norm.logpdf(y, yh, 0.7).mean(), rel=1e-12)


def test_pinball_definition_and_median_case():
    y = np.array([3.0, -1.0, 10.0])
    q = np.array([2.0, 0.0, 10.0])
    np.testing.assert_allclose(losses.pinball_loss(y, q, 0.9, reduce=False), [0.9, 0.1, 0.0])
    assert losses.pinball_loss(y, q, 0.5) == pytest.approx(0.5 * losses.mae(y, q))


@settings(max_examples=30, deadline=None)
@given(tau=st.floats(0.05, 0.95), seed=st.integers(0, 1000))
def test_mean_pinball_is_minimised_at_the_empirical_quantile(tau, seed):
    y = np.random.default_rng(seed).normal(size=101)
    qs = np.quantile(y, tau, method="inverted_cdf")
    best = losses.pinball_loss(y, qs, tau)
    for c in np.linspace(y.min() - 1, y.max() + 1, 200):
        assert best <= losses.pinball_loss(y, c, tau) + 1e-12


@pytest.mark.parametrize("y,mu,sigma", [(0.3, 0.0, 1.0), (2.5, 1.0, 0.5), (-4.0, 1.0, 2.0)])
def test_crps_gaussian_closed_form_equals_its_integral_definition(y, mu, sigma):
    f = lambda z: (norm.cdf(z, mu, sigma) - (z >= y)) ** 2  # noqa: E731
    ref = integrate.quad(f, -np.inf, y, limit=200)[0] + integrate.quad(f, y, np.inf, limit=200)[0]
    assert losses.crps_gaussian(y, mu, sigma) == pytest.approx(ref, rel=1e-8)


def test_crps_gaussian_closed_form_equals_monte_carlo():
    rng = np.random.default_rng(3)
    y, mu, sigma = 1.3, 0.2, 0.8
    X = rng.normal(mu, sigma, 400_000)
    Xp = rng.normal(mu, sigma, 400_000)
    mc = np.abs(X - y).mean() - 0.5 * np.abs(X - Xp).mean()
    # each term has sd < 1.2 / sqrt(4e5) ~ 0.002; allow 5 standard errors
    assert losses.crps_gaussian(y, mu, sigma) == pytest.approx(mc, abs=0.01)
    # and the ensemble estimator on many samples tends to the closed form (V-statistic bias sigma/(sqrt(pi) m))
    assert losses.crps_ensemble(X[:20_000], y) == pytest.approx(losses.crps_gaussian(y, mu, sigma), abs=0.01)


@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=30), y=st.floats(-60, 60))
def test_crps_ensemble_equals_brute_force_and_integral(x, y):
    x = np.array(x)
    brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert losses.crps_ensemble(x, y) == pytest.approx(brute, rel=1e-9, abs=1e-9)
    # integral of (F_m(z) - 1{y <= z})^2 over the breakpoints of the empirical CDF
    pts = np.sort(np.r_[x, y])
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        z = 0.5 * (a + b)
        total += (np.mean(x <= z) - (y <= z)) ** 2 * (b - a)
    assert losses.crps_ensemble(x, y) == pytest.approx(total, rel=1e-9, abs=1e-9)


def test_crps_ensemble_vectorised_over_targets():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(50, 4))
    y = np.array([0.0, 1.0, -2.0, 0.5])
    out = losses.crps_ensemble(S, y)
    np.testing.assert_allclose(out, [losses.crps_ensemble(S[:, j], y[j]) for j in range(4)])


def test_crps_is_twice_the_integrated_pinball_loss():
    val = losses.crps_from_quantiles(0.7, lambda t: norm.ppf(t, 0.1, 1.2), n_levels=4000)
    assert val == pytest.approx(losses.crps_gaussian(0.7, 0.1, 1.2), rel=1e-4)


def test_crps_is_proper_for_gaussians():
    # expected CRPS under N(0,1) is minimised by reporting N(0,1): E = sigma-scaled closed form
    rng = np.random.default_rng(9)
    y = rng.normal(size=20_000)
    scores = {s: losses.crps_gaussian(y, 0.0, s) for s in (0.5, 0.8, 1.0, 1.25, 2.0)}
    assert min(scores, key=scores.get) == 1.0


def test_conformal_quantile_and_coverage():
    scores = np.arange(1.0, 20.0)  # n = 19
    # ceil(20 * 0.9) = 18th smallest
    assert losses.conformal_quantile(scores, 0.1) == 18.0
    assert losses.conformal_quantile(scores, 0.01) == np.inf
    rng = np.random.default_rng(2)
    hits = []
    for _ in range(2000):
        s = np.abs(rng.normal(size=20))
        q = losses.conformal_quantile(s, 0.2)
        hits.append(abs(rng.normal()) <= q)
    # exact coverage is ceil(21 * 0.8)/21 = 17/21 = 0.8095; binomial sd 0.009; 5 sd
    assert abs(np.mean(hits) - 17 / 21) < 0.045
    assert losses.coverage([1, 2, 3, 4], [0, 2.5, 0, 0], [1.5, 3, 2, 5]) == 0.5


# ------------------------------------------------------------------ forecasting strategies
def test_linear_forecaster_is_ols_per_horizon():
    y = arma.simulate_ar([0.6, -0.2], 300, 4)
    B = forecasting.fit_linear_forecaster(y, 3, 4)
    from numpy.lib.stride_tricks import sliding_window_view

    V = sliding_window_view(y, 7)
    X = np.column_stack([V[:, :3], np.ones(len(V))])
    for h in range(4):
        ref, *_ = np.linalg.lstsq(X, V[:, 3 + h], rcond=None)
        np.testing.assert_allclose(B[:, h], ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(forecasting.linear_forecast(B, y), np.r_[y[-3:], 1.0] @ B)


def test_recursive_forecast_of_known_ar_equals_conditional_mean():
    phi = np.array([0.5, -0.3])
    hist = np.array([0.0, 1.0, 2.0])
    out = forecasting.recursive_forecast(lambda w: phi[0] * w[-1] + phi[1] * w[-2], hist, 2, 6)
    m, _ = arma.arma_forecast(np.r_[np.zeros(50), hist], phi, None, 6)
    np.testing.assert_allclose(out, m, atol=1e-6)


def test_sample_paths_reproduce_ar1_forecast_distribution():
    phi, s = 0.8, 1.0
    paths = forecasting.sample_paths(lambda W: (phi * W[:, -1], s), [2.0], 1, 5, 40_000, 7)
    h = np.arange(1, 6)
    mean = 2.0 * phi**h
    var = s**2 * (1 - phi ** (2 * h)) / (1 - phi**2)
    # standard error of the mean <= sqrt(2.8/4e4) ~ 0.008; of the variance ~ 0.02; 5 se
    np.testing.assert_allclose(paths.mean(axis=0), mean, atol=0.045)
    np.testing.assert_allclose(paths.var(axis=0), var, rtol=0.05)
    q = forecasting.path_quantiles(paths, [0.1, 0.9])
    np.testing.assert_allclose(q[1], norm.ppf(0.9, mean, np.sqrt(var)), atol=0.06)
    again = forecasting.sample_paths(lambda W: (phi * W[:, -1], s), [2.0], 1, 5, 10, 7)
    np.testing.assert_array_equal(again, forecasting.sample_paths(lambda W: (phi * W[:, -1], s), [2.0], 1, 5, 10, 7))
