"""Thesis-scale α sweeps in chunks: in-process or on a Dask cluster, bit-identical, resumable.

A sweep of 18 α values with 10⁶ trajectories each is hours of CPU on a laptop. Because
every trajectory owns its random stream (:mod:`~lessonlib.levy.rng`), the trajectory
range ``[0, N)`` of each α can be cut into chunks ``[a, b)`` that run anywhere, in any
order, and concatenate to exactly the numbers of one big run. :func:`distributed_sweep`
does that:

* **backends**: ``client=None`` runs the chunks one after the other in this process (the
  engine's numba threads do the parallel work); a ``dask.distributed.Client``, a
  scheduler address (``"tcp://host:8786"``) or ``"local"`` (an embedded
  ``LocalCluster``, :func:`local_client`) spreads them over Dask workers. The merged
  arrays are bit-for-bit the same for every chunk size, worker count and backend.
* **resuming**: with a store (:class:`~lessonlib.levy.store.ResultStore`), every chunk
  is written to disk by the client as soon as it arrives, and a finished α is merged
  into one stored result. A re-run with the same arguments reuses the stored α and the
  stored chunks and computes only what is missing. A worker that dies mid-sweep loses
  only the chunk it was computing: Dask reschedules that task (``retries``) and the
  chunks already finished are on disk.
* **checks**: before the first chunk, every worker reports its engine source hash; a
  worker running different engine code is an error, not a silent mix of two engines.
  Stored results of another engine are refused (:mod:`~lessonlib.levy.store`).
* **progress**: a terminal progress bar (:class:`TerminalProgress`), with the Dask
  dashboard link when there is one, or any callable receiving :class:`ProgressEvent`.
* **provenance**: a run manifest (parameters, α grid, N, seed, chunking, engine hash,
  versions of every worker, wall and compute times) in ``<store>/runs/``.

Dask is imported only when a Dask backend is used.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence, TextIO

import numpy as np

from .._validate import check_int
from .engine import SearchParams, SearchResult, simulate_search
from .rng import derive_seed
from .store import (
    ResultStore,
    _grid,
    _n_for,
    _params_canonical,
    _sweep_seed,
    environment_record,
    params_record,
)
from .sweep import SweepResult, engine_source_hash

__all__ = [
    "ChunkSpec",
    "ChunkOutput",
    "ProgressEvent",
    "TerminalProgress",
    "SweepRun",
    "parse_alphas",
    "chunk_ranges",
    "plan_chunks",
    "run_chunk",
    "local_client",
    "distributed_sweep",
]

DEFAULT_CHUNK_SIZE = 25_000


# --------------------------------------------------------------------------- α grids
def parse_alphas(text: str) -> list[float]:
    """Parse an α grid: ``"0.3:2.0:0.1"`` (start:stop:step, stop included) or ``"0.4,0.6,1"``.

    Ranges are stepped in decimal arithmetic, so ``"0.3:2.0:0.1"`` gives exactly the
    floats ``0.3, 0.4, ..., 2.0`` a reader types (18 values), not ``0.30000000000000004``:
    the per-α seeds (``derive_seed(seed, alpha)``) then match those of a grid typed in
    a chapter.

    Examples
    --------
    >>> parse_alphas("0.3:2.0:0.1")[:3], len(parse_alphas("0.3:2.0:0.1"))
    ([0.3, 0.4, 0.5], 18)
    >>> parse_alphas("1.5, 0.6")
    [0.6, 1.5]
    """
    if not isinstance(text, str):
        raise TypeError(f"alphas must be a string such as '0.3:2.0:0.1', got {type(text).__name__}")
    s = text.strip()
    try:
        if ":" in s:
            parts = [Decimal(p.strip()) for p in s.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise ValueError
            k_max = int((stop - start) / step)
            vals = [float(start + k * step) for k in range(k_max + 1)]
        else:
            vals = [float(Decimal(p.strip())) for p in s.split(",") if p.strip()]
    except (InvalidOperation, ValueError):
        raise ValueError(f"alphas must look like 'start:stop:step' (step > 0, stop >= start) or "
                         f"'a,b,c', got {text!r}") from None
    return _grid(vals).tolist()


# --------------------------------------------------------------------------- chunks
@dataclass(frozen=True)
class ChunkSpec:
    """Trajectories ``first_index, ..., first_index + n - 1`` of the run for one α.

    ``stream_seed`` is the run's stream key (``derive_seed(sweep seed, alpha)``).
    """

    alpha: float
    stream_seed: int
    first_index: int
    n: int

    def dask_key(self, params: SearchParams, engine_hash: str, run_id: str = "") -> str:
        """A Dask task key for this chunk in one run (shown as ``levy-chunk`` on the dashboard).

        The run id is part of the key so that a re-run never meets a task of an aborted
        run that the scheduler is still cancelling.
        """
        h = hashlib.sha256(f"{self.alpha!r}|{self.stream_seed}|{self.first_index}|{self.n}|"
                           f"{_params_canonical(params)}|{engine_hash}|{run_id}".encode()).hexdigest()[:20]
        return f"levy-chunk-{h}"


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """Cut ``[0, n)`` into ``(first_index, count)`` pieces of ``chunk_size`` (the last shorter).

    Fixed-size pieces keep chunk boundaries independent of N, so the chunks of a
    10⁵-trajectory run are reused by a 10⁶ run with the same chunk size.

    Examples
    --------
    >>> chunk_ranges(10, 4)
    [(0, 4), (4, 4), (8, 2)]
    """
    n = check_int(n, "n", minimum=1)
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    return [(a, min(chunk_size, n - a)) for a in range(0, n, chunk_size)]


def plan_chunks(alphas: Any, n_per_alpha: Any, seed: int, chunk_size: Any) -> dict[float, list[ChunkSpec]]:
    """The chunks of a sweep: ``{alpha: [ChunkSpec, ...]}`` (grid sorted, index order).

    ``n_per_alpha`` and ``chunk_size`` are each an int, a ``{alpha: value}`` mapping or a
    callable ``f(alpha)``.
    """
    a = _grid(alphas)
    seed = _sweep_seed(seed)
    out = {}
    for alpha in a.tolist():
        n = _n_for(n_per_alpha, alpha, "n_per_alpha")
        size = _n_for(chunk_size, alpha, "chunk_size")
        s = derive_seed(seed, alpha)
        out[alpha] = [ChunkSpec(alpha, s, first, k) for first, k in chunk_ranges(n, size)]
    return out


@dataclass(eq=False)
class ChunkOutput:
    """What a chunk task returns: the result plus where and how long it ran."""

    spec: ChunkSpec
    result: SearchResult = field(repr=False)
    wall_seconds: float
    cpu_seconds: float
    host: str
    pid: int
    worker: str | None

    def record(self) -> dict[str, Any]:
        return {"wall_seconds": self.wall_seconds, "cpu_seconds": self.cpu_seconds, "host": self.host,
                "pid": self.pid, "worker": self.worker}


@functools.lru_cache(maxsize=8)
def _layout(params: SearchParams):
    return params.make_layout()


def _worker_address() -> str | None:
    try:
        from distributed import get_worker
    except ImportError:  # pragma: no cover - dask is installed with the project
        return None
    try:
        return get_worker().address
    except ValueError:
        return None


def _set_threads(numba_threads: int | None) -> None:
    if numba_threads is not None:
        import numba

        numba.set_num_threads(max(1, min(int(numba_threads), numba.config.NUMBA_NUM_THREADS)))


def run_chunk(spec: ChunkSpec, params: SearchParams, engine_hash: str | None = None,
              numba_threads: int | None = 1) -> ChunkOutput:
    """Simulate one chunk (the task a Dask worker runs; also used in-process).

    Parameters
    ----------
    spec : ChunkSpec
    params : SearchParams
    engine_hash : str, optional
        The client's engine hash; a worker whose engine source differs raises
        ``RuntimeError`` instead of computing numbers of another engine.
    numba_threads : int or None, default 1
        Numba threads for this chunk (thread-local setting). One per Dask worker thread
        avoids oversubscribing the cores; None leaves numba's setting alone.
    """
    if engine_hash is not None:
        here = engine_source_hash()
        if here != engine_hash:
            raise RuntimeError(f"engine mismatch on {socket.gethostname()} (pid {os.getpid()}): its engine "
                               f"source hash is {here[:12]}, the client's is {engine_hash[:12]}; install the "
                               f"same lessonlib on every worker")
    import numba

    _set_threads(numba_threads)
    # CPU time of this thread when numba runs the chunk on it alone (a Dask worker's
    # other threads do not count), of the whole process when numba uses more threads
    cpu_clock = time.thread_time if numba.get_num_threads() == 1 else time.process_time
    w0, c0 = time.perf_counter(), cpu_clock()
    res = simulate_search(spec.alpha, spec.n, params, spec.stream_seed, first_index=spec.first_index,
                          layout=_layout(params))
    wall, cpu = time.perf_counter() - w0, cpu_clock() - c0
    return ChunkOutput(spec, res, wall, cpu, socket.gethostname(), os.getpid(), _worker_address())


def _worker_info(params: SearchParams, numba_threads: int | None) -> dict[str, Any]:
    """Versions and engine hash of a worker, after warming the kernels (loads numba's cache)."""
    import numba

    _set_threads(numba_threads)
    t0 = time.perf_counter()
    simulate_search(1.0, 2, params.replace(horizon=10.0), 0)
    rec = environment_record(git=False)
    rec.update({"pid": os.getpid(), "worker": _worker_address(), "warm_up_seconds": time.perf_counter() - t0,
                "numba_cache_dir": numba.config.CACHE_DIR or "(numba default: __pycache__ beside the sources)",
                "numba_threading_layer": _threading_layer()})
    return rec


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:
        return "not yet initialised"


# --------------------------------------------------------------------------- progress
@dataclass(frozen=True)
class ProgressEvent:
    """One step of a sweep, for progress displays.

    ``kind`` is ``"start"`` (before the first chunk; ``chunks_done`` counts what was
    reused from the store), ``"chunk"`` (a chunk arrived and is stored), ``"alpha"``
    (an α is complete and merged) or ``"done"``. Chunk events carry the chunk's wall and
    CPU seconds as measured where it ran.
    """

    kind: str
    chunks_done: int
    chunks_total: int
    trajectories_done: int
    trajectories_total: int
    elapsed: float
    chunks_reused: int = 0
    alpha: float | None = None
    chunk: ChunkSpec | None = None
    worker: str | None = None
    backend: str = "in-process"
    dashboard: str | None = None
    chunk_wall_seconds: float | None = None
    chunk_cpu_seconds: float | None = None


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class TerminalProgress:
    """A minimal progress bar for sweeps (tqdm-like, no dependency).

    On a terminal it redraws one line (at most every ``min_interval`` s); otherwise
    (a log file, a CI job) it prints a line at every ``step`` of the fraction done.
    The bar counts trajectories. Its time estimate assumes the remaining trajectories
    cost what the finished ones did on average, which is rough when α values of very
    different costs remain.

    Parameters
    ----------
    stream : file, default sys.stderr
    tty : bool, optional
        Force terminal (True) or log (False) mode; default ``stream.isatty()``.
    width : int, default 30
    min_interval : float, default 0.2
    step : float, default 0.05
    """

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None, width: int = 30,
                 min_interval: float = 0.2, step: float = 0.05) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self.tty = tty
        self.width = check_int(width, "width", minimum=5)
        self.min_interval = float(min_interval)
        self.step = float(step)
        self._last_draw = -math.inf
        self._next_frac = 0.0
        self._drawn = False

    def _line(self, ev: ProgressEvent) -> str:
        frac = ev.trajectories_done / ev.trajectories_total if ev.trajectories_total else 1.0
        fill = int(round(frac * self.width))
        bar = "#" * fill + "-" * (self.width - fill)
        eta = ""
        if 0 < frac < 1 and ev.elapsed > 0:
            eta = f", ~{_hms(ev.elapsed * (1 - frac) / frac)} left"
        where = f" α={ev.alpha!r}" if ev.alpha is not None else ""
        return (f"[{bar}] {100 * frac:5.1f}% {ev.trajectories_done:,}/{ev.trajectories_total:,} trajectories, "
                f"{ev.chunks_done}/{ev.chunks_total} chunks{where}  {_hms(ev.elapsed)}{eta}")

    def __call__(self, ev: ProgressEvent) -> None:
        out = self.stream
        if ev.kind == "start":
            print(f"Lévy sweep: {ev.trajectories_total:,} trajectories in {ev.chunks_total} chunks "
                  f"({ev.backend})", file=out)
            if ev.dashboard:
                print(f"Dask dashboard: {ev.dashboard}", file=out)
            if ev.chunks_reused:
                print(f"reusing {ev.chunks_reused} chunks from the store", file=out)
        frac = ev.trajectories_done / ev.trajectories_total if ev.trajectories_total else 1.0
        now = time.monotonic()
        if self.tty:
            if ev.kind in ("start", "done") or now - self._last_draw >= self.min_interval:
                out.write("\r" + self._line(ev))
                self._drawn = True
                self._last_draw = now
            if ev.kind == "done":
                out.write("\n")
        else:
            if ev.kind == "done" or frac >= self._next_frac:
                print(self._line(ev), file=out)
                self._next_frac = (math.floor(frac / self.step) + 1) * self.step
        if ev.kind == "done":
            print(f"done in {_hms(ev.elapsed)}", file=out)
        out.flush()


