"""lessonlib.linalg against independent references.

References: NumPy (reshape, matmul, dot, outer, linalg.norm, einsum), SciPy
(``spatial.distance.euclidean``, ``stats.zscore``), pandas (``get_dummies``),
statsmodels (``add_constant``, ``eval_measures.mse``), sympy (exact matrix algebra),
``math.hypot`` (overflow-safe norm) and the numbers printed in chapter 1.1's source.
Hypothesis checks the algebraic invariants.
"""
from __future__ import annotations

import doctest
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.spatial.distance as ssd
import scipy.stats as sst
import sympy as sp
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from statsmodels.tools import add_constant
from statsmodels.tools.eval_measures import mse as sm_mse

import lessonlib.linalg as la
from lessonlib.fmt import exact, exact_array, fmt_num, fmt_vec

# chapter 1.1's houses (area, bedrooms, age, distance) and model
X3 = [[1200, 3, 10, 3.2], [850, 2, 18, 8.5], [1600, 4, 5, 1.1]]
W = [0.003, 0.8, -0.02, -0.15]
B = 1.5
Y3 = [9.0, 6.5, 12.0]

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
small_int = st.integers(min_value=-50, max_value=50)


def vectors(n_min: int = 1, n_max: int = 8, elements=finite):
    return hnp.arrays(np.float64, st.integers(n_min, n_max), elements=elements)


def sympy_matrix(a) -> sp.Matrix:
    """An exact sympy matrix from a nested list of decimal literals (as a reader reads them)."""
    arr = np.atleast_2d(np.asarray(a, dtype=object))
    return sp.Matrix([[sp.Rational(str(exact(v))) for v in row] for row in arr])


def as_fraction(v) -> Fraction:
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


