"""The DDPM forward (noising) process (Ho, Jain & Abbeel 2020) on toy data (chapter 1.3).

A variance schedule ``β_1, ..., β_T`` defines the Markov chain

.. math:: q(x_t \\mid x_{t-1}) = \\mathcal N\\big(x_t; \\sqrt{1-\\beta_t}\\,x_{t-1}, \\beta_t I\\big),

and with ``α_t = 1 - β_t``, ``ᾱ_t = α_1 ⋯ α_t`` its ``t``-step marginal is

.. math:: q(x_t \\mid x_0) = \\mathcal N\\big(x_t; \\sqrt{\\bar\\alpha_t}\\,x_0, (1-\\bar\\alpha_t) I\\big),

so ``x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε`` in one draw (:func:`q_sample`).
Timesteps are 1-based as in the paper; ``t = 0`` means clean data (``ᾱ_0 = 1``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._validate import as_float_array, check_choice, check_finite, check_in_range, check_int, check_positive, check_rng
from .probability import MCEstimate, monte_carlo_mean

__all__ = [
    "beta_schedule",
    "alpha_bar",
    "q_sample",
    "forward_chain",
    "toy_data_2d",
    "denoising_loss",
]


def beta_schedule(
    T: int,
    kind: str = "linear",
    *,
    beta_start: float = 1e-4,
    beta_end: float = 0.02,
    s: float = 0.008,
) -> np.ndarray:
    """Noise schedule ``β_1..β_T``.

    ``"linear"``: evenly spaced from ``beta_start`` to ``beta_end`` (Ho et al. 2020:
    ``T = 1000``, ``1e-4`` to ``0.02``). ``"cosine"``: Nichol & Dhariwal (2021),
    ``ᾱ_t = f(t)/f(0)`` with ``f(t) = cos²(π/2 · (t/T + s)/(1 + s))`` and
    ``β_t = 1 - ᾱ_t/ᾱ_{t-1}`` clipped at 0.999.
    """
    T = check_int(T, "T", minimum=1)
    kind = check_choice(kind, "kind", ("linear", "cosine"))
    if kind == "linear":
        b0 = check_in_range(beta_start, "beta_start", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        b1 = check_in_range(beta_end, "beta_end", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        return np.linspace(b0, b1, T)
    s = check_positive(s, "s")
    t = np.arange(T + 1) / T
    f = np.cos(0.5 * np.pi * (t + s) / (1.0 + s)) ** 2
    ab = f / f[0]
    return np.clip(1.0 - ab[1:] / ab[:-1], 0.0, 0.999)


def alpha_bar(betas: Any) -> np.ndarray:
    """Cumulative products ``ᾱ_t = Π_{s ≤ t} (1 - β_s)``, ``t = 1..T``."""
    b = check_finite(as_float_array(betas, "betas", ndim=1), "betas")
    if b.size == 0 or np.any(b <= 0) or np.any(b >= 1):
        raise ValueError("betas must be a non-empty sequence of values in (0, 1)")
    return np.cumprod(1.0 - b)


def _abar_at(t: Any, alpha_bars: np.ndarray) -> np.ndarray:
    t = np.asarray(t)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError("t must be an integer timestep or an integer array")
    if np.any(t < 0) or np.any(t > alpha_bars.size):
        raise ValueError(f"t must lie in 0..{alpha_bars.size}")
    full = np.concatenate([[1.0], alpha_bars])
    return full[t]


def q_sample(
    x0: Any, t: Any, alpha_bars: Any, rng: Any = None, *, eps: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``x_t ~ q(x_t | x_0)`` in closed form: ``sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε``.

    Parameters
    ----------
    x0 : array_like, shape (n, ...) or (...)
        Clean data (a batch along axis 0 when ``t`` is an array).
    t : int or array of int, shape (n,)
        Timesteps in ``0..T``; one per sample for a batch.
    alpha_bars : array_like, shape (T,)
        From :func:`alpha_bar`.
    rng : numpy.random.Generator or int, optional
        Draws ``ε ~ N(0, I)`` unless ``eps`` is given.
    eps : array_like, optional
        The noise to use (shape of ``x0``).

    Returns
    -------
    x_t, eps : numpy.ndarray
        The noisy sample and the noise that made it (the regression target of DDPM
        training).
    """
    x0 = check_finite(as_float_array(x0, "x0"), "x0")
    ab = check_finite(as_float_array(alpha_bars, "alpha_bars", ndim=1), "alpha_bars")
    a = _abar_at(t, ab)
    if a.ndim == 1:
        if x0.ndim == 0 or a.shape[0] != x0.shape[0]:
            raise ValueError("an array t needs one timestep per row of x0")
        a = a.reshape((-1,) + (1,) * (x0.ndim - 1))
    if eps is None:
        if rng is None:
            raise TypeError("pass rng (a Generator or an int seed) or eps")
        eps = check_rng(rng).standard_normal(x0.shape)
    else:
        eps = check_finite(as_float_array(eps, "eps"), "eps")
        if eps.shape != x0.shape:
            raise ValueError(f"eps must have the shape of x0 {x0.shape}, got {eps.shape}")
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps, eps


