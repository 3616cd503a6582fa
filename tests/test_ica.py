"""Tests of lessonlib.ica against independent references.

References: sympy's exact inverse of the lecture's mixing matrix, numpy's condition
number and covariance, a brute-force search over rotations for the two-source FastICA
problem, closed forms of the Amari index and of Gaussian mutual information / total
correlation, and scipy's relative entropy for exactly discrete tables.
"""
from __future__ import annotations

import doctest

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

from lessonlib import ica
from lessonlib.ica import (
    amari_index,
    center,
    condition_number,
    entropy_hist,
    fastica,
    make_sources,
    match_sources,
    mix,
    mutual_information_hist,
    total_correlation_hist,
    unmix,
    whiten,
)

W_SLIDE = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.2], [0.03, 0.1, 0.5]])
W_EXACT = sp.Matrix([[sp.Rational(7, 10), sp.Rational(1, 5), sp.Rational(1, 10)],
                     [sp.Rational(1, 10), sp.Rational(4, 5), sp.Rational(1, 5)],
                     [sp.Rational(3, 100), sp.Rational(1, 10), sp.Rational(1, 2)]])

FAST = settings(max_examples=25, deadline=None)


def test_doctests():
    result = doctest.testmod(ica, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- mix / unmix
def test_mix_matches_the_slide_equations():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 7))
    Y = mix(W_SLIDE, X)
    # the three equations of the slide, written out
    np.testing.assert_allclose(Y[0], 0.7 * X[0] + 0.2 * X[1] + 0.1 * X[2], rtol=1e-14)
    np.testing.assert_allclose(Y[1], 0.1 * X[0] + 0.8 * X[1] + 0.2 * X[2], rtol=1e-14)
    np.testing.assert_allclose(Y[2], 0.03 * X[0] + 0.1 * X[1] + 0.5 * X[2], rtol=1e-14)


def test_unmix_identity_gives_the_exact_inverse():
    inv_exact = np.array(W_EXACT.inv().evalf(30).tolist(), dtype=float)
    np.testing.assert_allclose(unmix(W_SLIDE, np.eye(3)), inv_exact, rtol=1e-13)
    # the 4-decimal inverse listed in the content map (EX-L1-1)
    listed = [[1.4855, -0.3518, -0.1564], [-0.1720, 1.3565, -0.5082], [-0.0547, -0.2502, 2.1110]]
    np.testing.assert_allclose(np.round(inv_exact, 4), listed, atol=0)
    assert W_EXACT.det() == sp.Rational(2558, 10000)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 50))
def test_unmix_undoes_mix(seed, n):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, n))
    np.testing.assert_allclose(unmix(W_SLIDE, mix(W_SLIDE, X)), X, atol=1e-12)


def test_mix_unmix_argument_errors():
    with pytest.raises(ValueError, match="columns"):
        mix(W_SLIDE, np.ones((2, 4)))
    with pytest.raises(ValueError, match="square"):
        unmix(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="singular"):
        unmix([[1.0, 2.0], [2.0, 4.0]], np.ones((2, 3)))
    with pytest.raises(ValueError, match="W must have 2"):
        mix([1.0, 2.0], np.ones((2, 3)))
    with pytest.raises(TypeError, match="X"):
        mix(W_SLIDE, "abc")


def test_condition_number_against_numpy_and_closed_form():
    assert condition_number(W_SLIDE) == pytest.approx(np.linalg.cond(W_SLIDE, 2), rel=1e-13)
    assert round(condition_number(W_SLIDE), 2) == 2.20  # EX-L1-1 of the content map
    assert condition_number(np.diag([4.0, -0.5, 2.0])) == pytest.approx(8.0, rel=1e-14)
    assert condition_number([[1.0, 2.0], [2.0, 4.0]]) > 1e15 or np.isinf(condition_number([[1.0, 2.0], [2.0, 4.0]]))
    assert condition_number(np.zeros((2, 2))) == np.inf


