"""Causal and dilated convolutions, temporal convolutional network (TCN) stacks, receptive fields.

A causal convolution of dilation ``d`` with kernel ``w_0..w_{K-1}``::

    h_t = sum_{k=0}^{K-1} w_k x_{t - d k}        (x_s = 0 for s < 0)

uses only the present and the past. Stacking layers with dilations ``d_1, ..., d_n``
gives the receptive field ``1 + (K - 1) sum_l d_l``.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .._validate import as_float_array, check_int

__all__ = ["causal_conv1d", "receptive_field", "tcn_forward", "dependency_matrix", "relu"]


def relu(x):
    """``max(x, 0)``."""
    return np.maximum(x, 0.0)


def causal_conv1d(x, w, dilation: int = 1, bias=0.0) -> np.ndarray:
    """Causal dilated convolution with zero left padding (output length = input length).

    Parameters
    ----------
    x : array_like, shape (T,) or (T, C_in)
    w : array_like, shape (K,) or (K, C_in, C_out)
        ``w[k]`` multiplies ``x_{t - dilation k}`` (``w[0]`` the current value).
    dilation : int
        Spacing ``d`` between taps.
    bias : float or array_like, shape (C_out,)

    Returns
    -------
    numpy.ndarray, shape (T,) or (T, C_out)
    """
    x = as_float_array(x, "x", ndim=(1, 2))
    w = as_float_array(w, "w", ndim=(1, 3))
    d = check_int(dilation, "dilation", minimum=1)
    if (x.ndim == 1) != (w.ndim == 1):
        raise ValueError("use a 1-D kernel with a 1-D series, or a (K, C_in, C_out) kernel with a (T, C_in) series")
    T = x.shape[0]
    if x.ndim == 1:
        out = np.zeros(T)
        for k in range(w.shape[0]):
            s = d * k
            if s < T:
                out[s:] += w[k] * x[: T - s]
        return out + bias
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w expects {w.shape[1]} input channels, x has {x.shape[1]}")
    out = np.zeros((T, w.shape[2]))
    for k in range(w.shape[0]):
        s = d * k
        if s < T:
            out[s:] += x[: T - s] @ w[k]
    return out + np.asarray(bias, dtype=float)


def receptive_field(kernel_size: int, dilations: Sequence[int], *, convs_per_layer: int = 1) -> int:
    """Number of input steps that can influence one output: ``1 + c (K - 1) sum(dilations)``.

    ``convs_per_layer = 2`` for the residual block of Bai et al. (two convolutions with
    the same dilation per block).
    """
    K = check_int(kernel_size, "kernel_size", minimum=1)
    c = check_int(convs_per_layer, "convs_per_layer", minimum=1)
    ds = [check_int(d, "dilations", minimum=1) for d in dilations]
    return 1 + c * (K - 1) * sum(ds)


def tcn_forward(x, layers: Sequence[tuple], activation: Callable = relu, *, residual: bool = True) -> list[np.ndarray]:
    """A stack of causal dilated convolutions ``H^{l+1} = H^l + Conv_l(phi(H^l))``.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, C)
    layers : sequence of ``(w, dilation)`` or ``(w, dilation, bias)``
        With ``residual=True`` every kernel must map ``C`` channels to ``C`` channels.
    activation : callable
        ``phi``, applied before each convolution.
    residual : bool
        Add the skip connection ``H^l``.

    Returns
    -------
    list of numpy.ndarray
        ``[H^0 = x, H^1, ..., H^n]``.
    """
    h = as_float_array(x, "x", ndim=(1, 2))
    outs = [h]
    for layer in layers:
        w, d = layer[0], layer[1]
        b = layer[2] if len(layer) > 2 else 0.0
        y = causal_conv1d(activation(h), w, d, b)
        h = h + y if residual else y
        outs.append(h)
    return outs


def dependency_matrix(T: int, kernel_size: int, dilations: Sequence[int]) -> np.ndarray:
    """Boolean ``(n_layers + 1, T, T)`` array: ``M[l, t, s]`` is True when input ``x_s`` reaches output ``t`` of layer ``l``.

    Computed by propagating supports through the taps (no residual paths), so row
    ``t`` of the last layer covers exactly the receptive field ending at ``t``.
    """
    T = check_int(T, "T", minimum=1)
    K = check_int(kernel_size, "kernel_size", minimum=1)
    M = np.eye(T, dtype=bool)
    out = [M.copy()]
    for d in dilations:
        d = check_int(d, "dilations", minimum=1)
        new = np.zeros_like(M)
        for k in range(K):
            s = d * k
            if s < T:
                new[s:] |= M[: T - s]
        M = new
        out.append(M.copy())
    return np.stack(out)