# --------------------------------------------------------------------------- backends
@contextlib.contextmanager
def local_client(n_workers: int = 2, *, threads_per_worker: int = 1, numba_cache_dir: str | os.PathLike | None = None,
                 dashboard_address: str = ":0", **cluster_kwargs: Any) -> Iterator[Any]:
    """A ``dask.distributed.Client`` on a ``LocalCluster`` of worker *processes*.

    Workers are spawned processes with ``threads_per_worker`` threads each (one numba
    thread per task, so ``n_workers x threads_per_worker`` should not exceed the cores).
    They share numba's on-disk cache with this process: ``numba_cache_dir``, else
    ``$NUMBA_CACHE_DIR``, else numba's default (``__pycache__`` beside the sources) is
    used by all of them, so the kernels are compiled once, not once per worker.

    Examples
    --------
    ::

        with local_client(2) as client:
            run = distributed_sweep([0.6, 1.0], SearchParams(), 10_000, seed=2026, client=client)
    """
    from distributed import Client, LocalCluster

    n_workers = check_int(n_workers, "n_workers", minimum=1)
    threads_per_worker = check_int(threads_per_worker, "threads_per_worker", minimum=1)
    env = dict(cluster_kwargs.pop("env", {}) or {})
    cache = numba_cache_dir if numba_cache_dir is not None else os.environ.get("NUMBA_CACHE_DIR")
    if cache:
        env["NUMBA_CACHE_DIR"] = str(Path(cache).expanduser().resolve())
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                           dashboard_address=dashboard_address, env=env, **cluster_kwargs)
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _is_client(obj: Any) -> bool:
    return all(hasattr(obj, k) for k in ("submit", "nthreads", "cancel"))