@FAST
@given(st.integers(0, 2**32 - 1), st.floats(0.01, 100.0))
def test_condition_number_invariants(seed, c):
    M = np.random.default_rng(seed).standard_normal((4, 4))
    k = condition_number(M)
    assert k >= 1.0 - 1e-12
    assert condition_number(c * M) == pytest.approx(k, rel=1e-9)
    assert condition_number(M.T) == pytest.approx(k, rel=1e-9)


# --------------------------------------------------------------------------- sources, whitening
def test_make_sources_closed_form():
    t, S = make_sources(801, t_max=8.0)
    assert S.shape == (3, 801) and t[0] == 0.0 and t[-1] == 8.0
    np.testing.assert_allclose(S[0], np.sin(2 * t), rtol=0, atol=1e-15)
    assert set(np.unique(S[1])) == {-1.0, 1.0}
    np.testing.assert_array_equal(S[1], np.where(np.sin(3 * t) >= 0, 1.0, -1.0))
    np.testing.assert_allclose(S[2], 2 * (t % 1.0) - 1, atol=1e-12)
    assert S[2].min() >= -1 and S[2].max() < 1
    with pytest.raises(ValueError, match="n_samples"):
        make_sources(1)
    with pytest.raises(ValueError, match="t_max"):
        make_sources(10, t_max=-1.0)


def test_center_matches_numpy():
    Y = np.random.default_rng(3).normal(5.0, 2.0, (3, 100))
    Yc, mean = center(Y)
    np.testing.assert_allclose(mean, Y.mean(axis=1))
    np.testing.assert_allclose(Yc.mean(axis=1), 0.0, atol=1e-13)
    np.testing.assert_allclose(Yc + mean[:, None], Y, rtol=1e-15)


