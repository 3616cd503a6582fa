"""Stochastic PDEs by the method of lines, Karhunen–Loève expansions and a
random-coefficient elliptic problem (chapter 1.3).

* The stochastic heat equation ``du = κ u_xx dt + σ dW`` on ``(0, L)`` is discretised
  in space with the three-point Laplacian (:func:`laplacian_1d`), giving the SDE system
  ``dU = κ A U dt + σ dW`` ("method of lines"), and stepped with Euler–Maruyama
  (:func:`stochastic_heat_mol`, compiled with numba). The explicit step is stable only
  for ``κ Δt ≤ Δx²/2`` (:func:`explicit_stable_dt`, :func:`explicit_growth_factor`).
* :func:`heat_sine_series` is the exact Fourier solution of the deterministic
  equation, the reference for the scheme.
* :func:`kl_expansion` computes a Karhunen–Loève basis numerically (Nyström method);
  :func:`exp_kernel_kl_exact` gives the exact eigenpairs of the exponential covariance
  (roots of transcendental equations) to check it against.
* :func:`solve_elliptic_1d` solves ``-(a u')' = f`` with ``u(0) = u(L) = 0``;
  :func:`random_coefficient_pde_mc` does Monte Carlo over a log-normal random
  coefficient built from a KL expansion.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from .._validate import as_float_array, check_choice, check_finite, check_int, check_positive, check_rng

__all__ = [
    "laplacian_1d",
    "explicit_stable_dt",
    "explicit_growth_factor",
    "stochastic_heat_mol",
    "sine_coefficients",
    "heat_sine_series",
    "KLBasis",
    "kl_expansion",
    "exp_kernel_kl_exact",
    "kl_sample",
    "solve_elliptic_1d",
    "RandomPDEResult",
    "random_coefficient_pde_mc",
]

_BCS = ("dirichlet", "periodic")


def laplacian_1d(n: int, dx: float, bc: str = "dirichlet"):
    """Three-point Laplacian ``(u_{i-1} - 2u_i + u_{i+1}) / Δx²`` as an ``n × n`` sparse matrix.

    ``"dirichlet"``: the ``n`` unknowns are the interior nodes ``x_i = i Δx``,
    ``i = 1..n``, of ``[0, (n+1)Δx]`` with ``u = 0`` at both ends. ``"periodic"``: ``n``
    nodes on a circle.

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    import scipy.sparse as sps

    n = check_int(n, "n", minimum=2 if bc == "dirichlet" else 3)
    dx = check_positive(dx, "dx")
    bc = check_choice(bc, "bc", _BCS)
    main = -2.0 * np.ones(n)
    off = np.ones(n - 1)
    A = sps.diags([off, main, off], [-1, 0, 1], format="lil")
    if bc == "periodic":
        A[0, n - 1] = 1.0
        A[n - 1, 0] = 1.0
    return (A / dx**2).tocsr()


def explicit_stable_dt(dx: float, kappa: float = 1.0) -> float:
    """Largest step ``Δt = Δx² / (2κ)`` for which explicit Euler on the heat equation is stable for every grid."""
    dx = check_positive(dx, "dx")
    kappa = check_positive(kappa, "kappa")
    return dx * dx / (2.0 * kappa)


def explicit_growth_factor(dt: float, dx: float, n: int, kappa: float = 1.0, bc: str = "dirichlet") -> float:
    """Largest ``|1 + κ Δt λ_k|`` over the eigenvalues ``λ_k`` of :func:`laplacian_1d`.

    The explicit step multiplies the ``k``-th Fourier mode by ``1 + κΔtλ_k`` with
    ``λ_k = -(4/Δx²) sin²(kπ / (2(n+1)))`` (Dirichlet) or ``-(4/Δx²) sin²(kπ/n)``
    (periodic). Above 1 the fastest mode grows geometrically: the scheme is unstable.
    """
    dt = check_positive(dt, "dt")
    dx = check_positive(dx, "dx")
    n = check_int(n, "n", minimum=2)
    kappa = check_positive(kappa, "kappa")
    bc = check_choice(bc, "bc", _BCS)
    if bc == "dirichlet":
        k = np.arange(1, n + 1)
        lam = -4.0 / dx**2 * np.sin(k * np.pi / (2 * (n + 1))) ** 2
    else:
        k = np.arange(n)
        lam = -4.0 / dx**2 * np.sin(k * np.pi / n) ** 2
    return float(np.max(np.abs(1.0 + kappa * dt * lam)))


