"""The autoresearch objective: validation bits per byte.

A language model's loss per *token* depends on the tokenizer: a vocabulary with longer
tokens has fewer, harder predictions. Dividing the summed loss by the number of
*bytes* the targets stand for removes that dependence, so runs that change the
vocabulary stay comparable. With token losses :math:`\\ell_i` in nats and target byte
lengths :math:`b_i`,

.. math:: \\mathrm{val\\_bpb} = \\frac{\\sum_i \\ell_i}{\\ln 2 \\, \\sum_i b_i},

where tokens with zero bytes (special tokens such as a beginning-of-document marker)
are left out of both sums.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import as_float_array, check_finite, check_same_length

__all__ = ["val_bpb", "nats_to_bits"]


def nats_to_bits(nats: Any) -> Any:
    """Convert a loss in nats to bits (divide by ``ln 2``); works elementwise on arrays."""
    arr = as_float_array(nats, "nats")
    out = arr / math.log(2.0)
    return float(out) if out.ndim == 0 else out


def val_bpb(token_losses_nats: Any, token_bytes: Any) -> float:
    """Bits per byte from per-token cross-entropies and the byte lengths of the targets.

    Parameters
    ----------
    token_losses_nats : array_like, shape (n,)
        Cross-entropy of each target token, in nats (``-log p``).
    token_bytes : array_like of int, shape (n,)
        UTF-8 byte length of each target token; 0 marks a special token, which is
        excluded from both sums.

    Returns
    -------
    float
        ``sum(losses[bytes > 0]) / (ln 2 * sum(bytes))``.

    Raises
    ------
    ValueError
        If the lengths differ, a loss is negative or not finite, a byte length is
        negative or not an integer, or no target has a positive byte length.

    Examples
    --------
    >>> round(val_bpb([2.0, 1.5, 3.0, 0.7], [4, 3, 0, 5]), 5)
    0.50494
    """
    losses = check_finite(as_float_array(token_losses_nats, "token_losses_nats", ndim=1), "token_losses_nats")
    nbytes = check_finite(as_float_array(token_bytes, "token_bytes", ndim=1), "token_bytes")
    check_same_length(losses, nbytes, "token_losses_nats", "token_bytes")
    if np.any(losses < 0):
        raise ValueError("token_losses_nats must be >= 0 (a cross-entropy cannot be negative)")
    if np.any(nbytes < 0) or np.any(nbytes != np.round(nbytes)):
        raise ValueError("token_bytes must hold non-negative integers")
    mask = nbytes > 0
    total_bytes = float(nbytes.sum())
    if total_bytes == 0:
        raise ValueError("token_bytes must contain at least one positive byte length")
    return float(losses[mask].sum() / (math.log(2.0) * total_bytes))
