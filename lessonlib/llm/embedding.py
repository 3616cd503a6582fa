"""One-hot vectors and embedding lookup (and why they are the same thing)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_int

__all__ = ["one_hot", "embedding_lookup", "one_hot_matmul"]


def _ids(ids: Any, V: int, base: int, name: str = "ids") -> np.ndarray:
    arr = np.asarray(ids)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if arr.size == 0:
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < base or arr.max() > V - 1 + base):
        raise ValueError(f"{name} must lie in [{base}, {V - 1 + base}], got values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64) - base


def one_hot(ids: Any, V: int, *, base: int = 0) -> np.ndarray:
    """One-hot encode token IDs.

    Parameters
    ----------
    ids : int or array_like of int
        Token IDs, any shape.
    V : int
        Vocabulary size.
    base : int
        ID of the first token: 0 (NumPy's convention) or 1 (the mathematical
        convention :math:`\\mathcal V = \\{1, \\dots, V\\}`).

    Returns
    -------
    numpy.ndarray
        Float array of shape ``ids.shape + (V,)`` with a single 1 per vector.
    """
    V = check_int(V, "V", minimum=1)
    base = check_int(base, "base", minimum=0)
    idx = _ids(ids, V, base)
    out = np.zeros(idx.shape + (V,))
    np.put_along_axis(out, idx[..., None], 1.0, axis=-1)
    return out


def embedding_lookup(E: Any, ids: Any, *, base: int = 0) -> np.ndarray:
    """Rows of the embedding matrix ``E`` (V × d) for the given token IDs.

    Returns an array of shape ``ids.shape + (d,)``: a sequence of T IDs gives T × d,
    a batch B × T gives B × T × d.
    """
    E = as_float_array(E, "E", ndim=2)
    base = check_int(base, "base", minimum=0)
    idx = _ids(ids, E.shape[0], base)
    return E[idx]


def one_hot_matmul(E: Any, ids: Any, *, base: int = 0) -> np.ndarray:
    """The same lookup written as a product ``o^T E`` of one-hot rows with ``E``.

    This costs V·d multiply-adds per token instead of a copy of d numbers; it exists
    to check, not to use.
    """
    E = as_float_array(E, "E", ndim=2)
    return one_hot(ids, E.shape[0], base=base) @ E
