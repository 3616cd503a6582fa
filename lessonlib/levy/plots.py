"""Drawing helpers for the blind-search chapter (matplotlib, the book's style).

Nothing here computes a result: these functions draw what the engine and the statistics
return, so that the chapter's figure cells stay short. Every function takes the axes to
draw on and returns what it added (for tests and legends).

* :func:`wrapped_segments` cuts a straight segment on the plane into pieces inside the
  periodic box (for drawing paths without lines across the whole box at a wrap).
* :func:`draw_traps` draws a trap layout (edge duplicates of the thesis lattice marked).
* :func:`draw_path` draws a :class:`~lessonlib.levy.engine.Trajectory`, wrapped into the
  box or unwrapped on the plane.
* :func:`draw_substeps` draws the sub-step points of the jumps near a point (for zooms).
* :func:`plot_estimates` draws a statistic against α with 95 % error bars.
* :func:`mark_reference_alphas` marks α = 1 (the Lévy-foraging benchmark) and the
  thesis's α ≈ 0.6 on a sweep plot.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import as_float_array, check_positive
from .engine import Trajectory
from .geometry import TrapLayout

__all__ = [
    "wrapped_segments",
    "draw_traps",
    "draw_path",
    "draw_substeps",
    "plot_estimates",
    "mark_reference_alphas",
]


def wrapped_segments(p0: Any, p1: Any, half_width: float) -> list[np.ndarray]:
    """Pieces of the plane segment p0 → p1 mapped into the box ``[-W, W)^2``.

    The segment is cut wherever it crosses a line ``x = (2k+1) W`` or ``y = (2k+1) W``;
    each piece is then shifted into the box. Returns a list of (2, 2) arrays
    ``[[x_start, y_start], [x_end, y_end]]``.

    Examples
    --------
    >>> [s.tolist() for s in wrapped_segments([0.0, 0.0], [15.0, 0.0], 10.0)]
    [[[0.0, 0.0], [10.0, 0.0]], [[-10.0, 0.0], [-5.0, 0.0]]]
    """
    w = check_positive(half_width, "half_width")
    a = as_float_array(p0, "p0", ndim=1)
    b = as_float_array(p1, "p1", ndim=1)
    if a.shape != (2,) or b.shape != (2,):
        raise ValueError("p0 and p1 must have shape (2,)")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("p0 and p1 must be finite")
    el = 2.0 * w
    d = b - a
    cuts = [0.0, 1.0]
    for ax in range(2):
        if d[ax] == 0:
            continue
        lo, hi = sorted((a[ax], b[ax]))
        k0 = math.ceil((lo - w) / el)
        k1 = math.floor((hi - w) / el)
        for k in range(k0, k1 + 1):
            t = ((2 * k + 1) * w - a[ax]) / d[ax]
            if 0.0 < t < 1.0:
                cuts.append(t)
    ts = np.unique(np.array(cuts))
    out = []
    for t0, t1 in zip(ts[:-1], ts[1:]):
        q0, q1 = a + t0 * d, a + t1 * d
        mid = 0.5 * (q0 + q1)
        shift = el * np.floor((mid + w) / el)
        out.append(np.array([q0 - shift, q1 - shift]))
    return out


def draw_traps(ax: Any, layout: TrapLayout, *, color: str = "#7F7F7F", start_color: str = "#D55E00",
               size: float = 4.0, mark_duplicates: bool = True) -> dict[str, Any]:
    """Draw the traps of a layout, the start trap, and the box outline.

    Returns a dict of the artists: ``"traps"``, ``"start"``, ``"duplicates"`` (None if
    there are none or ``mark_duplicates`` is False) and ``"box"``.
    """
    if not isinstance(layout, TrapLayout):
        raise TypeError(f"layout must be a TrapLayout, got {type(layout).__name__}")
    pos = layout.positions
    dup = layout.canonical != np.arange(pos.shape[0])
    main = ~dup if mark_duplicates else np.ones(pos.shape[0], bool)
    out: dict[str, Any] = {}
    out["traps"] = ax.scatter(pos[main, 0], pos[main, 1], s=size, color=color, lw=0, label="traps", zorder=2)
    out["duplicates"] = None
    if mark_duplicates and dup.any():
        out["duplicates"] = ax.scatter(pos[dup, 0], pos[dup, 1], s=size * 3, facecolors="none",
                                       edgecolors=color, lw=0.7, label="edge duplicates", zorder=2)
    sp = layout.start_position
    out["start"] = ax.scatter([sp[0]], [sp[1]], s=size * 10, color=start_color, marker="*",
                              label="start trap", zorder=4)
    w = layout.half_width
    out["box"] = ax.plot([-w, w, w, -w, -w], [-w, -w, w, w, -w], color="#333333", lw=0.8, zorder=1)[0]
    ax.set_aspect("equal")
    return out


def draw_path(ax: Any, traj: Trajectory, *, wrapped: bool = True, color: str = "#0072B2",
              lw: float = 0.7, max_jumps: int | None = None, **kw: Any) -> list[Any]:
    """Draw a trajectory jump by jump (straight lines between jump end points).

    Parameters
    ----------
    ax : matplotlib Axes
    traj : Trajectory
        From :func:`~lessonlib.levy.engine.sample_trajectory`.
    wrapped : bool
        True: fold the path into the periodic box (each jump cut where it wraps);
        False: the unwrapped path on the plane.
    max_jumps : int, optional
        Draw only the first jumps.

    Returns
    -------
    list
        The line artists added (one LineCollection when ``wrapped``, one line otherwise).
    """
    from matplotlib.collections import LineCollection

    if not isinstance(traj, Trajectory):
        raise TypeError(f"traj must be a Trajectory, got {type(traj).__name__}")
    pts = traj.unwrapped_path()
    if max_jumps is not None:
        pts = pts[: int(max_jumps) + 1]
    if not wrapped:
        return [ax.plot(pts[:, 0], pts[:, 1], color=color, lw=lw, **kw)[0]]
    w = traj.params.half_width
    segs: list[np.ndarray] = []
    for p, q in zip(pts[:-1], pts[1:]):
        if np.all(np.abs(p - q) < 1e-300):
            continue
        segs.extend(wrapped_segments(p, q, w))
    lc = LineCollection(segs, colors=color, linewidths=lw, **kw)
    ax.add_collection(lc)
    return [lc]


def draw_substeps(ax: Any, traj: Trajectory, centre: Any, half_size: float, *,
                  jumps: Any = None, color: str = "#0072B2", size: float = 6.0, **kw: Any) -> Any:
    """Scatter the sub-step points of a trajectory that fall in a square window.

    The window is ``centre ± half_size`` (torus coordinates, so pass a point of the
    box). ``jumps`` (optional) restricts the points to those jumps (indices into the
    trajectory's jumps). Returns the scatter artist (None if no point falls in the
    window).
    """
    if not isinstance(traj, Trajectory):
        raise TypeError(f"traj must be a Trajectory, got {type(traj).__name__}")
    c = as_float_array(centre, "centre", ndim=1)
    h = check_positive(half_size, "half_size")
    pts = traj.substep_points()
    if jumps is not None:
        idx = np.atleast_1d(np.asarray(jumps, dtype=np.int64))
        if np.any(idx < 0) or np.any(idx >= traj.n_jumps):
            raise ValueError(f"jumps must be indices in [0, {traj.n_jumps}), got {idx.tolist()}")
        owner = np.repeat(np.arange(traj.n_jumps), traj.n_substeps)
        pts = pts[np.isin(owner, idx)]
    w = traj.params.half_width
    d = pts - c
    d -= 2 * w * np.round(d / (2 * w))
    inside = np.all(np.abs(d) <= h, axis=1)
    if not inside.any():
        return None
    q = c + d[inside]
    kw.setdefault("zorder", 3)
    return ax.scatter(q[:, 0], q[:, 1], s=size, color=color, lw=0, **kw)


def plot_estimates(ax: Any, alphas: Any, values: Any, stderr: Any | None = None, *, z: float = 1.96,
                   label: str | None = None, color: str | None = None, marker: str = "o",
                   **kw: Any) -> Any:
    """Plot a statistic against α with ± z·SE error bars (95 % for z = 1.96).

    Non-finite values are left out. Returns the ``ErrorbarContainer``.
    """
    a = as_float_array(alphas, "alphas", ndim=1)
    v = as_float_array(values, "values", ndim=1)
    if v.shape != a.shape:
        raise ValueError("values must have one entry per alpha")
    se = np.zeros_like(v) if stderr is None else as_float_array(stderr, "stderr", ndim=1)
    if se.shape != a.shape:
        raise ValueError("stderr must have one entry per alpha")
    z = check_positive(z, "z", strict=False)
    ok = np.isfinite(v)
    err = np.where(np.isfinite(se[ok]), z * se[ok], 0.0)
    return ax.errorbar(a[ok], v[ok], yerr=err, label=label, color=color, marker=marker, ms=4,
                       capsize=2.5, lw=1.4, elinewidth=1.0, **kw)


def mark_reference_alphas(ax: Any, *, thesis: float = 0.6, levy: float = 1.0,
                          labels: bool = True) -> list[Any]:
    """Vertical guides at the thesis's optimum (dashed) and at α = 1 (dotted).

    Returns the two line artists (labelled for a legend when ``labels``).
    """
    l1 = ax.axvline(thesis, color="#CC79A7", ls="--", lw=1.1, zorder=0,
                    label=f"thesis: α ≈ {thesis:g}" if labels else None)
    l2 = ax.axvline(levy, color="#555555", ls=":", lw=1.2, zorder=0,
                    label=f"α = {levy:g} (Lévy foraging)" if labels else None)
    return [l1, l2]
