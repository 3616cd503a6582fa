r"""From an α sweep to the thesis chapter's checks: re-censoring, horizon profiles, verdicts.

The thesis note states four findings in words ("minimal near α ≈ 0.6", "worse above
α = 1", "roughly flat", "much smaller"). To test them the chapter needs each word turned
into a numeric criterion that is decided by code and printed next to the numbers. This
module holds those criteria, the small statistical tools they rely on, and the closed
form used in the chapter's exercise on segments and disks.

Re-censoring
------------
Every walker of a run is followed to the same horizon T, and the engine records a time
exactly when it is <= T. A run with a shorter horizon T' < T therefore sees exactly the
times <= T' of the long run, trajectory by trajectory (same streams, same prefix of
the path): :func:`censor_at` turns the long run into the short one without simulating
again, and :func:`statistic_vs_horizon` profiles a statistic over several horizons.

Verdicts
--------
Each ``judge_*`` function returns a :class:`Verdict`: whether the criterion is met, the
number it was decided on, and two sentences (criterion and evidence) for the page.
:func:`combine_verdicts` turns one claim tested under several definitions into a phrase
such as ``"holds only for the conditional mean"``.

Ensemble sizes
--------------
:func:`ensemble_sizes` gives the chapter's walkers per α: 10⁵ for α <= 1 and 10⁴ above
by default, and the thesis scale, 10⁶ for every α, when the environment variable
``LEVY_THESIS_SCALE`` is ``1`` (``LEVY_THESIS_SCALE=1 jupyter-book build ...``). The
thesis scale costs about a hundred times the default run's CPU time.

Geometry
--------
:func:`segment_disk_probability` is the probability that a straight segment of length
ℓ, placed uniformly at random (start point uniform, any direction) in a periodic box of
area A, meets a disk of radius r: the start points that hit form a stadium of area
:math:`\pi r^2 + 2 r \ell`. :func:`segment_hits_disk` is the exact per-segment test.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .._validate import as_float_array, check_in_range, check_positive
from .stats import STATISTICS, Estimate, OptimalAlpha

__all__ = [
    "THESIS_SCALE_ENV",
    "ensemble_sizes",
    "Verdict",
    "censor_at",
    "statistic_vs_horizon",
    "growth_exponent",
    "first_allowed_share",
    "judge_optimum",
    "judge_worse_above",
    "judge_flat",
    "judge_below",
    "judge_separation",
    "combine_verdicts",
    "threshold_crossing",
    "segment_disk_probability",
    "segment_hits_disk",
]


#: Environment variable that switches the chapter to the thesis's ensemble size.
THESIS_SCALE_ENV = "LEVY_THESIS_SCALE"


def ensemble_sizes(thesis_scale: bool | None = None) -> tuple[int, int]:
    """Walkers per α for the chapter's sweep: ``(n for α <= 1, n for α > 1)``.

    Parameters
    ----------
    thesis_scale : bool, optional
        True: the thesis's 10⁶ walkers for every α. False: the default build sizes,
        10⁵ for α <= 1 (where the optimum is decided and returns are rare) and 10⁴ above
        (where every walker runs to the horizon, so each costs the most). None (default):
        read the environment variable ``LEVY_THESIS_SCALE`` (``"1"`` means True).

    Examples
    --------
    >>> ensemble_sizes(False)
    (100000, 10000)
    >>> ensemble_sizes(True)
    (1000000, 1000000)
    """
    import os

    if thesis_scale is None:
        raw = os.environ.get(THESIS_SCALE_ENV, "").strip()
        if raw not in ("", "0", "1"):
            raise ValueError(f"{THESIS_SCALE_ENV} must be '0' or '1' (or unset), got {raw!r}")
        thesis_scale = raw == "1"
    if not isinstance(thesis_scale, (bool, np.bool_)):
        raise TypeError(f"thesis_scale must be a bool or None, got {type(thesis_scale).__name__}")
    return (1_000_000, 1_000_000) if thesis_scale else (100_000, 10_000)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one numeric test of a claim.

    Attributes
    ----------
    holds : bool
        Whether the criterion is met.
    value : float
        The number the decision was made on (a ratio, a distance, a count...).
    criterion : str
        The test, in words, with its threshold.
    evidence : str
        The measured numbers behind the decision, formatted for the page.
    """

    holds: bool
    value: float
    criterion: str
    evidence: str

    @property
    def word(self) -> str:
        """``"holds"`` or ``"does not hold"``."""
        return "holds" if self.holds else "does not hold"


