r"""The Lévy-walk blind-search engine: first-hitting and first-return times.

The model (thesis defaults in brackets; every knob is a field of :class:`SearchParams`)
-------------------------------------------------------------------------------------------
* Periodic square domain :math:`[-W, W)^2` [W = 12000] with a quenched trap set
  [the thesis lattice ``linspace(-W, W, g)``, g = ⌊√1200⌋ = 34], reaction radius r [3].
* The walker starts on the central trap. Each jump has length ℓ and direction drawn
  from a symmetric α-stable law [``"radial"``: ℓ = σ|X|, uniform angle; σ = 1].
* A jump is walked in n = max(1, ⌈ℓ⌉) equal sub-steps; sub-step k of a jump from
  :math:`p_0` is at :math:`\operatorname{wrap}(p_0 + k\,d)`, d = jump / n, and the traps
  are tested at every sub-step [``"walk"`` time: one unit per sub-step, so the clock
  counts distance in whole sub-steps].
* At each sub-step the *nearest* trap decides: if it is within r, the walker is in that
  trap's disk.

  - **FHT** is the first time the walker is in the disk of a trap other than the start.
  - **FRT** [``"delay"``, as the thesis code defines it]: the first time t > ``delay``
    [60; the CPU script used 3] at which the walker is in the start disk. Note that a
    walker that never left the start disk "returns" at t = delay + 1 under this rule.
    ``"reentry"``: the first time the walker is in the start disk after having been at
    some sub-step outside it (a genuine return).
* Each trajectory runs until **both** FHT and FRT are known or the horizon is reached
  [10⁵ time units]; the walk does not stop at the first hit (as in the thesis). Times
  are observed iff they are <= horizon; unobserved times are reported as ``inf``
  (right-censored at the horizon, the same censoring time for every walker).

Time models
-----------
``"walk"``   one unit per sub-step (a Lévy walk with speed ~ 1; the thesis);
``"path"``   the exact path length travelled (sub-step k of a jump of length ℓ is at
             time t₀ + kℓ/n);
``"flight"`` one unit per jump (a Lévy flight), but the traps are still tested at every
             sub-step; needs a finite ``max_jump`` (an infinitely long flight never ends).

Speed: looking up only where a trap could be
--------------------------------------------
No trap is missed between sub-steps, and none is looked up needlessly. A look-up at a
point outside every disk returns a lower bound D on the distance to every trap; the
walker can then travel any path of total length < D - r without entering a disk
(triangle inequality on the torus). The engine keeps this *budget*, spends it by the
sub-step length h (<= 1) at each sub-step, also across jumps, and only looks up a
sub-step when the budget is used up; within a long jump it jumps straight to the first
sub-step it must test, computed by the same formula :math:`p_0 + k\,d`. A tiny margin
(1e-9 of the domain size plus the jump's extent) is deducted per jump for rounding. The
points that are tested are therefore exactly those a sub-step-by-sub-step scan would
find in a disk, so the answers are bit-for-bit identical (``skip=False`` switches the
shortcut off, for checking). Short jumps far from traps cost no look-up at all, and a
long jump costs about one look-up per few hundred length units instead of one per unit.

Thesis sources
--------------
Confirmed in the thesis's public code (GitHub ``Anwarshamim01/Random-Blind-Search``):
W = 12000; ``linspace`` lattice with g = ⌊√M⌋ (M = 1200 in the CUDA runs, 600 in the
CPU script); start index ``(g//2)*g + g//2``; radius 3; CMS jumps with β = 0, scale 1,
uniform angle; sub-steps n = ⌈ℓ⌉ (CUDA; the CPU script used ⌊ℓ⌋ + 1) with one time
unit each and a nearest-trap test after each; FRT counted when the nearest trap is the
start and the step count exceeds 60 (CUDA; 3 in the CPU script); FHT for any other
trap; stop when both are known or at 10⁵ steps. The CPU script also redrew jumps longer
than 10⁷ (``max_jump``); the CUDA kernel did not. Deliberate differences: positions are
float64 and recomputed as :math:`p_0 + k\,d` (the CUDA kernel accumulated float32
sub-steps); a jump whose length overflows to ``inf`` walks straight on until the horizon
(the CUDA kernel replaced NaN/inf lengths by 0; our CMS never produces NaN); the CPU
script's cKDTree was not periodic, which its duplicated edge rows mostly made up for.

Random numbers
--------------
Trajectory i of a run with seed s uses its own xoshiro256** stream keyed by (s, i)
(:mod:`~lessonlib.levy.rng`), so results are identical for any thread count and any
split of the trajectory range into chunks: ``simulate_search(a, n, p, s, first_index=k)``
returns trajectories k, ..., k + n - 1 of the run.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numba
import numpy as np

from .._validate import check_choice, check_int, check_positive
from . import _kernels as K
from .geometry import LAYOUTS, TrapLayout, make_traps
from .rng import stream_key
from .stable import JUMP_KINDS, _check_max_jump, check_alpha

__all__ = [
    "TIME_MODELS",
    "FRT_RULES",
    "SearchParams",
    "SearchResult",
    "Trajectory",
    "simulate_search",
    "sample_trajectory",
]

TIME_MODELS = ("walk", "path", "flight")
FRT_RULES = ("delay", "reentry")


@dataclass(frozen=True)
class SearchParams:
    """Every knob of the search model except α (validated on construction).

    The defaults are the thesis's large (GPU) runs: W = 12000, M = 1200 traps on the
    thesis lattice (34 x 34), radius 3, scale 1, one time unit per sub-step, radial
    jumps, FRT after a delay of 60, horizon 10⁵. :meth:`thesis_cpu` gives the CPU
    script's variant (M = 600, delay 3).

    Attributes
    ----------
    half_width : float
        W > 0; the domain is ``[-W, W)^2``.
    n_traps : int
        M >= 1 (lattices use g = ⌊√M⌋ per axis).
    layout : {"thesis", "lattice", "random"}
        Trap layout (:func:`~lessonlib.levy.geometry.make_traps`).
    radius : float
        Reaction radius, 0 < r < W.
    scale : float
        Jump scale σ > 0.
    time_model : {"walk", "path", "flight"}
        What one sub-step costs (module docstring).
    jump : {"radial", "isotropic"}
        Jump construction (:mod:`~lessonlib.levy.stable`).
    frt_rule : {"delay", "reentry"}
        First-return definition.
    delay : float
        Delay of the ``"delay"`` rule (returns count only at times > delay), >= 0.
    horizon : float
        Censoring time T > 0.
    max_jump : float
        Jumps longer than this are redrawn (default ``inf``: no truncation, as in the
        thesis GPU code; the CPU script used 1e7). Must be finite for ``"flight"``.
    trap_seed : int
        Seed of the ``"random"`` layout.
    start : int or None
        Start trap index; None = the central trap.
    """

    half_width: float = 12000.0
    n_traps: int = 1200
    layout: str = "thesis"
    radius: float = 3.0
    scale: float = 1.0
    time_model: str = "walk"
    jump: str = "radial"
    frt_rule: str = "delay"
    delay: float = 60.0
    horizon: float = 1e5
    max_jump: float = math.inf
    trap_seed: int = 0
    start: int | None = None

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("half_width", check_positive(self.half_width, "half_width"))
        set_("n_traps", check_int(self.n_traps, "n_traps", minimum=0))
        if self.n_traps == 0:
            raise ValueError("n_traps must be >= 1: the trap set is empty")
        set_("layout", check_choice(self.layout, "layout", LAYOUTS))
        set_("radius", check_positive(self.radius, "radius"))
        if self.radius >= self.half_width:
            raise ValueError(f"radius must be < half_width ({self.half_width}), got {self.radius}")
        set_("scale", check_positive(self.scale, "scale"))
        set_("time_model", check_choice(self.time_model, "time_model", TIME_MODELS))
        set_("jump", check_choice(self.jump, "jump", JUMP_KINDS))
        set_("frt_rule", check_choice(self.frt_rule, "frt_rule", FRT_RULES))
        set_("delay", check_positive(self.delay, "delay", strict=False))
        set_("horizon", check_positive(self.horizon, "horizon"))
        set_("max_jump", _check_max_jump(self.max_jump))
        if self.time_model == "flight" and math.isinf(self.max_jump):
            raise ValueError(
                "time_model='flight' needs a finite max_jump (e.g. 1e7, the thesis CPU "
                "script's cap): a flight jump is tested at every sub-step in one time unit"
            )
        set_("trap_seed", check_int(self.trap_seed, "trap_seed", minimum=0))
        if self.start is not None:
            set_("start", check_int(self.start, "start", minimum=0))

    @classmethod
    def thesis_cpu(cls, **changes: Any) -> "SearchParams":
        """The thesis CPU script: M = 600 (24 x 24 lattice), FRT delay 3, jumps > 1e7 redrawn.

        (That script cut a jump into ⌊ℓ⌋ + 1 sub-steps rather than ⌈ℓ⌉; the engine always
        uses ⌈ℓ⌉, as the CUDA runs did.)
        """
        return cls(**{"n_traps": 600, "delay": 3.0, "max_jump": 1e7, **changes})

    def replace(self, **changes: Any) -> "SearchParams":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (``inf`` kept as float)."""
        return dataclasses.asdict(self)

    def make_layout(self) -> TrapLayout:
        """The trap layout these parameters describe."""
        return make_traps(self.layout, self.n_traps, self.half_width, seed=self.trap_seed,
                          start=self.start, radius=self.radius)


