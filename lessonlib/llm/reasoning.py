"""Inference-time compute on toy numbers: best-of-n, pass@k and majority voting."""
from __future__ import annotations

import math
from typing import Any

from .._validate import check_in_range, check_int

__all__ = ["best_of_n_success", "pass_at_k", "majority_vote_accuracy"]


def best_of_n_success(p: float, n: int) -> float:
    """Probability that at least one of ``n`` independent samples is correct, ``1 - (1-p)^n``.

    This is what a perfect verifier (a checker that recognises a correct answer) gets
    from sampling ``n`` times.
    """
    p = check_in_range(p, "p", 0.0, 1.0)
    n = check_int(n, "n", minimum=1)
    return 1.0 - (1.0 - p) ** n


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimate from ``n`` samples of which ``c`` are correct: ``1 - C(n-c, k) / C(n, k)``."""
    n = check_int(n, "n", minimum=1)
    c = check_int(c, "c", minimum=0)
    k = check_int(k, "k", minimum=1)
    if c > n or k > n:
        raise ValueError(f"need c <= n and k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def majority_vote_accuracy(p: float, n: int) -> float:
    """Probability that a strict majority of ``n`` independent yes/no answers is correct.

    Each answer is correct with probability ``p``; with even ``n`` a tie is broken by a
    fair coin. Answers to open questions split their wrong votes over many wrong
    answers, so this two-answer case is the pessimistic bound for self-consistency.
    """
    p = check_in_range(p, "p", 0.0, 1.0)
    n = check_int(n, "n", minimum=1)
    total = 0.0
    for j in range(n + 1):
        pj = math.comb(n, j) * p**j * (1 - p) ** (n - j)
        if 2 * j > n:
            total += pj
        elif 2 * j == n:
            total += 0.5 * pj
    return total
