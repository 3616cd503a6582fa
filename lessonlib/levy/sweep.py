"""α sweeps with an on-disk cache, so a book rebuild does not redo unchanged runs.

:func:`alpha_sweep` runs :func:`~lessonlib.levy.engine.simulate_search` once per α and
returns a :class:`SweepResult` (per-α arrays plus a tidy summary table). Seeds are
derived per α with :func:`~lessonlib.levy.rng.derive_seed` ``(seed, alpha)``: they
depend on the α *value*, not on its position in the grid, so adding grid points leaves
the other runs (and their cache files) untouched.

Cache: one ``.npz`` per α in ``cache_dir``, named by a SHA-256 of the parameters, α,
N, the seed and a hash of the engine's source files (everything under
``lessonlib/levy`` that the simulation runs through). Any change to the code or to a
knob therefore misses the cache and recomputes; files are written atomically, so
parallel builds never read half-written results.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .._validate import as_float_array, check_int
from .engine import SearchParams, SearchResult, simulate_search
from .rng import derive_seed, stream_key
from .stable import check_alpha
from .stats import OptimalAlpha, optimal_alpha, summarize_search

__all__ = ["SweepResult", "alpha_sweep", "engine_source_hash", "cache_key", "load_result", "save_result"]

_ENGINE_FILES = ("_kernels.py", "engine.py", "geometry.py", "stable.py", "rng.py", "sweep.py")
_FORMAT = 1


def engine_source_hash() -> str:
    """SHA-256 (hex) of the engine's source files; changes whenever the simulation code does."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _ENGINE_FILES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()


def _params_json(params: SearchParams) -> str:
    d = params.to_dict()
    return json.dumps({k: (repr(v) if isinstance(v, float) else v) for k, v in d.items()}, sort_keys=True)


def cache_key(alpha: float, params: SearchParams, n: int, seed: int, source_hash: str | None = None) -> str:
    """Hex digest identifying one run (α, params, N, derived seed, engine source)."""
    h = hashlib.sha256()
    h.update(f"v{_FORMAT}|{float(alpha)!r}|{int(n)}|{int(seed)}|".encode())
    h.update(_params_json(params).encode())
    h.update((source_hash or engine_source_hash()).encode())
    return h.hexdigest()


def save_result(result: SearchResult, path: str | os.PathLike) -> None:
    """Write a SearchResult to ``path`` (.npz) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"alpha": repr(result.alpha), "params": _params_json(result.params),
                       "seed": str(result.seed), "first_index": result.first_index,
                       "n_queries": result.n_queries, "format": _FORMAT})
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, fht=result.fht, frt=result.frt, n_jumps=result.n_jumps,
                     hit_trap=result.hit_trap, meta=np.array(meta))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_result(path: str | os.PathLike, params: SearchParams) -> SearchResult:
    """Read a SearchResult written by :func:`save_result` (``params`` must match the file)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta["params"] != _params_json(params):
            raise ValueError(f"{path} was written for different parameters")
        return SearchResult(float(meta["alpha"]), params, int(meta["seed"]), int(meta["first_index"]),
                            z["fht"].copy(), z["frt"].copy(), z["n_jumps"].copy(),
                            z["hit_trap"].copy(), int(meta["n_queries"]))