@dataclass(eq=False)
class SearchResult:
    """Per-trajectory results of :func:`simulate_search` (arrays of length N).

    Attributes
    ----------
    alpha : float
    params : SearchParams
    seed : int
        The 64-bit stream key.
    first_index : int
        Index of the first trajectory (trajectories are first_index, ..., +N-1).
    fht, frt : numpy.ndarray of float64
        First-hitting and first-return times; ``inf`` when not observed by the horizon.
    n_jumps : numpy.ndarray of int64
        Jumps started before the trajectory stopped.
    hit_trap : numpy.ndarray of int64
        Canonical index of the first trap hit (-1 if none).
    n_queries : int
        Trap look-ups performed (work measure; 0 if unknown, e.g. after loading).
    """

    alpha: float
    params: SearchParams
    seed: int
    first_index: int
    fht: np.ndarray
    frt: np.ndarray
    n_jumps: np.ndarray
    hit_trap: np.ndarray
    n_queries: int = 0

    def __len__(self) -> int:
        return int(self.fht.shape[0])

    @property
    def n(self) -> int:
        """Number of trajectories N."""
        return len(self)

    @property
    def horizon(self) -> float:
        return self.params.horizon

    @property
    def hit(self) -> np.ndarray:
        """Boolean mask: FHT observed (<= horizon)."""
        return np.isfinite(self.fht)

    @property
    def returned(self) -> np.ndarray:
        """Boolean mask: FRT observed (<= horizon)."""
        return np.isfinite(self.frt)

    def same_run(self, other: "SearchResult") -> bool:
        """True if ``other`` comes from the same (α, params, seed) run."""
        return self.alpha == other.alpha and self.params == other.params and self.seed == other.seed

    @staticmethod
    def concatenate(parts: Sequence["SearchResult"]) -> "SearchResult":
        """Merge chunks of one run (same α, params, seed) given in index order.

        Raises ``ValueError`` unless the chunks are contiguous: the merged result is then
        identical to one call over the whole range.
        """
        parts = list(parts)
        if not parts:
            raise ValueError("parts must contain at least one SearchResult")
        first = parts[0]
        nxt = first.first_index
        for p in parts:
            if not isinstance(p, SearchResult):
                raise TypeError(f"parts must be SearchResult objects, got {type(p).__name__}")
            if not first.same_run(p):
                raise ValueError("parts must come from the same (alpha, params, seed) run")
            if p.first_index != nxt:
                raise ValueError(f"parts are not contiguous: expected first_index {nxt}, got {p.first_index}")
            nxt += p.n
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
        return SearchResult(first.alpha, first.params, first.seed, first.first_index, cat("fht"),
                            cat("frt"), cat("n_jumps"), cat("hit_trap"),
                            int(sum(p.n_queries for p in parts)))

    def summary(self) -> dict[str, float]:
        """Shortcut for :func:`lessonlib.levy.stats.summarize_search`."""
        from .stats import summarize_search

        return summarize_search(self)


