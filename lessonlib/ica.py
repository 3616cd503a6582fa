"""Source separation: mixing, unmixing, whitening, FastICA and histogram dependence measures.

Lecture 1 mixes three signals with a known matrix, undoes the mixing with the inverse,
and then recovers the signals *blindly*, without the matrix, by independent component
analysis (ICA). This module holds the pieces of that story.

Layout convention (as on the lecture's slides): a set of ``k`` signals sampled at
``n`` instants is a ``k × n`` array, one signal per **row**, so that mixing is the
matrix product ``Y = W X``.

* :func:`mix`, :func:`unmix`, :func:`condition_number`: the linear-algebra half;
* :func:`make_sources`: three deterministic test signals (sine, square, sawtooth);
* :func:`center`, :func:`whiten`: the preprocessing every ICA algorithm starts with;
* :func:`fastica`: our FastICA (Hyvärinen and Oja, 2000), symmetric version;
* :func:`match_sources`, :func:`amari_index`: how well a blind recovery worked, up to
  the permutation, scale and sign it cannot determine;
* :func:`entropy_hist`, :func:`mutual_information_hist`,
  :func:`total_correlation_hist`: plug-in histogram estimates of the dependence that
  separation minimises.

Examples
--------
>>> import numpy as np
>>> from lessonlib.ica import make_sources, mix, fastica, match_sources
>>> t, S = make_sources(2000)
>>> W = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.2], [0.03, 0.1, 0.5]])
>>> res = fastica(mix(W, S), rng=0)
>>> bool(match_sources(S, res.sources).corr.min() > 0.99)
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._validate import as_float_array, check_choice, check_finite, check_int, check_positive, check_rng

__all__ = [
    "mix",
    "unmix",
    "condition_number",
    "make_sources",
    "center",
    "whiten",
    "FastICAResult",
    "fastica",
    "SourceMatch",
    "match_sources",
    "amari_index",
    "entropy_hist",
    "mutual_information_hist",
    "total_correlation_hist",
]


# --------------------------------------------------------------------------- linear algebra
def _matrix(a: Any, name: str) -> np.ndarray:
    arr = as_float_array(a, name, ndim=2)
    return check_finite(arr, name)


def _square(a: Any, name: str) -> np.ndarray:
    arr = _matrix(a, name)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    return arr


def mix(W: Any, X: Any) -> np.ndarray:
    """Mix signals: ``Y = W X``.

    Parameters
    ----------
    W : array_like, shape (m, k)
        Mixing matrix; row ``i`` holds the weights of the ``k`` sources in mixture ``i``.
    X : array_like, shape (k, n)
        Sources, one per row.

    Returns
    -------
    numpy.ndarray, shape (m, n)
        The mixtures, one per row.
    """
    W = _matrix(W, "W")
    X = _matrix(X, "X")
    if W.shape[1] != X.shape[0]:
        raise ValueError(f"W has {W.shape[1]} columns but X has {X.shape[0]} rows")
    return W @ X


def unmix(W: Any, Y: Any) -> np.ndarray:
    """Recover the sources from the mixtures when the mixing matrix is known: ``X = W^{-1} Y``.

    The system ``W X = Y`` is solved by LU factorisation (``numpy.linalg.solve``), which
    is cheaper and more accurate than forming ``W^{-1}`` and multiplying.

    Parameters
    ----------
    W : array_like, shape (k, k)
        Invertible mixing matrix.
    Y : array_like, shape (k, n)
        Mixtures, one per row.

    Raises
    ------
    ValueError
        If ``W`` is not square, the shapes disagree, or ``W`` is singular.
    """
    W = _square(W, "W")
    Y = _matrix(Y, "Y")
    if W.shape[0] != Y.shape[0]:
        raise ValueError(f"W is {W.shape[0]} × {W.shape[1]} but Y has {Y.shape[0]} rows")
    try:
        return np.linalg.solve(W, Y)
    except np.linalg.LinAlgError:
        raise ValueError("W is singular: the mixtures cannot be unmixed") from None


def condition_number(W: Any) -> float:
    """2-norm condition number ``σ_max / σ_min`` of a matrix, from its singular values.

    It bounds how much a relative error in the mixtures can be amplified in the
    recovered sources: ``‖δX‖/‖X‖ ≤ κ(W) ‖δY‖/‖Y‖``. Returns ``inf`` for a singular matrix.
    """
    W = _matrix(W, "W")
    s = np.linalg.svd(W, compute_uv=False)
    if s[-1] == 0:
        return float("inf")
    return float(s[0] / s[-1])


# --------------------------------------------------------------------------- test signals
def make_sources(n_samples: int, t_max: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Three deterministic test sources on ``[0, t_max]``: a sine, a square wave, a sawtooth.

    * ``sin(2t)``;
    * ``sign(sin(3t))`` (with ``+1`` where the sine is zero), a square wave;
    * a sawtooth of period 1 rising from -1 to 1.

    Their frequencies are unrelated, so over many periods the three signals behave like
    independent random variables, and none of them is Gaussian: exactly the setting in
    which ICA works.

    Returns
    -------
    t : numpy.ndarray, shape (n_samples,)
    S : numpy.ndarray, shape (3, n_samples)
    """
    n = check_int(n_samples, "n_samples", minimum=2)
    t_max = check_positive(t_max, "t_max")
    t = np.linspace(0.0, t_max, n)
    sine = np.sin(2.0 * t)
    square = np.where(np.sin(3.0 * t) >= 0.0, 1.0, -1.0)
    saw = 2.0 * (t - np.floor(t)) - 1.0
    return t, np.vstack([sine, square, saw])