@FAST
@given(st.integers(0, 2**32 - 1))
def test_whiten_gives_identity_covariance(seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    Y = M @ rng.standard_normal((3, 400)) + rng.standard_normal((3, 1))
    Z, V, mean = whiten(Y)
    np.testing.assert_allclose(np.cov(Z, bias=True), np.eye(3), atol=1e-10)
    np.testing.assert_allclose(Z, V @ (Y - mean[:, None]), atol=1e-12)
    # V^T V is the inverse covariance (numpy's covariance as the reference)
    np.testing.assert_allclose(V.T @ V, np.linalg.inv(np.cov(Y, bias=True)), rtol=1e-8, atol=1e-10)


def test_whiten_reduces_to_leading_components_and_checks_rank():
    rng = np.random.default_rng(4)
    Y = np.diag([3.0, 2.0, 1.0]) @ rng.standard_normal((3, 5000))
    Z, V, _ = whiten(Y, n_components=2)
    assert Z.shape == (2, 5000) and V.shape == (2, 3)
    # the kept directions are the two largest-variance axes (1st and 2nd coordinate)
    assert np.all(np.abs(V[:, 2]) < 0.05)
    with pytest.raises(ValueError, match="rank deficient"):
        whiten(np.vstack([Y[0], Y[0], Y[1]]))
    with pytest.raises(ValueError, match="n_components"):
        whiten(Y, n_components=4)


# --------------------------------------------------------------------------- FastICA
def _rotation_angle(B):
    """Angle of a 2 x 2 orthogonal matrix modulo pi/2 (ICA cannot tell rotations by pi/2 apart)."""
    return float(np.mod(np.arctan2(B[0, 1], B[0, 0]), np.pi / 2))


def test_fastica_two_sources_matches_rotation_search():
    # Two sub-Gaussian (uniform) sources: after whitening, separation is a rotation, and
    # symmetric FastICA's fixed points are the stationary points of
    # h(a) = E log cosh(u1) + E log cosh(u2) over the rotation angle a, whose maximum
    # is at the separating angle. We find that maximum by brute force.
    rng = np.random.default_rng(7)
    n = 5000
    S = rng.uniform(-np.sqrt(3), np.sqrt(3), (2, n))
    A = np.array([[1.0, 0.6], [0.4, 1.0]])
    Y = A @ S
    res = fastica(Y, rng=11)
    Z, V, _ = whiten(Y)
    B = res.unmixing @ np.linalg.inv(V)
    np.testing.assert_allclose(B @ B.T, np.eye(2), atol=1e-10)

    def h(a):
        c, s = np.cos(a), np.sin(a)
        u1 = c * Z[0] + s * Z[1]
        u2 = -s * Z[0] + c * Z[1]
        return np.mean(np.log(np.cosh(u1))) + np.mean(np.log(np.cosh(u2)))

    grid = np.linspace(0, np.pi / 2, 721, endpoint=False)
    best = grid[np.argmax([h(a) for a in grid])]
    ref = optimize.minimize_scalar(lambda a: -h(a), bounds=(best - 0.01, best + 0.01), method="bounded",
                                   options={"xatol": 1e-10}).x
    got = _rotation_angle(B)
    d = abs(got - np.mod(ref, np.pi / 2))
    assert min(d, np.pi / 2 - d) < 1e-5
    # and the recovered sources are the true ones up to order and sign
    assert match_sources(S, res.sources).corr.min() > 0.999


def test_fastica_recovers_lecture_sources():
    t, S = make_sources(20000, t_max=40.0)
    Y = mix(W_SLIDE, S)
    for contrast in ("logcosh", "exp", "cube"):
        res = fastica(Y, rng=2026, contrast=contrast)
        assert res.converged
        m = match_sources(S, res.sources)
        # sources are deterministic, non-Gaussian and nearly uncorrelated over 40 s:
        # separation is limited only by their residual sample correlation (< 0.01)
        assert m.corr.min() > 0.995, contrast
        assert amari_index(res.unmixing @ W_SLIDE) < 0.03, contrast
        np.testing.assert_allclose(np.cov(res.sources, bias=True), np.eye(3), atol=1e-9)
        np.testing.assert_allclose(res.sources, res.unmixing @ (Y - res.mean[:, None]), atol=1e-10)
        np.testing.assert_allclose(res.mixing @ res.unmixing, np.eye(3), atol=1e-9)


def test_fastica_result_is_a_fixed_point():
    t, S = make_sources(5000, t_max=40.0)
    Y = mix(W_SLIDE, S)
    res = fastica(Y, rng=5, tol=1e-12)
    Z, V, _ = whiten(Y)
    B = res.unmixing @ np.linalg.inv(V)
    U = B @ Z
    g = np.tanh(U)
    M = g @ Z.T / Z.shape[1] - (1 - g**2).mean(axis=1)[:, None] * B
    s, Q = np.linalg.eigh(M @ M.T)
    B_next = (Q / np.sqrt(s)) @ Q.T @ M
    np.testing.assert_allclose(np.abs(np.sum(B_next * B, axis=1)), 1.0, atol=1e-8)


def test_fastica_is_reproducible_and_seed_independent_up_to_ambiguity():
    t, S = make_sources(4000, t_max=40.0)
    Y = mix(W_SLIDE, S)
    a = fastica(Y, rng=1)
    b = fastica(Y, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.sources, b.sources)
    c = fastica(Y, rng=99)
    assert match_sources(a.sources, c.sources).corr.min() > 0.9999


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_fastica_is_equivariant(seed):
    # Mixing the mixtures again by any well-conditioned matrix changes nothing blind
    # separation can see: the same sources come out, up to order and sign.
    rng = np.random.default_rng(seed)
    q1, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    q2, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    M = q1 @ np.diag(rng.uniform(0.3, 3.0, 3)) @ q2
    t, S = make_sources(3000, t_max=40.0)
    Y = mix(W_SLIDE, S)
    a = fastica(Y, rng=0)
    b = fastica(M @ Y, rng=0)
    assert match_sources(a.sources, b.sources).corr.min() > 0.9999


def test_fastica_arguments():
    Y = mix(W_SLIDE, make_sources(500)[1])
    with pytest.raises(TypeError, match="rng"):
        fastica(Y, rng=None)
    with pytest.raises(ValueError, match="contrast"):
        fastica(Y, rng=0, contrast="tanh")
    assert not fastica(Y, rng=0, max_iter=1).converged
    res = fastica(Y, n_components=2, rng=0)
    assert res.sources.shape == (2, 500) and res.mixing.shape == (3, 2)


# --------------------------------------------------------------------------- matching, Amari
@FAST
@given(st.permutations([0, 1, 2]), st.lists(st.floats(0.2, 5.0), min_size=3, max_size=3),
       st.lists(st.sampled_from([-1.0, 1.0]), min_size=3, max_size=3), st.floats(-3, 3))
def test_match_sources_undoes_permutation_scale_sign(perm, scales, signs, offset):
    t, S = make_sources(1000, t_max=40.0)
    d = np.array(scales) * np.array(signs)
    S_hat = d[:, None] * S[list(perm)] + offset
    m = match_sources(S, S_hat)
    # S_hat[j] = d_j S[perm[j]]: true source i sits in row perm^{-1}(i), with factor 1/d
    inv = np.argsort(perm)
    np.testing.assert_array_equal(m.perm, inv)
    np.testing.assert_allclose(m.scale, 1.0 / d[inv], rtol=1e-10)
    np.testing.assert_allclose(m.aligned, S, atol=1e-10)
    np.testing.assert_allclose(m.corr, 1.0, atol=1e-12)
    assert np.all(m.rel_error < 1e-10)


def test_match_sources_errors():
    S = make_sources(100)[1]
    with pytest.raises(ValueError, match="same shape"):
        match_sources(S, S[:2])
    with pytest.raises(ValueError, match="constant"):
        match_sources(S, np.vstack([S[:2], np.ones(100)]))


def test_amari_index_closed_forms():
    for a in (0.0, 0.25, 1.0):
        # rows: a and 0; columns: 0 and a  ->  2a / (2 * 2 * 1)
        assert amari_index([[1.0, a], [0.0, 1.0]]) == pytest.approx(a / 2, abs=1e-15)
    assert amari_index(np.ones((4, 4))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="zero row"):
        amari_index([[1.0, 0.0], [0.0, 0.0]])


@FAST
@given(st.permutations([0, 1, 2, 3]), st.lists(st.floats(0.1, 10.0), min_size=4, max_size=4),
       st.integers(0, 2**32 - 1))
def test_amari_index_invariances(perm, scales, seed):
    P = np.eye(4)[list(perm)] * np.array(scales)
    assert amari_index(P) == pytest.approx(0.0, abs=1e-14)
    M = np.random.default_rng(seed).standard_normal((4, 4))
    v = amari_index(M)
    assert 0.0 <= v <= 1.0
    # relabelling the estimates (rows) or the sources (columns) changes nothing
    assert amari_index(M[list(perm)][:, list(perm[::-1])]) == pytest.approx(v, rel=1e-12)
    # a scaled identity is perfect, a matrix with one full row is not
    assert amari_index(np.diag(scales) + np.outer(np.eye(4)[0], np.ones(4))) > 0


# --------------------------------------------------------------------------- information
def test_entropy_hist_against_scipy_and_uniform():
    x = np.random.default_rng(0).standard_normal(1000)
    counts, _ = np.histogram(x, bins=20)
    assert entropy_hist(x, 20) == pytest.approx(stats.entropy(counts), rel=1e-12)
    # one point at each bin centre: the uniform distribution on 10 bins
    assert entropy_hist(np.arange(10.0), 10) == pytest.approx(np.log(10), rel=1e-12)


def test_mutual_information_of_an_exact_discrete_table():
    # x, y in {0, 1} with counts [[40, 10], [20, 30]]: with 2 bins the histogram *is*
    # the table, so the estimate must equal sum p log(p / (p_x p_y)) exactly.
    table = np.array([[40, 10], [20, 30]])
    xs, ys = [], []
    for i in range(2):
        for j in range(2):
            xs += [i] * table[i, j]
            ys += [j] * table[i, j]
    p = table / table.sum()
    ref = special.rel_entr(p, np.outer(p.sum(1), p.sum(0))).sum()
    assert mutual_information_hist(xs, ys, bins=2) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8])
