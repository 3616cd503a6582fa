"""A thesis-style reference implementation of the blind search (slow, on purpose).

This is how the thesis code works, written independently of the engine and kept
deliberately plain: one trajectory at a time in a Python loop, every sub-step wrapped
with ``numpy.mod`` and looked up in a :class:`scipy.spatial.cKDTree` built with
``boxsize = L`` (periodic), jumps from :data:`scipy.stats.levy_stable` and numpy's
Generator. It shares only the *model definition* with the engine (the
:class:`~lessonlib.levy.engine.SearchParams` and the trap positions), not its code:
different random numbers, different geometry, different loop. The tests use it to
cross-validate the engine (statistically with its own numbers, exactly when fed the
engine's jumps), and the benchmark uses it as the baseline.

It is thousands of times slower than :func:`~lessonlib.levy.engine.simulate_search`;
use a handful of trajectories, or a small domain with a short horizon.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Iterator

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import levy_stable

from .._validate import check_int, check_rng
from .engine import SearchParams, SearchResult
from .stable import check_alpha

__all__ = ["reference_search", "numpy_jump_source"]

JumpSource = Callable[[int], Iterable[tuple[float, float, float]]]


def numpy_jump_source(alpha: float, params: SearchParams, rng: Any, batch: int = 256) -> Iterator[tuple[float, float, float]]:
    """Endless ``(length, ux, uy)`` jumps drawn with scipy/numpy (not the engine's stream).

    radial: ``levy_stable.rvs(alpha, 0)`` lengths times a uniform angle; isotropic:
    ``scale * sqrt(2 A) * G`` with ``A ~ levy_stable(alpha/2, 1, scale=cos(pi alpha/4)**(2/alpha))``
    (Laplace transform ``exp(-g**(alpha/2))``; ``A = 1`` for alpha = 2) and ``G`` standard normal.
    Jumps longer than ``params.max_jump`` are discarded.
    """
    alpha = check_alpha(alpha)
    rng = check_rng(rng)
    while True:
        if params.jump == "radial":
            x = levy_stable.rvs(alpha, 0.0, size=batch, random_state=rng)
            phi = rng.uniform(0.0, 2.0 * math.pi, size=batch)
            ell = params.scale * np.abs(x)
            ux, uy = np.cos(phi), np.sin(phi)
        else:
            a = alpha / 2.0
            if a < 1.0:
                big_a = levy_stable.rvs(a, 1.0, scale=math.cos(math.pi * a / 2.0) ** (1.0 / a),
                                        size=batch, random_state=rng)
            else:
                big_a = np.ones(batch)
            g = rng.standard_normal((batch, 2))
            vec = params.scale * np.sqrt(2.0 * big_a)[:, None] * g
            ell = np.hypot(vec[:, 0], vec[:, 1])
            ux, uy = vec[:, 0] / ell, vec[:, 1] / ell
        for i in range(batch):
            if ell[i] <= params.max_jump:
                yield float(ell[i]), float(ux[i]), float(uy[i])


def _periodic_tree(positions: np.ndarray, w: float) -> cKDTree:
    el = 2.0 * w
    pts = np.mod(positions + w, el)
    pts[pts >= el] = 0.0
    return cKDTree(pts, boxsize=el)


def reference_search(
    alpha: float,
    n_trajectories: int,
    params: SearchParams,
    rng: Any,
    *,
    jumps: JumpSource | None = None,
) -> SearchResult:
    """Simulate walkers one by one, testing every sub-step with a periodic cKDTree.

    Same model and output conventions as
    :func:`~lessonlib.levy.engine.simulate_search` (FHT/FRT ``inf`` when not observed by
    the horizon; a trajectory stops when both are known).

    Parameters
    ----------
    alpha : float
    n_trajectories : int
    params : SearchParams
    rng : numpy.random.Generator or int
        Used by the default jump source.
    jumps : callable, optional
        ``jumps(i)`` returns an iterable of ``(length, ux, uy)`` for trajectory ``i``
        (for example the engine's own jumps from
        :func:`~lessonlib.levy.stable.sample_jumps`), replacing the scipy/numpy draws.

    Returns
    -------
    SearchResult
        With ``seed = 0`` and ``first_index = 0`` (the reference has no stream key);
        ``n_queries`` counts the tree queries.
    """
    alpha = check_alpha(alpha)
    n = check_int(n_trajectories, "n_trajectories", minimum=0)
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    rng = check_rng(rng)
    layout = params.make_layout()
    w = params.half_width
    el = 2.0 * w
    tree = _periodic_tree(layout.positions, w)
    canonical = layout.canonical
    start = layout.start
    p_start = layout.positions[start].astype(float)
    r = params.radius
    horizon = params.horizon
    tm = params.time_model
    fht = np.full(n, np.inf)
    frt = np.full(n, np.inf)
    n_jumps = np.zeros(n, np.int64)
    hit_trap = np.full(n, -1, np.int64)
    queries = 0
    shared = numpy_jump_source(alpha, params, rng) if jumps is None else None
    for i in range(n):
        source = iter(jumps(i)) if jumps is not None else shared
        pos = p_start.copy()
        t = 0.0
        left = False
        f_hit = f_ret = math.inf
        trap = -1
        nj = 0
        while True:
            if tm == "path":
                if t >= horizon:
                    break
            elif t + 1 > horizon:
                break
            ell, ux, uy = next(source)
            if math.isinf(ell):
                n_sub, step, h = math.inf, np.array([ux, uy]), 1.0
            else:
                n_sub = max(1.0, math.ceil(ell))
                step = np.array([ell * ux / n_sub, ell * uy / n_sub])
                h = ell / n_sub
            if tm == "walk":
                k_last = min(n_sub, math.floor(horizon - t))
            elif tm == "path":
                k_last = min(n_sub, math.floor((horizon - t) / h)) if h > 0 else n_sub
            else:
                k_last = n_sub
            if k_last < 1:
                break
            nj += 1
            finished = False
            k = 1
            while k <= k_last:
                p = np.mod(pos + k * step + w, el)
                dist, j = tree.query(p)
                queries += 1
                if dist <= r:
                    now = t + k if tm == "walk" else (t + k * h if tm == "path" else t + 1)
                    if canonical[j] == start:
                        if f_ret == math.inf and (
                            (params.frt_rule == "delay" and now > params.delay)
                            or (params.frt_rule == "reentry" and left)
                        ):
                            f_ret = now
                    else:
                        left = True
                        if f_hit == math.inf:
                            f_hit = now
                            trap = int(canonical[j])
                    if f_hit < math.inf and f_ret < math.inf:
                        finished = True
                        break
                else:
                    left = True
                k += 1
            if finished or k_last < n_sub:
                break
            pos = np.mod(pos + n_sub * step + w, el) - w
            t += n_sub if tm == "walk" else (n_sub * h if tm == "path" else 1)
        fht[i], frt[i], n_jumps[i], hit_trap[i] = f_hit, f_ret, nj, trap
    return SearchResult(alpha, params, 0, 0, fht, frt, n_jumps, hit_trap, queries)
