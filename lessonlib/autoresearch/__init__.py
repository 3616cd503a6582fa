"""The keep-or-revert experiment loop of *autoresearch*, simulated end to end (chapter 7.3).

An AI agent edits a training script, a frozen evaluator runs it for a fixed budget and
reports one number, and the edit is kept only if that number improved. This
subpackage makes every part of that loop executable on a laptop:

* :mod:`~lessonlib.autoresearch.metric`: ``val_bpb`` from token losses and byte lengths;
* :mod:`~lessonlib.autoresearch.evaluator`: the frozen evaluator (a tiny language model
  trained with AdamW in NumPy/numba on a fixed compute budget, with real seed noise)
  and a stand-in with a known true metric;
* :mod:`~lessonlib.autoresearch.loop`: the proposal distribution over edits, the
  ratchet with margin ``eps`` and ``K`` repeats, parallel workers, the ``results.tsv``
  log, running best, keep rate and replication of kept gains;
* :mod:`~lessonlib.autoresearch.stats`: false-positive rates (closed form and Monte
  Carlo), the pure-noise loop, wall-clock models, throughput;
* :mod:`~lessonlib.autoresearch.harness`: a subprocess evaluator with timeout and
  metric parsing.

Everything random takes an explicit ``rng`` (a ``numpy.random.Generator`` or an int
seed); the same seed gives the same session.
"""
from __future__ import annotations

from .evaluator import (
    BASELINE,
    BOS,
    GRIDS,
    NoisyLandscape,
    RunResult,
    TokenCorpus,
    ToyConfig,
    ToyTrainingEvaluator,
    bowl_metric,
    make_corpus,
)
from .harness import EvalResult, parse_metric, run_candidate, toy_train_script
from .loop import (
    Edit,
    LogRow,
    Measurement,
    Replication,
    ResultsLog,
    keep_rate,
    measure,
    neighbour_edits,
    parallel_ratchet,
    propose_edit,
    ratchet_loop,
    replicate_gains,
    running_best,
)
from .metric import nats_to_bits, val_bpb
from .stats import (
    acceptance_probability,
    expected_noise_keeps,
    experiments_per_hour,
    false_positive_rate,
    measure_noise,
    relative_improvement,
    round_finish_times,
    simulate_false_positive_rate,
    simulate_null_ratchet,
    wallclock_parallel,
    wallclock_sequential,
)

__all__ = [
    # metric
    "val_bpb",
    "nats_to_bits",
    # evaluator
    "BOS",
    "GRIDS",
    "ToyConfig",
    "BASELINE",
    "TokenCorpus",
    "make_corpus",
    "RunResult",
    "ToyTrainingEvaluator",
    "NoisyLandscape",
    "bowl_metric",
    # loop
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
    "Replication",
    "replicate_gains",
    # stats
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
    # harness
    "EvalResult",
    "run_candidate",
    "parse_metric",
    "toy_train_script",
]
