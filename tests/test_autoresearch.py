"""Tests of lessonlib.autoresearch, each against an independent reference.

References used: sympy (exact val_bpb, harmonic numbers), scipy.stats.norm (Gaussian
acceptance probabilities), a plain-NumPy AdamW trainer (the numba kernel), NumPy's
searchsorted (the chain sampler), Monte Carlo with fixed seeds (tolerances of five
standard errors unless stated), and hand-built logs with known counts.
"""
from __future__ import annotations

import contextlib
import io
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from lessonlib.autoresearch import (
    BASELINE,
    BOS,
    GRIDS,
    LogRow,
    NoisyLandscape,
    ResultsLog,
    ToyConfig,
    ToyTrainingEvaluator,
    acceptance_probability,
    bowl_metric,
    expected_noise_keeps,
    experiments_per_hour,
    false_positive_rate,
    keep_rate,
    make_corpus,
    measure,
    measure_noise,
    nats_to_bits,
    neighbour_edits,
    parallel_ratchet,
    parse_metric,
    propose_edit,
    ratchet_loop,
    relative_improvement,
    replicate_gains,
    round_finish_times,
    run_candidate,
    running_best,
    simulate_false_positive_rate,
    simulate_null_ratchet,
    toy_train_script,
    val_bpb,
    wallclock_parallel,
    wallclock_sequential,
)
from lessonlib.autoresearch import _kernels

FAST = settings(max_examples=25, deadline=None)


# --------------------------------------------------------------------------- metric
def test_val_bpb_hand_computation_matches_sympy():
    losses = ["2.0", "1.5", "3.0", "0.7"]
    nbytes = [4, 3, 0, 5]
    # by hand: the special (zero-byte) token drops out of both sums
    num = sum(sp.Rational(l) for l, b in zip(losses, nbytes) if b > 0)
    ref = num / (sp.log(2) * sum(nbytes))
    assert num == sp.Rational(42, 10)
    assert val_bpb([float(x) for x in losses], nbytes) == pytest.approx(float(ref), rel=1e-14)
    assert f"{float(ref):.5f}" == "0.50494"


@FAST
@given(
    st.lists(st.floats(0.0, 20.0), min_size=1, max_size=30),
    st.integers(1, 8),
    st.floats(0.0, 50.0),
)
def test_val_bpb_invariants(losses, scale, special_loss):
    rng = np.random.default_rng(len(losses))
    nbytes = rng.integers(1, 7, size=len(losses))
    base = val_bpb(losses, nbytes)
    # a zero-byte target changes neither sum, whatever its loss
    assert val_bpb(losses + [special_loss], list(nbytes) + [0]) == pytest.approx(base, rel=1e-12, abs=1e-15)
    # stretching every token's bytes by `scale` divides bits per byte by `scale`
    assert val_bpb(losses, nbytes * scale) == pytest.approx(base / scale, rel=1e-12, abs=1e-15)
    # one byte per token: bits per byte is the mean loss in bits
    assert val_bpb(losses, np.ones(len(losses))) == pytest.approx(np.mean(losses) / math.log(2), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "losses, nbytes, match",
    [([1.0, 2.0], [1], "same length"), ([1.0], [-1], "non-negative"), ([1.0], [0.5], "integers"),
     ([1.0], [0], "positive byte"), ([-1.0], [1], ">= 0"), ([np.nan], [1], "finite")],
)
def test_val_bpb_rejects_bad_input(losses, nbytes, match):
    with pytest.raises(ValueError, match=match):
        val_bpb(losses, nbytes)


def test_nats_to_bits():
    assert nats_to_bits(math.log(8.0)) == pytest.approx(3.0)
    assert np.allclose(nats_to_bits([math.log(2.0), math.log(4.0)]), [1.0, 2.0])


# --------------------------------------------------------------------------- corpus and config
def test_config_validation_and_source():
    with pytest.raises(ValueError, match="batch_size"):
        ToyConfig(batch_size=100)
    with pytest.raises(ValueError, match="width"):
        ToyConfig(width=True)
    with pytest.raises(ValueError, match="seed"):
        ToyConfig(seed=-1)
    assert BASELINE.index("batch_size") == GRIDS["batch_size"].index(128)
    assert "BATCH_SIZE = 128" in BASELINE.as_source()