def _codes(params: SearchParams) -> tuple[int, int, int]:
    return (JUMP_KINDS.index(params.jump), TIME_MODELS.index(params.time_model),
            FRT_RULES.index(params.frt_rule))


def simulate_search(
    alpha: float,
    n_trajectories: int,
    params: SearchParams,
    seed: Any,
    *,
    first_index: int = 0,
    skip: bool = True,
    layout: TrapLayout | None = None,
) -> SearchResult:
    """Simulate N independent walkers and return their FHT and FRT.

    Each trajectory runs until both its FHT and its FRT are known, or until the horizon
    (see the module docstring for the model and the time conventions). Runs in parallel
    over trajectories (``numba.prange``; set ``numba.set_num_threads`` to choose the
    thread count). Memory is O(N): no paths are stored (see :func:`sample_trajectory`).

    Parameters
    ----------
    alpha : float
        Stability index, 0 < α <= 2.
    n_trajectories : int
        N >= 0.
    params : SearchParams
        Model parameters.
    seed : int or numpy.random.Generator
        Stream seed. With an integer the result depends only on (seed, trajectory
        index); a Generator contributes one 64-bit key.
    first_index : int, default 0
        Index of the first trajectory: chunk ``[a, b)`` of a run is
        ``simulate_search(alpha, b - a, params, seed, first_index=a)``, and
        :meth:`SearchResult.concatenate` of consecutive chunks equals the whole run.
    skip : bool, default True
        Skip sub-steps that provably cannot be in a disk. ``False`` tests every sub-step;
        the results are identical (only slower).
    layout : TrapLayout, optional
        A prebuilt ``params.make_layout()`` (saves rebuilding a random cell list per
        call); must match ``params``.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> p = SearchParams(half_width=50.0, n_traps=16, layout="lattice", horizon=2000)
    >>> r = simulate_search(0.8, 1000, p, seed=1)
    >>> r.n, r.fht.dtype.name
    (1000, 'float64')
    """
    alpha = check_alpha(alpha)
    n = check_int(n_trajectories, "n_trajectories", minimum=0)
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    key = stream_key(seed)
    first_index = check_int(first_index, "first_index", minimum=0)
    if first_index + n > 2**63 - 1:
        raise ValueError("first_index + n_trajectories must stay below 2**63")
    if layout is None:
        layout = params.make_layout()
    elif not isinstance(layout, TrapLayout):
        raise TypeError(f"layout must be a TrapLayout, got {type(layout).__name__}")
    jk, tk, fk = _codes(params)
    fht = np.empty(n)
    frt = np.empty(n)
    nj = np.empty(n, np.int64)
    trap = np.empty(n, np.int64)
    nq = 0
    if n:
        # dynamic chunks of 64 trajectories balance heavy-tailed trajectory costs across
        # threads; scheduling cannot change results (each trajectory owns its stream)
        with numba.parallel_chunksize(64):
            nq = K.run_many(np.uint64(key), np.int64(first_index), alpha, params.scale, jk, tk, fk,
                            params.delay, params.horizon, params.max_jump, params.radius,
                            *layout.kernel_args, bool(skip), fht, frt, nj, trap)
    return SearchResult(alpha, params, key, first_index, fht, frt, nj, trap, int(nq))


