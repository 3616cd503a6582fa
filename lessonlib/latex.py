"""Turn arrays, exact numbers and sympy expressions into LaTeX for ``{glue:math}``.

Every string returned here is a LaTeX *math-mode* fragment (no ``$`` delimiters), so it
can be wrapped in :class:`IPython.display.Math` and pasted with ``{glue:math}`` or
``{glue}``. Numbers go through :func:`lessonlib.fmt.fmt_num`, so the digits a reader
sees are the exact ones.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .fmt import exact, fmt_num

__all__ = [
    "num",
    "bmatrix",
    "col",
    "row",
    "expand_dot",
    "expand_sum",
    "expand_matmul_entry",
    "aligned",
    "sympy_tex",
]

Formatter = Callable[[Any], str]


def num(x: Any, digits: int | None = None, *, parens_if_negative: bool = False) -> str:
    """LaTeX for one number; negative numbers may be parenthesised for use in products."""
    s = fmt_num(x, digits)
    if parens_if_negative and s.startswith("-"):
        return f"({s})"
    return s


def _fmt(digits: int | None, formatter: Formatter | None) -> Formatter:
    if formatter is not None:
        return formatter
    return lambda v: fmt_num(v, digits)


def bmatrix(a: Any, digits: int | None = None, *, formatter: Formatter | None = None, env: str = "bmatrix") -> str:
    """LaTeX matrix of a 0-, 1- or 2-D array (1-D arrays become a *row*, as NumPy prints them).

    Parameters
    ----------
    a : array_like
        Numbers, Fractions, or strings (strings are inserted verbatim, for symbols).
    digits : int, optional
        Passed to :func:`~lessonlib.fmt.fmt_num` for each entry.
    formatter : callable, optional
        Custom entry formatter (overrides ``digits``).
    env : str
        ``bmatrix`` (default), ``pmatrix`` or ``matrix``.
    """
    arr = np.asarray(a, dtype=object)
    if arr.ndim > 2:
        raise ValueError(f"a must have at most 2 dimensions, got shape {arr.shape}")
    arr = np.atleast_2d(arr)
    f = _fmt(digits, formatter)
    cell = lambda v: v if isinstance(v, str) else f(v)  # noqa: E731
    rows = [" & ".join(cell(v) for v in r) for r in arr]
    return f"\\begin{{{env}}} " + r" \\ ".join(rows) + f" \\end{{{env}}}"


def col(v: Iterable[Any], digits: int | None = None, **kw: Any) -> str:
    """LaTeX column vector (d × 1) of a 1-D sequence."""
    return bmatrix(np.asarray(list(v), dtype=object).reshape(-1, 1), digits, **kw)


def row(v: Iterable[Any], digits: int | None = None, **kw: Any) -> str:
    """LaTeX row vector (1 × d) of a 1-D sequence."""
    return bmatrix(np.asarray(list(v), dtype=object).reshape(1, -1), digits, **kw)


def _signed_terms(values: Sequence[str]) -> str:
    """Join already-formatted terms with + and -, folding a leading minus into the operator."""
    out = values[0]
    for s in values[1:]:
        out += f" - {s[1:]}" if s.startswith("-") else f" + {s}"
    return out


def expand_sum(terms: Sequence[Any], digits: int | None = None, *, total: bool = True) -> str:
    """``3.6 + 2.4 - 0.2 - 0.48 = 5.32`` from the terms, summed exactly."""
    if len(terms) == 0:
        raise ValueError("terms must not be empty")
    strs = [fmt_num(t, digits) for t in terms]
    s = _signed_terms(strs)
    if total:
        tot = sum((exact(t) for t in terms), start=0)
        s += f" = {fmt_num(tot, digits)}"
    return s


def expand_dot(
    x: Sequence[Any],
    w: Sequence[Any],
    *,
    op: str = r"\cdot",
    digits: int | None = None,
    show_products: bool = True,
    show_total: bool = True,
) -> str:
    """Term-by-term dot product, exactly: ``2\\cdot 5 + 3\\cdot 6 + 4\\cdot 7 = 10 + 18 + 28 = 56``.

    Inputs are converted with :func:`~lessonlib.fmt.exact`, so decimal literals stay
    exact (``1200 \\cdot 0.003 = 3.6``). Negative factors are parenthesised.
    """
    if len(x) != len(w):
        raise ValueError(f"x and w must have the same length, got {len(x)} and {len(w)}")
    if len(x) == 0:
        raise ValueError("x must not be empty")
    xs, ws = [exact(v) for v in x], [exact(v) for v in w]
    parts = [f"{num(a, parens_if_negative=True)} {op} {num(b, parens_if_negative=True)}" for a, b in zip(xs, ws)]
    s = " + ".join(parts)
    prods = [a * b for a, b in zip(xs, ws)]
    if show_products:
        s += " = " + _signed_terms([fmt_num(p, digits) for p in prods])
    if show_total:
        s += " = " + fmt_num(sum(prods, start=0), digits)
    return s


def expand_matmul_entry(A: Any, B: Any, i: int, j: int, **kw: Any) -> str:
    """Expansion of entry (i, j) of ``A @ B`` as row i of A dotted with column j of B."""
    A = np.asarray(A, dtype=object)
    B = np.asarray(B, dtype=object)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError("A and B must be 2-D")
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"inner dimensions differ: A is {A.shape}, B is {B.shape}")
    return expand_dot(list(A[i, :]), list(B[:, j]), **kw)


def aligned(lines: Sequence[str]) -> str:
    """Wrap lines (each with an ``&`` alignment point) in an ``aligned`` environment."""
    return "\\begin{aligned} " + r" \\ ".join(lines) + " \\end{aligned}"


def sympy_tex(expr: Any, **kw: Any) -> str:
    """``sympy.latex`` with the book's defaults (bmatrix for matrices)."""
    import sympy as sp

    kw.setdefault("mat_delim", "[")
    kw.setdefault("mat_str", "matrix")
    return sp.latex(expr, **kw)