def test_sample_chain_matches_searchsorted():
    rng = np.random.default_rng(5)
    P = rng.dirichlet(np.ones(6), size=6)
    cum = np.cumsum(P, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(500)
    got = _kernels.sample_chain(cum, u, 0)
    state, ref = 0, []
    for x in u:
        state = int(np.searchsorted(cum[state], x, side="left"))
        ref.append(state)
    assert np.array_equal(got, ref)


def test_corpus_is_frozen_and_follows_its_chain():
    c = make_corpus()
    assert c is make_corpus()  # cached: the same frozen object
    assert c.token_bytes[BOS] == 0 and np.all(c.token_bytes[1:] >= 1) and np.all(c.token_bytes <= 6)
    assert np.allclose(c.transition.sum(axis=1), 1.0)
    with pytest.raises(ValueError):
        c.train[0] = 1  # read-only
    # empirical transition frequencies out of the most visited state match the chain
    x, y = c.train[:-1], c.train[1:]
    s = np.bincount(x).argmax()
    nxt = y[x == s]
    freq = np.bincount(nxt, minlength=c.vocab_size) / nxt.size
    se = np.sqrt(c.transition[s] * (1 - c.transition[s]) / nxt.size)
    assert np.all(np.abs(freq - c.transition[s]) <= 5 * se + 1e-12)


# --------------------------------------------------------------------------- training kernel
def _numpy_adamw(xs, ys, E, W, b, n_steps, batch, lr_e, lr_u, wd, warmup, warmdown):
    """Plain NumPy AdamW for logits = E[x] W + b (the reference for the numba kernel)."""
    E, W, b = E.copy(), W.copy(), b.copy()
    st_ = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in (("E", E), ("W", W), ("b", b))}
    losses = []
    for s in range(n_steps):
        x, y = xs[s * batch:(s + 1) * batch], ys[s * batch:(s + 1) * batch]
        z = E[x] @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        losses.append(-np.log(p[np.arange(batch), y]).mean())
        g = p.copy()
        g[np.arange(batch), y] -= 1.0
        grads = {"W": E[x].T @ g / batch, "b": g.sum(axis=0) / batch, "E": np.zeros_like(E)}
        np.add.at(grads["E"], x, g @ W.T / batch)
        if warmup and s < warmup:
            mult = (s + 1) / warmup
        elif warmdown and s >= n_steps - warmdown:
            mult = (n_steps - s) / warmdown
        else:
            mult = 1.0
        t = s + 1
        for name, param, lr, decay in (("E", E, lr_e, wd), ("W", W, lr_u, wd), ("b", b, lr_u, 0.0)):
            m, v = st_[name]
            m[...] = 0.9 * m + 0.1 * grads[name]
            v[...] = 0.95 * v + 0.05 * grads[name] ** 2
            step = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.95**t)) + 1e-8)
            param -= lr * mult * step + lr * mult * decay * param
    tail = max(1, n_steps // 4)
    return E, W, b, float(np.mean(losses[-tail:]))


@pytest.mark.parametrize("batch, warmup, warmdown, wd", [(8, 0, 3, 0.0), (48, 2, 0, 0.01), (20, 1, 4, 0.1)])
def test_training_kernel_matches_numpy_adamw(batch, warmup, warmdown, wd):
    rng = np.random.default_rng(batch)
    V, d, n_steps = 7, 3, 9
    xs = rng.integers(0, V, size=n_steps * batch)
    ys = rng.integers(0, V, size=n_steps * batch)
    E, W, b = rng.normal(size=(V, d)), rng.normal(size=(d, V)) / 2, rng.normal(size=V) / 3
    ref = _numpy_adamw(xs, ys, E, W, b, n_steps, batch, 0.05, 0.02, wd, warmup, warmdown)
    E2, W2, b2 = E.copy(), W.copy(), b.copy()
    loss = _kernels.train_bigram(xs, ys, E2, W2, b2, n_steps, batch, 0.05, 0.02, wd, warmup, warmdown)
    for got, want in zip((E2, W2, b2), ref[:3]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(ref[3], rel=1e-12)


# --------------------------------------------------------------------------- evaluator
@pytest.fixture(scope="module")
def toy():
    return ToyTrainingEvaluator()


def test_evaluator_is_a_pure_function_of_config_and_seed(toy):
    a, b, c = toy.evaluate(BASELINE, 3), toy.evaluate(BASELINE, 3), toy.evaluate(BASELINE, 4)
    assert a == b
    assert a.val_bpb != c.val_bpb  # the run seed is the noise
    assert a.ok and a.num_steps == toy.budget // (128 * (4 + toy.fixed_cost))
    assert toy.oracle_bpb() < a.val_bpb


def test_evaluator_crashes_out_of_memory(toy):
    big = ToyConfig(batch_size=512, width=16)
    assert toy.memory_gb(big) > toy.memory_limit_gb
    r = toy.evaluate(big, 0)
    assert r.status == "crash" and r.message == "out of memory" and math.isnan(r.val_bpb)


def test_evaluator_crashes_when_loss_explodes():
    ev = ToyTrainingEvaluator(explode_factor=0.1)  # any real loss is "exploded" now
    r = ev.evaluate(BASELINE, 0)
    assert r.status == "crash" and r.message == "loss exploded"


def test_oracle_bpb_matches_direct_sum(toy):
    c = toy.corpus
    x, y = c.val[:-1], c.val[1:]
    keep = c.token_bytes[y] > 0
    nats = -np.log(c.transition[x[keep], y[keep]]).sum()
    assert toy.oracle_bpb("val") == pytest.approx(nats / (math.log(2) * c.token_bytes[y].sum()), rel=1e-12)
    with pytest.raises(ValueError, match="split"):
        toy.oracle_bpb("train")


def test_landscape_noise_has_the_stated_sd():
    land = NoisyLandscape(noise_sd=0.01)
    mean, sd = measure_noise(land, BASELINE, 400, 1)
    # sample sd of n=400 normals: relative SE ~ 1/sqrt(2(n-1)) = 3.5%; allow 5 SE
    assert sd == pytest.approx(0.01, rel=5 / math.sqrt(2 * 399))
    assert mean == pytest.approx(bowl_metric(BASELINE), abs=5 * 0.01 / 20)


# --------------------------------------------------------------------------- proposals
def test_neighbour_edits_count_and_apply():
    edits = neighbour_edits(BASELINE)
    expected = sum((BASELINE.index(f) > 0) + (BASELINE.index(f) < len(g) - 1) for f, g in GRIDS.items()) + 1
    assert len(edits) == expected
    for e in edits:
        c = e.apply(BASELINE)
        changed = [k for k, v in c.as_dict().items() if v != getattr(BASELINE, k)]
        assert changed == [e.field]
    with pytest.raises(ValueError, match="does not apply"):
        edits[0].apply(edits[0].apply(BASELINE))


def test_propose_edit_avoids_tried_edits_and_respects_exclude():
    land = NoisyLandscape(noise_sd=0.0)
    log = ratchet_loop(land, BASELINE, 1, 0)  # baseline only
    n = len(neighbour_edits(BASELINE))
    seen = set()
    rng = np.random.default_rng(1)
    for i in range(n):
        e = propose_edit(BASELINE, log, rng, exclude=())
        assert e.key not in seen
        seen.add(e.key)
        log.append(LogRow(len(log), f"c{i}", log[0].commit, 2.0, 0.0, "discard", e.description, e.apply(BASELINE), e))
    ex = [e.key for e in neighbour_edits(BASELINE)[:-1]]
    assert propose_edit(BASELINE, log, rng, exclude=ex).field == "seed"


def test_propose_edit_is_uniform_over_fresh_edits():
    land = NoisyLandscape()
    log = ratchet_loop(land, BASELINE, 1, 0)
    edits = neighbour_edits(BASELINE)
    rng = np.random.default_rng(2)
    n = 3000
    keys = [propose_edit(BASELINE, log, rng, seed_weight=1.0).key for _ in range(n)]
    counts = np.array([keys.count(e.key) for e in edits])
    # each count ~ Binomial(n, 1/m): 5 standard errors
    m = len(edits)
    assert np.all(np.abs(counts - n / m) <= 5 * math.sqrt(n * (1 / m) * (1 - 1 / m)))


# --------------------------------------------------------------------------- the ratchet
def _parent_map(log):
    return {r.commit: r for r in log}


@FAST
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.002, 0.01]), st.integers(1, 3))
def test_loop_never_keeps_a_non_improving_candidate(seed, eps, K):
    log = ratchet_loop(NoisyLandscape(noise_sd=0.01), BASELINE, 40, seed, eps=eps, K=K)
    parents = _parent_map(log)
    assert log[0].status == "keep" and log[0].description == "baseline"
    assert sum(log.counts().values()) == 40
    for r in list(log)[1:]:
        m_inc = parents[r.parent].val_bpb
        if r.status == "keep":
            assert r.val_bpb < m_inc - eps
        elif r.status == "discard":
            assert not (r.val_bpb < m_inc - eps)
    kept = [r.val_bpb for r in log.kept()]
    assert all(b < a for a, b in zip(kept, kept[1:]))


