"""Finite Markov chains: propagation of distributions, stationary laws and simulation
(chapter 1.3).

A chain on states ``0..K-1`` is given by its row-stochastic transition matrix,
``P[i, j] = P(X_{t+1} = j | X_t = i)``. Distributions are *row* vectors and evolve by
``pi_{n+1} = pi_n P``.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numba
import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_rng
from ..fmt import exact_array

__all__ = [
    "check_transition_matrix",
    "propagate",
    "distribution_path",
    "stationary_distribution",
    "stationary_distribution_exact",
    "simulate_chain",
    "empirical_transition_matrix",
]


def check_transition_matrix(P: Any, name: str = "P") -> np.ndarray:
    """Return ``P`` as a float array after checking it is square, non-negative, rows summing to 1."""
    A = check_finite(as_float_array(P, name, ndim=2), name)
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {A.shape}")
    if np.any(A < 0):
        raise ValueError(f"{name} must have non-negative entries")
    rows = A.sum(axis=1)
    if not np.allclose(rows, 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"every row of {name} must sum to 1, got row sums {rows}")
    return A


def _check_dist(pi0: Any, K: int, name: str = "pi0") -> np.ndarray:
    p = check_finite(as_float_array(pi0, name, ndim=1), name)
    if p.shape[0] != K:
        raise ValueError(f"{name} must have {K} entries, got {p.shape[0]}")
    if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must be a probability vector (non-negative, summing to 1)")
    return p


def distribution_path(P: Any, pi0: Any, n: int, *, exact_arithmetic: bool = False) -> np.ndarray:
    """Rows ``pi_0, pi_1, ..., pi_n`` with ``pi_{k+1} = pi_k P``.

    With ``exact_arithmetic=True`` the inputs are read as the decimals a reader sees and
    the result is an object array of :class:`~fractions.Fraction` (so ``pi_2`` of the
    weather chain prints ``[0.72, 0.28]``, not ``0.7200000000000001``).

    Returns
    -------
    numpy.ndarray, shape (n + 1, K)
    """
    A = check_transition_matrix(P)
    K = A.shape[0]
    p = _check_dist(pi0, K)
    n = check_int(n, "n", minimum=0)
    if exact_arithmetic:
        Ae = exact_array(np.asarray(P, dtype=object))
        pe = exact_array(np.asarray(pi0, dtype=object))
        if any(sum(r, Fraction(0)) != 1 for r in Ae) or sum(pe, Fraction(0)) != 1:
            raise ValueError("exact_arithmetic needs rows of P and pi0 that sum exactly to 1")
        out = np.empty((n + 1, K), dtype=object)
        out[0] = pe
        for k in range(n):
            out[k + 1] = out[k] @ Ae
        return out
    out = np.empty((n + 1, K))
    out[0] = p
    for k in range(n):
        out[k + 1] = out[k] @ A
    return out


def propagate(P: Any, pi0: Any, n: int, *, exact_arithmetic: bool = False) -> np.ndarray:
    """The distribution ``pi_n = pi_0 P^n`` after ``n`` steps (see :func:`distribution_path`)."""
    return distribution_path(P, pi0, n, exact_arithmetic=exact_arithmetic)[-1]


def stationary_distribution(P: Any) -> np.ndarray:
    """Numerical stationary law: solve ``pi (P - I) = 0`` together with ``sum(pi) = 1``.

    The K + 1 equations (K balance equations, one normalisation) are solved by least
    squares; the solution is unique when the chain has a single closed class, and a
    ``ValueError`` is raised otherwise.
    """
    A = check_transition_matrix(P)
    K = A.shape[0]
    M = np.vstack([(A - np.eye(K)).T, np.ones((1, K))])
    rhs = np.zeros(K + 1)
    rhs[-1] = 1.0
    pi, _, rank, _ = np.linalg.lstsq(M, rhs, rcond=None)
    if rank < K:
        raise ValueError("P has more than one stationary distribution (several closed classes)")
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def stationary_distribution_exact(P: Any) -> list:
    """Exact stationary law with sympy: the null space of ``(P - I)^T`` normalised to sum 1.

    Entries of ``P`` are read as the decimals a reader sees, so the weather chain
    ``[[0.8, 0.2], [0.4, 0.6]]`` gives ``[2/3, 1/3]`` exactly.

    Returns
    -------
    list of sympy.Rational
    """
    import sympy as sp

    check_transition_matrix(P)
    Ae = exact_array(np.asarray(P, dtype=object))
    K = Ae.shape[0]
    if any(sum(r, Fraction(0)) != 1 for r in Ae):
        raise ValueError("rows of P must sum exactly to 1 for an exact stationary law")
    S = sp.Matrix(K, K, lambda i, j: sp.Rational(Ae[i, j].numerator, Ae[i, j].denominator))
    null = (S - sp.eye(K)).T.nullspace()
    if len(null) != 1:
        raise ValueError(f"P has {len(null)} independent stationary vectors; the stationary law is not unique")
    v = null[0]
    total = sum(v)
    return [sp.Rational(x / total) for x in v]


@numba.njit(cache=True)
def _chain_kernel(cum: np.ndarray, x0: int, u: np.ndarray) -> np.ndarray:
    n = u.shape[0]
    K = cum.shape[1]
    out = np.empty(n + 1, dtype=np.int64)
    out[0] = x0
    s = x0
    for k in range(n):
        j = 0
        while j < K - 1 and u[k] >= cum[s, j]:
            j += 1
        s = j
        out[k + 1] = s
    return out


def simulate_chain(P: Any, x0: int, n_steps: int, rng: Any) -> np.ndarray:
    """One path ``X_0 = x0, X_1, ..., X_n`` of the chain (compiled with numba).

    Each step draws a uniform ``U`` and moves to the first state ``j`` whose cumulative
    row probability ``P[s, 0] + ... + P[s, j]`` exceeds ``U``.

    Returns
    -------
    numpy.ndarray of int64, shape (n_steps + 1,)
    """
    A = check_transition_matrix(P)
    K = A.shape[0]
    x0 = check_int(x0, "x0", minimum=0)
    if x0 >= K:
        raise ValueError(f"x0 must be a state in 0..{K - 1}, got {x0}")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    rng = check_rng(rng)
    cum = np.cumsum(A, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(n_steps)
    return _chain_kernel(np.ascontiguousarray(cum), x0, u)


def empirical_transition_matrix(path: Any, K: int) -> np.ndarray:
    """Transition frequencies ``#(i -> j) / #(i -> anything)`` counted along a path.

    Rows of states that the path never leaves are NaN.
    """
    x = np.asarray(path)
    if x.ndim != 1 or x.size < 2 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError("path must be a 1-D integer array with at least 2 states")
    K = check_int(K, "K", minimum=1)
    if x.min() < 0 or x.max() >= K:
        raise ValueError(f"path states must lie in 0..{K - 1}")
    counts = np.zeros((K, K))
    np.add.at(counts, (x[:-1], x[1:]), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / rows
