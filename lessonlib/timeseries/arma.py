"""AR, MA, ARMA and ARIMA models: simulation, theory, fitting and forecasting.

Sign conventions (the same as Box–Jenkins and statsmodels)::

    y_t = c + phi_1 y_{t-1} + ... + phi_p y_{t-p} + eps_t + theta_1 eps_{t-1} + ... + theta_q eps_{t-q}

so that ``phi(L) (y_t - mu) = theta(L) eps_t`` with ``phi(L) = 1 - phi_1 L - ... - phi_p L^p``,
``theta(L) = 1 + theta_1 L + ... + theta_q L^q`` and mean ``mu = c / (1 - sum phi_i)``.

Fitting is done in three ways, from the simplest to the most exact:

* :func:`fit_ar_yule_walker`: moment estimator (sample autocovariances, Durbin–Levinson);
* :func:`fit_ar_ols`: least squares on lagged values (conditional likelihood);
* :func:`fit_arma`: conditional sum of squares (``method="css"``) or the exact Gaussian
  likelihood (``method="mle"``), evaluated by a Kalman filter on the ARMA state-space form.
"""
from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from scipy import linalg, optimize, signal

from .._validate import as_float_array, check_choice, check_finite, check_int, check_positive, check_rng
from .autocorr import acovf, durbin_levinson
from .windows import difference, undifference

__all__ = [
    "ar_roots",
    "is_stationary",
    "is_invertible",
    "psi_weights",
    "simulate_arma",
    "simulate_ar",
    "simulate_ma",
    "simulate_arima",
    "random_walk",
    "arma_acovf",
    "arma_acf",
    "arma_pacf",
    "ARFit",
    "fit_ar_yule_walker",
    "fit_ar_ols",
    "ARMAFit",
    "arma_loglik",
    "fit_arma",
    "arma_forecast",
    "ARIMAFit",
    "fit_arima",
    "arima_forecast",
]


def _coef(x, name: str) -> np.ndarray:
    if x is None:
        return np.zeros(0)
    arr = as_float_array(x, name, ndim=(0, 1))
    return check_finite(np.atleast_1d(arr), name)


# --------------------------------------------------------------------------- theory
def ar_roots(phi) -> np.ndarray:
    """Roots ``z`` of ``1 - phi_1 z - ... - phi_p z^p`` (the AR part is stationary iff all |z| > 1)."""
    phi = _coef(phi, "phi")
    if phi.size == 0:
        return np.zeros(0, dtype=complex)
    # numpy.roots wants the highest power first
    return np.roots(np.concatenate([-phi[::-1], [1.0]]))


def _inverse_roots(phi: np.ndarray) -> np.ndarray:
    """Eigenvalues of the companion matrix of ``phi`` = reciprocals of the roots of ``phi(z)``."""
    p = phi.size
    if p == 0:
        return np.zeros(0, dtype=complex)
    comp = np.zeros((p, p))
    comp[0] = phi
    comp[1:, :-1] = np.eye(p - 1)
    return np.linalg.eigvals(comp)


def is_stationary(phi, *, tol: float = 1e-10) -> bool:
    """True if every root of ``phi(z)`` lies strictly outside the unit circle.

    Checked through the companion matrix: its eigenvalues (the inverse roots) must have
    modulus below ``1 - tol``.
    """
    lam = _inverse_roots(_coef(phi, "phi"))
    return bool(np.all(np.abs(lam) < 1.0 - tol))


def is_invertible(theta, *, tol: float = 1e-10) -> bool:
    """True if every root of ``theta(z) = 1 + theta_1 z + ...`` lies strictly outside the unit circle."""
    return is_stationary(-_coef(theta, "theta"), tol=tol)


def psi_weights(phi, theta, n: int) -> np.ndarray:
    """MA(infinity) weights ``psi_0 = 1, psi_1, ..., psi_{n-1}`` of ``theta(L)/phi(L)``.

    ``y_t - mu = sum_j psi_j eps_{t-j}``; the recursion is
    ``psi_j = theta_j + sum_{i=1}^{min(j,p)} phi_i psi_{j-i}``.
    """
    phi, theta = _coef(phi, "phi"), _coef(theta, "theta")
    n = check_int(n, "n", minimum=1)
    impulse = np.zeros(n)
    impulse[0] = 1.0
    return signal.lfilter(np.concatenate([[1.0], theta]), np.concatenate([[1.0], -phi]), impulse)