@contextlib.contextmanager
def _backend(client: Any, local_workers: int) -> Iterator[tuple[Any, str]]:
    if client is None:
        yield None, "in-process"
    elif isinstance(client, str):
        if client == "local":
            with local_client(local_workers) as c:
                yield c, "Dask LocalCluster"
        else:
            from distributed import Client

            c = Client(client)
            try:
                yield c, f"Dask cluster at {client}"
            finally:
                c.close()
    elif _is_client(client):
        yield client, f"Dask cluster at {getattr(getattr(client, 'scheduler', None), 'address', '?')}"
    else:
        raise TypeError("client must be None, a dask.distributed.Client, 'local' or a scheduler address, "
                        f"got {type(client).__name__}")


# --------------------------------------------------------------------------- the sweep
@dataclass(eq=False)
class SweepRun:
    """Outcome of :func:`distributed_sweep`.

    Attributes
    ----------
    sweep : SweepResult or None
        The merged per-α results (None with ``keep_results=False``); ``from_cache`` marks
        α taken whole from the store.
    table : dict of numpy.ndarray
        Per-α summary (:func:`~lessonlib.levy.stats.summarize_search` columns).
    manifest : dict
        Full provenance of the run (also written to ``<store>/runs/<run_id>.json``).
    manifest_path : pathlib.Path or None
    chunks_total, chunks_computed, chunks_reused : int
        Chunks of α that were not reused whole; ``computed + reused == total``.
    alphas_reused : list of float
        α taken whole (merged) from the store.
    wall_seconds : float
    """

    sweep: SweepResult | None
    table: dict[str, np.ndarray]
    manifest: dict[str, Any] = field(repr=False)
    manifest_path: Path | None
    chunks_total: int
    chunks_computed: int
    chunks_reused: int
    alphas_reused: list[float]
    wall_seconds: float


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def distributed_sweep(
    alphas: Any,
    params: SearchParams,
    n_per_alpha: int | Mapping[float, int] | Callable[[float], int],
    seed: int,
    *,
    client: Any = None,
    local_workers: int = 2,
    chunk_size: int | Mapping[float, int] | Callable[[float], int] = DEFAULT_CHUNK_SIZE,
    store: ResultStore | str | os.PathLike | None = None,
    keep_chunks: bool = False,
    keep_results: bool = True,
    progress: bool | Callable[[ProgressEvent], None] = False,
    retries: int = 3,
    numba_threads: int | None = None,
    workers: Sequence[str] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> SweepRun:
    """Run an α sweep in chunks, in-process or on Dask; same numbers as :func:`alpha_sweep`.

    The run for α uses stream key ``derive_seed(seed, alpha)`` and trajectories
    ``0 ... N-1``, exactly as :func:`~lessonlib.levy.sweep.alpha_sweep`; the merged
    arrays are identical to it for any ``chunk_size``, backend and worker count.

    Parameters
    ----------
    alphas : array_like
        α grid in (0, 2] (sorted; no duplicates). :func:`parse_alphas` reads ``"0.3:2.0:0.1"``.
    params : SearchParams
    n_per_alpha : int, dict or callable
        Trajectories per α (as for ``alpha_sweep``).
    seed : int
        Sweep seed.
    client : None, dask.distributed.Client, "local" or str
        None: in-process. A Client: its cluster. ``"local"``: an embedded LocalCluster of
        ``local_workers`` processes (started and closed here). Any other string: a
        scheduler address such as ``"tcp://10.0.0.5:8786"``.
    local_workers : int, default 2
    chunk_size : int, dict or callable, default 25 000
        Trajectories per task (or per-α values, like ``n_per_alpha``). Each chunk costs a
        fixed overhead (scheduling, transfer, one store write: see
        ``benchmarks/bench_levy_dask.py``); at thesis parameters a chunk of 25 000 is
        seconds (small α) to minutes (α near 2) of work. Resuming reuses stored chunks
        only under the same chunk boundaries.
    store : ResultStore or path, optional
        Persist finished chunks and merged α here and reuse valid ones (resume). None:
        nothing is read or written.
    keep_chunks : bool, default False
        Keep chunk files after their α is merged (they are redundant then).
    keep_results : bool, default True
        Keep the merged arrays in memory (``SweepRun.sweep``). The CLI turns this off:
        10⁶ trajectories are 32 MB per α.
    progress : bool or callable, default False
        True: a :class:`TerminalProgress` bar on stderr. A callable receives every
        :class:`ProgressEvent` (an exception raised by it aborts the sweep; the chunks
        stored so far are kept).
    retries : int, default 3
        Dask retries of a failing chunk task (a task lost with its worker is rescheduled
        by Dask in any case).
    numba_threads : int, optional
        Numba threads per chunk. Default: 1 on Dask (one per worker thread), numba's
        default in-process.
    workers : sequence of str, optional
        Restrict the Dask tasks to these worker addresses (tasks wait for them: a
        restricted worker that dies and comes back under a new address strands them).
    provenance : mapping, optional
        Extra fields for the manifest (the CLI records its command line).

    Returns
    -------
    SweepRun
    """
    a = _grid(alphas)
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    seed = _sweep_seed(seed)
    retries = check_int(retries, "retries", minimum=0)
    local_workers = check_int(local_workers, "local_workers", minimum=1)
    if numba_threads is not None:
        numba_threads = check_int(numba_threads, "numba_threads", minimum=1)
    if not (isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress must be a bool or a callable, got {type(progress).__name__}")
    report = TerminalProgress() if progress is True else (progress or None)
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store)
    engine = engine_source_hash()
    plan = plan_chunks(a, n_per_alpha, seed, chunk_size)
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    t_start = time.perf_counter()
    started = _now()
    versions = environment_record()

    # what the store already has: whole α, then single chunks
    merged: dict[float, SearchResult] = {}
    from_store: set[float] = set()
    parts: dict[float, dict[int, SearchResult]] = {alpha: {} for alpha in plan}
    timing: dict[float, list[float]] = {alpha: [0.0, 0.0] for alpha in plan}  # wall, cpu seconds
    summaries: dict[float, dict[str, float]] = {}
    entry_paths: dict[float, str] = {}
    pending: list[ChunkSpec] = []
    reused = 0
    for alpha, specs in plan.items():
        n = sum(c.n for c in specs)
        if store is not None:
            lk = store.get(params, alpha, specs[0].stream_seed, n)
            if lk.ok:
                merged[alpha] = lk.result
                from_store.add(alpha)
                timing[alpha] = [float(lk.record.get("compute_seconds") or 0.0),
                                 float(lk.record.get("cpu_seconds") or 0.0)]
                summaries[alpha] = lk.result.summary()
                entry_paths[alpha] = str(lk.path.relative_to(store.root))
                if not keep_results:
                    merged[alpha] = None  # type: ignore[assignment]
                continue
        for c in specs:
            lk = store.get_chunk(params, alpha, c.stream_seed, c.first_index, c.n) if store is not None else None
            if lk is not None and lk.ok:
                parts[alpha][c.first_index] = lk.result
                timing[alpha][0] += float(lk.record.get("wall_seconds") or 0.0)
                timing[alpha][1] += float(lk.record.get("cpu_seconds") or 0.0)
                reused += 1
            else:
                pending.append(c)
    chunks_total = sum(len(plan[al]) for al in plan if al not in from_store)
    traj_total = sum(c.n for al in plan for c in plan[al])
    traj_done = sum(c.n for al in plan for c in plan[al] if al in from_store or c.first_index in parts[al])
    done = reused
    computed = 0
    backend_rec: dict[str, Any] = {}
    status = "running"

    def finish_alpha(alpha: float, base: dict[str, Any]) -> None:
        specs = plan[alpha]
        res = SearchResult.concatenate([parts[alpha][c.first_index] for c in specs])
        summaries[alpha] = res.summary()
        if store is not None:
            rec = dict(base)
            rec.update({"compute_seconds": timing[alpha][0], "cpu_seconds": timing[alpha][1],
                        "chunk_size": specs[0].n, "n_chunks": len(specs), "summary": summaries[alpha]})
            path = store.put(res, rec)
            entry_paths[alpha] = str(path.relative_to(store.root))
            if not keep_chunks:
                store.remove_chunks(params, alpha, specs[0].stream_seed)
        merged[alpha] = res
        parts[alpha] = {}
        if not keep_results:
            merged[alpha] = None  # type: ignore[assignment]

    def emit(kind: str, **kw: Any) -> None:
        if report is not None:
            report(ProgressEvent(kind, done, chunks_total, traj_done, traj_total, time.perf_counter() - t_start,
                                 reused, backend=backend_rec.get("description", "in-process"),
                                 dashboard=backend_rec.get("dashboard"), **kw))

    try:
        with _backend(client if pending else None, local_workers) as (cl, description):
            backend_rec = {"description": description, "kind": "in-process" if cl is None else "dask"}
            threads = numba_threads if (numba_threads is not None or cl is None) else 1
            if cl is not None:
                backend_rec.update(_describe_cluster(cl, params, threads, engine, workers))
            entry_base = {"run_id": run_id, "sweep_seed": seed, "backend": description,
                          "n_workers": backend_rec.get("n_workers"),
                          "versions": {k: versions.get(k) for k in ("python", "numpy", "scipy", "numba", "lessonlib",
                                                                    "dask", "distributed", "git")}}
            # α whose every chunk is stored already: merge now
            for alpha in plan:
                if alpha not in from_store and len(parts[alpha]) == len(plan[alpha]):
                    finish_alpha(alpha, entry_base)
            emit("start")

            def accept(out: ChunkOutput) -> None:
                nonlocal done, computed, traj_done
                c = out.spec
                if store is not None:
                    store.put_chunk(out.result, {"run_id": run_id, **out.record()})
                parts[c.alpha][c.first_index] = out.result
                timing[c.alpha][0] += out.wall_seconds
                timing[c.alpha][1] += out.cpu_seconds
                done += 1
                computed += 1
                traj_done += c.n
                emit("chunk", alpha=c.alpha, chunk=c, worker=out.worker, chunk_wall_seconds=out.wall_seconds,
                     chunk_cpu_seconds=out.cpu_seconds)
                if len(parts[c.alpha]) == len(plan[c.alpha]):
                    finish_alpha(c.alpha, entry_base)
                    emit("alpha", alpha=c.alpha)

            if cl is None and pending:
                import numba

                before = numba.get_num_threads()
                try:
                    _set_threads(threads)
                    simulate_search(1.0, 2, params.replace(horizon=10.0), 0)  # load the kernels first
                    for c in pending:
                        accept(run_chunk(c, params, None, threads))
                finally:
                    numba.set_num_threads(before)  # the setting is per thread: leave the caller's alone
            elif cl is not None:
                _run_on_dask(cl, pending, params, engine, run_id, threads, retries, workers, accept)
        status = "complete"
    except BaseException as exc:
        status = f"interrupted ({type(exc).__name__}: {exc})"
        raise
    finally:
        wall = time.perf_counter() - t_start
        manifest = {
            "run_id": run_id, "status": status, "started": started, "finished": _now(), "wall_seconds": wall,
            "params": params_record(params), "alphas": a.tolist(), "seed": seed,
            "n_per_alpha": [sum(c.n for c in plan[al]) for al in plan],
            "stream_seeds": [str(plan[al][0].stream_seed) for al in plan],
            "chunk_size": [plan[al][0].n for al in plan], "chunks_total": chunks_total, "chunks_computed": computed,
            "chunks_reused": reused, "alphas_reused": sorted(from_store), "engine_hash": engine,
            "versions": versions, "backend": backend_rec, "retries": retries,
            "per_alpha": [{"alpha": al, "n": sum(c.n for c in plan[al]), "n_chunks": len(plan[al]),
                           "compute_seconds": timing[al][0], "cpu_seconds": timing[al][1],
                           "entry": entry_paths.get(al), "summary": summaries.get(al)} for al in plan],
            **dict(provenance or {}),
        }
        manifest_path = store.write_run(manifest) if store is not None else None
    emit("done")
    results = [merged[al] for al in plan]
    sweep = None
    if keep_results:
        sweep = SweepResult(a, params, seed, np.array([r.n for r in results], np.int64), results,
                            np.array([al in from_store for al in plan]))
    rows = [summaries[al] for al in plan]
    table = {k: np.array([row[k] for row in rows]) for k in rows[0]}
    return SweepRun(sweep, table, manifest, manifest_path, chunks_total, computed, reused, sorted(from_store), wall)


def _describe_cluster(cl: Any, params: SearchParams, threads: int | None, engine: str,
                      workers: Sequence[str] | None) -> dict[str, Any]:
    """Warm every worker, collect its versions, and refuse workers with another engine."""
    nthreads = dict(cl.nthreads())
    addrs = [w for w in nthreads if workers is None or w in set(workers)]
    # one task per worker (another worker may step in if one leaves meanwhile, rather than
    # waiting for it forever; each chunk task checks the engine hash again anyway)
    futs = [cl.submit(_worker_info, params, threads, workers=[w], allow_other_workers=True, pure=False)
            for w in addrs]
    infos = cl.gather(futs)
    bad = [f"{i.get('worker')} ({i['engine_hash'][:12]})" for i in infos if i["engine_hash"] != engine]
    if bad:
        raise RuntimeError(f"workers run another engine than this client ({engine[:12]}): {', '.join(bad)}; "
                           f"install the same lessonlib everywhere")
    return {"scheduler": getattr(getattr(cl, "scheduler", None), "address", None),
            "dashboard": getattr(cl, "dashboard_link", None), "n_workers": len(addrs),
            "threads": sum(nthreads[w] for w in addrs), "numba_threads_per_chunk": threads,
            "workers": infos}


def _run_on_dask(cl: Any, pending: list[ChunkSpec], params: SearchParams, engine: str, run_id: str,
                 threads: int | None,
                 retries: int, workers: Sequence[str] | None, accept: Callable[[ChunkOutput], None]) -> None:
    """Submit the pending chunks (largest α first) and accept results as they arrive."""
    from distributed import as_completed

    order = sorted(range(len(pending)), key=lambda i: (-pending[i].alpha, pending[i].first_index))
    futures = {}
    for rank, i in enumerate(order):
        c = pending[i]
        fut = cl.submit(run_chunk, c, params, engine, threads, key=c.dask_key(params, engine, run_id), retries=retries,
                        priority=len(order) - rank, workers=list(workers) if workers else None,
                        allow_other_workers=False)
        futures[fut.key] = fut
    try:
        for fut in as_completed(list(futures.values())):
            out = fut.result()
            futures.pop(fut.key, None)
            fut.release()
            accept(out)
    finally:
        if futures:
            cl.cancel(list(futures.values()))
