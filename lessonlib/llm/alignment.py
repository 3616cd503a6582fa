"""Alignment maths on toy numbers: Bradley-Terry preferences, KL-regularised RLHF, PPO's clip, DPO."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_in_range, check_positive

__all__ = [
    "log_sigmoid",
    "bradley_terry_prob",
    "reward_model_loss",
    "kl_divergence",
    "kl_regularized_objective",
    "optimal_kl_policy",
    "ppo_clip_objective",
    "dpo_implicit_rewards",
    "dpo_loss",
]


def log_sigmoid(x: Any) -> Any:
    """``log σ(x) = -log(1 + e^-x)``, computed without overflow."""
    x = as_float_array(x, "x")
    out = -np.logaddexp(0.0, -x)
    return float(out) if out.ndim == 0 else out


def bradley_terry_prob(r_chosen: Any, r_rejected: Any) -> Any:
    """``P(chosen preferred) = σ(r_chosen - r_rejected)`` (Bradley and Terry, 1952)."""
    d = as_float_array(r_chosen, "r_chosen") - as_float_array(r_rejected, "r_rejected")
    out = np.exp(-np.logaddexp(0.0, -d))
    return float(out) if out.ndim == 0 else out


def reward_model_loss(r_chosen: Any, r_rejected: Any) -> float:
    """Mean negative log-likelihood ``-log σ(r_w - r_l)`` of the human choices."""
    d = as_float_array(r_chosen, "r_chosen") - as_float_array(r_rejected, "r_rejected")
    return float(np.mean(-log_sigmoid(d)))


def kl_divergence(p: Any, q: Any) -> float:
    """``KL(p || q) = sum p log(p/q)`` in nats (``0 log 0 = 0``; infinite if p puts mass where q has none)."""
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    mask = p > 0
    if np.any(q[mask] <= 0):
        return float("inf")
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def kl_regularized_objective(policy: Any, reference: Any, rewards: Any, beta: float) -> float:
    """RLHF objective over a finite set of responses: ``E_pi[r] - beta KL(pi || pi_ref)``."""
    pi = as_float_array(policy, "policy", ndim=1)
    r = as_float_array(rewards, "rewards", ndim=1)
    beta = check_positive(beta, "beta", strict=False)
    if r.shape != pi.shape:
        raise ValueError("rewards must have one entry per response")
    return float(pi @ r - beta * kl_divergence(pi, reference))


def optimal_kl_policy(reference: Any, rewards: Any, beta: float) -> np.ndarray:
    """Maximiser of :func:`kl_regularized_objective`: ``pi*(y) ∝ pi_ref(y) exp(r(y) / beta)``."""
    ref = as_float_array(reference, "reference", ndim=1)
    r = as_float_array(rewards, "rewards", ndim=1)
    beta = check_positive(beta, "beta")
    if r.shape != ref.shape:
        raise ValueError("rewards must have one entry per response")
    with np.errstate(divide="ignore"):
        logits = np.log(ref) + r / beta
    m = np.max(logits)
    w = np.exp(logits - m)
    return w / w.sum()


def ppo_clip_objective(ratio: Any, advantage: Any, eps: float = 0.2) -> Any:
    """PPO's clipped surrogate ``min(rho A, clip(rho, 1-eps, 1+eps) A)`` per sample (Schulman et al., 2017)."""
    rho = as_float_array(ratio, "ratio")
    A = as_float_array(advantage, "advantage")
    eps = check_in_range(eps, "eps", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if np.any(rho < 0):
        raise ValueError("ratio must be non-negative")
    out = np.minimum(rho * A, np.clip(rho, 1 - eps, 1 + eps) * A)
    return float(out) if out.ndim == 0 else out


def dpo_implicit_rewards(
    logp_chosen: Any, logp_rejected: Any, ref_logp_chosen: Any, ref_logp_rejected: Any, beta: float
) -> tuple[Any, Any]:
    """DPO's implicit rewards ``beta log(pi/pi_ref)`` of the chosen and the rejected response."""
    beta = check_positive(beta, "beta")
    rw = beta * (as_float_array(logp_chosen, "logp_chosen") - as_float_array(ref_logp_chosen, "ref_logp_chosen"))
    rl = beta * (as_float_array(logp_rejected, "logp_rejected") - as_float_array(ref_logp_rejected, "ref_logp_rejected"))
    cast = lambda a: float(a) if a.ndim == 0 else a  # noqa: E731
    return cast(rw), cast(rl)


def dpo_loss(
    logp_chosen: Any, logp_rejected: Any, ref_logp_chosen: Any, ref_logp_rejected: Any, beta: float = 0.1
) -> float:
    """Direct Preference Optimization loss (Rafailov et al., 2023), averaged over pairs.

    ``-log σ(beta [(log pi(y_w) - log pi_ref(y_w)) - (log pi(y_l) - log pi_ref(y_l))])``,
    where the log-probabilities are of whole responses (sums over their tokens).
    """
    rw, rl = dpo_implicit_rewards(logp_chosen, logp_rejected, ref_logp_chosen, ref_logp_rejected, beta)
    return float(np.mean(-log_sigmoid(np.asarray(rw) - np.asarray(rl))))
