"""Vectors, shapes and the first linear model (chapter 1.1).

The routines follow the chapter's path from one house to a neural-network layer:
explicit row and column vectors, the shape rule of matrix products, one-hot codes and
design matrices, norms, distances and standardisation, linear combinations, the
linear model ``y_hat = X w + b`` with its per-feature contributions, the error, the
squared loss and the mean squared error, and a dense layer with ReLU.

Two kinds of numbers
--------------------
Every routine accepts ordinary numeric input (lists, NumPy float arrays) and then
computes in float64. It also accepts *exact* input: an object array of
:class:`fractions.Fraction` (as made by :func:`lessonlib.fmt.exact_array`) or a list
that holds Fractions. If any argument is exact, the others are converted to exact
values too (decimal literals as the reader reads them: ``0.003`` becomes ``3/1000``)
and the result is exact, so a worked example prints ``6.82`` and not
``6.819999999999999``.

>>> from lessonlib.fmt import exact_array, fmt_num
>>> x, w = [1200, 3, 10, 3.2], [0.003, 0.8, -0.02, -0.15]
>>> prediction_error(linear_predict(x, w, 1.5), 9.0)                   # float64
-2.1799999999999997
>>> fmt_num(prediction_error(linear_predict(exact_array(x), w, 1.5), 9.0))  # exact
'-2.18'
"""
from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from ._validate import as_float_array, check_choice, check_finite, check_int
from .fmt import exact

__all__ = [
    "is_exact",
    "as_row",
    "as_col",
    "orientation",
    "matmul_shape",
    "DotTerms",
    "dot_terms",
    "outer",
    "one_hot",
    "DesignMatrix",
    "design_matrix",
    "sq_norm",
    "norm2",
    "distance",
    "feature_stats",
    "standardize",
    "linear_combination",
    "Prediction",
    "linear_predict",
    "prediction_error",
    "squared_loss",
    "mse",
    "relu",
    "dense_layer",
]


# --------------------------------------------------------------------------- numbers
def is_exact(a: Any) -> bool:
    """True if ``a`` is exact: a Fraction, or an array/sequence holding a Fraction."""
    if isinstance(a, Fraction):
        return True
    if isinstance(a, (str, bytes)):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != object:
            return False
        return any(isinstance(v, Fraction) for v in a.ravel())
    if isinstance(a, (list, tuple)):
        return any(is_exact(v) for v in a)
    return False