def _times(times: Any, name: str = "times") -> np.ndarray:
    t = as_float_array(times, name, ndim=1)
    if np.any(np.isnan(t)):
        raise ValueError(f"{name} must not contain NaN (use inf for unobserved times)")
    if np.any(t < 0):
        raise ValueError(f"{name} must be >= 0")
    return t


def _fmt(x: float, digits: int = 3) -> str:
    """Short human format for the evidence strings (3 significant digits)."""
    if not math.isfinite(x):
        return "n/a" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if -3 <= mag < 5:
        s = f"{x:.{max(digits - 1 - mag, 0)}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


# --------------------------------------------------------------------------- re-censoring
def censor_at(times: Any, horizon: float) -> np.ndarray:
    """The same times as seen by a run stopped at a shorter horizon (``inf`` beyond it).

    Parameters
    ----------
    times : array_like
        Times of a run with horizon >= ``horizon`` (``inf`` = not observed).
    horizon : float
        New censoring time T' > 0.

    Returns
    -------
    numpy.ndarray
        A copy with every time > T' replaced by ``inf``.

    Examples
    --------
    >>> censor_at([5.0, 12.0, float("inf")], 10.0).tolist()
    [5.0, inf, inf]
    """
    t = _times(times)
    h = check_positive(horizon, "horizon")
    out = t.copy()
    out[out > h] = np.inf
    return out


def statistic_vs_horizon(times: Any, horizons: Any, statistic: str) -> np.ndarray:
    """A named statistic of the times re-censored at each horizon.

    Parameters
    ----------
    times : array_like
        Times of a run whose own horizon is at least ``max(horizons)``.
    horizons : array_like
        Horizons T' > 0.
    statistic : str
        A name from :data:`lessonlib.levy.stats.STATISTICS` (``"variance_given_event"``,
        ``"restricted_mean"``, ``"event_probability"``, ...).

    Returns
    -------
    numpy.ndarray
        The statistic at each horizon (NaN where it is undefined, e.g. a variance of
        fewer than two observed times).
    """
    t = _times(times)
    hs = as_float_array(horizons, "horizons", ndim=1)
    if hs.size == 0 or np.any(~np.isfinite(hs)) or np.any(hs <= 0):
        raise ValueError("horizons must be a non-empty array of finite values > 0")
    if not isinstance(statistic, str) or statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(map(repr, STATISTICS))}, got {statistic!r}")
    f = STATISTICS[statistic]
    return np.array([f(censor_at(t, h), float(h)) for h in hs])


def growth_exponent(horizons: Any, values: Any) -> float:
    """Least-squares slope of log(values) against log(horizons).

    A statistic that converges has slope near 0; the sample variance of times with a tail
    :math:`P(T > t) \\sim t^{-\\theta}`, θ < 2, grows roughly like :math:`T^{2-\\theta}`.
    """
    h = as_float_array(horizons, "horizons", ndim=1)
    v = as_float_array(values, "values", ndim=1)
    if h.shape != v.shape or h.size < 2:
        raise ValueError("horizons and values must have the same length >= 2")
    if np.any(h <= 0) or np.any(~(v > 0)) or np.any(~np.isfinite(v)):
        raise ValueError("horizons and values must be finite and > 0")
    slope, _ = np.polyfit(np.log(h), np.log(v), 1)
    return float(slope)


