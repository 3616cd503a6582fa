"""Tests of lessonlib.learning against independent references.

References: numpy's ``vander`` and ``lstsq``, the exact closed form of simple linear
regression (with Fractions), the median as the intercept-only LAD fit, statsmodels'
median regression (QuantReg at q = 0.5), and the two LAD methods against each other.
"""
from __future__ import annotations

import doctest
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlib import learning
from lessonlib.learning import (
    absolute_loss,
    design_matrix,
    empirical_cost,
    fit_least_absolute,
    fit_least_squares,
    kernel_lift,
    line_with_outlier,
    linear_model,
    squared_loss,
    two_rings,
)

FAST = settings(max_examples=30, deadline=None)


def test_doctests():
    result = doctest.testmod(learning, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- models and costs
def test_design_matrix_against_numpy():
    x = np.array([-1.0, 0.5, 2.0, 3.0])
    np.testing.assert_array_equal(design_matrix(x, 3), np.vander(x, 4, increasing=True))
    np.testing.assert_array_equal(design_matrix(x), np.column_stack([np.ones(4), x]))
    Xv = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(design_matrix(Xv), [[1, 0, 1], [1, 2, 3], [1, 4, 5]])
    with pytest.raises(ValueError, match="degree"):
        design_matrix(Xv, 2)
    with pytest.raises(ValueError, match="degree"):
        design_matrix(x, -1)


def test_linear_model_closed_form():
    x = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(linear_model(x, [1.0, 2.0, 3.0]), 1 + 2 * x + 3 * x**2)
    Xv = np.array([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_allclose(linear_model(Xv, [0.5, 2.0, -1.0]), [0.5 + 2 - 2, 0.5 + 6 + 1])
    with pytest.raises(ValueError, match="3 entries"):
        linear_model(Xv, [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        linear_model(x, [])


def test_losses_closed_form():
    pred, y = np.array([1.0, -2.0, 3.5]), np.array([0.0, 1.0, 3.5])
    np.testing.assert_array_equal(squared_loss(pred, y), [1.0, 9.0, 0.0])
    np.testing.assert_array_equal(absolute_loss(pred, y), [1.0, 3.0, 0.0])
    # vector outputs: squared Euclidean distance and Euclidean distance per row
    P, Yv = np.array([[3.0, 4.0], [1.0, 1.0]]), np.zeros((2, 2))
    np.testing.assert_allclose(squared_loss(P, Yv), [25.0, 2.0])
    np.testing.assert_allclose(absolute_loss(P, Yv), [5.0, np.sqrt(2.0)])
    with pytest.raises(ValueError, match="same shape"):
        squared_loss([1.0, 2.0], [1.0])


def test_empirical_cost_by_hand():
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 2.0, 7.0])
    theta = [1.0, 2.0]  # predictions 1, 3, 5: residuals 0, 1, -2
    assert empirical_cost(theta, x, y) == 5.0
    assert empirical_cost(theta, x, y, loss="absolute") == 3.0
    huber = lambda p, t: np.minimum(np.abs(p - t), 1.5)  # noqa: E731  (a capped distance)
    assert empirical_cost(theta, x, y, loss=huber) == 2.5
    const = lambda xx, th: np.full(len(xx), th[0])  # noqa: E731
    assert empirical_cost([2.0], x, y, model=const) == 1.0 + 0.0 + 25.0
    with pytest.raises(ValueError, match="loss"):
        empirical_cost(theta, x, y, loss="cubic")
    with pytest.raises(TypeError, match="loss"):
        empirical_cost(theta, x, y, loss=3)
    with pytest.raises(ValueError, match="same length"):
        empirical_cost(theta, x, y[:2])


# --------------------------------------------------------------------------- least squares
def test_least_squares_simple_regression_exact():
    x = [1, 2, 3, 4, 5, 7]
    y = [2.1, 3.9, 6.2, 7.8, 10.1, 14.3]
    fx, fy = [Fraction(v) for v in x], [Fraction(str(v)) for v in y]
    mx, my = sum(fx) / len(fx), sum(fy) / len(fy)
    slope = sum((a - mx) * (b - my) for a, b in zip(fx, fy)) / sum((a - mx) ** 2 for a in fx)
    intercept = my - slope * mx
    got = fit_least_squares(design_matrix(np.array(x, float)), np.array(y))
    np.testing.assert_allclose(got, [float(intercept), float(slope)], rtol=1e-13)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(3, 40), st.integers(1, 4))
def test_least_squares_against_lstsq(seed, n, p):
    rng = np.random.default_rng(seed)
    p = min(p, n)
    X = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    theta = fit_least_squares(X, y)
    np.testing.assert_allclose(theta, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8, atol=1e-10)
    # normal equations: the residual is orthogonal to every column of X
    np.testing.assert_allclose(X.T @ (X @ theta - y), 0.0, atol=1e-9 * (1 + np.abs(X).sum() * np.abs(y).sum()))


def test_least_squares_errors():
    X = np.column_stack([np.ones(4), np.arange(4.0), 2 * np.arange(4.0)])
    with pytest.raises(ValueError, match="rank deficient"):
        fit_least_squares(X, np.arange(4.0))
    with pytest.raises(ValueError, match="at least as many rows"):
        fit_least_squares(np.ones((1, 2)), [1.0])
    with pytest.raises(ValueError, match="same length"):
        fit_least_squares(np.ones((3, 1)), [1.0, 2.0])


# --------------------------------------------------------------------------- least absolute deviations
@pytest.mark.parametrize("method", ["linprog", "irls"])
def test_lad_intercept_only_is_the_median(method):
    y = np.array([3.0, -1.0, 10.0, 2.5, 100.0, 4.0, 0.0])
    theta = fit_least_absolute(np.ones((7, 1)), y, method=method)
    assert theta[0] == pytest.approx(np.median(y), abs=1e-7)
    # and least squares gives the mean
    assert fit_least_squares(np.ones((7, 1)), y)[0] == pytest.approx(np.mean(y), rel=1e-14)


@pytest.mark.parametrize("method", ["linprog", "irls"])
def test_lad_ignores_a_single_outlier_on_a_line(method):
    x = np.arange(6.0)
    y = 1.0 + 2.0 * x
    y[4] += 50.0
    theta = fit_least_absolute(design_matrix(x), y, method=method)
    np.testing.assert_allclose(theta, [1.0, 2.0], atol=1e-7)


def test_lad_against_statsmodels_median_regression():
    x, y, _ = line_with_outlier(40, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=10.0, rng=3)
    X = design_matrix(x)
    ref = sm.QuantReg(y, X).fit(q=0.5, max_iter=5000, p_tol=1e-10).params
    cost_ref = np.abs(X @ ref - y).sum()
    for method in ("linprog", "irls"):
        theta = fit_least_absolute(X, y, method=method)
        cost = np.abs(X @ theta - y).sum()
        assert cost <= cost_ref * (1 + 1e-8), method
        np.testing.assert_allclose(theta, ref, atol=1e-4)  # the minimiser is unique here (continuous noise)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(3, 30))
def test_lad_methods_agree_and_minimise(seed, n):
    rng = np.random.default_rng(seed)
    X = design_matrix(rng.uniform(-3, 3, n), 1 + seed % 2)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return
    y = rng.standard_t(2, n)
    lp = fit_least_absolute(X, y)
    ir = fit_least_absolute(X, y, method="irls")
    c_lp = np.abs(X @ lp - y).sum()
    c_ir = np.abs(X @ ir - y).sum()
    # the LP is exact, so IRLS can never beat it; IRLS converges only linearly near a
    # vertex and in a scan of 1000 such problems it ended within 3.1e-4 of the optimum
    # (exactly on it in 997), so 1e-3 relative is its documented accuracy
    assert c_lp <= c_ir * (1 + 1e-9) + 1e-12
    assert c_ir <= c_lp * (1 + 1e-3) + 1e-9  # (absolute part: exact fits with n = p)
    # no perturbation and not the least-squares fit does better
    ls = fit_least_squares(X, y)
    assert c_lp <= np.abs(X @ ls - y).sum() + 1e-9
    for _ in range(5):
        d = 1e-3 * rng.standard_normal(X.shape[1])
        assert c_lp <= np.abs(X @ (lp + d) - y).sum() + 1e-9
    # and least squares wins on its own cost
    assert ((X @ ls - y) ** 2).sum() <= ((X @ lp - y) ** 2).sum() + 1e-9


def test_lad_arguments():
    with pytest.raises(ValueError, match="method"):
        fit_least_absolute(np.ones((3, 1)), [1.0, 2.0, 3.0], method="simplex")
    with pytest.raises(ValueError, match="max_iter"):
        fit_least_absolute(np.ones((3, 1)), [1.0, 2.0, 3.0], method="irls", max_iter=0)


# --------------------------------------------------------------------------- data sets, features
def test_line_with_outlier_closed_form_and_reproducible():
    x, y, k = line_with_outlier(12, intercept=1.0, slope=0.5, noise=0.0, outlier_shift=7.0, rng=0)
    assert k == 11 and np.all(np.diff(x) >= 0) and x.min() >= 0 and x.max() <= 10
    np.testing.assert_allclose(y[:-1], 1.0 + 0.5 * x[:-1], rtol=1e-15)
    assert y[-1] == pytest.approx(1.0 + 0.5 * x[-1] + 7.0)
    a = line_with_outlier(12, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=7.0, rng=5)
    b = line_with_outlier(12, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=7.0, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(TypeError, match="rng"):
        line_with_outlier(12, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=7.0, rng=None)
    with pytest.raises(ValueError, match="x_range"):
        line_with_outlier(12, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=7.0, rng=0, x_range=(1, 1))


def test_line_with_outlier_noise_level():
    # residual standard deviation of 20 000 points: standard error 0.3 / sqrt(2 * 2e4)
    # = 0.0015, so 0.01 is more than 6 standard errors
    x, y, _ = line_with_outlier(20_000, intercept=1.0, slope=0.5, noise=0.3, outlier_shift=0.0, rng=8)
    assert np.std(y - 1.0 - 0.5 * x) == pytest.approx(0.3, abs=0.01)


def test_two_rings_and_kernel_lift():
    X, labels = two_rings(101, rng=1, radii=(1.0, 2.5), noise=0.0)
    assert X.shape == (101, 2) and labels.sum() == 51
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[labels == 0], 1.0)
    np.testing.assert_allclose(r[labels == 1], 2.5)
    F = kernel_lift(X)
    np.testing.assert_allclose(F[:, :2], X)
    np.testing.assert_allclose(F[:, 2], X[:, 0] ** 2 + X[:, 1] ** 2)
    # in feature space a horizontal plane separates the rings
    assert F[labels == 0, 2].max() < 2.0 < F[labels == 1, 2].min()
    np.testing.assert_array_equal(two_rings(50, rng=3)[0], two_rings(50, rng=3)[0])
    with pytest.raises(ValueError, match="2 columns"):
        kernel_lift(np.ones((3, 3)))
    with pytest.raises(ValueError, match="radii"):
        two_rings(10, rng=0, radii=(1.0, -1.0))