def _exact_array(x: Any, name: str, ndim: int | tuple[int, ...] | None) -> np.ndarray:
    """Object array of Fractions (any shape), with the dimension check of as_float_array."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    arr = np.asarray(x, dtype=object)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, bool) or isinstance(v, np.bool_):
            out[idx] = Fraction(int(v))
            continue
        if not isinstance(v, (numbers.Number, np.number, str)) and type(v).__module__.split(".")[0] != "sympy":
            raise TypeError(f"{name} must hold numbers, got {type(v).__name__}")
        try:
            out[idx] = exact(v)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: {exc}") from None
    return out


def _array(x: Any, name: str, ndim: int | tuple[int, ...] | None = None, *, as_exact: bool = False) -> np.ndarray:
    """Float64 array (finite), or an exact object array if ``as_exact`` or ``x`` is exact."""
    if as_exact or is_exact(x):
        return _exact_array(x, name, ndim)
    return check_finite(as_float_array(x, name, ndim=ndim), name)


def _arrays(named: Sequence[tuple[Any, str, int | tuple[int, ...] | None]]) -> list[np.ndarray]:
    """Convert several arguments together: all exact if any of them is exact."""
    want_exact = any(is_exact(x) for x, _, _ in named)
    return [_array(x, n, d, as_exact=want_exact) for x, n, d in named]


def _scalar(a: np.ndarray) -> Any:
    """A 0-d array or NumPy scalar as a Python scalar (Fraction or float)."""
    v = a.item() if isinstance(a, (np.ndarray, np.generic)) else a
    return v if isinstance(v, Fraction) else float(v)


# --------------------------------------------------------------------------- shapes
def _vector(x: Any, name: str) -> np.ndarray:
    """1-D view of a vector given as shape (d,), (1, d) or (d, 1)."""
    arr = _array(x, name, ndim=(1, 2))
    if arr.ndim == 2:
        if 1 not in arr.shape:
            raise ValueError(f"{name} must be a vector (shape (d,), (1, d) or (d, 1)), got shape {arr.shape}")
        arr = arr.reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    return arr


def as_row(x: Any) -> np.ndarray:
    """Return ``x`` as an explicit row vector of shape ``(1, d)``.

    Parameters
    ----------
    x : array_like
        A vector of shape ``(d,)``, ``(1, d)`` or ``(d, 1)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(1, d)`` (a view when ``x`` is already a float64 array).

    Examples
    --------
    >>> as_row([1200, 3, 2, 10, 3.2]).shape
    (1, 5)
    """
    return _vector(x, "x").reshape(1, -1)


def as_col(x: Any) -> np.ndarray:
    """Return ``x`` as an explicit column vector of shape ``(d, 1)``.

    Parameters
    ----------
    x : array_like
        A vector of shape ``(d,)``, ``(1, d)`` or ``(d, 1)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(d, 1)`` (a view when ``x`` is already a float64 array).

    Examples
    --------
    >>> as_col([1200, 3, 2, 10, 3.2]).shape
    (5, 1)
    """
    return _vector(x, "x").reshape(-1, 1)


def orientation(a: Any) -> str:
    """Name the mathematical object an array's shape stands for.

    Returns one of ``"scalar"`` (shape ``()``), ``"1-D array (no orientation)"``,
    ``"row vector"`` (``(1, d)`` with ``d > 1``), ``"column vector"`` (``(d, 1)`` with
    ``d > 1``), ``"1 x 1 matrix"``, ``"matrix"`` (other 2-D) or ``"N-D array"``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1200, 3, 2, 10, 3.2])
    >>> orientation(x), orientation(x.T), orientation(x[:, None])
    ('1-D array (no orientation)', '1-D array (no orientation)', 'column vector')
    """
    shape = np.shape(a)
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return "1-D array (no orientation)"
    if len(shape) == 2:
        r, c = shape
        if r == 1 and c == 1:
            return "1 x 1 matrix"
        if r == 1:
            return "row vector"
        if c == 1:
            return "column vector"
        return "matrix"
    return f"{len(shape)}-D array"


def matmul_shape(*shapes: Sequence[int], names: Sequence[str] | None = None) -> tuple[int, int]:
    """Shape of the matrix product of factors with the given 2-D shapes.

    Applies the rule ``(m x k)(k x n) = (m x n)`` from left to right and explains the
    first mismatch.

    Parameters
    ----------
    *shapes : pairs of int
        At least two shapes ``(rows, cols)``, e.g. ``(3, 4), (4, 1)``.
    names : sequence of str, optional
        Names of the factors, used in the error message (default ``A1, A2, ...``).

    Returns
    -------
    tuple of int
        ``(rows of the first factor, cols of the last factor)``.

    Raises
    ------
    ValueError
        If two neighbouring inner dimensions differ.

    Examples
    --------
    >>> matmul_shape((3, 4), (4, 1))
    (3, 1)
    >>> matmul_shape((32, 7), (7, 64))
    (32, 64)
    """
    if len(shapes) < 2:
        raise ValueError(f"shapes must hold at least two shapes, got {len(shapes)}")
    if names is None:
        names = [f"A{k + 1}" for k in range(len(shapes))]
    if len(names) != len(shapes):
        raise ValueError(f"names must have one entry per shape, got {len(names)} for {len(shapes)}")
    clean = []
    for s, nm in zip(shapes, names):
        s = tuple(s)
        if len(s) != 2:
            raise ValueError(f"shape of {nm} must have two entries (rows, cols), got {s}")
        clean.append((check_int(s[0], f"rows of {nm}", minimum=0), check_int(s[1], f"cols of {nm}", minimum=0)))
    rows, cols = clean[0]
    left = names[0]
    for (r, c), nm in zip(clean[1:], names[1:]):
        if cols != r:
            raise ValueError(
                f"cannot multiply {left} ({rows} x {cols}) by {nm} ({r} x {c}): "
                f"inner dimensions {cols} and {r} differ"
            )
        cols = c
        left = f"{left}{nm}"
    return rows, cols


# --------------------------------------------------------------------------- products
class DotTerms(NamedTuple):
    """The products ``x_i w_i`` of a dot product and their sum."""

    terms: np.ndarray
    total: Any


def dot_terms(x: Any, w: Any) -> DotTerms:
    """Dot product term by term: the products ``x_i w_i`` and their sum.

    Parameters
    ----------
    x, w : array_like
        Vectors of the same length (shape ``(d,)``, ``(1, d)`` or ``(d, 1)``).

    Returns
    -------
    DotTerms
        ``terms`` (shape ``(d,)``) and ``total`` (a float, or a Fraction for exact input).

    Examples
    --------
    >>> t = dot_terms([2, 3, 4], [5, 6, 7])
    >>> t.terms.tolist(), t.total
    ([10.0, 18.0, 28.0], 56.0)
    """
    want_exact = is_exact(x) or is_exact(w)
    xv = _vector(_array(x, "x", (1, 2), as_exact=want_exact), "x")
    wv = _vector(_array(w, "w", (1, 2), as_exact=want_exact), "w")
    if xv.size != wv.size:
        raise ValueError(f"x and w must have the same length, got {xv.size} and {wv.size}")
    terms = xv * wv
    total = sum(terms, start=Fraction(0)) if want_exact else float(np.sum(terms))
    return DotTerms(terms, total)


def outer(a: Any, b: Any) -> np.ndarray:
    """Outer product: the column ``a`` times the row ``b``, entry ``(i, j) = a_i b_j``.

    A ``(m x 1)`` column times a ``(1 x n)`` row is an ``m x n`` matrix, whereas the
    row-times-column product of the same vectors is a single number.

    Examples
    --------
    >>> outer([5, 6, 7], [2, 3, 4]).astype(int).tolist()
    [[10, 15, 20], [12, 18, 24], [14, 21, 28]]
    """
    want_exact = is_exact(a) or is_exact(b)
    av = _vector(_array(a, "a", (1, 2), as_exact=want_exact), "a")
    bv = _vector(_array(b, "b", (1, 2), as_exact=want_exact), "b")
    return av.reshape(-1, 1) @ bv.reshape(1, -1)


# --------------------------------------------------------------------------- encoding
def one_hot(value: Any, categories: Sequence[Any], *, drop: Any = None) -> np.ndarray:
    """Indicator (one-hot) vector of ``value`` among ``categories``.

    Parameters
    ----------
    value : hashable
        The observed category, e.g. ``"North"``.
    categories : sequence
        All categories, in the order of the vector's components (no duplicates).
    drop : optional
        A *reference category* whose indicator is left out. A house in the reference
        category is then encoded by all zeros; with a bias in the model the remaining
        indicators measure differences from it.

    Returns
    -------
    numpy.ndarray of int
        Length ``len(categories)`` (one less with ``drop``), a single 1 at the
        position of ``value``.

    Examples
    --------
    >>> one_hot("North", ["North", "South", "East"]).tolist()
    [1, 0, 0]
    >>> one_hot("East", ["North", "South", "East"], drop="East").tolist()
    [0, 0]
    """
    cats = list(categories)
    if len(cats) == 0:
        raise ValueError("categories must not be empty")
    if len(set(cats)) != len(cats):
        raise ValueError(f"categories must not repeat, got {cats}")
    if value not in cats:
        raise ValueError(f"value must be one of {cats}, got {value!r}")
    if drop is not None and drop not in cats:
        raise ValueError(f"drop must be one of {cats}, got {drop!r}")
    kept = [c for c in cats if c != drop] if drop is not None else cats
    return np.array([1 if c == value else 0 for c in kept], dtype=int)


class DesignMatrix(NamedTuple):
    """A design matrix with its column names and (optionally) its target vector."""

    X: np.ndarray
    y: np.ndarray | None
    columns: list[str]


def design_matrix(
    records: Sequence[Mapping[str, Any]],
    features: Sequence[str],
    *,
    target: str | None = None,
    categories: Mapping[str, Sequence[Any]] | None = None,
    drop: Mapping[str, Any] | None = None,
    exact: bool = False,
) -> DesignMatrix:
    """Stack records (one dict per example) into a design matrix ``X`` (n x d).

    Each record becomes one row ``x_i^T``; each numeric feature one column; each
    categorical feature (a key of ``categories``) one indicator column per category,
    named ``"feature=category"``, minus its reference category in ``drop``.

    Parameters
    ----------
    records : sequence of mappings
        The examples, e.g. ``{"area": 1200, "location": "North", "price": 9.0}``.
    features : sequence of str
        Input features, in column order.
    target : str, optional
        Key of the target; returned as the vector ``y`` (length n).
    categories : mapping, optional
        For each categorical feature, its list of categories (in column order).
    drop : mapping, optional
        For a categorical feature, the reference category to leave out.
    exact : bool
        Return object arrays of Fractions (for exact worked examples) instead of float64.

    Returns
    -------
    DesignMatrix
        ``X`` (n x d), ``y`` (n,) or ``None``, and the ``columns`` names (length d).

    Examples
    --------
    >>> recs = [{"area": 1200, "loc": "North", "price": 9.0},
    ...         {"area": 850, "loc": "South", "price": 6.5}]
    >>> dm = design_matrix(recs, ["area", "loc"], target="price",
    ...                    categories={"loc": ["North", "South", "East"]}, drop={"loc": "East"})
    >>> dm.columns
    ['area', 'loc=North', 'loc=South']
    >>> dm.X.tolist(), dm.y.tolist()
    ([[1200.0, 1.0, 0.0], [850.0, 0.0, 1.0]], [9.0, 6.5])
    """
    if len(records) == 0:
        raise ValueError("records must not be empty")
    if len(features) == 0:
        raise ValueError("features must not be empty")
    categories = dict(categories or {})
    drop = dict(drop or {})
    for key in drop:
        if key not in categories:
            raise ValueError(f"drop names {key!r}, which is not a key of categories")
    columns: list[str] = []
    for f in features:
        if f in categories:
            columns += [f"{f}={c}" for c in categories[f] if c != drop.get(f)]
        else:
            columns.append(f)
    rows = []
    ys = []
    for i, rec in enumerate(records):
        row: list[Any] = []
        for f in features:
            if f not in rec:
                raise ValueError(f"records[{i}] has no feature {f!r}")
            if f in categories:
                row += one_hot(rec[f], categories[f], drop=drop.get(f)).tolist()
            else:
                row.append(rec[f])
        rows.append(row)
        if target is not None:
            if target not in rec:
                raise ValueError(f"records[{i}] has no target {target!r}")
            ys.append(rec[target])
    X = _array(rows, "records", 2, as_exact=exact)
    y = _array(ys, "target", 1, as_exact=exact) if target is not None else None
    return DesignMatrix(X, y, columns)


# --------------------------------------------------------------------------- geometry
def sq_norm(x: Any) -> Any:
    """Squared Euclidean norm ``x_1^2 + ... + x_d^2`` (exact for exact input).

    Examples
    --------
    >>> sq_norm([3, 4])
    25.0
    """
    xv = _vector(x, "x")
    if xv.dtype == object:
        return sum((v * v for v in xv), start=Fraction(0))
    return float(np.sum(xv * xv))


def norm2(x: Any, *, exact: bool = False) -> Any:
    """Euclidean norm ``||x||_2 = sqrt(x_1^2 + ... + x_d^2)``.

    Parameters
    ----------
    x : array_like
        A vector (shape ``(d,)``, ``(1, d)`` or ``(d, 1)``).
    exact : bool
        Return the exact value as a sympy expression (``5``, ``sqrt(90001)``), which
        :func:`lessonlib.fmt.fmt_num` rounds correctly to any number of places.

    Returns
    -------
    float or sympy.Expr

    Examples
    --------
    >>> norm2([3, 4])
    5.0
    >>> norm2([-300, -1], exact=True)
    sqrt(90001)
    """
    xv = _vector(x, "x")
    if exact:
        import sympy as sp

        q = sq_norm(_exact_array(xv, "x", 1))
        return sp.sqrt(sp.Rational(q.numerator, q.denominator))
    xf = xv.astype(np.float64)
    scale = float(np.max(np.abs(xf)))
    if scale == 0.0:
        return 0.0
    # scaling first keeps the squares from overflowing or underflowing
    return scale * float(np.sqrt(np.sum((xf / scale) ** 2)))


def distance(u: Any, v: Any, *, exact: bool = False) -> Any:
    """Euclidean distance ``||u - v||_2`` between two vectors of the same length.

    Examples
    --------
    >>> distance([1200, 3], [1500, 4], exact=True)
    sqrt(90001)
    """
    want_exact = exact or is_exact(u) or is_exact(v)
    uv = _vector(_array(u, "u", (1, 2), as_exact=want_exact), "u")
    vv = _vector(_array(v, "v", (1, 2), as_exact=want_exact), "v")
    if uv.size != vv.size:
        raise ValueError(f"u and v must have the same length, got {uv.size} and {vv.size}")
    return norm2(uv - vv, exact=exact)


def feature_stats(X: Any, *, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Column means ``mu_j`` and standard deviations ``sigma_j`` of a design matrix.

    Parameters
    ----------
    X : array_like, shape (n, d)
    ddof : int
        0 for the population standard deviation (the default of ``numpy.std`` and
        ``scipy.stats.zscore``), 1 for the sample standard deviation.

    Returns
    -------
    mu, sigma : numpy.ndarray, shape (d,)
    """
    Xa = as_float_array(X, "X", ndim=2)
    check_finite(Xa, "X")
    ddof = check_int(ddof, "ddof", minimum=0)
    if Xa.shape[0] <= ddof:
        raise ValueError(f"X needs more than ddof={ddof} rows, got {Xa.shape[0]}")
    return Xa.mean(axis=0), Xa.std(axis=0, ddof=ddof)


