"""Stable samplers and the engine's random stream, against scipy and closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from lessonlib.levy import (
    derive_seed,
    sample_isotropic_stable,
    sample_jumps,
    sample_positive_stable,
    sample_symmetric_stable,
    stable_tail_constant,
    stream_key,
    stream_uniforms,
)
from lessonlib.levy import SearchParams, sample_trajectory
from lessonlib.levy import _kernels as K
from lessonlib.levy.rng import stream_uint64

ALPHAS = [0.3, 0.6, 1.0, 1.5, 2.0]
P_MIN = 1e-3  # a correct sampler fails a KS test at this level once in a thousand seeds


def grid_ks(x: np.ndarray, cdf, n_grid: int = 200) -> tuple[float, float]:
    """KS distance evaluated at n_grid sample quantiles (scipy's stable cdf is slow).

    The sup over a subset of points is <= the full KS statistic, so the p-value from
    the exact KS distribution (scipy.stats.kstwo) is conservative: a pass here is
    weaker than a full KS pass, but a failure is a real failure.
    """
    x = np.sort(x)
    n = x.size
    g = np.quantile(x, np.linspace(0.002, 0.998, n_grid))
    f = cdf(g)
    d = max(np.abs(np.searchsorted(x, g, "right") / n - f).max(),
            np.abs(np.searchsorted(x, g, "left") / n - f).max())
    return float(d), float(sps.kstwo.sf(d, n))


@pytest.mark.parametrize("alpha", ALPHAS)
def test_cms_matches_scipy_levy_stable(alpha):
    x = sample_symmetric_stable(alpha, 20_000, rng=11)
    d, p = grid_ks(x, lambda g: sps.levy_stable.cdf(g, alpha, 0.0))
    assert p > P_MIN, (alpha, d)


@pytest.mark.parametrize("alpha", [0.6, 1.5])
def test_scale_argument_is_a_pure_scaling(alpha):
    a = sample_symmetric_stable(alpha, 1000, rng=3)
    b = sample_symmetric_stable(alpha, 1000, rng=3, scale=2.5)
    np.testing.assert_allclose(b, 2.5 * a, rtol=1e-15)
    d, p = grid_ks(sample_symmetric_stable(alpha, 20_000, rng=4, scale=2.5),
                   lambda g: sps.levy_stable.cdf(g, alpha, 0.0, scale=2.5))
    assert p > P_MIN


def test_alpha_one_is_cauchy_exactly():
    # the CMS formula reduces to tan(V); compare draw by draw with the same uniforms
    rng = np.random.default_rng(5)
    u1 = (rng.integers(0, 2**52, 5000) + 0.5) * 2.0**-52
    u2 = (rng.integers(0, 2**52, 5000) + 0.5) * 2.0**-52
    out = np.empty(5000)
    K.cms_symmetric_array(1.0, u1, u2, out)
    np.testing.assert_allclose(out, np.tan(np.pi * (u1 - 0.5)), rtol=1e-12)
    d, p = grid_ks(sample_symmetric_stable(1.0, 20_000, rng=6), sps.cauchy.cdf)
    assert p > P_MIN


def test_alpha_two_is_normal_with_variance_two_sigma_squared():
    x = sample_symmetric_stable(2.0, 20_000, rng=7, scale=1.5)
    d, p = grid_ks(x, sps.norm(scale=1.5 * math.sqrt(2.0)).cdf)
    assert p > P_MIN
    # and not N(0, sigma^2): the convention matters
    assert grid_ks(x, sps.norm(scale=1.5).cdf)[1] < 1e-6


@pytest.mark.parametrize("alpha", [0.6, 1.5])
def test_characteristic_function(alpha):
    # E cos(tX) = exp(-|t|^alpha); cos is bounded, so the sample mean has SE <= 1/sqrt(n)
    n = 50_000
    x = sample_symmetric_stable(alpha, n, rng=8)
    for t in (0.3, 1.0, 2.0):
        c = np.cos(t * x)
        se = c.std() / math.sqrt(n)
        assert abs(c.mean() - math.exp(-t**alpha)) < 5 * se


@pytest.mark.parametrize("a", [0.3, 0.5, 0.75])
def test_positive_stable_against_scipy_and_laplace_transform(a):
    x = sample_positive_stable(a, 20_000, rng=12)
    assert np.all(x > 0)
    d, p = grid_ks(x, lambda g: sps.levy_stable.cdf(g, a, 1.0, scale=math.cos(math.pi * a / 2) ** (1 / a)))
    assert p > P_MIN
    for g in (0.5, 2.0):
        e = np.exp(-g * x)
        assert abs(e.mean() - math.exp(-g**a)) < 5 * e.std() / math.sqrt(x.size)


def test_positive_stable_a_one_is_constant_one():
    assert np.all(sample_positive_stable(1.0, 100, rng=1) == 1.0)


@pytest.mark.parametrize("alpha", [0.6, 1.5, 2.0])
def test_isotropic_vectors_have_stable_projections_and_uniform_angles(alpha):
    v = sample_isotropic_stable(alpha, 20_000, rng=13, scale=2.0)
    u = np.array([math.cos(0.7), math.sin(0.7)])
    proj = v @ u
    ref = sps.norm(scale=2.0 * math.sqrt(2)).cdf if alpha == 2.0 else (
        lambda g: sps.levy_stable.cdf(g, alpha, 0.0, scale=2.0))
    assert grid_ks(proj, ref)[1] > P_MIN
    ang = np.arctan2(v[:, 1], v[:, 0])
    assert sps.kstest(ang, sps.uniform(-np.pi, 2 * np.pi).cdf).pvalue > P_MIN


@pytest.mark.parametrize("alpha", [0.6, 1.0, 1.5])
def test_engine_stream_jumps(alpha):
    # radial: lengths are |X|, |X| has cdf 2F(x) - 1; directions are uniform unit vectors
    ell, u = sample_jumps(alpha, 20_000, seed=21, trajectory=3)
    assert grid_ks(ell, lambda g: 2 * sps.levy_stable.cdf(g, alpha, 0.0) - 1)[1] > P_MIN
    np.testing.assert_allclose(np.hypot(u[:, 0], u[:, 1]), 1.0, rtol=1e-14)
    assert sps.kstest(np.arctan2(u[:, 1], u[:, 0]), sps.uniform(-np.pi, 2 * np.pi).cdf).pvalue > P_MIN
    # isotropic: x-projection is S_alpha(scale)
    ell, u = sample_jumps(alpha, 20_000, seed=22, construction="isotropic", scale=3.0)
    assert grid_ks(ell * u[:, 0], lambda g: sps.levy_stable.cdf(g, alpha, 0.0, scale=3.0))[1] > P_MIN


def test_sample_jumps_reproducible_and_max_jump_redraws():
    a1 = sample_jumps(0.6, 500, seed=5, trajectory=2)
    a2 = sample_jumps(0.6, 500, seed=5, trajectory=2)
    assert np.array_equal(a1[0], a2[0]) and np.array_equal(a1[1], a2[1])
    ell, _ = sample_jumps(0.6, 5000, seed=5, max_jump=50.0)
    assert ell.max() <= 50.0
    uncapped, _ = sample_jumps(0.6, 5000, seed=5)
    assert uncapped.max() > 50.0  # alpha = 0.6: P(|X| > 50) ~ 0.05, so 5000 draws exceed it


def test_tail_constant_against_scipy_survival():
    # scipy's sf underflows to 0 far out for alpha > 1, so compare where it is still
    # accurate; the next term of the expansion is O(x^-alpha) relative, < 1 % here
    for alpha, x in ((0.6, 1e4), (1.0, 1e4), (1.5, 100.0), (1.9, 100.0)):
        sf = 2 * sps.levy_stable.sf(x, alpha, 0.0)
        assert stable_tail_constant(alpha) * x**-alpha == pytest.approx(sf, rel=1e-2)
    assert stable_tail_constant(1.0) == pytest.approx(2 / math.pi, rel=1e-14)


def test_stream_uniforms_are_open_and_uniform():
    u = stream_uniforms(99, 100_000)
    assert u.min() > 0 and u.max() < 1
    assert sps.kstest(u, "uniform").pvalue > P_MIN
    # consecutive pairs: no lag-1 correlation (SE 1/sqrt(n))
    r = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(r) < 5 / math.sqrt(u.size)


def test_streams_are_keyed_by_seed_and_trajectory():
    a = stream_uniforms(1, 1000, trajectory=0)
    assert np.array_equal(a, stream_uniforms(1, 1000, trajectory=0))
    b = stream_uniforms(1, 1000, trajectory=1)
    c = stream_uniforms(2, 1000, trajectory=0)
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    # neighbouring trajectories are uncorrelated (SE 1/sqrt(n))
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / math.sqrt(1000)
    # bits of the raw stream: every bit position is 1 half the time (binomial SE 0.5/sqrt(n))
    raw = stream_uint64(3, 20_000)
    bits = ((raw[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(float)
    assert np.all(np.abs(bits.mean(axis=0) - 0.5) < 5 * 0.5 / math.sqrt(20_000))


def test_stream_key_and_derive_seed():
    assert stream_key(2**64 - 1) == 2**64 - 1
    with pytest.raises(ValueError, match="seed"):
        stream_key(-1)
    with pytest.raises(ValueError, match="seed"):
        stream_key(2**64)
    with pytest.raises(TypeError, match="seed"):
        stream_key(1.5)
    k = stream_key(np.random.default_rng(0))
    assert 0 <= k < 2**64 and k == stream_key(np.random.default_rng(0))
    assert derive_seed(1, 0.6) == derive_seed(1, 0.6)
    assert len({derive_seed(1, a) for a in (0.6, 0.7, 0.6000000000000001)}) == 3
    assert derive_seed(1, 0.6) != derive_seed(2, 0.6)


@pytest.mark.parametrize("bad", [0.0, -0.5, 2.0001, math.nan])
def test_alpha_outside_stable_range_is_refused(bad):
    with pytest.raises(ValueError, match="alpha"):
        sample_symmetric_stable(bad, 10, rng=0)
    with pytest.raises(ValueError, match="alpha"):
        sample_jumps(bad, 10, seed=0)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="scale"):
        sample_symmetric_stable(1.0, 10, rng=0, scale=-1.0)
    with pytest.raises(TypeError, match="rng"):
        sample_symmetric_stable(1.0, 10, rng=None)
    with pytest.raises(ValueError, match="construction"):
        sample_jumps(1.0, 10, seed=0, construction="polar")
    with pytest.raises(ValueError, match="max_jump"):
        sample_jumps(1.0, 10, seed=0, max_jump=0.0)
    with pytest.raises(ValueError, match="alpha"):
        stable_tail_constant(2.0)


# ----------------------------------------------------------------------------- the sampler's own elementary functions
def _ulp_error(got: np.ndarray, ref: np.ndarray) -> float:
    ok = np.isfinite(ref) & (ref != 0)
    return float(np.max(np.abs(got[ok] - ref[ok]) / np.spacing(np.abs(ref[ok]))))


def _apply(f, x: np.ndarray) -> np.ndarray:
    return np.array([f(float(v)) for v in x])


def test_own_sin_and_cos_are_within_one_ulp_of_libm_on_minus_pi_to_pi():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-np.pi, np.pi, 20_000), [0.0, 1e-300, -1e-8, np.pi / 4, np.pi / 2,
                                                              -np.pi / 2, 3 * np.pi / 4, np.pi, -np.pi]])
    assert _ulp_error(_apply(K._sin, x), np.sin(x)) <= 1.0
    assert _ulp_error(_apply(K._cos, x), np.cos(x)) <= 1.0
    assert K._sin(0.0) == 0.0 and K._cos(0.0) == 1.0


def test_own_log_is_within_two_ulp_of_libm():
    rng = np.random.default_rng(12)
    x = np.concatenate([np.exp(rng.uniform(-700, 700, 10_000)), rng.uniform(0.5, 2.0, 10_000),
                        [2.0**-53, 1.0 - 2.0**-53, 1.0 + 2.0**-52, np.sqrt(2.0), 1e300]])
    assert _ulp_error(_apply(K._log, x), np.log(x)) <= 2.0
    assert K._log(1.0) == 0.0 and K._log(0.0) == -math.inf


def test_own_exp_is_within_one_ulp_of_libm_and_saturates():
    rng = np.random.default_rng(13)
    x = np.concatenate([rng.uniform(-708, 709.7, 10_000), rng.uniform(-1, 1, 10_000), [0.0, 1e-20, -1e-20]])
    assert _ulp_error(_apply(K._exp, x), np.exp(x)) <= 1.0
    assert K._exp(0.0) == 1.0 and K._exp(710.0) == math.inf and K._exp(-800.0) == 0.0


@pytest.mark.parametrize("alpha", [0.3, 0.6, 1.0, 1.5, 2.0])
def test_vectorised_block_is_bitwise_the_scalar_sampler(alpha):
    # the walker draws lengths in vectorised blocks, sample_jumps one at a time: the
    # engine's results may not depend on which, so the two must agree to the last bit
    u = stream_uniforms(8, 4096)
    u1, u2 = u[:2048].copy(), u[2048:].copy()
    out = np.empty(2048)
    K.cms_abs_block(alpha, 2.5, u1.copy(), u2.copy(), out)
    scalar = np.array([2.5 * K.cms_abs(alpha, a, b) for a, b in zip(u1, u2)])
    assert np.array_equal(out, scalar)
    # and both agree with CMS evaluated with libm to rounding
    v = np.pi * (u1 - 0.5)
    if alpha == 1.0:
        ref = np.abs(np.tan(v))
    else:
        ref = np.abs(np.sin(alpha * v) / np.cos(v) ** (1 / alpha)
                     * (np.cos((1 - alpha) * v) / -np.log(u2)) ** ((1 - alpha) / alpha))
    np.testing.assert_allclose(out, 2.5 * ref, rtol=1e-12)


def test_walker_jumps_are_the_sampler_jumps():
    # the walker (blocks of jumps) against sample_jumps (one jump at a time), bitwise
    tr = sample_trajectory(0.8, SearchParams(horizon=5_000), seed=3, index=4)
    ell, u = sample_jumps(0.8, tr.n_jumps, seed=3, trajectory=4)
    assert tr.n_jumps > 40  # several blocks of jumps
    assert np.array_equal(tr.lengths, ell)
    assert np.array_equal(tr.directions, u)
