"""lessonlib.stochastic.markov against sympy, exact fractions and closed forms."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlib.stochastic.markov import (
    distribution_path,
    empirical_transition_matrix,
    propagate,
    simulate_chain,
    stationary_distribution,
    stationary_distribution_exact,
)

WEATHER = [[0.8, 0.2], [0.4, 0.6]]


def test_weather_chain_worked_example():
    path = distribution_path(WEATHER, [1, 0], 2, exact_arithmetic=True)
    assert list(path[1]) == [Fraction(4, 5), Fraction(1, 5)]
    assert list(path[2]) == [Fraction(18, 25), Fraction(7, 25)]
    assert stationary_distribution_exact(WEATHER) == [sp.Rational(2, 3), sp.Rational(1, 3)]
    np.testing.assert_allclose(stationary_distribution(WEATHER), [2 / 3, 1 / 3], rtol=1e-12)


def test_weather_chain_geometric_convergence():
    # pi_n(sunny) = 2/3 + (1/3) 0.4^n from pi_0 = [1, 0] (eigenvalues 1 and 0.4)
    path = distribution_path(WEATHER, [1, 0], 30)
    n = np.arange(31)
    np.testing.assert_allclose(path[:, 0], 2 / 3 + 0.4**n / 3, rtol=1e-12)


def test_propagate_equals_matrix_power():
    rng = np.random.default_rng(0)
    P = rng.random((4, 4))
    P /= P.sum(axis=1, keepdims=True)
    pi0 = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(propagate(P, pi0, 7), pi0 @ np.linalg.matrix_power(P, 7), rtol=1e-12)


@st.composite
def rational_chains(draw, kmax=4):
    K = draw(st.integers(2, kmax))
    rows = []
    for _ in range(K):
        w = draw(st.lists(st.integers(1, 9), min_size=K, max_size=K))  # all positive: irreducible
        rows.append([Fraction(x, sum(w)) for x in w])
    return rows


@given(rational_chains())
@settings(max_examples=25, deadline=None)
def test_exact_stationary_law_is_invariant_in_fractions(P):
    pi = [Fraction(int(v.p), int(v.q)) for v in stationary_distribution_exact(P)]
    K = len(P)
    assert sum(pi) == 1
    assert all(p > 0 for p in pi)
    # pi P = pi checked in exact Fraction arithmetic (independent of sympy)
    for j in range(K):
        assert sum(pi[i] * P[i][j] for i in range(K)) == pi[j]
    np.testing.assert_allclose(stationary_distribution(np.array(P, dtype=float)), [float(p) for p in pi], rtol=1e-9)


@given(st.fractions(min_value=Fraction(1, 100), max_value=1), st.fractions(min_value=Fraction(1, 100), max_value=1))
@settings(max_examples=25, deadline=None)
def test_two_state_closed_form(p, q):
    # [[1-p, p], [q, 1-q]] has stationary law [q/(p+q), p/(p+q)]
    P = [[1 - p, p], [q, 1 - q]]
    got = stationary_distribution_exact(P)
    assert got == [sp.Rational(q.numerator, q.denominator) / sp.Rational((p + q).numerator, (p + q).denominator),
                   sp.Rational(p.numerator, p.denominator) / sp.Rational((p + q).numerator, (p + q).denominator)]


def test_non_unique_stationary_law_is_refused():
    with pytest.raises(ValueError, match="not unique"):
        stationary_distribution_exact([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="more than one"):
        stationary_distribution(np.eye(3))


def test_simulated_chain_frequencies():
    n = 200_000
    path = simulate_chain(WEATHER, 0, n, 42)
    assert path.shape == (n + 1,) and path[0] == 0
    # the fraction of sunny days has asymptotic variance (2/9)(1+0.4)/(1-0.4)/n (lag correlations
    # 0.4^k), s.e. 0.0016; allow 5 s.e.
    se = np.sqrt(2 / 9 * 1.4 / 0.6 / n)
    assert np.mean(path == 0) == pytest.approx(2 / 3, abs=5 * se)
    # transition frequencies: binomial s.e. sqrt(p(1-p)/n_i) <= 0.0015; allow 5 s.e.
    np.testing.assert_allclose(empirical_transition_matrix(path, 2), WEATHER, atol=0.008)


def test_simulated_three_state_chain_matches_exact_law():
    P = [[0.5, 0.5, 0.0], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]
    pi = np.array([float(v) for v in stationary_distribution_exact(P)])
    path = simulate_chain(P, 2, 300_000, 7)
    freq = np.bincount(path, minlength=3) / path.size
    # correlated path: spectral gap ~0.3, effective sample size >= n/7, s.e. <= 0.0024; 5 s.e.
    np.testing.assert_allclose(freq, pi, atol=0.012)
    assert not np.any((path[:-1] == 0) & (path[1:] == 2))  # forbidden transition never happens


def test_chain_argument_errors():
    with pytest.raises(ValueError, match="sum to 1"):
        simulate_chain([[0.5, 0.4], [0.5, 0.5]], 0, 5, 0)
    with pytest.raises(ValueError, match="x0"):
        simulate_chain(WEATHER, 2, 5, 0)
    with pytest.raises(ValueError, match="pi0"):
        propagate(WEATHER, [0.5, 0.6], 1)


def test_numba_chain_kernel_matches_a_python_loop():
    """Same uniforms, same inverse-CDF rule: the compiled path equals a plain Python loop."""
    P = np.array([[0.5, 0.5, 0.0], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    path = simulate_chain(P, 1, 500, 99)
    u = np.random.default_rng(99).random(500)
    ref = [1]
    for k in range(500):
        ref.append(int(np.searchsorted(np.cumsum(P[ref[-1]]), u[k], side="right")))
    np.testing.assert_array_equal(path, ref)
