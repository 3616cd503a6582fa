"""Benchmark of chunked Lévy sweeps on Dask (lessonlib.levy.distributed).

Usage::

    python benchmarks/bench_levy_dask.py [--quick]

Everything is measured in this run, on the thesis parameters (SearchParams(): W = 12000,
M = 1200 thesis lattice, radius 3, FRT delay 60, horizon 1e5), with a LocalCluster of
2 worker processes x 1 thread (one numba thread per chunk):

1. Scaling from 1 to 2 workers: the same sweep (one α, N trajectories, 16 chunks) on one
   worker and on two; speed-up = wall(1 worker) / wall(2 workers). Baselines in the
   same run: in-process with 1 and 2 numba threads. The four results are checked to be
   bit-identical.
2. Per-chunk overhead: the same cheap work as 1 chunk and as many tiny chunks on one
   worker (Dask: scheduling, pickling, transfer; with a store also one compressed file
   write on the client), and in-process; overhead per chunk = (wall(k chunks) -
   wall(1 chunk)) / (k - 1).
3. Cost per trajectory for each α of the thesis grid 0.3:2.0:0.1 (CPU seconds of the
   worker thread per trajectory; N per α sized from a short pilot so that each α costs
   about the same).
4. Projection of the thesis-scale sweep (18 α x 10⁶ trajectories, chunks of 25 000) on
   W workers: the chunks, with the measured costs, are scheduled largest α first on the
   earliest free worker (what the Dask scheduler does with our priorities), plus the
   measured per-chunk overhead.

The machine may be shared: wall times then include waiting for a core, and the 2-worker
speed-up is bounded by the cores other jobs leave free. The load average is printed at
the start and the end; CPU times (section 3) are much less affected than wall times.
"""
from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import fmt, table  # noqa: E402  (benchmarks/_report.py)
from lessonlib.levy import SearchParams, simulate_search  # noqa: E402
from lessonlib.levy.distributed import distributed_sweep, local_client, parse_alphas  # noqa: E402

THESIS = SearchParams()
GRID = parse_alphas("0.3:2.0:0.1")
THESIS_N = 10**6
THESIS_CHUNK = 25_000



def hours(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"



def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("fht", "frt", "n_jumps", "hit_trap"))


def section_scaling(client, quick: bool, repeats: int) -> float:
    alpha = 0.6
    n = 12_000 if quick else 40_000
    size = n // 16
    print(f"1. Scaling: alpha = {alpha}, N = {n}, {n // size} chunks of {size}; wall seconds, best of {repeats}\n"
          f"   (runs interleaved; 'cores obtained' = CPU seconds of the chunks / wall seconds: how much of\n"
          f"   the 2 cores the run actually got from the shared machine)\n")
    one_worker = [sorted(client.nthreads())[0]]
    runs = {
        "in-process, 1 numba thread": dict(numba_threads=1),
        "in-process, 2 numba threads": dict(numba_threads=2),
        "Dask, 1 worker": dict(client=client, workers=one_worker),
        "Dask, 2 workers": dict(client=client),
    }
    best = {name: (math.inf, 0.0) for name in runs}
    results = {}
    for _ in range(repeats):
        for name, kw in runs.items():
            cpu = []
            run, wall = timed(distributed_sweep, [alpha], THESIS, n, 2026, chunk_size=size,
                              progress=lambda ev: cpu.append(ev.chunk_cpu_seconds) if ev.kind == "chunk" else None,
                              **kw)
            if wall < best[name][0]:
                best[name] = (wall, sum(cpu))
            results[name] = run.sweep[alpha]
    base = best["Dask, 1 worker"][0]
    rows = [[name, fmt(w), fmt(n / w), fmt(c / w), fmt(base / w)] for name, (w, c) in best.items()]
    table(["run", "wall s", "traj/s", "cores obtained", "speed-up vs 1 worker"], rows)
    ref = results["in-process, 1 numba thread"]
    print(f"   results bit-identical across the four runs: {all(same(ref, r) for r in results.values())}")
    speedup = base / best["Dask, 2 workers"][0]
    thr = best["in-process, 1 numba thread"][0] / best["in-process, 2 numba threads"][0]
    print(f"   Dask speed-up 1 -> 2 workers: {speedup:.2f}x (parallel efficiency {100 * speedup / 2:.0f}%); "
          f"in-process 1 -> 2 numba threads: {thr:.2f}x\n   load average now: {load()}\n")
    return speedup / 2


