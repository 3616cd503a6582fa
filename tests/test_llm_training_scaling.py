"""Cross-entropy gradients, AdamW and scaling laws of lessonlib.llm."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import scipy.special
import scipy.stats
from hypothesis import given, settings, strategies as st

from lessonlib.llm import (
    CHINCHILLA,
    AdamWState,
    adamw_step,
    bigram_counts,
    bigram_model,
    chinchilla_loss,
    compute_optimal,
    compute_optimal_rule,
    cross_entropy_logits,
    fit_offset_power_law,
    fit_power_law,
    kaplan_loss,
    numerical_gradient,
    train_bigram_logits,
    training_flops,
)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 6), st.integers(0, 2**31))
def test_cross_entropy_gradient_matches_finite_differences(N, V, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=(N, V))
    y = rng.integers(0, V, size=N)
    loss, G = cross_entropy_logits(Z, y)
    ref = -np.mean(scipy.special.log_softmax(Z, axis=1)[np.arange(N), y])
    assert loss == pytest.approx(ref, rel=1e-12)
    num = numerical_gradient(lambda W: cross_entropy_logits(W, y)[0], Z, eps=1e-6)
    # central differences: truncation error ~ eps^2 |f'''| plus rounding ~ 1e-16 / eps
    np.testing.assert_allclose(G, num, atol=1e-8)
    np.testing.assert_allclose(G.sum(axis=1), 0.0, atol=1e-12)  # softmax - onehot sums to 0


def test_numerical_gradient_of_known_function():
    g = numerical_gradient(lambda x: float(np.sum(x**3)), np.array([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(g, 3 * np.array([1.0, 4.0, 0.25]), rtol=1e-8)


def adamw_reference(theta, grads, lr, b1, b2, eps, wd):
    """Algorithm 2 of Loshchilov and Hutter written elementwise with Python floats."""
    theta = list(theta)
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    for t, g in enumerate(grads, start=1):
        for i in range(len(theta)):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            mh = m[i] / (1 - b1**t)
            vh = v[i] / (1 - b2**t)
            theta[i] = theta[i] - lr * (mh / (math.sqrt(vh) + eps) + wd * theta[i])
    return theta


def test_adamw_against_elementwise_reference():
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=4)
    grads = rng.normal(size=(5, 4))
    theta, state = theta0, AdamWState.zeros_like(theta0)
    for g in grads:
        theta, state = adamw_step(theta, g, state, lr=0.01, weight_decay=0.1)
    np.testing.assert_allclose(theta, adamw_reference(theta0, grads, 0.01, 0.9, 0.999, 1e-8, 0.1), rtol=1e-13)
    assert state.t == 5


def test_adamw_first_step_is_sign_of_gradient():
    theta, _ = adamw_step(np.array([1.0, -2.0]), np.array([0.3, -5.0]), AdamWState.zeros_like([0, 0]), lr=0.1, weight_decay=0.0)
    np.testing.assert_allclose(theta, [0.9, -1.9], atol=1e-8)  # m^/sqrt(v^) = g/|g| at t = 1


def test_bigram_training_reaches_count_estimate():
    seqs = [[0, 1, 2, 3], [0, 1, 3], [0, 2, 1, 3]]
    C = bigram_counts(seqs, 4)
    W, hist = train_bigram_logits(C, steps=2000, lr=0.1)
    P = bigram_model(C)
    n = C.sum()
    with np.errstate(divide="ignore"):
        best = -np.sum(C[C > 0] * np.log(P[C > 0])) / n
    assert hist[-1] == pytest.approx(best, abs=1e-3)
    assert hist[0] == pytest.approx(math.log(4))
    seen = C.sum(axis=1) > 0
    np.testing.assert_allclose(scipy.special.softmax(W, axis=1)[seen], P[seen], atol=1e-2)


def test_training_flops_and_kaplan():
    assert training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    assert kaplan_loss(N=8.8e13) == pytest.approx(1.0)
    assert kaplan_loss(N=8.8e12) == pytest.approx(10**0.076)
    with pytest.raises(ValueError, match="exactly one"):
        kaplan_loss()


@pytest.mark.parametrize("C", [1e19, 5.76e23, 1e26])
def test_compute_optimal_closed_form_against_numerical_minimum(C):
    N, D, L = compute_optimal(C)
    assert 6 * N * D == pytest.approx(C)
    res = scipy.optimize.minimize_scalar(lambda lnN: chinchilla_loss(math.exp(lnN), C / (6 * math.exp(lnN))),
                                         bounds=(math.log(1e3), math.log(C / 6 / 1e3)), method="bounded",
                                         options={"xatol": 1e-10})
    assert N == pytest.approx(math.exp(res.x), rel=1e-4)
    assert L == pytest.approx(res.fun, rel=1e-10)
    a = CHINCHILLA["beta"] / (CHINCHILLA["alpha"] + CHINCHILLA["beta"])
    N2, _, _ = compute_optimal(10 * C)
    assert N2 / N == pytest.approx(10**a)


def test_compute_optimal_rule():
    N, D = compute_optimal_rule(5.76e23)
    assert D == pytest.approx(20 * N) and 6 * N * D == pytest.approx(5.76e23)


def test_power_law_fits_recover_parameters():
    x = np.logspace(6, 11, 12)
    a, al = fit_power_law(x, 3.0 * x**-0.3)
    assert (a, al) == pytest.approx((3.0, 0.3), rel=1e-10)
    lr = scipy.stats.linregress(np.log(x), np.log(3.0 * x**-0.3))
    assert -lr.slope == pytest.approx(al)
    y = 1.7 + 400 * x**-0.34
    E, A, alpha = fit_offset_power_law(x, y)
    assert (E, A, alpha) == pytest.approx((1.7, 400, 0.34), rel=1e-4)
    # noisy data: compare with scipy's generic least squares in log space
    rng = np.random.default_rng(0)
    yn = y * np.exp(rng.normal(0, 0.002, x.size))
    E2, A2, al2 = fit_offset_power_law(x, yn)
    popt, _ = scipy.optimize.curve_fit(lambda lx, E, lA, al: np.log(E + np.exp(lA - al * lx)), np.log(x), np.log(yn),
                                       p0=(1.5, 6.0, 0.3), maxfev=20000)
    assert E2 == pytest.approx(popt[0], rel=1e-3)
    assert al2 == pytest.approx(popt[2], rel=1e-3)
