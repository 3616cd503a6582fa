"""The keep-or-revert loop: proposals, the ratchet, parallel workers and the results log.

The loop of the upstream ``program.md``, in symbols: with incumbent code :math:`c_t`,
history :math:`h_t` and instructions :math:`p`,

.. math::

    a_t \\sim q(\\cdot \\mid c_t, h_t, p), \\quad c'_t = A(c_t, a_t), \\quad
    y_t = \\hat J_K(c'_t), \\quad
    c_{t+1} = c'_t \\text{ if } y_t < m_t - \\varepsilon \\text{ and the checks pass,
    else } c_t,

where :math:`m_t` is the recorded metric of the incumbent and a crash always reverts.
Here the "code" is a :class:`~lessonlib.autoresearch.evaluator.ToyConfig`, an edit
moves one hyperparameter one step along its grid (or changes the seed), and the
"agent" :func:`propose_edit` is a small stochastic policy that reads the history:
it does not retry an edit already tried on the current incumbent, and it likes to
repeat the direction of the edit that produced the incumbent.

Every experiment becomes one :class:`LogRow` of a :class:`ResultsLog`, which writes
and reads the five-column ``results.tsv`` of the upstream repository.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .._validate import check_in_range, check_int, check_positive, check_rng
from .evaluator import GRIDS, RunResult, ToyConfig

__all__ = [
    "Edit",
    "neighbour_edits",
    "propose_edit",
    "Measurement",
    "measure",
    "LogRow",
    "ResultsLog",
    "ratchet_loop",
    "parallel_ratchet",
    "running_best",
    "keep_rate",
    "replicate_gains",
    "Replication",
]

STATUSES = ("keep", "discard", "crash")

_WORDS = {
    "batch_size": ("halve batch size", "double batch size"),
    "width": ("narrow the model", "widen the model"),
    "embedding_lr": ("lower embedding LR", "raise embedding LR"),
    "unembedding_lr": ("lower unembedding LR", "raise unembedding LR"),
    "warmup_ratio": ("shorter warmup", "longer warmup"),
    "warmdown_ratio": ("shorter warmdown", "longer warmdown"),
    "weight_decay": ("less weight decay", "more weight decay"),
    "init_scale": ("smaller init scale", "larger init scale"),
}


def _g(v: Any) -> str:
    return format(v, "g") if isinstance(v, float) else str(v)


# ----------------------------------------------------------------------------- edits
@dataclass(frozen=True)
class Edit:
    """One proposed change: set ``field`` from ``old`` to ``new``."""

    field: str
    old: Any
    new: Any
    description: str

    @property
    def key(self) -> tuple[str, Any]:
        """Identity of the edit for de-duplication (the field and its new value)."""
        return (self.field, self.new)

    @property
    def direction(self) -> int:
        """+1 if the edit moves up its grid, -1 if down, 0 for a seed change."""
        if self.field == "seed":
            return 0
        grid = GRIDS[self.field]
        return 1 if grid.index(self.new) > grid.index(self.old) else -1

    def apply(self, config: ToyConfig) -> ToyConfig:
        """The candidate configuration :math:`A(c, a)`."""
        if getattr(config, self.field) != self.old:
            raise ValueError(f"edit {self.description!r} does not apply: {self.field} is {getattr(config, self.field)!r}")
        return dataclasses.replace(config, **{self.field: self.new})


def neighbour_edits(config: ToyConfig) -> list[Edit]:
    """Every single-step edit of ``config``: each grid field one step down or up, and a new seed."""
    if not isinstance(config, ToyConfig):
        raise TypeError(f"config must be a ToyConfig, got {type(config).__name__}")
    out = []
    for name, grid in GRIDS.items():
        i = config.index(name)
        for j, word in ((i - 1, _WORDS[name][0]), (i + 1, _WORDS[name][1])):
            if 0 <= j < len(grid):
                out.append(Edit(name, grid[i], grid[j], f"{word} {_g(grid[i])} -> {_g(grid[j])}"))
    out.append(Edit("seed", config.seed, config.seed + 1, f"change seed {config.seed} -> {config.seed + 1}"))
    return out


def propose_edit(
    config: ToyConfig,
    log: "ResultsLog",
    rng: Any,
    *,
    momentum: float = 0.5,
    seed_weight: float = 0.5,
    exclude: Sequence[tuple[str, Any]] = (),
) -> Edit:
    """The toy agent's proposal distribution :math:`q(a \\mid c, h, p)`.

    Parameters
    ----------
    config : ToyConfig
        The incumbent :math:`c`.
    log : ResultsLog
        The history :math:`h` (may be empty).
    rng : numpy.random.Generator or int
        Source of randomness.
    momentum : float in [0, 1]
        Probability of repeating the edit that produced the incumbent (same field,
        same direction) when that edit is available and untried.
    seed_weight : float >= 0
        Weight of the "change seed" edit relative to 1 for every other edit.
    exclude : sequence of edit keys
        Edits already claimed by other workers in the same round.

    Returns
    -------
    Edit
        Chosen uniformly (seed change weighted by ``seed_weight``) among the edits not
        yet tried on this incumbent and not known to crash (an edit that crashed
        once, on any incumbent, is avoided); once all were tried, among the
        non-crashing ones again (a retry of a discarded edit is a fresh measurement).
    """
    rng = check_rng(rng)
    momentum = check_in_range(momentum, "momentum", 0.0, 1.0)
    seed_weight = check_positive(seed_weight, "seed_weight", strict=False)
    cands = neighbour_edits(config)
    excluded = set(exclude)
    inc = log.incumbent() if len(log) else None
    tried: set = set()
    crashed = {r.edit.key for r in log if r.status == "crash" and r.edit is not None}
    if inc is not None:
        tried = {r.edit.key for r in log if r.parent == inc.commit and r.edit is not None}
    fresh = [e for e in cands if e.key not in tried and e.key not in excluded and e.key not in crashed]
    if inc is not None and inc.edit is not None and inc.edit.field != "seed" and momentum > 0:
        again = [e for e in fresh if e.field == inc.edit.field and e.direction == inc.edit.direction]
        if again and rng.random() < momentum:
            return again[0]
    pool = fresh or [e for e in cands if e.key not in excluded and e.key not in crashed] or cands
    w = np.array([seed_weight if e.field == "seed" else 1.0 for e in pool])
    if w.sum() == 0:
        w = np.ones(len(pool))
    return pool[int(rng.choice(len(pool), p=w / w.sum()))]


# ----------------------------------------------------------------------------- measuring
@dataclass(frozen=True)
class Measurement:
    """``K`` runs of one configuration summarised: the mean is :math:`\\hat J_K(c)`."""

    status: str
    val_bpb: float
    val_sd: float
    test_bpb: float
    memory_gb: float
    seconds: float
    runs: tuple[RunResult, ...]
    message: str = ""


def measure(evaluator: Any, config: ToyConfig, K: int, rng: Any, *, fixed_seed: bool = False) -> Measurement:
    """Run ``config`` ``K`` times with fresh run seeds and average (a crash in any run is a crash).

    With ``fixed_seed=True`` every run uses run seed 0, which makes a deterministic
    evaluator return the same number each time (the "noise-free" setting).
    """
    K = check_int(K, "K", minimum=1)
    rng = check_rng(rng)
    seeds = [0] * K if fixed_seed else [int(s) for s in rng.integers(0, 2**31 - 1, size=K)]
    runs = tuple(evaluator.evaluate(config, s) for s in seeds)
    seconds = float(sum(r.seconds for r in runs))
    bad = [r for r in runs if r.status != "ok"]
    if bad:
        return Measurement("crash", math.nan, math.nan, math.nan, 0.0, seconds, runs, bad[0].message)
    vals = np.array([r.val_bpb for r in runs])
    sd = float(vals.std(ddof=1)) if K > 1 else math.nan
    return Measurement(
        "ok", float(vals.mean()), sd, float(np.mean([r.test_bpb for r in runs])),
        float(max(r.memory_gb for r in runs)), seconds, runs,
    )


# ----------------------------------------------------------------------------- the log
@dataclass(frozen=True)
class LogRow:
    """One line of ``results.tsv`` plus what the simulation knows about it."""

    index: int
    commit: str
    parent: str | None
    val_bpb: float
    memory_gb: float
    status: str
    description: str
    config: ToyConfig | None = None
    edit: Edit | None = None
    round: int = 0
    worker: int = 0
    test_bpb: float = math.nan
    val_sd: float = math.nan
    seconds: float = math.nan


class ResultsLog:
    """The machine-readable history of a session (a list of :class:`LogRow`)."""

    HEADER = ("commit", "val_bpb", "memory_gb", "status", "description")

    def __init__(self, rows: Sequence[LogRow] = ()) -> None:
        self._rows: list[LogRow] = []
        for r in rows:
            self.append(r)

    def append(self, row: LogRow) -> None:
        if not isinstance(row, LogRow):
            raise TypeError(f"row must be a LogRow, got {type(row).__name__}")
        if row.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {row.status!r}")
        self._rows.append(row)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[LogRow]:
        return iter(self._rows)

    def __getitem__(self, i: int) -> LogRow:
        return self._rows[i]

    # -- views
    def statuses(self) -> list[str]:
        return [r.status for r in self._rows]

    def metrics(self) -> np.ndarray:
        """``val_bpb`` of every row (NaN for crashes)."""
        return np.array([r.val_bpb for r in self._rows], dtype=float)

    def counts(self) -> dict[str, int]:
        """Number of rows per status, in the order keep, discard, crash."""
        return {s: sum(1 for r in self._rows if r.status == s) for s in STATUSES}

    def kept(self) -> list[LogRow]:
        return [r for r in self._rows if r.status == "keep"]

    def incumbent(self) -> LogRow:
        """The current best state: the last kept row."""
        kept = self.kept()
        if not kept:
            raise ValueError("the log has no kept row (run the baseline first)")
        return kept[-1]

    # -- results.tsv
    def to_tsv(self, digits: int = 6) -> str:
        """The upstream five-column TSV; crashes are written as ``0.000000`` and ``0.0``."""
        digits = check_int(digits, "digits", minimum=1)
        out = io.StringIO()
        out.write("\t".join(self.HEADER) + "\n")
        for r in self._rows:
            crashed = r.status == "crash" or not np.isfinite(r.val_bpb)
            val = 0.0 if crashed else r.val_bpb
            mem = 0.0 if crashed else r.memory_gb
            desc = r.description.replace("\t", " ").replace("\n", " ")
            out.write(f"{r.commit}\t{val:.{digits}f}\t{mem:.1f}\t{r.status}\t{desc}\n")
        return out.getvalue()

    @classmethod
    def from_tsv(cls, text: str) -> "ResultsLog":
        """Read a ``results.tsv`` (crash rows get NaN metrics; configurations are unknown)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if not lines or tuple(lines[0].split("\t")) != cls.HEADER:
            raise ValueError(f"text must start with the header {chr(9).join(cls.HEADER)!r}")
        log = cls()
        parent = None
        for i, ln in enumerate(lines[1:]):
            parts = ln.split("\t")
            if len(parts) != 5:
                raise ValueError(f"line {i + 2} has {len(parts)} fields, expected 5")
            commit, val, mem, status, desc = parts
            status = status.strip().lower()
            crashed = status == "crash"
            log.append(LogRow(i, commit, parent, math.nan if crashed else float(val),
                              math.nan if crashed else float(mem), status, desc, round=i))
            if status == "keep":
                parent = commit
        return log

    def write_tsv(self, path: Any, digits: int = 6) -> None:
        """Write :meth:`to_tsv` to ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_tsv(digits))

    @classmethod
    def read_tsv(cls, path: Any) -> "ResultsLog":
        """Read a ``results.tsv`` file."""
        with open(path, encoding="utf-8") as fh:
            return cls.from_tsv(fh.read())


def _commit_id(parent: str | None, description: str, index: int) -> str:
    return hashlib.sha1(f"{parent}|{description}|{index}".encode()).hexdigest()[:7]


# ----------------------------------------------------------------------------- the loop
def _ratchet(
    evaluator: Any,
    config0: ToyConfig,
    n_rounds: int,
    n_workers: int,
    rng: Any,
    *,
    eps: float,
    K: int,
    propose: Callable[..., Edit],
    checks: Callable[[ToyConfig, Measurement], bool] | None,
    fixed_seed: bool,
) -> ResultsLog:
    rng = check_rng(rng)
    eps = check_positive(eps, "eps", strict=False)
    K = check_int(K, "K", minimum=1)
    if not isinstance(config0, ToyConfig):
        raise TypeError(f"config0 must be a ToyConfig, got {type(config0).__name__}")
    log = ResultsLog()
    base = measure(evaluator, config0, K, rng, fixed_seed=fixed_seed)
    if base.status != "ok":
        raise ValueError(f"the baseline crashed ({base.message}): fix config0 before starting the loop")
    commit = _commit_id(None, "baseline", 0)
    log.append(LogRow(0, commit, None, base.val_bpb, base.memory_gb, "keep", "baseline", config0, None, 0, 0,
                      base.test_bpb, base.val_sd, base.seconds))
    best_cfg, best_val, best_commit = config0, base.val_bpb, commit
    for rnd in range(1, n_rounds + 1):
        claimed: list[tuple[str, Any]] = []
        trials = []
        for w in range(n_workers):
            edit = propose(best_cfg, log, rng, exclude=tuple(claimed))
            claimed.append(edit.key)
            cand = edit.apply(best_cfg)
            trials.append((w, edit, cand, measure(evaluator, cand, K, rng, fixed_seed=fixed_seed)))
        winner = None
        for w, edit, cand, m in trials:
            if m.status != "ok" or not (m.val_bpb < best_val - eps):
                continue
            if checks is not None and not checks(cand, m):
                continue
            if winner is None or m.val_bpb < winner[3].val_bpb:
                winner = (w, edit, cand, m)
        for w, edit, cand, m in trials:
            status = "crash" if m.status != "ok" else ("keep" if winner is not None and w == winner[0] else "discard")
            desc = edit.description + (f" ({m.message})" if status == "crash" and m.message else "")
            idx = len(log)
            log.append(LogRow(idx, _commit_id(best_commit, desc, idx), best_commit, m.val_bpb, m.memory_gb, status,
                              desc, cand, edit, rnd, w, m.test_bpb, m.val_sd, m.seconds))
        if winner is not None:
            kept_row = [r for r in list(log)[-n_workers:] if r.status == "keep"][0]
            best_cfg, best_val, best_commit = winner[2], winner[3].val_bpb, kept_row.commit
    return log


def ratchet_loop(
    evaluator: Any,
    config0: ToyConfig,
    n_experiments: int,
    rng: Any,
    *,
    eps: float = 0.0,
    K: int = 1,
    propose: Callable[..., Edit] = propose_edit,
    checks: Callable[[ToyConfig, Measurement], bool] | None = None,
    fixed_seed: bool = False,
) -> ResultsLog:
    """Run the sequential keep-or-revert loop for ``n_experiments`` experiments.

    The first experiment is the unmodified baseline (logged as ``keep``); each of the
    other ``n_experiments - 1`` proposes one edit of the incumbent, measures it ``K``
    times and keeps it only if its mean ``val_bpb`` is *strictly* below the
    incumbent's recorded value minus ``eps`` and ``checks(candidate, measurement)``
    (if given) is true. A crash is logged and reverted.

    Parameters
    ----------
    evaluator : object with ``evaluate(config, run_seed) -> RunResult``
        The frozen evaluator.
    config0 : ToyConfig
        The starting code.
    n_experiments : int >= 1
        Rows in the log, baseline included.
    rng : numpy.random.Generator or int
        Drives the proposals and the run seeds.
    eps : float >= 0
        Acceptance margin :math:`\\varepsilon`.
    K : int >= 1
        Runs averaged per measurement.
    propose : callable
        ``propose(config, log, rng, exclude=...) -> Edit`` (default :func:`propose_edit`).
    checks : callable, optional
        Policy checks on an improving candidate.
    fixed_seed : bool
        Use run seed 0 for every run (a noise-free evaluator stays noise-free).

    Returns
    -------
    ResultsLog
    """
    n_experiments = check_int(n_experiments, "n_experiments", minimum=1)
    return _ratchet(evaluator, config0, n_experiments - 1, 1, rng, eps=eps, K=K, propose=propose,
                    checks=checks, fixed_seed=fixed_seed)


def parallel_ratchet(
    evaluator: Any,
    config0: ToyConfig,
    n_rounds: int,
    n_workers: int,
    rng: Any,
    *,
    eps: float = 0.0,
    K: int = 1,
    propose: Callable[..., Edit] = propose_edit,
    checks: Callable[[ToyConfig, Measurement], bool] | None = None,
    fixed_seed: bool = False,
) -> ResultsLog:
    """The loop with ``n_workers`` parallel workers, in synchronous rounds (waves).

    In each round every worker claims a different edit of the same incumbent (no two
    workers run the same experiment), all run at once, and the best candidate that
    beats the incumbent by more than ``eps`` (and passes ``checks``) is kept; the
    others are discarded. With ``n_workers=1`` this is :func:`ratchet_loop` with
    ``n_rounds + 1`` experiments. Rows carry their ``round`` and ``worker``.
    """
    n_rounds = check_int(n_rounds, "n_rounds", minimum=0)
    n_workers = check_int(n_workers, "n_workers", minimum=1)
    return _ratchet(evaluator, config0, n_rounds, n_workers, rng, eps=eps, K=K, propose=propose,
                    checks=checks, fixed_seed=fixed_seed)


# ----------------------------------------------------------------------------- summaries
def running_best(log: ResultsLog) -> np.ndarray:
    """The incumbent's recorded ``val_bpb`` after each row (the "frontier" of the progress plot)."""
    out = np.empty(len(log))
    cur = math.nan
    for i, r in enumerate(log):
        if r.status == "keep":
            cur = r.val_bpb if math.isnan(cur) else min(cur, r.val_bpb)
        out[i] = cur
    return out