def test_zero_noise_loop_is_monotone_in_the_true_metric():
    land = NoisyLandscape(noise_sd=0.0)
    for seed in range(5):
        log = ratchet_loop(land, BASELINE, 60, seed)
        true = [land.true_metric(r.config) for r in log.kept()]
        assert all(b < a for a, b in zip(true, true[1:]))
        assert [r.val_bpb for r in log.kept()] == true


def test_noisy_loop_can_keep_a_truly_worse_edit():
    # the previous test could fail: with noise, some kept edit is truly worse than its parent
    land = NoisyLandscape(noise_sd=0.01)
    worse = 0
    for seed in range(5):
        log = ratchet_loop(land, BASELINE, 60, seed)
        parents = _parent_map(log)
        worse += sum(land.true_metric(r.config) >= land.true_metric(parents[r.parent].config)
                     for r in log.kept()[1:])
    assert worse > 0


def test_deterministic_toy_loop_is_monotone_and_reproducible(toy):
    log = ratchet_loop(toy, BASELINE, 12, 7, fixed_seed=True)
    kept = log.kept()
    again = [toy.evaluate(r.config, 0).val_bpb for r in kept]
    assert again == [r.val_bpb for r in kept]
    assert all(b < a for a, b in zip(again, again[1:]))
    assert ratchet_loop(toy, BASELINE, 12, 7, fixed_seed=True).to_tsv() == log.to_tsv()


