"""Cached α sweeps: seeds per α, cache hits and misses, tidy tables."""
from __future__ import annotations

import numpy as np
import pytest

from lessonlib.levy import SearchParams, alpha_sweep, derive_seed, optimal_alpha, simulate_search
from lessonlib.levy.sweep import engine_source_hash

P = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=400)


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("fht", "frt", "n_jumps", "hit_trap"))


def test_per_alpha_seeds_do_not_depend_on_the_grid():
    small = alpha_sweep([0.8], P, 300, seed=5)
    big = alpha_sweep([1.6, 0.8, 1.2], P, 300, seed=5)
    assert big.alphas.tolist() == [0.8, 1.2, 1.6]
    assert same(small[0.8], big[0.8])
    assert same(big[1.2], simulate_search(1.2, 300, P, seed=derive_seed(5, 1.2)))
    assert not np.array_equal(big[0.8].fht, alpha_sweep([0.8], P, 300, seed=6)[0.8].fht)
    with pytest.raises(KeyError):
        big[0.9]


def test_cache_round_trip_and_invalidation(tmp_path):
    first = alpha_sweep([0.7, 1.4], P, 200, seed=1, cache_dir=tmp_path)
    assert not first.from_cache.any() and len(list(tmp_path.glob("*.npz"))) == 2
    again = alpha_sweep([0.7, 1.4], P, 200, seed=1, cache_dir=tmp_path)
    assert again.from_cache.all()
    for a in (0.7, 1.4):
        assert same(first[a], again[a])
        assert again[a].seed == first[a].seed and again[a].params == P
    # any change of N, seed or a knob misses the cache
    assert not alpha_sweep([0.7], P, 201, seed=1, cache_dir=tmp_path).from_cache.any()
    assert not alpha_sweep([0.7], P, 200, seed=2, cache_dir=tmp_path).from_cache.any()
    assert not alpha_sweep([0.7], P.replace(radius=2.0), 200, seed=1, cache_dir=tmp_path).from_cache.any()
    # a corrupt file is recomputed, not trusted
    for f in tmp_path.glob("*.npz"):
        f.write_bytes(b"garbage")
    redo = alpha_sweep([0.7, 1.4], P, 200, seed=1, cache_dir=tmp_path)
    assert not redo.from_cache.any() and same(redo[0.7], first[0.7])
    assert len(engine_source_hash()) == 64


def test_n_per_alpha_forms_and_table():
    sw = alpha_sweep([0.5, 1.0, 1.5], P, lambda a: 400 if a <= 1 else 100, seed=3)
    assert sw.n_per_alpha.tolist() == [400, 400, 100]
    sw2 = alpha_sweep([0.5, 1.5], P, {0.5: 50, 1.5: 60}, seed=3)
    assert sw2.n_per_alpha.tolist() == [50, 60]
    tab = sw.table()
    assert tab["alpha"].tolist() == [0.5, 1.0, 1.5]
    np.testing.assert_array_equal(tab["fht_p"], [r.hit.mean() for r in sw.results])
    assert len(sw.samples("frt")) == 3
    best = sw.optimal_alpha(20, rng=1, statistic="restricted_mean")
    assert best.alpha == optimal_alpha(sw.alphas, sw.results, 20, rng=1, statistic="restricted_mean").alpha
    assert best.alpha == optimal_alpha(sw.alphas, sw.samples(), 0, rng=1, statistic="restricted_mean",
                                       horizon=P.horizon).alpha
    with pytest.raises(ValueError, match="n_per_alpha"):
        alpha_sweep([0.5, 1.5], P, {0.5: 50}, seed=3)


def test_sweep_argument_errors():
    with pytest.raises(ValueError, match="alpha"):
        alpha_sweep([0.5, 2.5], P, 10, seed=0)
    with pytest.raises(ValueError, match="duplicates"):
        alpha_sweep([0.5, 0.5], P, 10, seed=0)
    with pytest.raises(TypeError, match="seed"):
        alpha_sweep([0.5], P, 10, seed=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_per_alpha"):
        alpha_sweep([0.5], P, 0, seed=0)
