"""Matrices as tables and as maps: exact rank, null space, eigenpairs and SVD (chapter 1.2).

Every exact routine here has a floating-point twin in NumPy or SciPy, and the chapter
prints the two side by side:

=====================================  ========================================
exact (sympy, rational arithmetic)      floating point
=====================================  ========================================
:func:`rank_exact`                      ``numpy.linalg.matrix_rank``
:func:`rref_exact`                      (no float twin: pivoting is exact)
:func:`colspace_exact`                  ``scipy.linalg.orth``
:func:`nullspace_exact`                 :func:`nullspace_float` (``scipy.linalg.null_space``)
:func:`eig_exact`                       :func:`eig_float` (``numpy.linalg.eig``)
:func:`singular_values_exact`           ``numpy.linalg.svd``
:func:`frobenius_exact`                 ``numpy.linalg.norm(A, "fro")``
=====================================  ========================================

Exact routines accept integers, decimal literals (read as the reader reads them,
through :func:`lessonlib.fmt.exact`), :class:`fractions.Fraction`, sympy numbers and
sympy matrices. They return sympy objects, which :func:`lessonlib.latex.sympy_tex`
prints and :func:`lessonlib.fmt.fmt_num` rounds.

The module also has the small pieces the chapter's pictures need: the table of terms
``a_ij x_j`` behind the two views of ``Ax`` (:func:`matvec_terms`), shape arithmetic
for products (:func:`matmul_shape`), and grids and circles pushed through a 2 × 2 map
(:func:`grid_lines`, :func:`unit_circle`, :func:`apply_map`).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from ._validate import as_float_array, check_int, check_positive
from .fmt import exact

__all__ = [
    "matmul_shape",
    "matvec_terms",
    "is_symmetric",
    "to_sympy",
    "rank_exact",
    "rref_exact",
    "colspace_exact",
    "nullspace_exact",
    "nullspace_float",
    "eig_exact",
    "eig_float",
    "singular_values_exact",
    "frobenius_exact",
    "grid_lines",
    "unit_circle",
    "apply_map",
]


# --------------------------------------------------------------------------- helpers
def _shape2(shape: Any, name: str) -> tuple[int, int]:
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be a pair of integers, got {type(shape).__name__}") from None
    if len(dims) != 2:
        raise ValueError(f"{name} must have 2 entries (rows, columns), got {len(dims)}")
    return check_int(dims[0], f"{name}[0]", minimum=1), check_int(dims[1], f"{name}[1]", minimum=1)


def _exact_matrix(a: Any, name: str) -> np.ndarray:
    """2-D object array of Fractions (sympy matrices are converted entry by entry)."""
    if type(a).__module__.startswith("sympy"):
        a = [[a[i, j] for j in range(a.shape[1])] for i in range(a.shape[0])]
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be a matrix of numbers, got {type(a).__name__}")
    arr = np.asarray(a, dtype=object)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        try:
            out[idx] = exact(v)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name}{list(idx)} is not an exact number: {exc}") from None
    return out


def to_sympy(a: Any, name: str = "A"):
    """Return ``a`` as a ``sympy.Matrix`` of rationals.

    Decimal literals are read as written (``0.1`` becomes ``1/10``), so exact linear
    algebra on them gives the answer a reader computes by hand.

    Parameters
    ----------
    a : array_like or sympy.Matrix
        A 2-D array of numbers; a 1-D sequence is read as a column vector.
    name : str
        Argument name for error messages.
    """
    import sympy as sp

    if isinstance(a, sp.MatrixBase):
        return sp.Matrix(a)
    arr = np.asarray(a, dtype=object)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    q = _exact_matrix(arr, name)
    return sp.Matrix(q.shape[0], q.shape[1], [sp.Rational(v.numerator, v.denominator) for v in q.ravel()])


def _vector_entries(v) -> list:
    return [v[i] for i in range(v.shape[0])]


# --------------------------------------------------------------------------- shapes and products
def matmul_shape(shape_a: Sequence[int], shape_b: Sequence[int]) -> tuple[int, int]:
    """Shape of the product of an ``m × n`` and an ``n × p`` matrix, ``(m, p)``.

    Parameters
    ----------
    shape_a, shape_b : pair of int
        ``(rows, columns)`` of the left and the right factor.

    Returns
    -------
    tuple of int
        ``(m, p)``.

    Raises
    ------
    ValueError
        If the inner dimensions differ (the product is undefined).

    Examples
    --------
    >>> matmul_shape((2, 3), (3, 1))
    (2, 1)
    >>> matmul_shape((3, 2), (2, 3))
    (3, 3)
    """
    m, n = _shape2(shape_a, "shape_a")
    n2, p = _shape2(shape_b, "shape_b")
    if n != n2:
        raise ValueError(
            f"inner dimensions differ: shape_a has {n} columns but shape_b has {n2} rows, "
            f"so a ({m} x {n}) matrix cannot multiply a ({n2} x {p}) one"
        )
    return (m, p)


def matvec_terms(A: Any, x: Any) -> np.ndarray:
    """The table of products ``T[i, j] = a_ij x_j`` behind ``y = Ax``, exactly.

    Both ways of reading a matrix-vector product add up the same terms:

    * **row view**: ``y_i`` is the dot product of row ``i`` with ``x``, the sum of
      row ``i`` of ``T`` (``T.sum(axis=1)``);
    * **column view**: ``y`` is the combination ``x_1 a_1 + ... + x_n a_n`` of the
      columns of ``A``; column ``j`` of ``T`` is the scaled column ``x_j a_j``.

    Parameters
    ----------
    A : array_like, shape (m, n)
        The matrix (integers, decimal literals, Fractions).
    x : array_like, shape (n,)
        The vector.

    Returns
    -------
    numpy.ndarray of Fraction, shape (m, n)
        Exact products; ``T.sum(axis=1)`` is ``Ax``.
    """
    Aq = _exact_matrix(A, "A")
    xa = np.asarray(x, dtype=object)
    if xa.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {xa.shape}")
    if xa.shape[0] != Aq.shape[1]:
        raise ValueError(f"x must have {Aq.shape[1]} entries (the columns of A), got {xa.shape[0]}")
    xq = _exact_matrix(xa.reshape(1, -1), "x")[0]
    return Aq * xq[np.newaxis, :]


def is_symmetric(A: Any, *, atol: float = 0.0) -> bool:
    """True if ``A`` is square and equals its transpose (within ``atol``, exact by default).

    Parameters
    ----------
    A : array_like, shape (n, n)
    atol : float
        Absolute tolerance on ``|a_ij - a_ji|``; ``0`` asks for exact equality.
    """
    atol = check_positive(atol, "atol", strict=False)
    arr = as_float_array(A, "A", ndim=2)
    if arr.shape[0] != arr.shape[1]:
        return False
    return bool(np.all(np.abs(arr - arr.T) <= atol))


# --------------------------------------------------------------------------- exact subspaces
def rank_exact(A: Any) -> int:
    """Rank of ``A`` in exact rational arithmetic (sympy).

    The floating-point twin is ``numpy.linalg.matrix_rank``, which counts singular
    values above a tolerance and can disagree for nearly dependent columns.
    """
    return int(to_sympy(A).rank())


def rref_exact(A: Any):
    """Reduced row echelon form of ``A`` and its pivot columns (0-based), exactly.

    Returns
    -------
    (sympy.Matrix, tuple of int)
    """
    R, pivots = to_sympy(A).rref()
    return R, tuple(int(p) for p in pivots)


def _primitive(v):
    """Scale a rational vector to the smallest integer vector with the same direction."""
    import sympy as sp

    entries = [sp.Rational(e) for e in _vector_entries(v)]
    den = math.lcm(*[int(e.q) for e in entries])
    ints = [int(e * den) for e in entries]
    g = math.gcd(*ints) or 1
    return sp.Matrix([sp.Integer(i // g) for i in ints])


def colspace_exact(A: Any) -> list:
    """A basis of the column space of ``A``: its pivot columns (sympy column vectors)."""
    return [sp_col for sp_col in to_sympy(A).columnspace()]


def nullspace_exact(A: Any, *, primitive: bool = True) -> list:
    """A basis of the null space ``{x : Ax = 0}`` in exact arithmetic.

    One basis vector per free variable, as by hand: set that free variable to 1 and
    the other free variables to 0, then solve for the pivots.

    Parameters
    ----------
    A : array_like, shape (m, n)
    primitive : bool
        Scale each basis vector to the smallest vector of integers with the same
        direction (``[-1/2, 1]`` becomes ``[-1, 2]``).

    Returns
    -------
    list of sympy.Matrix
        Column vectors of length ``n``; empty when ``A`` has full column rank.

    Examples
    --------
    >>> [list(v) for v in nullspace_exact([[1, 2], [2, 4]])]
    [[-2, 1]]
    """
    basis = to_sympy(A).nullspace()
    return [_primitive(v) if primitive else v for v in basis]


def nullspace_float(A: Any, *, rcond: float | None = None) -> np.ndarray:
    """Orthonormal basis of the null space in floating point (``scipy.linalg.null_space``).

    SciPy returns each basis vector up to sign; here the sign is fixed so that the last
    entry of each column that is not negligible is positive, which makes the output
    reproducible and, for a one-dimensional null space, points the same way as
    :func:`nullspace_exact`.

    Returns
    -------
    numpy.ndarray, shape (n, k)
        Columns span the null space; ``k`` is ``n - rank``.
    """
    from scipy.linalg import null_space

    arr = as_float_array(A, "A", ndim=2)
    N = null_space(arr, rcond=rcond) if rcond is not None else null_space(arr)
    for k in range(N.shape[1]):
        col = N[:, k]
        big = np.flatnonzero(np.abs(col) > 1e-12 * max(1.0, np.abs(col).max()))
        if big.size and col[big[-1]] < 0:
            N[:, k] = -col
    return N


# --------------------------------------------------------------------------- eigen and singular values
def eig_exact(A: Any) -> list[tuple[Any, int, list]]:
    """Eigenvalues, their algebraic multiplicities and eigenvector bases, exactly.

    Returns
    -------
    list of (eigenvalue, multiplicity, [eigenvectors])
        Sorted by the real part of the eigenvalue, then the imaginary part.
        Eigenvalues are sympy numbers (possibly with radicals); eigenvectors are
        sympy column vectors scaled as :func:`nullspace_exact` does when rational.

    Examples
    --------
    >>> [(lam, m, [list(v) for v in vs]) for lam, m, vs in eig_exact([[2, 0], [0, 3]])]
    [(2, 1, [[1, 0]]), (3, 1, [[0, 1]])]
    """
    import sympy as sp

    M = to_sympy(A)
    if M.rows != M.cols:
        raise ValueError(f"A must be square, got shape ({M.rows}, {M.cols})")
    out = []
    for lam, mult, vecs in M.eigenvects():
        vs = [_primitive(v) if all(e.is_Rational for e in _vector_entries(v)) else v for v in vecs]
        out.append((lam, int(mult), vs))
    out.sort(key=lambda t: (float(sp.re(t[0])), float(sp.im(t[0]))))
    return out


def eig_float(A: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and unit eigenvectors from ``numpy.linalg.eig``, in a fixed order.

    Eigenvalues are sorted by real part (then imaginary part); each eigenvector column
    has unit length and its entry of largest magnitude made positive (real part), so
    the output is reproducible.

    Returns
    -------
    values : numpy.ndarray, shape (n,)
    vectors : numpy.ndarray, shape (n, n)
        ``A @ vectors[:, k] == values[k] * vectors[:, k]`` to rounding.
    """
    arr = as_float_array(A, "A", ndim=2)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"A must be square, got shape {arr.shape}")
    vals, vecs = np.linalg.eig(arr)
    order = np.lexsort((np.imag(vals), np.real(vals)))
    vals, vecs = vals[order], vecs[:, order]
    for k in range(vecs.shape[1]):
        v = vecs[:, k] / np.linalg.norm(vecs[:, k])
        if np.real(v[np.argmax(np.abs(v))]) < 0:
            v = -v
        vecs[:, k] = v
    if np.all(np.imag(vals) == 0) and np.all(np.imag(vecs) == 0):
        return np.real(vals), np.real(vecs)
    return vals, vecs


