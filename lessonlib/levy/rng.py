"""Per-trajectory random streams of the search engine.

Why not numpy's Generator inside the engine? A Monte Carlo ensemble is split across
threads (``numba.prange``) and, later, across Dask workers. If all trajectories shared
one sequential stream, the numbers a trajectory sees would depend on which trajectories
ran before it, so the results would change with the thread count or the chunking.
Instead every trajectory ``i`` of a run with seed ``s`` owns a stream of its own:

* a 64-bit key ``k = mix64(s xor salt)`` and a start word
  ``x = mix64(k xor (i * odd + golden))`` (a bijection of ``i`` for a fixed seed, so
  two trajectories never share a start);
* four SplitMix64 outputs from ``x`` seed a xoshiro256** generator (Blackman & Vigna,
  period 2**256 - 1), which then produces the trajectory's numbers;
* uniforms are ``(k + 1/2) 2**-52`` with ``k`` the top 52 bits of a draw, so they lie
  strictly inside (0, 1).

Trajectory ``i`` therefore sees the same numbers whether it runs alone, in a chunk
``[a, b)``, on one thread or on many.
"""
from __future__ import annotations

import hashlib
import numbers
import struct
from typing import Any

import numpy as np

from .._validate import check_int
from . import _kernels as K

__all__ = ["stream_key", "stream_uniforms", "stream_uint64", "derive_seed"]

_U64 = 2**64


def stream_key(seed: Any, name: str = "seed") -> int:
    """Validate a stream seed and return it as a Python int in ``[0, 2**64)``.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        An integer seed (recommended: the same integer always gives the same streams,
        whatever the chunking), or a Generator, from which one 64-bit key is drawn
        (the Generator advances, so two calls give different streams).
    name : str
        Argument name for error messages.

    Returns
    -------
    int
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, _U64, dtype=np.uint64))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer seed or a numpy.random.Generator, got {type(seed).__name__}"
        )
    seed = int(seed)
    if not 0 <= seed < _U64:
        raise ValueError(f"{name} must lie in [0, 2**64), got {seed}")
    return seed


def _key(seed: Any) -> np.uint64:
    return np.uint64(stream_key(seed))


def stream_uniforms(seed: Any, size: int, *, trajectory: int = 0) -> np.ndarray:
    """The first ``size`` open-interval uniforms of trajectory ``trajectory``'s stream.

    These are exactly the numbers the engine consumes, in order (three per radial jump:
    the CMS angle, the CMS exponential, the direction; four per isotropic jump).

    Examples
    --------
    >>> u = stream_uniforms(7, 3)
    >>> bool(((u > 0) & (u < 1)).all())
    True
    """
    size = check_int(size, "size", minimum=0)
    trajectory = check_int(trajectory, "trajectory", minimum=0)
    out = np.empty(size, np.float64)
    K.fill_uniforms(_key(seed), np.int64(trajectory), out)
    return out


def stream_uint64(seed: Any, size: int, *, trajectory: int = 0) -> np.ndarray:
    """The raw 64-bit outputs of the xoshiro256** stream (for statistical tests)."""
    size = check_int(size, "size", minimum=0)
    trajectory = check_int(trajectory, "trajectory", minimum=0)
    out = np.empty(size, np.uint64)
    K.fill_raw(_key(seed), np.int64(trajectory), out)
    return out


def derive_seed(seed: Any, *labels: Any) -> int:
    """A 64-bit seed derived deterministically from ``seed`` and labels (e.g. an α).

    Floats are hashed by their exact IEEE-754 bits, so ``derive_seed(1, 0.6)`` depends
    on the α value, not on its position in a grid: adding a grid point never changes
    the streams of the others. Uses :class:`numpy.random.SeedSequence` on the words.

    Examples
    --------
    >>> derive_seed(2026, 0.6) == derive_seed(2026, 0.6)
    True
    >>> derive_seed(2026, 0.6) != derive_seed(2026, 0.7)
    True
    """
    words: list[int] = [stream_key(seed)]
    for lab in labels:
        if isinstance(lab, bool):
            raise TypeError("labels must be numbers or strings, got bool")
        if isinstance(lab, numbers.Integral):
            words.append(int(lab) % _U64)
        elif isinstance(lab, numbers.Real):
            words.append(struct.unpack("<Q", struct.pack("<d", float(lab)))[0])
        elif isinstance(lab, str):
            words.append(int.from_bytes(hashlib.sha256(lab.encode()).digest()[:8], "little"))
        else:
            raise TypeError(f"labels must be numbers or strings, got {type(lab).__name__}")
    state = np.random.SeedSequence(words).generate_state(2, np.uint32)
    return int(state[0]) | (int(state[1]) << 32)
