"""Probability, noise, Markov chains, SDEs and SPDEs: the routines of chapter 1.3.

Modules
-------
probability  Gaussian densities, sampling, discrete laws, Bayes, Monte Carlo means, power-law fits
noise        white, exponentially correlated and 1/f^beta noise, periodograms, 2-D random fields
markov       finite Markov chains: propagation, stationary laws (numerical and exact), simulation
ddpm         the DDPM noise schedule, ᾱ_t, closed-form q_sample, toy data, ε-prediction loss
sde          Brownian paths, Euler–Maruyama, Milstein, OU and GBM exact laws, convergence study
score        Gaussian-mixture scores, the VP-SDE, reverse-SDE and probability-flow samplers
spde         stochastic heat equation (method of lines), Karhunen–Loève, random-coefficient PDE

Chapters import from the modules (``from lessonlib.stochastic.sde import euler_maruyama``)
or from this package, which re-exports the public API below. Every random routine
takes an explicit ``rng`` (a ``numpy.random.Generator`` or an integer seed).
"""
from __future__ import annotations

from .ddpm import alpha_bar, beta_schedule, denoising_loss, forward_chain, q_sample, toy_data_2d
from .markov import (
    check_transition_matrix,
    distribution_path,
    empirical_transition_matrix,
    propagate,
    simulate_chain,
    stationary_distribution,
    stationary_distribution_exact,
)
from .noise import (
    add_gaussian_noise,
    exp_cov_matrix,
    exp_cov_noise,
    exp_cov_psd,
    field_covariance,
    gaussian_random_field_2d,
    periodogram,
    power_law_noise,
    white_noise,
)
from .probability import (
    MCEstimate,
    PowerLawFit,
    bayes_posterior,
    discrete_mean,
    discrete_variance,
    fit_power_law,
    gaussian_pdf,
    monte_carlo_mean,
    mvn_pdf,
    sample_categorical,
    sample_mvn,
)
from .score import VPSDE, GaussianMixture, probability_flow_sample, reverse_sde_sample
from .sde import (
    ConvergenceStudy,
    brownian_paths,
    coarsen_increments,
    convergence_study,
    euler_maruyama,
    gbm_exact,
    milstein,
    ou_density,
    ou_exact_paths,
    ou_mean_var,
)
from .spde import (
    KLBasis,
    RandomPDEResult,
    exp_kernel_kl_exact,
    explicit_growth_factor,
    explicit_stable_dt,
    heat_sine_series,
    kl_expansion,
    kl_sample,
    laplacian_1d,
    random_coefficient_pde_mc,
    sine_coefficients,
    solve_elliptic_1d,
    stochastic_heat_mol,
)

__all__ = [
    # probability
    "gaussian_pdf",
    "mvn_pdf",
    "sample_mvn",
    "sample_categorical",
    "discrete_mean",
    "discrete_variance",
    "bayes_posterior",
    "MCEstimate",
    "monte_carlo_mean",
    "PowerLawFit",
    "fit_power_law",
    # noise
    "add_gaussian_noise",
    "white_noise",
    "exp_cov_matrix",
    "exp_cov_noise",
    "exp_cov_psd",
    "power_law_noise",
    "periodogram",
    "field_covariance",
    "gaussian_random_field_2d",
    # markov
    "check_transition_matrix",
    "propagate",
    "distribution_path",
    "stationary_distribution",
    "stationary_distribution_exact",
    "simulate_chain",
    "empirical_transition_matrix",
    # ddpm
    "beta_schedule",
    "alpha_bar",
    "q_sample",
    "forward_chain",
    "toy_data_2d",
    "denoising_loss",
    # sde
    "brownian_paths",
    "coarsen_increments",
    "euler_maruyama",
    "milstein",
    "ou_mean_var",
    "ou_density",
    "ou_exact_paths",
    "gbm_exact",
    "ConvergenceStudy",
    "convergence_study",
    # score-based diffusion
    "GaussianMixture",
    "VPSDE",
    "reverse_sde_sample",
    "probability_flow_sample",
    # spde
    "laplacian_1d",
    "explicit_stable_dt",
    "explicit_growth_factor",
    "stochastic_heat_mol",
    "sine_coefficients",
    "heat_sine_series",
    "KLBasis",
    "kl_expansion",
    "exp_kernel_kl_exact",
    "kl_sample",
    "solve_elliptic_1d",
    "RandomPDEResult",
    "random_coefficient_pde_mc",
]
