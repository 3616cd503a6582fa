r"""Statistics of first-passage times censored at a fixed horizon, and tail fits.

Times come as float arrays with ``inf`` for "not observed by the horizon T" (the
engine's convention). Every walker is followed to the same horizon, so censoring is
*administrative*: nobody leaves the study early. Consequences used throughout:

* The Kaplan–Meier estimator reduces to the empirical survival function,
  :math:`\hat S(t) = \#\{T_i > t\}/N` for :math:`t < T`: at every event time the risk
  set is everyone not yet hit, and no one is censored before T, so the KM product
  telescopes (:func:`survival_curve`).
* "Mean FHT" is ambiguous when some walkers never hit. We report both
  :func:`mean_given_event` (the mean over walkers that hit; biased low when many do not,
  the thesis's implicit choice) and the **restricted mean** :func:`restricted_mean`
  :math:`\mathbb E\min(T_{\rm hit}, T) = \int_0^T S(t)\,dt`, which uses every walker.
* Heavy-tailed return times (α <= 1) have a sample variance that grows with the horizon
  instead of converging; report medians and quantiles alongside.

Standard errors are the usual large-sample ones (stated per function); bootstrap
intervals take an explicit ``rng``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats as sps

from .._validate import as_float_array, check_in_range, check_int, check_positive, check_rng

__all__ = [
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
]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error (and optionally an interval).

    ``n`` is the number of observations the estimate uses.
    """

    value: float
    stderr: float
    n: int
    ci_low: float = math.nan
    ci_high: float = math.nan


@dataclass(frozen=True)
class BootstrapCI:
    """Percentile bootstrap interval: ``estimate`` on the data, ``low``/``high`` bounds."""

    estimate: float
    low: float
    high: float
    level: float
    replicates: np.ndarray = field(repr=False)


def _times(times: Any, name: str = "times") -> np.ndarray:
    t = as_float_array(times, name, ndim=1)
    if np.any(np.isnan(t)):
        raise ValueError(f"{name} must not contain NaN (use inf for unobserved times)")
    if np.any(t < 0):
        raise ValueError(f"{name} must be >= 0")
    return t


def _nonempty(t: np.ndarray, name: str) -> None:
    if t.size == 0:
        raise ValueError(f"{name} must not be empty")


def event_probability(times: Any, t: float | None = None) -> Estimate:
    """Fraction of walkers with ``T <= t`` (default: observed at all, i.e. ``T <= horizon``).

    Standard error :math:`\\sqrt{\\hat p(1-\\hat p)/N}` (binomial).
    """
    x = _times(times)
    _nonempty(x, "times")
    hit = np.isfinite(x) if t is None else (x <= float(t))
    p = float(hit.mean())
    return Estimate(p, math.sqrt(p * (1.0 - p) / x.size), int(x.size))


def mean_given_event(times: Any) -> Estimate:
    """Mean of the observed times; SE = sample sd / sqrt(k). NaN if nothing was observed."""
    x = _times(times)
    y = x[np.isfinite(x)]
    k = int(y.size)
    if k == 0:
        return Estimate(math.nan, math.nan, 0)
    sd = float(y.std(ddof=1)) if k > 1 else math.nan
    return Estimate(float(y.mean()), sd / math.sqrt(k), k)


def variance_given_event(times: Any) -> Estimate:
    r"""Sample variance of the observed times, SE :math:`\sqrt{(m_4 - s^4)/k}` (large-sample).

    For heavy tails (α <= 1 return times) this SE is itself unreliable: the variance is
    dominated by the few longest observed times and grows with the horizon.
    """
    x = _times(times)
    y = x[np.isfinite(x)]
    k = int(y.size)
    if k < 2:
        return Estimate(math.nan, math.nan, k)
    s2 = float(y.var(ddof=1))
    m4 = float(np.mean((y - y.mean()) ** 4))
    return Estimate(s2, math.sqrt(max(m4 - s2 * s2, 0.0) / k), k)