# --------------------------------------------------------------------------- docstrings
def test_docstring_examples_run():
    result = doctest.testmod(la, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


# --------------------------------------------------------------------------- exactness
def test_is_exact_recognises_fractions_only():
    assert la.is_exact(Fraction(1, 3))
    assert la.is_exact([1, Fraction(1, 2)])
    assert la.is_exact(exact_array([1, 2]))
    assert not la.is_exact([1.0, 2.0])
    assert not la.is_exact(np.array([1, 2], dtype=object))
    assert not la.is_exact("1/2")


def test_exact_input_spreads_to_the_other_arguments():
    # one exact argument makes the float literals of the other exact (0.1 -> 1/10)
    t = la.dot_terms(exact_array([1, 1, 1]), [0.1, 0.2, 0.3])
    assert t.total == Fraction(6, 10)
    assert 0.1 + 0.2 + 0.3 != 0.6  # the float sum really is off


def test_bad_entries_are_refused_with_the_argument_named():
    with pytest.raises(TypeError, match="x"):
        la.as_row("12345")
    with pytest.raises(ValueError, match="X must contain only finite values"):
        la.linear_predict([[1.0, np.nan]], [1.0, 1.0])
    with pytest.raises(TypeError, match="coeffs"):
        la.linear_combination([Fraction(1), object()], [[1, 0], [0, 1]])


# --------------------------------------------------------------------------- shapes
@given(vectors())
def test_as_row_and_as_col_match_numpy_reshape(x):
    np.testing.assert_array_equal(la.as_row(x), x.reshape(1, -1))
    np.testing.assert_array_equal(la.as_col(x), x[:, None])
    # either orientation converts to the other, and the transpose swaps them
    np.testing.assert_array_equal(la.as_row(la.as_col(x)), la.as_col(x).T)
    np.testing.assert_array_equal(la.as_col(la.as_row(x)), la.as_row(x).T)


def test_as_row_is_a_view_of_a_float_array():
    x = np.array([1200, 3, 2, 10, 3.2])
    r = la.as_row(x)
    assert r.shape == (1, 5) and np.shares_memory(r, x)


def test_as_row_refuses_matrices_and_empty_input():
    with pytest.raises(ValueError, match="vector"):
        la.as_row(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dimension"):
        la.as_col(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        la.as_col([])


def test_orientation_names_the_numpy_pitfall():
    x = np.array([1200, 3, 2, 10, 3.2])
    assert la.orientation(9.0) == "scalar"
    assert la.orientation(x) == la.orientation(x.T) == "1-D array (no orientation)"
    assert x.T.shape == (5,)  # numpy really leaves a 1-D array alone
    assert la.orientation(x.reshape(1, 5)) == "row vector"
    assert la.orientation(x[:, None]) == "column vector"
    assert la.orientation(x.reshape(1, 5).T) == "column vector"
    assert la.orientation(np.ones((1, 1))) == "1 x 1 matrix"
    assert la.orientation(np.ones((2, 3))) == "matrix"
    assert la.orientation(np.ones((2, 3, 4))) == "3-D array"


shapes2 = st.tuples(st.integers(0, 6), st.integers(0, 6))


@given(st.lists(shapes2, min_size=2, max_size=4))
def test_matmul_shape_agrees_with_numpy(shapes):
    arrays = [np.zeros(s) for s in shapes]
    try:
        out = arrays[0]
        for a in arrays[1:]:
            out = out @ a
        expected = out.shape
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="inner dimensions"):
            la.matmul_shape(*shapes)
    else:
        assert la.matmul_shape(*shapes) == expected


def test_matmul_shape_examples_of_the_chapter_and_messages():
    assert la.matmul_shape((3, 4), (4, 1)) == (3, 1)
    assert la.matmul_shape((1, 4), (4, 3)) == (1, 3)
    assert la.matmul_shape((32, 7), (7, 64)) == (32, 64)
    assert la.matmul_shape((1, 3), (3, 1)) == (1, 1)
    assert la.matmul_shape((3, 1), (1, 3)) == (3, 3)
    with pytest.raises(ValueError, match=r"cannot multiply X \(3 x 4\) by y \(3 x 1\)"):
        la.matmul_shape((3, 4), (3, 1), names=["X", "y"])
    with pytest.raises(ValueError, match="at least two"):
        la.matmul_shape((3, 4))
    with pytest.raises(ValueError, match="two entries"):
        la.matmul_shape((3, 4, 5), (5, 1))
    with pytest.raises(ValueError, match="names"):
        la.matmul_shape((3, 4), (4, 1), names=["X"])


# --------------------------------------------------------------------------- products
def test_dot_terms_reproduces_the_worked_example_exactly():
    t = la.dot_terms(exact_array(X3[0]), W)
    assert [fmt_num(v) for v in t.terms] == ["3.6", "2.4", "-0.2", "-0.48"]
    assert fmt_num(t.total) == "5.32"
    # sympy: row times column, exactly
    assert t.total == as_fraction((sympy_matrix([X3[0]]) * sympy_matrix(W).T)[0, 0])


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(vectors(n, n), vectors(n, n))))
def test_dot_terms_matches_numpy_dot(xw):
    x, w = xw
    t = la.dot_terms(x, w)
    np.testing.assert_array_equal(t.terms, x * w)
    assert t.total == pytest.approx(float(np.dot(x, w)), rel=1e-9, abs=1e-6 * (1 + float(np.abs(x * w).sum())))


@given(st.lists(small_int, min_size=1, max_size=6), st.lists(small_int, min_size=1, max_size=6))
def test_dot_terms_is_symmetric_and_exact(x, w):
    assume(len(x) == len(w))
    xe, we = exact_array(x), exact_array(w)
    assert la.dot_terms(xe, we).total == la.dot_terms(we, xe).total == sum(a * b for a, b in zip(x, w))


def test_dot_terms_accepts_row_and_column_vectors_but_checks_length():
    assert la.dot_terms(np.array([[2, 3, 4]]), np.array([[5], [6], [7]])).total == 56.0
    with pytest.raises(ValueError, match="same length"):
        la.dot_terms([1, 2, 3], [4, 5])


def test_outer_matches_numpy_and_sympy():
    a, b = [2, 3, 4], [5, 6, 7]
    ba = la.outer(b, a)
    np.testing.assert_array_equal(ba, np.outer(b, a))
    exact_ba = la.outer(exact_array(b), a)
    assert sp.Matrix(exact_ba.tolist()) == sympy_matrix(b).T * sympy_matrix(a)
    assert exact_ba.tolist() == [[10, 15, 20], [12, 18, 24], [14, 21, 28]]


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(vectors(n, n, small_int.map(float)), vectors(n, n, small_int.map(float)))))
def test_trace_of_outer_product_is_the_dot_product(ab):
    a, b = ab
    assert np.trace(la.outer(a, b)) == la.dot_terms(a, b).total


# --------------------------------------------------------------------------- encoding
CATS = ["North", "South", "East"]