@numba.njit(cache=True)
def _heat_kernel(u0, r, noise_scale, z, save_every, periodic):
    n = u0.shape[0]
    n_steps = z.shape[0]
    n_save = n_steps // save_every + 1
    out = np.empty((n_save, n))
    out[0, :] = u0
    u = u0.copy()
    new = np.empty(n)
    for k in range(n_steps):
        for i in range(n):
            if i > 0:
                left = u[i - 1]
            elif periodic:
                left = u[n - 1]
            else:
                left = 0.0
            if i < n - 1:
                right = u[i + 1]
            elif periodic:
                right = u[0]
            else:
                right = 0.0
            new[i] = u[i] + r * (left - 2.0 * u[i] + right) + noise_scale * z[k, i]
        tmp = u
        u = new
        new = tmp
        if (k + 1) % save_every == 0:
            out[(k + 1) // save_every, :] = u
    return out


def stochastic_heat_mol(
    u0: Any,
    dx: float,
    dt: float,
    n_steps: int,
    rng: Any = None,
    *,
    sigma: float = 0.0,
    kappa: float = 1.0,
    bc: str = "dirichlet",
    space_time_white: bool = True,
    save_every: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Method of lines + Euler–Maruyama for ``du = κ u_xx dt + σ dW``.

    ``U_{n+1} = U_n + κΔt A U_n + s Z_n`` with ``Z_n ~ N(0, I)`` and ``A`` the
    three-point Laplacian. With ``space_time_white=True`` the forcing is space-time
    white noise, whose grid-cell average has variance ``Δt/Δx`` per step:
    ``s = σ sqrt(Δt/Δx)``. With ``False`` each node gets an independent Brownian motion,
    ``s = σ sqrt(Δt)`` (the ``σ ΔW_n``, ``ΔW_n ~ N(0, Δt I)`` of the text).

    The explicit step needs ``κΔt ≤ Δx²/2`` (see :func:`explicit_stable_dt`); a larger
    step is allowed (to show the blow-up) but produces rapidly growing values.

    Parameters
    ----------
    u0 : array_like, shape (n,)
        Initial values at the nodes (interior nodes for Dirichlet).
    dx, dt : float
        Grid spacing and time step.
    n_steps : int
    rng : numpy.random.Generator or int, optional
        Needed when ``sigma > 0``.
    sigma, kappa : float
    bc : {"dirichlet", "periodic"}
    space_time_white : bool
    save_every : int
        Keep every ``save_every``-th state.

    Returns
    -------
    t : numpy.ndarray, shape (n_saved,)
    U : numpy.ndarray, shape (n_saved, n)
    """
    u0 = check_finite(as_float_array(u0, "u0", ndim=1), "u0")
    dx = check_positive(dx, "dx")
    dt = check_positive(dt, "dt")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    sigma = check_positive(sigma, "sigma", strict=False)
    kappa = check_positive(kappa, "kappa")
    bc = check_choice(bc, "bc", _BCS)
    save_every = check_int(save_every, "save_every", minimum=1)
    n = u0.shape[0]
    if sigma > 0:
        if rng is None:
            raise TypeError("pass rng (a Generator or an int seed) when sigma > 0")
        z = check_rng(rng).standard_normal((n_steps, n))
        scale = sigma * np.sqrt(dt / dx) if space_time_white else sigma * np.sqrt(dt)
    else:
        z = np.zeros((n_steps, n))
        scale = 0.0
    r = kappa * dt / dx**2
    with np.errstate(over="ignore", invalid="ignore"):
        U = _heat_kernel(u0, r, scale, z, save_every, bc == "periodic")
    t = dt * save_every * np.arange(U.shape[0])
    return t, U


def sine_coefficients(func: Callable[[np.ndarray], Any], n_modes: int, L: float = 1.0) -> np.ndarray:
    """``b_k = (2/L) ∫_0^L f(x) sin(kπx/L) dx``, ``k = 1..n_modes`` (adaptive quadrature)."""
    from scipy.integrate import quad

    n_modes = check_int(n_modes, "n_modes", minimum=1)
    L = check_positive(L, "L")
    return np.array(
        [2.0 / L * quad(lambda x: float(func(x)) * np.sin(k * np.pi * x / L), 0.0, L, limit=200)[0] for k in range(1, n_modes + 1)]
    )


def heat_sine_series(x: Any, t: float, coeffs: Any, L: float = 1.0, kappa: float = 1.0) -> np.ndarray:
    """Exact solution ``u(x,t) = Σ_k b_k e^{-κ(kπ/L)² t} sin(kπx/L)`` of ``u_t = κ u_xx``, ``u(0)=u(L)=0``."""
    x = as_float_array(x, "x")
    t = check_positive(t, "t", strict=False)
    b = check_finite(as_float_array(coeffs, "coeffs", ndim=1), "coeffs")
    L = check_positive(L, "L")
    kappa = check_positive(kappa, "kappa")
    k = np.arange(1, b.size + 1)
    w = k * np.pi / L
    return np.tensordot(b * np.exp(-kappa * w**2 * t), np.sin(np.multiply.outer(w, x)), axes=1)


@dataclass(frozen=True)
class KLBasis:
    """Discrete Karhunen–Loève basis on a grid: ``a(x) ≈ ā(x) + Σ_k sqrt(λ_k) φ_k(x) ξ_k``.

    ``eigvals`` are decreasing; ``eigfuncs[k]`` is ``φ_k`` at the grid ``x``, normalised
    so that ``Σ_i w_i φ_k(x_i)² = 1`` with the quadrature ``weights``.
    """

    x: np.ndarray
    weights: np.ndarray
    eigvals: np.ndarray
    eigfuncs: np.ndarray


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    h = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += 0.5 * h
    w[1:] += 0.5 * h
    return w


def kl_expansion(
    cov_fn: Callable[[np.ndarray, np.ndarray], Any], x: Any, n_modes: int, *, rule: str = "trapezoid"
) -> KLBasis:
    """Leading ``n_modes`` eigenpairs of the covariance operator ``∫ C(x, y) φ(y) dy = λ φ(x)``.

    Nyström method with trapezoid weights ``w``: the symmetric matrix
    ``W^{1/2} C W^{1/2}`` (``C_ij = cov_fn(x_i, x_j)``) has eigenvectors ``v``, and
    ``φ = W^{-1/2} v``. Converges to the exact eigenpairs as the grid is refined.

    Parameters
    ----------
    cov_fn : callable ``(x, y) -> array``
        Covariance, evaluated on broadcast arrays.
    x : array_like, shape (n,)
        Increasing grid covering the domain (end points included).
    n_modes : int
        Number of modes (<= n).
    rule : {"trapezoid", "midpoint"}
        Quadrature: ``"trapezoid"`` when ``x`` includes the end points of the domain,
        ``"midpoint"`` when ``x`` are the centres of equal cells (weights ``Δx``).
    """
    x = check_finite(as_float_array(x, "x", ndim=1), "x")
    rule = check_choice(rule, "rule", ("trapezoid", "midpoint"))
    if x.size < 2 or np.any(np.diff(x) <= 0):
        raise ValueError("x must be an increasing grid with at least 2 points")
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    if n_modes > x.size:
        raise ValueError(f"n_modes must be <= the number of grid points {x.size}")
    C = np.asarray(cov_fn(x[:, None], x[None, :]), dtype=float)
    if C.shape != (x.size, x.size):
        raise ValueError("cov_fn must broadcast (n, 1) and (1, n) inputs to an (n, n) matrix")
    if rule == "trapezoid":
        w = _trapezoid_weights(x)
    else:
        h = np.diff(x)
        if not np.allclose(h, h[0]):
            raise ValueError("the midpoint rule needs an evenly spaced grid")
        w = np.full(x.size, h[0])
    sw = np.sqrt(w)
    from scipy.linalg import eigh

    vals, vecs = eigh(sw[:, None] * C * sw[None, :], subset_by_index=[x.size - n_modes, x.size - 1])
    order = np.argsort(vals)[::-1]
    vals = vals[order]
    phi = (vecs[:, order] / sw[:, None]).T
    # fix the sign: first non-negligible value positive (eigenvectors are defined up to sign)
    for k in range(phi.shape[0]):
        j = np.argmax(np.abs(phi[k]) > 1e-8 * np.abs(phi[k]).max())
        if phi[k, j] < 0:
            phi[k] = -phi[k]
    return KLBasis(x=x, weights=w, eigvals=vals, eigfuncs=phi)


def exp_kernel_kl_exact(x: Any, ell: float, n_modes: int, *, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact KL eigenpairs of ``C(x, y) = σ² exp(-|x - y|/ℓ)`` on the interval ``[x[0], x[-1]]``.

    On ``[-a, a]`` with ``c = 1/ℓ``, the eigenvalues are ``λ = 2cσ²/(ω² + c²)`` where
    ``ω`` solves ``c - ω tan(ωa) = 0`` (even eigenfunctions ``cos ωx``) or
    ``ω + c tan(ωa) = 0`` (odd, ``sin ωx``); see Ghanem & Spanos (1991), Lord, Powell &
    Shardlow (2014). The roots are bracketed in the half-periods of ``tan`` and found
    with ``scipy.optimize.brentq``.

    Returns
    -------
    eigvals : numpy.ndarray, shape (n_modes,)
        Decreasing.
    eigfuncs : numpy.ndarray, shape (n_modes, len(x))
        ``L²``-normalised on the interval, sign chosen as in :func:`kl_expansion`.
    """
    from scipy.optimize import brentq

    x = check_finite(as_float_array(x, "x", ndim=1), "x")
    ell = check_positive(ell, "ell")
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    sigma = check_positive(sigma, "sigma")
    a = 0.5 * (x[-1] - x[0])
    if a <= 0:
        raise ValueError("x must span an interval of positive length")
    xc = x - 0.5 * (x[0] + x[-1])
    c = 1.0 / ell
    roots = []
    eps = 1e-12
    n_each = n_modes // 2 + 2
    for i in range(n_each):
        lo, hi = i * np.pi / a, (i + 0.5) * np.pi / a
        roots.append((brentq(lambda w: c - w * np.tan(w * a), lo + eps, hi - eps), "even"))
        lo, hi = (i + 0.5) * np.pi / a, (i + 1) * np.pi / a
        roots.append((brentq(lambda w: w + c * np.tan(w * a), lo + eps, hi - eps), "odd"))
    roots.sort(key=lambda r: r[0])
    roots = roots[:n_modes]
    vals = np.array([2.0 * c * sigma**2 / (w * w + c * c) for w, _ in roots])
    funcs = np.empty((n_modes, x.size))
    for k, (w, parity) in enumerate(roots):
        if parity == "even":
            funcs[k] = np.cos(w * xc) / np.sqrt(a + np.sin(2 * w * a) / (2 * w))
        else:
            funcs[k] = np.sin(w * xc) / np.sqrt(a - np.sin(2 * w * a) / (2 * w))
        j = np.argmax(np.abs(funcs[k]) > 1e-8 * np.abs(funcs[k]).max())
        if funcs[k, j] < 0:
            funcs[k] = -funcs[k]
    return vals, funcs


def kl_sample(basis: KLBasis, n_samples: int, rng: Any, *, n_modes: int | None = None, mean: Any = 0.0) -> np.ndarray:
    """Fields ``ā(x) + Σ_{k ≤ M} sqrt(λ_k) φ_k(x) ξ_k`` with independent ``ξ_k ~ N(0, 1)``.

    Returns
    -------
    numpy.ndarray, shape (n_samples, len(basis.x))
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = check_rng(rng)
    K = basis.eigvals.size
    M = K if n_modes is None else check_int(n_modes, "n_modes", minimum=1)
    if M > K:
        raise ValueError(f"n_modes must be <= {K}, the modes in the basis")
    xi = rng.standard_normal((n_samples, K))[:, :M]  # same xi for every M: truncations are nested
    lam = np.clip(basis.eigvals[:M], 0.0, None)
    return as_float_array(mean, "mean") + (xi * np.sqrt(lam)) @ basis.eigfuncs[:M]


def solve_elliptic_1d(a_mid: Any, f: Any, L: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``-(a(x) u'(x))' = f(x)`` on ``(0, L)``, ``u(0) = u(L) = 0``, by finite differences.

    The conservative scheme
    ``-(a_{i+½}(u_{i+1} - u_i) - a_{i-½}(u_i - u_{i-1})) / h² = f_i``
    on ``n`` interior nodes, with ``a`` given at the ``n + 1`` cell midpoints, is a
    symmetric tridiagonal system (``scipy.linalg.solve_banded``).

    Parameters
    ----------
    a_mid : array_like, shape (n + 1,)
        Positive coefficient at the midpoints ``(i + ½) h``, ``h = L / (n + 1)``.
    f : float or array_like, shape (n,)
        Source at the interior nodes.
    L : float

    Returns
    -------
    x : numpy.ndarray, shape (n + 2,)
        Nodes including the end points.
    u : numpy.ndarray, shape (n + 2,)
    """
    from scipy.linalg import solve_banded

    a = check_finite(as_float_array(a_mid, "a_mid", ndim=1), "a_mid")
    if a.size < 2:
        raise ValueError("a_mid needs at least 2 midpoints (one interior node)")
    if np.any(a <= 0):
        raise ValueError("a_mid must be positive (the problem is elliptic only for a > 0)")
    L = check_positive(L, "L")
    n = a.size - 1
    h = L / (n + 1)
    rhs = np.broadcast_to(check_finite(as_float_array(f, "f", ndim=(0, 1)), "f"), (n,)).astype(float) * h * h
    ab = np.zeros((3, n))
    ab[0, 1:] = -a[1:-1]
    ab[1, :] = a[:-1] + a[1:]
    ab[2, :-1] = -a[1:-1]
    u = np.zeros(n + 2)
    u[1:-1] = solve_banded((1, 1), ab, rhs)
    return np.linspace(0.0, L, n + 2), u


@dataclass(frozen=True)
class RandomPDEResult:
    """Monte Carlo summary of ``u(x, ω)``: pointwise mean, standard deviation and standard error of the mean."""

    x: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    mean_se: np.ndarray
    samples: np.ndarray
    basis: KLBasis


def random_coefficient_pde_mc(
    n: int,
    n_samples: int,
    rng: Any,
    *,
    ell: float = 0.3,
    sigma: float = 0.5,
    n_modes: int = 20,
    f: float = 1.0,
    L: float = 1.0,
    keep: int = 20,
) -> RandomPDEResult:
    """Monte Carlo for ``-(a(x,ω) u')' = f`` with a log-normal coefficient ``a = exp(g)``.

    ``g`` is a zero-mean Gaussian field with covariance ``σ² exp(-|x-y|/ℓ)``, truncated
    to ``n_modes`` KL modes (computed by :func:`kl_expansion` on the ``n + 1``
    midpoints of the grid). Each sample draws ``ξ``, builds ``a`` and solves with
    :func:`solve_elliptic_1d`.

    Returns
    -------
    RandomPDEResult
        ``samples`` holds the first ``keep`` solutions (for plotting).
    """
    n = check_int(n, "n", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    rng = check_rng(rng)
    ell = check_positive(ell, "ell")
    sigma = check_positive(sigma, "sigma", strict=False)
    L = check_positive(L, "L")
    keep = check_int(keep, "keep", minimum=0)
    h = L / (n + 1)
    xm = (np.arange(n + 1) + 0.5) * h
    n_modes = min(check_int(n_modes, "n_modes", minimum=1), xm.size)
    basis = kl_expansion(lambda s, t: np.exp(-np.abs(s - t) / ell), xm, n_modes, rule="midpoint")
    g = sigma * kl_sample(basis, n_samples, rng)
    kept = []
    x, shift = solve_elliptic_1d(np.exp(g[0]), f, L)
    s1 = np.zeros(n + 2)  # sums of u - shift and its square: shifting by one sample avoids cancellation
    s2 = np.zeros(n + 2)
    for i in range(n_samples):
        u = shift if i == 0 else solve_elliptic_1d(np.exp(g[i]), f, L)[1]
        s1 += u - shift
        s2 += (u - shift) ** 2
        if i < keep:
            kept.append(u)
    mean = shift + s1 / n_samples
    var = np.maximum(s2 - s1**2 / n_samples, 0.0) / (n_samples - 1)
    std = np.sqrt(var)
    return RandomPDEResult(x=x, mean=mean, std=std, mean_se=std / np.sqrt(n_samples), samples=np.array(kept), basis=basis)
