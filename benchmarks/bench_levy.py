"""Benchmark of the Lévy-walk search engine (lessonlib.levy).

Usage::

    python benchmarks/bench_levy.py [--quick]

Every ratio is measured in the same run. Four sections:

1. Trajectories per second on the thesis parameters (34 x 34 thesis lattice, M = 1200,
   radius 3, FRT delay 60, horizon 1e5) for the engine (numba, 2 threads) and for the
   thesis-style reference (Python loop, periodic cKDTree query per sub-step; only a few
   trajectories, it is slow), and their ratio (target at alpha = 0.6: >= 1e4).
2. The engine's cost per jump as a multiple of the floor: drawing the same jumps with the
   same generator in a tight numba loop and nothing else (target at alpha = 1.5: <= 2).
3. Cost of testing one jump for traps, by jump length, with and without skipping
   (skipping makes it almost independent of length; without, it grows like the length).
4. Wall time of 10**6 trajectories at alpha = 0.6 on 2 threads (target < 60 s). With
   --quick, 5 * 10**4 trajectories are run and the time is extrapolated (said so).

The machine may be shared: wall times then include waiting for a core. CPU times
(``time.process_time``, all threads of this process) are printed next to them, and the
per-jump ratios use CPU time of one thread, which contention disturbs much less.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import fmt, table  # noqa: E402  (benchmarks/_report.py)
from lessonlib.levy import SearchParams, reference_search, simulate_search  # noqa: E402
from lessonlib.levy import _kernels as K  # noqa: E402

THESIS = SearchParams()  # W = 12000, M = 1200 thesis lattice, r = 3, delay 60, horizon 1e5
ALPHAS = (0.6, 1.0, 1.5)


def clock(fn, *args, **kw):
    """Run fn; return (result, wall seconds, process CPU seconds)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - w0, time.process_time() - c0


def thread_clock(fn, *args, **kw):
    """Run fn on this thread; return (result, this thread's CPU seconds)."""
    c0 = time.thread_time()
    out = fn(*args, **kw)
    return out, time.thread_time() - c0


def walked(res) -> np.ndarray:
    """Clock time each trajectory ran (= sub-steps walked, for the 'walk' time model)."""
    both = res.hit & res.returned
    return np.where(both, np.maximum(res.fht, res.frt), res.params.horizon)




def section_throughput(quick: bool) -> None:
    print("1. Thesis parameters: trajectories per second, engine (2 threads) vs reference")
    print("   (reference ratio 'equal work' = reference CPU per sub-step x engine's mean")
    print("   sub-steps per trajectory / engine CPU per trajectory: a few reference")
    print("   trajectories are a noisy sample of trajectory lengths)\n")
    n_eng = {0.6: 20_000, 1.0: 4_000, 1.5: 1_000}
    n_ref = 1 if quick else 3
    rows = []
    for a in ALPHAS:
        n = n_eng[a] // (4 if quick else 1)
        res, wall, cpu = clock(simulate_search, a, n, THESIS, 2026)
        ref, rwall, rcpu = clock(reference_search, a, n_ref, THESIS, 2026)
        eng_rate = n / wall
        ref_rate = n_ref / rwall
        ref_cpu_per_step = rcpu / ref.n_queries  # the reference looks up every sub-step
        equal_work = ref_cpu_per_step * walked(res).mean() / (cpu / n)
        rows.append([f"{a}", f"{n}", fmt(wall), fmt(cpu), fmt(eng_rate), f"{n_ref}", fmt(rwall),
                     fmt(ref_rate), fmt(eng_rate / ref_rate), fmt(equal_work),
                     fmt(res.hit.mean()), fmt(res.returned.mean())])
    table(["alpha", "N eng", "wall s", "cpu s", "eng traj/s", "N ref", "ref wall s", "ref traj/s",
           "ratio (wall)", "ratio (equal work, cpu)", "P(hit)", "P(return)"], rows)