def test_crashes_are_logged_and_reverted():
    land = NoisyLandscape(noise_sd=0.001, crash=lambda c: c.width != 4)
    log = ratchet_loop(land, BASELINE, 80, 3)
    crashes = [r for r in log if r.status == "crash"]
    assert crashes and all(r.edit.field == "width" and math.isnan(r.val_bpb) for r in crashes)
    assert all(r.config.width == 4 for r in log.kept())
    assert "\t0.000000\t0.0\tcrash\t" in log.to_tsv()


def test_checks_veto_improvements():
    land = NoisyLandscape(noise_sd=0.0)
    log = ratchet_loop(land, BASELINE, 60, 4, checks=lambda c, m: c.batch_size >= 128)
    assert all(r.config.batch_size >= 128 for r in log.kept())


def test_baseline_crash_is_an_error():
    with pytest.raises(ValueError, match="baseline crashed"):
        ratchet_loop(NoisyLandscape(crash=lambda c: True), BASELINE, 5, 0)


def test_parallel_with_one_worker_is_the_sequential_loop():
    land = NoisyLandscape(noise_sd=0.005)
    a = ratchet_loop(land, BASELINE, 30, 11)
    b = parallel_ratchet(land, BASELINE, 29, 1, 11)
    assert a.to_tsv() == b.to_tsv()


def test_parallel_rounds_claim_distinct_edits_and_keep_the_best():
    land = NoisyLandscape(noise_sd=0.005)
    log = parallel_ratchet(land, BASELINE, 10, 6, 12)
    parents = _parent_map(log)
    assert len(log) == 1 + 10 * 6
    for rnd in range(1, 11):
        rows = [r for r in log if r.round == rnd]
        assert len({r.edit.key for r in rows}) == len(rows) == 6
        assert len({r.parent for r in rows}) == 1
        kept = [r for r in rows if r.status == "keep"]
        assert len(kept) <= 1
        inc = parents[rows[0].parent].val_bpb
        if kept:
            assert kept[0].val_bpb == min(r.val_bpb for r in rows)
        else:
            assert all(not (r.val_bpb < inc) for r in rows)