def _burn_in(phi) -> int:
    lam = _inverse_roots(phi)
    if lam.size == 0:
        return 0
    rho = float(np.max(np.abs(lam)))  # slowest decay rate of the impulse response
    if rho <= 0:
        return 0
    return int(min(10_000, max(100, np.ceil(np.log(1e-12) / np.log(rho)))))


def simulate_arma(phi, theta, n: int, rng, *, sigma: float = 1.0, c: float = 0.0,
                  burn: int | None = None, return_noise: bool = False):
    """Simulate a stationary ARMA(p, q) series of length ``n`` with Gaussian innovations.

    Parameters
    ----------
    phi, theta : array_like or None
        AR and MA coefficients (``None`` or ``[]`` for none).
    n : int
        Length of the returned series.
    rng : numpy.random.Generator or int
    sigma : float
        Standard deviation of the innovations ``eps_t ~ N(0, sigma^2)``.
    c : float
        Constant; the mean is ``c / (1 - sum(phi))``.
    burn : int, optional
        Values simulated and thrown away first so that the start is (numerically)
        stationary; by default long enough for the slowest AR mode to decay by 1e-12.
    return_noise : bool
        Also return the innovations ``eps_1..eps_n``.
    """
    phi, theta = _coef(phi, "phi"), _coef(theta, "theta")
    n = check_int(n, "n", minimum=1)
    sigma = check_positive(sigma, "sigma")
    rng = check_rng(rng)
    if not is_stationary(phi):
        raise ValueError("phi is not stationary (a root of phi(z) lies on or inside the unit circle); "
                         "use simulate_arima or random_walk for integrated series")
    burn = _burn_in(phi) + theta.size if burn is None else check_int(burn, "burn", minimum=0)
    eps = rng.normal(0.0, sigma, n + burn)
    mu = float(c) / (1.0 - phi.sum())
    y = mu + signal.lfilter(np.concatenate([[1.0], theta]), np.concatenate([[1.0], -phi]), eps)
    if return_noise:
        return y[burn:], eps[burn:]
    return y[burn:]


def simulate_ar(phi, n: int, rng, *, sigma: float = 1.0, c: float = 0.0) -> np.ndarray:
    """Simulate a stationary AR(p) series ``y_t = c + sum phi_i y_{t-i} + eps_t``."""
    return simulate_arma(phi, None, n, rng, sigma=sigma, c=c)


def simulate_ma(theta, n: int, rng, *, sigma: float = 1.0, mu: float = 0.0) -> np.ndarray:
    """Simulate an MA(q) series ``y_t = mu + eps_t + sum theta_j eps_{t-j}``."""
    return simulate_arma(None, theta, n, rng, sigma=sigma, c=mu)


def simulate_arima(phi, d: int, theta, n: int, rng, *, sigma: float = 1.0, y0: float = 0.0) -> np.ndarray:
    """Simulate ARIMA(p, d, q): an ARMA series summed ``d`` times, starting from ``y0``.

    Returns ``n`` values; the ``d``-th difference of the output (with ``y0`` in front)
    is the ARMA series.
    """
    d = check_int(d, "d", minimum=0)
    w = simulate_arma(phi, theta, n, rng, sigma=sigma)
    for _ in range(d):
        w = np.cumsum(w)
    return float(y0) + w


def random_walk(n: int, rng, *, sigma: float = 1.0, y0: float = 0.0, n_paths: int | None = None) -> np.ndarray:
    """Gaussian random walk ``y_t = y_{t-1} + eps_t``, ``t = 1..n``, from ``y_0 = y0``.

    Returns shape ``(n,)``, or ``(n_paths, n)`` when ``n_paths`` is given.
    ``Var(y_t) = t sigma^2``.
    """
    n = check_int(n, "n", minimum=1)
    sigma = check_positive(sigma, "sigma")
    rng = check_rng(rng)
    if n_paths is None:
        return float(y0) + np.cumsum(rng.normal(0.0, sigma, n))
    n_paths = check_int(n_paths, "n_paths", minimum=1)
    return float(y0) + np.cumsum(rng.normal(0.0, sigma, (n_paths, n)), axis=1)