def test_mutual_information_gaussian_closed_form(rho):
    # I = -1/2 log(1 - rho^2). With n = 1e5 and 30 bins the plug-in estimate is off by
    # the discretisation (about -0.01 at rho = 0.8) and the finite-sample bias
    # (bins-1)^2 / (2n) = 0.004; 0.02 nats covers both with room.
    rng = np.random.default_rng(12)
    R = np.array([[1.0, rho], [rho, 1.0]])
    X = np.linalg.cholesky(R) @ rng.standard_normal((2, 100_000))
    assert mutual_information_hist(X[0], X[1], bins=30) == pytest.approx(-0.5 * np.log(1 - rho**2), abs=0.02)


def test_total_correlation_gaussian_closed_form():
    # TC = -1/2 log det R for a Gaussian with correlation matrix R; 20 bins per axis,
    # n = 2e5 (bias about 8000 / 4e5 = 0.02 up, discretisation a little down).
    R = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    X = np.linalg.cholesky(R) @ np.random.default_rng(13).standard_normal((3, 200_000))
    assert total_correlation_hist(X, bins=20) == pytest.approx(-0.5 * np.log(np.linalg.det(R)), abs=0.02)


def test_mutual_information_identities():
    x = np.random.default_rng(14).standard_normal(5000)
    y = x**3 + 0.1 * np.random.default_rng(15).standard_normal(5000)
    assert mutual_information_hist(x, x, 16) == pytest.approx(entropy_hist(x, 16), rel=1e-12)
    assert mutual_information_hist(x, y, 16) == pytest.approx(mutual_information_hist(y, x, 16), rel=1e-12)
    assert mutual_information_hist(x, y, 16) == pytest.approx(total_correlation_hist(np.vstack([x, y]), 16), rel=1e-12)
    with pytest.raises(ValueError, match="same length"):
        mutual_information_hist(x, y[:10])


