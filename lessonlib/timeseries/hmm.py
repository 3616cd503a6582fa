"""Hidden Markov models: sampling, the forward algorithm, forward–backward, Viterbi, Baum–Welch.

A hidden chain ``z_t in {0, ..., K-1}`` with initial law ``pi`` and transition matrix
``A[i, j] = p(z_t = j | z_{t-1} = i)`` emits ``y_t ~ p(y | z_t)``. The inference
routines take the emission log-densities as a matrix ``log_b[t, j] = log p(y_t | z_t = j)``,
so they work for any emission family; :func:`gaussian_log_emissions` builds it for
Gaussian emissions. The forward recursion is normalised at every step (Rabiner's
scaling), so long series do not underflow.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_float_array, check_int, check_rng

__all__ = [
    "hmm_sample",
    "gaussian_log_emissions",
    "ForwardResult",
    "hmm_forward",
    "hmm_backward",
    "hmm_posterior",
    "viterbi",
    "BaumWelchResult",
    "baum_welch_gaussian",
]


def _check_chain(pi, A) -> tuple[np.ndarray, np.ndarray]:
    pi = as_float_array(pi, "pi", ndim=1)
    A = as_float_array(A, "A", ndim=2)
    K = pi.shape[0]
    if A.shape != (K, K):
        raise ValueError(f"A must have shape ({K}, {K}) to match pi, got {A.shape}")
    if np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
        raise ValueError("pi must be a probability vector")
    if np.any(A < 0) or not np.allclose(A.sum(axis=1), 1.0):
        raise ValueError("A must be row-stochastic (non-negative rows summing to 1)")
    return pi, A


def _check_logb(log_b, K: int) -> np.ndarray:
    log_b = as_float_array(log_b, "log_b", ndim=2)
    if log_b.shape[1] != K:
        raise ValueError(f"log_b must have {K} columns, got {log_b.shape[1]}")
    if log_b.shape[0] == 0:
        raise ValueError("log_b must have at least one row")
    return log_b


def hmm_sample(pi, A, means, sds, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Sample hidden states ``z`` (ints) and Gaussian observations ``y_t ~ N(means[z_t], sds[z_t]^2)``."""
    pi, A = _check_chain(pi, A)
    means = as_float_array(means, "means", ndim=1)
    sds = as_float_array(sds, "sds", ndim=1)
    K = pi.shape[0]
    if means.shape != (K,) or sds.shape != (K,):
        raise ValueError(f"means and sds must have {K} entries")
    if np.any(sds <= 0):
        raise ValueError("sds must be > 0")
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    z = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    cum_A = np.cumsum(A, axis=1)
    z[0] = min(int(np.searchsorted(np.cumsum(pi), u[0], side="right")), K - 1)
    for t in range(1, n):
        z[t] = min(int(np.searchsorted(cum_A[z[t - 1]], u[t], side="right")), K - 1)
    y = means[z] + sds[z] * rng.standard_normal(n)
    return z, y


def gaussian_log_emissions(y, means, sds) -> np.ndarray:
    """``log_b[t, j] = log N(y_t; means[j], sds[j]^2)``, shape (n, K)."""
    y = as_float_array(y, "y", ndim=1)
    means = as_float_array(means, "means", ndim=1)
    sds = as_float_array(sds, "sds", ndim=1)
    if np.any(sds <= 0):
        raise ValueError("sds must be > 0")
    zz = (y[:, None] - means[None, :]) / sds[None, :]
    return -0.5 * zz * zz - np.log(sds)[None, :] - 0.5 * np.log(2.0 * np.pi)


class ForwardResult(NamedTuple):
    """Scaled forward pass: ``filtered[t, j] = p(z_t = j | y_{1:t})``; ``log_scale[t] = log p(y_t | y_{1:t-1})``."""

    filtered: np.ndarray
    log_scale: np.ndarray

    @property
    def loglik(self) -> float:
        """``log p(y_{1:n}) = sum_t log p(y_t | y_{1:t-1})``."""
        return float(self.log_scale.sum())


def hmm_forward(pi, A, log_b) -> ForwardResult:
    """Forward algorithm (likelihood evaluation, Rabiner's problem 1).

    ``alpha_t(j) = p(y_{1:t}, z_t = j)`` obeys ``alpha_1 = pi * b_1`` and
    ``alpha_t = (alpha_{t-1} A) * b_t``; each step is divided by its sum ``c_t``, and
    ``log p(y_{1:n}) = sum_t log c_t``. Cost ``O(n K^2)`` instead of ``K^n`` paths.
    """
    pi, A = _check_chain(pi, A)
    log_b = _check_logb(log_b, pi.shape[0])
    n, K = log_b.shape
    filt = np.zeros((n, K))
    log_c = np.zeros(n)
    prev = None
    for t in range(n):
        shift = log_b[t].max()
        b = np.exp(log_b[t] - shift)
        a = (pi if t == 0 else prev @ A) * b
        c = a.sum()
        if c <= 0:
            raise ValueError(f"observation {t} has zero probability under every state")
        filt[t] = a / c
        log_c[t] = np.log(c) + shift
        prev = filt[t]
    return ForwardResult(filt, log_c)


