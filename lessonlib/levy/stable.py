r"""Symmetric α-stable variates and the walker's jumps.

Conventions
-----------
A symmetric α-stable variable with scale :math:`\sigma` has characteristic function

.. math:: \mathbb E\, e^{itX} = \exp(-|\sigma t|^\alpha), \qquad 0 < \alpha \le 2,

which is scipy's ``levy_stable(alpha, 0, scale=sigma)`` (its S0 and S1
parameterisations coincide when β = 0). Special cases: α = 1 is the Cauchy law with
scale σ; α = 2 is the normal law with variance :math:`2\sigma^2` (not σ²). For α < 2
the tails are :math:`P(|X| > x) \simeq C_\alpha \sigma^\alpha x^{-\alpha}` with
:math:`C_\alpha = 2\Gamma(\alpha)\sin(\pi\alpha/2)/\pi` (:func:`stable_tail_constant`),
so the density of the jump length decays as :math:`\ell^{-(\alpha+1)}`.

Sampler: Chambers, Mallows and Stuck (1976). With :math:`V` uniform on
:math:`(-\pi/2, \pi/2)` and :math:`W` standard exponential,

.. math:: X = \frac{\sin \alpha V}{(\cos V)^{1/\alpha}}
          \Bigl(\frac{\cos((1-\alpha)V)}{W}\Bigr)^{(1-\alpha)/\alpha}.

Jump constructions used by the engine
-------------------------------------
``"radial"`` (the thesis): length :math:`\sigma|X|`, direction uniform on the circle.
``"isotropic"``: the sub-Gaussian vector :math:`\sigma\sqrt{2A}\,G`, with :math:`G` a
2-D standard normal and :math:`A > 0` an (α/2)-stable variable with Laplace transform
:math:`\mathbb E e^{-\gamma A} = e^{-\gamma^{\alpha/2}}`. Then
:math:`\mathbb E e^{i\theta\cdot J} = \exp(-\sigma^\alpha|\theta|^\alpha)`: a truly
isotropic 2-D stable vector whose every 1-D projection is symmetric α-stable with the
*same* scale σ as the radial construction's :math:`X` (our tail-amplitude convention:
"projections match"). For α = 2, :math:`A = 1` and the jump is Gaussian,
:math:`N(0, 2\sigma^2 I)`. The two constructions share the tail exponent but not the
law: the radial one puts the 1-D law on the *length*.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import check_choice, check_in_range, check_int, check_positive, check_rng
from . import _kernels as K
from .rng import stream_key

__all__ = [
    "sample_symmetric_stable",
    "sample_positive_stable",
    "sample_isotropic_stable",
    "sample_jumps",
    "stable_tail_constant",
    "check_alpha",
]

JUMP_KINDS = ("radial", "isotropic")


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """Return α as float after checking 0 < α <= 2 (the stable range)."""
    return check_in_range(alpha, name, 0.0, 2.0, low_inclusive=False, high_inclusive=True)


def _size(size: Any) -> tuple[int, ...]:
    if isinstance(size, (tuple, list)):
        return tuple(check_int(s, "size", minimum=0) for s in size)
    return (check_int(size, "size", minimum=0),)


def _open_uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    # (k + 1/2) 2**-52 with k < 2**52: exactly representable, never 0 or 1
    k = rng.integers(0, 2**52, size=n, dtype=np.int64)
    return (k.astype(np.float64) + 0.5) * 2.0**-52


def sample_symmetric_stable(alpha: float, size: Any, rng: Any, scale: float = 1.0) -> np.ndarray:
    """Draw symmetric α-stable variates (β = 0) by Chambers–Mallows–Stuck.

    Parameters
    ----------
    alpha : float
        Stability index, 0 < α <= 2.
    size : int or tuple of int
        Output shape.
    rng : numpy.random.Generator or int
        Source of the two uniforms per variate.
    scale : float, default 1
        Scale σ > 0 (characteristic function ``exp(-|σ t|^α)``).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``size``. Extremely rare draws may be ±inf for small α
        (the true value overflows float64).

    Examples
    --------
    >>> x = sample_symmetric_stable(1.0, 5, rng=0)   # Cauchy
    >>> x.shape
    (5,)
    """
    alpha = check_alpha(alpha)
    scale = check_positive(scale, "scale")
    shape = _size(size)
    rng = check_rng(rng)
    n = int(np.prod(shape, dtype=np.int64))
    u1 = _open_uniforms(rng, n)
    u2 = _open_uniforms(rng, n)
    out = np.empty(n, np.float64)
    K.cms_symmetric_array(alpha, u1, u2, out)
    return (scale * out).reshape(shape)


def sample_positive_stable(a: float, size: Any, rng: Any) -> np.ndarray:
    """Positive a-stable variates with Laplace transform ``E exp(-g A) = exp(-g**a)``.

    This is scipy's ``levy_stable(a, 1, scale=cos(pi a / 2)**(1/a))`` for 0 < a < 1,
    and the constant 1 for a = 1. It is the mixing variable of the isotropic jumps
    (with a = α/2).
    """
    a = check_in_range(a, "a", 0.0, 1.0, low_inclusive=False, high_inclusive=True)
    shape = _size(size)
    rng = check_rng(rng)
    n = int(np.prod(shape, dtype=np.int64))
    u1 = _open_uniforms(rng, n)
    u2 = _open_uniforms(rng, n)
    out = np.empty(n, np.float64)
    K.cms_positive_array(a, u1, u2, out)
    return out.reshape(shape)


def sample_isotropic_stable(alpha: float, size: int, rng: Any, scale: float = 1.0) -> np.ndarray:
    """Isotropic 2-D symmetric α-stable vectors, shape ``(size, 2)`` (sub-Gaussian construction).

    Every 1-D projection ``u @ J`` (``|u| = 1``) is symmetric α-stable with scale
    ``scale``; see the module docstring.
    """
    alpha = check_alpha(alpha)
    scale = check_positive(scale, "scale")
    size = check_int(size, "size", minimum=0)
    rng = check_rng(rng)
    a = sample_positive_stable(alpha / 2.0, size, rng)
    g = rng.standard_normal((size, 2))
    return scale * np.sqrt(2.0 * a)[:, None] * g


def sample_jumps(
    alpha: float,
    n_jumps: int,
    seed: Any,
    *,
    scale: float = 1.0,
    construction: str = "radial",
    trajectory: int = 0,
    max_jump: float = math.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """The first jumps of one engine trajectory, drawn from the engine's own stream.

    :func:`~lessonlib.levy.engine.simulate_search` with the same ``seed`` makes exactly
    these jumps, in this order, in trajectory ``trajectory`` (as far as the trajectory
    goes). Use it to plot jump-length histograms that belong to the simulated walkers.

    Parameters
    ----------
    alpha, scale : float
        Stability index (0, 2] and scale σ > 0.
    n_jumps : int
        How many jumps.
    seed : int or numpy.random.Generator
        Stream seed (see :func:`~lessonlib.levy.rng.stream_key`).
    construction : {"radial", "isotropic"}
        Jump construction (module docstring).
    trajectory : int
        Trajectory index within the stream.
    max_jump : float, default inf
        Jumps longer than this are redrawn (the thesis CPU script used 1e7).

    Returns
    -------
    lengths : numpy.ndarray, shape (n_jumps,)
        Jump lengths (may contain ``inf`` for extremely small α).
    directions : numpy.ndarray, shape (n_jumps, 2)
        Unit direction vectors; the jump vector is ``lengths[:, None] * directions``.
    """
    alpha = check_alpha(alpha)
    scale = check_positive(scale, "scale")
    n_jumps = check_int(n_jumps, "n_jumps", minimum=0)
    construction = check_choice(construction, "construction", JUMP_KINDS)
    trajectory = check_int(trajectory, "trajectory", minimum=0)
    max_jump = _check_max_jump(max_jump)
    out = np.empty((n_jumps, 3), np.float64)
    K.fill_jumps(np.uint64(stream_key(seed)), np.int64(trajectory), JUMP_KINDS.index(construction),
                 alpha, scale, max_jump, out)
    return out[:, 0].copy(), out[:, 1:].copy()


def _check_max_jump(max_jump: Any) -> float:
    if isinstance(max_jump, (int, float, np.floating, np.integer)) and not isinstance(max_jump, bool):
        if math.isinf(float(max_jump)) and float(max_jump) > 0:
            return math.inf
    return check_positive(max_jump, "max_jump")


def stable_tail_constant(alpha: float, scale: float = 1.0) -> float:
    r"""Amplitude :math:`C` of the two-sided tail :math:`P(|X| > x) \simeq C x^{-\alpha}`.

    :math:`C = 2\Gamma(\alpha)\sin(\pi\alpha/2)\,\sigma^\alpha/\pi` for 0 < α < 2
    (Samorodnitsky & Taqqu, Property 1.2.15). Raises for α = 2 (Gaussian: no power tail).

    Examples
    --------
    >>> round(stable_tail_constant(1.0), 6)   # Cauchy: P(|X| > x) ~ 2/(pi x)
    0.63662
    """
    alpha = check_in_range(alpha, "alpha", 0.0, 2.0, low_inclusive=False, high_inclusive=False)
    scale = check_positive(scale, "scale")
    return 2.0 * math.gamma(alpha) * math.sin(math.pi * alpha / 2.0) / math.pi * scale**alpha
