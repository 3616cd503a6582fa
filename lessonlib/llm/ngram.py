"""Count-based language models: bigrams, n-grams, log-likelihood, cross-entropy, perplexity.

Sequences are lists of integer token IDs in ``0 .. V-1``. A sequence is expected to
start with a beginning-of-sequence token (and usually end with an end token), so the
first real token is predicted from ``<s>`` like every other token is predicted from
its predecessor.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

import numpy as np

from .._validate import as_float_array, check_int, check_positive

__all__ = [
    "bigram_counts",
    "bigram_model",
    "ngram_counts",
    "ngram_prob",
    "sequence_log_probs",
    "sequence_log_likelihood",
    "cross_entropy",
    "perplexity",
]


def _check_sequences(sequences: Iterable[Sequence[int]], V: int | None = None) -> list[list[int]]:
    out = []
    for k, s in enumerate(sequences):
        seq = [int(t) for t in s]
        if V is not None and any(t < 0 or t >= V for t in seq):
            raise ValueError(f"sequences[{k}] has token IDs outside [0, {V - 1}]")
        out.append(seq)
    return out


def bigram_counts(sequences: Iterable[Sequence[int]], V: int) -> np.ndarray:
    """Matrix ``C`` (V × V) with ``C[a, b]`` = number of times token ``b`` follows ``a``."""
    V = check_int(V, "V", minimum=1)
    C = np.zeros((V, V))
    for seq in _check_sequences(sequences, V):
        for a, b in zip(seq, seq[1:]):
            C[a, b] += 1
    return C


def bigram_model(counts: Any, alpha: float = 0.0) -> np.ndarray:
    """Row-stochastic transition matrix ``P[a, b] = p(b | a)`` from bigram counts.

    Parameters
    ----------
    counts : array_like
        V × V count matrix (:func:`bigram_counts`).
    alpha : float
        Add-alpha (Laplace for 1) smoothing. With 0 this is the maximum-likelihood
        estimate; a context never seen gets the uniform distribution.
    """
    C = as_float_array(counts, "counts", ndim=2)
    if C.shape[0] != C.shape[1]:
        raise ValueError(f"counts must be square, got shape {C.shape}")
    if np.any(C < 0):
        raise ValueError("counts must be non-negative")
    alpha = check_positive(alpha, "alpha", strict=False)
    S = C + alpha
    tot = S.sum(axis=1, keepdims=True)
    V = C.shape[1]
    return np.where(tot > 0, S / np.where(tot > 0, tot, 1.0), 1.0 / V)


def ngram_counts(sequences: Iterable[Sequence[int]], n: int) -> dict[tuple[int, ...], Counter]:
    """Counts of next tokens after every context of ``n - 1`` tokens."""
    n = check_int(n, "n", minimum=1)
    table: dict[tuple[int, ...], Counter] = defaultdict(Counter)
    for seq in _check_sequences(sequences):
        for t in range(n - 1, len(seq)):
            table[tuple(seq[t - n + 1 : t])][seq[t]] += 1
    return dict(table)


def ngram_prob(table: dict[tuple[int, ...], Counter], context: Sequence[int], token: int, V: int, alpha: float = 0.0) -> float:
    """``p(token | context)`` from :func:`ngram_counts` with add-alpha smoothing.

    An unseen context gives ``1 / V`` (nothing is known about what follows it).
    """
    V = check_int(V, "V", minimum=1)
    alpha = check_positive(alpha, "alpha", strict=False)
    c = table.get(tuple(int(t) for t in context))
    total = (sum(c.values()) if c else 0) + alpha * V
    if total == 0:
        return 1.0 / V
    return ((c[int(token)] if c else 0) + alpha) / total


def sequence_log_probs(P: Any, ids: Sequence[int]) -> np.ndarray:
    """Natural-log probabilities ``log p(x_t | x_{t-1})`` for ``t = 1 .. T-1`` under a bigram model."""
    P = as_float_array(P, "P", ndim=2)
    seq = _check_sequences([ids], P.shape[0])[0]
    if len(seq) < 2:
        raise ValueError("ids must contain at least two tokens (a start token and one more)")
    with np.errstate(divide="ignore"):
        return np.log(P[seq[:-1], seq[1:]])


def sequence_log_likelihood(P: Any, ids: Sequence[int]) -> float:
    """``log p(x_1 .. x_T | x_0)``: the chain rule turns the product into a sum of logs."""
    return float(np.sum(sequence_log_probs(P, ids)))


def cross_entropy(log_probs: Any) -> float:
    """Average negative log-probability per token (in nats)."""
    lp = as_float_array(log_probs, "log_probs")
    if lp.size == 0:
        raise ValueError("log_probs must not be empty")
    return float(-np.mean(lp))


def perplexity(loglik: float, n_tokens: int) -> float:
    """``exp(-loglik / n_tokens)``: the effective number of equally likely choices per token."""
    n_tokens = check_int(n_tokens, "n_tokens", minimum=1)
    if isinstance(loglik, bool) or not isinstance(loglik, (int, float, np.floating, np.integer)):
        raise TypeError(f"loglik must be a real number, got {type(loglik).__name__}")
    return math.exp(-float(loglik) / n_tokens)