def hmm_backward(A, log_b, log_scale) -> np.ndarray:
    """Scaled backward pass: ``beta_hat[t, i] = p(y_{t+1:n} | z_t = i) / p(y_{t+1:n} | y_{1:t})``."""
    A = as_float_array(A, "A", ndim=2)
    log_b = _check_logb(log_b, A.shape[0])
    log_scale = as_float_array(log_scale, "log_scale", ndim=1)
    n, K = log_b.shape
    beta = np.ones((n, K))
    for t in range(n - 2, -1, -1):
        b = np.exp(log_b[t + 1] - log_scale[t + 1])
        beta[t] = A @ (b * beta[t + 1])
    return beta


def hmm_posterior(pi, A, log_b) -> tuple[np.ndarray, np.ndarray, float]:
    """Forward–backward smoothing.

    Returns
    -------
    gamma : numpy.ndarray, shape (n, K)
        ``p(z_t = j | y_{1:n})``.
    xi_sum : numpy.ndarray, shape (K, K)
        ``sum_t p(z_{t-1} = i, z_t = j | y_{1:n})`` (expected transition counts).
    loglik : float
        ``log p(y_{1:n})``.
    """
    pi, A = _check_chain(pi, A)
    log_b = _check_logb(log_b, pi.shape[0])
    fw = hmm_forward(pi, A, log_b)
    beta = hmm_backward(A, log_b, fw.log_scale)
    gamma = fw.filtered * beta
    gamma /= gamma.sum(axis=1, keepdims=True)
    n, K = log_b.shape
    xi_sum = np.zeros((K, K))
    for t in range(1, n):
        b = np.exp(log_b[t] - fw.log_scale[t])
        xi_sum += A * np.outer(fw.filtered[t - 1], b * beta[t])
    return gamma, xi_sum, fw.loglik


def viterbi(pi, A, log_b) -> tuple[np.ndarray, float]:
    """Most probable hidden path ``argmax_z p(z_{1:n} | y_{1:n})`` (Rabiner's problem 2).

    Dynamic programming in log space: ``delta_t(j) = max_i [delta_{t-1}(i) + log A_ij] + log b_t(j)``,
    with back-pointers. Returns the path and ``log p(z*_{1:n}, y_{1:n})``.
    """
    pi, A = _check_chain(pi, A)
    log_b = _check_logb(log_b, pi.shape[0])
    n, K = log_b.shape
    with np.errstate(divide="ignore"):
        log_pi, log_A = np.log(pi), np.log(A)
    delta = log_pi + log_b[0]
    back = np.zeros((n, K), dtype=np.int64)
    for t in range(1, n):
        cand = delta[:, None] + log_A
        back[t] = np.argmax(cand, axis=0)
        delta = cand[back[t], np.arange(K)] + log_b[t]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(delta))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path, float(delta.max())


class BaumWelchResult(NamedTuple):
    """Parameters estimated by :func:`baum_welch_gaussian` and the log-likelihood after each iteration."""

    pi: np.ndarray
    A: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    loglik: np.ndarray


def baum_welch_gaussian(y, pi, A, means, sds, *, n_iter: int = 50, tol: float = 1e-8,
                        min_sd: float = 1e-3) -> BaumWelchResult:
    """Baum–Welch (EM) for a Gaussian HMM, from the given starting values (Rabiner's problem 3).

    E-step: :func:`hmm_posterior`. M-step: ``pi = gamma_1``, ``A_ij`` proportional to the
    expected transitions, means and variances as ``gamma``-weighted averages.
    The log-likelihood never decreases from one iteration to the next (EM property).
    """
    y = as_float_array(y, "y", ndim=1)
    pi, A = _check_chain(pi, A)
    means = as_float_array(means, "means", ndim=1).copy()
    sds = as_float_array(sds, "sds", ndim=1).copy()
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    history = []
    for _ in range(n_iter):
        gamma, xi_sum, ll = hmm_posterior(pi, A, gaussian_log_emissions(y, means, sds))
        history.append(ll)
        pi = gamma[0] / gamma[0].sum()
        A = xi_sum / xi_sum.sum(axis=1, keepdims=True)
        w = gamma.sum(axis=0)
        means = (gamma * y[:, None]).sum(axis=0) / w
        sds = np.sqrt((gamma * (y[:, None] - means[None, :]) ** 2).sum(axis=0) / w)
        sds = np.maximum(sds, min_sd)
        if len(history) > 1 and abs(history[-1] - history[-2]) < tol * abs(history[-1]):
            break
    return BaumWelchResult(pi, A, means, sds, np.array(history))
