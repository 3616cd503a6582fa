"""The thesis chapter's helpers (lessonlib.levy.report and lessonlib.levy.plots), each
against an independent reference: a run of the engine, a direct numpy computation, a
closed form, scipy, or geometry worked out by hand."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scipy import optimize, stats  # noqa: E402

from lessonlib.levy import (  # noqa: E402
    SearchParams,
    make_traps,
    optimal_alpha,
    sample_jumps,
    sample_trajectory,
    simulate_search,
    substep_points,
    wrap,
)
from lessonlib.levy.plots import (  # noqa: E402
    draw_path,
    draw_substeps,
    draw_traps,
    mark_reference_alphas,
    plot_estimates,
    wrapped_segments,
)
from lessonlib.levy.report import (  # noqa: E402
    Verdict,
    censor_at,
    combine_verdicts,
    ensemble_sizes,
    first_allowed_share,
    growth_exponent,
    judge_below,
    judge_flat,
    judge_optimum,
    judge_separation,
    judge_worse_above,
    segment_disk_probability,
    segment_hits_disk,
    statistic_vs_horizon,
    threshold_crossing,
)

SMALL = SearchParams(half_width=60.0, n_traps=16, layout="lattice", radius=3.0, horizon=3000)


# --------------------------------------------------------------------------- re-censoring
@pytest.mark.parametrize("time_model", ["walk", "path"])
@pytest.mark.parametrize("frt_rule", ["delay", "reentry"])
def test_censor_at_equals_a_run_with_the_shorter_horizon(time_model, frt_rule):
    # reference: the engine itself, run again with the shorter horizon
    long_p = SMALL.replace(time_model=time_model, frt_rule=frt_rule, delay=20.0)
    short_p = long_p.replace(horizon=700.0)
    long_run = simulate_search(0.9, 400, long_p, seed=4)
    short_run = simulate_search(0.9, 400, short_p, seed=4)
    np.testing.assert_array_equal(censor_at(long_run.fht, 700.0), short_run.fht)
    np.testing.assert_array_equal(censor_at(long_run.frt, 700.0), short_run.frt)
    # the test is not vacuous: some times are cut, some kept
    assert np.isfinite(short_run.fht).any() and (np.isfinite(long_run.fht) & ~np.isfinite(short_run.fht)).any()


def test_censor_at_validates():
    with pytest.raises(ValueError, match="horizon"):
        censor_at([1.0], 0.0)
    with pytest.raises(ValueError, match="NaN"):
        censor_at([1.0, math.nan], 5.0)
    with pytest.raises(ValueError, match=">= 0"):
        censor_at([-1.0], 5.0)
    assert censor_at([1.0, 2.0], 5.0).tolist() == [1.0, 2.0]


def test_statistic_vs_horizon_matches_direct_numpy():
    rng = np.random.default_rng(3)
    t = rng.pareto(0.8, 5000) + 1.0
    t[t > 1e4] = np.inf
    hs = [10.0, 100.0, 1000.0]
    var = statistic_vs_horizon(t, hs, "variance_given_event")
    rmean = statistic_vs_horizon(t, hs, "restricted_mean")
    p = statistic_vs_horizon(t, hs, "event_probability")
    for k, h in enumerate(hs):
        obs = t[t <= h]
        assert var[k] == pytest.approx(np.var(obs, ddof=1), rel=1e-12)
        assert rmean[k] == pytest.approx(np.mean(np.minimum(t, h)), rel=1e-12)
        assert p[k] == pytest.approx(np.mean(t <= h), rel=1e-12)
    with pytest.raises(ValueError, match="statistic"):
        statistic_vs_horizon(t, hs, "mean")
    with pytest.raises(ValueError, match="horizons"):
        statistic_vs_horizon(t, [], "restricted_mean")


def _pareto_restricted_variance(theta: float, h: float) -> float:
    # S(t) = t^-theta for t >= 1 (x_m = 1); E min(T,h) = int_0^h S, E min(T,h)^2 = int_0^h 2 t S
    m1 = 1.0 + (h ** (1 - theta) - 1.0) / (1 - theta)
    m2 = 1.0 + 2.0 * (h ** (2 - theta) - 1.0) / (2 - theta)
    return m2 - m1 * m1


def test_growth_exponent_recovers_the_variance_growth_of_a_heavy_tail():
    # closed form: Var min(T, h) of a Pareto(theta) tail grows like h^(2 - theta)
    theta = 0.5
    hs = np.geomspace(1e6, 1e9, 7)
    v = [_pareto_restricted_variance(theta, h) for h in hs]
    assert growth_exponent(hs, v) == pytest.approx(2 - theta, abs=0.02)
    assert growth_exponent([1.0, 10.0, 100.0], [3.0, 3.0, 3.0]) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        growth_exponent([1.0, 10.0], [1.0, -1.0])


def test_first_allowed_share_with_zero_delay_is_one():
    # with delay 0 the first allowed step is t = 1, and the first sub-step of any jump
    # has length <= 1 < radius: every walker is still in the start disk then
    r = simulate_search(1.2, 300, SMALL.replace(delay=0.0), seed=2)
    share = first_allowed_share(r.frt, 0.0)
    assert share.value == 1.0 and share.n == 300


def test_first_allowed_share_matches_geometry_of_the_first_jumps():
    # reference: rebuild each walker's position at the first allowed step (t = 6 for
    # delay 5) from its own jumps (sample_jumps) and test the start disk by hand
    delay, alpha, seed, n = 5.0, 1.5, 9, 300
    p = SMALL.replace(delay=delay, horizon=3000.0)
    r = simulate_search(alpha, n, p, seed=seed)
    start = p.make_layout().start_position
    inside = np.empty(n, bool)
    for i in range(n):
        lengths, dirs = sample_jumps(alpha, 12, seed, trajectory=i)
        pos, t = start.copy(), 0
        for ell, u in zip(lengths, dirs):
            m = max(1, math.ceil(ell))
            if t + m >= 6:
                pos = pos + (6 - t) * (ell / m) * u
                break
            pos, t = pos + ell * u, t + m
        inside[i] = np.hypot(*(pos - start)) <= p.radius
    np.testing.assert_array_equal(r.frt == 6.0, inside)
    share = first_allowed_share(r.frt, delay)
    assert share.value == pytest.approx(inside.sum() / np.isfinite(r.frt).sum())
    assert 0 < inside.sum() < n


# --------------------------------------------------------------------------- verdicts
def _opt(true_alpha: float, seed: int = 0):
    # exponential times whose mean is a parabola with its minimum at true_alpha
    rng = np.random.default_rng(seed)
    alphas = np.round(np.arange(0.3, 1.51, 0.1), 1)
    samples = [rng.exponential(100 + 400 * (a - true_alpha) ** 2, 20_000) for a in alphas]
    return optimal_alpha(alphas, samples, 100, rng=1)


def test_judge_optimum_accepts_the_true_minimiser_and_rejects_a_far_one():
    opt = _opt(0.8)
    # half a grid step of tolerance, as in the chapter (the 95 % interval may just miss
    # a true value that sits on a grid point)
    v = judge_optimum(opt, 0.8, tolerance=0.05)
    assert isinstance(v, Verdict) and v.holds and v.value == 0.0 and v.word == "holds"
    inside = 0.5 * (opt.ci_low + opt.ci_high)
    assert judge_optimum(opt, inside).holds
    far = judge_optimum(opt, 0.4)
    assert not far.holds and far.value == pytest.approx(opt.ci_low - 0.4)
    assert far.word == "does not hold"
    # a tolerance widens the interval on both sides
    assert judge_optimum(opt, opt.ci_high + 0.04, tolerance=0.05).holds
    assert "0.4" in far.criterion
    with pytest.raises(ValueError, match="bootstrap"):
        judge_optimum(optimal_alpha(opt.alphas, [np.ones(10)] * opt.alphas.size, 0, rng=0), 0.6)


def test_judge_worse_above_uses_combined_standard_errors():
    a = [0.6, 0.8, 1.0, 1.2, 1.4]
    v = [10.0, 9.0, 9.5, 12.0, 15.0]
    se = [0.1, 0.1, 0.1, 0.1, 0.1]
    res = judge_worse_above(a, v, se, better="low", z=5)
    # best at alpha <= 1 is 9.0; gaps 3 and 6 exceed 5 * sqrt(0.02) = 0.71
    assert res.holds and res.value == 0.0
    res2 = judge_worse_above(a, [10.0, 9.0, 9.5, 9.5, 15.0], se, better="low", z=5)
    assert not res2.holds and res2.value == 1.0
    # a probability: higher is better
    res3 = judge_worse_above(a, [0.7, 0.72, 0.6, 0.5, 0.1], [0.01] * 5, better="high")
    assert res3.holds
    res4 = judge_worse_above(a, [0.7, 0.72, 0.6, 0.75, 0.1], [0.01] * 5, better="high")
    assert not res4.holds
    with pytest.raises(ValueError, match="better"):
        judge_worse_above(a, v, se, better="up")
    with pytest.raises(ValueError, match="both sides"):
        judge_worse_above([0.5, 0.6], [1.0, 2.0], [0.1, 0.1])


def test_judge_flat_and_judge_below():
    f = judge_flat([0.5, 1.0, 1.5], [100.0, 150.0, 190.0])
    assert f.holds and f.value == pytest.approx(1.9)
    g = judge_flat([0.5, 1.0, 1.5], [100.0, math.nan, 250.0], max_ratio=2.0)
    assert not g.holds and g.value == pytest.approx(2.5)
    b = judge_below([0.5, 1.0], [10.0, 20.0], [100.0, 30.0])
    assert b.holds and b.value == pytest.approx(2 / 3)
    assert not judge_below([0.5, 1.0], [10.0, 40.0], [100.0, 30.0]).holds


def test_judge_separation_matches_scipy_gmean():
    a = [0.5, 0.8, 1.0, 1.5, 2.0]
    v = [1e8, 5e7, 3e7, 2e6, 1e6]
    s = judge_separation(a, v, factor=10)
    assert s.holds and s.value == pytest.approx(15.0)
    geo = stats.gmean(v[:3]) / stats.gmean(v[3:])
    shown = float(s.evidence.rsplit(" ", 1)[-1])  # "..., ratio of geometric means <x>"
    assert shown == pytest.approx(geo, rel=5e-3)  # printed to 3 significant digits
    assert not judge_separation(a, [1e8, 5e7, 3e7, 2e6, 4e6], factor=10).holds


def test_combine_verdicts_phrases():
    assert combine_verdicts({"x": True}) == "holds for every definition tested"
    assert combine_verdicts({"x": False, "y": False}) == "does not hold for any definition tested"
    assert combine_verdicts({"x": True, "y": False}) == "holds only for x"
    assert combine_verdicts({"x": True, "y": True, "z": False}) == "holds for x and y, not for z"
    with pytest.raises(ValueError):
        combine_verdicts({})


def test_threshold_crossing():
    assert threshold_crossing([1.0, 1.5, 2.0], [0.5, 0.08, 0.01], 0.1) == 1.5
    assert threshold_crossing([1.0, 1.5, 2.0], [0.05, 0.2, 0.01], 0.1) == 2.0
    assert math.isnan(threshold_crossing([1.0, 1.5, 2.0], [0.05, 0.02, 0.2], 0.1))
    assert threshold_crossing([1.0, 2.0], [5.0, 7.0], 4.0, below=False) == 1.0


# --------------------------------------------------------------------------- geometry
def _distance_by_minimisation(p, q, c):
    res = optimize.minimize_scalar(lambda s: np.hypot(*(p + s * (q - p) - c)), bounds=(0, 1),
                                   method="bounded", options={"xatol": 1e-12})
    return min(res.fun, np.hypot(*(p - c)), np.hypot(*(q - c)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=6, max_size=6),
       st.floats(0.1, 5.0))
def test_segment_hits_disk_matches_numerical_distance(xs, r):
    p, q, c = np.array(xs[:2]), np.array(xs[2:4]), np.array(xs[4:])
    dist = _distance_by_minimisation(p, q, c)
    if abs(dist - r) < 1e-6:
        return  # too close to the boundary for the numerical reference
    assert bool(segment_hits_disk(p[None], q[None], c, r)[0]) == (dist <= r)


def test_segment_disk_probability_matches_monte_carlo_on_a_torus():
    # reference: random segments in a periodic box, the disk taken at its nearest image
    rng = np.random.default_rng(12)
    side, r, ell, n = 100.0, 3.0, 25.0, 200_000
    p = rng.uniform(-side / 2, side / 2, (n, 2))
    phi = rng.uniform(0, 2 * np.pi, n)
    q = p + ell * np.column_stack([np.cos(phi), np.sin(phi)])
    # images of the disk centre that a segment of length 25 can reach from the box
    hit = np.zeros(n, bool)
    for dx in (-side, 0.0, side):
        for dy in (-side, 0.0, side):
            hit |= segment_hits_disk(p, q, np.array([dx, dy]), r)
    exact = segment_disk_probability(ell, r, side * side)
    se = math.sqrt(exact * (1 - exact) / n)
    assert abs(hit.mean() - exact) < 5 * se  # 5 binomial standard errors
    assert exact == pytest.approx((math.pi * 9 + 150) / 1e4)
    with pytest.raises(ValueError, match="too long"):
        segment_disk_probability(1e6, 3.0, 100.0)
    with pytest.raises(ValueError, match="radius"):
        segment_disk_probability(1.0, -3.0, 100.0)


# --------------------------------------------------------------------------- plots
@settings(max_examples=150, deadline=None)
@given(st.floats(-50, 50), st.floats(-50, 50), st.floats(-300, 300), st.floats(-300, 300))
def test_wrapped_segments_stay_in_the_box_and_keep_the_length(x0, y0, dx, dy):
    w = 10.0
    p0, p1 = np.array([x0, y0]), np.array([x0 + dx, y0 + dy])
    segs = wrapped_segments(p0, p1, w)
    total = sum(np.hypot(*(s[1] - s[0])) for s in segs)
    assert total == pytest.approx(np.hypot(dx, dy), rel=1e-9, abs=1e-9)
    for s in segs:
        assert np.all(s >= -w - 1e-9) and np.all(s <= w + 1e-9)
    # consecutive pieces join up to a shift by a multiple of the side
    for a, b in zip(segs[:-1], segs[1:]):
        k = (a[1] - b[0]) / (2 * w)
        np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_draw_traps_marks_the_thesis_edge_duplicates():
    lay = make_traps("thesis", 1200, 12000.0)
    fig, ax = plt.subplots()
    art = draw_traps(ax, lay)
    # 34 x 34 listed traps, (34 - 1)^2 distinct sites: 2 * 34 - 1 duplicates
    assert art["duplicates"].get_offsets().shape[0] == 2 * 34 - 1
    assert art["traps"].get_offsets().shape[0] == 33 * 33
    np.testing.assert_allclose(art["start"].get_offsets()[0], lay.start_position)
    plt.close(fig)
    fig, ax = plt.subplots()
    assert draw_traps(ax, make_traps("lattice", 100, 50.0))["duplicates"] is None
    plt.close(fig)


def test_draw_path_and_substeps():
    p = SearchParams(half_width=60.0, n_traps=16, layout="lattice", horizon=400)
    tr = sample_trajectory(0.7, p, seed=3)
    fig, ax = plt.subplots()
    (lc,) = draw_path(ax, tr, wrapped=True)
    segs = lc.get_segments()
    assert all(np.all(np.abs(s) <= 60.0 + 1e-9) for s in segs)
    (line,) = draw_path(ax, tr, wrapped=False)
    np.testing.assert_allclose(line.get_xydata(), tr.unwrapped_path())
    sc = draw_substeps(ax, tr, tr.starts[0], 3.0)
    pts = tr.substep_points()
    d = pts - tr.starts[0]
    d -= 120.0 * np.round(d / 120.0)
    assert sc.get_offsets().shape[0] == int(np.all(np.abs(d) <= 3.0, axis=1).sum())
    # restricted to one jump: exactly that jump's sub-steps (engine formula p0 + k d)
    j = int(np.argmax(tr.n_substeps))
    own = substep_points(tr.starts[j], tr.lengths[j], tr.directions[j], 60.0)[: tr.n_substeps[j]]
    sc1 = draw_substeps(ax, tr, tr.starts[j], 200.0, jumps=[j])
    shown = wrap(np.asarray(sc1.get_offsets()), 60.0)   # drawn around the centre, compare on the torus
    np.testing.assert_allclose(shown[np.lexsort(shown.T)], own[np.lexsort(own.T)], atol=1e-9)
    with pytest.raises(ValueError, match="jumps"):
        draw_substeps(ax, tr, tr.starts[0], 3.0, jumps=[tr.n_jumps])
    plt.close(fig)


def test_plot_estimates_and_reference_marks():
    fig, ax = plt.subplots()
    cont = plot_estimates(ax, [0.5, 1.0, 1.5], [1.0, math.nan, 3.0], [0.1, 0.1, 0.2])
    np.testing.assert_allclose(cont.lines[0].get_xdata(), [0.5, 1.5])
    lines = mark_reference_alphas(ax)
    assert [ln.get_xdata()[0] for ln in lines] == [0.6, 1.0]
    with pytest.raises(ValueError, match="stderr"):
        plot_estimates(ax, [0.5, 1.0], [1.0, 2.0], [0.1])
    plt.close(fig)


def test_ensemble_sizes_reads_the_environment(monkeypatch):
    monkeypatch.delenv("LEVY_THESIS_SCALE", raising=False)
    assert ensemble_sizes() == (100_000, 10_000)
    monkeypatch.setenv("LEVY_THESIS_SCALE", "1")
    assert ensemble_sizes() == (1_000_000, 1_000_000)
    monkeypatch.setenv("LEVY_THESIS_SCALE", "0")
    assert ensemble_sizes() == (100_000, 10_000)
    assert ensemble_sizes(True) == (1_000_000, 1_000_000)
    monkeypatch.setenv("LEVY_THESIS_SCALE", "yes")
    with pytest.raises(ValueError, match="LEVY_THESIS_SCALE"):
        ensemble_sizes()
    with pytest.raises(TypeError, match="thesis_scale"):
        ensemble_sizes("1")
