"""lessonlib.tensors: against numpy einsum/tensordot, scipy, Kolda–Bader's index formula, and known-rank tensors."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings, strategies as st

from lessonlib.tensors import (
    CPResult,
    attention_scores,
    contract,
    conv2d_contraction,
    cp_als,
    cp_reconstruct,
    entry,
    fiber,
    fold,
    from_frontal_slices,
    hosvd,
    khatri_rao,
    mode_n_product,
    multi_mode_product,
    outer,
    relative_error,
    tensor_frobenius,
    tensor_inner,
    tensor_slice,
    tucker_reconstruct,
    unfold,
    unfold_column_labels,
)

SETTINGS = settings(max_examples=40, deadline=None)

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


def tensor_of(shape, seed=0):
    return np.random.default_rng(seed).integers(-9, 10, size=shape)


@pytest.fixture
def X():
    """The 2 × 3 × 2 tensor of chapter 1.2."""
    return from_frontal_slices([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]])


# ----------------------------------------------------------------------------- worked examples of 1.2
def test_chapter_tensor(X):
    assert X.shape == (2, 3, 2) and X.size == 12
    assert [int(entry(X, i)) for i in [(1, 1, 1), (2, 3, 1), (1, 2, 2), (2, 3, 2)]] == [1, 6, 8, 12]
    np.testing.assert_array_equal(tensor_slice(X, (None, None, 2)), [[7, 8, 9], [10, 11, 12]])
    np.testing.assert_array_equal(fiber(X, (None, 2, 1)), [2, 5])
    np.testing.assert_array_equal(fiber(X, (1, None, 2)), [7, 8, 9])
    np.testing.assert_array_equal(fiber(X, (2, 3, None)), [6, 12])


def test_chapter_unfoldings(X):
    # the source's X_(1) and X_(2) are Kolda–Bader unfoldings ...
    np.testing.assert_array_equal(unfold(X, 1), [[1, 2, 3, 7, 8, 9], [4, 5, 6, 10, 11, 12]])
    np.testing.assert_array_equal(unfold(X, 2), [[1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]])
    # ... but its X_(3) is the row-major ("c") ordering; Kolda–Bader interleaves the rows of the slices
    np.testing.assert_array_equal(unfold(X, 3), [[1, 4, 2, 5, 3, 6], [7, 10, 8, 11, 9, 12]])
    np.testing.assert_array_equal(unfold(X, 3, order="c"), [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])


def test_chapter_outer_product():
    a, b, c = [1, 2], [3, 4, 5], [10, 20]
    np.testing.assert_array_equal(outer(a, b), [[3, 4, 5], [6, 8, 10]])
    T = outer(a, b, c)
    assert int(entry(T, (1, 2, 1))) == 40 and int(entry(T, (2, 3, 2))) == 200
    np.testing.assert_array_equal(T, np.einsum("i,j,k->ijk", a, b, c))


# ----------------------------------------------------------------------------- unfolding
@SETTINGS
@given(shapes, st.data())
def test_unfold_follows_kolda_bader_index_formula(shape, data):
    n = data.draw(st.integers(1, len(shape)))
    T = tensor_of(shape)
    M = unfold(T, n)
    for idx in np.ndindex(*shape):
        # Kolda & Bader (2009), sec. 2.4: column 1 + sum_{k != n} (i_k - 1) J_k, J_k = prod_{m<k, m != n} I_m
        col, J = 0, 1
        for k in range(len(shape)):
            if k == n - 1:
                continue
            col += idx[k] * J
            J *= shape[k]
        assert M[idx[n - 1], col] == T[idx]


@SETTINGS
@given(shapes, st.data(), st.sampled_from(["kolda", "c"]))
def test_fold_inverts_unfold_for_every_mode(shape, data, order):
    n = data.draw(st.integers(1, len(shape)))
    T = tensor_of(shape, 1)
    M = unfold(T, n, order=order)
    assert M.shape == (shape[n - 1], math.prod(shape) // shape[n - 1])
    np.testing.assert_array_equal(fold(M, n, shape, order=order), T)
    np.testing.assert_array_equal(unfold(fold(M, n, shape, order=order), n, order=order), M)


@SETTINGS
@given(shapes.filter(lambda s: len(s) >= 2), st.data())
def test_c_order_is_kolda_order_with_the_other_modes_reversed(shape, data):
    n = data.draw(st.integers(1, len(shape)))
    T = tensor_of(shape, 2)
    others = [k for k in range(len(shape)) if k != n - 1]
    perm = [n - 1] + others[::-1]
    np.testing.assert_array_equal(unfold(T, n, order="c"), unfold(np.transpose(T, perm), 1))


@SETTINGS
@given(shapes, st.data(), st.sampled_from(["kolda", "c"]))
def test_unfold_column_labels_name_the_fibres(shape, data, order):
    n = data.draw(st.integers(1, len(shape)))
    T = tensor_of(shape, 3)
    M = unfold(T, n, order=order)
    labels = unfold_column_labels(shape, n, order=order)
    assert len(labels) == M.shape[1]
    for c, lab in enumerate(labels):
        fixed = list(lab)
        fixed.insert(n - 1, None)
        np.testing.assert_array_equal(M[:, c], fiber(T, tuple(fixed)))


def test_unfold_fold_validation(X):
    with pytest.raises(ValueError, match="mode must be between 1 and 3"):
        unfold(X, 4)
    with pytest.raises(ValueError, match="mode must be >= 1"):
        unfold(X, 0)
    with pytest.raises(ValueError, match="order must be one of"):
        unfold(X, 1, order="F")
    with pytest.raises(ValueError, match="M must have shape"):
        fold(np.ones((2, 5)), 1, (2, 3, 2))
    with pytest.raises(TypeError, match="X must"):
        unfold("abc", 1)


# ----------------------------------------------------------------------------- indexing
def test_indexing_validation(X):
    with pytest.raises(ValueError, match="fixed must have one entry per mode"):
        fiber(X, (1, None))
    with pytest.raises(ValueError, match="exactly 1 index free"):
        fiber(X, (None, None, 1))
    with pytest.raises(ValueError, match="exactly 2 index free"):
        tensor_slice(X, (None, 1, 1))
    with pytest.raises(ValueError, match=r"fixed\[1\] must be between 1 and 3"):
        entry(X, (1, 4, 1))
    with pytest.raises(ValueError, match=r"fixed\[0\] must be >= 1"):
        entry(X, (0, 1, 1))  # 0-based indices are refused: the text counts from 1
    with pytest.raises(ValueError, match="slices"):
        from_frontal_slices([np.ones((2, 2)), np.ones((2, 3))])


# ----------------------------------------------------------------------------- products and contractions
@SETTINGS
@given(shapes, st.data())
def test_mode_n_product_matches_einsum_and_unfolded_form(shape, data):
    n = data.draw(st.integers(1, len(shape)))
    J = data.draw(st.integers(1, 4))
    T = tensor_of(shape, 4)
    U = np.random.default_rng(5).integers(-5, 6, size=(J, shape[n - 1]))
    Y = mode_n_product(T, U, n)
    letters = "abcd"[: len(shape)]
    out = letters.replace(letters[n - 1], "z")
    np.testing.assert_array_equal(Y, np.einsum(f"z{letters[n - 1]},{letters}->{out}", U, T))
    new_shape = shape[: n - 1] + (J,) + shape[n:]
    assert Y.shape == new_shape
    # Y_(n) = U X_(n), the unfolded form, in both orderings
    for order in ("kolda", "c"):
        np.testing.assert_array_equal(unfold(Y, n, order=order), U @ unfold(T, n, order=order))
        np.testing.assert_array_equal(fold(U @ unfold(T, n, order=order), n, new_shape, order=order), Y)


def test_mode_n_products_commute_across_modes():
    T = tensor_of((3, 4, 2), 6).astype(float)
    A = np.random.default_rng(7).standard_normal((5, 3))
    B = np.random.default_rng(8).standard_normal((2, 4))
    np.testing.assert_allclose(mode_n_product(mode_n_product(T, A, 1), B, 2),
                               mode_n_product(mode_n_product(T, B, 2), A, 1))
    np.testing.assert_allclose(multi_mode_product(T, [A, B]), np.einsum("pi,qj,ijk->pqk", A, B, T))
    np.testing.assert_allclose(multi_mode_product(T, [A.T], modes=[1], transpose=True), mode_n_product(T, A, 1))
    with pytest.raises(ValueError, match="U must have 4 columns"):
        mode_n_product(T, A, 2)
    with pytest.raises(ValueError, match="repeat"):
        multi_mode_product(T, [A, A], modes=[1, 1])


def test_mode_n_product_keeps_exact_entries():
    T = np.array([[Fraction(1, 3), Fraction(1, 6)]], dtype=object)
    Y = mode_n_product(T, np.array([[3]], dtype=object), 1)
    assert Y[0, 0] == 1 and Y[0, 1] == Fraction(1, 2)


@SETTINGS
@given(shapes, st.data())
def test_contract_matches_tensordot(shape, data):
    n = data.draw(st.integers(1, len(shape)))
    T = tensor_of(shape, 9)
    v = np.arange(1, shape[n - 1] + 1)
    letters = "abcd"[: len(shape)]
    np.testing.assert_array_equal(contract(T, v, n),
                                  np.einsum(f"{letters},{letters[n - 1]}->{letters.replace(letters[n - 1], '')}", T, v))
    with pytest.raises(ValueError, match="v must have"):
        contract(T, np.ones(shape[n - 1] + 1), n)


@SETTINGS
@given(st.lists(st.lists(st.integers(-5, 5), min_size=1, max_size=4), min_size=1, max_size=4))
def test_outer_matches_einsum(vectors):
    letters = "abcd"[: len(vectors)]
    ref = np.einsum(",".join(letters) + "->" + letters, *[np.array(v) for v in vectors])
    np.testing.assert_array_equal(outer(*vectors), ref)


def test_khatri_rao_columns_are_kronecker_products():
    rng = np.random.default_rng(10)
    A, B, C = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    KR = khatri_rao([A, B, C])
    for r in range(3):
        np.testing.assert_allclose(KR[:, r], np.kron(np.kron(A[:, r], B[:, r]), C[:, r]))
    with pytest.raises(ValueError, match="columns"):
        khatri_rao([A, rng.standard_normal((2, 2))])


def test_tensor_inner_and_norm(X):
    assert tensor_inner(X, X) == 650  # 1^2 + ... + 12^2
    rng = np.random.default_rng(11)
    Y, Z = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 5))
    assert tensor_inner(Y, Z) == pytest.approx(np.vdot(Y, Z))
    assert tensor_inner(Y, Z) == pytest.approx(np.tensordot(Y, Z, axes=3))
    assert tensor_frobenius(Y) == pytest.approx(np.linalg.norm(Y.ravel()))
    assert tensor_frobenius(X) == pytest.approx(math.sqrt(650))
    assert relative_error(Y, Y) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        tensor_inner(Y, Z[:2])


# ----------------------------------------------------------------------------- CP decomposition
def test_cp_reconstruct_is_a_sum_of_outer_products():
    rng = np.random.default_rng(12)
    F = [rng.standard_normal((s, 3)) for s in (4, 5, 2)]
    lam = np.array([2.0, -1.0, 0.5])
    ref = sum(lam[r] * outer(F[0][:, r], F[1][:, r], F[2][:, r]) for r in range(3))
    np.testing.assert_allclose(cp_reconstruct(F, lam), ref)
    # Kolda–Bader: X_(1) = A (C ⊙ B)^T, X_(2) = B (C ⊙ A)^T, X_(3) = C (B ⊙ A)^T
    T = cp_reconstruct(F)
    np.testing.assert_allclose(unfold(T, 1), F[0] @ khatri_rao([F[2], F[1]]).T)
    np.testing.assert_allclose(unfold(T, 2), F[1] @ khatri_rao([F[2], F[0]]).T)
    np.testing.assert_allclose(unfold(T, 3), F[2] @ khatri_rao([F[1], F[0]]).T)


@pytest.mark.parametrize("shape,rank,seed", [((5, 4, 6), 3, 13), ((6, 6, 5), 2, 14), ((4, 3, 5, 3), 2, 15)])
def test_cp_als_recovers_a_tensor_of_known_rank(shape, rank, seed):
    rng = np.random.default_rng(seed)
    T = cp_reconstruct([rng.standard_normal((s, rank)) for s in shape])
    res = cp_als(T, rank, rng=seed, n_iter_max=2000, tol=1e-14)
    assert isinstance(res, CPResult) and res.rank == rank
    # generic low-rank tensors are recovered to the tolerance of the stopping rule
    assert relative_error(T, res.reconstruct()) < 1e-6
    for f in res.factors:
        np.testing.assert_allclose(np.linalg.norm(f, axis=0), 1.0)
    assert np.all(np.diff(res.weights) <= 0)
    # each ALS step solves its least-squares problem exactly, so the error never increases
    assert np.all(np.diff(res.errors) <= 1e-9)


def test_cp_als_rank_one_weight_and_reproducibility():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]), np.array([10.0, 20.0])
    T = outer(a, b, c)
    res = cp_als(T, 1, rng=0)
    assert res.weights[0] == pytest.approx(np.linalg.norm(a) * np.linalg.norm(b) * np.linalg.norm(c))
    np.testing.assert_allclose(res.reconstruct(), T, atol=1e-9)
    again = cp_als(T, 1, rng=0)
    np.testing.assert_array_equal(res.factors[0], again.factors[0])
    assert res.n_params == 1 * (1 + 2 + 3 + 2)
    with pytest.raises(TypeError, match="rng"):
        cp_als(T, 1, rng=None)
    with pytest.raises(ValueError, match="zero tensor"):
        cp_als(np.zeros((2, 2)), 1, rng=0)


def test_cp_als_restarts_keep_the_best_start():
    # with this seed the first random start stalls in a swamp; restarts find the exact fit
    A = np.array([[1, 0], [2, 1], [0, 1], [1, -1]])
    B = np.array([[1, 1], [0, 2], [3, -1]])
    C = np.array([[2, 1], [1, 0]])
    T = cp_reconstruct([A, B, C])
    one = cp_als(T, 2, rng=2026, n_iter_max=1000, tol=1e-14)
    three = cp_als(T, 2, rng=2026, n_iter_max=1000, tol=1e-14, n_init=3)
    # the first of the three starts is the single start (same generator), so the best can only be better
    assert three.errors[-1] <= one.errors[-1]
    assert relative_error(T, three.reconstruct()) < 1e-8
    with pytest.raises(ValueError, match="n_init"):
        cp_als(T, 2, rng=0, n_init=0)


# ----------------------------------------------------------------------------- Tucker / HOSVD
def test_hosvd_recovers_known_multilinear_rank():
    rng = np.random.default_rng(16)
    G = rng.standard_normal((2, 3, 2))
    U = [np.linalg.qr(rng.standard_normal((s, r)))[0] for s, r in zip((6, 7, 5), (2, 3, 2))]
    T = tucker_reconstruct(G, U)
    np.testing.assert_allclose(T, np.einsum("pqr,ip,jq,kr->ijk", G, *U))
    res = hosvd(T, (2, 3, 2))
    assert relative_error(T, res.reconstruct()) < 1e-12
    for f in res.factors:
        np.testing.assert_allclose(f.T @ f, np.eye(f.shape[1]), atol=1e-12)
    # all-orthogonality of the HOSVD core: its unfoldings have orthogonal rows
    for n in (1, 2, 3):
        Gn = unfold(res.core, n)
        gram = Gn @ Gn.T
        np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-10)
    assert res.n_params == 2 * 3 * 2 + 6 * 2 + 7 * 3 + 5 * 2


def test_hosvd_of_a_matrix_is_the_truncated_svd():
    # Eckart–Young: the best rank-r approximation error is the norm of the dropped singular values
    A = np.random.default_rng(17).standard_normal((8, 6))
    s = np.linalg.svd(A, compute_uv=False)
    for r in (1, 3, 5):
        err = np.linalg.norm(A - hosvd(A, (r, r)).reconstruct())
        assert err == pytest.approx(np.sqrt(np.sum(s[r:] ** 2)), rel=1e-10)


def test_hosvd_validation():
    T = np.ones((3, 4, 2))
    assert [f.shape for f in hosvd(T, 3).factors] == [(3, 3), (4, 3), (2, 2)]
    with pytest.raises(ValueError, match="ranks must have one entry per mode"):
        hosvd(T, (1, 1))
    with pytest.raises(ValueError, match=r"ranks\[2\] must be at most"):
        hosvd(T, (1, 1, 3))


# ----------------------------------------------------------------------------- deep-learning contractions
def test_conv2d_contraction_matches_scipy_correlate():
    rng = np.random.default_rng(18)
    X = rng.standard_normal((2, 3, 6, 7))
    K = rng.standard_normal((4, 3, 3, 2))
    Y = conv2d_contraction(X, K)
    assert Y.shape == (2, 4, 4, 6)
    for n in range(2):
        for o in range(4):
            ref = sum(scipy.signal.correlate2d(X[n, c], K[o, c], mode="valid") for c in range(3))
            np.testing.assert_allclose(Y[n, o], ref)
    with pytest.raises(ValueError, match="input channels"):
        conv2d_contraction(X, rng.standard_normal((4, 2, 3, 3)))
    with pytest.raises(ValueError, match="larger than the image"):
        conv2d_contraction(X, rng.standard_normal((1, 3, 7, 1)))


def test_attention_scores_match_batched_matmul():
    rng = np.random.default_rng(19)
    Q, K = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 4))
    S = attention_scores(Q, K)
    np.testing.assert_allclose(S, Q @ np.swapaxes(K, -1, -2))
    np.testing.assert_allclose(attention_scores(Q, K, scale=True), S / 2.0)
    assert S.shape == (2, 3, 5, 5)
    with pytest.raises(ValueError, match="share"):
        attention_scores(Q, K[..., :3])
