"""lessonlib.stochastic.spde against Fourier solutions, exact eigenpairs and quadrature."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from lessonlib.stochastic.spde import (
    exp_kernel_kl_exact,
    explicit_growth_factor,
    explicit_stable_dt,
    heat_sine_series,
    kl_expansion,
    kl_sample,
    laplacian_1d,
    random_coefficient_pde_mc,
    sine_coefficients,
    solve_elliptic_1d,
    stochastic_heat_mol,
)


def test_laplacian_is_exact_on_quadratics_and_has_known_eigenvalues():
    n, L = 19, 1.0
    dx = L / (n + 1)
    x = dx * np.arange(1, n + 1)
    A = laplacian_1d(n, dx)
    np.testing.assert_allclose(A @ (x * (1 - x)), -2.0 * np.ones(n), rtol=1e-10)  # u = x(1-x), u'' = -2
    ev = np.sort(np.linalg.eigvalsh(A.toarray()))
    k = np.arange(1, n + 1)
    np.testing.assert_allclose(ev, np.sort(-4 / dx**2 * np.sin(k * np.pi / (2 * (n + 1))) ** 2), rtol=1e-10)
    P = laplacian_1d(8, 0.5, "periodic").toarray()
    assert P[0, -1] == P[-1, 0] == 4.0 and np.allclose(P.sum(axis=1), 0)


def test_stability_limit_and_growth_factor():
    dx = 0.05
    dt = explicit_stable_dt(dx)
    assert dt == pytest.approx(dx**2 / 2)
    assert explicit_growth_factor(dt, dx, 19) <= 1.0
    assert explicit_growth_factor(1.1 * dt, dx, 19) > 1.0
    # the factor is max |1 + dt * eig(A)|, checked against a dense eigen-decomposition
    ev = np.linalg.eigvalsh(laplacian_1d(19, dx).toarray())
    assert explicit_growth_factor(0.7 * dt, dx, 19) == pytest.approx(np.max(np.abs(1 + 0.7 * dt * ev)))


def test_mol_scheme_matches_the_discrete_mode_exactly():
    # u0 = sin(k pi x) is an eigenvector of A: U_n = (1 - 4r sin^2(k pi dx / 2))^n u0
    n, k = 49, 3
    dx = 1.0 / (n + 1)
    x = dx * np.arange(1, n + 1)
    dt = 0.4 * dx**2
    t, U = stochastic_heat_mol(np.sin(k * np.pi * x), dx, dt, 100, save_every=10)
    g = 1 - 4 * 0.4 * np.sin(k * np.pi * dx / 2) ** 2
    np.testing.assert_allclose(U, g ** (10 * np.arange(11))[:, None] * np.sin(k * np.pi * x), rtol=1e-11, atol=1e-14)


def test_mol_converges_to_the_fourier_solution():
    f = lambda x: x * (1 - x) * np.exp(x)  # noqa: E731
    b = sine_coefficients(f, 60)
    errs = []
    for n in (19, 39, 79):
        dx = 1.0 / (n + 1)
        x = dx * np.arange(1, n + 1)
        dt = 0.25 * dx**2
        steps = int(round(0.05 / dt))
        _, U = stochastic_heat_mol(f(x), dx, 0.05 / steps, steps, save_every=steps)
        errs.append(np.abs(U[-1] - heat_sine_series(x, 0.05, b)).max())
    # second order in dx (dt ~ dx^2): each halving of dx divides the error by about 4
    assert errs[0] / errs[1] > 3.5 and errs[1] / errs[2] > 3.5
    assert errs[-1] < 1e-4


def test_unstable_step_blows_up():
    n = 49
    dx = 1.0 / (n + 1)
    x = dx * np.arange(1, n + 1)
    _, U = stochastic_heat_mol(np.sin(np.pi * x) + 1e-6 * np.sin(49 * np.pi * x), dx, 0.6 * dx**2, 400, save_every=400)
    assert np.abs(U[-1]).max() > 1e3


def test_stochastic_mol_covariance_matches_the_exact_recursion():
    """Semi-discrete EM: C_{k+1} = B C_k B^T + s^2 I with B = I + dt A (deterministic reference)."""
    n, sigma, steps, M = 9, 0.7, 200, 3000
    dx = 1.0 / (n + 1)
    dt = 0.4 * dx**2
    B = np.eye(n) + dt * laplacian_1d(n, dx).toarray()
    s2 = sigma**2 * dt / dx
    C = np.zeros((n, n))
    for _ in range(steps):
        C = B @ C @ B.T + s2 * np.eye(n)
    rng = np.random.default_rng(0)
    ends = np.array([stochastic_heat_mol(np.zeros(n), dx, dt, steps, rng, sigma=sigma, save_every=steps)[1][-1] for _ in range(M)])
    emp = ends.T @ ends / M
    # entries of a sample covariance from 3000 paths: s.e. <= C_max sqrt(2/M) = 2.6 % of C_max; 5 s.e.
    assert np.abs(emp - C).max() < 5 * C.max() * np.sqrt(2 / M)
    # the per-node Brownian variant has s^2 = sigma^2 dt
    _, V = stochastic_heat_mol(np.zeros(n), dx, dt, 3, 1, sigma=sigma, space_time_white=False)
    _, Vw = stochastic_heat_mol(np.zeros(n), dx, dt, 3, 1, sigma=sigma)
    np.testing.assert_allclose(V[1], Vw[1] * np.sqrt(dx))


def test_sine_coefficients_exact():
    b = sine_coefficients(lambda x: np.sin(np.pi * x) + 0.5 * np.sin(3 * np.pi * x), 4)
    np.testing.assert_allclose(b, [1.0, 0.0, 0.5, 0.0], atol=1e-12)


def test_nystrom_kl_converges_to_exact_eigenpairs():
    ell = 0.4
    cov = lambda s, t: np.exp(-np.abs(s - t) / ell)  # noqa: E731
    errs = []
    for n in (101, 401):
        x = np.linspace(0, 1, n)
        b = kl_expansion(cov, x, 6)
        lam, phi = exp_kernel_kl_exact(x, ell, 6)
        errs.append(np.abs(b.eigvals - lam).max() / lam[0])
        np.testing.assert_allclose(b.eigfuncs, phi, atol=0.02)
    assert errs[1] < errs[0] / 8 and errs[1] < 1e-4  # trapezoid rule: second order


def test_exact_exponential_kl_satisfies_the_integral_equation():
    ell, a = 0.3, 1.0
    grid = np.linspace(0, 2 * a, 4001)
    lam, phi = exp_kernel_kl_exact(grid, ell, 4)
    for k in range(4):
        for xi in grid[::500]:  # grid points, so the kink of the kernel sits on a node
            # trapezoid rule on 4001 nodes: error O(h^2) ~ 1e-7 relative
            val = np.trapezoid(np.exp(-np.abs(xi - grid) / ell) * phi[k], grid)
            assert val == pytest.approx(lam[k] * np.interp(xi, grid, phi[k]), abs=1e-5)
    # the eigenvalues sum to the trace, integral of C(x, x) = 2a, as modes -> infinity
    lam_many, _ = exp_kernel_kl_exact(grid, ell, 400)
    assert lam_many.sum() == pytest.approx(2 * a, rel=0.01)


def test_kl_samples_have_the_truncated_covariance():
    x = np.linspace(0, 1, 51)
    b = kl_expansion(lambda s, t: np.exp(-np.abs(s - t) / 0.5), x, 10)
    F = kl_sample(b, 20_000, 3, mean=1.0)
    C_M = (b.eigfuncs.T * b.eigvals) @ b.eigfuncs
    # sample covariance of 20 000 fields: s.e. <= sqrt(2/20000) = 0.01; 5 s.e.
    assert np.abs(np.cov(F.T) - C_M).max() < 0.05
    assert np.abs(F.mean(0) - 1.0).max() < 5 * np.sqrt(1 / 20_000)
    # nested truncations: the first M modes use the same xi
    F1 = kl_sample(b, 5, 9, n_modes=1)
    F10 = kl_sample(b, 5, 9)
    xi1 = (F1 @ (b.weights * b.eigfuncs[0])) / np.sqrt(b.eigvals[0])
    xi10 = (F10 @ (b.weights * b.eigfuncs[0])) / np.sqrt(b.eigvals[0])
    np.testing.assert_allclose(xi1, xi10, atol=1e-6)


def test_elliptic_solver_against_closed_forms():
    n = 99
    h = 1.0 / (n + 1)
    xm = (np.arange(n + 1) + 0.5) * h
    x, u = solve_elliptic_1d(np.full(n + 1, 2.0), 1.0)
    np.testing.assert_allclose(u, x * (1 - x) / 4, atol=1e-12)  # exact for quadratics
    # variable a(x) = 1 + x, f = 1: u(x) = int_0^x (c - s)/(1 + s) ds with u(1) = 0
    a = lambda s: 1 + s  # noqa: E731
    c = quad(lambda s: s / a(s), 0, 1)[0] / quad(lambda s: 1 / a(s), 0, 1)[0]
    ref = np.array([quad(lambda s: (c - s) / a(s), 0, xi)[0] for xi in x])
    _, u2 = solve_elliptic_1d(a(xm), 1.0)
    assert np.abs(u2 - ref).max() < 1e-5


def test_random_coefficient_mc_against_gauss_hermite():
    """One KL mode: E[u(1/2)] is a 1-D Gaussian integral, computed by Gauss–Hermite quadrature."""
    n, sigma, ell = 49, 0.8, 0.5
    res = random_coefficient_pde_mc(n, 4000, 5, ell=ell, sigma=sigma, n_modes=1)
    b = res.basis
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    mid = (n + 1) // 2
    vals = [solve_elliptic_1d(np.exp(sigma * np.sqrt(b.eigvals[0]) * b.eigfuncs[0] * z), 1.0)[1][mid] for z in nodes]
    ref = np.dot(weights, vals) / np.sqrt(2 * np.pi)
    assert res.mean[mid] == pytest.approx(ref, abs=5 * res.mean_se[mid])
    # sigma = 0: the deterministic solution x(1-x)/2, with zero spread
    det = random_coefficient_pde_mc(n, 10, 1, sigma=0.0)
    np.testing.assert_allclose(det.mean, det.x * (1 - det.x) / 2, atol=1e-12)
    assert det.std.max() < 1e-12


def test_spde_argument_errors():
    with pytest.raises(ValueError, match="bc"):
        laplacian_1d(5, 0.1, "neumann")
    with pytest.raises(TypeError, match="rng"):
        stochastic_heat_mol(np.zeros(5), 0.1, 0.001, 3, sigma=1.0)
    with pytest.raises(ValueError, match="positive"):
        solve_elliptic_1d([1.0, -1.0, 1.0], 1.0)


def test_numba_heat_kernel_matches_the_sparse_matrix_recursion():
    """U_{n+1} = U_n + dt A U_n + s Z_n with scipy's sparse Laplacian and the same normals."""
    for bc in ("dirichlet", "periodic"):
        n, sigma, steps = 12, 0.4, 50
        dx = 1.0 / (n + 1)
        dt = 0.3 * dx**2
        u0 = np.sin(np.arange(1, n + 1))
        _, U = stochastic_heat_mol(u0, dx, dt, steps, 21, sigma=sigma, bc=bc)
        A = laplacian_1d(n, dx, bc)
        z = np.random.default_rng(21).standard_normal((steps, n))
        u = u0.copy()
        for k in range(steps):
            u = u + dt * (A @ u) + sigma * np.sqrt(dt / dx) * z[k]
        np.testing.assert_allclose(U[-1], u, rtol=1e-11, atol=1e-13)