def first_allowed_share(frt: Any, delay: float) -> Estimate:
    """Share of observed delay-rule returns that happen at the first allowed step.

    Under the thesis's rule a return counts at the first whole step t > delay with the
    walker in the start disk; a walker that has not yet left the disk at that step
    "returns" then, at t = ⌊delay⌋ + 1. A large share flags returns that are not
    returns. SE is binomial over the observed returns.

    Parameters
    ----------
    frt : array_like
        First-return times (walk time model, ``inf`` = no return by the horizon).
    delay : float
        The rule's delay (>= 0).
    """
    t = _times(frt, "frt")
    d = check_positive(delay, "delay", strict=False)
    obs = t[np.isfinite(t)]
    k = int(obs.size)
    if k == 0:
        return Estimate(math.nan, math.nan, 0)
    p = float(np.mean(obs == math.floor(d) + 1.0))
    return Estimate(p, math.sqrt(p * (1.0 - p) / k), k)


# --------------------------------------------------------------------------- verdicts
def judge_optimum(opt: OptimalAlpha, claimed: float, tolerance: float = 0.0) -> Verdict:
    """Is the claimed optimum inside the bootstrap interval of the measured minimiser?

    The claim holds when ``ci_low - tolerance <= claimed <= ci_high + tolerance`` (the
    tolerance, e.g. half a grid step, allows for the grid's resolution). ``value`` is
    the distance from the claimed α to the interval (0 when inside).
    """
    if not isinstance(opt, OptimalAlpha):
        raise TypeError(f"opt must be an OptimalAlpha, got {type(opt).__name__}")
    claimed = check_in_range(claimed, "claimed", 0.0, 2.0, low_inclusive=False)
    tol = check_positive(tolerance, "tolerance", strict=False)
    if not (math.isfinite(opt.ci_low) and math.isfinite(opt.ci_high)):
        raise ValueError("opt has no bootstrap interval (run optimal_alpha with n_boot > 0)")
    lo, hi = opt.ci_low - tol, opt.ci_high + tol
    dist = max(lo - claimed, claimed - hi, 0.0)
    holds = dist == 0.0
    crit = (f"α = {_fmt(claimed)} lies within the {round(100 * opt.level)} % bootstrap interval of "
            f"the minimiser" + (f" widened by {_fmt(tol)} on each side" if tol else ""))
    ev = (f"minimiser {_fmt(opt.alpha)} (grid {_fmt(opt.grid_alpha)}), interval "
          f"[{_fmt(opt.ci_low)}, {_fmt(opt.ci_high)}]")
    return Verdict(holds, dist, crit, ev)


def _check_grid(alphas: Any, *arrays: Any) -> tuple[np.ndarray, ...]:
    a = as_float_array(alphas, "alphas", ndim=1)
    out = [a]
    for k, arr in enumerate(arrays):
        v = as_float_array(arr, f"array {k + 1}", ndim=1)
        if v.shape != a.shape:
            raise ValueError(f"every array must have one value per alpha ({a.size}), got {v.size}")
        out.append(v)
    return tuple(out)