# --------------------------------------------------------------------------- log summaries
def _synthetic_log(statuses, values):
    rows = []
    parent = None
    for i, (s, v) in enumerate(zip(statuses, values)):
        rows.append(LogRow(i, f"{i:07x}", parent, v if s != "crash" else math.nan, 1.0, s, f"exp {i}"))
        if s == "keep":
            parent = f"{i:07x}"
    return ResultsLog(rows)


def test_keep_rate_of_the_published_session():
    statuses = ["keep"] * 23 + ["discard"] * 102 + ["crash"]
    log = _synthetic_log(statuses, np.linspace(1, 0.9, 126))
    assert log.counts() == {"keep": 23, "discard": 102, "crash": 1}
    assert keep_rate(log) == pytest.approx(23 / 125)  # analysis.ipynb: kept / (kept + discarded)
    assert keep_rate(log, include_crashes=True) == pytest.approx(23 / 126)


def test_running_best_matches_cumulative_minimum_of_kept_values():
    rng = np.random.default_rng(3)
    vals = rng.normal(1.0, 0.01, size=50)
    statuses = ["keep"] + ["discard"] * 49
    best = vals[0]
    for i in range(1, 50):
        if vals[i] < best:
            statuses[i], best = "keep", vals[i]
    statuses[7] = "crash" if statuses[7] == "discard" else statuses[7]
    log = _synthetic_log(statuses, vals)
    kept_vals = np.where(np.array(statuses) == "keep", vals, np.inf)
    assert np.allclose(running_best(log), np.minimum.accumulate(kept_vals))


def test_tsv_round_trip():
    log = ratchet_loop(NoisyLandscape(noise_sd=0.01, crash=lambda c: c.width == 6), BASELINE, 40, 5)
    back = ResultsLog.from_tsv(log.to_tsv())
    assert back.statuses() == log.statuses()
    assert np.allclose(back.metrics(), np.round(log.metrics(), 6), equal_nan=True)
    assert [r.commit for r in back] == [r.commit for r in log]
    with pytest.raises(ValueError, match="header"):
        ResultsLog.from_tsv("a\tb\n")


def test_replicate_gains_recovers_true_differences():
    land = NoisyLandscape(noise_sd=0.0)
    log = ratchet_loop(land, BASELINE, 40, 8)
    rep = replicate_gains(land, log, 3, 0)
    parents = _parent_map(log)
    truth = [land.true_metric(parents[log[i].parent].config) - land.true_metric(log[i].config) for i in rep.rows]
    assert np.allclose(rep.replicated, truth) and np.allclose(rep.claimed, truth)
    noisy = NoisyLandscape(noise_sd=0.01)
    rep = replicate_gains(noisy, log, 40, 1)
    # mean of 40 paired differences of N(0, 0.01^2) noise: SE = 0.01 * sqrt(2/40)
    assert np.all(np.abs(rep.replicated - truth) <= 5 * 0.01 * math.sqrt(2 / 40))


def test_measure_averages_k_runs():
    land = NoisyLandscape(noise_sd=0.01)
    m = measure(land, BASELINE, 4, np.random.default_rng(0))
    assert m.val_bpb == pytest.approx(np.mean([r.val_bpb for r in m.runs]))
    assert len(m.runs) == 4 and m.status == "ok"


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize("eps, K, sd, inc", [(0.0, 1, 0.01, "remeasured"), (0.005, 1, 0.01, "remeasured"),
                                             (0.005, 3, 0.01, "remeasured"), (0.004, 5, 0.004, "exact"),
                                             (0.01, 2, 0.01, "exact")])
def test_false_positive_rate_matches_simulation(eps, K, sd, inc):
    p_sim, se = simulate_false_positive_rate(eps, K, sd, 200_000, 42, incumbent=inc)
    p = false_positive_rate(eps, K, sd, incumbent=inc)
    assert abs(p_sim - p) <= 5 * se
    factor = math.sqrt(2.0) if inc == "remeasured" else 1.0
    assert p == pytest.approx(norm.cdf(-eps * math.sqrt(K) / (sd * factor)), rel=1e-12)


@FAST
@given(st.floats(-0.05, 0.05), st.floats(0.0, 0.05), st.floats(0.0, 0.05), st.integers(1, 6))
def test_acceptance_probability_grows_with_true_gain_and_shrinks_with_margin(g1, dg, eps, K):
    lo = acceptance_probability(g1, eps, K, 0.01)
    hi = acceptance_probability(g1 + dg, eps, K, 0.01)
    assert hi >= lo
    assert acceptance_probability(g1, eps + 0.001, K, 0.01) <= lo
    assert 0.0 <= lo <= 1.0