def singular_values_exact(A: Any) -> list:
    """Singular values of ``A`` in exact form, largest first.

    They are the square roots of the eigenvalues of ``A^T A`` (or of ``A A^T``,
    whichever is smaller); only the ``min(m, n)`` of them are returned.

    Examples
    --------
    >>> singular_values_exact([[1, 2], [3, 4]])
    [sqrt(sqrt(221) + 15), sqrt(15 - sqrt(221))]
    """
    import sympy as sp

    M = to_sympy(A)
    G = M.T * M if M.cols <= M.rows else M * M.T
    vals = []
    for lam, mult in G.eigenvals().items():
        lam = sp.nsimplify(sp.simplify(lam))
        vals += [sp.sqrt(lam)] * int(mult)
    vals.sort(key=lambda s: float(s), reverse=True)
    return vals


def frobenius_exact(A: Any):
    """Frobenius norm ``sqrt(sum of squared entries)`` of an array of any shape, exactly.

    Returns a sympy number (``sqrt(30)`` for ``[[1, 2], [3, 4]]``).
    """
    import sympy as sp

    arr = np.asarray(A, dtype=object)
    if isinstance(A, (str, bytes)) or arr.ndim == 0:
        raise TypeError("A must be an array of numbers")
    total = Fraction(0)
    for v in arr.ravel():
        try:
            q = exact(v)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"A has an entry that is not an exact number: {exc}") from None
        total += q * q
    return sp.sqrt(sp.Rational(total.numerator, total.denominator))


