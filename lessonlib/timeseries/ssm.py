"""Linear state-space sequence layers (S4) and the selective scan (Mamba), single input and output.

A continuous system ``x'(t) = A x(t) + B u(t)``, ``y(t) = C x(t) + D u(t)`` sampled with
step ``dt`` becomes ``x_k = Ab x_{k-1} + Bb u_k``, ``y_k = C x_k + D u_k``. Unrolling
the recurrence from ``x_0 = 0`` shows it is also a causal convolution,
``y = K * u + D u`` with kernel ``K = (C Bb, C Ab Bb, C Ab^2 Bb, ...)``: a recurrent
view for cheap generation and a convolutional view for parallel training.

Mamba makes ``dt``, ``B`` and ``C`` depend on the input at every step (*selection*);
the convolutional view is then lost, and the recurrence is computed by a scan.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg

from .._validate import as_float_array, check_choice, check_int, check_positive

__all__ = ["discretize", "ssm_scan", "ssm_kernel", "ssm_convolve", "selective_scan"]


def discretize(A, B, dt: float, method: str = "zoh") -> tuple[np.ndarray, np.ndarray]:
    """Discretise ``(A, B)`` with step ``dt``.

    * ``"zoh"`` (zero-order hold): ``Ab = exp(dt A)``, ``Bb = A^{-1}(exp(dt A) - I) B``
      (computed from one matrix exponential, so singular ``A`` is fine);
    * ``"bilinear"`` (Tustin, used by S4): ``Ab = (I - dt/2 A)^{-1}(I + dt/2 A)``,
      ``Bb = (I - dt/2 A)^{-1} dt B``;
    * ``"euler"``: ``Ab = I + dt A``, ``Bb = dt B``.
    """
    A = as_float_array(A, "A", ndim=2)
    B = as_float_array(B, "B", ndim=(1, 2))
    dt = check_positive(dt, "dt")
    method = check_choice(method, "method", ("zoh", "bilinear", "euler"))
    N = A.shape[0]
    if A.shape != (N, N):
        raise ValueError(f"A must be square, got {A.shape}")
    vec = B.ndim == 1
    B2 = B[:, None] if vec else B
    if B2.shape[0] != N:
        raise ValueError(f"B must have {N} rows, got {B2.shape[0]}")
    I = np.eye(N)
    if method == "zoh":
        M = np.zeros((N + B2.shape[1], N + B2.shape[1]))
        M[:N, :N] = A
        M[:N, N:] = B2
        E = linalg.expm(dt * M)
        Ab, Bb = E[:N, :N], E[:N, N:]
    elif method == "bilinear":
        inv = np.linalg.inv(I - dt / 2 * A)
        Ab, Bb = inv @ (I + dt / 2 * A), inv @ (dt * B2)
    else:
        Ab, Bb = I + dt * A, dt * B2
    return Ab, (Bb[:, 0] if vec else Bb)


def ssm_scan(Ab, Bb, C, u, D: float = 0.0, x0=None) -> np.ndarray:
    """Run the recurrence ``x_k = Ab x_{k-1} + Bb u_k``, ``y_k = C . x_k + D u_k`` over ``u`` (shape (L,))."""
    Ab = as_float_array(Ab, "Ab", ndim=2)
    Bb = as_float_array(Bb, "Bb", ndim=1)
    C = as_float_array(C, "C", ndim=1)
    u = as_float_array(u, "u", ndim=1)
    x = np.zeros(Ab.shape[0]) if x0 is None else as_float_array(x0, "x0", ndim=1)
    y = np.zeros(u.shape[0])
    for k in range(u.shape[0]):
        x = Ab @ x + Bb * u[k]
        y[k] = C @ x + D * u[k]
    return y


def ssm_kernel(Ab, Bb, C, L: int) -> np.ndarray:
    """Convolution kernel ``K_j = C Ab^j Bb``, ``j = 0..L-1``."""
    Ab = as_float_array(Ab, "Ab", ndim=2)
    Bb = as_float_array(Bb, "Bb", ndim=1)
    C = as_float_array(C, "C", ndim=1)
    L = check_int(L, "L", minimum=1)
    K = np.zeros(L)
    v = Bb.copy()
    for j in range(L):
        K[j] = C @ v
        v = Ab @ v
    return K


def ssm_convolve(K, u, D: float = 0.0) -> np.ndarray:
    """Causal convolution ``y_k = sum_{j<=k} K_j u_{k-j} + D u_k`` computed with the FFT."""
    K = as_float_array(K, "K", ndim=1)
    u = as_float_array(u, "u", ndim=1)
    L = u.shape[0]
    if K.shape[0] < L:
        raise ValueError(f"K must have at least len(u) = {L} entries, got {K.shape[0]}")
    n = 1 << int(np.ceil(np.log2(2 * L)))
    y = np.fft.irfft(np.fft.rfft(K[:L], n) * np.fft.rfft(u, n), n)[:L]
    return y + D * u


def selective_scan(u, A_diag, B_t, C_t, dt_t) -> np.ndarray:
    """Mamba-style selective scan with diagonal ``A`` and per-step ``dt_t, B_t, C_t``.

    ``x_k = exp(dt_k A) * x_{k-1} + dt_k B_k u_k``, ``y_k = C_k . x_k``
    (zero-order hold for ``A``, Euler for ``B``, as in Mamba).

    Parameters
    ----------
    u : array_like, shape (L,)
    A_diag : array_like, shape (N,)
        Diagonal of ``A`` (negative real parts for stability).
    B_t, C_t : array_like, shape (L, N)
    dt_t : array_like, shape (L,)
        Positive step sizes; a large ``dt_k`` resets the state towards the current
        input, a small one keeps the memory.
    """
    u = as_float_array(u, "u", ndim=1)
    a = as_float_array(A_diag, "A_diag", ndim=1)
    B_t = as_float_array(B_t, "B_t", ndim=2)
    C_t = as_float_array(C_t, "C_t", ndim=2)
    dt_t = as_float_array(dt_t, "dt_t", ndim=1)
    L, N = u.shape[0], a.shape[0]
    if B_t.shape != (L, N) or C_t.shape != (L, N) or dt_t.shape != (L,):
        raise ValueError(f"B_t and C_t must have shape ({L}, {N}) and dt_t shape ({L},)")
    if np.any(dt_t <= 0):
        raise ValueError("dt_t must be > 0")
    x = np.zeros(N)
    y = np.zeros(L)
    for k in range(L):
        x = np.exp(dt_t[k] * a) * x + dt_t[k] * B_t[k] * u[k]
        y[k] = C_t[k] @ x
    return y
