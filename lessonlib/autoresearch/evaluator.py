"""A frozen evaluator for the toy autoresearch loop: a tiny language model trained in NumPy.

The real ``prepare.py`` pins the data, the tokenizer, the metric and a five-minute
training budget; the agent may only edit ``train.py``. This module plays both parts
on a laptop scale:

* :func:`make_corpus` builds the frozen data: a token stream from a Markov chain over
  a small vocabulary whose tokens stand for 1 to 6 bytes, with token 0 a zero-byte
  beginning-of-document marker, split into a training stream, a pinned validation
  shard and a held-out test shard that the loop never looks at.
* :class:`ToyConfig` is the editable "``train.py``": batch size, width, two learning
  rates, warm-up and warm-down fractions, weight decay, initialisation scale and seed,
  each on a grid of allowed values.
* :class:`ToyTrainingEvaluator` trains a bigram model ``logits = E[x] W + b`` with
  AdamW for a fixed *compute* budget (a larger batch or a wider model means fewer
  steps, just as a fixed wall-clock budget does on a GPU) and scores it with
  :func:`~lessonlib.autoresearch.metric.val_bpb` on the validation shard. Its noise is
  real: the run seed changes the initialisation and the order of the minibatches.
* :class:`NoisyLandscape` is a stand-in evaluator with a *known* true metric plus
  Gaussian noise, for tests and for studies that need the ground truth.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._validate import check_int, check_positive
from . import _kernels
from .metric import val_bpb

__all__ = [
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
]

#: Token id of the zero-byte beginning-of-document marker.
BOS = 0

#: Allowed values of each editable hyperparameter (an edit moves one grid step).
GRIDS: dict[str, tuple[Any, ...]] = {
    "batch_size": (8, 16, 32, 64, 128, 256, 512),
    "width": (2, 3, 4, 6, 8, 12, 16),
    "embedding_lr": (0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64),
    "unembedding_lr": (0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64),
    "warmup_ratio": (0.0, 0.05, 0.1, 0.2, 0.3),
    "warmdown_ratio": (0.0, 0.25, 0.5, 0.75, 1.0),
    "weight_decay": (0.0, 0.001, 0.01, 0.1, 1.0),
    "init_scale": (0.125, 0.25, 0.5, 1.0, 2.0, 4.0),
}


@dataclass(frozen=True)
class ToyConfig:
    """The editable surface of the toy experiment (the toy's ``train.py``).

    Every field except ``seed`` must take one of the values in :data:`GRIDS`.
    """

    batch_size: int = 128
    width: int = 4
    embedding_lr: float = 0.01
    unembedding_lr: float = 0.01
    warmup_ratio: float = 0.0
    warmdown_ratio: float = 0.25
    weight_decay: float = 0.0
    init_scale: float = 1.0
    seed: int = 42

    def __post_init__(self) -> None:
        for name, grid in GRIDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or value not in grid:
                raise ValueError(f"{name} must be one of {grid}, got {value!r}")
        check_int(self.seed, "seed", minimum=0)

    def index(self, name: str) -> int:
        """Position of field ``name`` on its grid."""
        return GRIDS[name].index(getattr(self, name))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def as_source(self) -> str:
        """The configuration written the way ``train.py`` spells its constants."""
        return "\n".join(f"{k.upper()} = {v!r}" for k, v in self.as_dict().items())


#: The unmodified starting point of every toy session.
BASELINE = ToyConfig()


@dataclass(frozen=True)
class TokenCorpus:
    """Frozen data of the toy: token streams, byte lengths and the true chain."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    token_bytes: np.ndarray
    transition: np.ndarray

    @property
    def vocab_size(self) -> int:
        return int(self.token_bytes.shape[0])


def _true_transition(vocab_size: int, rank: int, mean_doc_len: float, rng: np.random.Generator) -> np.ndarray:
    V = vocab_size
    U = rng.normal(size=(V, rank))
    Wt = rng.normal(size=(rank, V))
    logits = 1.1 * (U @ Wt) / math.sqrt(rank) + 0.8 * rng.normal(size=V)
    logits[:, BOS] = -np.inf
    Q = np.exp(logits - logits.max(axis=1, keepdims=True))
    Q /= Q.sum(axis=1, keepdims=True)
    p_end = 1.0 / mean_doc_len
    P = (1.0 - p_end) * Q
    P[:, BOS] = p_end
    P[BOS] = Q[BOS]  # a document never ends right after it starts
    return P


@functools.lru_cache(maxsize=8)
def _cached_corpus(vocab_size: int, rank: int, n_train: int, n_eval: int, mean_doc_len: float, seed: int) -> TokenCorpus:
    rng = np.random.default_rng(seed)
    P = _true_transition(vocab_size, rank, mean_doc_len, rng)
    token_bytes = np.concatenate([[0], rng.integers(1, 7, size=vocab_size - 1)]).astype(np.int64)
    cum = np.cumsum(P, axis=1)
    cum[:, -1] = 1.0
    streams = []
    for n in (n_train, n_eval, n_eval):
        s = _kernels.sample_chain(cum, rng.random(n - 1), BOS)
        s = np.concatenate([[BOS], s]).astype(np.int64)
        s.setflags(write=False)
        streams.append(s)
    token_bytes.setflags(write=False)
    P.setflags(write=False)
    return TokenCorpus(streams[0], streams[1], streams[2], token_bytes, P)


def make_corpus(
    vocab_size: int = 32,
    rank: int = 6,
    n_train: int = 2**17,
    n_eval: int = 2**13,
    mean_doc_len: float = 40.0,
    seed: int = 2026,
) -> TokenCorpus:
    """Build (once; later calls are cached) the frozen token data of the toy.

    The chain's transition matrix has low-rank log-odds (``rank``), so a model needs a
    width of about ``rank`` to capture it; a document ends (the next token is
    :data:`BOS`) with probability ``1 / mean_doc_len`` at every step. Byte lengths of
    the ordinary tokens are drawn uniformly from 1 to 6.

    Returns
    -------
    TokenCorpus
        Read-only arrays: ``train`` (``n_train`` tokens), ``val`` and ``test``
        (``n_eval`` tokens each), ``token_bytes`` and the true ``transition``.
    """
    vocab_size = check_int(vocab_size, "vocab_size", minimum=3)
    rank = check_int(rank, "rank", minimum=1)
    n_train = check_int(n_train, "n_train", minimum=16)
    n_eval = check_int(n_eval, "n_eval", minimum=16)
    mean_doc_len = check_positive(mean_doc_len, "mean_doc_len")
    if mean_doc_len <= 1:
        raise ValueError(f"mean_doc_len must be > 1, got {mean_doc_len}")
    seed = check_int(seed, "seed", minimum=0)
    return _cached_corpus(vocab_size, rank, n_train, n_eval, float(mean_doc_len), seed)


@dataclass(frozen=True)
class RunResult:
    """What one experiment reports (the summary block ``train.py`` prints).

    ``status`` is ``"ok"`` or ``"crash"``; on a crash the metrics are NaN and
    ``message`` says why (``"out of memory"``, ``"loss exploded"``).
    """

    status: str
    val_bpb: float
    test_bpb: float
    memory_gb: float
    num_steps: int
    train_loss: float
    seconds: float
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _log_softmax_rows(logits: np.ndarray) -> np.ndarray:
    m = logits.max(axis=1, keepdims=True)
    z = logits - m
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


class ToyTrainingEvaluator:
    """The frozen evaluator: train the toy model on a fixed budget, report ``val_bpb``.

    Parameters
    ----------
    corpus : TokenCorpus, optional
        Frozen data (default :func:`make_corpus` with its defaults).
    budget : int
        Compute budget per run, in units of ``batch_size * (width + fixed_cost)``
        per step: ``num_steps = budget // (batch_size * (width + fixed_cost))``.
    fixed_cost : int
        Per-token cost that does not grow with width (softmax, data loading).
    memory_limit_gb : float
        Runs whose modelled memory exceeds this crash ("out of memory").
    time_budget_s, startup_s : float
        Modelled wall-clock of a run: the fixed training budget plus start-up and
        evaluation overhead (the upstream defaults are 300 s and about 26 s).
    explode_factor : float
        A run whose final training loss exceeds ``explode_factor * ln(vocab_size)``
        is aborted as "loss exploded" (the upstream ``train.py`` has the same
        fast-fail check).

    Notes
    -----
    ``evaluate(config, run_seed)`` is a pure function of its arguments: the same
    configuration and run seed always give the same numbers. Different run seeds give
    different initialisations and minibatch orders, which is the evaluator's noise.
    """

    def __init__(
        self,
        corpus: TokenCorpus | None = None,
        *,
        budget: int = 2**17,
        fixed_cost: int = 8,
        memory_limit_gb: float = 80.0,
        time_budget_s: float = 300.0,
        startup_s: float = 26.0,
        explode_factor: float = 1.5,
    ) -> None:
        self.corpus = corpus if corpus is not None else make_corpus()
        if not isinstance(self.corpus, TokenCorpus):
            raise TypeError(f"corpus must be a TokenCorpus, got {type(self.corpus).__name__}")
        self.budget = check_int(budget, "budget", minimum=1)
        self.fixed_cost = check_int(fixed_cost, "fixed_cost", minimum=0)
        self.memory_limit_gb = check_positive(memory_limit_gb, "memory_limit_gb")
        self.time_budget_s = check_positive(time_budget_s, "time_budget_s")
        self.startup_s = check_positive(startup_s, "startup_s", strict=False)
        self.explode_factor = check_positive(explode_factor, "explode_factor")

    # -------------------------------------------------------------- cost model
    def num_steps(self, config: ToyConfig) -> int:
        """Optimizer steps that fit in the compute budget (at least 1)."""
        return max(1, self.budget // (config.batch_size * (config.width + self.fixed_cost)))

    def memory_gb(self, config: ToyConfig) -> float:
        """Modelled peak memory: a constant plus activations that grow with batch and width."""
        return 2.0 + config.batch_size * (config.width + self.fixed_cost) / 32.0

    # -------------------------------------------------------------- metric
    def _split_bpb(self, logp: np.ndarray, split: str) -> float:
        s = getattr(self.corpus, split)
        x, y = s[:-1], s[1:]
        return val_bpb(-logp[x, y], self.corpus.token_bytes[y])

    def oracle_bpb(self, split: str = "val") -> float:
        """``val_bpb`` of the true chain on a shard: the floor no model can beat on average."""
        if split not in ("val", "test"):
            raise ValueError(f"split must be 'val' or 'test', got {split!r}")
        with np.errstate(divide="ignore"):
            logp = np.log(self.corpus.transition)
        return self._split_bpb(logp, split)

    # -------------------------------------------------------------- one run
    def evaluate(self, config: ToyConfig, run_seed: int = 0) -> RunResult:
        """Train once with ``config`` and run seed ``run_seed``; return the summary."""
        if not isinstance(config, ToyConfig):
            raise TypeError(f"config must be a ToyConfig, got {type(config).__name__}")
        run_seed = check_int(run_seed, "run_seed", minimum=0)
        mem = self.memory_gb(config)
        if mem > self.memory_limit_gb:
            return RunResult("crash", math.nan, math.nan, 0.0, 0, math.nan, self.startup_s, "out of memory")
        rng = np.random.default_rng([config.seed, run_seed])
        V = self.corpus.vocab_size
        d = config.width
        E = rng.normal(scale=config.init_scale, size=(V, d))
        W = rng.normal(scale=config.init_scale / math.sqrt(d), size=(d, V))
        b = np.zeros(V)
        steps = self.num_steps(config)
        n_pairs = steps * config.batch_size
        train = self.corpus.train
        pos = rng.integers(0, train.shape[0] - 1, size=n_pairs)
        xs = np.ascontiguousarray(train[pos])
        ys = np.ascontiguousarray(train[pos + 1])
        warmup = int(round(config.warmup_ratio * steps))
        warmdown = int(round(config.warmdown_ratio * steps))
        loss = _kernels.train_bigram(
            xs, ys, E, W, b, steps, config.batch_size, config.embedding_lr, config.unembedding_lr,
            config.weight_decay, warmup, warmdown,
        )
        seconds = self.time_budget_s + self.startup_s
        if not np.isfinite(loss) or loss > self.explode_factor * math.log(V):
            return RunResult("crash", math.nan, math.nan, mem, steps, float(loss), seconds, "loss exploded")
        logp = _log_softmax_rows(E @ W + b)
        return RunResult(
            "ok", self._split_bpb(logp, "val"), self._split_bpb(logp, "test"), mem, steps, float(loss), seconds
        )


# ----------------------------------------------------------------------------- stand-in
#: Grid position of the optimum of :func:`bowl_metric` and the curvature per field.
_BOWL_OPT = {"batch_size": 2, "width": 4, "embedding_lr": 6, "unembedding_lr": 5, "warmup_ratio": 1,
             "warmdown_ratio": 3, "weight_decay": 2, "init_scale": 2}
_BOWL_CURV = {"batch_size": 0.004, "width": 0.003, "embedding_lr": 0.002, "unembedding_lr": 0.002,
              "warmup_ratio": 0.001, "warmdown_ratio": 0.002, "weight_decay": 0.001, "init_scale": 0.001}


def bowl_metric(config: ToyConfig) -> float:
    """A known, smooth "true val_bpb" over the grids: ``0.9 + sum_f c_f (i_f - i_f*)^2``.

    ``i_f`` is the grid position of field ``f`` and ``i_f*`` that of the optimum; the
    seed has no effect. Its minimum is 0.9.
    """
    return 0.9 + sum(c * (config.index(f) - _BOWL_OPT[f]) ** 2 for f, c in _BOWL_CURV.items())


class NoisyLandscape:
    """Stand-in evaluator: a known true metric plus N(0, ``noise_sd``²) measurement noise.

    Parameters
    ----------
    true_metric : callable, optional
        ``ToyConfig -> float`` (default :func:`bowl_metric`).
    noise_sd : float
        Standard deviation of the noise of one run (0 makes the evaluator exact).
    crash : callable, optional
        ``ToyConfig -> bool``; configurations for which it is true crash.
    seconds : float
        Modelled wall-clock of one run.
    """

    def __init__(
        self,
        true_metric: Callable[[ToyConfig], float] | None = None,
        noise_sd: float = 0.0,
        *,
        crash: Callable[[ToyConfig], bool] | None = None,
        seconds: float = 326.0,
    ) -> None:
        self._true = true_metric if true_metric is not None else bowl_metric
        if not callable(self._true):
            raise TypeError("true_metric must be callable")
        self.noise_sd = check_positive(noise_sd, "noise_sd", strict=False)
        self._crash = crash
        self.seconds = check_positive(seconds, "seconds")

    def true_metric(self, config: ToyConfig) -> float:
        """The noise-free value of the metric at ``config``."""
        return float(self._true(config))

    def evaluate(self, config: ToyConfig, run_seed: int = 0) -> RunResult:
        """One noisy measurement; the noise is a pure function of ``run_seed``."""
        run_seed = check_int(run_seed, "run_seed", minimum=0)
        if self._crash is not None and self._crash(config):
            return RunResult("crash", math.nan, math.nan, 0.0, 0, math.nan, self.seconds, "crash")
        noise = self.noise_sd * np.random.default_rng(run_seed).standard_normal() if self.noise_sd > 0 else 0.0
        value = self.true_metric(config) + noise
        return RunResult("ok", value, self.true_metric(config), 0.0, 0, math.nan, self.seconds)
