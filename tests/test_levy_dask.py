"""Chunked sweeps in-process and on a real Dask LocalCluster (2 worker processes, 1 thread
each): bit-identical to one in-process call for every chunking, worker count and backend;
a worker killed mid-sweep loses no finished chunk; interrupted sweeps resume; CLI provenance.

Reference everywhere: ``alpha_sweep`` (one ``simulate_search`` call over [0, N) per α),
compared with ``numpy.array_equal`` on every result array.
"""
from __future__ import annotations

import io
import json
import os
import signal

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonlib.levy import SearchParams, alpha_sweep, derive_seed, simulate_search
from lessonlib.levy import distributed as dist
from lessonlib.levy.__main__ import build_params, main, parse_param
from lessonlib.levy.distributed import (
    ChunkSpec,
    ProgressEvent,
    TerminalProgress,
    chunk_ranges,
    distributed_sweep,
    local_client,
    parse_alphas,
    plan_chunks,
    run_chunk,
)
from lessonlib.levy.store import ResultStore
from lessonlib.levy.sweep import engine_source_hash

pytest.importorskip("distributed")

P = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=400)
ALPHAS = [0.5, 1.0, 1.7]
N = 1200
SEED = 2026
ARRAYS = ("fht", "frt", "n_jumps", "hit_trap")


def assert_same(a, b) -> None:
    for k in ARRAYS:
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
        assert getattr(a, k).dtype == getattr(b, k).dtype, k
    assert (a.alpha, a.seed, a.first_index, a.n_queries, a.params) == (b.alpha, b.seed, b.first_index,
                                                                       b.n_queries, b.params)


def assert_same_sweep(run, ref) -> None:
    assert run.sweep.alphas.tolist() == ref.alphas.tolist()
    assert run.sweep.seed == ref.seed and run.sweep.n_per_alpha.tolist() == ref.n_per_alpha.tolist()
    for a in ref.alphas.tolist():
        assert_same(run.sweep[a], ref[a])


@pytest.fixture(scope="module")
def reference():
    return alpha_sweep(ALPHAS, P, N, seed=SEED)


@pytest.fixture(scope="module")
def client():
    # numba's cache (here the default, __pycache__ beside the sources; $NUMBA_CACHE_DIR if
    # set) is shared by the parent and the workers, so the workers load compiled kernels
    with local_client(2, threads_per_worker=1) as c:
        c.wait_for_workers(2, timeout=120)
        yield c