# --------------------------------------------------------------------------- preprocessing
def center(Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Subtract each row's mean.

    Returns
    -------
    Yc : numpy.ndarray, shape (m, n)
        Centred signals (each row has mean zero).
    mean : numpy.ndarray, shape (m,)
        The row means that were removed.
    """
    Y = _matrix(Y, "Y")
    mean = Y.mean(axis=1)
    return Y - mean[:, None], mean


def whiten(Y: Any, n_components: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre and whiten signals by PCA: ``Z = V (Y - mean)`` with ``cov(Z) = I``.

    With the covariance ``C = E D E^T`` (eigenvalues in decreasing order), the whitening
    matrix is ``V = D_k^{-1/2} E_k^T``, keeping the ``k`` leading components.

    Parameters
    ----------
    Y : array_like, shape (m, n)
        Signals, one per row.
    n_components : int, optional
        Number ``k`` of whitened components (default: ``m``).

    Returns
    -------
    Z : numpy.ndarray, shape (k, n)
        White signals: zero mean, identity covariance (with the ``1/n`` convention).
    V : numpy.ndarray, shape (k, m)
        Whitening matrix.
    mean : numpy.ndarray, shape (m,)
        Row means of ``Y``.

    Raises
    ------
    ValueError
        If the covariance has (numerically) zero eigenvalues among the kept ones.
    """
    Yc, mean = center(Y)
    m, n = Yc.shape
    k = m if n_components is None else check_int(n_components, "n_components", minimum=1)
    if k > m:
        raise ValueError(f"n_components must be <= {m} (the number of signals), got {k}")
    if n < 2:
        raise ValueError(f"Y must have at least 2 samples per signal, got {n}")
    C = Yc @ Yc.T / n
    d, E = np.linalg.eigh(C)
    order = np.argsort(d)[::-1][:k]
    d, E = d[order], E[:, order]
    if d[-1] <= max(d[0], 0.0) * 1e-12:
        raise ValueError("Y is (numerically) rank deficient: reduce n_components")
    V = E.T / np.sqrt(d)[:, None]
    return V @ Yc, V, mean


# --------------------------------------------------------------------------- FastICA
def _sym_decorrelate(B: np.ndarray) -> np.ndarray:
    """``(B B^T)^{-1/2} B``: the nearest matrix with orthonormal rows."""
    s, U = np.linalg.eigh(B @ B.T)
    return (U / np.sqrt(s)) @ U.T @ B


def _contrast(u: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The nonlinearity ``g = G'`` and its derivative ``g'`` of a FastICA contrast ``G``."""
    if kind == "logcosh":
        g = np.tanh(u)
        return g, 1.0 - g * g
    if kind == "exp":
        e = np.exp(-0.5 * u * u)
        return u * e, (1.0 - u * u) * e
    return u**3, 3.0 * u * u  # "cube": kurtosis


@dataclass(frozen=True)
class FastICAResult:
    """Output of :func:`fastica`.

    Attributes
    ----------
    sources : numpy.ndarray, shape (k, n)
        Estimated independent components (zero mean, unit variance), one per row.
    unmixing : numpy.ndarray, shape (k, m)
        ``B`` with ``sources = B (Y - mean)``.
    mixing : numpy.ndarray, shape (m, k)
        Estimated mixing matrix, the pseudo-inverse of ``unmixing``.
    mean : numpy.ndarray, shape (m,)
        Row means of the mixtures.
    n_iter : int
        Fixed-point iterations performed.
    converged : bool
        Whether the tolerance was reached within ``max_iter`` iterations.
    """

    sources: np.ndarray
    unmixing: np.ndarray
    mixing: np.ndarray
    mean: np.ndarray
    n_iter: int
    converged: bool


def fastica(
    Y: Any,
    n_components: int | None = None,
    *,
    rng: Any,
    contrast: str = "logcosh",
    max_iter: int = 500,
    tol: float = 1e-8,
) -> FastICAResult:
    """Blind source separation by FastICA, symmetric (parallel) version.

    After whitening, ``Z = V (Y - mean)``, the rows ``w_i`` of an orthogonal matrix
    ``B_w`` are updated together by the fixed-point rule of Hyvärinen and Oja (2000)

    ``w_i ← E[z g(w_i^T z)] - E[g'(w_i^T z)] w_i``

    followed by the symmetric decorrelation ``B_w ← (B_w B_w^T)^{-1/2} B_w``. Each step
    moves every output toward a stationary point of the negentropy approximation
    ``(E G(w^T z) - E G(ν))^2``, ``ν ~ N(0, 1)``; maximising non-Gaussianity of white,
    uncorrelated outputs is the same as minimising their total correlation.

    Parameters
    ----------
    Y : array_like, shape (m, n)
        Mixtures, one per row.
    n_components : int, optional
        Number of components to extract (default ``m``).
    rng : numpy.random.Generator or int
        Randomness for the initial matrix.
    contrast : {"logcosh", "exp", "cube"}
        ``G(u) = log cosh u``, ``-exp(-u²/2)`` or ``u⁴/4`` (kurtosis).
    max_iter : int
        Maximum number of fixed-point iterations.
    tol : float
        Stop when ``max_i |1 - |w_i^new · w_i^old|| < tol``.

    Returns
    -------
    FastICAResult
        The sources come out in an arbitrary order, with arbitrary signs and unit
        variance: the permutation and scale ambiguity of blind separation.
    """
    gen = check_rng(rng)
    contrast = check_choice(contrast, "contrast", ("logcosh", "exp", "cube"))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_positive(tol, "tol")
    Z, V, mean = whiten(Y, n_components)
    k, n = Z.shape
    B = _sym_decorrelate(gen.standard_normal((k, k)))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        U = B @ Z
        g, dg = _contrast(U, contrast)
        B_new = _sym_decorrelate(g @ Z.T / n - dg.mean(axis=1)[:, None] * B)
        change = np.max(np.abs(np.abs(np.einsum("ij,ij->i", B_new, B)) - 1.0))
        B = B_new
        if change < tol:
            converged = True
            break
    unmixing = B @ V
    sources = unmixing @ (_matrix(Y, "Y") - mean[:, None])
    return FastICAResult(
        sources=sources,
        unmixing=unmixing,
        mixing=np.linalg.pinv(unmixing),
        mean=mean,
        n_iter=it,
        converged=converged,
    )


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class SourceMatch:
    """Output of :func:`match_sources`.

    Attributes
    ----------
    perm : numpy.ndarray of int, shape (k,)
        ``perm[i]`` is the row of the estimate that matches true source ``i``.
    scale : numpy.ndarray, shape (k,)
        Least-squares factor (its sign is the sign flip) that maps the centred estimate
        ``perm[i]`` onto the centred true source ``i``.
    aligned : numpy.ndarray, shape (k, n)
        The estimates reordered, rescaled and shifted onto the true sources.
    corr : numpy.ndarray, shape (k,)
        Absolute correlation of each true source with its matched estimate.
    rel_error : numpy.ndarray, shape (k,)
        ``‖aligned_i - s_i‖ / ‖s_i - mean(s_i)‖`` for each source.
    """

    perm: np.ndarray
    scale: np.ndarray
    aligned: np.ndarray
    corr: np.ndarray
    rel_error: np.ndarray


def match_sources(S: Any, S_hat: Any) -> SourceMatch:
    """Match estimated sources to true ones up to permutation, scale and sign.

    The pairing maximises the total absolute correlation (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``); each matched estimate is then fitted to
    its source by least squares with an offset.

    Parameters
    ----------
    S : array_like, shape (k, n)
        True sources, one per row.
    S_hat : array_like, shape (k, n)
        Estimates, one per row, in any order, scale and sign.
    """
    S = _matrix(S, "S")
    S_hat = _matrix(S_hat, "S_hat")
    if S.shape != S_hat.shape:
        raise ValueError(f"S and S_hat must have the same shape, got {S.shape} and {S_hat.shape}")
    Sc = S - S.mean(axis=1, keepdims=True)
    Hc = S_hat - S_hat.mean(axis=1, keepdims=True)
    ns = np.linalg.norm(Sc, axis=1)
    nh = np.linalg.norm(Hc, axis=1)
    if np.any(ns == 0) or np.any(nh == 0):
        raise ValueError("S and S_hat must not contain constant rows")
    C = (Sc @ Hc.T) / np.outer(ns, nh)
    rows, cols = linear_sum_assignment(-np.abs(C))
    perm = cols[np.argsort(rows)]
    scale = np.einsum("ij,ij->i", Sc, Hc[perm]) / nh[perm] ** 2
    aligned = scale[:, None] * Hc[perm] + S.mean(axis=1, keepdims=True)
    corr = np.abs(C[np.arange(S.shape[0]), perm])
    rel_error = np.linalg.norm(aligned - S, axis=1) / ns
    return SourceMatch(perm=perm, scale=scale, aligned=aligned, corr=corr, rel_error=rel_error)


def amari_index(P: Any) -> float:
    """Amari performance index of ``P = B W`` (estimated unmixing times true mixing).

    ``P`` is a scaled permutation matrix exactly when the separation is perfect up to
    the unavoidable ambiguities. The index

    ``(1 / (2k(k-1))) [Σ_i (Σ_j |p_ij| / max_j |p_ij| - 1) + Σ_j (Σ_i |p_ij| / max_i |p_ij| - 1)]``

    lies in ``[0, 1]`` and is ``0`` if and only if ``P`` is a scaled permutation.
    """
    P = np.abs(_square(P, "P"))
    k = P.shape[0]
    if k < 2:
        raise ValueError("P must be at least 2 × 2")
    rmax = P.max(axis=1)
    cmax = P.max(axis=0)
    if np.any(rmax == 0) or np.any(cmax == 0):
        raise ValueError("P must not have a zero row or column")
    rows = (P.sum(axis=1) / rmax - 1.0).sum()
    cols = (P.sum(axis=0) / cmax - 1.0).sum()
    return float((rows + cols) / (2.0 * k * (k - 1)))


# --------------------------------------------------------------------------- information
def _plogp_sum(counts: np.ndarray) -> float:
    """Plug-in entropy (nats) of a histogram of counts."""
    c = counts[counts > 0].astype(np.float64)
    p = c / c.sum()
    return float(-(p * np.log(p)).sum())


def _signals(X: Any, name: str) -> np.ndarray:
    X = _matrix(X, name)
    if X.shape[1] < 2:
        raise ValueError(f"{name} must have at least 2 samples, got {X.shape[1]}")
    return X


def entropy_hist(x: Any, bins: int = 32) -> float:
    """Plug-in entropy (nats) of the histogram of a 1-D sample with ``bins`` equal-width bins.

    This is the entropy of the *discretised* variable; it lies in ``[0, log bins]``.
    """
    x = check_finite(as_float_array(x, "x", ndim=1), "x")
    bins = check_int(bins, "bins", minimum=1)
    counts, _ = np.histogram(x, bins=bins)
    return _plogp_sum(counts)


def total_correlation_hist(X: Any, bins: int = 8) -> float:
    """Plug-in total correlation (nats) of the rows of ``X``, from a ``k``-dimensional histogram.

    ``TC(X_1, …, X_k) = Σ_i H(X_i) - H(X_1, …, X_k) = KL(p ‖ p_1 ⋯ p_k)``: zero for
    independent variables, positive otherwise. Each axis is cut into ``bins`` equal-width
    bins over the data's range; the marginal histograms are the sums of the joint one,
    so the estimate is the exact total correlation of the discretised sample (hence
    ``>= 0``). Its bias is roughly ``(bins^k - k(bins - 1) - 1) / (2n)`` for independent
    data: use ``n`` much larger than ``bins^k``.

    Parameters
    ----------
    X : array_like, shape (k, n)
        ``k`` signals, one per row (``k >= 2``).
    bins : int
        Bins per axis.
    """
    X = check_finite(_signals(X, "X"), "X")
    if X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows, got {X.shape[0]}")
    bins = check_int(bins, "bins", minimum=1)
    counts, _ = np.histogramdd(X.T, bins=bins)
    joint = _plogp_sum(counts)
    k = X.shape[0]
    marginals = 0.0
    for axis in range(k):
        other = tuple(a for a in range(k) if a != axis)
        marginals += _plogp_sum(counts.sum(axis=other))
    return max(marginals - joint, 0.0)


def mutual_information_hist(x: Any, y: Any, bins: int = 16) -> float:
    """Plug-in mutual information (nats) of two samples from a 2-D histogram.

    The two-variable case of :func:`total_correlation_hist`:
    ``I(X; Y) = H(X) + H(Y) - H(X, Y)``.
    """
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    return total_correlation_hist(np.vstack([x, y]), bins=bins)
