"""Tensors as multi-way arrays: entries, slices, unfoldings, mode products, CP and Tucker.

Conventions (those of Kolda and Bader, *Tensor Decompositions and Applications*, 2009)
---------------------------------------------------------------------------------------
* **Modes and indices are numbered from 1**, as in the mathematics: mode 1 is NumPy
  axis 0, and the entry :math:`x_{2,3,1}` is ``entry(X, (2, 3, 1))``, which is
  ``X[1, 2, 0]`` in NumPy.
* A **fibre** fixes every index but one, a **slice** every index but two. Their
  ``fixed`` argument is the index tuple with ``None`` where the text writes a colon:
  :math:`X_{:,:,1}` is ``tensor_slice(X, (None, None, 1))``.
* The **mode-n unfolding** :math:`X_{(n)}` has the mode-n fibres as its columns, in the
  order in which the *earlier modes vary fastest*: entry :math:`(i_1, \\dots, i_N)`
  goes to row :math:`i_n` and column
  :math:`1 + \\sum_{k \\ne n} (i_k - 1) J_k` with :math:`J_k = \\prod_{m < k,\\, m \\ne n} I_m`.
  With this ordering :math:`\\mathcal{Y} = \\mathcal{X} \\times_n U` is exactly
  :math:`Y_{(n)} = U X_{(n)}`, and the CP model unfolds as
  :math:`X_{(n)} = A^{(n)} (A^{(N)} \\odot \\cdots \\odot A^{(n+1)} \\odot A^{(n-1)} \\odot \\cdots \\odot A^{(1)})^\\top`.
  ``order="c"`` gives the other common ordering (later modes fastest, which is what
  ``numpy.moveaxis(X, n - 1, 0).reshape(I_n, -1)`` produces); it is there to compare
  with texts that use it, not to mix with the first.

Routines keep the dtype of their input where the operation allows it (integers stay
integers, object arrays of :class:`fractions.Fraction` stay exact), so worked examples
print exact numbers. Decompositions (:func:`cp_als`, :func:`hosvd`) work in float64.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Sequence

import numpy as np

from ._validate import as_float_array, check_choice, check_int, check_positive, check_rng

__all__ = [
    "from_frontal_slices",
    "entry",
    "fiber",
    "tensor_slice",
    "unfold",
    "fold",
    "unfold_column_labels",
    "mode_n_product",
    "multi_mode_product",
    "contract",
    "outer",
    "khatri_rao",
    "tensor_inner",
    "tensor_frobenius",
    "relative_error",
    "cp_reconstruct",
    "cp_als",
    "CPResult",
    "hosvd",
    "tucker_reconstruct",
    "TuckerResult",
    "conv2d_contraction",
    "attention_scores",
]

_ORDERS = ("kolda", "c")


# --------------------------------------------------------------------------- validation
def _as_tensor(x: Any, name: str, *, min_ndim: int = 1, ndim: int | None = None) -> np.ndarray:
    """Array of numbers without changing an integer, float, complex or exact (object) dtype."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "O":
        for v in arr.ravel():
            if isinstance(v, bool) or not isinstance(v, numbers.Number):
                raise TypeError(f"{name} must contain numbers, found {type(v).__name__}")
    elif arr.dtype.kind not in "iufc":
        raise TypeError(f"{name} must be array-like of numbers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    return arr


def _check_mode(mode: Any, ndim: int, name: str = "mode") -> int:
    """Validate a 1-based mode number and return the NumPy axis (0-based)."""
    mode = check_int(mode, name, minimum=1)
    if mode > ndim:
        raise ValueError(f"{name} must be between 1 and {ndim} for a tensor of order {ndim}, got {mode}")
    return mode - 1


def _check_fixed(X: np.ndarray, fixed: Any, n_free: int | None, what: str) -> tuple:
    """Turn a 1-based index tuple with ``None`` for free modes into a NumPy index."""
    if isinstance(fixed, (str, bytes)) or not isinstance(fixed, Sequence):
        raise TypeError(f"fixed must be a tuple of 1-based indices and None, got {type(fixed).__name__}")
    if len(fixed) != X.ndim:
        raise ValueError(f"fixed must have one entry per mode ({X.ndim}), got {len(fixed)}")
    idx: list[Any] = []
    free = 0
    for k, f in enumerate(fixed):
        if f is None:
            idx.append(slice(None))
            free += 1
            continue
        i = check_int(f, f"fixed[{k}]", minimum=1)
        if i > X.shape[k]:
            raise ValueError(f"fixed[{k}] must be between 1 and {X.shape[k]} (mode {k + 1} has size {X.shape[k]}), got {i}")
        idx.append(i - 1)
    if n_free is not None and free != n_free:
        raise ValueError(f"a {what} leaves exactly {n_free} index free (None), fixed has {free}")
    return tuple(idx)


# --------------------------------------------------------------------------- building and indexing
def from_frontal_slices(slices: Sequence[Any]) -> np.ndarray:
    """Stack matrices ``X_{:,:,1}, X_{:,:,2}, ...`` into an ``I × J × K`` tensor.

    Parameters
    ----------
    slices : sequence of array_like, each of shape (I, J)
        The frontal slices, in order of the third index.

    Returns
    -------
    numpy.ndarray, shape (I, J, K)
        ``X[:, :, k]`` is ``slices[k]``.
    """
    if isinstance(slices, (str, bytes)) or len(slices) == 0:
        raise ValueError("slices must be a non-empty sequence of matrices")
    mats = [_as_tensor(s, f"slices[{k}]", ndim=2) for k, s in enumerate(slices)]
    for k, m in enumerate(mats[1:], start=1):
        if m.shape != mats[0].shape:
            raise ValueError(f"slices[{k}] has shape {m.shape}, slices[0] has {mats[0].shape}")
    return np.stack(mats, axis=-1)


def entry(X: Any, index: Sequence[int]) -> Any:
    """The entry :math:`x_{i_1 \\cdots i_N}` for a **1-based** index tuple.

    Examples
    --------
    >>> X = from_frontal_slices([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]])
    >>> int(entry(X, (2, 3, 1)))
    6
    """
    arr = _as_tensor(X, "X")
    idx = _check_fixed(arr, tuple(index), 0, "entry")
    return arr[idx]


def fiber(X: Any, fixed: Sequence[int | None]) -> np.ndarray:
    """A fibre: fix every index but one (1-based; ``None`` marks the free mode).

    ``fiber(X, (None, 2, 1))`` is the mode-1 (column) fibre :math:`x_{:,2,1}`.
    """
    arr = _as_tensor(X, "X")
    return arr[_check_fixed(arr, tuple(fixed), 1, "fibre")]


def tensor_slice(X: Any, fixed: Sequence[int | None]) -> np.ndarray:
    """A slice: fix every index but two (1-based; ``None`` marks the two free modes).

    ``tensor_slice(X, (None, None, 1))`` is the first frontal slice :math:`X_{:,:,1}`;
    for an image of shape ``H × W × 3`` it is the red channel.
    """
    arr = _as_tensor(X, "X", min_ndim=2)
    return arr[_check_fixed(arr, tuple(fixed), 2, "slice")]


# --------------------------------------------------------------------------- unfolding
def unfold(X: Any, mode: int, *, order: str = "kolda") -> np.ndarray:
    """Mode-``mode`` unfolding (matricisation) :math:`X_{(n)}`, of shape ``I_n × (∏ other I_k)``.

    Parameters
    ----------
    X : array_like
        Tensor of order ``N >= 1``.
    mode : int
        Mode ``n``, from 1 to ``N``.
    order : {"kolda", "c"}
        Column ordering: ``"kolda"`` (default; earlier modes vary fastest, Kolda and
        Bader 2009) or ``"c"`` (later modes vary fastest, NumPy's row-major reshape).

    Returns
    -------
    numpy.ndarray
        Rows are indexed by :math:`i_n`; columns are the mode-n fibres.
    """
    arr = _as_tensor(X, "X")
    ax = _check_mode(mode, arr.ndim)
    order = check_choice(order, "order", _ORDERS)
    moved = np.moveaxis(arr, ax, 0)
    return moved.reshape(arr.shape[ax], -1, order="F" if order == "kolda" else "C")


def fold(M: Any, mode: int, shape: Sequence[int], *, order: str = "kolda") -> np.ndarray:
    """Inverse of :func:`unfold`: rebuild the tensor of ``shape`` from :math:`X_{(n)}`.

    ``fold(unfold(X, n), n, X.shape)`` returns ``X`` for every mode ``n`` (same ``order``).
    """
    arr = _as_tensor(M, "M", ndim=2)
    order = check_choice(order, "order", _ORDERS)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        raise TypeError("shape must be a sequence of positive integers")
    dims = tuple(check_int(s, f"shape[{k}]", minimum=1) for k, s in enumerate(shape))
    ax = _check_mode(mode, len(dims))
    rest = tuple(d for k, d in enumerate(dims) if k != ax)
    want = (dims[ax], math.prod(rest))
    if arr.shape != want:
        raise ValueError(f"M must have shape {want} to fold into {dims} along mode {mode}, got {arr.shape}")
    moved = arr.reshape((dims[ax],) + rest, order="F" if order == "kolda" else "C")
    return np.moveaxis(moved, 0, ax)


def unfold_column_labels(shape: Sequence[int], mode: int, *, order: str = "kolda") -> list[tuple[int, ...]]:
    """For each column of :math:`X_{(n)}`, the 1-based indices of the *other* modes.

    ``unfold_column_labels((2, 3, 2), 1)`` starts ``[(1, 1), (2, 1), (3, 1), (1, 2), ...]``:
    column 4 of :math:`X_{(1)}` is the fibre :math:`x_{:,1,2}`.
    """
    order = check_choice(order, "order", _ORDERS)
    dims = tuple(check_int(s, f"shape[{k}]", minimum=1) for k, s in enumerate(shape))
    ax = _check_mode(mode, len(dims))
    rest = [d for k, d in enumerate(dims) if k != ax]
    labels = [tuple(int(v) + 1 for v in np.unravel_index(c, rest, order="F" if order == "kolda" else "C"))
              for c in range(math.prod(rest))]
    return labels


# --------------------------------------------------------------------------- products and contractions
def mode_n_product(X: Any, U: Any, mode: int) -> np.ndarray:
    """The n-mode product :math:`\\mathcal{X} \\times_n U`.

    .. math::
        (\\mathcal{X} \\times_n U)_{i_1 \\cdots i_{n-1}\\, j\\, i_{n+1} \\cdots i_N}
        = \\sum_{i_n = 1}^{I_n} x_{i_1 \\cdots i_N}\\, u_{j i_n}

    Every mode-n fibre is multiplied by ``U``; the size of mode ``n`` changes from
    ``I_n`` to ``J``. In unfolded form, :math:`Y_{(n)} = U X_{(n)}`.

    Parameters
    ----------
    X : array_like, shape (I_1, ..., I_N)
    U : array_like, shape (J, I_n)
    mode : int
        ``n``, from 1 to ``N``.

    Returns
    -------
    numpy.ndarray, shape (I_1, ..., J, ..., I_N)
    """
    arr = _as_tensor(X, "X")
    Um = _as_tensor(U, "U", ndim=2)
    ax = _check_mode(mode, arr.ndim)
    if Um.shape[1] != arr.shape[ax]:
        raise ValueError(f"U must have {arr.shape[ax]} columns (the size of mode {mode}), got shape {Um.shape}")
    out = np.tensordot(Um, arr, axes=(1, ax))  # new mode first
    return np.moveaxis(out, 0, ax)


def multi_mode_product(X: Any, matrices: Sequence[Any], *, modes: Sequence[int] | None = None,
                       transpose: bool = False) -> np.ndarray:
    """:math:`\\mathcal{X} \\times_1 A^{(1)} \\times_2 A^{(2)} \\cdots`, one matrix per listed mode.

    Parameters
    ----------
    X : array_like
    matrices : sequence of array_like
        One matrix per mode in ``modes``.
    modes : sequence of int, optional
        1-based modes (default: 1, 2, ..., len(matrices)).
    transpose : bool
        Multiply by the transposes instead (:math:`\\times_n A^{(n)\\top}`), as when
        projecting onto factor matrices with orthonormal columns.
    """
    arr = _as_tensor(X, "X")
    mats = list(matrices)
    if modes is None:
        modes = list(range(1, len(mats) + 1))
    modes = list(modes)
    if len(modes) != len(mats):
        raise ValueError(f"need one matrix per mode: {len(mats)} matrices for {len(modes)} modes")
    if len(set(modes)) != len(modes):
        raise ValueError("modes must not repeat")
    out = arr
    for k, (m, A) in enumerate(zip(modes, mats)):
        A = _as_tensor(A, f"matrices[{k}]", ndim=2)
        out = mode_n_product(out, A.T if transpose else A, m)
    return out


def contract(X: Any, v: Any, mode: int) -> np.ndarray:
    """Contract mode ``n`` of ``X`` with a vector: :math:`\\sum_{i_n} x_{\\dots i_n \\dots} v_{i_n}`.

    The result has one mode fewer. For a third-order tensor and ``mode=3`` this is
    :math:`Y_{ij} = \\sum_k x_{ijk} v_k`.
    """
    arr = _as_tensor(X, "X")
    vec = _as_tensor(v, "v", ndim=1)
    ax = _check_mode(mode, arr.ndim)
    if vec.shape[0] != arr.shape[ax]:
        raise ValueError(f"v must have {arr.shape[ax]} entries (the size of mode {mode}), got {vec.shape[0]}")
    return np.tensordot(arr, vec, axes=(ax, 0))


def outer(*vectors: Any) -> np.ndarray:
    """Outer product :math:`a^{(1)} \\circ a^{(2)} \\circ \\cdots`, entries :math:`a_i b_j c_k \\cdots`.

    The result is a rank-one tensor whose order is the number of vectors.
    """
    if not vectors:
        raise ValueError("outer needs at least one vector")
    vecs = [_as_tensor(v, f"vectors[{k}]", ndim=1) for k, v in enumerate(vectors)]
    return reduce(np.multiply.outer, vecs)


def khatri_rao(matrices: Sequence[Any]) -> np.ndarray:
    """Column-wise Kronecker product :math:`A \\odot B \\odot \\cdots` (same number of columns).

    Column ``r`` of the result is ``kron(A[:, r], B[:, r], ...)``: the *last* matrix's
    row index varies fastest.
    """
    from scipy.linalg import khatri_rao as _kr

    mats = [as_float_array(m, f"matrices[{k}]", ndim=2) for k, m in enumerate(matrices)]
    if not mats:
        raise ValueError("matrices must not be empty")
    R = mats[0].shape[1]
    for k, m in enumerate(mats):
        if m.shape[1] != R:
            raise ValueError(f"matrices[{k}] has {m.shape[1]} columns, matrices[0] has {R}")
    return reduce(_kr, mats)


def tensor_inner(X: Any, Y: Any) -> Any:
    """Inner product :math:`\\langle \\mathcal{X}, \\mathcal{Y} \\rangle = \\sum x_{i_1\\cdots} y_{i_1\\cdots}` (same shape).

    Integer and exact inputs give an exact result.
    """
    a = _as_tensor(X, "X", min_ndim=0)
    b = _as_tensor(Y, "Y", min_ndim=0)
    if a.shape != b.shape:
        raise ValueError(f"X and Y must have the same shape, got {a.shape} and {b.shape}")
    if a.dtype.kind == "c" or b.dtype.kind == "c":
        return np.sum(np.conj(a) * b)
    return np.sum(a * b)


def tensor_frobenius(X: Any) -> float:
    """Frobenius norm :math:`\\|\\mathcal{X}\\|_F = \\sqrt{\\langle \\mathcal{X}, \\mathcal{X} \\rangle}` in floating point.

    For the exact value (``sqrt(650)``) use :func:`lessonlib.matrices.frobenius_exact`.
    """
    arr = as_float_array(X, "X")
    return float(np.sqrt(np.sum(arr * arr)))


def relative_error(X: Any, X_hat: Any) -> float:
    """:math:`\\|\\mathcal{X} - \\hat{\\mathcal{X}}\\|_F / \\|\\mathcal{X}\\|_F`."""
    a = as_float_array(X, "X")
    b = as_float_array(X_hat, "X_hat")
    if a.shape != b.shape:
        raise ValueError(f"X and X_hat must have the same shape, got {a.shape} and {b.shape}")
    nx = np.linalg.norm(a.ravel())
    if nx == 0:
        raise ValueError("X must not be the zero tensor")
    return float(np.linalg.norm((a - b).ravel()) / nx)


# --------------------------------------------------------------------------- CP decomposition
@dataclass(frozen=True)
class CPResult:
    """A CP model :math:`\\sum_r \\lambda_r\\, a^{(1)}_r \\circ \\cdots \\circ a^{(N)}_r` fitted by :func:`cp_als`.

    Attributes
    ----------
    weights : numpy.ndarray, shape (R,)
        :math:`\\lambda_r`, largest first.
    factors : list of numpy.ndarray
        ``factors[n]`` has shape ``(I_{n+1}, R)`` with unit-length columns.
    errors : numpy.ndarray
        Relative error :math:`\\|\\mathcal{X} - \\hat{\\mathcal{X}}\\|_F / \\|\\mathcal{X}\\|_F` after each sweep.
    n_iter : int
        Number of ALS sweeps done.
    converged : bool
        True if the error stopped changing (by less than ``tol``) before ``n_iter_max``.
    """

    weights: np.ndarray
    factors: list[np.ndarray]
    errors: np.ndarray
    n_iter: int
    converged: bool
    rank: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", int(self.weights.shape[0]))

    def reconstruct(self) -> np.ndarray:
        """The full tensor of the model."""
        return cp_reconstruct(self.factors, self.weights)

    @property
    def n_params(self) -> int:
        """Numbers stored by the model: ``R (1 + I_1 + ... + I_N)``."""
        return int(self.rank * (1 + sum(f.shape[0] for f in self.factors)))


def cp_reconstruct(factors: Sequence[Any], weights: Any | None = None) -> np.ndarray:
    """Tensor of a CP model: :math:`x_{i_1 \\cdots i_N} = \\sum_r \\lambda_r \\prod_n a^{(n)}_{i_n r}`.

    Parameters
    ----------
    factors : sequence of array_like
        ``N`` factor matrices of shapes ``(I_n, R)``.
    weights : array_like, shape (R,), optional
        Component weights :math:`\\lambda_r` (default all ones).
    """
    mats = [as_float_array(f, f"factors[{k}]", ndim=2) for k, f in enumerate(factors)]
    if not mats:
        raise ValueError("factors must not be empty")
    R = mats[0].shape[1]
    for k, m in enumerate(mats):
        if m.shape[1] != R:
            raise ValueError(f"factors[{k}] has {m.shape[1]} columns, factors[0] has {R}")
    lam = np.ones(R) if weights is None else as_float_array(weights, "weights", ndim=1)
    if lam.shape[0] != R:
        raise ValueError(f"weights must have {R} entries, got {lam.shape[0]}")
    letters = "abcdefghijklmnopqstuvwxyz"  # 'r' is the component index
    if len(mats) > len(letters):
        raise ValueError(f"at most {len(letters)} modes are supported")
    spec = ",".join(f"{letters[n]}r" for n in range(len(mats))) + ",r->" + letters[: len(mats)]
    return np.einsum(spec, *mats, lam)


def cp_als(X: Any, rank: int, *, rng: Any, n_iter_max: int = 500, tol: float = 1e-10, n_init: int = 1) -> CPResult:
    """Fit a rank-``R`` CP model by alternating least squares (as in Kolda and Bader 2009).

    Each sweep updates one factor matrix at a time, holding the others fixed; that
    sub-problem is an ordinary least-squares fit of the unfolding :math:`X_{(n)}`:

    .. math::
        A^{(n)} \\leftarrow X_{(n)} \\big(A^{(N)} \\odot \\cdots \\odot A^{(n+1)} \\odot A^{(n-1)}
        \\odot \\cdots \\odot A^{(1)}\\big)\\, V^{\\dagger},
        \\qquad V = \\mathop{\\ast}_{m \\ne n} A^{(m)\\top} A^{(m)}

    (``*`` the elementwise product, ``†`` the pseudo-inverse); the columns are then
    normalised into the weights :math:`\\lambda_r`.

    Parameters
    ----------
    X : array_like
        Tensor of order ``N >= 2`` (not all zero).
    rank : int
        Number of rank-one components ``R``.
    rng : numpy.random.Generator or int
        Randomness of the initial factors (standard normal entries).
    n_iter_max : int
        Maximum number of sweeps.
    tol : float
        Stop when the relative error changes by less than ``tol`` in one sweep.
    n_init : int
        Number of random starts; the fit with the smallest final error is returned.
        ALS only finds a local optimum and can stall in a "swamp" from an unlucky
        start, so a few restarts make the result much more reliable.

    Returns
    -------
    CPResult
        The best of the ``n_init`` fits.
    """
    arr = as_float_array(X, "X")
    if arr.ndim < 2:
        raise ValueError(f"X must have at least 2 modes, got shape {arr.shape}")
    R = check_int(rank, "rank", minimum=1)
    n_iter_max = check_int(n_iter_max, "n_iter_max", minimum=1)
    tol = check_positive(tol, "tol", strict=False)
    n_init = check_int(n_init, "n_init", minimum=1)
    gen = check_rng(rng)
    norm_x = np.linalg.norm(arr.ravel())
    if norm_x == 0:
        raise ValueError("X must not be the zero tensor")
    unfoldings = [unfold(arr, n + 1) for n in range(arr.ndim)]
    best: CPResult | None = None
    for _ in range(n_init):
        res = _cp_als_once(arr, unfoldings, R, gen, n_iter_max, tol, norm_x)
        if best is None or res.errors[-1] < best.errors[-1]:
            best = res
    assert best is not None
    return best


def _cp_als_once(arr: np.ndarray, unfoldings: list[np.ndarray], R: int, gen: np.random.Generator,
                 n_iter_max: int, tol: float, norm_x: float) -> CPResult:
    """One ALS run from a random start (see :func:`cp_als`)."""
    N = arr.ndim
    A = [gen.standard_normal((arr.shape[n], R)) for n in range(N)]
    lam = np.ones(R)
    errors: list[float] = []
    converged = False
    it = 0
    for it in range(1, n_iter_max + 1):
        for n in range(N):
            others = [m for m in range(N) if m != n]
            V = np.ones((R, R))
            for m in others:
                V *= A[m].T @ A[m]
            KR = khatri_rao([A[m] for m in reversed(others)])
            An = unfoldings[n] @ KR @ np.linalg.pinv(V)
            lam = np.linalg.norm(An, axis=0)
            lam_safe = np.where(lam > 0, lam, 1.0)
            A[n] = An / lam_safe
        err = np.linalg.norm((arr - cp_reconstruct(A, lam)).ravel()) / norm_x
        errors.append(float(err))
        if len(errors) > 1 and abs(errors[-2] - errors[-1]) < tol:
            converged = True
            break
    order = np.argsort(-lam, kind="stable")
    return CPResult(weights=lam[order], factors=[a[:, order] for a in A], errors=np.array(errors),
                    n_iter=it, converged=converged)


# --------------------------------------------------------------------------- Tucker / HOSVD
@dataclass(frozen=True)
class TuckerResult:
    """A Tucker model :math:`\\mathcal{G} \\times_1 U^{(1)} \\cdots \\times_N U^{(N)}`.

    Attributes
    ----------
    core : numpy.ndarray, shape (r_1, ..., r_N)
    factors : list of numpy.ndarray
        ``factors[n]`` has shape ``(I_{n+1}, r_{n+1})`` with orthonormal columns.
    """

    core: np.ndarray
    factors: list[np.ndarray]

    def reconstruct(self) -> np.ndarray:
        """The full tensor of the model."""
        return tucker_reconstruct(self.core, self.factors)

    @property
    def n_params(self) -> int:
        """Numbers stored by the model: the core plus the factor matrices."""
        return int(self.core.size + sum(f.size for f in self.factors))


def tucker_reconstruct(core: Any, factors: Sequence[Any]) -> np.ndarray:
    """:math:`\\mathcal{G} \\times_1 A^{(1)} \\times_2 A^{(2)} \\cdots \\times_N A^{(N)}`."""
    G = as_float_array(core, "core")
    mats = list(factors)
    if len(mats) != G.ndim:
        raise ValueError(f"need one factor matrix per mode of the core ({G.ndim}), got {len(mats)}")
    return multi_mode_product(G, [as_float_array(m, f"factors[{k}]", ndim=2) for k, m in enumerate(mats)])


def hosvd(X: Any, ranks: Sequence[int] | int) -> TuckerResult:
    """Truncated higher-order SVD (De Lathauwer, De Moor and Vandewalle 2000).

    ``U^(n)`` holds the leading ``r_n`` left singular vectors of the unfolding
    :math:`X_{(n)}`, and the core is :math:`\\mathcal{G} = \\mathcal{X} \\times_1
    U^{(1)\\top} \\cdots \\times_N U^{(N)\\top}`. With ``r_n`` equal to the rank of each
    unfolding the reconstruction is exact; smaller ranks give a quasi-optimal
    compression (within a factor :math:`\\sqrt{N}` of the best Tucker approximation).

    Parameters
    ----------
    X : array_like
        Tensor of order ``N >= 2``.
    ranks : int or sequence of int
        Multilinear ranks ``(r_1, ..., r_N)``; one int is used for every mode (capped
        at the mode sizes).
    """
    arr = as_float_array(X, "X")
    if arr.ndim < 2:
        raise ValueError(f"X must have at least 2 modes, got shape {arr.shape}")
    if isinstance(ranks, numbers.Integral) and not isinstance(ranks, bool):
        r = check_int(ranks, "ranks", minimum=1)
        rks = [min(r, s) for s in arr.shape]
    else:
        rks = [check_int(r, f"ranks[{k}]", minimum=1) for k, r in enumerate(ranks)]
        if len(rks) != arr.ndim:
            raise ValueError(f"ranks must have one entry per mode ({arr.ndim}), got {len(rks)}")
        for k, (r, s) in enumerate(zip(rks, arr.shape)):
            if r > s:
                raise ValueError(f"ranks[{k}] must be at most the size of mode {k + 1} ({s}), got {r}")
    factors = []
    for n, r in enumerate(rks):
        U, _, _ = np.linalg.svd(unfold(arr, n + 1), full_matrices=False)
        U = U[:, :r]
        # fix the sign of each singular vector (largest entry positive) for reproducibility
        signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
        factors.append(U * np.where(signs == 0, 1.0, signs))
    core = multi_mode_product(arr, factors, transpose=True)
    return TuckerResult(core=core, factors=factors)


# --------------------------------------------------------------------------- deep-learning contractions
def conv2d_contraction(X: Any, K: Any) -> np.ndarray:
    """A convolution layer (stride 1, no padding, no bias) written as one tensor contraction.

    .. math::
        Y_{n, o, i, j} = \\sum_{c} \\sum_{u} \\sum_{v} K_{o, c, u, v}\\, X_{n, c, i+u, j+v}

    This is the cross-correlation that deep-learning libraries call convolution (the
    kernel is not flipped).

    Parameters
    ----------
    X : array_like, shape (N, C_in, H, W)
    K : array_like, shape (C_out, C_in, k_H, k_W)

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H - k_H + 1, W - k_W + 1)
    """
    x = _as_tensor(X, "X", ndim=4)
    k = _as_tensor(K, "K", ndim=4)
    if k.shape[1] != x.shape[1]:
        raise ValueError(f"K must have {x.shape[1]} input channels (axis 1 of X), got {k.shape[1]}")
    kh, kw = k.shape[2], k.shape[3]
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(f"kernel {kh} x {kw} is larger than the image {x.shape[2]} x {x.shape[3]}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, H', W', kh, kw)
    return np.einsum("ncijuv,ocuv->noij", windows, k)


def attention_scores(Q: Any, K: Any, *, scale: bool = False) -> np.ndarray:
    """Attention scores :math:`S_{\\dots, i, j} = \\sum_r Q_{\\dots, i, r} K_{\\dots, j, r}` as a contraction.

    Parameters
    ----------
    Q : array_like, shape (..., L_q, d)
        Queries, e.g. ``(B, H, L, d_h)``.
    K : array_like, shape (..., L_k, d)
        Keys with the same leading axes.
    scale : bool
        Divide by :math:`\\sqrt{d}` as scaled dot-product attention does.

    Returns
    -------
    numpy.ndarray, shape (..., L_q, L_k)
    """
    q = _as_tensor(Q, "Q", min_ndim=2)
    k = _as_tensor(K, "K", min_ndim=2)
    if q.shape[:-2] != k.shape[:-2] or q.shape[-1] != k.shape[-1]:
        raise ValueError(f"Q and K must share leading axes and the last axis, got {q.shape} and {k.shape}")
    S = np.einsum("...ir,...jr->...ij", q, k)
    if scale:
        S = S / np.sqrt(q.shape[-1])
    return S
