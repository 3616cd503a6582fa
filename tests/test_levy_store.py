"""The results store: round trips, look-ups by parameters and engine, stale results refused,
and the research chapter's stored-or-computed sweep."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlib.levy import SearchParams, alpha_sweep, derive_seed, simulate_search
from lessonlib.levy import sweep as sweep_module
from lessonlib.levy.distributed import distributed_sweep
from lessonlib.levy.store import (
    STORE_ENV,
    ResultStore,
    default_store_dir,
    params_from_record,
    params_record,
    stored_or_computed_sweep,
)

P = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=400)
ARRAYS = ("fht", "frt", "n_jumps", "hit_trap")
REPO = Path(__file__).resolve().parents[1]


def assert_same(a, b) -> None:
    for k in ARRAYS:
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
        assert getattr(a, k).dtype == getattr(b, k).dtype, k
    assert (a.alpha, a.seed, a.first_index, a.n_queries, a.params) == (b.alpha, b.seed, b.first_index,
                                                                       b.n_queries, b.params)


def change_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``engine_source_hash`` see an edited engine: a copy of the engine sources with
    one line appended to the kernels (the real hashing code reads the copy)."""
    src = Path(sweep_module.__file__).resolve().parent
    dst = tmp_path / "edited_engine"
    dst.mkdir()
    for name in sweep_module._ENGINE_FILES:
        shutil.copy(src / name, dst / name)
    with open(dst / "_kernels.py", "a") as fh:
        fh.write("\n# an edit to the engine\n")
    monkeypatch.setattr(sweep_module, "__file__", str(dst / "sweep.py"))


def test_put_get_round_trip_and_files(tmp_path):
    store = ResultStore(tmp_path / "store")
    r = simulate_search(0.8, 300, P, seed=11)
    path = store.put(r, {"run_id": "r1", "note": "x"})
    lk = store.get(P, 0.8, 11, 300)
    assert lk.ok and lk.status == "ok" and lk.path == path
    assert_same(lk.result, r)
    assert lk.record["engine_hash"] == sweep_module.engine_source_hash()
    assert lk.record["run_id"] == "r1" and lk.record["n"] == 300
    # a readable copy of the record beside the arrays, the parameters, and a .gitignore
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["engine_hash"] == lk.record["engine_hash"] and side["alpha"] == 0.8
    assert params_from_record(json.loads((store.params_dir(P) / "params.json").read_text())) == P
    assert (store.root / ".gitignore").read_text().splitlines()[-1] == "*"
    # other N, seed, α or parameters: absent
    assert store.get(P, 0.8, 11, 301).status == "missing"
    assert store.get(P, 0.8, 12, 300).status == "missing"
    assert store.get(P, 0.9, 11, 300).status == "missing"
    assert store.get(P.replace(radius=2.0), 0.8, 11, 300).status == "missing"
    with pytest.raises(ValueError, match="trajectory 0"):
        store.put(simulate_search(0.8, 10, P, seed=11, first_index=5))
    with pytest.raises(TypeError, match="result"):
        store.put(r.fht)


def test_chunks_round_trip_and_removal(tmp_path):
    store = ResultStore(tmp_path)
    key = derive_seed(5, 1.2)
    parts = [simulate_search(1.2, 40, P, key, first_index=a) for a in (0, 40, 80)]
    for p in parts:
        store.put_chunk(p, {"wall_seconds": 0.5})
    assert len(store.chunk_files(P, 1.2, key)) == 3
    got = [store.get_chunk(P, 1.2, key, a, 40) for a in (0, 40, 80)]
    assert all(g.ok for g in got) and got[1].record["wall_seconds"] == 0.5
    assert_same(type(parts[0]).concatenate([g.result for g in got]), simulate_search(1.2, 120, P, key))
    assert store.get_chunk(P, 1.2, key, 40, 39).status == "missing"
    assert store.remove_chunks(P, 1.2, key) == 3 and store.chunk_files(P, 1.2, key) == []