def test_one_hot_matches_pandas_get_dummies():
    values = ["North", "East", "South", "North"]
    dummies = pd.get_dummies(pd.Categorical(values, categories=CATS), dtype=int).to_numpy()
    ours = np.array([la.one_hot(v, CATS) for v in values])
    np.testing.assert_array_equal(ours, dummies)
    # dropping the first category is pandas' drop_first
    dummies1 = pd.get_dummies(pd.Categorical(values, categories=CATS), dtype=int, drop_first=True).to_numpy()
    np.testing.assert_array_equal(np.array([la.one_hot(v, CATS, drop="North") for v in values]), dummies1)


@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=6, unique=True), st.data())
def test_one_hot_has_a_single_one_and_equidistant_codes(cats, data):
    v = data.draw(st.sampled_from(cats))
    h = la.one_hot(v, cats)
    assert h.sum() == 1 and h[cats.index(v)] == 1
    u = data.draw(st.sampled_from(cats))
    # two different categories are always sqrt(2) apart: no fake order
    expected = 0.0 if u == v else math.sqrt(2)
    assert la.distance(h, la.one_hot(u, cats)) == pytest.approx(expected)


def test_one_hot_reference_category_is_all_zeros():
    assert la.one_hot("East", CATS, drop="East").tolist() == [0, 0]
    assert la.one_hot("South", CATS, drop="East").tolist() == [0, 1]


def test_one_hot_errors_name_the_argument():
    with pytest.raises(ValueError, match="value must be one of"):
        la.one_hot("West", CATS)
    with pytest.raises(ValueError, match="drop must be one of"):
        la.one_hot("North", CATS, drop="West")
    with pytest.raises(ValueError, match="categories must not repeat"):
        la.one_hot("North", ["North", "North"])
    with pytest.raises(ValueError, match="categories must not be empty"):
        la.one_hot("North", [])


HOUSES = [
    {"area": 1200, "bedrooms": 3, "floors": 2, "age": 10, "distance": 3.2, "location": "North", "price": 9.0},
    {"area": 850, "bedrooms": 2, "floors": 1, "age": 18, "distance": 8.5, "location": "South", "price": 6.5},
    {"area": 1600, "bedrooms": 4, "floors": 2, "age": 5, "distance": 1.1, "location": "North", "price": 12.0},
]
NUMERIC = ["area", "bedrooms", "floors", "age", "distance"]


def test_design_matrix_matches_pandas():
    feats = NUMERIC + ["location"]
    dm = la.design_matrix(HOUSES, feats, target="price", categories={"location": CATS}, drop={"location": "East"})
    df = pd.DataFrame(HOUSES)
    df["location"] = pd.Categorical(df["location"], categories=CATS)
    ref = pd.get_dummies(df[feats], columns=["location"], prefix_sep="=", dtype=float).drop(columns=["location=East"])
    assert dm.columns == list(ref.columns)
    np.testing.assert_array_equal(dm.X, ref.to_numpy())
    np.testing.assert_array_equal(dm.y, df["price"].to_numpy())
    assert dm.X.shape == (3, 7)  # the chapter's n = 3, d = 7


def test_design_matrix_exact_and_without_target():
    dm = la.design_matrix(HOUSES, ["area", "distance"], exact=True)
    assert dm.y is None
    assert dm.X[0, 1] == Fraction(16, 5)  # 3.2, not the binary float
    assert la.is_exact(dm.X)


def test_design_matrix_errors():
    with pytest.raises(ValueError, match="no feature 'rooms'"):
        la.design_matrix(HOUSES, ["rooms"])
    with pytest.raises(ValueError, match="no target"):
        la.design_matrix(HOUSES, ["area"], target="rent")
    with pytest.raises(ValueError, match="not a key of categories"):
        la.design_matrix(HOUSES, ["area"], drop={"location": "East"})
    with pytest.raises(ValueError, match="records must not be empty"):
        la.design_matrix([], ["area"])


# --------------------------------------------------------------------------- geometry
def test_norm_and_distance_worked_examples():
    assert la.norm2([3, 4]) == 5.0
    assert la.norm2([3, 4], exact=True) == 5
    d = la.distance([1200, 3], [1500, 4], exact=True)
    assert d == sp.sqrt(90001)
    assert fmt_num(d, 4) == "300.0017"
    assert la.sq_norm(exact_array([-300, -1])) == 90001


@given(vectors(elements=st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)))
def test_norm2_matches_math_hypot_without_overflow(x):
    assert la.norm2(x) == pytest.approx(math.hypot(*x), rel=1e-12)


