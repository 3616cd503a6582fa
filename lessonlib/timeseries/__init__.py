"""Time series for machine learning (chapter 1.5).

Modules by topic; the most used routines are re-exported here::

    from lessonlib.timeseries import simulate_arma, acf, kalman_filter

windows      sliding windows, chronological splits, lag and difference operators
decompose    trend + Fourier seasonality, classical and moving-average decompositions
autocorr     sample ACF/PACF, Durbin–Levinson
arma         AR/MA/ARMA/ARIMA: simulation, theoretical ACF/PACF, fitting, forecasting
smoothing    simple exponential smoothing, Holt, Holt–Winters
statespace   linear-Gaussian state-space model, Kalman filter and RTS smoother
hmm          hidden Markov models: forward, forward–backward, Viterbi, Baum–Welch
spectral     DFT, periodogram, ARMA spectral density, TimesNet period folding
losses       MSE/MAE, Gaussian NLL, pinball, CRPS, coverage, conformal quantile
forecasting  recursive vs direct forecasts, DeepAR-style sample paths
neural       RNN, LSTM, GRU forward passes; BPTT Jacobian norms
conv         causal dilated convolutions, TCN stacks, receptive fields
transformer  scaled dot-product attention with a causal mask
tokens       PatchTST patches, iTransformer variate tokens, Chronos value bins
ssm          S4-style discretised state-space layers, Mamba-style selective scan
diffusion    DDPM schedule, noising, sampler with an exact Gaussian denoiser
ode          Euler/RK4 solvers and a small neural ODE
"""
from __future__ import annotations

from .autocorr import acf, acf_band, acovf, durbin_levinson, pacf
from .arma import (
    arima_forecast,
    arma_acf,
    arma_acovf,
    arma_forecast,
    arma_loglik,
    arma_pacf,
    fit_ar_ols,
    fit_ar_yule_walker,
    fit_arima,
    fit_arma,
    is_invertible,
    is_stationary,
    psi_weights,
    random_walk,
    simulate_ar,
    simulate_arima,
    simulate_arma,
    simulate_ma,
)
from .transformer import attention, causal_mask, self_attention, softmax
from .conv import causal_conv1d, dependency_matrix, receptive_field, tcn_forward
from .decompose import classical_decompose, fit_trend_fourier, fourier_terms, moving_average, multiscale, series_decomp
from .diffusion import ddpm_sample, ddpm_schedule, gaussian_eps_oracle, q_sample
from .forecasting import fit_linear_forecaster, linear_forecast, path_quantiles, recursive_forecast, sample_paths
from .hmm import baum_welch_gaussian, gaussian_log_emissions, hmm_forward, hmm_posterior, hmm_sample, viterbi
from .losses import (
    conformal_quantile,
    coverage,
    crps_ensemble,
    crps_from_quantiles,
    crps_gaussian,
    gaussian_nll,
    mae,
    mse,
    pinball_loss,
)
from .neural import (
    bptt_gradient_norms,
    gru_forward,
    gru_step,
    init_gru,
    init_lstm,
    init_rnn,
    lstm_forward,
    lstm_step,
    rnn_forward,
    rnn_step,
)
from .ode import fit_neural_ode, neural_ode_solve, rk4_solve
from .smoothing import fit_holt, fit_ses, holt, holt_winters, ses
from .spectral import arma_spectral_density, dft, fold_by_period, idft, periodogram, top_k_periods
from .ssm import discretize, selective_scan, ssm_convolve, ssm_kernel, ssm_scan
from .statespace import constant_velocity_model, kalman_filter, kalman_smoother, simulate_lgssm, steady_state_kalman
from .tokens import dequantize, mean_scale_quantize, patchify, variate_tokens
from .windows import chrono_split, difference, lag, sliding_windows, undifference

__all__ = [
    # windows
    "sliding_windows", "chrono_split", "lag", "difference", "undifference",
    # decompose
    "fourier_terms", "fit_trend_fourier", "moving_average", "classical_decompose", "series_decomp", "multiscale",
    # acf
    "acovf", "acf", "pacf", "durbin_levinson", "acf_band",
    # arma
    "simulate_arma", "simulate_ar", "simulate_ma", "simulate_arima", "random_walk", "psi_weights",
    "is_stationary", "is_invertible", "arma_acovf", "arma_acf", "arma_pacf",
    "fit_ar_yule_walker", "fit_ar_ols", "fit_arma", "arma_loglik", "arma_forecast", "fit_arima", "arima_forecast",
    # smoothing
    "ses", "holt", "holt_winters", "fit_ses", "fit_holt",
    # state space
    "constant_velocity_model", "simulate_lgssm", "kalman_filter", "kalman_smoother", "steady_state_kalman",
    # hmm
    "hmm_sample", "gaussian_log_emissions", "hmm_forward", "hmm_posterior", "viterbi", "baum_welch_gaussian",
    # spectral
    "dft", "idft", "periodogram", "arma_spectral_density", "top_k_periods", "fold_by_period",
    # losses
    "mse", "mae", "gaussian_nll", "pinball_loss", "crps_gaussian", "crps_ensemble", "crps_from_quantiles",
    "coverage", "conformal_quantile",
    # forecasting
    "fit_linear_forecaster", "linear_forecast", "recursive_forecast", "sample_paths", "path_quantiles",
    # neural
    "init_rnn", "rnn_step", "rnn_forward", "init_lstm", "lstm_step", "lstm_forward",
    "init_gru", "gru_step", "gru_forward", "bptt_gradient_norms",
    # conv / attention / tokens
    "causal_conv1d", "receptive_field", "tcn_forward", "dependency_matrix",
    "softmax", "causal_mask", "attention", "self_attention",
    "patchify", "variate_tokens", "mean_scale_quantize", "dequantize",
    # ssm / diffusion / ode
    "discretize", "ssm_scan", "ssm_kernel", "ssm_convolve", "selective_scan",
    "ddpm_schedule", "q_sample", "gaussian_eps_oracle", "ddpm_sample",
    "rk4_solve", "neural_ode_solve", "fit_neural_ode",
]