def judge_worse_above(alphas: Any, values: Any, stderr: Any, *, threshold: float = 1.0,
                      better: str = "low", z: float = 5.0) -> Verdict:
    """Is every α above ``threshold`` worse than the best α at or below it, beyond noise?

    "Worse" means the value differs from the best value over α <= threshold in the bad
    direction by more than ``z`` combined standard errors
    (:math:`z\\sqrt{se_a^2 + se_{best}^2}`). ``value`` is the number of α above the
    threshold that are *not* clearly worse (0 when the claim holds).

    Parameters
    ----------
    alphas, values, stderr : array_like
        The grid, the statistic and its standard error.
    threshold : float
        The α that splits the grid (1 in the thesis).
    better : {"low", "high"}
        Whether small (a time) or large (a probability) values are better.
    z : float
        Number of standard errors that count as "beyond noise".
    """
    a, v, se = _check_grid(alphas, values, stderr)
    if better not in ("low", "high"):
        raise ValueError(f"better must be 'low' or 'high', got {better!r}")
    z = check_positive(z, "z", strict=False)
    low, high = a <= threshold, a > threshold
    if not low.any() or not high.any():
        raise ValueError("alphas must have values on both sides of threshold")
    sign = 1.0 if better == "low" else -1.0
    score = np.where(np.isfinite(v), sign * v, np.inf)
    i_best = int(np.flatnonzero(low)[np.argmin(score[low])])
    gaps = sign * (v[high] - v[i_best])
    noise = z * np.sqrt(np.where(np.isfinite(se[high]), se[high], 0.0) ** 2 + se[i_best] ** 2)
    worse = np.where(np.isfinite(v[high]), gaps > noise, True)
    n_not = int(np.sum(~worse))
    crit = (f"every α > {_fmt(threshold)} is {'above' if better == 'low' else 'below'} the best "
            f"value at α ≤ {_fmt(threshold)} by more than {_fmt(z)} standard errors")
    ev = (f"best at α ≤ {_fmt(threshold)}: {_fmt(v[i_best])} (α = {_fmt(a[i_best])}); "
          f"{int(worse.sum())} of {int(high.sum())} larger α are clearly worse")
    return Verdict(n_not == 0, float(n_not), crit, ev)


def judge_flat(alphas: Any, values: Any, *, max_ratio: float = 2.0) -> Verdict:
    """Is a curve "roughly flat": largest / smallest value over the grid <= ``max_ratio``?

    ``value`` is the ratio (finite, positive values only; NaN entries are skipped).
    """
    a, v = _check_grid(alphas, values)
    max_ratio = check_positive(max_ratio, "max_ratio")
    ok = np.isfinite(v)
    if ok.sum() < 2 or np.any(v[ok] <= 0):
        raise ValueError("values must contain at least two finite positive entries")
    vo, ao = v[ok], a[ok]
    ratio = float(vo.max() / vo.min())
    crit = f"the largest value is at most {_fmt(max_ratio)} times the smallest"
    ev = (f"from {_fmt(vo.min())} (α = {_fmt(ao[np.argmin(vo)])}) to {_fmt(vo.max())} "
          f"(α = {_fmt(ao[np.argmax(vo)])}): ratio {_fmt(ratio)}")
    return Verdict(ratio <= max_ratio, ratio, crit, ev)


def judge_below(alphas: Any, values: Any, reference: Any, *, factor: float = 1.0) -> Verdict:
    """Is ``values < factor * reference`` at every α (e.g. mean FRT below mean FHT)?

    ``value`` is the largest ratio values / reference over the grid (NaN pairs skipped).
    """
    a, v, r = _check_grid(alphas, values, reference)
    factor = check_positive(factor, "factor")
    ok = np.isfinite(v) & np.isfinite(r) & (r > 0)
    if not ok.any():
        raise ValueError("no alpha has both values finite")
    ratio = v[ok] / r[ok]
    worst = float(ratio.max())
    crit = (f"the value is below {_fmt(factor)} times the reference at every α" if factor != 1
            else "the value is below the reference at every α")
    ev = f"largest ratio {_fmt(worst)} (α = {_fmt(a[ok][np.argmax(ratio)])})"
    return Verdict(worst < factor, worst, crit, ev)


def judge_separation(alphas: Any, values: Any, *, threshold: float = 1.0,
                     factor: float = 10.0) -> Verdict:
    """Are the values at α <= threshold at least ``factor`` times those above it?

    Decided on the *strict* separation: the smallest value at α <= threshold divided by
    the largest above it must be >= ``factor``. ``value`` is that ratio; the evidence
    also gives the ratio of the geometric means of the two sides.
    """
    a, v = _check_grid(alphas, values)
    factor = check_positive(factor, "factor")
    low, high = (a <= threshold) & np.isfinite(v), (a > threshold) & np.isfinite(v)
    if not low.any() or not high.any():
        raise ValueError("alphas must have finite values on both sides of threshold")
    if np.any(v[low | high] <= 0):
        raise ValueError("values must be > 0")
    strict = float(v[low].min() / v[high].max())
    geo = float(np.exp(np.mean(np.log(v[low])) - np.mean(np.log(v[high]))))
    crit = (f"the smallest value at α ≤ {_fmt(threshold)} is at least {_fmt(factor)} times "
            f"the largest value at α > {_fmt(threshold)}")
    ev = f"strict ratio {_fmt(strict)}, ratio of geometric means {_fmt(geo)}"
    return Verdict(strict >= factor, strict, crit, ev)