@given(vectors())
def test_norm2_matches_numpy_and_sq_norm(x):
    assert la.norm2(x) == pytest.approx(float(np.linalg.norm(x)), rel=1e-12)
    assert la.sq_norm(x) == pytest.approx(float(x @ x), rel=1e-12)


@given(st.lists(small_int, min_size=1, max_size=6))
def test_exact_norm_matches_sympy(x):
    assert la.norm2(exact_array(x), exact=True) == sympy_matrix(x).norm()


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(vectors(n, n), vectors(n, n))))
def test_distance_matches_scipy_and_is_a_metric(uv):
    u, v = uv
    assert la.distance(u, v) == pytest.approx(ssd.euclidean(u, v), rel=1e-12, abs=1e-9)
    assert la.distance(u, v) == la.distance(v, u)
    assert la.distance(u, u) == 0.0


def test_distance_checks_lengths():
    with pytest.raises(ValueError, match="same length"):
        la.distance([1, 2, 3], [4, 5])


@settings(max_examples=50)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 8), st.integers(1, 4)), elements=st.floats(-1e3, 1e3)), st.sampled_from([0, 1]))
def test_standardize_matches_scipy_zscore(X, ddof):
    mu, sigma = la.feature_stats(X, ddof=ddof)
    assume(np.all(sigma > 1e-6 * (1 + np.abs(mu))))
    np.testing.assert_allclose(la.standardize(X, mu, sigma), sst.zscore(X, axis=0, ddof=ddof), rtol=1e-9, atol=1e-9)


def test_standardize_worked_example_and_errors():
    z = la.standardize(exact_array([1500, 4]), [1200, 3], [300, 1])
    assert z.tolist() == [1, 1]
    with pytest.raises(ValueError, match="sigma must be > 0"):
        la.standardize([1, 2], [0, 0], [1, 0])
    with pytest.raises(ValueError, match="mu must have one entry per feature"):
        la.standardize([1, 2], [0, 0, 0], [1, 1])
    with pytest.raises(ValueError, match="more than ddof"):
        la.feature_stats([[1.0, 2.0]], ddof=1)


@given(st.integers(1, 5).flatmap(lambda k: st.tuples(vectors(k, k), st.integers(1, 5).flatmap(lambda d: hnp.arrays(np.float64, (k, d), elements=finite)))))
def test_linear_combination_matches_matrix_vector_product(cv):
    c, V = cv
    np.testing.assert_allclose(la.linear_combination(c, V), V.T @ c, rtol=1e-9, atol=1e-6 * (1 + np.abs(c[:, None] * V).sum()))


def test_linear_combination_worked_example_and_errors():
    assert la.linear_combination(exact_array([3, 4]), [[1, 0], [0, 1]]).tolist() == [3, 4]
    with pytest.raises(ValueError, match="coeffs has 3 entries but vectors has 2 rows"):
        la.linear_combination([1, 2, 3], [[1, 0], [0, 1]])


# --------------------------------------------------------------------------- linear model
def test_linear_predict_reproduces_the_source_numbers_exactly():
    p = la.linear_predict(exact_array(X3), W, B, return_terms=True)
    assert fmt_vec(p.y_hat) == "[6.82, 4.015, 9.235]"
    assert fmt_vec(p.terms[1]) == "[2.55, 1.6, -0.36, -1.275]"
    assert fmt_vec(p.terms[2]) == "[4.8, 3.2, -0.1, -0.165]"
    one = la.linear_predict(exact_array(X3[0]), W, B)
    assert isinstance(one, Fraction) and fmt_num(one) == "6.82"
    # sympy's exact matrix product gives the same vector
    ref = sympy_matrix(X3) * sympy_matrix(W).T + sp.ones(3, 1) * sp.Rational(3, 2)
    assert [as_fraction(v) for v in ref] == list(p.y_hat)


@given(st.integers(1, 6).flatmap(lambda d: st.tuples(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.just(d)), elements=finite),
    vectors(d, d, st.floats(-10, 10)),
)), st.floats(-100, 100))
def test_linear_predict_matches_statsmodels_design_with_constant(Xw, b):
    X, w = Xw
    ref = add_constant(X, has_constant="add") @ np.concatenate([[b], w])
    p = la.linear_predict(X, w, b, return_terms=True)
    scale = 1 + np.abs(X * w).sum()
    np.testing.assert_allclose(p.y_hat, ref, rtol=1e-9, atol=1e-9 * scale)
    # the contributions plus the bias add up to the prediction
    np.testing.assert_allclose(p.terms.sum(axis=1) + b, p.y_hat, rtol=1e-9, atol=1e-9 * scale)
    # one row alone gives the same number as the batch
    assert la.linear_predict(X[0], w, b) == pytest.approx(float(p.y_hat[0]), rel=1e-9, abs=1e-9 * scale)