# --------------------------------------------------------------------------- planning
@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 700))
def test_chunk_ranges_tile_the_trajectory_range(n, size):
    r = chunk_ranges(n, size)
    assert len(r) == -(-n // size)
    assert all(k == size for _, k in r[:-1]) and 1 <= r[-1][1] <= size
    idx = np.concatenate([np.arange(a, a + k) for a, k in r])
    assert np.array_equal(idx, np.arange(n))


def test_plan_uses_the_alpha_sweep_seeds():
    plan = plan_chunks([1.5, 0.5], {0.5: 10, 1.5: 7}, 4, 4)
    assert list(plan) == [0.5, 1.5]
    assert [(c.first_index, c.n) for c in plan[1.5]] == [(0, 4), (4, 3)]
    assert {c.stream_seed for c in plan[0.5]} == {derive_seed(4, 0.5)}
    per_alpha = plan_chunks([0.5, 1.5], 10, 4, lambda a: 10 if a < 1 else 3)
    assert [c.n for c in per_alpha[0.5]] == [10] and [c.n for c in per_alpha[1.5]] == [3, 3, 3, 1]


def test_per_alpha_chunk_sizes_are_bit_identical(reference):
    run = distributed_sweep(ALPHAS, P, N, SEED, chunk_size={0.5: 1000, 1.0: 77, 1.7: 5000}, numba_threads=1)
    assert run.chunks_computed == 2 + 16 + 1
    assert_same_sweep(run, reference)


def test_parse_alphas():
    assert parse_alphas("0.3:2.0:0.1") == [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6,
                                           1.7, 1.8, 1.9, 2.0]
    assert parse_alphas("1.5, 0.6,1") == [0.6, 1.0, 1.5]
    assert parse_alphas("0.5:0.5:0.1") == [0.5]
    for bad in ("2.0:0.3:0.1", "0.3:2.0", "0.3:2.0:0", "a,b", "0.3:2.0:-0.1"):
        with pytest.raises(ValueError, match="alphas"):
            parse_alphas(bad)
    with pytest.raises(ValueError, match="alphas"):
        parse_alphas("0,1")  # α = 0 is not a stable index
    with pytest.raises(TypeError, match="alphas"):
        parse_alphas([0.5])


# --------------------------------------------------------------------------- in-process
@pytest.mark.parametrize("chunk_size", [N, 500, 97, 13])
def test_in_process_chunkings_are_bit_identical(reference, chunk_size):
    # one numba thread: waking a thread team for each tiny chunk is slow on a loaded machine
    run = distributed_sweep(ALPHAS, P, N, SEED, chunk_size=chunk_size, numba_threads=1)
    assert run.chunks_computed == len(ALPHAS) * -(-N // chunk_size) and run.manifest_path is None
    assert_same_sweep(run, reference)
    np.testing.assert_array_equal(run.table["fht_p"], reference.table()["fht_p"])
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS  # the caller's setting is restored


def test_numba_thread_count_does_not_change_results(reference):
    old = numba.get_num_threads()
    try:
        one = distributed_sweep(ALPHAS, P, N, SEED, chunk_size=300, numba_threads=1)
        two = distributed_sweep(ALPHAS, P, N, SEED, chunk_size=300, numba_threads=2)
    finally:
        numba.set_num_threads(old)
    assert_same_sweep(one, reference)
    assert_same_sweep(two, reference)


def test_run_chunk_refuses_another_engine():
    out = run_chunk(ChunkSpec(0.8, 7, 10, 20), P, engine_source_hash())
    assert_same(out.result, simulate_search(0.8, 20, P, 7, first_index=10))
    assert out.wall_seconds >= 0 and out.pid == os.getpid() and out.worker is None
    with pytest.raises(RuntimeError, match="engine mismatch"):
        run_chunk(ChunkSpec(0.8, 7, 0, 5), P, "0" * 64)


def test_interrupted_sweep_resumes_from_stored_chunks(tmp_path, reference):
    store = ResultStore(tmp_path)

    def stop_after_four(ev: ProgressEvent) -> None:
        if ev.kind == "chunk" and ev.chunks_done == 4:
            raise KeyboardInterrupt("user pressed Ctrl-C")

    with pytest.raises(KeyboardInterrupt):
        distributed_sweep(ALPHAS, P, N, SEED, chunk_size=400, store=store, progress=stop_after_four)
    # α = 0.5 (3 chunks) was finished and merged; one chunk of α = 1.0 is on disk
    assert store.get(P, 0.5, derive_seed(SEED, 0.5), N).ok
    assert len(store.chunk_files(P, 1.0, derive_seed(SEED, 1.0))) == 1
    (manifest,) = (tmp_path / "runs").glob("*.json")
    assert json.loads(manifest.read_text())["status"].startswith("interrupted (KeyboardInterrupt")
    run = distributed_sweep(ALPHAS, P, N, SEED, chunk_size=400, store=store)
    assert run.alphas_reused == [0.5] and run.chunks_reused == 1 and run.chunks_computed == 5
    assert run.chunks_total == 6 and run.sweep.from_cache.tolist() == [True, False, False]
    assert_same_sweep(run, reference)
    # merged α drop their chunks (keep_chunks=False); a third run reuses every α whole
    assert all(store.chunk_files(P, a, derive_seed(SEED, a)) == [] for a in ALPHAS)
    again = distributed_sweep(ALPHAS, P, N, SEED, chunk_size=400, store=store)
    assert again.alphas_reused == ALPHAS and again.chunks_total == 0 and again.chunks_computed == 0
    assert_same_sweep(again, reference)


# --------------------------------------------------------------------------- Dask
@pytest.mark.parametrize("chunk_size", [N, 400, 97])
def test_dask_matches_in_process_for_chunkings_and_worker_counts(client, reference, chunk_size):
    both = distributed_sweep(ALPHAS, P, N, SEED, client=client, chunk_size=chunk_size)
    assert_same_sweep(both, reference)
    first = sorted(client.nthreads())[0]
    one = distributed_sweep(ALPHAS, P, N, SEED, client=client, chunk_size=chunk_size, workers=[first])
    assert_same_sweep(one, reference)
    assert both.manifest["backend"]["n_workers"] == 2 and one.manifest["backend"]["n_workers"] == 1


def test_dask_workers_report_engine_versions_and_cache(client):
    run = distributed_sweep([0.9], P, 50, SEED, client=client, chunk_size=25)
    info = run.manifest["backend"]["workers"]
    assert len(info) == 2 and len({w["pid"] for w in info} | {os.getpid()}) == 3
    assert {w["engine_hash"] for w in info} == {engine_source_hash()}
    assert {w["numpy"] for w in info} == {np.__version__} and {w["numba"] for w in info} == {numba.__version__}
    expected_cache = numba.config.CACHE_DIR or "(numba default: __pycache__ beside the sources)"
    assert {w["numba_cache_dir"] for w in info} == {expected_cache}
    assert run.manifest["backend"]["dashboard"].startswith("http")


def test_dask_refuses_workers_with_another_engine(client, monkeypatch):
    # the client pretends its engine changed; the workers still run the real one
    monkeypatch.setattr(dist, "engine_source_hash", lambda: "f" * 64)
    with pytest.raises(RuntimeError, match="another engine"):
        distributed_sweep([0.9], P, 50, SEED, client=client)


def test_cli_sweep_on_a_scheduler_address_writes_provenance(client, tmp_path, reference, capsys):
    argv = ["sweep", "--alphas", "0.5,1.0,1.7", "--n", "1200", "--seed", str(SEED), "--chunk-size", "500",
            "--scheduler", client.scheduler.address, "--out", str(tmp_path), "--param", "half_width=40",
            "--param", "n_traps=16", "--param", "layout=lattice", "--param", "horizon=400", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "9 chunks computed, 0 reused" in out
    store = ResultStore(tmp_path)
    for a in ALPHAS:
        lk = store.get(P, a, derive_seed(SEED, a), N)
        assert lk.ok
        assert_same(lk.result, reference[a])
        assert lk.record["sweep_seed"] == SEED and lk.record["chunk_size"] == 500
    (mpath,) = (tmp_path / "runs").glob("*.json")
    m = json.loads(mpath.read_text())
    assert m["status"] == "complete" and m["alphas"] == ALPHAS and m["n_per_alpha"] == [N] * 3
    assert m["seed"] == SEED and m["chunk_size"] == [500] * 3 and m["engine_hash"] == engine_source_hash()
    assert m["params"]["half_width"] == 40.0 and m["params"]["max_jump"] == "inf"
    assert m["versions"]["numpy"] == np.__version__ and m["versions"]["numba"] == numba.__version__
    assert m["versions"]["python"] and m["versions"]["lessonlib"]
    assert m["command"][3:] == argv and m["wall_seconds"] > 0
    assert m["backend"]["scheduler"] == client.scheduler.address and m["backend"]["n_workers"] == 2
    assert [row["n_chunks"] for row in m["per_alpha"]] == [3, 3, 3]
    assert all(row["compute_seconds"] > 0 for row in m["per_alpha"])
    # status lists the three results as valid
    assert main(["status", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count(" ok") == 3


def test_cli_embedded_local_cluster(tmp_path, reference, capsys):
    argv = ["sweep", "--alphas", "1.0", "--n", "1200", "--seed", str(SEED), "--chunk-size", "600",
            "--local-workers", "1", "--out", str(tmp_path), "--param", "half_width=40", "--param", "n_traps=16",
            "--param", "layout=lattice", "--param", "horizon=400"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Dask dashboard: http" in captured.err and "2 chunks computed" in captured.out
    lk = ResultStore(tmp_path).get(P, 1.0, derive_seed(SEED, 1.0), N)
    assert_same(lk.result, reference[1.0])
    assert lk.record["backend"] == "Dask LocalCluster" and lk.record["n_workers"] == 1


def test_dask_worker_killed_mid_sweep_loses_no_finished_chunk(client, tmp_path):
    # 12 chunks of about 0.2-0.5 s each, so that a worker is busy when it is killed
    alpha, n, size = 1.5, 60_000, 5_000
    ref = simulate_search(alpha, n, P, derive_seed(SEED, alpha))
    store = ResultStore(tmp_path)
    pids = client.run(os.getpid)
    seen: dict = {}

    def kill_a_busy_worker(ev: ProgressEvent) -> None:
        if ev.kind == "chunk" and ev.chunks_done == 3 and not seen:
            busy = [w for w, keys in client.processing().items() if keys]
            seen["files"] = {f: f.stat().st_mtime_ns for f in store.chunk_files(P, alpha, ref.seed)}
            seen["worker"] = busy[0]
            os.kill(pids[busy[0]], signal.SIGKILL)

    run = distributed_sweep([alpha], P, n, SEED, client=client, chunk_size=size, store=store, keep_chunks=True,
                            progress=kill_a_busy_worker)
    assert seen, "no worker was killed"
    assert_same(run.sweep[alpha], ref)
    files = {f: f.stat().st_mtime_ns for f in store.chunk_files(P, alpha, ref.seed)}
    assert len(seen["files"]) == 3 and len(files) == 12 and run.chunks_computed == 12
    # the chunks finished before the kill were neither lost nor recomputed
    assert all(files[f] == t for f, t in seen["files"].items())
    # every chunk finished after the kill ran on a live worker
    killed_pid = pids[seen["worker"]]
    later = [json.loads(json.dumps(store.get_chunk(P, alpha, ref.seed, int(f.stem.split("_")[0]), size).record))
             for f in files if f not in seen["files"]]
    assert len(later) == 9 and all(rec["pid"] != killed_pid for rec in later)
    # resume: without the merged result the sweep is rebuilt from the 12 stored chunks alone
    for f in store.chunk_dir(P, alpha, ref.seed).parent.glob("n_*"):
        f.unlink()
    again = distributed_sweep([alpha], P, n, SEED, client=client, chunk_size=size, store=store, keep_chunks=True)
    assert again.chunks_reused == 12 and again.chunks_computed == 0
    assert_same(again.sweep[alpha], ref)
    client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed worker
    assert killed_pid not in client.run(os.getpid).values()


# --------------------------------------------------------------------------- progress and CLI parsing
def events(total_traj=1000, chunks=10, dashboard=None):
    yield ProgressEvent("start", 0, chunks, 0, total_traj, 0.0, dashboard=dashboard, backend="test")
    for k in range(1, chunks + 1):
        yield ProgressEvent("chunk", k, chunks, k * total_traj // chunks, total_traj, 0.1 * k, alpha=0.5)
    yield ProgressEvent("done", chunks, chunks, total_traj, total_traj, 1.0)


def test_terminal_progress_log_and_tty_modes():
    log = io.StringIO()
    bar = TerminalProgress(log, tty=False, step=0.25)
    for ev in events(dashboard="http://127.0.0.1:8787/status"):
        bar(ev)
    text = log.getvalue()
    assert "Dask dashboard: http://127.0.0.1:8787/status" in text and "\r" not in text
    # a line when the fraction done first reaches each multiple of 0.25, and a final line
    bars = [ln for ln in text.splitlines() if ln.startswith("[")]
    assert [float(b.split("]")[1].split("%")[0]) for b in bars] == [0.0, 30.0, 50.0, 80.0, 100.0, 100.0]
    assert bars[0].startswith("[" + "-" * 30 + "]") and bars[-1].startswith("[" + "#" * 30 + "]")
    assert text.rstrip().endswith("done in 0:00:01")
    tty = io.StringIO()
    bar = TerminalProgress(tty, tty=True, min_interval=0.0)
    for ev in events():
        bar(ev)
    assert tty.getvalue().count("\r") == 12 and "1,000/1,000 trajectories" in tty.getvalue()


def test_cli_param_parsing():
    assert parse_param("n_traps=600") == ("n_traps", 600)
    assert parse_param("max_jump=inf") == ("max_jump", float("inf"))
    assert parse_param("frt_rule=reentry") == ("frt_rule", "reentry")
    assert parse_param("start=none") == ("start", None)
    assert build_params("thesis-cpu", ["radius=2"]) == SearchParams.thesis_cpu(radius=2.0)
    assert build_params("thesis", []) == SearchParams()
    with pytest.raises(ValueError, match="unknown parameter 'widht'"):
        parse_param("widht=3")
    with pytest.raises(ValueError, match="name=value"):
        parse_param("radius")
    with pytest.raises(SystemExit):
        main(["sweep", "--alphas", "0.5", "--n", "1.5", "--seed", "1"])


def test_argument_errors():
    with pytest.raises(ValueError, match="chunk_size"):
        distributed_sweep([0.5], P, 10, 1, chunk_size=0)
    with pytest.raises(TypeError, match="seed"):
        distributed_sweep([0.5], P, 10, np.random.default_rng(1))
    with pytest.raises(TypeError, match="client"):
        distributed_sweep([0.5], P, 10, 1, client=3)
    with pytest.raises(TypeError, match="progress"):
        distributed_sweep([0.5], P, 10, 1, progress="yes")
    with pytest.raises(ValueError, match="n_per_alpha"):
        distributed_sweep([0.5, 1.5], P, {0.5: 10}, 1)
