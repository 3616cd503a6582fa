"""Ways to turn a series into transformer tokens.

* :func:`patchify`: PatchTST / TimesFM patches of ``P`` consecutive values;
* :func:`variate_tokens`: iTransformer's inverted tokens (one token per variable);
* :func:`mean_scale_quantize` / :func:`dequantize`: Chronos-style value tokens
  (divide by the mean absolute value of the context, then bin uniformly).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_finite, check_int, check_positive

__all__ = ["n_patches", "patchify", "variate_tokens", "mean_scale_quantize", "dequantize"]


def n_patches(L: int, patch_len: int, stride: int, *, pad_end: bool = False) -> int:
    """Number of patches: ``floor((L - P) / S) + 1``, plus one when the end is padded by ``S`` values."""
    L = check_int(L, "L", minimum=1)
    P = check_int(patch_len, "patch_len", minimum=1)
    S = check_int(stride, "stride", minimum=1)
    if P > L:
        raise ValueError(f"patch_len must be <= L = {L}, got {P}")
    return (L - P) // S + 1 + (1 if pad_end else 0)


def patchify(y, patch_len: int, stride: int, *, pad_end: bool = False) -> np.ndarray:
    """Cut a series into patches ``p_i = (y_{s_i}, ..., y_{s_i + P - 1})``, ``s_i = i S``.

    Parameters
    ----------
    y : array_like, shape (L,) or (L, d)
    patch_len, stride : int
        ``P`` and ``S``.
    pad_end : bool
        Repeat the last value ``S`` times first, as PatchTST does, so the last values
        are covered by a full patch.

    Returns
    -------
    numpy.ndarray, shape (N_p, P) or (N_p, P, d)
    """
    y = as_float_array(y, "y", ndim=(1, 2))
    P = check_int(patch_len, "patch_len", minimum=1)
    S = check_int(stride, "stride", minimum=1)
    if pad_end:
        y = np.concatenate([y, np.repeat(y[-1:], S, axis=0)], axis=0)
    N = n_patches(y.shape[0], P, S)
    idx = np.arange(N)[:, None] * S + np.arange(P)[None, :]
    return y[idx].copy()


def variate_tokens(Y) -> np.ndarray:
    """iTransformer tokens: the ``d`` columns of ``Y (T, d)``, each a length-``T`` history, shape (d, T)."""
    Y = as_float_array(Y, "Y", ndim=2)
    return Y.T.copy()


def mean_scale_quantize(context, n_bins: int = 1024, limit: float = 15.0) -> tuple[np.ndarray, float, np.ndarray]:
    """Chronos-style tokenisation of a context window.

    The context is divided by its mean absolute value ``s`` and each scaled value is
    mapped to the nearest of ``n_bins`` equally spaced bin centres on ``[-limit, limit]``.

    Returns
    -------
    tokens : numpy.ndarray of int
        Bin indices ``0..n_bins-1``.
    scale : float
        ``s`` (1 if the context is all zeros).
    centres : numpy.ndarray
        The bin centres (in scaled units).
    """
    x = check_finite(as_float_array(context, "context", ndim=1), "context")
    n_bins = check_int(n_bins, "n_bins", minimum=2)
    limit = check_positive(limit, "limit")
    s = float(np.mean(np.abs(x)))
    s = s if s > 0 else 1.0
    centres = np.linspace(-limit, limit, n_bins)
    width = centres[1] - centres[0]
    tokens = np.clip(np.rint((x / s + limit) / width), 0, n_bins - 1).astype(np.int64)
    return tokens, s, centres


def dequantize(tokens, scale: float, centres) -> np.ndarray:
    """Map tokens back to values: ``centres[token] * scale``."""
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError("tokens must be integers")
    centres = as_float_array(centres, "centres", ndim=1)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= centres.shape[0]):
        raise ValueError("tokens out of range")
    return centres[tokens] * float(scale)