def standardize(x: Any, mu: Any, sigma: Any) -> np.ndarray:
    """Standard scores ``z_j = (x_j - mu_j) / sigma_j`` (broadcast over rows of a matrix).

    Parameters
    ----------
    x : array_like
        One example (shape ``(d,)``) or a design matrix (shape ``(n, d)``).
    mu, sigma : array_like or float
        Feature means and standard deviations (shape ``(d,)`` or scalars); every
        ``sigma_j`` must be positive.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``; exact if any input is exact.

    Examples
    --------
    >>> standardize([1500, 4], [1200, 3], [300, 1]).tolist()
    [1.0, 1.0]
    """
    xa, ma, sa = _arrays([(x, "x", (1, 2)), (mu, "mu", (0, 1)), (sigma, "sigma", (0, 1))])
    d = xa.shape[-1]
    for arr, nm in ((ma, "mu"), (sa, "sigma")):
        if arr.ndim == 1 and arr.shape[0] != d:
            raise ValueError(f"{nm} must have one entry per feature ({d}), got {arr.shape[0]}")
    if not all(v > 0 for v in np.ravel(sa)):
        raise ValueError("sigma must be > 0 for every feature")
    return (xa - ma) / sa


def linear_combination(coeffs: Any, vectors: Any) -> np.ndarray:
    """The vector ``c_1 v_1 + c_2 v_2 + ... + c_k v_k``.

    Parameters
    ----------
    coeffs : array_like, shape (k,)
        The scalars ``c_i``.
    vectors : array_like, shape (k, d)
        The vectors ``v_i``, one per row.

    Examples
    --------
    >>> linear_combination([3, 4], [[1, 0], [0, 1]]).tolist()
    [3.0, 4.0]
    """
    c, V = _arrays([(coeffs, "coeffs", 1), (vectors, "vectors", 2)])
    if c.shape[0] != V.shape[0]:
        raise ValueError(f"coeffs has {c.shape[0]} entries but vectors has {V.shape[0]} rows")
    if c.shape[0] == 0:
        raise ValueError("coeffs must not be empty")
    out = c[0] * V[0]
    for ci, vi in zip(c[1:], V[1:]):
        out = out + ci * vi
    return out