def test_stale_result_refused_after_engine_change(tmp_path, monkeypatch):
    root = tmp_path / "store"
    r = simulate_search(0.6, 200, P, seed=derive_seed(4, 0.6))
    old = ResultStore(root)
    old.put(r, {"run_id": "old-run", "sweep_seed": 4})
    old.put_chunk(simulate_search(0.6, 50, P, seed=derive_seed(4, 0.6), first_index=50))
    assert old.get(P, 0.6, r.seed, 200).ok
    change_engine(tmp_path, monkeypatch)
    new = ResultStore(root)
    assert new.engine_hash != old.engine_hash
    lk = new.get(P, 0.6, r.seed, 200)
    assert lk.status == "stale" and not lk.ok and lk.result is None
    assert old.engine_hash[:12] in lk.reason and new.engine_hash[:12] in lk.reason and "engine" in lk.reason
    assert new.get_chunk(P, 0.6, r.seed, 50, 50).status == "stale"
    # the listing says so too, and the chapter's call computes instead, saying why
    listed = [lk2 for _, lk2 in new.entries()]
    assert [x.status for x in listed] == ["stale"]
    sw, prov = stored_or_computed_sweep([0.6], P, 200, seed=4, store=new)
    assert prov.source == "computed" and any("engine" in why for why in prov.refused)
    assert "No stored results were used" in prov.text and new.engine_hash[:12] in prov.text
    assert_same(sw[0.6], r)  # same numbers, recomputed (the edit was a comment)
    # a new run overwrites the stale file, which is then valid for the new engine
    new.put(sw[0.6])
    assert new.get(P, 0.6, r.seed, 200).ok and old.get(P, 0.6, r.seed, 200).status == "stale"


def test_stale_chunks_are_recomputed_not_reused(tmp_path):
    root = tmp_path / "store"
    other = ResultStore(root, engine_hash="0" * 64)  # results of another engine version
    first = distributed_sweep([0.7, 1.3], P, 300, seed=9, chunk_size=100, store=other, keep_chunks=True)
    assert first.chunks_computed == 6
    run = distributed_sweep([0.7, 1.3], P, 300, seed=9, chunk_size=100, store=ResultStore(root), keep_chunks=True)
    assert run.alphas_reused == [] and run.chunks_reused == 0 and run.chunks_computed == 6
    ref = alpha_sweep([0.7, 1.3], P, 300, seed=9)
    for a in (0.7, 1.3):
        assert_same(run.sweep[a], ref[a])


def test_corrupt_and_mismatched_files_are_refused(tmp_path):
    store = ResultStore(tmp_path)
    r = simulate_search(1.1, 100, P, seed=3)
    path = store.put(r)
    # a file copied under another N's name describes another run
    wrong = store.entry_path(P, 1.1, 3, 99)
    shutil.copy(path, wrong)
    lk = store.get(P, 1.1, 3, 99)
    assert lk.status == "mismatch" and "expected 99" in lk.reason
    path.write_bytes(path.read_bytes()[:200])
    lk = store.get(P, 1.1, 3, 100)
    assert lk.status == "corrupt" and "unreadable" in lk.reason


def test_find_sweep_takes_largest_valid_n(tmp_path):
    store = ResultStore(tmp_path)
    seed = 21
    for a in (0.5, 1.5):
        for n in (100, 400):
            store.put(simulate_search(a, n, P, derive_seed(seed, a)), {"run_id": f"run{n}"})
    found = store.find_sweep(P, [1.5, 0.5], seed, min_n=200)
    assert found.found and found.sweep.n_per_alpha.tolist() == [400, 400]
    assert found.sweep.alphas.tolist() == [0.5, 1.5] and found.sweep.from_cache.all()
    assert_same(found.sweep[1.5], simulate_search(1.5, 400, P, derive_seed(seed, 1.5)))
    short = store.find_sweep(P, [0.5, 1.5], seed, min_n=1000)
    assert not short.found and len(short.reasons) == 2 and "only N = 400" in short.reasons[0]
    miss = store.find_sweep(P, [0.5, 1.0, 1.5], seed, min_n=1)
    assert not miss.found and miss.reasons == ["no stored result for α = 1.0 with seed 21"]
    assert not store.find_sweep(P, [0.5], seed + 1).found