@dataclass(eq=False)
class Trajectory:
    """One walker's path, as the engine walked it (for plots and checks).

    Attributes
    ----------
    alpha, params, seed, index
        Which trajectory this is.
    fht, frt : float
        As in :class:`SearchResult` (``inf`` if not observed).
    hit_trap : int
    starts : numpy.ndarray, shape (J, 2)
        Wrapped start point of each jump.
    lengths : numpy.ndarray, shape (J,)
        Jump lengths.
    directions : numpy.ndarray, shape (J, 2)
        Unit jump directions.
    t_start : numpy.ndarray, shape (J,)
        Clock at the start of each jump.
    n_substeps : numpy.ndarray of int64, shape (J,)
        Sub-steps actually walked in each jump (fewer than ⌈ℓ⌉ for the last one when the
        walk stopped inside it).
    """

    alpha: float
    params: SearchParams
    seed: int
    index: int
    fht: float
    frt: float
    hit_trap: int
    starts: np.ndarray
    lengths: np.ndarray
    directions: np.ndarray
    t_start: np.ndarray
    n_substeps: np.ndarray

    @property
    def n_jumps(self) -> int:
        return int(self.lengths.shape[0])

    def substep_points(self) -> np.ndarray:
        """All sub-step points walked, wrapped onto the domain, shape (sum(n_substeps), 2)."""
        rec = self._rec()
        out = np.empty((int(self.n_substeps.sum()), 2))
        w = self.params.half_width
        K.expand_substeps(rec, self.n_jumps, w, 2.0 * w, out)
        return out

    def unwrapped_path(self) -> np.ndarray:
        """Jump end points on the plane (not wrapped), starting at the start trap.

        Shape (J + 1, 2); the last point is where the walk stopped (it may lie inside the
        last jump). Handy for plotting long jumps without wrap-around lines.
        """
        steps = np.empty((self.n_jumps, 2))
        for i in range(self.n_jumps):
            ell = float(self.lengths[i])
            if math.isinf(ell):
                d = self.directions[i]
            else:
                d = ell * self.directions[i] / max(1.0, math.ceil(ell))
            steps[i] = d * float(self.n_substeps[i])
        return np.vstack([self.starts[:1], self.starts[:1] + np.cumsum(steps, axis=0)])

    def _rec(self) -> np.ndarray:
        return np.column_stack([self.starts, self.lengths, self.directions, self.t_start,
                                self.n_substeps.astype(float)])