def median_given_event(times: Any, level: float = 0.95) -> Estimate:
    """Median of the observed times with a distribution-free order-statistic interval.

    The interval uses the binomial(k, 1/2) ranks ``k/2 -+ z sqrt(k)/2``; the reported SE is
    its half-width divided by z (normal-equivalent).
    """
    level = check_in_range(level, "level", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    x = _times(times)
    y = np.sort(x[np.isfinite(x)])
    k = int(y.size)
    if k == 0:
        return Estimate(math.nan, math.nan, 0)
    z = float(sps.norm.ppf(0.5 + level / 2.0))
    lo = max(int(math.floor(k / 2.0 - z * math.sqrt(k) / 2.0)), 1)
    hi = min(int(math.ceil(k / 2.0 + z * math.sqrt(k) / 2.0)), k)
    low, high = float(y[lo - 1]), float(y[hi - 1])
    return Estimate(float(np.median(y)), (high - low) / (2.0 * z), k, low, high)


def restricted_mean(times: Any, horizon: float) -> Estimate:
    r"""Restricted mean :math:`\mathbb E\min(T, \text{horizon})` over all walkers; SE = sd/sqrt(N).

    Equals the area under the survival curve on [0, horizon].
    """
    h = check_positive(horizon, "horizon")
    x = _times(times)
    _nonempty(x, "times")
    y = np.minimum(x, h)
    sd = float(y.std(ddof=1)) if y.size > 1 else math.nan
    return Estimate(float(y.mean()), sd / math.sqrt(y.size), int(y.size))


def restricted_variance(times: Any, horizon: float) -> Estimate:
    """Variance of ``min(T, horizon)`` over all walkers (same SE formula as
    :func:`variance_given_event`)."""
    h = check_positive(horizon, "horizon")
    x = _times(times)
    _nonempty(x, "times")
    return variance_given_event(np.minimum(x, h))


def quantiles(times: Any, q: Any) -> np.ndarray:
    """Unconditional quantiles of T (lower empirical quantile, ``inf`` beyond the horizon).

    Valid with censoring because it is administrative: the q-quantile is known whenever
    more than a fraction q of walkers were observed.
    """
    x = np.sort(_times(times))
    _nonempty(x, "times")
    qs = as_float_array(q, "q")
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("q must lie in [0, 1]")
    idx = np.clip(np.ceil(qs * x.size).astype(np.int64) - 1, 0, x.size - 1)
    return x[idx]


def survival_curve(times: Any, t: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Empirical survival :math:`P(T > t)` (= Kaplan–Meier under fixed-horizon censoring).

    Parameters
    ----------
    times : array_like
        Times with ``inf`` for unobserved.
    t : array_like, optional
        Evaluation points. If omitted, returns the distinct observed times and the survival
        just after each (a right-continuous step function starting from S = 1).

    Returns
    -------
    t : numpy.ndarray
    survival : numpy.ndarray
    """
    x = _times(times)
    _nonempty(x, "times")
    srt = np.sort(x)
    if t is None:
        obs = srt[np.isfinite(srt)]
        ut = np.unique(obs)
        surv = 1.0 - np.searchsorted(srt, ut, side="right") / x.size
        return ut, surv
    tt = as_float_array(t, "t")
    return tt, 1.0 - np.searchsorted(srt, tt, side="right") / x.size


# --------------------------------------------------------------------------- named statistics
def _stat_p(x: np.ndarray, horizon: float | None) -> float:
    return float(np.isfinite(x).mean())


def _stat_mean(x: np.ndarray, horizon: float | None) -> float:
    y = x[np.isfinite(x)]
    return float(y.mean()) if y.size else math.nan


def _stat_median(x: np.ndarray, horizon: float | None) -> float:
    y = x[np.isfinite(x)]
    return float(np.median(y)) if y.size else math.nan


def _stat_var(x: np.ndarray, horizon: float | None) -> float:
    y = x[np.isfinite(x)]
    return float(y.var(ddof=1)) if y.size > 1 else math.nan


def _need_h(horizon: float | None) -> float:
    if horizon is None:
        raise ValueError("restricted statistics need horizon=... (or pass SearchResult objects)")
    return horizon


def _stat_rmean(x: np.ndarray, horizon: float | None) -> float:
    return float(np.minimum(x, _need_h(horizon)).mean())


def _stat_rvar(x: np.ndarray, horizon: float | None) -> float:
    return float(np.minimum(x, _need_h(horizon)).var(ddof=1))


def _stat_miss(x: np.ndarray, horizon: float | None) -> float:
    return 1.0 - _stat_p(x, horizon)


#: Named statistics for :func:`bootstrap_ci` and :func:`optimal_alpha`: ``f(times, horizon)``.
STATISTICS: dict[str, Callable[[np.ndarray, float | None], float]] = {
    "event_probability": _stat_p,
    "miss_probability": _stat_miss,
    "mean_given_event": _stat_mean,
    "median_given_event": _stat_median,
    "variance_given_event": _stat_var,
    "restricted_mean": _stat_rmean,
    "restricted_variance": _stat_rvar,
}


def _statistic(statistic: Any) -> tuple[str, Callable[[np.ndarray, float | None], float]]:
    if callable(statistic):
        return getattr(statistic, "__name__", "statistic"), lambda x, h: float(statistic(x))
    if isinstance(statistic, str) and statistic in STATISTICS:
        return statistic, STATISTICS[statistic]
    raise ValueError(f"statistic must be a callable or one of {', '.join(map(repr, STATISTICS))}, got {statistic!r}")


def bootstrap_ci(
    times: Any,
    statistic: Any,
    n_boot: int,
    rng: Any,
    *,
    level: float = 0.95,
    horizon: float | None = None,
) -> BootstrapCI:
    """Percentile bootstrap interval of a statistic of one sample.

    Parameters
    ----------
    times : array_like
        The sample (``inf`` = unobserved).
    statistic : str or callable
        A name from :data:`STATISTICS` or ``f(array) -> float``.
    n_boot : int
        Number of resamples (>= 1).
    rng : numpy.random.Generator or int
    level : float
        Coverage, default 0.95.
    horizon : float, optional
        Needed by the restricted statistics.
    """
    x = _times(times)
    _nonempty(x, "times")
    _, f = _statistic(statistic)
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    rng = check_rng(rng)
    level = check_in_range(level, "level", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    est = f(x, horizon)
    reps = np.empty(n_boot)
    for b in range(n_boot):
        reps[b] = f(x[rng.integers(0, x.size, x.size)], horizon)
    lo, hi = np.nanquantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapCI(est, float(lo), float(hi), level, reps)


def summarize_times(times: Any, horizon: float, prefix: str = "") -> dict[str, float]:
    """All the per-α numbers of one kind of time (FHT or FRT), as a flat dict.

    Keys (each with a ``_se`` partner where meaningful): ``p`` (observed by the
    horizon), ``mean`` and ``median`` given observed, ``var`` given observed,
    ``rmean`` and ``rvar`` (restricted, all walkers), plus ``n_obs``.
    """
    x = _times(times)
    p = event_probability(x)
    m = mean_given_event(x)
    md = median_given_event(x)
    v = variance_given_event(x)
    rm = restricted_mean(x, horizon)
    rv = restricted_variance(x, horizon)
    out = {
        "p": p.value, "p_se": p.stderr,
        "mean": m.value, "mean_se": m.stderr,
        "median": md.value, "median_se": md.stderr,
        "var": v.value, "var_se": v.stderr,
        "rmean": rm.value, "rmean_se": rm.stderr,
        "rvar": rv.value, "rvar_se": rv.stderr,
        "n_obs": float(m.n),
    }
    return {prefix + k: val for k, val in out.items()}


def summarize_search(result: Any) -> dict[str, float]:
    """Flat dict of the standard statistics of a :class:`~lessonlib.levy.engine.SearchResult`.

    Keys: ``alpha``, ``n``, ``horizon``, ``mean_jumps``, then :func:`summarize_times` of
    the FHT with prefix ``fht_`` and of the FRT with prefix ``frt_`` (for instance
    ``fht_p`` = P(hit <= T), ``fht_mean`` = mean FHT given a hit, ``fht_rmean`` = restricted
    mean, ``frt_var`` = variance of the FRT given a return).
    """
    from .engine import SearchResult

    if not isinstance(result, SearchResult):
        raise TypeError(f"result must be a SearchResult, got {type(result).__name__}")
    h = result.params.horizon
    out = {"alpha": result.alpha, "n": float(result.n), "horizon": h,
           "mean_jumps": float(result.n_jumps.mean()) if result.n else math.nan}
    out.update(summarize_times(result.fht, h, "fht_"))
    out.update(summarize_times(result.frt, h, "frt_"))
    return out


# --------------------------------------------------------------------------- optimal alpha
@dataclass(frozen=True)
class OptimalAlpha:
    """Result of :func:`optimal_alpha`.

    Attributes
    ----------
    alpha : float
        Minimiser (grid point, or parabola vertex if ``refine``).
    ci_low, ci_high : float
        Percentile bootstrap interval of the minimiser (NaN if ``n_boot == 0``).
    alphas, values : numpy.ndarray
        The grid and the statistic on it.
    grid_alpha : float
        The grid point with the smallest statistic.
    boot : numpy.ndarray
        Bootstrap minimisers.
    statistic : str
    level : float
    """

    alpha: float
    ci_low: float
    ci_high: float
    alphas: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    grid_alpha: float = math.nan
    boot: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    statistic: str = ""
    level: float = 0.95


def _argmin_refined(alphas: np.ndarray, values: np.ndarray, refine: bool) -> tuple[float, float]:
    v = np.where(np.isfinite(values), values, np.inf)
    if not np.isfinite(v).any():
        return math.nan, math.nan
    i = int(np.argmin(v))
    grid = float(alphas[i])
    if not refine or i == 0 or i == len(alphas) - 1 or not np.isfinite(v[i - 1 : i + 2]).all():
        return grid, grid
    x0, x1, x2 = alphas[i - 1 : i + 2]
    y0, y1, y2 = v[i - 1 : i + 2]
    # vertex of the parabola through three points (any spacing)
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    if den == 0:
        return grid, grid
    xv = x1 - 0.5 * num / den
    return float(min(max(xv, x0), x2)), grid


def optimal_alpha(
    alphas: Any,
    samples: Sequence[Any],
    n_boot: int,
    rng: Any,
    *,
    statistic: Any = "mean_given_event",
    horizon: float | None = None,
    refine: bool = True,
    level: float = 0.95,
) -> OptimalAlpha:
    """The α that minimises a statistic over a grid, with a bootstrap interval.

    The statistic is computed for each α's sample; its grid minimiser is optionally refined
    by the vertex of the parabola through the minimum and its two neighbours (clipped to
    that bracket). Each bootstrap replicate resamples every α's sample independently (the
    α runs are independent) and records the minimiser; the interval is the percentile
    interval of those minimisers.

    Parameters
    ----------
    alphas : array_like
        Strictly increasing grid.
    samples : sequence
        One array of times per α (``inf`` = unobserved), or SearchResult objects (their
        ``fht`` is used).
    n_boot : int
        Bootstrap replicates (0: no interval).
    rng : numpy.random.Generator or int
    statistic : str or callable
        Name in :data:`STATISTICS` (default: mean FHT given a hit) or ``f(array)``.
    horizon : float, optional
        For restricted statistics (taken from SearchResult params when available).
    refine : bool
        Parabolic refinement.
    level : float
        Interval coverage.
    """
    a = as_float_array(alphas, "alphas", ndim=1)
    if a.size < 1 or np.any(np.diff(a) <= 0):
        raise ValueError("alphas must be a non-empty strictly increasing grid")
    if len(samples) != a.size:
        raise ValueError(f"samples must have one entry per alpha ({a.size}), got {len(samples)}")
    data = []
    for s in samples:
        if hasattr(s, "fht") and hasattr(s, "params"):
            if horizon is None:
                horizon = s.params.horizon
            s = s.fht
        x = _times(s, "samples")
        _nonempty(x, "each sample")
        data.append(x)
    name, f = _statistic(statistic)
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    rng = check_rng(rng)
    level = check_in_range(level, "level", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    vals = np.array([f(x, horizon) for x in data])
    best, grid = _argmin_refined(a, vals, refine)
    boot = np.empty(n_boot)
    for b in range(n_boot):
        bv = np.array([f(x[rng.integers(0, x.size, x.size)], horizon) for x in data])
        boot[b] = _argmin_refined(a, bv, refine)[0]
    if n_boot:
        lo, hi = np.nanquantile(boot, [(1 - level) / 2, (1 + level) / 2])
    else:
        lo = hi = math.nan
    return OptimalAlpha(best, float(lo), float(hi), a, vals, grid, boot, name, level)


# --------------------------------------------------------------------------- tails
@dataclass(frozen=True)
class TailFit:
    r"""Power-law tail fit :math:`P(X > x) \propto x^{-a}` (so the density goes as :math:`x^{-(a+1)}`).

    Attributes
    ----------
    alpha : float
        Tail index a (the stable α for stable jump lengths).
    stderr : float
    survival_slope : float
        Fitted slope of log S(x) vs log x (= -a).
    density_slope : float
        Implied slope of the log density (= -(a + 1)).
    x_min, x_max : float
        Fit range.
    n_tail : int
        Observations in the fit range.
    intercept : float
        log S at x = 1 of the fitted line (for drawing it).
    """

    alpha: float
    stderr: float
    survival_slope: float
    density_slope: float
    x_min: float
    x_max: float
    n_tail: int
    intercept: float = math.nan


def _positive_sample(x: Any) -> np.ndarray:
    y = np.abs(as_float_array(x, "x", ndim=1))
    if not np.all(np.isfinite(y)):
        raise ValueError("x must be finite")
    return y


def hill_estimator(x: Any, k: int) -> Estimate:
    r"""Hill's estimator of the tail index from the k largest of :math:`|x|`.

    :math:`\hat a = k / \sum_{i=1}^k \log(X_{(n-i+1)}/X_{(n-k)})`, SE :math:`\hat a/\sqrt k`
    (exact-Pareto asymptotics; for stable laws pick k small enough that the k largest lie
    in the power-law regime).
    """
    y = np.sort(_positive_sample(x))
    k = check_int(k, "k", minimum=1)
    if k >= y.size:
        raise ValueError(f"k must be < len(x) = {y.size}, got {k}")
    thr = y[-k - 1]
    if thr <= 0:
        raise ValueError("the (k+1)-th largest |x| must be > 0")
    s = float(np.sum(np.log(y[-k:] / thr)))
    a = k / s
    return Estimate(a, a / math.sqrt(k), k)


def loglog_tail_fit(x: Any, x_min: float | None = None, x_max: float | None = None,
                    n_points: int = 40) -> TailFit:
    """Least-squares line through the empirical survival function on log-log axes.

    Fits log S(x) against log x at ``n_points`` logarithmically spaced x in
    ``[x_min, x_max]`` (defaults: the 90 % quantile of |x| and the point beyond which only
    ten observations remain). The SE is the regression's, which ignores the correlation of
    the survival values and so is optimistic; prefer :func:`hill_estimator` for inference.
    """
    y = np.sort(_positive_sample(x))
    n = y.size
    if n < 20:
        raise ValueError(f"x must have at least 20 values, got {n}")
    n_points = check_int(n_points, "n_points", minimum=3)
    lo = float(np.quantile(y, 0.9)) if x_min is None else check_positive(x_min, "x_min")
    hi = float(y[-11]) if x_max is None else check_positive(x_max, "x_max")
    if not hi > lo:
        raise ValueError(f"x_max ({hi}) must exceed x_min ({lo})")
    grid = np.geomspace(lo, hi, n_points)
    surv = 1.0 - np.searchsorted(y, grid, side="right") / n
    ok = surv > 0
    lx, ls = np.log(grid[ok]), np.log(surv[ok])
    res = sps.linregress(lx, ls)
    n_tail = int(np.sum((y >= lo) & (y <= hi)))
    return TailFit(-float(res.slope), float(res.stderr), float(res.slope), float(res.slope) - 1.0,
                   lo, hi, n_tail, float(res.intercept))


def log_binned_density(x: Any, n_bins: int = 40, x_min: float | None = None,
                       x_max: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Density of |x| on logarithmic bins (for log-log histograms): (geometric centres, density).

    The density is normalised over *all* of the sample (counts / (N * bin width)), so it
    estimates the true density inside the binned range.
    """
    y = _positive_sample(x)
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    pos = y[y > 0]
    if pos.size == 0:
        raise ValueError("x must contain non-zero values")
    lo = float(pos.min()) if x_min is None else check_positive(x_min, "x_min")
    hi = float(pos.max()) if x_max is None else check_positive(x_max, "x_max")
    if not hi > lo:
        raise ValueError(f"x_max ({hi}) must exceed x_min ({lo})")
    edges = np.geomspace(lo, hi, n_bins + 1)
    counts, _ = np.histogram(y, bins=edges)
    return np.sqrt(edges[:-1] * edges[1:]), counts / (y.size * np.diff(edges))
