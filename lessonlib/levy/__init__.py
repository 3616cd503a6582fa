"""Lévy-walk blind search: exciton diffusion as a search for traps (thesis note).

A walker starts on a trap of a periodic 2-D domain and makes symmetric α-stable jumps,
walked in unit sub-steps; we record when it first reaches *another* trap (first-hitting
time, FHT) and when it first comes back to its start trap (first-return time, FRT).

Typical use in a chapter::

    from lessonlib.levy import SearchParams, alpha_sweep, optimal_alpha

    params = SearchParams()                      # the thesis's large runs
    sweep = alpha_sweep([0.4, 0.5, 0.6, 0.8, 1.0, 1.5], params,
                        lambda a: 100_000 if a <= 1 else 10_000, seed=2026,
                        cache_dir="_cache/levy")
    table = sweep.table()                        # fht_p, fht_mean, frt_var, ... per α
    best = optimal_alpha(sweep.alphas, sweep.samples("fht"), 200, rng=1)

Submodules
----------
stable     CMS sampler, isotropic stable vectors, the engine's jumps, tail constants
rng        per-trajectory xoshiro256** streams, derived seeds
geometry   torus wrap / minimum image, trap layouts, trap look-up, sub-step points
engine     SearchParams, simulate_search (numba, parallel), sample_trajectory
reference  thesis-style slow implementation (cKDTree per sub-step) for cross-checks
stats      hit/return probabilities, censored means, survival, bootstrap, optimal α,
           tail-exponent fits
sweep      cached α sweeps
store      results store for thesis-scale sweeps (checked against the engine hash);
           the chapter's stored-or-computed sweep
distributed  chunked sweeps in-process or on Dask (bit-identical, resumable)
           (command line: ``python -m lessonlib.levy sweep ...``; see docs/thesis-scale.md)
report     judging the thesis's claims against measurements, re-censoring, closed forms
plots      drawing traps, paths and sub-steps on the torus (used by the research chapter)
"""
from __future__ import annotations

from .engine import (
    FRT_RULES,
    TIME_MODELS,
    SearchParams,
    SearchResult,
    Trajectory,
    sample_trajectory,
    simulate_search,
)
from .geometry import (
    LAYOUTS,
    TrapLayout,
    first_substep_hits,
    make_traps,
    min_image,
    nearest_trap,
    substep_count,
    substep_points,
    torus_distance,
    wrap,
)
from .reference import reference_search
from .rng import derive_seed, stream_key, stream_uniforms
from .stable import (
    sample_isotropic_stable,
    sample_jumps,
    sample_positive_stable,
    sample_symmetric_stable,
    stable_tail_constant,
)
from .stats import (
    STATISTICS,
    BootstrapCI,
    Estimate,
    OptimalAlpha,
    TailFit,
    bootstrap_ci,
    event_probability,
    hill_estimator,
    log_binned_density,
    loglog_tail_fit,
    mean_given_event,
    median_given_event,
    optimal_alpha,
    quantiles,
    restricted_mean,
    restricted_variance,
    summarize_search,
    summarize_times,
    survival_curve,
    variance_given_event,
)
from .sweep import SweepResult, alpha_sweep
from .store import ResultStore, SweepProvenance, default_store_dir, stored_or_computed_sweep
from .distributed import SweepRun, distributed_sweep, local_client, parse_alphas

__all__ = [
    # sampling
    "sample_symmetric_stable",
    "sample_positive_stable",
    "sample_isotropic_stable",
    "sample_jumps",
    "stable_tail_constant",
    "stream_key",
    "stream_uniforms",
    "derive_seed",
    # geometry
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
    # engine
    "TIME_MODELS",
    "FRT_RULES",
    "SearchParams",
    "SearchResult",
    "Trajectory",
    "simulate_search",
    "sample_trajectory",
    "reference_search",
    # statistics
    "Estimate",
    "BootstrapCI",
    "OptimalAlpha",
    "TailFit",
    "STATISTICS",
    "event_probability",
    "mean_given_event",
    "median_given_event",
    "variance_given_event",
    "restricted_mean",
    "restricted_variance",
    "quantiles",
    "survival_curve",
    "bootstrap_ci",
    "summarize_times",
    "summarize_search",
    "optimal_alpha",
    "hill_estimator",
    "loglog_tail_fit",
    "log_binned_density",
    # sweeps
    "SweepResult",
    "alpha_sweep",
    # thesis-scale sweeps: results store and Dask
    "ResultStore",
    "SweepProvenance",
    "default_store_dir",
    "stored_or_computed_sweep",
    "SweepRun",
    "distributed_sweep",
    "local_client",
    "parse_alphas",
]
