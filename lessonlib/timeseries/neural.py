"""NumPy forward passes of recurrent cells and the Jacobian products of backpropagation through time.

Parameters are plain dictionaries of arrays, one entry per matrix of the equations, so
the code reads like the formulas:

* RNN:  ``h_t = tanh(W_x x_t + W_h h_{t-1} + b)``
* LSTM: gates ``f, i, o = sigma(W_* x_t + U_* h_{t-1} + b_*)``, candidate
  ``c~ = tanh(W_c x_t + U_c h_{t-1} + b_c)``, ``c_t = f * c_{t-1} + i * c~``,
  ``h_t = o * tanh(c_t)``
* GRU:  ``z, r = sigma(W_* x_t + U_* h_{t-1} + b_*)``,
  ``h~ = tanh(W_h x_t + U_h (r * h_{t-1}) + b_h)`` and either
  ``h_t = (1 - z) * h_{t-1} + z * h~`` (``convention="update"``, the form used in this
  book) or ``h_t = z * h_{t-1} + (1 - z) * h~`` (``convention="cho"``: Cho et al. 2014
  and PyTorch). The two are the same family of functions with ``z`` replaced by ``1 - z``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_float_array, check_choice, check_int, check_rng

__all__ = [
    "sigmoid",
    "init_rnn",
    "rnn_step",
    "rnn_forward",
    "init_lstm",
    "lstm_step",
    "lstm_forward",
    "init_gru",
    "gru_step",
    "gru_forward",
    "rnn_jacobians",
    "bptt_gradient_norms",
]

Params = dict[str, np.ndarray]


def sigmoid(x):
    """Logistic function ``1 / (1 + e^{-x})``, computed without overflow."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def _glorot(rng: np.random.Generator, shape: tuple[int, int], scale: float | None) -> np.ndarray:
    s = np.sqrt(1.0 / shape[1]) if scale is None else scale
    return rng.normal(0.0, s, shape)


def init_rnn(d_in: int, d_h: int, rng, *, scale: float | None = None) -> Params:
    """Random RNN parameters ``W_x (d_h, d_in)``, ``W_h (d_h, d_h)``, ``b (d_h,)``.

    Entries are ``N(0, s^2)`` with ``s = 1/sqrt(fan_in)`` unless ``scale`` is given.
    """
    d_in = check_int(d_in, "d_in", minimum=1)
    d_h = check_int(d_h, "d_h", minimum=1)
    rng = check_rng(rng)
    return {"W_x": _glorot(rng, (d_h, d_in), scale), "W_h": _glorot(rng, (d_h, d_h), scale), "b": np.zeros(d_h)}


def rnn_step(x, h, p: Params, activation: Callable = np.tanh) -> np.ndarray:
    """One step ``h_t = activation(W_x x_t + W_h h_{t-1} + b)``."""
    return activation(p["W_x"] @ np.asarray(x, dtype=float) + p["W_h"] @ np.asarray(h, dtype=float) + p["b"])


def _inputs(xs) -> np.ndarray:
    xs = as_float_array(xs, "xs", ndim=(1, 2))
    return xs[:, None] if xs.ndim == 1 else xs


def rnn_forward(xs, p: Params, h0=None, activation: Callable = np.tanh) -> np.ndarray:
    """Run the RNN over inputs ``xs`` (shape (T,) or (T, d_in)); returns ``h_1..h_T`` (T, d_h)."""
    xs = _inputs(xs)
    d_h = p["W_h"].shape[0]
    h = np.zeros(d_h) if h0 is None else as_float_array(h0, "h0", ndim=1)
    out = np.zeros((xs.shape[0], d_h))
    for t in range(xs.shape[0]):
        h = rnn_step(xs[t], h, p, activation)
        out[t] = h
    return out


def init_lstm(d_in: int, d_h: int, rng, *, scale: float | None = None, forget_bias: float = 1.0) -> Params:
    """Random LSTM parameters ``W_g (d_h, d_in)``, ``U_g (d_h, d_h)``, ``b_g`` for ``g in f, i, o, c``.

    The forget-gate bias starts at ``forget_bias`` (1 by default) so that the cell
    remembers by default, a common initialisation.
    """
    d_in = check_int(d_in, "d_in", minimum=1)
    d_h = check_int(d_h, "d_h", minimum=1)
    rng = check_rng(rng)
    p: Params = {}
    for g in "fioc":
        p[f"W_{g}"] = _glorot(rng, (d_h, d_in), scale)
        p[f"U_{g}"] = _glorot(rng, (d_h, d_h), scale)
        p[f"b_{g}"] = np.zeros(d_h)
    p["b_f"] += float(forget_bias)
    return p


