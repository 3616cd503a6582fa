"""Denoising diffusion (DDPM) for forecast windows, with the exact denoiser of a Gaussian target.

Forward (noising) process on a window ``x_0 in R^H``::

    x_k = sqrt(alpha_bar_k) x_0 + sqrt(1 - alpha_bar_k) eps,   eps ~ N(0, I)

A diffusion forecaster (TimeGrad, CSDI) trains a network ``eps_theta(x_k, k, context)``
to predict ``eps`` and samples by running the reverse chain. When the forecast
distribution is Gaussian, ``N(mu, Sigma)``, the best possible predictor is known in
closed form::

    E[eps | x_k] = sqrt(1 - alpha_bar_k) Sigma_k^{-1} (x_k - sqrt(alpha_bar_k) mu),
    Sigma_k = alpha_bar_k Sigma + (1 - alpha_bar_k) I,

which lets a chapter run the sampler without training anything and check that it
recovers ``N(mu, Sigma)``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_float_array, check_int, check_in_range, check_rng

__all__ = ["ddpm_schedule", "q_sample", "gaussian_eps_oracle", "ddpm_sample"]


def ddpm_schedule(n_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Linear variance schedule ``beta_1..beta_K`` and ``alpha_bar_k = prod_{j<=k} (1 - beta_j)``."""
    n = check_int(n_steps, "n_steps", minimum=1)
    b0 = check_in_range(beta_start, "beta_start", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    b1 = check_in_range(beta_end, "beta_end", 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    betas = np.linspace(b0, b1, n)
    return betas, np.cumprod(1.0 - betas)


def q_sample(x0, k: int, alpha_bar, rng) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``x_k`` given ``x_0`` in one shot; returns ``(x_k, eps)``. ``k`` runs from 1 to ``K``."""
    x0 = as_float_array(x0, "x0")
    ab = as_float_array(alpha_bar, "alpha_bar", ndim=1)
    k = check_int(k, "k", minimum=1)
    if k > ab.shape[0]:
        raise ValueError(f"k must be <= {ab.shape[0]}, got {k}")
    rng = check_rng(rng)
    eps = rng.standard_normal(x0.shape)
    a = ab[k - 1]
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps, eps


def gaussian_eps_oracle(mu, Sigma, alpha_bar) -> Callable[[np.ndarray, int], np.ndarray]:
    """The exact noise predictor ``E[eps | x_k]`` for data ``x_0 ~ N(mu, Sigma)``.

    Returns a function ``eps_hat(x, k)`` for a batch ``x`` of shape (n, H) and step ``k``.
    """
    mu = as_float_array(mu, "mu", ndim=1)
    Sigma = as_float_array(Sigma, "Sigma", ndim=2)
    ab = as_float_array(alpha_bar, "alpha_bar", ndim=1)
    H = mu.shape[0]
    if Sigma.shape != (H, H):
        raise ValueError(f"Sigma must have shape ({H}, {H})")
    I = np.eye(H)
    solves = [np.linalg.inv(a * Sigma + (1 - a) * I) for a in ab]

    def eps_hat(x, k):
        a = ab[k - 1]
        return np.sqrt(1 - a) * (x - np.sqrt(a) * mu) @ solves[k - 1].T

    return eps_hat


def ddpm_sample(eps_hat: Callable[[np.ndarray, int], np.ndarray], n: int, H: int, betas, rng,
                *, keep: tuple[int, ...] = ()) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Ancestral DDPM sampler (Ho et al. 2020, algorithm 2).

    ``x_K ~ N(0, I)``; for ``k = K..1``:
    ``x_{k-1} = (x_k - beta_k / sqrt(1 - alpha_bar_k) eps_hat(x_k, k)) / sqrt(1 - beta_k) + sqrt(beta_k) z``
    (no noise at the last step).

    Returns the ``n x H`` samples and the intermediate states ``x_k`` for the steps listed in ``keep``.
    """
    n = check_int(n, "n", minimum=1)
    H = check_int(H, "H", minimum=1)
    betas = as_float_array(betas, "betas", ndim=1)
    rng = check_rng(rng)
    ab = np.cumprod(1.0 - betas)
    K = betas.shape[0]
    x = rng.standard_normal((n, H))
    snaps = {K: x.copy()} if K in keep else {}
    for k in range(K, 0, -1):
        b = betas[k - 1]
        mean = (x - b / np.sqrt(1 - ab[k - 1]) * eps_hat(x, k)) / np.sqrt(1 - b)
        x = mean + (np.sqrt(b) * rng.standard_normal((n, H)) if k > 1 else 0.0)
        if (k - 1) in keep:
            snaps[k - 1] = x.copy()
    return x, snaps
