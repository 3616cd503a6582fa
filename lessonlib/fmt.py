"""Exact arithmetic and a teacher's formatting of worked results.

Binary floating point cannot store ``0.003`` or ``6.82``, so a worked example computed
with floats prints ``6.819999999999999``. The book avoids that in two ways:

* :func:`exact` turns the *decimal literal a reader sees* into an exact
  :class:`fractions.Fraction`, so sums and products of such inputs are exact;
* :func:`fmt_num` prints an exact value with all of its digits when its decimal
  expansion terminates, and otherwise rounds correctly (round-half-even on the exact
  value, never on a float that is already off in its last bit).

Examples
--------
>>> from lessonlib.fmt import exact, fmt_num
>>> fmt_num(exact(1200) * exact(0.003) + exact(3) * exact(0.8))
'6'
>>> fmt_num(exact(5.32) + exact(1.5))
'6.82'
>>> import math
>>> fmt_num(math.sqrt(90001), 4)
'300.0017'
"""
from __future__ import annotations

import decimal
import numbers
from fractions import Fraction
from typing import Any, Iterable

import numpy as np

__all__ = [
    "exact",
    "exact_array",
    "fmt_num",
    "fmt_vec",
    "fmt_shape",
    "fmt_sci",
    "fmt_pct",
    "terminates",
]

_CTX = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


def exact(x: Any) -> Fraction:
    """Return the exact rational value of ``x`` as the reader reads it.

    Floats are taken through their shortest round-trip decimal representation
    (``repr``), so ``exact(0.003) == Fraction(3, 1000)``. Integers, Fractions,
    Decimals, numpy scalars and sympy Rationals are converted without loss; strings
    such as ``"3.2"`` or ``"7/3"`` are parsed.

    Raises
    ------
    TypeError
        If ``x`` is not a number or numeric string.
    ValueError
        If ``x`` is NaN or infinite, or a sympy number that is not rational.
    """
    if isinstance(x, bool):
        raise TypeError("x must be a number, got bool")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        xf = float(x)
        if not np.isfinite(xf):
            raise ValueError(f"x must be finite, got {xf}")
        return Fraction(repr(xf))
    if isinstance(x, decimal.Decimal):
        if not x.is_finite():
            raise ValueError(f"x must be finite, got {x}")
        return Fraction(x)
    if isinstance(x, str):
        try:
            return Fraction(x.strip())
        except ValueError:
            raise ValueError(f"x is not a number: {x!r}") from None
    # sympy numbers, without importing sympy unless needed
    mod = type(x).__module__
    if mod.startswith("sympy"):
        import sympy as sp

        if isinstance(x, sp.Rational):
            return Fraction(int(x.p), int(x.q))
        raise ValueError(f"x must be a rational sympy number, got {x}")
    raise TypeError(f"x must be a number, got {type(x).__name__}")


def exact_array(values: Iterable[Any]) -> np.ndarray:
    """Return an object array of :class:`~fractions.Fraction` (any shape) from ``values``.

    The result supports ``+``, ``*``, ``@`` and ``sum`` exactly, since numpy applies
    Python's operators elementwise to object arrays.
    """
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = exact(v)
    return out


