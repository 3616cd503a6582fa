"""lessonlib.matrices: exact routines against numpy/scipy (and the reverse), shapes against numpy."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from hypothesis import given, settings, strategies as st

from lessonlib.matrices import (
    apply_map,
    colspace_exact,
    eig_exact,
    eig_float,
    frobenius_exact,
    grid_lines,
    is_symmetric,
    matmul_shape,
    matvec_terms,
    nullspace_exact,
    nullspace_float,
    rank_exact,
    rref_exact,
    singular_values_exact,
    to_sympy,
    unit_circle,
)

SETTINGS = settings(max_examples=40, deadline=None)


def int_matrices(min_rows=1, max_rows=4, min_cols=1, max_cols=4, lo=-5, hi=5):
    return st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols)).flatmap(
        lambda s: st.lists(st.integers(lo, hi), min_size=s[0] * s[1], max_size=s[0] * s[1]).map(
            lambda v: np.array(v, dtype=np.int64).reshape(s)
        )
    )


# ----------------------------------------------------------------------------- worked examples of 1.2
def test_chapter_worked_examples():
    A = [[1, 2, 3], [4, 5, 6]]
    T = matvec_terms(A, [10, 20, 30])
    assert [list(r) for r in T] == [[10, 40, 90], [40, 100, 180]]
    assert list(T.sum(axis=1)) == [140, 320]
    assert matmul_shape((2, 3), (3, 1)) == (2, 1)
    assert matmul_shape((2, 3), (3, 2)) == (2, 2)
    assert matmul_shape((3, 2), (2, 3)) == (3, 3)
    assert rank_exact([[1, 2], [2, 4]]) == 1
    assert rank_exact([[1, 2], [3, 4]]) == 2
    assert [list(v) for v in nullspace_exact([[1, 2], [2, 4]])] == [[-2, 1]]
    np.testing.assert_allclose(nullspace_float([[1, 2], [2, 4]])[:, 0], np.array([-2, 1]) / math.sqrt(5))
    assert frobenius_exact([[1, 2], [3, 4]]) == sp.sqrt(30)
    eig = eig_exact([[2, 0], [0, 3]])
    assert [(lam, m, [list(v) for v in vs]) for lam, m, vs in eig] == [(2, 1, [[1, 0]]), (3, 1, [[0, 1]])]
    assert is_symmetric([[2, 5], [5, 3]]) and not is_symmetric([[2, 1], [4, 5]])
    sv = singular_values_exact([[1, 2], [3, 4]])
    assert sv == [sp.sqrt(15 + sp.sqrt(221)), sp.sqrt(15 - sp.sqrt(221))]


# ----------------------------------------------------------------------------- shapes and products
@SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_matmul_shape_matches_numpy(m, n, p):
    assert matmul_shape((m, n), (n, p)) == (np.ones((m, n)) @ np.ones((n, p))).shape


def test_matmul_shape_refuses_mismatch():
    with pytest.raises(ValueError, match="inner dimensions"):
        matmul_shape((2, 3), (2, 3))
    with pytest.raises(ValueError, match="shape_a"):
        matmul_shape((2, 3, 4), (3, 1))
    with pytest.raises(TypeError, match="shape_b"):
        matmul_shape((2, 3), 3)


@SETTINGS
@given(int_matrices(), st.data())
def test_matvec_terms_rows_and_columns(A, data):
    x = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=A.shape[1], max_size=A.shape[1])))
    T = matvec_terms(A, x)
    # row view: row sums are A @ x (numpy integer product as the reference)
    assert [int(v) for v in T.sum(axis=1)] == list(A @ x)
    # column view: column j is x_j times column j of A
    for j in range(A.shape[1]):
        assert [int(v) for v in T[:, j]] == list(x[j] * A[:, j])


def test_matvec_terms_is_exact_for_decimals():
    T = matvec_terms([[0.1, 0.2]], [3, 3])
    assert T.sum() == Fraction(9, 10)  # 0.3 + 0.6, whereas 0.1*3 + 0.2*3 in floats is 0.9000000000000001
    with pytest.raises(ValueError, match="x must have 2"):
        matvec_terms([[1, 2]], [1, 2, 3])


@SETTINGS
@given(int_matrices(2, 4, 2, 4))
def test_is_symmetric_matches_sympy(A):
    S = A + A.T if A.shape[0] == A.shape[1] else A
    assert is_symmetric(S) == to_sympy(S).is_symmetric()
    assert is_symmetric(A) == to_sympy(A).is_symmetric()


def test_is_symmetric_tolerance():
    B = np.array([[1.0, 2.0], [2.0 + 1e-12, 1.0]])
    assert not is_symmetric(B)
    assert is_symmetric(B, atol=1e-9)


# ----------------------------------------------------------------------------- rank and subspaces
@SETTINGS
@given(int_matrices())
def test_rank_exact_matches_numpy_on_small_integers(A):
    # small integer matrices are far from rank-deficient ones, so numpy's tolerance is safe
    assert rank_exact(A) == np.linalg.matrix_rank(A)


def test_rank_exact_where_floating_point_fails():
    # Hilbert matrices are invertible (Cauchy determinant is non-zero), so the rank is n;
    # in float64 their condition number ~1e16 makes numpy report fewer.
    n = 13
    H = [[Fraction(1, i + j + 1) for j in range(n)] for i in range(n)]
    assert rank_exact(H) == n
    assert np.linalg.matrix_rank(scipy.linalg.hilbert(n)) < n


@SETTINGS
@given(int_matrices(1, 4, 1, 5, -3, 3))
def test_nullspace_exact_is_a_basis(A):
    basis = nullspace_exact(A)
    assert len(basis) == A.shape[1] - np.linalg.matrix_rank(A)  # rank-nullity, numpy rank as reference
    M = sp.Matrix(A.tolist())
    for v in basis:
        assert M * v == sp.zeros(A.shape[0], 1)
        ints = [int(e) for e in v]
        assert all(e == int(e) for e in v) and math.gcd(*ints) == 1
    if basis:
        assert sp.Matrix.hstack(*basis).rank() == len(basis)
        # same subspace as scipy's orthonormal basis: projecting onto it changes nothing
        N = nullspace_float(A)
        B = np.array(sp.Matrix.hstack(*basis).tolist(), dtype=float)
        np.testing.assert_allclose(N @ (N.T @ B), B, atol=1e-9)


def test_nullspace_float_sign_and_scipy():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    N = nullspace_float(A)
    ref = scipy.linalg.null_space(A)
    np.testing.assert_allclose(np.abs(N), np.abs(ref))
    assert N[-1, 0] > 0


def test_rref_and_colspace():
    R, piv = rref_exact([[1, 2], [2, 4]])
    assert R == sp.Matrix([[1, 2], [0, 0]]) and piv == (0,)
    assert [list(v) for v in colspace_exact([[1, 2], [2, 4]])] == [[1, 2]]
    R, piv = rref_exact([[1, 2, 3], [4, 5, 6]])
    assert piv == (0, 1) and R == sp.Matrix([[1, 0, -1], [0, 1, 2]])


def test_to_sympy_reads_decimals_as_written():
    assert to_sympy([[0.1, 3.2]]) == sp.Matrix([[sp.Rational(1, 10), sp.Rational(16, 5)]])
    assert to_sympy([1, 2]).shape == (2, 1)
    with pytest.raises(TypeError, match="A"):
        to_sympy([["a", 1]])


# ----------------------------------------------------------------------------- eigen and singular values
@SETTINGS
@given(st.integers(-6, 6), st.integers(-6, 6), st.integers(-6, 6))
def test_eig_exact_symmetric_2x2_matches_numpy(a, b, c):
    S = np.array([[a, b], [b, c]])  # symmetric: real eigenvalues, numpy eigvalsh is the reference
    values = []
    for lam, mult, vecs in eig_exact(S):
        values += [complex(lam).real] * mult
        for v in vecs:
            residual = (to_sympy(S) * v - lam * v).evalf(60)
            assert max(abs(e) for e in residual) < 1e-40
    np.testing.assert_allclose(values, np.linalg.eigvalsh(S.astype(float)), atol=1e-9)


@SETTINGS
@given(st.lists(st.integers(-4, 4), min_size=3, max_size=3), st.lists(st.integers(-3, 3), min_size=3, max_size=3))
def test_eig_exact_recovers_planted_rational_eigenvalues(d, u):
    # A = P diag(d) P^{-1} with P unit upper-triangular (det 1): eigenvalues are exactly d
    P = sp.Matrix([[1, u[0], u[1]], [0, 1, u[2]], [0, 0, 1]])
    A = P * sp.diag(*d) * P.inv()
    pairs = eig_exact(A)
    got = sorted(v for lam, m, _ in pairs for v in [lam] * m)
    assert got == sorted(sp.Integer(v) for v in d)
    for lam, mult, vecs in pairs:
        for v in vecs:
            assert A * v == lam * v


def test_eig_exact_complex_and_validation():
    pairs = eig_exact([[0, -1], [1, 0]])
    assert [p[0] for p in pairs] == [-sp.I, sp.I]
    with pytest.raises(ValueError, match="square"):
        eig_exact([[1, 2, 3]])


@SETTINGS
@given(int_matrices(2, 4, 2, 4).filter(lambda a: a.shape[0] == a.shape[1]))
def test_eig_float_satisfies_definition(A):
    vals, vecs = eig_float(A)
    for k in range(len(vals)):
        np.testing.assert_allclose(A @ vecs[:, k], vals[k] * vecs[:, k], atol=1e-8 * (1 + abs(vals[k])))
    ref = np.linalg.eigvals(A.astype(float))
    ref = ref[np.lexsort((ref.imag, ref.real))]
    np.testing.assert_allclose(vals, ref, atol=1e-8)


def test_eig_float_convention():
    vals, vecs = eig_float([[2, 0], [0, 3]])
    np.testing.assert_array_equal(vals, [2, 3])
    np.testing.assert_array_equal(vecs, np.eye(2))
    vals, vecs = eig_float([[0, -1], [1, 0]])
    assert np.iscomplexobj(vals)


@SETTINGS
@given(int_matrices(1, 4, 2, 2) | int_matrices(2, 2, 1, 4))
def test_singular_values_exact_match_numpy(A):
    sv = [float(s) for s in singular_values_exact(A)]
    np.testing.assert_allclose(sv, np.linalg.svd(A.astype(float), compute_uv=False), atol=1e-9)


@SETTINGS
@given(int_matrices(1, 4, 1, 4, -20, 20))
def test_frobenius_exact_matches_numpy(A):
    f = frobenius_exact(A)
    assert float(f) == pytest.approx(np.linalg.norm(A, "fro"), rel=1e-12)
    assert f**2 == int((A.astype(np.int64) ** 2).sum())


def test_frobenius_exact_any_order_and_validation():
    X = np.arange(1, 13).reshape(2, 3, 2)
    assert frobenius_exact(X) == sp.sqrt(650)  # 1^2 + ... + 12^2 = 12*13*25/6
    with pytest.raises(TypeError):
        frobenius_exact("ab")


# ----------------------------------------------------------------------------- pictures of linear maps
def test_grid_lines_and_circle():
    lines = grid_lines(2.0, 5, 11)
    assert len(lines) == 10 and all(L.shape == (11, 2) for L in lines)
    np.testing.assert_allclose(lines[0][:, 0], -2.0)  # leftmost vertical line
    np.testing.assert_allclose(lines[-1][:, 1], 2.0)  # top horizontal line
    c = unit_circle(50)
    np.testing.assert_allclose(np.hypot(c[:, 0], c[:, 1]), 1.0)
    np.testing.assert_allclose(c[0], c[-1], atol=1e-12)
    with pytest.raises(ValueError, match="n must be"):
        grid_lines(1.0, 1)
    with pytest.raises(ValueError, match="lim"):
        grid_lines(-1.0)


@SETTINGS
@given(int_matrices(2, 3, 2, 2), st.lists(st.floats(-5, 5), min_size=2, max_size=2))
def test_apply_map_is_matrix_times_point(A, p):
    out = apply_map(A, np.array([p, p]))
    # absolute tolerance: BLAS may sum in another order, which matters only near cancellation
    np.testing.assert_allclose(out[0], A @ np.array(p), atol=1e-12)
    np.testing.assert_allclose(apply_map(A, p), A @ np.array(p), atol=1e-12)


def test_apply_map_validates():
    with pytest.raises(ValueError, match="pts must have 2"):
        apply_map(np.eye(2), np.ones((4, 3)))
    with pytest.raises(ValueError, match="A must have 2"):
        apply_map(np.ones(2), np.ones((4, 2)))
