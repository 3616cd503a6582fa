"""lessonlib.stochastic.score: mixture score, VP-SDE marginals and the two samplers."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lessonlib.stochastic.score import VPSDE, GaussianMixture, probability_flow_sample, reverse_sde_sample

GM = GaussianMixture(
    [0.3, 0.7],
    [[-2.0, 0.0], [1.5, 1.0]],
    [[[0.3, 0.0], [0.0, 0.3]], [[0.5, 0.3], [0.3, 0.4]]],
)


def _scipy_pdf(gm, x):
    return sum(w * stats.multivariate_normal(m, c).pdf(x) for w, m, c in zip(gm.weights, gm.means, gm.covs))


def test_pdf_matches_scipy():
    x = np.random.default_rng(0).normal(size=(50, 2)) * 2
    np.testing.assert_allclose(GM.pdf(x), _scipy_pdf(GM, x), rtol=1e-12)


def test_score_matches_finite_difference_of_scipy_logpdf():
    x = np.random.default_rng(1).normal(size=(20, 2)) * 2
    h = 1e-5
    fd = np.empty_like(x)
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        fd[:, j] = (np.log(_scipy_pdf(GM, x + e)) - np.log(_scipy_pdf(GM, x - e))) / (2 * h)
    np.testing.assert_allclose(GM.score(x), fd, rtol=1e-6, atol=1e-7)
    assert GM.score(x[0]).shape == (2,)


def test_single_gaussian_score_is_linear():
    g = GaussianMixture([1.0], [[1.0, 2.0]], [[[2.0, 0.5], [0.5, 1.0]]])
    x = np.array([[0.0, 0.0], [3.0, -1.0]])
    np.testing.assert_allclose(g.score(x), -(x - [1.0, 2.0]) @ np.linalg.inv([[2.0, 0.5], [0.5, 1.0]]), rtol=1e-12)


def test_mixture_sampling_matches_density():
    x, lab = GM.sample(40_000, 3)
    # component frequency: binomial s.e. sqrt(.21/40000) = 0.0023; 5 s.e.
    assert np.mean(lab == 0) == pytest.approx(0.3, abs=0.0115)
    # first coordinate: mixture CDF as the KS reference
    cdf = lambda v: 0.3 * stats.norm(-2.0, np.sqrt(0.3)).cdf(v) + 0.7 * stats.norm(1.5, np.sqrt(0.5)).cdf(v)  # noqa: E731
    assert stats.kstest(x[:, 0], cdf).pvalue > 1e-3


def test_vp_sde_marginal_matches_simulated_forward_sde():
    """Simulate the forward SDE from data samples (plain Euler–Maruyama loop) and compare with p_t."""
    sde = VPSDE()
    x, _ = GM.sample(4000, 5)
    t_end, n_steps = 0.3, 300
    h = t_end / n_steps
    rng = np.random.default_rng(6)
    for n in range(n_steps):
        t = n * h
        x = x + sde.drift(x, t) * h + sde.diffusion(t) * np.sqrt(h) * rng.standard_normal(x.shape)
    pt = sde.marginal(GM, t_end)
    # mean: 5 standard errors of the sample mean
    mean_t = pt.weights @ pt.means
    assert np.all(np.abs(x.mean(0) - mean_t) < 5 * np.sqrt(np.diag(np.cov(x.T)) / 4000))
    u = np.array([0.6, 0.8])
    proj_cdf = lambda v: sum(  # noqa: E731
        w * stats.norm(m @ u, np.sqrt(u @ c @ u)).cdf(v) for w, m, c in zip(pt.weights, pt.means, pt.covs)
    )
    assert stats.kstest(x @ u, proj_cdf).pvalue > 1e-3


def test_marginal_coefficients_closed_form():
    sde = VPSDE(0.1, 20.0)
    s, v = sde.marginal_coeffs(1.0)
    B = 0.1 + 0.5 * 19.9
    assert s == pytest.approx(np.exp(-B / 2)) and v == pytest.approx(1 - np.exp(-B))
    assert sde.marginal(GM, 0.0).means == pytest.approx(GM.means)


def _check_samples_follow(x, gm):
    lab_frac = np.mean(gm.responsibilities(x)[:, 0] > 0.5)
    # mass of the left component: 0.3 (the components barely overlap); s.e. 0.0065 for n=5000
    assert lab_frac == pytest.approx(0.3, abs=0.035)
    u = np.array([1.0, 0.4])
    cdf = lambda v: sum(  # noqa: E731
        w * stats.norm(m @ u, np.sqrt(u @ c @ u)).cdf(v) for w, m, c in zip(gm.weights, gm.means, gm.covs)
    )
    assert stats.kstest(x @ u, cdf).pvalue > 1e-3


def test_reverse_sde_and_probability_flow_recover_the_mixture():
    sde = VPSDE()
    t_min = 1e-3
    score = lambda x, t: sde.marginal(GM, t).score(x)  # noqa: E731
    rng = np.random.default_rng(12)
    xT, _ = sde.marginal(GM, 1.0).sample(5000, rng)
    target = sde.marginal(GM, t_min)
    _check_samples_follow(reverse_sde_sample(score, xT, sde, 400, rng, t_min=t_min), target)
    _check_samples_follow(probability_flow_sample(score, xT, sde, 100, t_min=t_min), target)


def test_probability_flow_is_deterministic_and_converges():
    sde = VPSDE()
    score = lambda x, t: sde.marginal(GM, t).score(x)  # noqa: E731
    x = np.array([[0.2, -0.1], [1.0, 1.0]])
    a = probability_flow_sample(score, x, sde, 50)
    np.testing.assert_array_equal(a, probability_flow_sample(score, x, sde, 50))
    # RK4 is fourth order: halving the step changes the end point by far less than the step
    b = probability_flow_sample(score, x, sde, 100)
    assert np.abs(a - b).max() < 1e-3


def test_mixture_validation():
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture([0.5, 0.6], [[0.0], [1.0]], [[[1.0]], [[1.0]]])
    with pytest.raises(ValueError, match="positive definite"):
        GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]])