# --------------------------------------------------------------------------- the linear model
class Prediction(NamedTuple):
    """A linear model's predictions and the contribution ``x_ij w_j`` of each feature."""

    y_hat: Any
    terms: np.ndarray


def linear_predict(X: Any, w: Any, b: Any = 0, *, return_terms: bool = False) -> Any:
    """Linear model ``y_hat = x^T w + b`` for one example, or ``X w + b`` for a batch.

    Parameters
    ----------
    X : array_like
        One example (shape ``(d,)``) or a design matrix (shape ``(n, d)``).
    w : array_like, shape (d,)
        Weights.
    b : float
        Bias, added to every example's score.
    return_terms : bool
        Also return the contributions ``x_j w_j`` (shape ``(d,)`` or ``(n, d)``); they
        add up, with ``b``, to the prediction.

    Returns
    -------
    y_hat or Prediction
        A scalar for one example, an array of shape ``(n,)`` for a batch; with
        ``return_terms`` a :class:`Prediction` ``(y_hat, terms)``.
    """
    Xa, wa, ba = _arrays([(X, "X", (1, 2)), (w, "w", 1), (b, "b", 0)])
    d = Xa.shape[-1]
    if wa.shape[0] != d:
        raise ValueError(
            f"X has {d} features per example but w has {wa.shape[0]} weights: "
            f"({_fmt_dims(Xa.shape)})({wa.shape[0]} x 1) is not defined"
        )
    terms = Xa * wa
    if Xa.ndim == 1:
        score = sum(terms, start=Fraction(0)) if terms.dtype == object else float(np.dot(Xa, wa))
        y_hat = score + _scalar(ba)
    else:
        y_hat = Xa @ wa + _scalar(ba)
    return Prediction(y_hat, terms) if return_terms else y_hat


