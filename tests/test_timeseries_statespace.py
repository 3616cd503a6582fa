"""Exponential smoothing, Kalman filter/smoother and HMMs (lessonlib.timeseries)."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg
from scipy.stats import multivariate_normal, norm

from lessonlib.timeseries import hmm
from lessonlib.timeseries import smoothing as sm
from lessonlib.timeseries import statespace as ss


# ------------------------------------------------------------------ exponential smoothing
def _series():
    rng = np.random.default_rng(0)
    t = np.arange(60)
    return 10 + 0.5 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)


def test_ses_is_exponentially_weighted_average():
    y = _series()
    a = 0.3
    r = sm.ses(y, a, 3, l0=7.0)
    n = y.size
    # closed form: l_n = sum_j a (1-a)^j y_{n-j} + (1-a)^n l_0
    weights = a * (1 - a) ** np.arange(n)
    assert r.level[-1] == pytest.approx(weights @ y[::-1] + (1 - a) ** n * 7.0, rel=1e-12)
    np.testing.assert_allclose(r.forecast, r.level[-1])


def test_ses_and_holt_match_statsmodels():
    es = pytest.importorskip("statsmodels.tsa.holtwinters")
    y = _series()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = es.ExponentialSmoothing(y, initialization_method="known", initial_level=10.0).fit(
            smoothing_level=0.3, optimized=False)
        r = sm.ses(y, 0.3, 5, l0=10.0)
        np.testing.assert_allclose(r.fitted, ref.fittedvalues, rtol=1e-12)
        np.testing.assert_allclose(r.forecast, ref.forecast(5), rtol=1e-12)
        ref = es.ExponentialSmoothing(y, trend="add", initialization_method="known", initial_level=10.0,
                                      initial_trend=0.4).fit(smoothing_level=0.3, smoothing_trend=0.1, optimized=False)
        r = sm.holt(y, 0.3, 0.1, 5, l0=10.0, b0=0.4)
        np.testing.assert_allclose(r.fitted, ref.fittedvalues, rtol=1e-12)
        np.testing.assert_allclose(r.forecast, ref.forecast(5), rtol=1e-12)


def test_holt_winters_matches_statsmodels_ets():
    ets = pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    y = _series()
    r = sm.holt_winters(y, 12, 0.3, 0.1, 0.2, 15)
    model = ets.ETSModel(y, error="add", trend="add", seasonal="add", seasonal_periods=12,
                         initialization_method="known", initial_level=r.level[0], initial_trend=r.trend[0],
                         initial_seasonal=r.season[:12])
    # ETS error-correction form: beta_ETS = alpha * beta_HW, gamma is the same
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with model.fix_params({"smoothing_level": 0.3, "smoothing_trend": 0.03, "smoothing_seasonal": 0.2}):
            ref = model.fit(disp=False)
    np.testing.assert_allclose(r.fitted, ref.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(r.forecast, ref.forecast(15), rtol=1e-10)


def test_fit_ses_and_holt_find_low_sse():
    y = _series()
    a, r = sm.fit_ses(y, 4)
    grid = [sm.ses(y, g, 1, l0=r.level[0]).sse for g in np.linspace(0.01, 1, 100)]
    assert r.sse <= min(grid) + 1e-6
    a, b, rh = sm.fit_holt(y, 4)
    assert rh.sse < r.sse  # a trended series: adding a trend must help
    assert 0 < a <= 1 and 0 < b <= 1


# ------------------------------------------------------------------ Kalman filter
def _joint_gaussian(A, C, Q, R, m0, P0, n):
    """Mean and covariance of (x_1..x_n, y_1..y_n) built directly from the model (brute force)."""
    k, p = A.shape[0], C.shape[0]
    mx, Px = [], [[None] * n for _ in range(n)]
    m = m0
    covs = []
    P = P0
    for t in range(n):
        m = A @ m
        P = A @ P @ A.T + Q
        mx.append(m)
        covs.append(P)
    for s in range(n):
        for t in range(n):
            if t >= s:
                Px[t][s] = np.linalg.matrix_power(A, t - s) @ covs[s]
            else:
                Px[t][s] = covs[t] @ np.linalg.matrix_power(A, s - t).T
    Sxx = np.block(Px)
    Cbig = np.kron(np.eye(n), C)
    Rbig = np.kron(np.eye(n), R)
    mean = np.concatenate([np.concatenate(mx), Cbig @ np.concatenate(mx)])
    cov = np.block([[Sxx, Sxx @ Cbig.T], [Cbig @ Sxx, Cbig @ Sxx @ Cbig.T + Rbig]])
    return mean, cov, k * n


def test_kalman_filter_and_smoother_equal_brute_force_conditioning():
    A, C, Q, R = ss.constant_velocity_model(0.5, q=0.8, r=2.0)
    m0, P0 = np.array([1.0, -0.5]), np.diag([3.0, 1.0])
    n = 6
    _, y = ss.simulate_lgssm(A, C, Q, R, n, 4, m0=m0, P0=P0)
    kf = ss.kalman_filter(y, A, C, Q, R, m0=m0, P0=P0)
    sm_ = ss.kalman_smoother(y, A, C, Q, R, m0=m0, P0=P0)
    mean, cov, nx = _joint_gaussian(A, C, Q, R, m0, P0, n)
    yv = y.ravel()
    for t in range(n):
        for upto, (xm, Pm) in (("filter", (kf.x_filt[t], kf.P_filt[t])), ("smooth", (sm_.x_smooth[t], sm_.P_smooth[t]))):
            obs = np.arange(nx, nx + (t + 1 if upto == "filter" else n))
            xi = np.arange(2 * t, 2 * t + 2)
            S_oo = cov[np.ix_(obs, obs)]
            S_xo = cov[np.ix_(xi, obs)]
            cond_mean = mean[xi] + S_xo @ np.linalg.solve(S_oo, yv[: obs.size] - mean[obs])
            cond_cov = cov[np.ix_(xi, xi)] - S_xo @ np.linalg.solve(S_oo, S_xo.T)
            np.testing.assert_allclose(xm, cond_mean, rtol=1e-8, atol=1e-10)
            np.testing.assert_allclose(Pm, cond_cov, rtol=1e-8, atol=1e-10)
    # the log-likelihood is the joint Gaussian density of y_1..y_n
    obs = np.arange(nx, nx + n)
    ref = multivariate_normal(mean[obs], cov[np.ix_(obs, obs)]).logpdf(yv)
    assert kf.loglik == pytest.approx(ref, rel=1e-10)


def test_kalman_covariance_converges_to_scipy_riccati():
    A, C, Q, R = ss.constant_velocity_model(1.0, q=0.1, r=4.0)
    P_dare = linalg.solve_discrete_are(A.T, C.T, Q, R)  # steady predicted covariance
    P_pred, P_filt, K, _ = ss.steady_state_kalman(A, C, Q, R)
    np.testing.assert_allclose(P_pred, P_dare, rtol=1e-8)
    kf = ss.kalman_filter(np.zeros(300), A, C, Q, R, P0=np.eye(2) * 100)
    np.testing.assert_allclose(kf.P_pred[-1], P_dare, rtol=1e-8)
    np.testing.assert_allclose(kf.gain[-1], P_dare @ C.T @ np.linalg.inv(C @ P_dare @ C.T + R), rtol=1e-8)
    np.testing.assert_allclose(kf.P_filt[-1], P_filt, rtol=1e-8)


def test_local_level_steady_state_closed_form():
    # local level: P = (q + sqrt(q^2 + 4 q r)) / 2 for the predicted variance
    q, r = 0.5, 2.0
    A, C, Q, R = ss.local_level_model(q, r)
    P_pred, _, K, _ = ss.steady_state_kalman(A, C, Q, R)
    P = (q + np.sqrt(q * q + 4 * q * r)) / 2
    assert P_pred[0, 0] == pytest.approx(P, rel=1e-10)
    assert K[0, 0] == pytest.approx(P / (P + r), rel=1e-10)


def test_missing_observations_skip_update_and_match_conditioning():
    A, C, Q, R = ss.local_level_model(1.0, 1.0)
    y = np.array([1.0, np.nan, 2.0, np.nan, np.nan, 0.5])
    kf = ss.kalman_filter(y, A, C, Q, R, m0=[0.0], P0=[[10.0]])
    np.testing.assert_allclose(kf.x_filt[1], kf.x_pred[1])
    np.testing.assert_allclose(kf.P_filt[1], kf.P_pred[1])
    # reference: condition the joint Gaussian on the observed entries only
    mean, cov, nx = _joint_gaussian(A, C, Q, R, np.zeros(1), np.eye(1) * 10, 6)
    obs = nx + np.flatnonzero(~np.isnan(y))
    smo = ss.kalman_smoother(y, A, C, Q, R, m0=[0.0], P0=[[10.0]])
    for t in range(6):
        S_xo = cov[np.ix_([t], obs)]
        cm = mean[t] + S_xo @ np.linalg.solve(cov[np.ix_(obs, obs)], y[~np.isnan(y)] - mean[obs])
        assert smo.x_smooth[t, 0] == pytest.approx(cm[0], rel=1e-9)


def test_simulate_lgssm_is_reproducible():
    A, C, Q, R = ss.constant_velocity_model()
    x1, y1 = ss.simulate_lgssm(A, C, Q, R, 20, 5)
    x2, y2 = ss.simulate_lgssm(A, C, Q, R, 20, np.random.default_rng(5))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    with pytest.raises(ValueError, match="C"):
        ss.kalman_filter(y1, A, np.eye(2)[:1].T, Q, R)


# ------------------------------------------------------------------ HMM
PI = np.array([0.6, 0.3, 0.1])
A3 = np.array([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.2, 0.3, 0.5]])
MEANS = np.array([-1.0, 0.5, 3.0])
SDS = np.array([0.7, 1.0, 1.5])


def _enumerate(pi, A, log_b):
    n, K = log_b.shape
    logp = {}
    for path in itertools.product(range(K), repeat=n):
        lp = np.log(pi[path[0]]) + log_b[0, path[0]]
        for t in range(1, n):
            lp += np.log(A[path[t - 1], path[t]]) + log_b[t, path[t]]
        logp[path] = lp
    return logp


def test_forward_posterior_viterbi_equal_enumeration_over_all_paths():
    z, y = hmm.hmm_sample(PI, A3, MEANS, SDS, 6, 3)
    log_b = hmm.gaussian_log_emissions(y, MEANS, SDS)
    logp = _enumerate(PI, A3, log_b)  # 3^6 = 729 paths
    vals = np.array(list(logp.values()))
    total = np.logaddexp.reduce(vals)
    fw = hmm.hmm_forward(PI, A3, log_b)
    assert fw.loglik == pytest.approx(total, rel=1e-12)
    gamma, xi_sum, ll = hmm.hmm_posterior(PI, A3, log_b)
    post = np.exp(vals - total)
    paths = np.array(list(logp.keys()))
    for t in range(6):
        for j in range(3):
            assert gamma[t, j] == pytest.approx(post[paths[:, t] == j].sum(), abs=1e-12)
    # filtered probabilities: enumerate over paths of the prefix only
    for t in range(6):
        pre = _enumerate(PI, A3, log_b[: t + 1])
        pv = np.array(list(pre.values()))
        pk = np.array(list(pre.keys()))
        w = np.exp(pv - np.logaddexp.reduce(pv))
        np.testing.assert_allclose(fw.filtered[t], [w[pk[:, t] == j].sum() for j in range(3)], atol=1e-12)
    # expected transitions
    ref = np.zeros((3, 3))
    for t in range(1, 6):
        for i in range(3):
            for j in range(3):
                ref[i, j] += post[(paths[:, t - 1] == i) & (paths[:, t] == j)].sum()
    np.testing.assert_allclose(xi_sum, ref, atol=1e-12)
    path, lp = hmm.viterbi(PI, A3, log_b)
    best = max(logp, key=logp.get)
    assert tuple(path) == best
    assert lp == pytest.approx(logp[best], rel=1e-12)


def test_gaussian_log_emissions_match_scipy():
    y = np.linspace(-3, 4, 9)
    np.testing.assert_allclose(hmm.gaussian_log_emissions(y, MEANS, SDS), norm.logpdf(y[:, None], MEANS, SDS), rtol=1e-12)


def test_forward_survives_long_series_without_underflow():
    z, y = hmm.hmm_sample(PI, A3, MEANS, SDS, 5000, 1)
    fw = hmm.hmm_forward(PI, A3, hmm.gaussian_log_emissions(y, MEANS, SDS))
    assert np.isfinite(fw.loglik) and fw.loglik < -1000
    np.testing.assert_allclose(fw.filtered.sum(axis=1), 1.0)


def test_hmm_sample_transition_frequencies():
    z, _ = hmm.hmm_sample(PI, A3, MEANS, SDS, 60_000, 2)
    counts = np.zeros((3, 3))
    np.add.at(counts, (z[:-1], z[1:]), 1)
    freq = counts / counts.sum(axis=1, keepdims=True)
    # each row has >= 6000 visits: binomial sd <= 0.0065; allow 5 sd
    np.testing.assert_allclose(freq, A3, atol=0.033)


def test_baum_welch_increases_likelihood_and_recovers_parameters():
    A2 = np.array([[0.95, 0.05], [0.1, 0.9]])
    z, y = hmm.hmm_sample([0.5, 0.5], A2, [0.0, 3.0], [1.0, 1.0], 3000, 6)
    res = hmm.baum_welch_gaussian(y, [0.5, 0.5], [[0.7, 0.3], [0.3, 0.7]], [-1.0, 1.0], [2.0, 2.0], n_iter=60)
    assert np.all(np.diff(res.loglik) >= -1e-8)  # EM never decreases the likelihood
    np.testing.assert_allclose(res.means, [0.0, 3.0], atol=0.15)
    np.testing.assert_allclose(res.A, A2, atol=0.04)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_viterbi_path_is_at_least_as_likely_as_the_true_path(seed):
    z, y = hmm.hmm_sample(PI, A3, MEANS, SDS, 30, seed)
    log_b = hmm.gaussian_log_emissions(y, MEANS, SDS)
    path, lp = hmm.viterbi(PI, A3, log_b)

    def logjoint(p):
        return np.log(PI[p[0]]) + log_b[0, p[0]] + sum(np.log(A3[p[t - 1], p[t]]) + log_b[t, p[t]] for t in range(1, 30))

    assert lp == pytest.approx(logjoint(path), rel=1e-10)
    assert lp >= logjoint(z) - 1e-9


def test_hmm_argument_checks():
    with pytest.raises(ValueError, match="A"):
        hmm.hmm_forward(PI, A3[:2], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="row-stochastic"):
        hmm.viterbi(PI, A3 * 2, np.zeros((3, 3)))
