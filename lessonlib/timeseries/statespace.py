"""The linear-Gaussian state-space model, the Kalman filter and the RTS smoother.

Model (time ``t = 1..n``)::

    x_t = A x_{t-1} + w_t,   w_t ~ N(0, Q)        (hidden state, dimension k)
    y_t = C x_t + v_t,       v_t ~ N(0, R)        (observation, dimension p)
    x_0 ~ N(m0, P0)

The filter returns every intermediate quantity of the predict/update recursion, so a
chapter can print them. Observations that are NaN are treated as missing: the update
step is skipped for them, which is also how the smoother imputes gaps.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_float_array, check_int, check_positive, check_rng

__all__ = [
    "constant_velocity_model",
    "local_level_model",
    "simulate_lgssm",
    "KalmanResult",
    "kalman_filter",
    "SmootherResult",
    "kalman_smoother",
    "steady_state_kalman",
]


def constant_velocity_model(dt: float = 1.0, q: float = 1.0, r: float = 1.0):
    """``(A, C, Q, R)`` of a 1-D target with position and velocity, observed in position.

    ``A = [[1, dt], [0, 1]]``, ``C = [[1, 0]]``; white-noise acceleration of intensity
    ``q`` gives ``Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]``; ``R = [[r]]``.
    """
    dt = check_positive(dt, "dt")
    q = check_positive(q, "q", strict=False)
    r = check_positive(r, "r")
    A = np.array([[1.0, dt], [0.0, 1.0]])
    C = np.array([[1.0, 0.0]])
    Q = q * np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]])
    R = np.array([[r]])
    return A, C, Q, R


def local_level_model(q: float = 1.0, r: float = 1.0):
    """``(A, C, Q, R)`` of the local-level model ``x_t = x_{t-1} + w_t``, ``y_t = x_t + v_t``."""
    q = check_positive(q, "q", strict=False)
    r = check_positive(r, "r")
    return np.eye(1), np.eye(1), np.array([[q]]), np.array([[r]])


def _matrices(A, C, Q, R):
    A = as_float_array(A, "A", ndim=2)
    C = as_float_array(C, "C", ndim=2)
    Q = as_float_array(Q, "Q", ndim=2)
    R = as_float_array(R, "R", ndim=2)
    k, p = A.shape[0], C.shape[0]
    if A.shape != (k, k):
        raise ValueError(f"A must be square, got shape {A.shape}")
    if C.shape != (p, k):
        raise ValueError(f"C must have shape (p, {k}), got {C.shape}")
    if Q.shape != (k, k):
        raise ValueError(f"Q must have shape {(k, k)}, got {Q.shape}")
    if R.shape != (p, p):
        raise ValueError(f"R must have shape {(p, p)}, got {R.shape}")
    return A, C, Q, R


def _prior(m0, P0, k: int):
    m0 = np.zeros(k) if m0 is None else as_float_array(m0, "m0", ndim=1)
    P0 = np.eye(k) if P0 is None else as_float_array(P0, "P0", ndim=2)
    if m0.shape != (k,):
        raise ValueError(f"m0 must have shape ({k},), got {m0.shape}")
    if P0.shape != (k, k):
        raise ValueError(f"P0 must have shape {(k, k)}, got {P0.shape}")
    return m0, P0


def simulate_lgssm(A, C, Q, R, n: int, rng, *, m0=None, P0=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw hidden states ``x_1..x_n`` (shape (n, k)) and observations ``y_1..y_n`` (shape (n, p))."""
    A, C, Q, R = _matrices(A, C, Q, R)
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    k, p = A.shape[0], C.shape[0]
    m0, P0 = _prior(m0, P0, k)
    x = rng.multivariate_normal(m0, P0, method="cholesky") if np.any(P0) else m0.copy()
    xs, ys = np.zeros((n, k)), np.zeros((n, p))
    for t in range(n):
        x = A @ x + rng.multivariate_normal(np.zeros(k), Q, method="eigh")
        xs[t] = x
        ys[t] = C @ x + rng.multivariate_normal(np.zeros(p), R, method="eigh")
    return xs, ys


class KalmanResult(NamedTuple):
    """Everything the Kalman filter computes, indexed by time ``t = 1..n`` (row ``t - 1``).

    ``x_pred``/``P_pred`` are ``x_{t|t-1}``/``P_{t|t-1}``; ``x_filt``/``P_filt`` are
    ``x_{t|t}``/``P_{t|t}``; ``innov`` is ``r_t = y_t - C x_{t|t-1}`` (NaN where ``y_t``
    is missing), ``S`` its covariance ``C P_{t|t-1} C^T + R``, ``gain`` is ``K_t``, and
    ``loglik`` is ``log p(y_{1:n})`` summed over the observed entries.
    """

    x_pred: np.ndarray
    P_pred: np.ndarray
    x_filt: np.ndarray
    P_filt: np.ndarray
    innov: np.ndarray
    S: np.ndarray
    gain: np.ndarray
    loglik: float