def combine_verdicts(results: Mapping[str, bool]) -> str:
    """One phrase for a claim tested under several definitions.

    Examples
    --------
    >>> combine_verdicts({"the conditional mean": True, "the restricted mean": False})
    'holds only for the conditional mean'
    >>> combine_verdicts({"a": True, "b": True})
    'holds for every definition tested'
    """
    if not results:
        raise ValueError("results must not be empty")
    yes = [k for k, v in results.items() if v]
    no = [k for k, v in results.items() if not v]
    if not no:
        return "holds for every definition tested"
    if not yes:
        return "does not hold for any definition tested"

    def join(items: Sequence[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    if len(yes) == 1:
        return f"holds only for {yes[0]}"
    return f"holds for {join(yes)}, not for {join(no)}"


def threshold_crossing(alphas: Any, values: Any, level: float, *, below: bool = True) -> float:
    """Smallest α from which on every value stays below (or above) ``level``.

    Returns NaN if even the last grid value is on the wrong side.

    Examples
    --------
    >>> threshold_crossing([1.0, 1.5, 2.0], [0.5, 0.08, 0.01], 0.1)
    1.5
    """
    a, v = _check_grid(alphas, values)
    ok = v < level if below else v > level
    if not ok[-1]:
        return math.nan
    bad = np.flatnonzero(~ok)
    start = 0 if bad.size == 0 else int(bad[-1]) + 1
    return float(a[start])


# --------------------------------------------------------------------------- geometry
def segment_disk_probability(length: float, radius: float, area: float) -> float:
    r"""P(a uniformly placed segment of length ℓ meets a disk of radius r) in a box of area A.

    :math:`(\pi r^2 + 2 r \ell) / A`: the segment meets the disk exactly when its start
    point lies in the stadium swept by the disk along the reversed segment. Valid on a
    periodic box as long as the stadium does not wrap onto itself (ℓ + 2r below the box
    side); the function only checks that the result is a probability.
    """
    ell = check_positive(length, "length", strict=False)
    r = check_positive(radius, "radius")
    big_a = check_positive(area, "area")
    p = (math.pi * r * r + 2.0 * r * ell) / big_a
    if p > 1.0:
        raise ValueError(f"(pi r^2 + 2 r l) / area = {p} > 1: the segment is too long for the box")
    return p


def segment_hits_disk(starts: Any, ends: Any, centre: Any, radius: float) -> np.ndarray:
    """Exact test (plane geometry) of whether each segment meets a closed disk.

    Parameters
    ----------
    starts, ends : array_like, shape (n, 2)
        Segment end points.
    centre : array_like, shape (2,)
    radius : float

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where the distance from the centre to the segment is <= radius.
    """
    p = as_float_array(starts, "starts", ndim=2)
    q = as_float_array(ends, "ends", ndim=2)
    c = as_float_array(centre, "centre", ndim=1)
    r = check_positive(radius, "radius")
    if p.shape[1] != 2 or q.shape != p.shape or c.shape != (2,):
        raise ValueError(f"starts and ends must have shape (n, 2) and centre (2,), got "
                         f"{p.shape}, {q.shape}, {c.shape}")
    d = q - p
    dd = np.einsum("ij,ij->i", d, d)
    s = np.einsum("ij,ij->i", c - p, d)
    tpar = np.where(dd > 0, np.clip(s / np.where(dd > 0, dd, 1.0), 0.0, 1.0), 0.0)
    near = p + tpar[:, None] * d
    return np.hypot(near[:, 0] - c[0], near[:, 1] - c[1]) <= r
