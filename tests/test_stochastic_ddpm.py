"""lessonlib.stochastic.ddpm: schedules, ᾱ_t and the closed-form marginal q(x_t | x_0)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lessonlib.stochastic.ddpm import alpha_bar, beta_schedule, denoising_loss, forward_chain, q_sample, toy_data_2d


def test_linear_schedule_endpoints():
    b = beta_schedule(1000)
    assert b[0] == pytest.approx(1e-4) and b[-1] == pytest.approx(0.02)
    assert np.all(np.diff(b) > 0)


@given(st.lists(st.floats(1e-4, 0.5), min_size=1, max_size=40))
@settings(max_examples=50)
def test_alpha_bar_is_the_product(betas):
    ab = alpha_bar(betas)
    for t in range(len(betas)):
        assert ab[t] == pytest.approx(math.prod(1 - b for b in betas[: t + 1]), rel=1e-12)


def test_cosine_schedule_reproduces_its_alpha_bar():
    T, s = 200, 0.008
    ab = alpha_bar(beta_schedule(T, "cosine", s=s))
    t = np.arange(1, T + 1)
    f = np.cos(0.5 * np.pi * (t / T + s) / (1 + s)) ** 2 / np.cos(0.5 * np.pi * s / (1 + s)) ** 2
    # equal except where beta was clipped at 0.999 (only the very last step)
    np.testing.assert_allclose(ab[:-1], f[:-1], rtol=1e-10)


def test_q_sample_with_given_noise_is_the_formula():
    ab = alpha_bar(beta_schedule(100))
    x0 = np.array([[1.0, -2.0], [0.5, 0.0]])
    eps = np.array([[0.3, 0.1], [-1.0, 2.0]])
    t = np.array([10, 100])
    xt, e = q_sample(x0, t, ab, eps=eps)
    ref = np.sqrt(ab[t - 1])[:, None] * x0 + np.sqrt(1 - ab[t - 1])[:, None] * eps
    np.testing.assert_allclose(xt, ref, rtol=1e-14)
    np.testing.assert_array_equal(e, eps)
    np.testing.assert_array_equal(q_sample(x0, 0, ab, eps=eps)[0], x0)  # t = 0 is clean data


def test_q_sample_marginal_of_gaussian_data_matches_closed_form():
    # x0 ~ N(m, s^2) in each coordinate => x_t ~ N(sqrt(ab) m, ab s^2 + 1 - ab)
    ab = alpha_bar(beta_schedule(1000))
    rng = np.random.default_rng(8)
    m, s, n = 2.0, 0.5, 20_000
    for t in (1, 50, 300, 1000):
        x0 = m + s * rng.standard_normal(n)
        xt, _ = q_sample(x0, t, ab, rng)
        a = ab[t - 1]
        ref = stats.norm(np.sqrt(a) * m, np.sqrt(a * s * s + 1 - a))
        assert stats.kstest(xt, ref.cdf).pvalue > 1e-3


def test_step_by_step_chain_has_the_closed_form_marginal():
    betas = beta_schedule(300)
    ab = alpha_bar(betas)
    x0 = np.full(20_000, 1.5)
    xt, snaps = forward_chain(x0, betas, 300, 4, snapshots=(30, 150))
    for t, x in list(snaps.items()) + [(300, xt)]:
        a = ab[t - 1]
        ref = stats.norm(np.sqrt(a) * 1.5, np.sqrt(1 - a))
        assert stats.kstest(x, ref.cdf).pvalue > 1e-3


def test_toy_data_shapes_and_scale():
    for kind in ("moons", "ring"):
        x = toy_data_2d(5000, 1, kind)
        assert x.shape == (5000, 2)
        assert np.all(np.abs(x) < 1.5)
    r = np.hypot(*toy_data_2d(5000, 2, "ring", noise=0.0).T)
    np.testing.assert_allclose(r, 1.0)


def test_denoising_loss_of_the_zero_predictor_is_the_dimension():
    # E||eps||^2 = d for eps ~ N(0, I_d); chi^2_2 has s.d. 2, so the mean of 20 000 has s.e. 0.014
    ab = alpha_bar(beta_schedule(100))
    x0 = toy_data_2d(20_000, 3)
    est = denoising_loss(lambda x, t: np.zeros_like(x), x0, ab, 5)
    assert est.mean == pytest.approx(2.0, abs=5 * 0.0142)
    assert est.se == pytest.approx(2 / np.sqrt(20_000), rel=0.1)


def test_ddpm_argument_errors():
    ab = alpha_bar(beta_schedule(10))
    with pytest.raises(ValueError, match="t must lie"):
        q_sample(np.zeros(3), 11, ab, 0)
    with pytest.raises(TypeError, match="integer"):
        q_sample(np.zeros(3), 1.5, ab, 0)
    with pytest.raises(ValueError, match="betas"):
        alpha_bar([0.1, 1.2])