def test_false_positive_rate_at_zero_margin_is_one_half():
    assert false_positive_rate(0.0, 4, 0.3) == 0.5


def test_expected_noise_keeps_is_the_harmonic_number_minus_one():
    for n in (1, 2, 10, 126):
        assert expected_noise_keeps(n) == Fraction(str(sp.harmonic(n) - 1))


@pytest.mark.parametrize("K, sd", [(1, 1.0), (5, 0.003)])
def test_null_ratchet_simulation_matches_records_theory(K, sd):
    mean, se = simulate_null_ratchet(126, 0.0, K, sd, 20_000, 9)
    assert abs(mean - float(expected_noise_keeps(126))) <= 5 * se


def test_null_ratchet_margin_reduces_keeps():
    m0, _ = simulate_null_ratchet(126, 0.0, 1, 0.01, 4000, 1)
    m1, _ = simulate_null_ratchet(126, 0.01, 1, 0.01, 4000, 1)
    m3, _ = simulate_null_ratchet(126, 0.01, 3, 0.01, 4000, 1)
    assert m3 < m1 < m0


def test_wallclock_models():
    assert wallclock_sequential(126, 30, 4, 326) == 126 * 360
    assert wallclock_parallel(126, 1, 30, 4, 326, 0) == wallclock_sequential(126, 30, 4, 326)
    assert wallclock_parallel(128, 16, 30, 4, 326, 100) == 8 * 360 + 100
    assert wallclock_parallel(10, 4, 1.5, 0.0, 2.5, 1.0) == pytest.approx(10 / 4 * 4.0 + 1.0)
    assert np.array_equal(round_finish_times([0, 1, 1, 2], 10.0, 2.0), [12.0, 24.0, 24.0, 36.0])
    with pytest.raises(ValueError):
        round_finish_times([0, -1], 10.0)


def test_throughput_and_relative_improvement():
    assert experiments_per_hour(300) == 12
    assert experiments_per_hour(90) == 40
    assert experiments_per_hour("0.5") == 7200
    assert experiments_per_hour(300.0) == pytest.approx(12.0)
    assert relative_improvement("0.997900", "0.969686") == Fraction(28214, 997900)
    with pytest.raises(ValueError):
        experiments_per_hour(0)


def test_random_routines_refuse_none_as_rng():
    with pytest.raises(TypeError, match="rng"):
        simulate_false_positive_rate(0.0, 1, 1.0, 10, None)
    with pytest.raises(TypeError, match="rng"):
        ratchet_loop(NoisyLandscape(), BASELINE, 3, None)


# --------------------------------------------------------------------------- harness
@pytest.mark.parametrize(
    "script, timeout, status, metric",
    [
        ('print("---")\nprint("val_bpb:          0.504943")\n', 30, "ok", 0.504943),
        ('print("val_loss: 0.35")\n', 30, "parse_fail", None),
        ('raise RuntimeError("boom")\n', 30, "crash", None),
        ("import time\ntime.sleep(30)\n", 0.5, "timeout", None),
    ],
)
def test_run_candidate_outcomes(tmp_path, script, timeout, status, metric):
    (tmp_path / "train.py").write_text(script)
    r = run_candidate(tmp_path, timeout)
    assert r.status == status and r.ok == (status == "ok") and r.metric == metric
    assert r.log_path == tmp_path / "run.log" and r.log_path.exists()


def test_parse_metric():
    assert parse_metric("x\nval_bpb: 1.5\nval_bpb:   0.25\n") == 0.25
    assert parse_metric("my_val_bpb: 1.0\n") is None
    assert parse_metric("val_bpb: nan\n") is None


def test_toy_train_script_prints_the_evaluator_metric(toy):
    cfg = ToyConfig(batch_size=64)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(toy_train_script(cfg, run_seed=5), "train.py", "exec"), {"__name__": "__main__"})
    assert parse_metric(out.getvalue()) == pytest.approx(toy.evaluate(cfg, 5).val_bpb, abs=5e-7)
    with pytest.raises(MemoryError):
        exec(compile(toy_train_script(ToyConfig(batch_size=512)), "train.py", "exec"), {})