def test_stored_or_computed_sweep_prefers_valid_stored_results(tmp_path):
    store = tmp_path / "store"
    n_default = lambda a: 200 if a <= 1 else 100  # noqa: E731
    # nothing stored: the default-size sweep (the same as alpha_sweep)
    sw, prov = stored_or_computed_sweep([0.6, 1.4], P, n_default, seed=2026, store=store)
    ref = alpha_sweep([0.6, 1.4], P, n_default, seed=2026)
    assert prov.source == "computed" and prov.n_per_alpha == (200, 100)
    for a in (0.6, 1.4):
        assert_same(sw[a], ref[a])
    assert "200 for α = 0.6, 100 for α = 1.4" in prov.text and "holds no results for these parameters" in prov.text
    # a bigger ("thesis-scale") run in the store: used, with its provenance
    big = distributed_sweep([0.6, 1.0, 1.4], P, 1000, seed=2026, chunk_size=250, store=store)
    sw, prov = stored_or_computed_sweep([0.6, 1.4], P, n_default, seed=2026, store=store)
    assert prov.source == "store" and prov.n_per_alpha == (1000, 1000) and sw.from_cache.all()
    for a in (0.6, 1.4):
        assert_same(sw[a], big.sweep[a])
        assert_same(sw[a], simulate_search(a, 1000, P, derive_seed(2026, a)))
    rid = big.manifest["run_id"]
    assert [r["run_id"] for r in prov.runs] == [rid] and f"`{rid}`" in prov.text
    assert "1\u2009000 trajectories per α" in prov.text and prov.engine_hash[:12] in prov.text
    assert json.loads(json.dumps(prov.as_dict()))["source"] == "store"
    # asking for more than is stored (min_n) falls back and says why
    sw, prov = stored_or_computed_sweep([0.6, 1.4], P, n_default, seed=2026, store=store, min_n=10**6)
    assert prov.source == "computed" and "fewer than the 10⁶ asked for" in prov.text


def test_default_store_dir_and_env(monkeypatch, tmp_path):
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "elsewhere"))
    assert default_store_dir() == tmp_path / "elsewhere"
    assert ResultStore().root == tmp_path / "elsewhere"
    monkeypatch.delenv(STORE_ENV)
    assert default_store_dir() == REPO / "results" / "levy"


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 1e5), st.integers(1, 5000), st.sampled_from(["thesis", "lattice", "random"]),
       st.floats(0.1, 0.9), st.sampled_from([math.inf, 1e7]))
def test_params_record_round_trip_and_distinct_keys(width, n_traps, layout, rfrac, max_jump):
    p = SearchParams(half_width=width, n_traps=n_traps, layout=layout, radius=rfrac * width, max_jump=max_jump)
    rec = params_record(p)
    assert params_from_record(json.loads(json.dumps(rec))) == p
    store = ResultStore("/nonexistent", engine_hash="x")
    assert store.params_dir(p) == store.params_dir(params_from_record(rec))
    assert store.params_dir(p) != store.params_dir(p.replace(radius=p.radius * 0.5))
    assert store.params_dir(p) != store.params_dir(p.replace(n_traps=n_traps + 1))


def test_argument_errors(tmp_path):
    store = ResultStore(tmp_path)
    with pytest.raises(ValueError, match="alpha"):
        store.get(P, 2.5, 1, 10)
    with pytest.raises(ValueError, match="n"):
        store.get(P, 0.5, 1, 0)
    with pytest.raises(TypeError, match="stream_seed"):
        store.get(P, 0.5, 1.5, 10)
    with pytest.raises(TypeError, match="engine_hash"):
        ResultStore(tmp_path, engine_hash=3)
    with pytest.raises(TypeError, match="seed"):
        stored_or_computed_sweep([0.5], P, 10, seed=np.random.default_rng(0), store=tmp_path)
    with pytest.raises(ValueError, match="duplicates"):
        store.find_sweep(P, [0.5, 0.5], 1)
    with pytest.raises(ValueError, match="run_id"):
        store.write_run({"run_id": "../x"})
