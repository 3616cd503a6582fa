"""Argument checks shared by every lessonlib module.

Each helper raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind,
wrong value) with a message that names the offending argument, so that a reader who
passes a bad value from a notebook sees at once which argument to fix.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_float_array",
    "check_finite",
    "check_int",
    "check_positive",
    "check_in_range",
    "check_rng",
    "check_same_length",
    "check_choice",
]


def as_float_array(x: Any, name: str, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Convert ``x`` to a float64 array, checking its number of dimensions.

    Parameters
    ----------
    x : array_like
        Input values.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed number(s) of dimensions.

    Returns
    -------
    numpy.ndarray
        A float64 array (a copy only when conversion requires one).
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    return arr


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as ``int`` after checking it is an integer (not bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _as_real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value: Any, name: str, *, strict: bool = True) -> float:
    """Return ``value`` as ``float`` after checking it is > 0 (or >= 0 if not ``strict``)."""
    value = _as_real(value, name)
    if strict and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if not strict and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_in_range(
    value: Any,
    name: str,
    low: float,
    high: float,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as ``float`` after checking it lies in the given interval."""
    value = _as_real(value, name)
    ok_low = value >= low if low_inclusive else value > low
    ok_high = value <= high if high_inclusive else value < high
    if not (ok_low and ok_high):
        lb = "[" if low_inclusive else "("
        rb = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must lie in {lb}{low}, {high}{rb}, got {value}")
    return value


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator``.

    ``rng`` may be a Generator (used as is) or an integer seed. ``None`` is refused on
    purpose: every random routine in lessonlib takes its randomness explicitly so that a
    chapter is reproducible build after build.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator or an integer seed, got {type(rng).__name__}"
    )


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same length along axis 0."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {a.shape[0]} and {b.shape[0]}"
        )


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` after checking it is one of ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