def keep_rate(log: ResultsLog, *, include_crashes: bool = False) -> float:
    """Kept rows over decided rows (kept + discarded), as the upstream ``analysis.ipynb`` computes it.

    With ``include_crashes=True`` the denominator is every row.
    """
    c = log.counts()
    denom = len(log) if include_crashes else c["keep"] + c["discard"]
    if denom == 0:
        raise ValueError("the log has no decided rows")
    return c["keep"] / denom


@dataclass(frozen=True)
class Replication:
    """Claimed versus re-measured gains of the kept edits of a log."""

    rows: tuple[int, ...]
    descriptions: tuple[str, ...]
    claimed: np.ndarray
    replicated: np.ndarray
    stderr: np.ndarray
    heldout: np.ndarray


def replicate_gains(evaluator: Any, log: ResultsLog, n_seeds: int, rng: Any) -> Replication:
    """Re-measure every kept edit against its parent with ``n_seeds`` fresh run seeds.

    For kept row ``i`` with parent ``p``, the *claimed* gain is
    ``val_bpb[p] - val_bpb[i]`` as recorded in the log; the *replicated* gain is the
    mean over the fresh seeds of ``J(parent; s) - J(child; s)`` (the same seeds for
    both, a paired comparison), with its standard error. ``heldout`` is the gain on
    the held-out test shard as recorded in the log. This is the "external
    confirmation" step that a noisy loop needs before trusting a late improvement.
    """
    n_seeds = check_int(n_seeds, "n_seeds", minimum=2)
    rng = check_rng(rng)
    by_commit = {r.commit: r for r in log}
    idx, desc, claimed, rep, se, held = [], [], [], [], [], []
    for r in log.kept():
        if r.parent is None:
            continue
        p = by_commit[r.parent]
        if r.config is None or p.config is None:
            raise ValueError("replicate_gains needs a log with configurations (from ratchet_loop)")
        seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=n_seeds)]
        diffs = []
        for s in seeds:
            a = evaluator.evaluate(p.config, s)
            b = evaluator.evaluate(r.config, s)
            if a.ok and b.ok:
                diffs.append(a.val_bpb - b.val_bpb)
        d = np.array(diffs)
        idx.append(r.index)
        desc.append(r.description)
        claimed.append(p.val_bpb - r.val_bpb)
        rep.append(d.mean() if len(d) else math.nan)
        se.append(d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan)
        held.append(p.test_bpb - r.test_bpb)
    return Replication(tuple(idx), tuple(desc), np.array(claimed), np.array(rep), np.array(se), np.array(held))
