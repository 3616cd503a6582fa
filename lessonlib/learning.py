"""Learning from data: a parametric model, an empirical cost, and two ways to fit it.

Lecture 1 frames supervised learning as choosing parameters ``θ`` of a model
``f(x, θ)`` so that the model's outputs are close to the targets, i.e. minimising an
empirical cost

``C(θ) = Σ_{i=1}^{N} d(f(x_i, θ), y_i)``.

This module provides

* :func:`design_matrix`, :func:`linear_model`: models that are linear in ``θ``
  (polynomials in a scalar input, affine maps of a vector input);
* :func:`squared_loss`, :func:`absolute_loss`, :func:`empirical_cost`: the distance
  ``d`` and the cost ``C``;
* :func:`fit_least_squares` (our QR solver) and :func:`fit_least_absolute` (linear
  programme or iteratively reweighted least squares): the minimisers of ``C`` for the
  squared and the absolute distance;
* :func:`line_with_outlier`, :func:`two_rings`, :func:`kernel_lift`: small data sets
  and a feature map for the lecture's figures.

Examples
--------
>>> import numpy as np
>>> from lessonlib.learning import design_matrix, fit_least_squares, fit_least_absolute
>>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
>>> y = np.array([1.0, 3.0, 5.0, 7.0, 30.0])       # a line 1 + 2x, last point an outlier
>>> X = design_matrix(x)
>>> np.round(fit_least_absolute(X, y), 6).tolist()
[1.0, 2.0]
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import linprog

from ._validate import (
    as_float_array,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_rng,
    check_same_length,
)

__all__ = [
    "design_matrix",
    "linear_model",
    "squared_loss",
    "absolute_loss",
    "empirical_cost",
    "fit_least_squares",
    "fit_least_absolute",
    "line_with_outlier",
    "two_rings",
    "kernel_lift",
]

Loss = Callable[[np.ndarray, np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- models
def design_matrix(x: Any, degree: int = 1) -> np.ndarray:
    """The matrix ``X`` with ``f(x_i, θ) = (X θ)_i`` for a model linear in ``θ``.

    Parameters
    ----------
    x : array_like, shape (N,) or (N, m)
        Inputs. A 1-D ``x`` holds scalar inputs; a 2-D ``x`` holds one input vector per row.
    degree : int
        For scalar inputs, the polynomial degree: columns ``1, x, x², …, x^degree``.
        For vector inputs only ``degree=1`` (the affine model, columns ``1, x_1, …, x_m``)
        is supported.

    Returns
    -------
    numpy.ndarray, shape (N, degree + 1) or (N, m + 1)
    """
    x = check_finite(as_float_array(x, "x", ndim=(1, 2)), "x")
    degree = check_int(degree, "degree", minimum=0)
    if x.ndim == 1:
        return np.vander(x, degree + 1, increasing=True)
    if degree != 1:
        raise ValueError(f"degree must be 1 for vector inputs, got {degree}")
    return np.hstack([np.ones((x.shape[0], 1)), x])


def linear_model(x: Any, theta: Any) -> np.ndarray:
    """Evaluate ``f(x, θ) = X(x) θ`` for every input.

    For scalar inputs (1-D ``x``) the model is the polynomial
    ``θ_0 + θ_1 x + … + θ_{k-1} x^{k-1}`` with ``k = len(θ)``; for vector inputs
    (2-D ``x`` of shape ``(N, m)``) it is the affine map ``θ_0 + θ_{1:}^T x`` and
    ``len(θ)`` must be ``m + 1``.
    """
    theta = check_finite(as_float_array(theta, "theta", ndim=1), "theta")
    if theta.size == 0:
        raise ValueError("theta must not be empty")
    x = as_float_array(x, "x", ndim=(1, 2))
    if x.ndim == 2 and theta.size != x.shape[1] + 1:
        raise ValueError(f"theta must have {x.shape[1] + 1} entries for {x.shape[1]}-dimensional inputs, got {theta.size}")
    X = design_matrix(x, theta.size - 1 if x.ndim == 1 else 1)
    return X @ theta


# --------------------------------------------------------------------------- costs
def _residual(pred: Any, y: Any) -> np.ndarray:
    pred = as_float_array(pred, "pred", ndim=(1, 2))
    y = as_float_array(y, "y", ndim=(1, 2))
    if pred.shape != y.shape:
        raise ValueError(f"pred and y must have the same shape, got {pred.shape} and {y.shape}")
    return pred - y


def squared_loss(pred: Any, y: Any) -> np.ndarray:
    """Per-sample squared distance ``‖f(x_i, θ) - y_i‖²`` (rows are samples for 2-D arrays)."""
    r = _residual(pred, y)
    return r * r if r.ndim == 1 else np.sum(r * r, axis=1)


def absolute_loss(pred: Any, y: Any) -> np.ndarray:
    """Per-sample distance ``‖f(x_i, θ) - y_i‖`` (absolute value for scalar outputs)."""
    r = _residual(pred, y)
    return np.abs(r) if r.ndim == 1 else np.linalg.norm(r, axis=1)


_LOSSES: dict[str, Loss] = {"squared": squared_loss, "absolute": absolute_loss}


def empirical_cost(
    theta: Any,
    x: Any,
    y: Any,
    *,
    model: Callable[[Any, Any], np.ndarray] = linear_model,
    loss: str | Loss = "squared",
) -> float:
    """The empirical cost ``C(θ) = Σ_i d(f(x_i, θ), y_i)``.

    Parameters
    ----------
    theta : array_like
        Parameters ``θ``.
    x, y : array_like
        Inputs and targets (same number of samples).
    model : callable
        ``f(x, θ)`` evaluated on all inputs at once (default :func:`linear_model`).
    loss : {"squared", "absolute"} or callable
        The distance ``d``; a callable receives ``(predictions, targets)`` and returns
        one non-negative number per sample.
    """
    if isinstance(loss, str):
        d = _LOSSES[check_choice(loss, "loss", tuple(_LOSSES))]
    elif callable(loss):
        d = loss
    else:
        raise TypeError(f"loss must be 'squared', 'absolute' or a callable, got {type(loss).__name__}")
    y_arr = as_float_array(y, "y", ndim=(1, 2))
    pred = np.asarray(model(x, theta), dtype=np.float64)
    check_same_length(pred, y_arr, "f(x, theta)", "y")
    per_sample = np.asarray(d(pred, y_arr), dtype=np.float64)
    return float(np.sum(per_sample))


# --------------------------------------------------------------------------- fits
def _design_and_targets(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = check_finite(as_float_array(X, "X", ndim=2), "X")
    y = check_finite(as_float_array(y, "y", ndim=1), "y")
    check_same_length(X, y, "X", "y")
    if X.shape[0] < X.shape[1]:
        raise ValueError(f"X needs at least as many rows as columns, got shape {X.shape}")
    return X, y


def fit_least_squares(X: Any, y: Any) -> np.ndarray:
    """Minimise ``Σ_i ((X θ)_i - y_i)²`` by a QR factorisation.

    With ``X = Q R`` (``Q`` with orthonormal columns, ``R`` upper triangular), the normal
    equations ``X^T X θ = X^T y`` become ``R θ = Q^T y``, solved by back substitution.
    This avoids forming ``X^T X``, whose condition number is the square of ``X``'s.

    Parameters
    ----------
    X : array_like, shape (N, p)
        Design matrix of full column rank (see :func:`design_matrix`).
    y : array_like, shape (N,)
        Targets.

    Raises
    ------
    ValueError
        If ``X`` is (numerically) rank deficient.
    """
    X, y = _design_and_targets(X, y)
    Q, R = np.linalg.qr(X, mode="reduced")
    diag = np.abs(np.diag(R))
    if diag.min() <= diag.max() * X.shape[0] * np.finfo(float).eps:
        raise ValueError("X is (numerically) rank deficient: its columns are linearly dependent")
    return solve_triangular(R, Q.T @ y, lower=False)


def fit_least_absolute(
    X: Any,
    y: Any,
    *,
    method: str = "linprog",
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> np.ndarray:
    """Minimise ``Σ_i |(X θ)_i - y_i|`` (least absolute deviations, LAD).

    Two methods:

    * ``"linprog"`` (exact): write each residual as ``u_i - v_i`` with ``u, v ≥ 0`` and
      solve the linear programme ``min Σ (u_i + v_i)`` subject to ``X θ + u - v = y``
      with SciPy's HiGHS solver.
    * ``"irls"`` (approximate, for teaching): iteratively reweighted least squares on
      the smoothed cost ``Σ sqrt(r_i² + ε²)``; each step solves a weighted
      least-squares problem with weights ``(r_i² + ε²)^{-1/2}``, which majorises the
      smoothed cost, and ``ε`` shrinks tenfold whenever ``θ`` settles. A last step tries
      the line (plane) through the ``p`` points with the smallest residuals, since some
      minimiser always interpolates ``p`` points. Its cost matches the exact optimum
      to a relative ``1e-3`` or better (usually to rounding).

    The minimiser need not be unique (the cost is piecewise linear); the two methods
    then may return different minimisers with the same cost.

    Parameters
    ----------
    X : array_like, shape (N, p)
        Design matrix.
    y : array_like, shape (N,)
        Targets.
    method : {"linprog", "irls"}
    max_iter : int
        Maximum number of weighted least-squares solves for ``"irls"``.
    tol : float
        For ``"irls"``: the final smoothing ``ε``, relative to ``max(max|y_i|, 1)``.
    """
    X, y = _design_and_targets(X, y)
    method = check_choice(method, "method", ("linprog", "irls"))
    n, p = X.shape
    if method == "linprog":
        c = np.concatenate([np.zeros(p), np.ones(2 * n)])
        A_eq = np.hstack([X, np.eye(n), -np.eye(n)])
        bounds = [(None, None)] * p + [(0, None)] * (2 * n)
        res = linprog(c, A_eq=A_eq, b_eq=y, bounds=bounds, method="highs")
        if res.status != 0:  # pragma: no cover - a bounded feasible LP always solves
            raise RuntimeError(f"linprog failed: {res.message}")
        return np.asarray(res.x[:p])
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_positive(tol, "tol")
    theta = fit_least_squares(X, y)
    r = np.abs(X @ theta - y)
    floor = tol * max(float(np.abs(y).max()), 1.0)
    eps = max(float(np.median(r)), floor)
    it = 0
    while it < max_iter:
        # minimise the smoothed cost sum sqrt(r^2 + eps^2): weighted least squares
        # with weights (r^2 + eps^2)^(-1/2), until theta settles, then shrink eps
        while it < max_iter:
            it += 1
            sw = (r * r + eps * eps) ** -0.25
            new = fit_least_squares(X * sw[:, None], y * sw)
            step = float(np.max(np.abs(new - theta)))
            theta = new
            r = np.abs(X @ theta - y)
            if step <= 1e-3 * eps:
                break
        if eps <= floor:
            break
        eps = max(eps / 10.0, floor)
    cost = float(r.sum())
    # Some LAD minimiser interpolates p of the points (a vertex of the linear
    # programme), so try the fit through the p points with the smallest residuals and
    # keep it if it is no worse.
    idx = np.argsort(r)[:p]
    try:
        vertex = np.linalg.solve(X[idx], y[idx])
    except np.linalg.LinAlgError:
        return theta
    if float(np.abs(X @ vertex - y).sum()) <= cost:
        theta = vertex
    return theta


# --------------------------------------------------------------------------- data
def line_with_outlier(
    n: int,
    *,
    intercept: float,
    slope: float,
    noise: float,
    outlier_shift: float,
    rng: Any,
    x_range: tuple[float, float] = (0.0, 10.0),
) -> tuple[np.ndarray, np.ndarray, int]:
    """Noisy points on a line, one of which (the one with the largest ``x``) is an outlier.

    ``x`` is uniform on ``x_range`` (sorted), ``y = intercept + slope x + noise · ε`` with
    standard normal ``ε``, and ``outlier_shift`` is added to the last point.

    Returns
    -------
    x, y : numpy.ndarray, shape (n,)
    outlier : int
        Index of the outlier (``n - 1``).
    """
    n = check_int(n, "n", minimum=2)
    noise = check_positive(noise, "noise", strict=False)
    gen = check_rng(rng)
    lo, hi = (float(v) for v in x_range)
    if not lo < hi:
        raise ValueError(f"x_range must be increasing, got {x_range}")
    x = np.sort(gen.uniform(lo, hi, n))
    y = float(intercept) + float(slope) * x + noise * gen.standard_normal(n)
    y[-1] += float(outlier_shift)
    return x, y, n - 1


def two_rings(
    n: int,
    *,
    rng: Any,
    radii: tuple[float, float] = (1.0, 2.5),
    noise: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric noisy rings in the plane: a classic set no straight line can split.

    Returns
    -------
    X : numpy.ndarray, shape (n, 2)
        Points; the first ``n // 2`` lie on the inner ring (label 0), the rest on the
        outer ring (label 1).
    labels : numpy.ndarray of int, shape (n,)
    """
    n = check_int(n, "n", minimum=2)
    gen = check_rng(rng)
    noise = check_positive(noise, "noise", strict=False)
    r_in, r_out = (check_positive(r, "radii") for r in radii)
    labels = np.repeat([0, 1], [n // 2, n - n // 2])
    angle = gen.uniform(0.0, 2.0 * np.pi, n)
    r = np.where(labels == 0, r_in, r_out) + noise * gen.standard_normal(n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)]), labels


def kernel_lift(X: Any) -> np.ndarray:
    """Feature map ``(x_1, x_2) ↦ (x_1, x_2, x_1² + x_2²)``.

    Points inside and outside a circle centred at the origin become points below and
    above a horizontal plane, so a *linear* rule in feature space draws a circle in the
    input space.
    """
    X = check_finite(as_float_array(X, "X", ndim=2), "X")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns, got shape {X.shape}")
    return np.column_stack([X, np.sum(X * X, axis=1)])
