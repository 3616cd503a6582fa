r"""Torus geometry, trap layouts and trap look-up for the blind-search model.

The domain is the periodic square :math:`[-W, W)^2` with side :math:`L = 2W` (the thesis:
W = 12000). Positions are kept wrapped into that square; differences are taken with the
minimum-image convention, so every coordinate of a difference lies in
:math:`[-W, W]` and every distance is at most :math:`L/\sqrt 2`.

Trap layouts (``make_traps``)
-----------------------------
``"thesis"``
    Exactly the thesis code: ``x = y = linspace(-W, W, g)`` with :math:`g = \lfloor\sqrt
    M\rfloor`, all :math:`g^2` pairs, index ``ix * g + iy``. Under periodicity the rows
    ``x = -W`` and ``x = +W`` coincide (likewise for y), so the :math:`g^2` listed traps
    are :math:`(g-1)^2` distinct sites with spacing :math:`L/(g-1)` and
    :math:`2g - 1` duplicates on the edges. Look-ups report the lowest ("canonical") index
    of coinciding duplicates. Needs g >= 3.
``"lattice"``
    A clean periodic lattice: :math:`g^2` distinct sites :math:`-W + iL/g`, spacing
    :math:`L/g`; for even g the central trap sits at the origin.
``"random"``
    M traps uniform on the square, drawn once from their own seed (quenched disorder).

The walker starts at the "central" trap: index ``(g//2) * g + g//2`` on lattices (the
thesis's ``middle_index``), the trap nearest the origin for random traps, unless a
``start`` index is given.

Look-up without a tree
----------------------
On lattices the nearest site is arithmetic (round each coordinate to the lattice). For
random traps a cell list buckets the traps into :math:`C \times C` square cells of side
at least the reaction radius; the nearest trap within reach is among the 3 x 3 cells
around the query point, and every trap outside that block is at least one cell side
away, which gives the lower bound used to skip sub-steps safely.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import as_float_array, check_choice, check_finite, check_int, check_positive
from . import _kernels as K

__all__ = [
    "LAYOUTS",
    "TrapLayout",
    "make_traps",
    "wrap",
    "min_image",
    "torus_distance",
    "nearest_trap",
    "substep_count",
    "substep_points",
    "first_substep_hits",
]

LAYOUTS = ("thesis", "lattice", "random")


def wrap(x: Any, half_width: float) -> np.ndarray:
    """Wrap coordinates onto ``[-half_width, half_width)`` (the engine's formula).

    Idempotent: ``wrap(wrap(x, W), W) == wrap(x, W)`` exactly.

    Examples
    --------
    >>> wrap([12000.0, -12001.0, 5.0], 12000.0).tolist()
    [-12000.0, 11999.0, 5.0]
    """
    w = check_positive(half_width, "half_width")
    arr = check_finite(as_float_array(x, "x"), "x")
    flat = np.ascontiguousarray(arr).reshape(-1)
    out = np.empty_like(flat)
    K.wrap_array(flat, w, 2.0 * w, out)
    return out.reshape(arr.shape)


def min_image(d: Any, half_width: float) -> np.ndarray:
    """Minimum-image form of a coordinate difference: ``d - L round(d / L)``, in ``[-W, W]``."""
    w = check_positive(half_width, "half_width")
    d = check_finite(as_float_array(d, "d"), "d")
    el = 2.0 * w
    return d - el * np.round(d / el)


def torus_distance(a: Any, b: Any, half_width: float) -> np.ndarray:
    """Euclidean distance on the torus between points ``a`` and ``b`` (last axis = 2)."""
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape[-1:] != (2,) or b.shape[-1:] != (2,):
        raise ValueError(f"a and b must have last dimension 2, got {a.shape} and {b.shape}")
    d = min_image(a - b, half_width)
    return np.hypot(d[..., 0], d[..., 1])


@dataclass(frozen=True, eq=False)
class TrapLayout:
    """A quenched trap set on the torus, with the arrays the engine's look-up needs.

    Attributes
    ----------
    kind : str
        ``"thesis"``, ``"lattice"`` or ``"random"``.
    half_width : float
        W; the domain is ``[-W, W)^2``.
    positions : numpy.ndarray, shape (M, 2)
        Trap coordinates as the layout lists them (the thesis layout includes its edge
        duplicates, so M = g^2).
    canonical : numpy.ndarray, shape (M,)
        Index reported for each listed trap (the lowest index of coinciding traps).
    start : int
        Canonical index of the start trap.
    n_distinct : int
        Number of distinct trap sites on the torus.
    spacing : float or None
        Lattice spacing (None for random traps).
    cell_size : float or None
        Cell-list cell side (None for lattices).
    """

    kind: str
    half_width: float
    positions: np.ndarray
    canonical: np.ndarray
    start: int
    n_distinct: int
    spacing: float | None
    cell_size: float | None
    lay_f: np.ndarray = field(repr=False)
    lay_i: np.ndarray = field(repr=False)
    tx: np.ndarray = field(repr=False)
    ty: np.ndarray = field(repr=False)
    cell_start: np.ndarray = field(repr=False)
    cell_items: np.ndarray = field(repr=False)

    @property
    def side(self) -> float:
        """Domain side L = 2W."""
        return 2.0 * self.half_width

    @property
    def start_position(self) -> np.ndarray:
        """Coordinates of the start trap."""
        return self.positions[self.start].copy()

    @property
    def kernel_args(self) -> tuple:
        """Arrays passed to the numba kernels (lay_f, lay_i, tx, ty, cell_start, cell_items)."""
        return (self.lay_f, self.lay_i, self.tx, self.ty, self.cell_start, self.cell_items)


def make_traps(
    kind: str,
    n_traps: int,
    half_width: float = 12000.0,
    *,
    seed: int = 0,
    start: int | None = None,
    radius: float = 3.0,
) -> TrapLayout:
    """Build a trap layout (see the module docstring for the three kinds).

    Parameters
    ----------
    kind : {"thesis", "lattice", "random"}
    n_traps : int
        M. Lattices use g = floor(sqrt(M)) per axis (the thesis's rule), so M = 1200
        gives 34 x 34 and M = 600 gives 24 x 24.
    half_width : float
        W > 0.
    seed : int
        Seed of the random layout (ignored by lattices).
    start : int, optional
        Index (into ``positions``) of the start trap; default: the central trap.
    radius : float
        Reaction radius; the random layout's cells are at least this wide.

    Returns
    -------
    TrapLayout

    Raises
    ------
    ValueError
        If there are no traps (M = 0, or a lattice with g = 0), if the thesis layout has
        g < 3 (all its traps would coincide), or if ``start`` is out of range.
    """
    kind = check_choice(kind, "kind", LAYOUTS)
    n_traps = check_int(n_traps, "n_traps", minimum=0)
    w = check_positive(half_width, "half_width")
    radius = check_positive(radius, "radius")
    if n_traps == 0:
        raise ValueError("n_traps must be >= 1: the trap set is empty")
    el = 2.0 * w
    empty_i = np.zeros(1, np.int64)
    empty_f = np.zeros(1, np.float64)
    if kind in ("thesis", "lattice"):
        g = math.isqrt(n_traps)
        if kind == "thesis" and g < 3:
            raise ValueError(
                f"the 'thesis' layout needs floor(sqrt(n_traps)) >= 3 (got g = {g}): with fewer "
                "linspace points every trap coincides with the start trap on the torus"
            )
        if kind == "thesis":
            xs = np.linspace(-w, w, g)
            n_axis = g - 1
            spacing = el / n_axis
        else:
            n_axis = g
            spacing = el / g
            xs = -w + spacing * np.arange(g)
        pos = np.column_stack([np.repeat(xs, g), np.tile(xs, g)])
        ix, iy = np.divmod(np.arange(g * g), g)
        canonical = (ix % n_axis) * g + (iy % n_axis)
        s = (g // 2) * g + g // 2 if start is None else check_int(start, "start", minimum=0)
        if s >= g * g:
            raise ValueError(f"start must be < {g * g} (the number of traps), got {s}")
        s = int(canonical[s])
        lay_f = np.array([-w, spacing, 0.0, w, el, pos[s, 0], pos[s, 1], 1.0 / spacing, 0.0, 1.0 / el])
        lay_i = np.array([K.LAYOUT_LATTICE, n_axis, g, 0, s], np.int64)
        return TrapLayout(kind, w, pos, canonical.astype(np.int64), s, n_axis * n_axis, spacing,
                          None, lay_f, lay_i, empty_f, empty_f, empty_i, empty_i)
    # random traps with a cell list
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    raw = rng.uniform(-w, w, size=(n_traps, 2))
    pos = wrap(raw, w)
    if start is None:
        d0 = torus_distance(pos, np.zeros(2), w)
        s = int(np.argmin(d0))
    else:
        s = check_int(start, "start", minimum=0)
        if s >= n_traps:
            raise ValueError(f"start must be < {n_traps} (the number of traps), got {s}")
    n_cells = max(1, min(int(el // radius), int(round(math.sqrt(n_traps)))))
    cell = el / n_cells
    inv_cell = 1.0 / cell  # the kernel's look-up uses the same multiply-and-floor
    cx = np.clip(np.floor((pos[:, 0] + w) * inv_cell).astype(np.int64), 0, n_cells - 1)
    cy = np.clip(np.floor((pos[:, 1] + w) * inv_cell).astype(np.int64), 0, n_cells - 1)
    cid = cx * n_cells + cy
    items = np.argsort(cid, kind="stable").astype(np.int64)
    counts = np.bincount(cid, minlength=n_cells * n_cells)
    cell_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lay_f = np.array([-w, 0.0, cell, w, el, pos[s, 0], pos[s, 1], 0.0, inv_cell, 1.0 / el])
    lay_i = np.array([K.LAYOUT_CELLS, 0, 0, n_cells, s], np.int64)
    return TrapLayout(kind, w, pos, np.arange(n_traps, dtype=np.int64), s, n_traps, None, cell,
                      lay_f, lay_i, np.ascontiguousarray(pos[:, 0]), np.ascontiguousarray(pos[:, 1]),
                      cell_start, items)


def nearest_trap(points: Any, layout: TrapLayout) -> tuple[np.ndarray, np.ndarray]:
    """Distance to, and canonical index of, the nearest trap for each point (torus metric).

    This is the engine's own look-up (arithmetic lattice or cell list). For random
    traps the distance is exact whenever a trap lies within one cell side; beyond that
    the look-up only guarantees that no trap is closer than one cell side, and it returns
    ``inf`` and ``-1`` if the 3 x 3 block around the point is empty.

    Parameters
    ----------
    points : array_like, shape (n, 2)
        Query points (wrapped onto the domain first).
    layout : TrapLayout

    Returns
    -------
    dist : numpy.ndarray, shape (n,)
    index : numpy.ndarray of int64, shape (n,)
    """
    if not isinstance(layout, TrapLayout):
        raise TypeError(f"layout must be a TrapLayout, got {type(layout).__name__}")
    p = check_finite(as_float_array(points, "points", ndim=(1, 2)), "points")
    if p.ndim == 1:
        p = p[None, :]
    if p.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {p.shape}")
    p = wrap(p, layout.half_width)
    n = p.shape[0]
    dist = np.empty(n)
    idx = np.empty(n, np.int64)
    bound = np.empty(n)
    K.query_array(np.ascontiguousarray(p[:, 0]), np.ascontiguousarray(p[:, 1]),
                  *layout.kernel_args, dist, idx, bound)
    return dist, idx


def substep_count(length: Any) -> np.ndarray:
    """Number of sub-steps of a jump: ``max(1, ceil(length))`` (``inf`` for an infinite jump).

    The thesis CUDA kernel uses this rule; its CPU script used ``floor(length) + 1``
    (sub-steps strictly shorter than 1). Each sub-step is at most one length unit, so with
    reaction radius 3 a straight pass through a disk's centre cannot jump over it.
    """
    ell = as_float_array(length, "length")
    if np.any(ell < 0) or np.any(np.isnan(ell)):
        raise ValueError("length must be >= 0")
    return np.where(np.isinf(ell), np.inf, np.maximum(1.0, np.ceil(ell)))


def substep_points(start: Any, length: float, direction: Any, half_width: float,
                   max_points: int | None = None) -> np.ndarray:
    """Wrapped sub-step points ``p_k = wrap(p0 + k d)``, k = 1..n, of one jump.

    ``d = length * direction / n`` with ``n = max(1, ceil(length))``; the same float
    operations as the engine, so these are bit-for-bit the points it tests.

    Parameters
    ----------
    start : array_like, shape (2,)
        p0 (wrapped).
    length : float
        Jump length >= 0 (``inf`` allowed with ``max_points``).
    direction : array_like, shape (2,)
        Unit vector.
    half_width : float
    max_points : int, optional
        Return at most this many points (required for an infinite jump).
    """
    w = check_positive(half_width, "half_width")
    p0 = as_float_array(start, "start", ndim=1)
    u = as_float_array(direction, "direction", ndim=1)
    if p0.shape != (2,) or u.shape != (2,):
        raise ValueError("start and direction must have shape (2,)")
    ell = float(length)
    if not ell >= 0:
        raise ValueError(f"length must be >= 0, got {length}")
    n = float(substep_count(ell))
    if max_points is not None:
        n = min(n, check_int(max_points, "max_points", minimum=0))
    if math.isinf(n):
        raise ValueError("an infinite jump needs max_points")
    out = np.empty((int(n), 2))
    K.substep_points(float(p0[0]), float(p0[1]), ell, float(u[0]), float(u[1]), int(n), w, 2.0 * w, out)
    return out


def first_substep_hits(starts: Any, jumps: Any, layout: TrapLayout, radius: float, *,
                       skip: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """For each jump, the first sub-step that lands within ``radius`` of a trap.

    Parameters
    ----------
    starts, jumps : array_like, shape (n, 2)
        Start points and jump vectors; jump i is cut into ``max(1, ceil(|jump|))``
        sub-steps as in the engine.
    layout : TrapLayout
    radius : float
    skip : bool
        Use the engine's distance-bound skipping (True) or test every sub-step (False);
        both give identical answers.

    Returns
    -------
    k : numpy.ndarray
        1-based index of the first sub-step inside a disk, 0 if none.
    trap : numpy.ndarray of int64
        Canonical index of that trap, -1 if none.
    n_queries : int
        Number of trap look-ups made (the work done).
    """
    if not isinstance(layout, TrapLayout):
        raise TypeError(f"layout must be a TrapLayout, got {type(layout).__name__}")
    radius = check_positive(radius, "radius")
    p0 = wrap(check_finite(as_float_array(starts, "starts", ndim=2), "starts"), layout.half_width)
    j = check_finite(as_float_array(jumps, "jumps", ndim=2), "jumps")
    if p0.shape[1] != 2 or j.shape != p0.shape:
        raise ValueError(f"starts and jumps must both have shape (n, 2), got {p0.shape} and {j.shape}")
    n = p0.shape[0]
    out_k = np.empty(n)
    out_j = np.empty(n, np.int64)
    nq = K.first_substep_hit_many(np.ascontiguousarray(p0), np.ascontiguousarray(j), radius,
                                  *layout.kernel_args, bool(skip), out_k, out_j)
    return out_k, out_j, int(nq)