def kalman_filter(y, A, C, Q, R, *, m0=None, P0=None) -> KalmanResult:
    """Run the Kalman filter over observations ``y`` (shape (n,) or (n, p); NaN = missing).

    Predict: ``x_{t|t-1} = A x_{t-1|t-1}``, ``P_{t|t-1} = A P_{t-1|t-1} A^T + Q``.
    Update:  ``r_t = y_t - C x_{t|t-1}``, ``S_t = C P_{t|t-1} C^T + R``,
    ``K_t = P_{t|t-1} C^T S_t^{-1}``, ``x_{t|t} = x_{t|t-1} + K_t r_t``,
    ``P_{t|t} = (I - K_t C) P_{t|t-1}`` (computed in Joseph form, which keeps it symmetric
    and positive semi-definite).
    The prior ``x_0 ~ N(m0, P0)`` defaults to ``N(0, I)``.
    """
    A, C, Q, R = _matrices(A, C, Q, R)
    k, p = A.shape[0], C.shape[0]
    y = as_float_array(y, "y", ndim=(1, 2))
    if y.ndim == 1:
        y = y[:, None]
    if y.shape[1] != p:
        raise ValueError(f"y must have {p} column(s) to match C, got {y.shape[1]}")
    if np.any(np.isinf(y)):
        raise ValueError("y must not contain infinities (use NaN for missing values)")
    m, P = _prior(m0, P0, k)
    n = y.shape[0]
    x_pred, x_filt = np.zeros((n, k)), np.zeros((n, k))
    P_pred, P_filt = np.zeros((n, k, k)), np.zeros((n, k, k))
    innov = np.full((n, p), np.nan)
    S_all = np.full((n, p, p), np.nan)
    gain = np.zeros((n, k, p))
    loglik = 0.0
    I = np.eye(k)
    for t in range(n):
        m = A @ m
        P = A @ P @ A.T + Q
        x_pred[t], P_pred[t] = m, P
        obs = ~np.isnan(y[t])
        if obs.any():
            Co = C[obs]
            Ro = R[np.ix_(obs, obs)]
            r = y[t, obs] - Co @ m
            S = Co @ P @ Co.T + Ro
            K = np.linalg.solve(S, Co @ P).T  # P C^T S^{-1}, using the symmetry of S and P
            m = m + K @ r
            IKC = I - K @ Co
            P = IKC @ P @ IKC.T + K @ Ro @ K.T
            innov[t, obs] = r
            S_all[t][np.ix_(obs, obs)] = S
            gain[t][:, obs] = K
            sign, logdet = np.linalg.slogdet(S)
            loglik += -0.5 * (obs.sum() * np.log(2 * np.pi) + logdet + r @ np.linalg.solve(S, r))
        x_filt[t], P_filt[t] = m, P
    return KalmanResult(x_pred, P_pred, x_filt, P_filt, innov, S_all, gain, float(loglik))


class SmootherResult(NamedTuple):
    """Rauch–Tung–Striebel smoother output: ``x_{t|n}``, ``P_{t|n}`` and the gains ``J_t``."""

    x_smooth: np.ndarray
    P_smooth: np.ndarray
    J: np.ndarray


def kalman_smoother(y, A, C, Q, R, *, m0=None, P0=None, filtered: KalmanResult | None = None) -> SmootherResult:
    """Rauch–Tung–Striebel smoother: ``E[x_t | y_{1:n}]`` and ``Cov[x_t | y_{1:n}]``.

    Backward pass ``J_t = P_{t|t} A^T P_{t+1|t}^{-1}``,
    ``x_{t|n} = x_{t|t} + J_t (x_{t+1|n} - x_{t+1|t})``,
    ``P_{t|n} = P_{t|t} + J_t (P_{t+1|n} - P_{t+1|t}) J_t^T``.
    """
    A = as_float_array(A, "A", ndim=2)
    kf = filtered if filtered is not None else kalman_filter(y, A, C, Q, R, m0=m0, P0=P0)
    n, k = kf.x_filt.shape
    xs, Ps = kf.x_filt.copy(), kf.P_filt.copy()
    J = np.zeros((max(n - 1, 0), k, k))
    for t in range(n - 2, -1, -1):
        Jt = np.linalg.solve(kf.P_pred[t + 1], A @ kf.P_filt[t]).T
        xs[t] = kf.x_filt[t] + Jt @ (xs[t + 1] - kf.x_pred[t + 1])
        Ps[t] = kf.P_filt[t] + Jt @ (Ps[t + 1] - kf.P_pred[t + 1]) @ Jt.T
        Ps[t] = 0.5 * (Ps[t] + Ps[t].T)
        J[t] = Jt
    return SmootherResult(xs, Ps, J)


def steady_state_kalman(A, C, Q, R, *, P_init=None, tol: float = 1e-12, max_iter: int = 100_000):
    """Iterate the Riccati recursion until the predicted covariance stops changing.

    ``P <- A (P - P C^T (C P C^T + R)^{-1} C P) A^T + Q``

    Returns
    -------
    P_pred : numpy.ndarray
        The fixed point ``P_inf`` (covariance of ``x_{t|t-1}`` in the long run).
    P_filt : numpy.ndarray
        ``(I - K C) P_inf``.
    K : numpy.ndarray
        The steady-state gain ``P_inf C^T (C P_inf C^T + R)^{-1}``.
    n_iter : int
        Number of iterations used.
    """
    A, C, Q, R = _matrices(A, C, Q, R)
    k = A.shape[0]
    P = Q.copy() if P_init is None else as_float_array(P_init, "P_init", ndim=2)
    for it in range(1, max_iter + 1):
        S = C @ P @ C.T + R
        P_f = P - P @ C.T @ np.linalg.solve(S, C @ P)
        P_new = A @ P_f @ A.T + Q
        P_new = 0.5 * (P_new + P_new.T)
        if np.max(np.abs(P_new - P)) <= tol * max(1.0, np.max(np.abs(P))):
            P = P_new
            break
        P = P_new
    else:
        raise RuntimeError("the Riccati recursion did not converge (is the pair (A, C) detectable?)")
    S = C @ P @ C.T + R
    K = np.linalg.solve(S, C @ P).T
    return P, (np.eye(k) - K @ C) @ P, K, it