def sample_trajectory(
    alpha: float,
    params: SearchParams,
    seed: Any,
    *,
    index: int = 0,
    max_steps: float | None = None,
) -> Trajectory:
    """Re-run one trajectory of a run and record its jumps.

    Uses the same kernel and stream as :func:`simulate_search`, so trajectory ``index``
    of ``simulate_search(alpha, N, params, seed)`` has exactly this FHT, FRT and these
    jumps.

    Parameters
    ----------
    alpha : float
    params : SearchParams
    seed : int
        Stream seed (an int, so that the trajectory can be matched to an ensemble).
    index : int, default 0
        Trajectory index within the run.
    max_steps : float, optional
        Stop the clock here instead of at ``params.horizon`` (for short plots). Events
        after ``max_steps`` are then unobserved (``inf``).

    Returns
    -------
    Trajectory
    """
    alpha = check_alpha(alpha)
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    key = stream_key(seed)
    index = check_int(index, "index", minimum=0)
    if max_steps is not None:
        params = params.replace(horizon=min(params.horizon, check_positive(max_steps, "max_steps")))
    layout = params.make_layout()
    jk, tk, fk = _codes(params)
    args = (np.uint64(key), np.int64(index), alpha, params.scale, jk, tk, fk, params.delay,
            params.horizon, params.max_jump, params.radius, *layout.kernel_args)
    _, _, nj, _, _ = K.run_one(*args, True, np.empty((0, 7)))
    rec = np.empty((nj, 7))
    fht, frt, nj2, trap, _ = K.run_one(*args, True, rec)
    if nj2 != nj:  # pragma: no cover - the kernel is deterministic
        raise RuntimeError("trajectory replay diverged")
    return Trajectory(alpha, params, key, index, float(fht), float(frt), int(trap), rec[:, 0:2].copy(),
                      rec[:, 2].copy(), rec[:, 3:5].copy(), rec[:, 5].copy(),
                      rec[:, 6].astype(np.int64))
