"""Censored-time statistics, bootstrap, optimal α and tail fits, against independent references."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from lessonlib.levy import (
    SearchParams,
    bootstrap_ci,
    event_probability,
    hill_estimator,
    log_binned_density,
    loglog_tail_fit,
    mean_given_event,
    median_given_event,
    optimal_alpha,
    quantiles,
    restricted_mean,
    restricted_variance,
    sample_jumps,
    simulate_search,
    summarize_search,
    survival_curve,
    variance_given_event,
)

H = 50.0


def censored_exponential(n: int, seed: int, scale: float = 30.0, horizon: float = H) -> np.ndarray:
    t = np.random.default_rng(seed).exponential(scale, n)
    return np.where(t <= horizon, t, np.inf)


def test_survival_equals_statsmodels_kaplan_meier():
    # fixed-horizon censoring: KM (statsmodels) must equal the empirical survival
    x = censored_exponential(3000, 1)
    t, s = survival_curve(x)
    km = SurvfuncRight(np.minimum(x, H), np.isfinite(x).astype(int))
    np.testing.assert_allclose(t, km.surv_times)
    np.testing.assert_allclose(s, km.surv_prob, rtol=1e-12)
    tt, ss = survival_curve(x, [0.0, 10.0, 49.0, 60.0])
    assert ss[0] == 1.0 and ss[3] == pytest.approx(np.isinf(x).mean())


def test_restricted_mean_is_area_under_survival_and_matches_closed_form():
    x = censored_exponential(5000, 2)
    t, s = survival_curve(x)
    knots = np.concatenate([[0.0], t, [H]])
    heights = np.concatenate([[1.0], s])
    area = float(np.sum(heights * np.diff(knots)))
    rm = restricted_mean(x, H)
    assert rm.value == pytest.approx(area, rel=1e-12)
    # E min(T, H) for Exp(scale 30) is 30 (1 - e^{-H/30})
    assert abs(rm.value - 30 * (1 - math.exp(-H / 30))) < 5 * rm.stderr


def test_event_probability_and_conditional_mean():
    x = censored_exponential(4000, 3)
    p = event_probability(x)
    true_p = 1 - math.exp(-H / 30)
    assert p.value == np.isfinite(x).mean() and abs(p.value - true_p) < 5 * p.stderr
    assert p.stderr == pytest.approx(math.sqrt(p.value * (1 - p.value) / x.size))
    assert event_probability(x, 10.0).value == np.mean(x <= 10.0)
    # E[T | T <= H] for the exponential: s - H e^{-H/s} / (1 - e^{-H/s})
    m = mean_given_event(x)
    q = math.exp(-H / 30)
    assert abs(m.value - (30 - H * q / (1 - q))) < 5 * m.stderr
    assert math.isnan(mean_given_event([np.inf, np.inf]).value)


def test_median_interval_and_se_against_asymptotics():
    # median of Exp(rate 1) is log 2; asymptotic SE 1 / (2 f(m) sqrt(n)) = 1/sqrt(n)
    n = 4000
    x = np.random.default_rng(4).exponential(1.0, n)
    md = median_given_event(x)
    assert md.ci_low <= math.log(2) <= md.ci_high
    assert md.stderr == pytest.approx(1 / math.sqrt(n), rel=0.15)
    assert md.value == np.median(x)


def test_variance_se_against_normal_theory():
    n = 20_000
    x = np.random.default_rng(5).normal(13.0, 2.0, n)
    v = variance_given_event(x)
    assert abs(v.value - 4.0) < 5 * v.stderr
    assert v.stderr == pytest.approx(4.0 * math.sqrt(2 / n), rel=0.1)
    rv = restricted_variance(np.concatenate([x, [np.inf]]), 100.0)
    assert rv.value == pytest.approx(np.var(np.concatenate([x, [100.0]]), ddof=1))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 100), st.just(math.inf)), min_size=1, max_size=60),
       st.floats(0, 1))
def test_quantiles_match_numpy_inverted_cdf(times, q):
    x = np.array(times)
    got = quantiles(x, [q])[0]
    want = np.quantile(x, q, method="inverted_cdf") if q > 0 else x.min()
    assert got == want


def test_bootstrap_ci_of_a_mean_matches_normal_theory():
    x = np.random.default_rng(6).exponential(2.0, 2000)
    ci = bootstrap_ci(x, "mean_given_event", 1000, rng=7)
    half = 1.96 * x.std(ddof=1) / math.sqrt(x.size)
    assert ci.low < x.mean() < ci.high
    assert (ci.high - ci.low) / 2 == pytest.approx(half, rel=0.15)
    again = bootstrap_ci(x, "mean_given_event", 1000, rng=7)
    assert (again.low, again.high) == (ci.low, ci.high)
    other = bootstrap_ci(x, np.median, 200, rng=8)
    assert other.estimate == np.median(x)
    with pytest.raises(ValueError, match="horizon"):
        bootstrap_ci(x, "restricted_mean", 10, rng=1)
    with pytest.raises(ValueError, match="statistic"):
        bootstrap_ci(x, "nonsense", 10, rng=1)


def test_optimal_alpha_recovers_a_parabola_vertex_exactly():
    alphas = np.array([0.3, 0.45, 0.6, 0.8, 1.0, 1.5])  # uneven spacing on purpose
    f = lambda a: 100 + 40 * (a - 0.63) ** 2  # noqa: E731
    samples = [np.full(50, f(a)) for a in alphas]  # every resample has the same mean
    res = optimal_alpha(alphas, samples, 20, rng=1)
    assert res.alpha == pytest.approx(0.63, abs=1e-12)
    assert res.grid_alpha == 0.6 and res.ci_low == pytest.approx(0.63) and res.ci_high == pytest.approx(0.63)
    assert optimal_alpha(alphas, samples, 0, rng=1, refine=False).alpha == 0.6


def test_optimal_alpha_interval_with_noise():
    alphas = np.linspace(0.3, 1.5, 7)  # the true minimiser 0.7 is the grid point alphas[2]
    f = lambda a: 100 + 80 * (a - 0.7) ** 2  # noqa: E731
    rng = np.random.default_rng(2)
    n, sd = 3000, 10.0
    samples = [rng.normal(f(a), sd, n) for a in alphas]
    res = optimal_alpha(alphas, samples, 400, rng=3)
    # delta-method SE of the parabola vertex x1 - h (y2 - y0) / (2 (y0 - 2 y1 + y2)) with
    # independent means of SE sd/sqrt(n): an independent check of the bootstrap's spread
    h = alphas[1] - alphas[0]
    y0, y1, y2 = f(alphas[1]), f(alphas[2]), f(alphas[3])
    c = y0 - 2 * y1 + y2
    grad = np.array([h * (y2 - y0) / (2 * c * c) + h / (2 * c), -h * (y2 - y0) / (c * c),
                     -h / (2 * c) + h * (y2 - y0) / (2 * c * c)])
    se = float(np.linalg.norm(grad)) * sd / math.sqrt(n)
    assert abs(res.alpha - 0.7) < 5 * se
    assert (res.ci_high - res.ci_low) / 2 == pytest.approx(1.96 * se, rel=0.3)
    assert res.ci_low <= res.alpha <= res.ci_high
    # censored samples: NaN statistics (nothing observed) are never the minimum
    samples[0] = np.full(100, np.inf)
    assert optimal_alpha(alphas, samples, 0, rng=3).grid_alpha != alphas[0]


def test_hill_estimator_on_pareto():
    # classical Pareto with tail index a: P(X > x) = x^-a, x >= 1; Hill is exact-ML here
    for a in (0.6, 1.5):
        x = np.random.default_rng(9).pareto(a, 100_000) + 1.0
        est = hill_estimator(x, 5000)
        assert abs(est.value - a) < 5 * est.stderr
    with pytest.raises(ValueError, match="k"):
        hill_estimator([1.0, 2.0], 2)


@pytest.mark.parametrize("alpha", [0.6, 1.5])
def test_tail_fits_recover_stable_exponent_of_engine_jumps(alpha):
    ell, _ = sample_jumps(alpha, 200_000, seed=10)
    # the k = 1000 largest of 2e5 lie where the stable tail is a power law to within a
    # few per cent (second-order term ~ x^-alpha), well inside the 5 SE tolerance
    est = hill_estimator(ell, 1000)
    assert abs(est.value - alpha) < 5 * est.stderr
    fit = loglog_tail_fit(ell, x_min=float(np.quantile(ell, 0.99)))
    assert fit.alpha == pytest.approx(alpha, abs=0.15)
    assert fit.density_slope == pytest.approx(-(alpha + 1), abs=0.15)


def test_log_binned_density_integrates_to_fraction_in_range():
    x = np.random.default_rng(11).pareto(1.2, 50_000) + 1
    c, d = log_binned_density(x, 30, 1.0, 1e3)
    edges = np.geomspace(1.0, 1e3, 31)
    assert np.sum(d * np.diff(edges)) == pytest.approx(np.mean((x >= 1) & (x <= 1e3)))
    # Pareto density a x^-(a+1) at the geometric centres (bins with many counts)
    ok = c < 30
    np.testing.assert_allclose(d[ok], 1.2 * c[ok] ** -2.2, rtol=0.15)


def test_summarize_search_keys_and_consistency():
    p = SearchParams(half_width=50.0, n_traps=16, layout="lattice", horizon=300)
    r = simulate_search(1.0, 2000, p, seed=1)
    s = summarize_search(r)
    assert s["fht_p"] == r.hit.mean() and s["frt_p"] == r.returned.mean()
    assert s["fht_rmean"] == pytest.approx(np.minimum(r.fht, 300).mean())
    assert s["frt_mean"] == pytest.approx(r.frt[r.returned].mean())
    assert s["n"] == 2000 and s["alpha"] == 1.0
    assert r.summary() == s


def test_input_errors():
    with pytest.raises(ValueError, match="NaN"):
        event_probability([1.0, math.nan])
    with pytest.raises(ValueError, match=">= 0"):
        mean_given_event([-1.0])
    with pytest.raises(ValueError, match="empty"):
        restricted_mean([], 10.0)
    with pytest.raises(ValueError, match="alphas"):
        optimal_alpha([1.0, 0.5], [[1.0], [2.0]], 0, rng=0)
    with pytest.raises(ValueError, match="samples"):
        optimal_alpha([0.5, 1.0], [[1.0]], 0, rng=0)
