"""Command line of the Lévy-walk engine: thesis-scale sweeps and the results store.

Examples
--------
The thesis-scale sweep on a Dask cluster, results in the default store::

    python -m lessonlib.levy sweep --alphas 0.3:2.0:0.1 --n 1000000 --seed 2026 \\
        --scheduler tcp://10.0.0.5:8786

The same on this machine with two worker processes, or in this process::

    python -m lessonlib.levy sweep --alphas 0.3:2.0:0.1 --n 1000000 --seed 2026 --local-workers 2
    python -m lessonlib.levy sweep --alphas 0.4,0.6,1.0 --n 20000 --seed 2026

Model knobs: ``--preset thesis`` (default, :class:`SearchParams` defaults) or
``--preset thesis-cpu``, then ``--param name=value`` for any field
(``--param n_traps=600 --param frt_rule=reentry``). Interrupt with Ctrl-C and run the
same command again to resume from the stored chunks. ``status`` lists what a store
holds and whether each result is valid for the current engine::

    python -m lessonlib.levy status
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any, Sequence

from .engine import SearchParams
from .store import STORE_ENV, ResultStore, default_store_dir

_PRESETS = {"thesis": SearchParams, "thesis-cpu": SearchParams.thesis_cpu}


def _count_arg(text: str) -> int:
    """An integer count: '1000000', '1e6' or '10**6'."""
    t = text.strip().replace("_", "")
    try:
        if "**" in t:
            b, e = t.split("**")
            v = int(b) ** int(e)
        else:
            f = float(t)
            if not f.is_integer():
                raise ValueError
            v = int(f)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 1000000 or 1e6, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return v


def parse_param(text: str) -> tuple[str, Any]:
    """``"name=value"`` for a :class:`SearchParams` field, value converted to the field's type."""
    if "=" not in text:
        raise ValueError(f"--param must look like name=value, got {text!r}")
    name, value = (s.strip() for s in text.split("=", 1))
    fields = {f.name: f for f in dataclasses.fields(SearchParams)}
    if name not in fields:
        raise ValueError(f"--param: unknown parameter {name!r}; known: {', '.join(fields)}")
    default = getattr(SearchParams(), name)
    if name == "start":
        return name, None if value.lower() == "none" else int(value)
    if isinstance(default, bool):  # pragma: no cover - SearchParams has no bool field today
        return name, value.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return name, int(value)
    if isinstance(default, float):
        return name, math.inf if value.lower() in ("inf", "infinity") else float(value)
    return name, value


def build_params(preset: str, params: Sequence[str]) -> SearchParams:
    """SearchParams from a preset name and ``name=value`` overrides."""
    base = _PRESETS[preset]()
    changes = dict(parse_param(p) for p in params)
    return base.replace(**changes) if changes else base


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m lessonlib.levy",
                                 description="Lévy-walk blind search: thesis-scale α sweeps and their results store.")
    sub = ap.add_subparsers(dest="command", required=True)
    sw = sub.add_parser("sweep", help="run an α sweep (in-process or on Dask) into a results store",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sw.add_argument("--alphas", required=True, help="grid: start:stop:step (stop included) or a,b,c")
    sw.add_argument("--n", required=True, type=_count_arg, help="trajectories per α (1000000, 1e6 or 10**6)")
    sw.add_argument("--seed", required=True, type=int, help="sweep seed (α's stream key is derive_seed(seed, α))")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--local-workers", type=int, help="start a LocalCluster with this many worker processes")
    sw.add_argument("--chunk-size", type=_count_arg, default=25_000, help="trajectories per task")
    sw.add_argument("--out", type=Path, default=None,
                    help=f"results store directory (default ${STORE_ENV} or results/levy)")
    sw.add_argument("--preset", choices=sorted(_PRESETS), default="thesis", help="model parameters to start from")
    sw.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="override one SearchParams field (repeatable)")
    sw.add_argument("--numba-threads", type=int, default=None,
                    help="numba threads per chunk (default: 1 on Dask, all cores in-process)")
    sw.add_argument("--retries", type=int, default=3, help="Dask retries of a failed chunk")
    sw.add_argument("--keep-chunks", action="store_true", help="keep chunk files after merging an α")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    st = sub.add_parser("status", help="list the results in a store and whether the current engine accepts them")
    st.add_argument("--out", type=Path, default=None, help=f"results store (default ${STORE_ENV} or results/levy)")
    st.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    return ap


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        return f"{x:.6g}"
    return str(x)


def _cmd_sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from .distributed import distributed_sweep, parse_alphas

    try:
        alphas = parse_alphas(args.alphas)
        params = build_params(args.preset, args.param)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    client: Any = None
    local = 2
    if args.scheduler:
        client = args.scheduler
    elif args.local_workers:
        client, local = "local", args.local_workers
    store = ResultStore(args.out if args.out is not None else default_store_dir())
    try:
        run = distributed_sweep(alphas, params, args.n, args.seed, client=client, local_workers=local,
                                chunk_size=args.chunk_size, store=store, keep_chunks=args.keep_chunks,
                                keep_results=False, progress=not args.quiet, retries=args.retries,
                                numba_threads=args.numba_threads,
                                provenance={"command": ["python", "-m", "lessonlib.levy", *argv]})
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished chunks are in {store.root}; run the same command again to resume",
              file=sys.stderr)
        return 130
    t = run.table
    cols = [("alpha", "α"), ("n", "N"), ("fht_p", "P(hit)"), ("fht_mean", "mean FHT | hit"),
            ("frt_p", "P(return)"), ("frt_var", "Var FRT | return")]
    rows = [[repr(float(t[k][i])) if k == "alpha" else str(int(t[k][i])) if k == "n" else _fmt(float(t[k][i]))
             for k, _ in cols] for i in range(len(t["alpha"]))]
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, (_, h) in enumerate(cols)]
    print("  ".join(h.rjust(w) for (_, h), w in zip(cols, widths)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print(f"\n{run.chunks_computed} chunks computed, {run.chunks_reused} reused, "
          f"{len(run.alphas_reused)} α reused whole; wall time {run.wall_seconds:.1f} s")
    print(f"results: {store.root}\nmanifest: {run.manifest_path}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    store = ResultStore(args.out if args.out is not None else default_store_dir())
    rows = []
    for params, lk in store.entries():
        rec = lk.record or {}
        rows.append({"params": lk.path.relative_to(store.root).parts[0], "alpha": rec.get("alpha"),
                     "n": rec.get("n"), "sweep_seed": rec.get("sweep_seed"), "status": lk.status,
                     "run_id": rec.get("run_id"), "reason": lk.reason, "path": str(lk.path)})
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    print(f"store {store.root} (current engine {store.engine_hash[:12]}): {len(rows)} results")
    for r in rows:
        line = f"  {r['params']}  α={r['alpha']!s:<5} N={r['n']!s:<8} seed={r['sweep_seed']!s:<6} {r['status']:<8}"
        print(line + ("" if r["status"] == "ok" else f"  {r['reason']}"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m lessonlib.levy``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.command == "sweep":
        return _cmd_sweep(args, argv)
    return _cmd_status(args)


if __name__ == "__main__":
    sys.exit(main())