def test_linear_predict_shape_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"X has 4 features per example but w has 3 weights: \(3 x 4\)\(3 x 1\)"):
        la.linear_predict(X3, [1, 2, 3])
    with pytest.raises(ValueError, match="w must have 1 dimension"):
        la.linear_predict(X3, np.ones((4, 2)))


def test_error_loss_and_mse_exact_worked_example():
    y_hat = la.linear_predict(exact_array(X3), W, B)
    e = la.prediction_error(y_hat, Y3)
    assert fmt_vec(e) == "[-2.18, -2.485, -2.765]"
    assert fmt_vec(la.squared_loss(y_hat, Y3)) == "[4.7524, 6.175225, 7.645225]"
    m = la.mse(y_hat, Y3)
    assert m == Fraction(619095, 100000) and fmt_num(m) == "6.19095"
    # single house: a scalar error and loss
    e1 = la.prediction_error(y_hat[0], exact(9.0))
    assert isinstance(e1, Fraction) and fmt_num(e1) == "-2.18"
    assert fmt_num(la.squared_loss(y_hat[0], 9.0)) == "4.7524"


@given(st.integers(1, 20).flatmap(lambda n: st.tuples(vectors(n, n), vectors(n, n))))
def test_mse_matches_statsmodels(pair):
    a, b = pair
    assert la.mse(a, b) == pytest.approx(float(sm_mse(a, b)), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(la.squared_loss(a, b), (a - b) ** 2, rtol=1e-12)
    np.testing.assert_array_equal(la.prediction_error(a, b), a - b)
    assert la.mse(a, b) >= 0


def test_error_functions_check_shapes():
    with pytest.raises(ValueError, match="y_hat and y must have the same shape"):
        la.mse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="y_hat and y must have the same shape"):
        la.prediction_error([1.0, 2.0], 1.0)


# --------------------------------------------------------------------------- neurons
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=finite))
def test_relu_matches_numpy_maximum(z):
    out = la.relu(z)
    np.testing.assert_array_equal(np.asarray(out), np.maximum(z, 0.0))


def test_relu_scalars_and_exact():
    assert la.relu(-2.5) == 0.0 and la.relu(6.82) == 6.82
    out = la.relu(exact_array([-1, 0.5]))
    assert out.tolist() == [0, Fraction(1, 2)]


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.data())
def test_dense_layer_matches_einsum(n, d, h, data):
    X = data.draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-10, 10)))
    W_ = data.draw(hnp.arrays(np.float64, (d, h), elements=st.floats(-10, 10)))
    b = data.draw(hnp.arrays(np.float64, (h,), elements=st.floats(-10, 10)))
    ref = np.einsum("nd,dh->nh", X, W_) + b
    np.testing.assert_allclose(la.dense_layer(X, W_, b), ref, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(la.dense_layer(X, W_, b, "relu"), np.maximum(ref, 0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(la.dense_layer(X, W_, b, np.tanh), np.tanh(ref), rtol=1e-12, atol=1e-9)
    # one example as a 1-D row gives the first row of the batch
    np.testing.assert_allclose(la.dense_layer(X[0], W_, b), ref[0], rtol=1e-12, atol=1e-9)


def test_dense_layer_batch_shape_of_the_chapter():
    rng = np.random.default_rng(0)
    Z = la.dense_layer(rng.standard_normal((32, 7)), rng.standard_normal((7, 64)), rng.standard_normal(64))
    assert Z.shape == (32, 64)


def test_dense_layer_errors_name_arguments():
    with pytest.raises(ValueError, match=r"X has 7 features but W has 4 rows: \(32 x 7\)\(4 x 3\)"):
        la.dense_layer(np.ones((32, 7)), np.ones((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="b must have one entry per neuron"):
        la.dense_layer(np.ones((2, 4)), np.ones((4, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="activation must be one of"):
        la.dense_layer(np.ones((2, 4)), np.ones((4, 3)), 0.0, "sigmoid")
    with pytest.raises(TypeError, match="activation"):
        la.dense_layer(np.ones((2, 4)), np.ones((4, 3)), 0.0, 3)