def _fmt_dims(shape: tuple[int, ...]) -> str:
    """``(3, 4)`` as ``3 x 4`` and ``(4,)`` as ``1 x 4`` (a single example is a row)."""
    return " x ".join(str(s) for s in ((1,) + tuple(shape) if len(shape) == 1 else shape))


def _pair(y_hat: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    ya, yt = _arrays([(y_hat, "y_hat", (0, 1, 2)), (y, "y", (0, 1, 2))])
    if ya.shape != yt.shape:
        raise ValueError(f"y_hat and y must have the same shape, got {ya.shape} and {yt.shape}")
    return ya, yt


def _out(a: Any) -> Any:
    """Arrays with at least one axis unchanged; 0-d results as Python scalars."""
    return a if isinstance(a, np.ndarray) and a.ndim > 0 else _scalar(a)


def prediction_error(y_hat: Any, y: Any) -> Any:
    """Error ``e = y_hat - y`` (negative when the model under-predicts), elementwise."""
    ya, yt = _pair(y_hat, y)
    return _out(ya - yt)


def squared_loss(y_hat: Any, y: Any) -> Any:
    """Squared error ``(y_hat - y)^2``, elementwise."""
    ya, yt = _pair(y_hat, y)
    e = ya - yt
    return _out(e * e)


def mse(y_hat: Any, y: Any) -> Any:
    """Mean squared error ``(1/n) sum_i (y_hat_i - y_i)^2`` (exact for exact input)."""
    ya, yt = _pair(y_hat, y)
    if ya.size == 0:
        raise ValueError("y_hat must not be empty")
    e = np.ravel(ya - yt)
    if e.dtype == object:
        return sum((v * v for v in e), start=Fraction(0)) / e.size
    return float(np.mean(e * e))


# --------------------------------------------------------------------------- neurons
def relu(z: Any) -> Any:
    """Rectified linear unit ``max(0, z)``, elementwise (exact for exact input).

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.5]).tolist()
    [0.0, 0.0, 3.5]
    """
    za = _array(z, "z")
    if za.dtype == object:
        out = np.empty(za.shape, dtype=object)
        for idx, v in np.ndenumerate(za):
            out[idx] = v if v > 0 else Fraction(0)
    else:
        out = np.maximum(za, 0.0)
    return _out(out)


_ACTIVATIONS: dict[str, Callable[[Any], Any] | None] = {"identity": None, "relu": relu}


def dense_layer(
    X: Any,
    W: Any,
    b: Any,
    activation: str | Callable[[Any], Any] | None = None,
) -> np.ndarray:
    """A fully connected layer ``Z = X W + b``, followed by an activation.

    Parameters
    ----------
    X : array_like
        One example as a row (shape ``(d,)`` or ``(1, d)``) or a batch (shape ``(n, d)``).
    W : array_like, shape (d, h)
        One column of weights per neuron.
    b : array_like, shape (h,) or float
        One bias per neuron (added to every row).
    activation : {None, "identity", "relu"} or callable
        Applied elementwise to ``Z``.

    Returns
    -------
    numpy.ndarray
        Shape ``(h,)`` for a 1-D example, otherwise ``(n, h)``.

    Examples
    --------
    >>> dense_layer([1.0, -2.0], [[1.0, 0.5], [1.0, 1.0]], [0.0, 0.5], "relu").tolist()
    [0.0, 0.0]
    """
    Xa, Wa, ba = _arrays([(X, "X", (1, 2)), (W, "W", 2), (b, "b", (0, 1))])
    d = Xa.shape[-1]
    if Wa.shape[0] != d:
        raise ValueError(
            f"X has {d} features but W has {Wa.shape[0]} rows: "
            f"({_fmt_dims(Xa.shape)})({Wa.shape[0]} x {Wa.shape[1]}) is not defined"
        )
    h = Wa.shape[1]
    if ba.ndim == 1 and ba.shape[0] != h:
        raise ValueError(f"b must have one entry per neuron ({h}), got {ba.shape[0]}")
    Z = Xa @ Wa + ba
    if activation is None or isinstance(activation, str):
        name = "identity" if activation is None else check_choice(activation, "activation", tuple(_ACTIVATIONS))
        fn = _ACTIVATIONS[name]
    elif callable(activation):
        fn = activation
    else:
        raise TypeError(f"activation must be None, a name or a callable, got {type(activation).__name__}")
    return Z if fn is None else np.asarray(fn(Z))