def lstm_step(x, h, c, p: Params) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One LSTM step; returns ``(h_t, c_t, gates)`` with ``gates`` holding ``f, i, o, c_tilde``."""
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    pre = {g: p[f"W_{g}"] @ x + p[f"U_{g}"] @ h + p[f"b_{g}"] for g in "fioc"}
    f, i, o = sigmoid(pre["f"]), sigmoid(pre["i"]), sigmoid(pre["o"])
    c_tilde = np.tanh(pre["c"])
    c_new = f * np.asarray(c, dtype=float) + i * c_tilde
    h_new = o * np.tanh(c_new)
    return h_new, c_new, {"f": f, "i": i, "o": o, "c_tilde": c_tilde}


def lstm_forward(xs, p: Params, h0=None, c0=None) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Run an LSTM over ``xs``; returns ``H (T, d_h)``, ``C (T, d_h)`` and the gates over time."""
    xs = _inputs(xs)
    d_h = p["U_f"].shape[0]
    h = np.zeros(d_h) if h0 is None else as_float_array(h0, "h0", ndim=1)
    c = np.zeros(d_h) if c0 is None else as_float_array(c0, "c0", ndim=1)
    T = xs.shape[0]
    H, C = np.zeros((T, d_h)), np.zeros((T, d_h))
    gates = {g: np.zeros((T, d_h)) for g in ("f", "i", "o", "c_tilde")}
    for t in range(T):
        h, c, gt = lstm_step(xs[t], h, c, p)
        H[t], C[t] = h, c
        for g, v in gt.items():
            gates[g][t] = v
    return H, C, gates


def init_gru(d_in: int, d_h: int, rng, *, scale: float | None = None) -> Params:
    """Random GRU parameters ``W_g, U_g, b_g`` for ``g in z, r, h``."""
    d_in = check_int(d_in, "d_in", minimum=1)
    d_h = check_int(d_h, "d_h", minimum=1)
    rng = check_rng(rng)
    p: Params = {}
    for g in "zrh":
        p[f"W_{g}"] = _glorot(rng, (d_h, d_in), scale)
        p[f"U_{g}"] = _glorot(rng, (d_h, d_h), scale)
        p[f"b_{g}"] = np.zeros(d_h)
    return p


def gru_step(x, h, p: Params, *, convention: str = "update") -> np.ndarray:
    """One GRU step (see the module docstring for the two conventions)."""
    convention = check_choice(convention, "convention", ("update", "cho"))
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    z = sigmoid(p["W_z"] @ x + p["U_z"] @ h + p["b_z"])
    r = sigmoid(p["W_r"] @ x + p["U_r"] @ h + p["b_r"])
    h_tilde = np.tanh(p["W_h"] @ x + p["U_h"] @ (r * h) + p["b_h"])
    if convention == "update":
        return (1.0 - z) * h + z * h_tilde
    return z * h + (1.0 - z) * h_tilde


def gru_forward(xs, p: Params, h0=None, *, convention: str = "update") -> np.ndarray:
    """Run a GRU over ``xs``; returns ``h_1..h_T`` (T, d_h)."""
    xs = _inputs(xs)
    d_h = p["U_z"].shape[0]
    h = np.zeros(d_h) if h0 is None else as_float_array(h0, "h0", ndim=1)
    out = np.zeros((xs.shape[0], d_h))
    for t in range(xs.shape[0]):
        h = gru_step(xs[t], h, p, convention=convention)
        out[t] = h
    return out


def rnn_jacobians(xs, p: Params, h0=None) -> np.ndarray:
    """Step Jacobians ``J_t = dh_t/dh_{t-1} = diag(1 - h_t^2) W_h`` of a tanh RNN, shape (T, d_h, d_h)."""
    H = rnn_forward(xs, p, h0)
    return (1.0 - H * H)[:, :, None] * p["W_h"][None, :, :]


def bptt_gradient_norms(xs, p: Params, h0=None) -> np.ndarray:
    """Spectral norms ``||dh_T / dh_{T-k}||_2`` for ``k = 0..T``.

    ``dh_T/dh_{T-k} = J_T J_{T-1} ... J_{T-k+1}``: the factor by which backpropagation
    through time scales an error signal sent ``k`` steps into the past. Entry ``k = 0``
    is 1 (the identity); entry ``k = T`` is ``||dh_T / dh_0||``.
    """
    J = rnn_jacobians(xs, p, h0)
    T, d, _ = J.shape
    M = np.eye(d)
    out = np.zeros(T + 1)
    out[0] = 1.0
    for k in range(1, T + 1):
        M = M @ J[T - k]
        out[k] = np.linalg.norm(M, 2)
    return out