def arma_acovf(phi, theta, nlags: int, *, sigma2: float = 1.0) -> np.ndarray:
    """Theoretical autocovariances ``gamma(0..nlags)`` of a stationary ARMA(p, q).

    Solves the linear equations ``gamma(k) - sum_i phi_i gamma(|k-i|) = sigma^2 sum_{j>=k} theta_j psi_{j-k}``
    for ``k = 0..p`` exactly, then extends them with the same recursion.
    """
    phi, theta = _coef(phi, "phi"), _coef(theta, "theta")
    nlags = check_int(nlags, "nlags", minimum=0)
    sigma2 = check_positive(sigma2, "sigma2")
    if not is_stationary(phi):
        raise ValueError("phi is not stationary: the autocovariance does not exist")
    p, q = phi.size, theta.size
    th = np.concatenate([[1.0], theta])
    psi = psi_weights(phi, theta, q + 1)
    rhs_len = max(p, q) + 1
    rhs = np.array([sigma2 * sum(th[j] * psi[j - k] for j in range(k, q + 1)) for k in range(rhs_len)])
    # unknowns gamma(0..p); equations k = 0..p
    M = np.zeros((p + 1, p + 1))
    for k in range(p + 1):
        M[k, k] += 1.0
        for i in range(1, p + 1):
            M[k, abs(k - i)] -= phi[i - 1]
    g0 = np.linalg.solve(M, rhs[: p + 1])
    out = np.zeros(max(nlags, p) + 1)
    out[: p + 1] = g0
    for k in range(p + 1, out.size):
        out[k] = sum(phi[i - 1] * out[k - i] for i in range(1, p + 1)) + (rhs[k] if k < rhs_len else 0.0)
    return out[: nlags + 1]


def arma_acf(phi, theta, nlags: int) -> np.ndarray:
    """Theoretical autocorrelations ``rho(0..nlags)``; for AR(1) this is ``phi^k``."""
    g = arma_acovf(phi, theta, nlags)
    return g / g[0]


def arma_pacf(phi, theta, nlags: int) -> np.ndarray:
    """Theoretical partial autocorrelations ``1, phi_11, ..., phi_{nlags,nlags}``.

    For an AR(p) they vanish beyond lag ``p``; for an MA(q) they decay instead.
    """
    nlags = check_int(nlags, "nlags", minimum=1)
    g = arma_acovf(phi, theta, nlags)
    return np.concatenate([[1.0], durbin_levinson(g, nlags).pacf])


# --------------------------------------------------------------------------- AR fits
class ARFit(NamedTuple):
    """A fitted AR(p): ``y_t = c + sum phi_i y_{t-i} + eps_t``, ``Var(eps) = sigma2``."""

    c: float
    phi: np.ndarray
    sigma2: float

    @property
    def mean(self) -> float:
        return self.c / (1.0 - float(np.sum(self.phi)))


def fit_ar_yule_walker(y, p: int) -> ARFit:
    """Yule–Walker estimate of an AR(p): solve ``Gamma_p phi = gamma_p`` with sample autocovariances.

    Uses the divisor-``n`` autocovariances of the demeaned series (so the estimate is
    always stationary); ``sigma2`` is the order-``p`` Durbin–Levinson prediction variance.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    p = check_int(p, "p", minimum=1)
    g = acovf(y, p)
    res = durbin_levinson(g, p)
    return ARFit(float(y.mean() * (1.0 - res.phi.sum())), res.phi, float(res.sigma2[-1]))


def fit_ar_ols(y, p: int, *, include_const: bool = True) -> ARFit:
    """Least-squares AR(p): regress ``y_t`` on ``1, y_{t-1}, ..., y_{t-p}`` for ``t = p+1..n``.

    ``sigma2`` is the mean squared residual ``SSR / (n - p)`` (the conditional
    maximum-likelihood estimate).
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    p = check_int(p, "p", minimum=1)
    n = y.shape[0]
    if n <= 2 * p + 1:
        raise ValueError(f"y is too short for an AR({p}) fit: {n} values")
    X = np.column_stack([y[p - i : n - i] for i in range(1, p + 1)])
    if include_const:
        X = np.column_stack([np.ones(n - p), X])
    target = y[p:]
    beta, *_ = np.linalg.lstsq(X, target, rcond=None)
    resid = target - X @ beta
    c = float(beta[0]) if include_const else 0.0
    phi = beta[1:] if include_const else beta
    return ARFit(c, phi.copy(), float(resid @ resid / (n - p)))