# --------------------------------------------------------------------------- pictures of linear maps
def grid_lines(lim: float = 1.0, n: int = 5, points: int = 41) -> list[np.ndarray]:
    """Lines of a square grid on ``[-lim, lim]^2``, as arrays of points.

    Parameters
    ----------
    lim : float
        Half-width of the square.
    n : int
        Number of lines in each direction (at least 2).
    points : int
        Points per line (at least 2); more points draw curved images smoothly.

    Returns
    -------
    list of numpy.ndarray, each of shape (points, 2)
        First the ``n`` vertical lines (left to right), then the ``n`` horizontal lines
        (bottom to top).
    """
    lim = check_positive(lim, "lim")
    n = check_int(n, "n", minimum=2)
    points = check_int(points, "points", minimum=2)
    ticks = np.linspace(-lim, lim, n)
    t = np.linspace(-lim, lim, points)
    vertical = [np.column_stack([np.full(points, c), t]) for c in ticks]
    horizontal = [np.column_stack([t, np.full(points, c)]) for c in ticks]
    return vertical + horizontal


def unit_circle(points: int = 200) -> np.ndarray:
    """Points ``(cos t, sin t)`` on the unit circle, closed (first point repeated last)."""
    points = check_int(points, "points", minimum=3)
    t = np.linspace(0.0, 2.0 * np.pi, points)
    return np.column_stack([np.cos(t), np.sin(t)])


def apply_map(A: Any, pts: Any) -> np.ndarray:
    """Images ``A p`` of points stored as rows: returns ``pts @ A.T``.

    Parameters
    ----------
    A : array_like, shape (m, n)
    pts : array_like, shape (k, n) or (n,)

    Returns
    -------
    numpy.ndarray, shape (k, m) (or (m,) for a single point)
    """
    arr = as_float_array(A, "A", ndim=2)
    P = as_float_array(pts, "pts", ndim=(1, 2))
    if P.shape[-1] != arr.shape[1]:
        raise ValueError(f"pts must have {arr.shape[1]} coordinates per point, got {P.shape[-1]}")
    return P @ arr.T
