"""lessonlib.stochastic.probability against scipy.stats, numpy and exact arithmetic."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lessonlib.stochastic.probability import (
    bayes_posterior,
    discrete_mean,
    discrete_variance,
    fit_power_law,
    gaussian_pdf,
    monte_carlo_mean,
    mvn_pdf,
    sample_categorical,
    sample_mvn,
)

finite = st.floats(-50, 50, allow_nan=False)


@given(x=finite, mu=finite, sigma=st.floats(0.05, 20))
def test_gaussian_pdf_matches_scipy(x, mu, sigma):
    assert gaussian_pdf(x, mu, sigma) == pytest.approx(stats.norm.pdf(x, mu, sigma), rel=1e-12, abs=1e-300)


def test_gaussian_pdf_validates():
    with pytest.raises(ValueError, match="sigma"):
        gaussian_pdf(0.0, 0.0, 0.0)
    with pytest.raises(TypeError, match="x"):
        gaussian_pdf("a")


def test_mvn_pdf_matches_scipy():
    rng = np.random.default_rng(0)
    for d in (1, 2, 5):
        A = rng.standard_normal((d, d))
        cov = A @ A.T + 0.5 * np.eye(d)
        mean = rng.standard_normal(d)
        x = rng.standard_normal((7, d))
        np.testing.assert_allclose(mvn_pdf(x, mean, cov), stats.multivariate_normal(mean, cov).pdf(x), rtol=1e-12)
        assert mvn_pdf(x[0], mean, cov) == pytest.approx(stats.multivariate_normal(mean, cov).pdf(x[0]), rel=1e-12)


def test_mvn_pdf_rejects_bad_covariance():
    with pytest.raises(ValueError, match="cov"):
        mvn_pdf([0, 0], [0, 0], [[1, 2], [2, 1]])  # indefinite
    with pytest.raises(ValueError, match="cov"):
        mvn_pdf([0, 0], [0, 0], [[1, 0.5], [0, 1]])  # not symmetric


def test_sample_mvn_moments_and_marginal_ks():
    mean = np.array([1.0, -2.0])
    cov = np.array([[2.0, 0.6], [0.6, 0.5]])
    n = 40_000
    x = sample_mvn(mean, cov, n, 7)
    # sample mean: standard error sqrt(diag(cov)/n) ~ 0.007; allow 5 standard errors
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(np.diag(cov) / n))
    # sample covariance entries: standard error of s_ij is sqrt((s_ii s_jj + s_ij^2)/n) <= 0.0103; 5 s.e.
    assert np.abs(np.cov(x.T) - cov).max() < 5 * np.sqrt((2.0 * 2.0 + 0.6**2) / n)
    # any projection u^T X is N(u^T mean, u^T cov u): KS test against scipy
    u = np.array([0.3, -1.1])
    p = stats.kstest(x @ u, stats.norm(u @ mean, np.sqrt(u @ cov @ u)).cdf).pvalue
    assert p > 1e-3


def test_sample_categorical_frequencies_chi_square():
    probs = [0.1, 0.7, 0.2]
    k = sample_categorical(probs, 30_000, 3)
    counts = np.bincount(k, minlength=3)
    assert stats.chisquare(counts, 30_000 * np.array(probs)).pvalue > 1e-3
    with pytest.raises(ValueError, match="sum to 1"):
        sample_categorical([0.5, 0.6], 3, 0)


def test_discrete_moments_exact():
    assert discrete_mean([0, 1], [0.3, 0.7]) == Fraction(7, 10)
    assert discrete_variance([0, 1], [0.3, 0.7]) == Fraction(21, 100)
    die = range(1, 7)
    assert discrete_mean(die, [Fraction(1, 6)] * 6) == Fraction(7, 2)
    assert discrete_variance(die, [Fraction(1, 6)] * 6) == Fraction(35, 12)


@given(st.lists(st.integers(-20, 20), min_size=1, max_size=6), st.data())
def test_discrete_moments_match_scipy_rv_discrete(values, data):
    weights = data.draw(st.lists(st.integers(1, 9), min_size=len(values), max_size=len(values)))
    tot = sum(weights)
    probs = [Fraction(w, tot) for w in weights]
    xk = np.arange(len(values))
    # scipy needs distinct support points, so put the values on an index support
    rv = stats.rv_discrete(values=(xk, [float(p) for p in probs]))
    mean_ref = float(sum(rv.pmf(i) * values[i] for i in xk))
    var_ref = float(sum(rv.pmf(i) * (values[i] - mean_ref) ** 2 for i in xk))
    assert float(discrete_mean(values, probs)) == pytest.approx(mean_ref, abs=1e-9)
    assert float(discrete_variance(values, probs)) == pytest.approx(var_ref, abs=1e-9)


def test_bayes_posterior_by_hand():
    # disease test: prevalence 1 %, sensitivity 0.99, false-positive rate 0.05
    post, ev = bayes_posterior([0.01, 0.99], [0.99, 0.05])
    assert ev == Fraction(99, 10000) + Fraction(495, 10000)
    assert post[0] == Fraction(99, 594)
    assert sum(post) == 1


def test_monte_carlo_mean_matches_numpy():
    x = np.random.default_rng(1).exponential(size=1000)
    est = monte_carlo_mean(x)
    assert est.mean == pytest.approx(np.mean(x))
    assert est.se == pytest.approx(np.std(x, ddof=1) / np.sqrt(1000))
    assert est.n == 1000


def test_monte_carlo_se_is_calibrated():
    # 400 independent estimates of E[U] = 1/2 from 200 uniforms each: the fraction of
    # 95 % intervals that cover 1/2 is Binomial(400, 0.95)/400, s.d. 0.011; accept 0.9..0.99
    rng = np.random.default_rng(11)
    est = monte_carlo_mean(rng.random((200, 400)), axis=0)
    cover = np.mean(np.abs(est.mean - 0.5) < 1.96 * est.se)
    assert 0.9 < cover < 0.99


@given(st.floats(-3, 3), st.floats(0.1, 10))
@settings(max_examples=50)
def test_fit_power_law_recovers_exact_power(q, C):
    h = np.array([0.5, 0.25, 0.125, 0.0625])
    fit = fit_power_law(h, C * h**q)
    assert fit.slope == pytest.approx(q, abs=1e-9)
    assert fit.prefactor == pytest.approx(C, rel=1e-9)
    assert fit.residual < 1e-9


def test_fit_power_law_matches_scipy_linregress():
    rng = np.random.default_rng(2)
    x = np.geomspace(1e-3, 1e-1, 6)
    y = 3 * x**0.5 * np.exp(0.05 * rng.standard_normal(6))
    fit = fit_power_law(x, y)
    ref = stats.linregress(np.log(x), np.log(y))
    assert fit.slope == pytest.approx(ref.slope, rel=1e-10)
    assert fit.slope_se == pytest.approx(ref.stderr, rel=1e-10)
    with pytest.raises(ValueError, match="positive"):
        fit_power_law([1, 2], [1, -1])