@dataclass(eq=False)
class SweepResult:
    """Results of an α sweep.

    Attributes
    ----------
    alphas : numpy.ndarray
        The grid (as given, sorted increasingly).
    params : SearchParams
    seed : int
        The sweep seed (per-α stream seeds are ``derive_seed(seed, alpha)``).
    n_per_alpha : numpy.ndarray of int64
    results : list of SearchResult
        One per α, in grid order.
    from_cache : numpy.ndarray of bool
        Which α were loaded from the cache.
    """

    alphas: np.ndarray
    params: SearchParams
    seed: int
    n_per_alpha: np.ndarray
    results: list[SearchResult] = field(repr=False)
    from_cache: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, alpha: float) -> SearchResult:
        """The result for one α value (exact grid value)."""
        hits = np.flatnonzero(self.alphas == float(alpha))
        if hits.size == 0:
            raise KeyError(f"alpha {alpha} is not on the grid {self.alphas.tolist()}")
        return self.results[int(hits[0])]

    def table(self) -> dict[str, np.ndarray]:
        """Tidy per-α summary: ``{column: array over α}`` from
        :func:`~lessonlib.levy.stats.summarize_search` (``alpha``, ``fht_p``, ``fht_mean``,
        ``fht_mean_se``, ``fht_rmean``, ``frt_p``, ``frt_var``, ...)."""
        rows = [summarize_search(r) for r in self.results]
        return {k: np.array([row[k] for row in rows]) for k in rows[0]} if rows else {}

    def optimal_alpha(self, n_boot: int, rng: Any, *, which: str = "fht",
                      statistic: Any = "mean_given_event", refine: bool = True,
                      level: float = 0.95) -> OptimalAlpha:
        """:func:`~lessonlib.levy.stats.optimal_alpha` of this sweep's FHT (or FRT) samples,
        with the horizon filled in for the restricted statistics."""
        return optimal_alpha(self.alphas, self.samples(which), n_boot, rng, statistic=statistic,
                             horizon=self.params.horizon, refine=refine, level=level)

    def samples(self, which: str = "fht") -> list[np.ndarray]:
        """Per-α arrays of ``"fht"`` or ``"frt"`` (for :func:`~lessonlib.levy.stats.optimal_alpha`)."""
        if which not in ("fht", "frt"):
            raise ValueError(f"which must be 'fht' or 'frt', got {which!r}")
        return [getattr(r, which) for r in self.results]


def _n_for(n_per_alpha: Any, alpha: float) -> int:
    if callable(n_per_alpha):
        n = n_per_alpha(alpha)
    elif isinstance(n_per_alpha, Mapping):
        if alpha not in n_per_alpha:
            raise ValueError(f"n_per_alpha has no entry for alpha = {alpha}")
        n = n_per_alpha[alpha]
    else:
        n = n_per_alpha
    return check_int(n, "n_per_alpha", minimum=1)


def alpha_sweep(
    alphas: Any,
    params: SearchParams,
    n_per_alpha: int | Mapping[float, int] | Callable[[float], int],
    seed: int,
    cache_dir: str | os.PathLike | None = None,
    *,
    progress: Callable[[float, int, bool], None] | None = None,
) -> SweepResult:
    """Simulate every α of a grid (cached) and collect the results.

    Parameters
    ----------
    alphas : array_like
        α values in (0, 2] (sorted internally; duplicates rejected).
    params : SearchParams
    n_per_alpha : int, dict or callable
        Trajectories per α: one number, ``{alpha: N}``, or ``f(alpha) -> N`` (e.g.
        ``lambda a: 100_000 if a <= 1 else 10_000``).
    seed : int
        Sweep seed; the run for α uses ``derive_seed(seed, alpha)``.
    cache_dir : path, optional
        Directory for the ``.npz`` cache (created if missing). None disables caching.
    progress : callable, optional
        Called as ``progress(alpha, n, from_cache)`` after each α.

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> p = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=500)
    >>> sw = alpha_sweep([0.8, 1.6], p, 200, seed=3)
    >>> sw.table()["alpha"].tolist()
    [0.8, 1.6]
    """
    a = np.sort(as_float_array(alphas, "alphas", ndim=1))
    for x in a:
        check_alpha(float(x), "alphas")
    if a.size == 0 or np.any(np.diff(a) == 0):
        raise ValueError("alphas must be non-empty and without duplicates")
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    if isinstance(seed, np.random.Generator):
        raise TypeError("seed must be an integer (a sweep must be reproducible to be cached)")
    seed = stream_key(seed)
    src = engine_source_hash() if cache_dir is not None else None
    layout = params.make_layout()
    results, cached, ns = [], [], []
    for alpha in a.tolist():
        n = _n_for(n_per_alpha, alpha)
        s = derive_seed(seed, alpha)
        res = None
        path = None
        if cache_dir is not None:
            path = Path(cache_dir) / f"levy_{cache_key(alpha, params, n, s, src)[:24]}.npz"
            if path.exists():
                try:
                    res = load_result(path, params)
                except (OSError, ValueError, KeyError):
                    res = None
        hit = res is not None
        if res is None:
            res = simulate_search(alpha, n, params, s, layout=layout)
            if path is not None:
                save_result(res, path)
        results.append(res)
        cached.append(hit)
        ns.append(n)
        if progress is not None:
            progress(alpha, n, hit)
    return SweepResult(a, params, seed, np.array(ns, np.int64), results, np.array(cached))