# --------------------------------------------------------------------------- ARMA likelihood
def _statespace(phi: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Harvey's state-space form: transition T (r x r) and noise loading R (r,), r = max(p, q+1)."""
    p, q = phi.size, theta.size
    r = max(p, q + 1)
    T = np.zeros((r, r))
    T[:p, 0] = phi
    T[: r - 1, 1:] = np.eye(r - 1)
    R = np.zeros(r)
    R[0] = 1.0
    R[1 : q + 1] = theta
    return T, R


def _stationary_cov(T: np.ndarray, R: np.ndarray, sigma2: float) -> np.ndarray:
    return linalg.solve_discrete_lyapunov(T, sigma2 * np.outer(R, R))


@numba.njit(cache=True)
def _kalman_univariate(y, T, RR, P0):  # pragma: no cover - compiled
    """Kalman filter for y_t = Z a_t (Z = e_1), a_t = T a_{t-1} + R eps_t.

    Returns ``sum log F_t``, ``sum v_t^2 / F_t`` (innovations ``v_t``, variances ``F_t``)
    and the one-step-ahead state mean and covariance after the last observation.
    Written with explicit loops so that nothing is allocated inside the time loop.
    """
    r = T.shape[0]
    a = np.zeros(r)
    P = P0.copy()
    a_u = np.zeros(r)
    P_u = np.zeros((r, r))
    K = np.zeros(r)
    TP = np.zeros((r, r))
    sum_logF = 0.0
    sum_v2F = 0.0
    for t in range(y.shape[0]):
        F = P[0, 0]
        v = y[t] - a[0]
        sum_logF += np.log(F)
        sum_v2F += v * v / F
        for i in range(r):
            K[i] = P[i, 0] / F
            a_u[i] = a[i] + K[i] * v
        for i in range(r):
            for j in range(r):
                P_u[i, j] = P[i, j] - K[i] * P[0, j]
        for i in range(r):
            s = 0.0
            for k in range(r):
                s += T[i, k] * a_u[k]
            a[i] = s
        for i in range(r):
            for j in range(r):
                s = 0.0
                for k in range(r):
                    s += T[i, k] * P_u[k, j]
                TP[i, j] = s
        for i in range(r):
            for j in range(r):
                s = RR[i, j]
                for k in range(r):
                    s += TP[i, k] * T[j, k]
                P[i, j] = s
    return sum_logF, sum_v2F, a, P


def arma_loglik(y, phi, theta, *, mu: float = 0.0, sigma2: float = 1.0) -> float:
    """Exact Gaussian log-likelihood of a stationary ARMA(p, q) (stationary initial state).

    Evaluated with a Kalman filter on the state-space form, so it is exact for every
    sample size (no conditioning on initial values).
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    phi, theta = _coef(phi, "phi"), _coef(theta, "theta")
    sigma2 = check_positive(sigma2, "sigma2")
    if not is_stationary(phi):
        raise ValueError("phi is not stationary")
    T, R = _statespace(phi, theta)
    P0 = _stationary_cov(T, R, sigma2)
    sum_logF, sum_v2F, _, _ = _kalman_univariate(y - mu, T, sigma2 * np.outer(R, R), P0)
    n = y.shape[0]
    return float(-0.5 * (n * np.log(2.0 * np.pi) + sum_logF + sum_v2F))


def _constrain(u: np.ndarray) -> np.ndarray:
    """Map unconstrained reals to stationary AR coefficients through partial autocorrelations."""
    r = u / np.sqrt(1.0 + u * u)
    phi = np.zeros(0)
    for k, a in enumerate(r):
        phi = np.concatenate([phi - a * phi[::-1], [a]])
    return phi


def _unconstrain(phi: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_constrain` (via the step-down Levinson recursion)."""
    phi = np.array(phi, dtype=float)
    p = phi.size
    r = np.zeros(p)
    for k in range(p, 0, -1):
        a = phi[k - 1]
        r[k - 1] = a
        if k > 1:
            prev = phi[: k - 1]
            phi = (prev + a * prev[::-1]) / (1.0 - a * a)
    r = np.clip(r, -0.999999, 0.999999)
    return r / np.sqrt(1.0 - r * r)


class ARMAFit(NamedTuple):
    """A fitted ARMA(p, q): ``phi(L)(y_t - mu) = theta(L) eps_t``, ``Var(eps) = sigma2``."""

    mu: float
    phi: np.ndarray
    theta: np.ndarray
    sigma2: float
    loglik: float
    method: str

    @property
    def c(self) -> float:
        return self.mu * (1.0 - float(np.sum(self.phi)))


def _css_residuals(y: np.ndarray, mu: float, phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    p = phi.size
    x = y - mu
    w = x[p:].copy()
    for i in range(1, p + 1):
        w -= phi[i - 1] * x[p - i : x.size - i]
    return signal.lfilter([1.0], np.concatenate([[1.0], theta]), w)


def _hannan_rissanen(y: np.ndarray, p: int, q: int, include_mean: bool) -> tuple[float, np.ndarray, np.ndarray]:
    mu = float(y.mean()) if include_mean else 0.0
    x = y - mu
    if q == 0:
        return mu, (fit_ar_yule_walker(x, p).phi if p else np.zeros(0)), np.zeros(0)
    m = min(max(2 * (p + q), 10), x.size // 4)
    long_ar = fit_ar_yule_walker(x, m)
    e = np.full(x.size, 0.0)
    e[m:] = _css_residuals(x, 0.0, long_ar.phi, np.zeros(0))
    start = m + q
    cols = [x[start - i : x.size - i] for i in range(1, p + 1)] + [e[start - j : x.size - j] for j in range(1, q + 1)]
    beta, *_ = np.linalg.lstsq(np.column_stack(cols), x[start:], rcond=None)
    phi, theta = beta[:p], beta[p:]
    # pull the start inside the stationary / invertible regions
    if p and not is_stationary(phi):
        phi = _constrain(np.clip(_unconstrain(np.clip(phi, -0.9, 0.9)), -2, 2))
    if not is_invertible(theta):
        theta = -_constrain(_unconstrain(np.clip(-theta, -0.9, 0.9)))
    return mu, phi, theta


def fit_arma(y, p: int, q: int, *, method: str = "mle", include_mean: bool = True) -> ARMAFit:
    """Fit an ARMA(p, q) by conditional least squares or exact maximum likelihood.

    Parameters
    ----------
    y : array_like, shape (n,)
    p, q : int
        AR and MA orders.
    method : {"mle", "css"}
        ``"css"`` minimises the conditional sum of squared innovations (first ``p``
        values taken as given, pre-sample innovations 0). ``"mle"`` maximises the exact
        Gaussian likelihood (:func:`arma_loglik`), starting from the CSS estimate.
    include_mean : bool
        Estimate the mean ``mu`` (otherwise ``mu = 0``).

    Notes
    -----
    The search runs in unconstrained coordinates mapped to partial autocorrelations
    (Jones 1980), so every candidate is stationary and invertible.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    p = check_int(p, "p", minimum=0)
    q = check_int(q, "q", minimum=0)
    method = check_choice(method, "method", ("mle", "css"))
    if p + q == 0:
        raise ValueError("p + q must be at least 1")
    n = y.shape[0]
    if n < 5 * (p + q + 1):
        raise ValueError(f"y is too short for an ARMA({p},{q}) fit: {n} values")
    scale = float(np.std(y)) or 1.0
    ys = y / scale
    mu0, phi0, theta0 = _hannan_rissanen(ys, p, q, include_mean)

    def unpack(v):
        k = 0
        mu = v[k] if include_mean else 0.0
        k += int(include_mean)
        phi = _constrain(v[k : k + p])
        theta = -_constrain(v[k + p : k + p + q])
        return mu, phi, theta

    v0 = np.concatenate([[mu0] if include_mean else [], _unconstrain(phi0), _unconstrain(-theta0)])
    res = optimize.least_squares(lambda v: _css_residuals(ys, *unpack(v)), v0, method="lm", xtol=1e-12, ftol=1e-12)
    v = res.x
    if method == "mle":
        # sigma^2 is concentrated out: with sigma^2 = 1 in the filter, F_t scales with
        # sigma^2, so the maximiser is sigma2_hat = mean(v_t^2 / F_t).
        def negll(w):
            mu, phi, theta = unpack(w)
            T, R = _statespace(phi, theta)
            P0 = _stationary_cov(T, R, 1.0)
            a, b, _, _ = _kalman_univariate(ys - mu, T, np.outer(R, R), P0)
            return 0.5 * (a + n * np.log(b / n))

        best = optimize.minimize(negll, v, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
        v = best.x
        mu, phi, theta = unpack(v)
        T, R = _statespace(phi, theta)
        _, b, _, _ = _kalman_univariate(ys - mu, T, np.outer(R, R), _stationary_cov(T, R, 1.0))
        sigma2 = float(b / n) * scale**2
    else:
        mu, phi, theta = unpack(v)
        e = _css_residuals(ys, mu, phi, theta)
        sigma2 = float(np.mean(e * e)) * scale**2
    mu = float(mu) * scale
    ll = arma_loglik(y, phi, theta, mu=mu, sigma2=sigma2)
    return ARMAFit(mu, np.asarray(phi, dtype=float), np.asarray(theta, dtype=float), sigma2, ll, method)


def arma_forecast(y, phi, theta, h: int, *, mu: float = 0.0, sigma2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``h``-step forecasts of a stationary ARMA given the whole observed ``y``.

    Returns the forecast means ``E[y_{n+j} | y_{1:n}]`` and variances
    ``Var[y_{n+j} | y_{1:n}]`` for ``j = 1..h`` (Kalman filter, then ``h`` prediction steps).
    For long series the variances tend to ``sigma2 * sum_{i<j} psi_i^2``.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    phi, theta = _coef(phi, "phi"), _coef(theta, "theta")
    h = check_int(h, "h", minimum=1)
    sigma2 = check_positive(sigma2, "sigma2")
    if not is_stationary(phi):
        raise ValueError("phi is not stationary")
    T, R = _statespace(phi, theta)
    RR = sigma2 * np.outer(R, R)
    P0 = _stationary_cov(T, R, sigma2)
    _, _, a, P = _kalman_univariate(y - mu, T, RR, P0)
    means, variances = np.zeros(h), np.zeros(h)
    for j in range(h):
        means[j] = mu + a[0]
        variances[j] = P[0, 0]
        a = T @ a
        P = T @ P @ T.T + RR
    return means, variances


# --------------------------------------------------------------------------- ARIMA
class ARIMAFit(NamedTuple):
    """A fitted ARIMA(p, d, q): an ARMA fit of the ``d``-th difference (mean 0 when d > 0)."""

    d: int
    arma: ARMAFit


def fit_arima(y, p: int, d: int, q: int, *, method: str = "mle") -> ARIMAFit:
    """Fit ARIMA(p, d, q): difference ``d`` times, then fit an ARMA(p, q).

    With ``d = 0`` a mean is estimated; with ``d > 0`` the differenced series is taken
    to have mean zero (no drift), as in statsmodels' default.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    d = check_int(d, "d", minimum=0)
    w = difference(y, d) if d else y
    return ARIMAFit(d, fit_arma(w, p, q, method=method, include_mean=(d == 0)))


def arima_forecast(y, fit: ARIMAFit, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast means and variances of an ARIMA fit ``h`` steps past the end of ``y``.

    The differenced series is forecast exactly (:func:`arma_forecast`) and summed back
    ``d`` times. Variances use the psi-weights of ``theta(L) / (phi(L)(1 - L)^d)``:
    ``sigma2 * sum_{i<j} psi_i^2``, the large-sample forecast-error variance.
    """
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    h = check_int(h, "h", minimum=1)
    d, a = fit.d, fit.arma
    w = difference(y, d) if d else y
    m, _ = arma_forecast(w, a.phi, a.theta, h, mu=a.mu, sigma2=a.sigma2)
    mean = undifference(m, y[-d:]) if d else m
    ar_full = np.concatenate([[1.0], -a.phi])
    for _ in range(d):
        ar_full = np.convolve(ar_full, [1.0, -1.0])
    psi = signal.lfilter(np.concatenate([[1.0], a.theta]), ar_full, np.eye(1, h)[0])
    var = a.sigma2 * np.cumsum(psi * psi)
    if d == 0:
        _, var = arma_forecast(w, a.phi, a.theta, h, mu=a.mu, sigma2=a.sigma2)
    return mean, var