def section_floor(quick: bool) -> None:
    print("2. Cost per jump vs the floor (1 thread, thread CPU time)")
    print("   floor = draw the same jumps (CMS + direction, same xoshiro256** stream) in a")
    print("   tight numba loop; engine = simulate_search per jump made; no-skip = every")
    print("   sub-step looked up\n")
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        n_floor = 10**6 if quick else 4 * 10**6
        n_eng = {0.6: 3000, 1.0: 300, 1.5: 60}
        rows = []
        for a in ALPHAS:
            K.floor_draws(np.uint64(7), 10, 0, a, 1.0)
            _, fl = thread_clock(K.floor_draws, np.uint64(7), n_floor, 0, a, 1.0)
            fl_ns = fl / n_floor * 1e9
            n = n_eng[a] // (3 if quick else 1)
            res, _, cpu = clock(simulate_search, a, n, THESIS, 7)
            jumps = int(res.n_jumps.sum())
            eng_ns = cpu / jumps * 1e9
            m = max(n // 10, 5)
            res0, _, cpu0 = clock(simulate_search, a, m, THESIS, 7, skip=False)
            ns0 = cpu0 / int(res0.n_jumps.sum()) * 1e9
            rows.append([f"{a}", fmt(fl_ns), fmt(eng_ns), fmt(eng_ns / fl_ns),
                         fmt(res.n_queries / jumps), fmt(walked(res).sum() / jumps), fmt(ns0),
                         fmt(ns0 / fl_ns)])
    finally:
        numba.set_num_threads(old)
    table(["alpha", "floor ns/jump", "engine ns/jump", "engine/floor", "look-ups/jump",
           "sub-steps/jump", "no-skip ns/jump", "no-skip/floor"], rows)


def section_length(quick: bool) -> None:
    print("3. Trap test of one isolated jump on the thesis lattice, by jump length")
    print("   (the numba kernel alone, on prepared arrays; random start and direction; the")
    print("   look-up budget starts at zero for each jump, whereas in the engine it carries")
    print("   over between jumps, so that short jumps far from traps need no look-up at all)\n")
    lay = THESIS.make_layout()
    rng = np.random.default_rng(3)
    K.floor_draws(np.uint64(7), 10, 0, 0.6, 1.0)  # compile outside the clock
    _, fl = thread_clock(K.floor_draws, np.uint64(7), 10**6, 0, 0.6, 1.0)
    floor_ns = fl / 1e6 * 1e9

    def scan(starts, jumps, skip):
        m = starts.shape[0]
        out_k, out_j = np.empty(m), np.empty(m, np.int64)
        nq = K.first_substep_hit_many(starts, jumps, 3.0, *lay.kernel_args, skip, out_k, out_j)
        return out_k, nq

    scan(np.zeros((2, 2)), np.ones((2, 2)), True)  # compile outside the clock
    rows = []
    for ell in (0.5, 3.0, 30.0, 300.0, 3000.0, 30000.0):
        m = int(min(400_000, max(400, 4e7 / ell))) // (4 if quick else 1)
        starts = np.ascontiguousarray(rng.uniform(-12000, 12000, (m, 2)))
        phi = rng.uniform(0, 2 * math.pi, m)
        jumps = np.ascontiguousarray(ell * np.column_stack([np.cos(phi), np.sin(phi)]))
        (k1, q1), c1 = thread_clock(scan, starts, jumps, True)
        m0 = max(m // max(1, int(ell / 30)), 100)
        (k0, q0), c0 = thread_clock(scan, starts[:m0], jumps[:m0], False)
        assert np.array_equal(k1[:m0], k0)  # skipping finds exactly the same first hits
        t1 = c1 / m * 1e9
        rows.append([fmt(ell), fmt(t1), fmt(q1 / m), fmt((floor_ns + t1) / floor_ns),
                     fmt(c0 / m0 * 1e9), fmt(q0 / m0)])
    print(f"   floor (drawing one alpha = 0.6 jump): {fmt(floor_ns)} ns\n")
    table(["jump length", "skip ns/jump", "skip look-ups", "(draw+test)/floor",
           "no-skip ns/jump", "no-skip look-ups"], rows)


def section_million(quick: bool) -> None:
    n = 50_000 if quick else 1_000_000
    print(f"4. 10**6 trajectories at alpha = 0.6, thesis parameters, {numba.get_num_threads()} threads")
    res, wall, cpu = clock(simulate_search, 0.6, n, THESIS, 2026)
    scale = 1_000_000 / n
    note = f" (extrapolated x{scale:g} from N = {n})" if scale != 1 else ""
    print(f"   wall time for 10**6: {fmt(wall * scale)} s{note}; CPU time {fmt(cpu * scale)} s"
          f" (CPU / threads = {fmt(cpu * scale / numba.get_num_threads())} s)")
    print(f"   target < 60 s: {'met' if wall * scale < 60 else 'NOT met'} on wall time;"
          f" P(hit) = {fmt(res.hit.mean(), 4)}, P(return) = {fmt(res.returned.mean(), 4)},"
          f" mean jumps = {fmt(res.n_jumps.mean())}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs; section 4 extrapolated")
    args = ap.parse_args()
    print(f"bench_levy: python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, {numba.get_num_threads()} numba threads, "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
          f"{' [--quick]' if args.quick else ''}\n")
    t0 = time.perf_counter()
    simulate_search(0.6, 4, THESIS, 0)  # compile (or load the numba cache) outside the clocks
    simulate_search(0.6, 4, THESIS, 0, skip=False)
    K.floor_draws(np.uint64(1), 10, 0, 0.6, 1.0)
    print(f"compile / cache load: {fmt(time.perf_counter() - t0)} s\n")
    section_throughput(args.quick)
    section_floor(args.quick)
    section_length(args.quick)
    section_million(args.quick)
    print(f"total benchmark time {fmt(time.perf_counter() - t0)} s")


if __name__ == "__main__":
    main()