@FAST
@given(st.integers(0, 2**32 - 1), st.permutations([0, 1, 2]), st.floats(0.1, 10.0))
def test_total_correlation_invariants(seed, perm, scale):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 3)) @ rng.standard_normal((3, 2000))
    tc = total_correlation_hist(X, 6)
    assert tc >= 0.0
    assert total_correlation_hist(X[list(perm)], 6) == pytest.approx(tc, rel=1e-9, abs=1e-12)
    # equal-width bins over the data range do not see a positive rescaling and shift
    assert total_correlation_hist(scale * X + 1.0, 6) == pytest.approx(tc, rel=1e-6, abs=1e-9)
    assert tc <= 2 * np.log(6) + 1e-12  # at most sum of all but the largest marginal entropy


def test_separation_lowers_total_correlation():
    # The lecture's claim: mixtures are dependent, separated sources are not.
    t, S = make_sources(20000, t_max=40.0)
    Y = mix(W_SLIDE, S)
    res = fastica(Y, rng=2026)
    tc_y = total_correlation_hist(Y)
    tc_s = total_correlation_hist(S)
    tc_hat = total_correlation_hist(res.sources)
    assert tc_y > 10 * max(tc_s, tc_hat)
    assert tc_hat < 0.05 and tc_s < 0.05


def test_information_argument_errors():
    with pytest.raises(ValueError, match="at least 2 rows"):
        total_correlation_hist(np.ones((1, 10)))
    with pytest.raises(ValueError, match="finite"):
        entropy_hist([1.0, np.nan])
    with pytest.raises(ValueError, match="bins"):
        entropy_hist([1.0, 2.0], bins=0)