def terminates(q: Fraction) -> bool:
    """True if the decimal expansion of ``q`` terminates (denominator 2^a 5^b)."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _to_decimal(x: Any) -> decimal.Decimal:
    """Exact (or 60-digit) Decimal of x; sympy irrationals are evaluated to 60 digits."""
    if isinstance(x, (float, np.floating)):
        return decimal.Decimal(float(x))  # exact binary value
    if type(x).__module__.startswith("sympy"):
        import sympy as sp

        if isinstance(x, sp.Rational):
            q = exact(x)
            return _CTX.divide(decimal.Decimal(q.numerator), decimal.Decimal(q.denominator))
        val = sp.N(x, 60)
        if not val.is_real:
            raise ValueError(f"x must be real, got {x}")
        return decimal.Decimal(str(val))
    q = exact(x)
    return _CTX.divide(decimal.Decimal(q.numerator), decimal.Decimal(q.denominator))


def _strip(s: str) -> str:
    if "." in s and "e" not in s.lower():
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_num(x: Any, digits: int | None = None, *, keep_zeros: bool = False, max_digits: int = 12) -> str:
    """Format a worked result the way a careful teacher writes it.

    Parameters
    ----------
    x : number
        int, float, Fraction, Decimal, numpy scalar or sympy number (``sqrt(90001)`` too).
    digits : int, optional
        Decimal places. With ``None`` an exact value whose decimal expansion
        terminates (within ``max_digits`` places) is printed in full with no trailing
        zeros, and a float is printed with at most 12 significant digits, which
        removes binary noise (``6.819999999999999`` prints ``6.82``). With a number,
        the value is rounded correctly (half-even on its exact value) to that many
        places.
    keep_zeros : bool
        With ``digits``, keep trailing zeros (``"9.0"`` rather than ``"9"``).
    max_digits : int
        Longest exact expansion printed without ``digits``.

    Returns
    -------
    str
        ASCII digits with a leading ``-`` for negative numbers.

    Raises
    ------
    ValueError
        If ``digits`` is needed (non-terminating exact value) but not given.
    """
    if digits is not None:
        if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 0:
            raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
        d = _to_decimal(x)
        q = d.quantize(decimal.Decimal(1).scaleb(-int(digits)), context=_CTX)
        s = f"{q:f}"
        if not keep_zeros:
            s = _strip(s)
        return "0" if s in ("-0", "-0.0") else s
    if isinstance(x, (float, np.floating)):
        xf = float(x)
        if not np.isfinite(xf):
            raise ValueError(f"x must be finite, got {xf}")
        s = format(xf, ".12g")
        if "e" in s:
            return s
        return _strip(s) if "." in s else s
    if type(x).__module__.startswith("sympy"):
        import sympy as sp

        if not isinstance(x, sp.Rational):
            raise ValueError(f"{x} is irrational: pass digits= to round it")
    q = exact(x)
    if not terminates(q):
        raise ValueError(f"{q} has no terminating decimal expansion: pass digits= to round it")
    d = _CTX.divide(decimal.Decimal(q.numerator), decimal.Decimal(q.denominator))
    s = f"{d:f}"
    if "." in s and len(s.split(".")[1]) > max_digits:
        raise ValueError(f"{q} needs more than {max_digits} decimals: pass digits= to round it")
    return _strip(s)


def fmt_vec(values: Iterable[Any], digits: int | None = None, *, brackets: str = "[]", sep: str = ", ") -> str:
    """Format a vector as ``[6.82, 4.015, 9.235]`` using :func:`fmt_num` on each entry."""
    vals = [fmt_num(v, digits) for v in np.asarray(list(values), dtype=object).ravel()]
    return f"{brackets[0]}{sep.join(vals)}{brackets[1]}"


def fmt_shape(shape: tuple[int, ...] | Iterable[int], *, times: str = "×") -> str:
    """Format an array shape as ``3 × 4`` (or with another separator)."""
    return f" {times} ".join(str(int(s)) for s in shape)


def fmt_sci(x: Any, digits: int = 2, *, latex: bool = True) -> str:
    """Scientific notation with ``digits`` significant decimals: ``1.2 \\times 10^{6}``."""
    xf = float(x)
    if xf == 0:
        return "0"
    exp = int(np.floor(np.log10(abs(xf))))
    mant = fmt_num(xf / 10**exp, digits)
    if mant in ("10", "-10"):
        exp += 1
        mant = fmt_num(xf / 10**exp, digits)
    if exp == 0:
        return mant
    if latex:
        return (f"{mant} \\times " if mant not in ("1", "-1") else ("-" if mant == "-1" else "")) + f"10^{{{exp}}}"
    return f"{mant}e{exp}"


def fmt_pct(x: Any, digits: int = 1) -> str:
    """Format a fraction as a percentage: ``fmt_pct(0.1825) == '18.2%'``."""
    return fmt_num(exact(x) * 100 if not isinstance(x, (float, np.floating)) else float(x) * 100, digits) + "%"
