"""lessonlib.stochastic.sde against exact solutions, scipy and Higham's (2001) convergence orders."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats
from scipy.integrate import solve_ivp
from scipy.linalg import solve_continuous_lyapunov

from lessonlib.stochastic.sde import (
    brownian_paths,
    coarsen_increments,
    convergence_study,
    euler_maruyama,
    gbm_exact,
    milstein,
    ou_density,
    ou_exact_paths,
    ou_mean_var,
)


def test_brownian_paths_increments_and_covariance():
    t, W, dW = brownian_paths(20_000, 2.0, 50, 1)
    assert W.shape == (20_000, 51) and np.all(W[:, 0] == 0)
    np.testing.assert_allclose(np.diff(W, axis=1), dW, atol=1e-12)
    assert stats.kstest(dW[:, 7], stats.norm(0, np.sqrt(2.0 / 50)).cdf).pvalue > 1e-3
    # Cov(W_s, W_t) = min(s, t); sample covariance s.e. about sqrt(s t + s^2)/sqrt(n) <= 0.014; 5 s.e.
    c = np.mean(W[:, 10] * W[:, 40])
    assert c == pytest.approx(t[10], abs=0.07)


def test_coarsen_increments_sums_blocks():
    dW = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(coarsen_increments(dW, 3), [[3.0, 12.0], [21.0, 30.0]])
    with pytest.raises(ValueError, match="multiple"):
        coarsen_increments(dW, 4)


def test_euler_maruyama_is_exact_for_brownian_motion_with_drift():
    _, W, dW = brownian_paths(5, 1.0, 100, 3)
    t, X = euler_maruyama(lambda x, t: 0.7, lambda x, t: 0.3, 2.0, 1.0, 100, dW=dW)
    np.testing.assert_allclose(X, 2.0 + 0.7 * t + 0.3 * W, rtol=1e-12)


def test_euler_maruyama_without_noise_is_euler():
    t, X = euler_maruyama(lambda x, t: -x, lambda x, t: 0.0, 1.0, 1.0, 10, rng=0)
    np.testing.assert_allclose(X[0], 0.9 ** np.arange(11), rtol=1e-12)


def test_em_ou_chain_moments_match_the_exact_recursion():
    """EM on dX = -X dt + 0.5 dW with dt = 0.01 is X_{n+1} = 0.99 X_n + 0.05 Z_n."""
    t, X = euler_maruyama(lambda x, t: -x, lambda x, t: 0.5, 1.0, 3.0, 300, rng=5, n_paths=20_000)
    n = np.arange(301)
    mean = 0.99**n
    var = 0.05**2 * (1 - 0.99 ** (2 * n)) / (1 - 0.99**2)
    m, v = X.mean(0), X.var(0)
    # mean: s.e. sqrt(var/20000) <= 0.0025; variance: s.e. var*sqrt(2/20000) <= 0.0013; 5 s.e.
    assert np.all(np.abs(m - mean) < 5 * np.sqrt(var / 20_000) + 1e-12)
    assert np.all(np.abs(v - var) < 5 * var * np.sqrt(2 / 20_000) + 1e-12)


def test_ou_moments_match_the_moment_odes():
    theta, mu, sigma, x0 = 1.3, 0.4, 0.8, -1.0
    ts = np.linspace(0, 3, 7)
    sol = solve_ivp(lambda t, y: [theta * (mu - y[0]), -2 * theta * y[1] + sigma**2], (0, 3), [x0, 0.0],
                    t_eval=ts, rtol=1e-11, atol=1e-13)
    m, v = ou_mean_var(x0, theta, mu, sigma, ts)
    np.testing.assert_allclose(m, sol.y[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(v, sol.y[1], rtol=1e-8, atol=1e-10)


def test_ou_density_solves_fokker_planck_symbolically():
    x, t, x0, th, mu, s = sp.symbols("x t x0 theta mu sigma", positive=True)
    m = mu + (x0 - mu) * sp.exp(-th * t)
    v = s**2 / (2 * th) * (1 - sp.exp(-2 * th * t))
    p = sp.exp(-(x - m) ** 2 / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    fp = sp.diff(p, t) + sp.diff(th * (mu - x) * p, x) - s**2 / 2 * sp.diff(p, x, 2)
    assert sp.simplify(fp / p) == 0
    # and the numerical density is that p
    f = sp.lambdify((x, t, x0, th, mu, s), p)
    xs = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(ou_density(xs, 0.7, 1.0, 1.3, 0.2, 0.6), f(xs, 0.7, 1.0, 1.3, 0.2, 0.6), rtol=1e-12)


def test_ou_exact_paths_have_the_exact_law():
    t, X = ou_exact_paths(2.0, 0.8, -0.5, 0.6, 2.0, 40, 20_000, 4)
    m, v = ou_mean_var(2.0, 0.8, -0.5, 0.6, 2.0)
    assert stats.kstest(X[:, -1], stats.norm(m, np.sqrt(v)).cdf).pvalue > 1e-3


def test_milstein_reduces_to_em_for_additive_noise():
    _, _, dW = brownian_paths(3, 1.0, 64, 2)
    a = euler_maruyama(lambda x, t: np.sin(x), lambda x, t: 0.4, 0.1, 1.0, 64, dW=dW)[1]
    b = milstein(lambda x, t: np.sin(x), lambda x, t: 0.4, lambda x, t: 0.0, 0.1, 1.0, 64, dW=dW)[1]
    np.testing.assert_array_equal(a, b)


def test_milstein_tracks_gbm_paths_better_than_em():
    lam, mu = 2.0, 1.0
    t, W, dW = brownian_paths(2000, 1.0, 256, 9)
    exact = gbm_exact(1.0, lam, mu, 1.0, W[:, -1])
    em = euler_maruyama(lambda x, t: lam * x, lambda x, t: mu * x, 1.0, 1.0, 256, dW=dW)[1][:, -1]
    mil = milstein(lambda x, t: lam * x, lambda x, t: mu * x, lambda x, t: mu, 1.0, 1.0, 256, dW=dW)[1][:, -1]
    e_em, e_mil = np.mean(np.abs(em - exact)), np.mean(np.abs(mil - exact))
    assert e_mil < e_em / 3  # at dt = 1/256: strong errors about 0.33 and 0.07
    assert e_mil < 0.12


def test_vector_em_ou_reaches_the_lyapunov_covariance():
    A = np.array([[-1.0, 0.5], [0.0, -2.0]])
    G = np.array([[0.5, 0.0, 0.2], [0.3, 0.4, 0.0]])  # 2 x 3: three driving Brownian motions
    Sigma = solve_continuous_lyapunov(A, -G @ G.T)
    t, X = euler_maruyama(lambda x, t: x @ A.T, lambda x, t: G, [1.0, -1.0], 5.0, 500, rng=3,
                          n_paths=10_000, noise="general", noise_dim=3)
    C = np.cov(X[:, -1].T)
    # EM's stationary covariance differs from the SDE's by O(dt) = 1 % of 0.2; the sampling
    # s.e. of each entry is <= 0.2 sqrt(2/10000) = 0.003; allow 0.01 (about 3 s.e. + bias)
    np.testing.assert_allclose(C, Sigma, atol=0.01)
    # per-path matrices (shape (n_paths, d, m)) give the same paths as one shared matrix
    _, Y = euler_maruyama(lambda x, t: x @ A.T, lambda x, t: np.broadcast_to(G, (x.shape[0], 2, 3)), [1.0, -1.0],
                          5.0, 500, rng=3, n_paths=10_000, noise="general", noise_dim=3)
    np.testing.assert_allclose(X, Y, rtol=1e-10, atol=1e-12)


def test_vector_milstein_diagonal_noise_matches_componentwise_gbm():
    lam = np.array([1.0, -0.5])
    mu = np.array([0.5, 0.8])
    _, W, dW = brownian_paths(2000, 1.0, 512, 11)
    dW2 = np.stack([dW[:1000], dW[1000:]], axis=2)  # (1000, 512, 2)
    W2 = np.stack([W[:1000, -1], W[1000:, -1]], axis=1)
    _, X = milstein(lambda x, t: lam * x, lambda x, t: mu * x, lambda x, t: mu, [1.0, 2.0], 1.0, 512, dW=dW2)
    exact = np.array([1.0, 2.0]) * np.exp((lam - 0.5 * mu**2) + mu * W2)
    assert np.mean(np.abs(X[:, -1] - exact)) < 0.01  # strong order 1 at dt = 1/512


def test_higham_convergence_orders():
    """Higham (2001), dX = 2X dt + X dW, X0 = 1, T = 1, dt = 2^-9 .. 2^-5.

    With 20 000 paths the fitted slopes scatter (s.d. over 30 seeds, measured at 4000
    paths and scaled by sqrt(4000/20000)) by 0.005 (EM strong), 0.001 (Milstein strong)
    and 0.033 (EM weak); on this range of steps their large-sample values are 0.524,
    0.978 and 0.977 (pre-asymptotic bias). Tolerances: bias + 5 s.d.
    """
    s = convergence_study(2026, n_paths=20_000)
    assert s.em_strong_fit.slope == pytest.approx(0.5, abs=0.024 + 0.025)
    assert s.mil_strong_fit.slope == pytest.approx(1.0, abs=0.022 + 0.005)
    assert s.em_weak_fit.slope == pytest.approx(1.0, abs=0.023 + 0.165)
    # the coupled weak-error estimates agree with the exact E X^dt - E X within 5 s.e.
    assert np.all(np.abs(s.em_weak - s.weak_exact) < 5 * s.em_weak_se)
    # exact weak error x0 (1 + lam dt)^N - e^lam, computed independently
    np.testing.assert_allclose(s.weak_exact, np.abs((1 + 2 * s.dt) ** (1 / s.dt) - np.exp(2)), rtol=1e-12)


def test_sde_argument_errors():
    with pytest.raises(TypeError, match="rng"):
        euler_maruyama(lambda x, t: x, lambda x, t: 1.0, 0.0, 1.0, 10)
    with pytest.raises(ValueError, match="noise"):
        euler_maruyama(lambda x, t: x, lambda x, t: 1.0, 0.0, 1.0, 10, rng=0, noise="full")
    with pytest.raises(ValueError, match="divide"):
        convergence_study(0, n_paths=10, ratios=(1, 3))


def test_numba_gbm_kernel_matches_the_generic_schemes():
    """The compiled convergence kernel reproduces euler_maruyama / milstein on coarsened increments."""
    from lessonlib.stochastic.sde import _gbm_kernel, coarsen_increments

    lam, mu, n_fine = 2.0, 1.0, 64
    dt = 1.0 / n_fine
    _, W, dW = brownian_paths(7, 1.0, n_fine, 13)
    R = np.array([1, 4, 16], dtype=np.int64)
    exact, em, mil = _gbm_kernel(dW, lam, mu, 1.0, 1.0, dt, R)
    np.testing.assert_allclose(exact, gbm_exact(1.0, lam, mu, 1.0, W[:, -1]), rtol=1e-12)
    for p, r in enumerate(R):
        dWc = coarsen_increments(dW, int(r))
        ref_em = euler_maruyama(lambda x, t: lam * x, lambda x, t: mu * x, 1.0, 1.0, n_fine // r, dW=dWc)[1][:, -1]
        ref_mil = milstein(lambda x, t: lam * x, lambda x, t: mu * x, lambda x, t: mu, 1.0, 1.0, n_fine // r, dW=dWc)[1][:, -1]
        np.testing.assert_allclose(em[:, p], ref_em, rtol=1e-12)
        np.testing.assert_allclose(mil[:, p], ref_mil, rtol=1e-12)
