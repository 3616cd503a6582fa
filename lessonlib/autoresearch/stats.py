"""Noise, false positives and wall-clock: the numbers behind a trustworthy loop.

*False positives.* Suppose an edit changes nothing (its true metric equals the
incumbent's) and both are measured as the mean of ``K`` runs with independent
Gaussian noise of standard deviation :math:`\\sigma`. The loop keeps the edit when
the candidate's mean is below the incumbent's by more than :math:`\\varepsilon`; the
difference of the two means is :math:`\\mathcal N(0, 2\\sigma^2/K)`, so

.. math:: \\Pr[\\text{keep a null edit}] = \\Phi\\!\\left(-\\frac{\\varepsilon\\sqrt K}{\\sigma\\sqrt 2}\\right),

and with the incumbent's value known exactly the :math:`\\sqrt 2` disappears.

*A loop on pure noise.* If no edit ever helps, a loop with :math:`\\varepsilon = 0`
keeps exactly the *records* (new minima) of an i.i.d. sequence, whose expected number
among :math:`n` draws is the harmonic number :math:`H_n`, whatever :math:`\\sigma` or
``K``: averaging alone does not stop noise from being kept, a margin does.

*Wall-clock.* With proposal, patch and run costs :math:`C_p, C_a, C_r`,
:math:`T_\\text{seq} \\approx N (C_p + C_a + C_r)` and, with :math:`B` workers,
:math:`T_\\text{par} \\approx (N/B)(C_p + C_a + C_r) + C_\\text{coord}`.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import ndtr

from .._validate import check_choice, check_int, check_positive, check_rng
from ..fmt import exact

__all__ = [
    "false_positive_rate",
    "acceptance_probability",
    "simulate_false_positive_rate",
    "expected_noise_keeps",
    "simulate_null_ratchet",
    "measure_noise",
    "wallclock_sequential",
    "wallclock_parallel",
    "round_finish_times",
    "experiments_per_hour",
    "relative_improvement",
]

_INCUMBENT = ("remeasured", "exact")


def acceptance_probability(gain: Any, eps: Any, K: int, noise_sd: Any, *, incumbent: str = "remeasured") -> Any:
    """Probability that the loop keeps an edit whose true improvement is ``gain``.

    Parameters
    ----------
    gain : float or array_like
        True improvement :math:`\\delta = J(c) - J(c')` (positive means better).
    eps : float >= 0
        Acceptance margin.
    K : int >= 1
        Runs averaged per measurement.
    noise_sd : float > 0
        Standard deviation :math:`\\sigma` of one run.
    incumbent : {"remeasured", "exact"}
        ``"remeasured"``: the incumbent is measured afresh with ``K`` runs too
        (difference variance :math:`2\\sigma^2/K`); ``"exact"``: its value is known
        (variance :math:`\\sigma^2/K`).

    Returns
    -------
    float or numpy.ndarray
        :math:`\\Phi((\\delta - \\varepsilon)/s)` with :math:`s` the standard deviation
        of the measured difference.
    """
    eps = check_positive(eps, "eps", strict=False)
    K = check_int(K, "K", minimum=1)
    noise_sd = check_positive(noise_sd, "noise_sd")
    check_choice(incumbent, "incumbent", _INCUMBENT)
    s = noise_sd * math.sqrt((2.0 if incumbent == "remeasured" else 1.0) / K)
    g = np.asarray(gain, dtype=float)
    out = ndtr((g - eps) / s)
    return float(out) if out.ndim == 0 else out


def false_positive_rate(eps: Any, K: int, noise_sd: Any, *, incumbent: str = "remeasured") -> float:
    """Probability of keeping an edit that does nothing: ``acceptance_probability(0, ...)``."""
    return acceptance_probability(0.0, eps, K, noise_sd, incumbent=incumbent)


def simulate_false_positive_rate(
    eps: Any, K: int, noise_sd: Any, n_trials: int, rng: Any, *, incumbent: str = "remeasured"
) -> tuple[float, float]:
    """Monte Carlo estimate of :func:`false_positive_rate` from raw Gaussian runs.

    Each trial draws ``K`` runs of a null candidate (and ``K`` of the incumbent, if
    ``incumbent="remeasured"``) around the same true value, averages them and applies
    the keep rule ``candidate < incumbent - eps``.

    Returns
    -------
    (rate, standard_error)
    """
    eps = check_positive(eps, "eps", strict=False)
    K = check_int(K, "K", minimum=1)
    noise_sd = check_positive(noise_sd, "noise_sd")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    check_choice(incumbent, "incumbent", _INCUMBENT)
    rng = check_rng(rng)
    cand = rng.normal(0.0, noise_sd, size=(n_trials, K)).mean(axis=1)
    inc = rng.normal(0.0, noise_sd, size=(n_trials, K)).mean(axis=1) if incumbent == "remeasured" else 0.0
    kept = cand < inc - eps
    p = float(kept.mean())
    return p, math.sqrt(p * (1 - p) / n_trials)


def expected_noise_keeps(n_experiments: int) -> Fraction:
    """Expected kept edits (baseline excluded) of an ``eps = 0`` loop in which no edit helps.

    The kept rows are the records of ``n_experiments`` i.i.d. continuous measurements,
    so the expectation is :math:`H_n - 1 = \\sum_{k=2}^{n} 1/k`, exactly.
    """
    n = check_int(n_experiments, "n_experiments", minimum=1)
    return sum((Fraction(1, k) for k in range(2, n + 1)), start=Fraction(0))


def simulate_null_ratchet(
    n_experiments: int, eps: Any, K: int, noise_sd: Any, n_loops: int, rng: Any
) -> tuple[float, float]:
    """Mean number of kept edits (baseline excluded) when every edit is a null edit.

    Runs ``n_loops`` independent loops of ``n_experiments`` rows: the baseline and
    each candidate are means of ``K`` Gaussian runs with the same true value, and a
    candidate is kept when it is below the *recorded* incumbent minus ``eps``.

    Returns
    -------
    (mean_kept, standard_error)
    """
    n = check_int(n_experiments, "n_experiments", minimum=1)
    eps = check_positive(eps, "eps", strict=False)
    K = check_int(K, "K", minimum=1)
    noise_sd = check_positive(noise_sd, "noise_sd")
    n_loops = check_int(n_loops, "n_loops", minimum=2)
    rng = check_rng(rng)
    draws = rng.normal(0.0, noise_sd / math.sqrt(K), size=(n_loops, n))
    best = draws[:, 0].copy()
    kept = np.zeros(n_loops)
    for t in range(1, n):
        acc = draws[:, t] < best - eps
        best = np.where(acc, draws[:, t], best)
        kept += acc
    return float(kept.mean()), float(kept.std(ddof=1) / math.sqrt(n_loops))


def measure_noise(evaluator: Any, config: Any, n_seeds: int, rng: Any) -> tuple[float, float]:
    """Mean and sample standard deviation of ``val_bpb`` over ``n_seeds`` fresh run seeds."""
    n_seeds = check_int(n_seeds, "n_seeds", minimum=2)
    rng = check_rng(rng)
    vals = []
    for s in rng.integers(0, 2**31 - 1, size=n_seeds):
        r = evaluator.evaluate(config, int(s))
        if not r.ok:
            raise ValueError(f"config crashes ({r.message}); its noise is undefined")
        vals.append(r.val_bpb)
    v = np.array(vals)
    return float(v.mean()), float(v.std(ddof=1))


def _cost(x: Any, name: str) -> Any:
    if isinstance(x, (Fraction, int)) and not isinstance(x, bool):
        if x < 0:
            raise ValueError(f"{name} must be >= 0, got {x}")
        return Fraction(x)
    return check_positive(x, name, strict=False)


def wallclock_sequential(n: int, c_propose: Any, c_apply: Any, c_run: Any) -> Any:
    """:math:`T_\\text{seq} = N (C_p + C_a + C_r)` (exact for int/Fraction inputs)."""
    n = check_int(n, "n", minimum=0)
    return n * (_cost(c_propose, "c_propose") + _cost(c_apply, "c_apply") + _cost(c_run, "c_run"))


def wallclock_parallel(n: int, workers: int, c_propose: Any, c_apply: Any, c_run: Any, c_coord: Any = 0) -> Any:
    """:math:`T_\\text{par} = (N/B)(C_p + C_a + C_r) + C_\\text{coord}` (idealised: perfect packing)."""
    n = check_int(n, "n", minimum=0)
    workers = check_int(workers, "workers", minimum=1)
    per = _cost(c_propose, "c_propose") + _cost(c_apply, "c_apply") + _cost(c_run, "c_run")
    coord = _cost(c_coord, "c_coord")
    if isinstance(per, Fraction) and isinstance(coord, Fraction):
        return Fraction(n, workers) * per + coord
    return n / workers * float(per) + float(coord)


def round_finish_times(rounds: Any, cycle_s: Any, coord_s: Any = 0.0) -> np.ndarray:
    """Wall-clock (seconds) at which each row of a log is known.

    Round ``r`` (0 is the baseline) ends at ``(r + 1) * (cycle_s + coord_s)``: every
    round costs one proposal-patch-run cycle plus a coordination overhead, whatever
    the number of workers running in it.
    """
    r = np.asarray(rounds)
    if r.ndim != 1 or (r.size and (np.any(r < 0) or np.any(r != np.round(r)))):
        raise ValueError("rounds must be a 1-D array of non-negative integers")
    cycle_s = check_positive(cycle_s, "cycle_s")
    coord_s = check_positive(coord_s, "coord_s", strict=False)
    return (r + 1) * (cycle_s + coord_s)


def experiments_per_hour(seconds_per_experiment: Any) -> Fraction | float:
    """``3600 / seconds_per_experiment`` (exact when the input is an int, Fraction or decimal string)."""
    if isinstance(seconds_per_experiment, (int, Fraction, str)) and not isinstance(seconds_per_experiment, bool):
        s = exact(seconds_per_experiment)
        if s <= 0:
            raise ValueError(f"seconds_per_experiment must be > 0, got {seconds_per_experiment}")
        return Fraction(3600) / s
    return 3600.0 / check_positive(seconds_per_experiment, "seconds_per_experiment")


def relative_improvement(before: Any, after: Any) -> Fraction:
    """``(before - after) / before`` exactly, from the decimal values as printed."""
    b, a = exact(before), exact(after)
    if b == 0:
        raise ValueError("before must be non-zero")
    return (b - a) / b
