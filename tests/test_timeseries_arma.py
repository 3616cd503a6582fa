"""ACF/PACF, AR/MA/ARMA/ARIMA theory, simulation, fitting and forecasting (lessonlib.timeseries)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from lessonlib.timeseries import autocorr as acfm
from lessonlib.timeseries import arma

stattools = pytest.importorskip("statsmodels.tsa.stattools")
arima_process = pytest.importorskip("statsmodels.tsa.arima_process")


def _sm_arima(y, order, trend):
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ARIMA(y, order=order, trend=trend).fit()


# ------------------------------------------------------------------ sample ACF / PACF
def test_acovf_acf_pacf_match_statsmodels():
    rng = np.random.default_rng(0)
    y = rng.normal(size=300).cumsum() * 0.1 + rng.normal(size=300)
    np.testing.assert_allclose(acfm.acovf(y, 20), stattools.acovf(y, nlag=20, fft=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(acfm.acf(y, 20), stattools.acf(y, nlags=20, fft=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(acfm.pacf(y, 15), stattools.pacf(y, nlags=15, method="ldb"), rtol=1e-8, atol=1e-10)


def test_durbin_levinson_solves_yule_walker_toeplitz():
    from scipy.linalg import solve_toeplitz

    g = arma.arma_acovf([0.5, -0.3, 0.2], [0.4], 10)
    res = acfm.durbin_levinson(g, 6)
    np.testing.assert_allclose(res.phi, solve_toeplitz(g[:6], g[1:7]), rtol=1e-10)
    # prediction variance of order p equals gamma(0) - phi . gamma(1..p)
    assert res.sigma2[-1] == pytest.approx(g[0] - res.phi @ g[1:7], rel=1e-10)


def test_acf_band_is_196_over_sqrt_n():
    assert acfm.acf_band(400) == pytest.approx(1.959963985 / 20, rel=1e-9)


# ------------------------------------------------------------------ theory
@pytest.mark.parametrize(
    "phi,theta",
    [([0.8], []), ([], [0.6]), ([0.5, -0.3], [0.4]), ([1.2, -0.5], [-0.3, 0.2]), ([0.9], [0.5, 0.25, 0.1])],
)
def test_theoretical_acovf_acf_pacf_match_statsmodels(phi, theta):
    ar = np.r_[1, -np.array(phi, dtype=float)]
    ma = np.r_[1, np.array(theta, dtype=float)]
    np.testing.assert_allclose(arma.arma_acovf(phi, theta, 12, sigma2=2.0), arima_process.arma_acovf(ar, ma, 13, sigma2=2.0), rtol=1e-9)
    np.testing.assert_allclose(arma.arma_acf(phi, theta, 12), arima_process.arma_acf(ar, ma, 13), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(arma.arma_pacf(phi, theta, 8), arima_process.arma_pacf(ar, ma, 9), rtol=1e-7, atol=1e-10)


def test_ar1_closed_forms():
    # rho(k) = 0.8^k and gamma(0) = sigma^2 / (1 - 0.8^2) = sigma^2 / 0.36
    np.testing.assert_allclose(arma.arma_acf([0.8], None, 10), 0.8 ** np.arange(11), rtol=1e-12)
    assert arma.arma_acovf([0.8], None, 0)[0] == pytest.approx(1 / 0.36)
    # MA(1): rho(1) = theta / (1 + theta^2), zero beyond lag 1
    r = arma.arma_acf(None, [0.6], 4)
    np.testing.assert_allclose(r, [1, 0.6 / 1.36, 0, 0, 0], atol=1e-14)


def test_psi_weights_match_statsmodels_arma2ma():
    ref = arima_process.arma2ma(np.r_[1, -0.5, 0.3], np.r_[1, 0.4], lags=15)
    np.testing.assert_allclose(arma.psi_weights([0.5, -0.3], [0.4], 15), ref, rtol=1e-12)


def test_stationarity_and_invertibility():
    assert arma.is_stationary([0.8]) and not arma.is_stationary([1.0]) and not arma.is_stationary([1.1])
    assert arma.is_stationary([1.2, -0.5]) and not arma.is_stationary([0.5, 0.6])
    assert arma.is_invertible([0.5]) and not arma.is_invertible([1.5])
    with pytest.raises(ValueError, match="stationary"):
        arma.simulate_arma([1.0], None, 10, 0)


# ------------------------------------------------------------------ simulation
def test_simulation_is_reproducible_and_matches_recursion():
    y1, e = arma.simulate_arma([0.5, -0.3], [0.4], 50, 7, c=1.0, burn=0, return_noise=True)
    y2 = arma.simulate_arma([0.5, -0.3], [0.4], 50, np.random.default_rng(7), c=1.0, burn=0)
    np.testing.assert_array_equal(y1, y2)
    # explicit recursion of the defining equation from zero pre-sample values (deviation from the mean)
    mu = 1.0 / (1 - 0.2)
    x = np.zeros(50)
    for t in range(50):
        x[t] = e[t] + (0.4 * e[t - 1] if t >= 1 else 0) + (0.5 * x[t - 1] if t >= 1 else 0) - (0.3 * x[t - 2] if t >= 2 else 0)
    np.testing.assert_allclose(y1, mu + x, rtol=1e-12)


@pytest.mark.parametrize("phi,theta", [([0.8], []), ([], [0.6, -0.3]), ([0.6, -0.3], [0.4])])
def test_long_simulation_sample_acf_matches_theory(phi, theta):
    n = 200_000
    y = arma.simulate_arma(phi, theta, n, 2026)
    sample = acfm.acf(y, 10)
    theory = arma.arma_acf(phi, theta, 10)
    # Bartlett: sd of rho_hat(k) <= sqrt(sum_j rho(j)^2 * 2 / n) < 0.012 for these models; 5 standard errors
    se = np.sqrt((1 + 2 * np.sum(arma.arma_acf(phi, theta, 200)[1:] ** 2)) / n)
    assert np.max(np.abs(sample - theory)) < 5 * se


def test_random_walk_variance_grows_linearly():
    paths = arma.random_walk(50, 1, sigma=2.0, n_paths=20_000)
    var = paths.var(axis=0)
    t = np.arange(1, 51)
    # Var(y_t) = t sigma^2; the sample variance has relative sd sqrt(2/n) = 1%; allow 5%
    np.testing.assert_allclose(var, 4.0 * t, rtol=0.05)


def test_simulate_arima_differences_back_to_arma():
    y = arma.simulate_arima([0.5], 1, [0.3], 200, 3)
    w = arma.simulate_arma([0.5], [0.3], 200, 3)
    np.testing.assert_allclose(np.diff(np.r_[0.0, y]), w, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ AR fits
def test_yule_walker_matches_statsmodels():
    from statsmodels.regression.linear_model import yule_walker

    y = arma.simulate_ar([0.6, -0.2, 0.1], 500, 11, c=3.0)
    fit = arma.fit_ar_yule_walker(y, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        rho, sigma = yule_walker(y, order=3, method="mle", demean=True)
    np.testing.assert_allclose(fit.phi, rho, rtol=1e-10)
    assert fit.sigma2 == pytest.approx(sigma**2, rel=1e-10)
    assert fit.mean == pytest.approx(y.mean())


def test_ols_ar_matches_statsmodels_autoreg():
    from statsmodels.tsa.ar_model import AutoReg

    y = arma.simulate_ar([0.6, -0.2], 400, 12, c=1.0)
    fit = arma.fit_ar_ols(y, 2)
    ref = AutoReg(y, lags=2, trend="c").fit()
    np.testing.assert_allclose([fit.c, *fit.phi], ref.params, rtol=1e-10)
    assert fit.sigma2 == pytest.approx(ref.sigma2, rel=1e-10)


# ------------------------------------------------------------------ ARMA likelihood and fits
@pytest.mark.parametrize("phi,theta,mu", [([0.7], [], 2.0), ([0.5, -0.3], [0.4], -1.0), ([], [0.6, 0.2], 0.5)])
def test_exact_loglik_matches_statsmodels_and_dense_gaussian(phi, theta, mu):
    from scipy.stats import multivariate_normal

    y = arma.simulate_arma(phi, theta, 60, 5, c=mu * (1 - sum(phi)))
    ll = arma.arma_loglik(y, phi, theta, mu=mu, sigma2=1.3)
    # independent reference 1: the joint Gaussian density with the Toeplitz autocovariance matrix
    g = arma.arma_acovf(phi, theta, 59, sigma2=1.3)
    cov = g[np.abs(np.subtract.outer(np.arange(60), np.arange(60)))]
    assert ll == pytest.approx(multivariate_normal(np.full(60, mu), cov).logpdf(y), rel=1e-9)
    # independent reference 2: statsmodels' state-space likelihood at the same parameters
    from statsmodels.tsa.arima.model import ARIMA

    model = ARIMA(y, order=(len(phi), 0, len(theta)), trend="c")
    assert ll == pytest.approx(model.loglike(np.r_[mu, phi, theta, 1.3]), rel=1e-9)


@pytest.mark.parametrize("phi,theta", [([0.6, -0.3], [0.4]), ([0.7], [-0.4])])
def test_mle_matches_statsmodels_arima(phi, theta):
    y = arma.simulate_arma(phi, theta, 400, 21, c=1.5)
    fit = arma.fit_arma(y, len(phi), len(theta), method="mle")
    ref = _sm_arima(y, (len(phi), 0, len(theta)), "c")
    ours = np.r_[fit.mu, fit.phi, fit.theta, fit.sigma2]
    # both maximise the same exact likelihood: estimates agree to optimiser tolerance
    np.testing.assert_allclose(ours, ref.params, rtol=2e-3, atol=2e-3)
    assert fit.loglik >= ref.llf - 1e-6
    assert fit.loglik == pytest.approx(ref.llf, abs=1e-3)


def test_css_is_close_to_mle_and_recovers_truth():
    y = arma.simulate_arma([0.6, -0.3], [0.4], 3000, 8)
    css = arma.fit_arma(y, 2, 1, method="css", include_mean=False)
    mle = arma.fit_arma(y, 2, 1, method="mle", include_mean=False)
    # CSS and exact ML differ by O(1/n); both lie within 5 standard errors (~0.03 each) of the truth
    np.testing.assert_allclose(css.phi, mle.phi, atol=0.01)
    np.testing.assert_allclose(np.r_[mle.phi, mle.theta], [0.6, -0.3, 0.4], atol=0.15)
    assert mle.loglik >= css.loglik - 1e-9


def test_arma_forecast_matches_statsmodels():
    y = arma.simulate_arma([0.5, -0.3], [0.4], 150, 4, c=2.0)
    params = np.r_[2.0 / 0.8, 0.5, -0.3, 0.4, 1.2]
    m, v = arma.arma_forecast(y, [0.5, -0.3], [0.4], 8, mu=params[0], sigma2=1.2)
    from statsmodels.tsa.arima.model import ARIMA

    res = ARIMA(y, order=(2, 0, 1), trend="c").filter(params)
    fc = res.get_forecast(8)
    np.testing.assert_allclose(m, fc.predicted_mean, rtol=1e-8)
    np.testing.assert_allclose(v, fc.var_pred_mean, rtol=1e-8)
    # the variance tends to sigma^2 * sum psi^2 and to gamma(0) at long horizons
    m_long, v_long = arma.arma_forecast(y, [0.5, -0.3], [0.4], 60, mu=params[0], sigma2=1.2)
    assert v_long[-1] == pytest.approx(arma.arma_acovf([0.5, -0.3], [0.4], 0, sigma2=1.2)[0], rel=1e-8)


def test_arima_fit_and_forecast_match_statsmodels():
    y = arma.simulate_arima([0.5], 1, [0.3], 400, 9, y0=10.0)
    fit = arma.fit_arima(y, 1, 1, 1)
    ref = _sm_arima(y, (1, 1, 1), "n")
    np.testing.assert_allclose(np.r_[fit.arma.phi, fit.arma.theta, fit.arma.sigma2], ref.params, rtol=5e-3, atol=5e-3)
    mean, var = arma.arima_forecast(y, fit, 10)
    fc = ref.get_forecast(10)
    np.testing.assert_allclose(mean, fc.predicted_mean, rtol=1e-3, atol=5e-3)
    np.testing.assert_allclose(var, fc.var_pred_mean, rtol=1e-2)


@settings(max_examples=25, deadline=None)
@given(u=st.lists(st.floats(-3, 3), min_size=1, max_size=4))
def test_constraint_map_gives_stationary_coefficients_and_inverts(u):
    u = np.array(u)
    phi = arma._constrain(u)
    assert arma.is_stationary(phi, tol=0)
    np.testing.assert_allclose(arma._unconstrain(phi), u, rtol=1e-6, atol=1e-6)


def test_fit_errors_name_arguments():
    with pytest.raises(ValueError, match="method"):
        arma.fit_arma(np.arange(100.0), 1, 0, method="ols")
    with pytest.raises(ValueError, match="p \\+ q"):
        arma.fit_arma(np.arange(100.0), 0, 0)
    with pytest.raises(TypeError, match="rng"):
        arma.simulate_ar([0.5], 10, None)