def section_overhead(client, quick: bool) -> float:
    alpha = 0.3  # the cheapest α of the grid: overhead shows most
    n = 4_000 if quick else 8_000
    ks = (1, 20, 100) if quick else (1, 40, 200)
    print(f"2. Per-chunk overhead: alpha = {alpha}, N = {n} as k chunks, 1 worker / 1 numba thread; wall seconds\n")
    one_worker = [sorted(client.nthreads())[0]]
    setups = {
        "in-process": dict(numba_threads=1),
        "Dask, 1 worker": dict(client=client, workers=one_worker),
        "Dask, 1 worker + store": dict(client=client, workers=one_worker, store="tmp"),
    }
    rows, per_chunk, first_walls = [], {}, {}
    for name, kw in setups.items():
        walls = []
        for k in ks:
            best = math.inf
            for _ in range(2):
                with tempfile.TemporaryDirectory() as d:  # a fresh store each time: nothing to reuse
                    kw2 = {**kw, "store": d} if kw.get("store") == "tmp" else kw
                    best = min(best, timed(distributed_sweep, [alpha], THESIS, n, 2026, chunk_size=-(-n // k),
                                           **kw2)[1])
            walls.append(best)
        o = (walls[-1] - walls[0]) / (ks[-1] - 1)
        first_walls[name] = walls[0]
        per_chunk[name] = o
        rows.append([name] + [fmt(w) for w in walls] + [f"{1e3 * o:.1f}"])
    table(["setup"] + [f"{k} chunk{'s' if k > 1 else ''}" for k in ks] + ["overhead ms/chunk"], rows)
    print(f"   (the whole N costs {fmt(first_walls['in-process'])} s in one in-process chunk, "
          f"{fmt(1e6 * first_walls['in-process'] / n)} us per trajectory; load average now: {load()})\n")
    return per_chunk["Dask, 1 worker + store"]


def section_costs(client, quick: bool) -> dict[float, tuple[float, float]]:
    budget = 1.0 if quick else 4.0  # worker CPU seconds per α
    print(f"3. CPU seconds per trajectory for each alpha (thesis parameters, 1 numba thread per chunk;\n"
          f"   N per alpha from a 48-trajectory pilot so that each alpha costs ~{budget} s of CPU)\n")
    numba.set_num_threads(1)
    n_alpha = {}
    for a in GRID:
        t0 = time.thread_time()
        simulate_search(a, 48, THESIS, 99)
        c = max((time.thread_time() - t0) / 48, 1e-6)
        n_alpha[a] = int(min(40_000, max(96, round(budget / c / 8) * 8)))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    chunks: dict[float, list[float]] = {a: [] for a in GRID}

    def collect(ev):
        if ev.kind == "chunk":
            chunks[ev.alpha].append(ev.chunk_cpu_seconds / ev.chunk.n)

    run, wall = timed(distributed_sweep, GRID, THESIS, n_alpha, 2026, client=client,
                      chunk_size=lambda a: max(1, n_alpha[a] // 8), progress=collect)
    costs = {}
    rows = []
    for i, a in enumerate(GRID):
        per = run.manifest["per_alpha"][i]
        c = per["cpu_seconds"] / per["n"]
        x = np.array(chunks[a])
        se = x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else math.nan
        costs[a] = (c, se)
        rows.append([f"{a}", f"{per['n']}", f"{len(x)}", f"{1e6 * c:.1f}", f"{100 * se / c:.0f}%",
                     fmt(per["cpu_seconds"]), hours(THESIS_N * c), fmt(run.table["fht_p"][i]),
                     fmt(run.table["frt_p"][i])])
    table(["alpha", "N", "chunks", "us/traj (cpu)", "± (chunk SE)", "cpu s", "10^6 traj on 1 core", "P(hit)",
           "P(return)"], rows)
    total = sum(THESIS_N * c for c, _ in costs.values())
    print(f"   sweep wall {fmt(wall)} s on 2 workers; thesis-scale total: {hours(total)} of CPU "
          f"({total / 3600:.1f} core-hours)\n   load average now: {load()}\n")
    return costs


def makespan(costs: dict[float, tuple[float, float]], workers: int, overhead: float) -> float:
    """Greedy schedule of the thesis chunks, largest α first, each on the earliest free worker."""
    jobs = []
    for a in sorted(costs, reverse=True):
        c = costs[a][0]
        for first in range(0, THESIS_N, THESIS_CHUNK):
            jobs.append(min(THESIS_CHUNK, THESIS_N - first) * c + overhead)
    free = [0.0] * workers
    heapq.heapify(free)
    for j in jobs:
        t = heapq.heappop(free)
        heapq.heappush(free, t + j)
    return max(free)


def section_projection(costs, overhead: float, efficiency: float) -> None:
    n_chunks = len(costs) * -(-THESIS_N // THESIS_CHUNK)
    slowest = max(costs, key=lambda a: costs[a][0])
    longest = costs[slowest][0] * THESIS_CHUNK
    print(f"4. Projection: thesis-scale sweep, {len(costs)} alphas x 10^6 trajectories = {n_chunks} chunks of "
          f"{THESIS_CHUNK},\n   on W workers of 1 core each as fast as one core of this machine, with the "
          f"per-trajectory CPU\n   costs of section 3 and {1e3 * overhead:.1f} ms overhead per chunk (section 2, "
          f"Dask + store). The longest\n   chunk (alpha = {slowest}) takes {hours(longest)}: no W finishes sooner "
          f"with this chunk size.\n")
    rows = []
    t1 = makespan(costs, 1, overhead)
    for w in (1, 2, 4, 8, 16, 32, 64, 128, 256, 720):
        t = makespan(costs, w, overhead)
        rows.append([f"{w}", hours(t), fmt(t1 / t)])
    table(["W workers", "projected wall", "speed-up"], rows)
    print(f"   On this shared machine the 2-worker parallel efficiency was {100 * efficiency:.0f}% (section 1);\n"
          f"   workers that share their cores with other jobs stretch these times by 1 / efficiency.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller N (about a minute on 2 cores)")
    args = ap.parse_args()
    print(f"bench_levy_dask: python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, {os.cpu_count()} cores, load average {load()} (shared machine)"
          f"{', quick mode' if args.quick else ''}\n")
    t0 = time.perf_counter()
    with local_client(2, threads_per_worker=1) as client:
        client.wait_for_workers(2)
        t_up = time.perf_counter() - t0
        _, t_warm = timed(distributed_sweep, [1.0], THESIS, 4, 1, client=client, chunk_size=2)
        print(f"LocalCluster (2 processes x 1 thread) started in {t_up:.1f} s; first sweep (workers import and "
              f"load the numba cache) {t_warm:.1f} s; dashboard {client.dashboard_link}\n")
        efficiency = section_scaling(client, args.quick, 1 if args.quick else 2)
        overhead = section_overhead(client, args.quick)
        costs = section_costs(client, args.quick)
    section_projection(costs, overhead, efficiency)


if __name__ == "__main__":
    main()