def forward_chain(x0: Any, betas: Any, t: int, rng: Any, *, snapshots: tuple[int, ...] = ()) -> tuple[np.ndarray, dict]:
    """Run the noising chain step by step: ``x_s = sqrt(1-β_s) x_{s-1} + sqrt(β_s) ε_s`` for ``s = 1..t``.

    Costs ``t`` draws where :func:`q_sample` needs one; it exists to check the closed
    form and to show the chain itself.

    Returns
    -------
    x_t : numpy.ndarray
    snaps : dict
        ``{s: x_s}`` for the requested ``snapshots``.
    """
    x = check_finite(as_float_array(x0, "x0"), "x0").copy()
    b = check_finite(as_float_array(betas, "betas", ndim=1), "betas")
    t = check_int(t, "t", minimum=0)
    if t > b.size:
        raise ValueError(f"t must be <= T={b.size}")
    rng = check_rng(rng)
    wanted = set(int(s) for s in snapshots)
    snaps = {0: x.copy()} if 0 in wanted else {}
    for s in range(1, t + 1):
        x = np.sqrt(1.0 - b[s - 1]) * x + np.sqrt(b[s - 1]) * rng.standard_normal(x.shape)
        if s in wanted:
            snaps[s] = x.copy()
    return x, snaps


def toy_data_2d(n: int, rng: Any, kind: str = "moons", *, noise: float = 0.05) -> np.ndarray:
    """A small 2-D data set, scaled to roughly ``[-1, 1]²``.

    ``"moons"``: two interleaved half circles; ``"ring"``: eight small Gaussian blobs on
    the unit circle. ``noise`` is the standard deviation of the Gaussian jitter.
    """
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    kind = check_choice(kind, "kind", ("moons", "ring"))
    noise = check_positive(noise, "noise", strict=False)
    if kind == "moons":
        upper = rng.random(n) < 0.5
        th = np.pi * rng.random(n)
        x = np.where(upper, np.cos(th), 1.0 - np.cos(th))
        y = np.where(upper, np.sin(th), 0.5 - np.sin(th))
        pts = np.column_stack([x - 0.5, y - 0.25]) / 1.25
    else:
        k = rng.integers(0, 8, n)
        ang = 2.0 * np.pi * k / 8.0
        pts = np.column_stack([np.cos(ang), np.sin(ang)])
    return pts + noise * rng.standard_normal((n, 2))


def denoising_loss(
    eps_model: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x0: Any,
    alpha_bars: Any,
    rng: Any,
) -> MCEstimate:
    """Monte Carlo estimate of the ε-prediction loss ``E ||ε - ε_θ(x_t, t)||²``.

    One uniform timestep ``t ∈ {1..T}`` and one ``ε`` per data point; returns the mean
    squared error with its standard error. ``eps_model(x_t, t)`` receives the batch
    ``(n, d)`` and the integer timesteps ``(n,)``.
    """
    x0 = check_finite(as_float_array(x0, "x0", ndim=2), "x0")
    ab = check_finite(as_float_array(alpha_bars, "alpha_bars", ndim=1), "alpha_bars")
    rng = check_rng(rng)
    t = rng.integers(1, ab.size + 1, x0.shape[0])
    xt, eps = q_sample(x0, t, ab, rng)
    pred = np.asarray(eps_model(xt, t), dtype=float)
    if pred.shape != eps.shape:
        raise ValueError(f"eps_model must return shape {eps.shape}, got {pred.shape}")
    return monte_carlo_mean(np.sum((eps - pred) ** 2, axis=1))
