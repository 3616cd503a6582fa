"""A results store for thesis-scale α sweeps, checked against the engine that reads it.

A thesis-scale sweep (10⁶ trajectories for each of 18 α values) takes many CPU hours,
so its results are kept on disk and reused: by the research chapter, which prefers them
to its own small default sweep, and by an interrupted sweep, which resumes from the
chunks it had already finished. Reusing a result is only safe while the code that
produced it is the code we run now, so every stored file carries the engine's source
hash (:func:`~lessonlib.levy.sweep.engine_source_hash`). A file written by another
engine is **refused**: the store treats it as absent and says why, and a new run
overwrites it.

Layout of a store directory
---------------------------
::

    <root>/
      .gitignore                       "*": results are data, never committed by accident
      <pkey>/params.json               the SearchParams of everything below
      <pkey>/alpha_0.6/seed_<key>/n_1000000.npz    merged result of one α (+ .json copy
                                                    of its record, for people)
      <pkey>/alpha_0.6/seed_<key>/chunks/000000050000_50000.npz
                                       finished chunk: trajectories 50000, ..., 99999
      runs/<run id>.json               one manifest per sweep run (parameters, α grid,
                                       N, seed, chunking, versions, wall time, ...)

``pkey`` is 16 hex digits of the SHA-256 of the parameters, ``<key>`` the run's 64-bit
stream key (``derive_seed(seed, alpha)``) in hex. The record inside each ``.npz`` is
the authority (a file is written atomically, record and arrays together); the
``.json`` beside a merged result is a copy for reading without numpy.

The default store is ``results/levy`` at the repository root; the environment variable
``LEVY_RESULTS_DIR`` overrides it (:func:`default_store_dir`).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import socket
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .._validate import as_float_array, check_int
from . import sweep as _sweep
from .engine import SearchParams, SearchResult
from .rng import derive_seed, stream_key
from .stable import check_alpha

__all__ = [
    "STORE_ENV",
    "STORE_FORMAT",
    "default_store_dir",
    "environment_record",
    "params_record",
    "params_from_record",
    "Lookup",
    "StoredSweep",
    "ResultStore",
    "SweepProvenance",
    "stored_or_computed_sweep",
]

STORE_ENV = "LEVY_RESULTS_DIR"
STORE_FORMAT = 1
_REPO = Path(__file__).resolve().parents[2]
_ARRAYS = ("fht", "frt", "n_jumps", "hit_trap")


# --------------------------------------------------------------------------- helpers
def default_store_dir() -> Path:
    """The store the research chapter looks in.

    ``$LEVY_RESULTS_DIR`` if set, else ``results/levy`` at the repository root (the
    directory holding ``pyproject.toml``), else ``results/levy`` under the current
    directory (lessonlib installed outside a checkout).
    """
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    base = _REPO if (_REPO / "pyproject.toml").is_file() else Path.cwd()
    return base / "results" / "levy"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit() -> dict[str, Any] | None:
    """HEAD of the checkout lessonlib runs from, and whether the engine files differ from it."""
    if not (_REPO / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(_REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        diff = subprocess.run(["git", "-C", str(_REPO), "diff", "--quiet", "HEAD", "--", "lessonlib/levy"],
                              capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "levy_modified": diff.returncode != 0}


def environment_record(*, git: bool = True) -> dict[str, Any]:
    """Versions and host of this process: Python, numpy, scipy, numba, dask, distributed,
    lessonlib (and the git commit of the checkout, with a flag for uncommitted edits
    to tracked files of ``lessonlib/levy``), the engine source hash, host name and platform."""
    import numba
    import scipy

    rec: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "dask": _version("dask"),
        "distributed": _version("distributed"),
        "lessonlib": _version("lessonlib") or "unknown",
        "engine_hash": _sweep.engine_source_hash(),
        "host": socket.gethostname(),
        "platform": platform.platform(),
    }
    if git:
        rec["git"] = _git_commit()
    return rec


def params_record(params: SearchParams) -> dict[str, Any]:
    """``params`` as a JSON-friendly dict (``inf`` written as the string ``"inf"``)."""
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    return {k: ("inf" if isinstance(v, float) and math.isinf(v) else v) for k, v in params.to_dict().items()}


def params_from_record(record: Mapping[str, Any]) -> SearchParams:
    """Inverse of :func:`params_record`."""
    fields = {k: (math.inf if v == "inf" else v) for k, v in dict(record).items()}
    return SearchParams(**fields)


def _params_canonical(params: SearchParams) -> str:
    # floats by repr (exact round trip), keys sorted: equal strings <=> equal parameters
    d = params.to_dict()
    return json.dumps({k: (repr(v) if isinstance(v, float) else v) for k, v in d.items()}, sort_keys=True)


def _params_key(params: SearchParams) -> str:
    return hashlib.sha256(f"v{STORE_FORMAT}|{_params_canonical(params)}".encode()).hexdigest()[:16]


def _count(n: int) -> str:
    """10⁶ for powers of ten from 10⁴, else thin-space groups: 250 000."""
    n = int(n)
    if n >= 10_000 and 10 ** round(math.log10(n)) == n:
        sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
        return "10" + str(round(math.log10(n))).translate(sup)
    return f"{n:,}".replace(",", "\u2009")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True, default=_json_default, allow_nan=True)


# --------------------------------------------------------------------------- look-ups
@dataclass(frozen=True)
class Lookup:
    """Answer of a store look-up.

    Attributes
    ----------
    status : {"ok", "missing", "stale", "mismatch", "corrupt"}
        ``"stale"``: written by another engine (different source hash);
        ``"mismatch"``: the file describes another run than its name says;
        ``"corrupt"``: unreadable.
    reason : str
        One sentence saying what was found (and why it is refused).
    result : SearchResult or None
        The stored result when ``status == "ok"``.
    record : dict or None
        The stored record (engine hash, provenance, ...) when it could be read.
    path : pathlib.Path
    """

    status: str
    reason: str
    path: Path
    result: SearchResult | None = field(default=None, repr=False)
    record: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(eq=False)
class StoredSweep:
    """Answer of :meth:`ResultStore.find_sweep`: a complete sweep, or why there is none.

    Attributes
    ----------
    sweep : SweepResult or None
        Present when every α of the grid has a valid stored result.
    lookups : list of Lookup
        The chosen (or best refused) look-up per α, in grid order.
    reasons : list of str
        Why the sweep is incomplete (empty when ``sweep`` is present).
    """

    sweep: "_sweep.SweepResult | None"
    lookups: list[Lookup]
    reasons: list[str]

    @property
    def found(self) -> bool:
        return self.sweep is not None


class ResultStore:
    """Per-α results and finished chunks of Lévy sweeps in a directory (module docstring).

    Parameters
    ----------
    root : path, optional
        Store directory (created on first write). Default :func:`default_store_dir`.
    engine_hash : str, optional
        The engine hash stored results must carry to be used. Default: the hash of the
        engine source in this process (:func:`~lessonlib.levy.sweep.engine_source_hash`),
        computed once when the store object is made.

    Examples
    --------
    >>> import tempfile
    >>> from lessonlib.levy import SearchParams, simulate_search
    >>> p = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=300)
    >>> store = ResultStore(tempfile.mkdtemp())
    >>> r = simulate_search(0.8, 50, p, seed=7)
    >>> _ = store.put(r)
    >>> store.get(p, 0.8, 7, 50).ok
    True
    >>> store.get(p, 0.8, 7, 60).status
    'missing'
    """

    def __init__(self, root: str | os.PathLike | None = None, *, engine_hash: str | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_store_dir()
        if engine_hash is None:
            engine_hash = _sweep.engine_source_hash()
        if not isinstance(engine_hash, str) or not engine_hash:
            raise TypeError("engine_hash must be a non-empty string")
        self.engine_hash = engine_hash

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r}, engine {self.engine_hash[:12]})"

    # ------------------------------------------------------------------ paths
    def params_dir(self, params: SearchParams) -> Path:
        """Directory of everything stored for ``params``."""
        return self.root / _params_key(params)

    def _seed_dir(self, params: SearchParams, alpha: float, stream_seed: int) -> Path:
        return self.params_dir(params) / f"alpha_{float(alpha)!r}" / f"seed_{stream_key(stream_seed):016x}"

    def entry_path(self, params: SearchParams, alpha: float, stream_seed: int, n: int) -> Path:
        """Path of the merged result of one α (stream key ``stream_seed``, N trajectories)."""
        return self._seed_dir(params, alpha, stream_seed) / f"n_{int(n)}.npz"

    def chunk_dir(self, params: SearchParams, alpha: float, stream_seed: int) -> Path:
        return self._seed_dir(params, alpha, stream_seed) / "chunks"

    def chunk_path(self, params: SearchParams, alpha: float, stream_seed: int, first_index: int, n: int) -> Path:
        """Path of chunk ``[first_index, first_index + n)`` of one α."""
        return self.chunk_dir(params, alpha, stream_seed) / f"{int(first_index):012d}_{int(n)}.npz"

    # ------------------------------------------------------------------ writing
    def _prepare_root(self, params: SearchParams) -> None:
        if not self.root.exists():
            self.root.mkdir(parents=True, exist_ok=True)
        ign = self.root / ".gitignore"
        if not ign.exists():
            _atomic_write(ign, b"# results are data: keep them out of git\n*\n")
        pj = self.params_dir(params) / "params.json"
        if not pj.exists():
            _atomic_write(pj, _dumps(params_record(params)).encode())

    def _record(self, kind: str, result: SearchResult, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        rec = dict(extra or {})
        rec.update({
            "format": STORE_FORMAT,
            "kind": kind,
            "alpha": result.alpha,
            "alpha_repr": repr(result.alpha),
            "stream_seed": str(result.seed),
            "first_index": result.first_index,
            "n": result.n,
            "n_queries": result.n_queries,
            "params": params_record(result.params),
            "params_canonical": _params_canonical(result.params),
            "engine_hash": self.engine_hash,
            "written": _now(),
        })
        return rec

    def _write(self, path: Path, result: SearchResult, record: dict[str, Any]) -> None:
        self._prepare_root(result.params)
        buf = io.BytesIO()
        np.savez_compressed(buf, record=np.array(_dumps(record)),
                            **{k: getattr(result, k) for k in _ARRAYS})
        _atomic_write(path, buf.getvalue())

    def put(self, result: SearchResult, record: Mapping[str, Any] | None = None) -> Path:
        """Store the merged result of one α (trajectories 0, ..., N-1) with its record.

        ``record`` (provenance: sweep seed, run id, versions, timings, ...) is stored with
        it; the store adds the parameters, α, N, the stream key and the engine hash. An
        older file for the same run is replaced. Also writes a ``.json`` copy of the record.
        """
        if not isinstance(result, SearchResult):
            raise TypeError(f"result must be a SearchResult, got {type(result).__name__}")
        if result.first_index != 0:
            raise ValueError("result must start at trajectory 0 (use put_chunk for chunks)")
        path = self.entry_path(result.params, result.alpha, result.seed, result.n)
        rec = self._record("entry", result, record)
        self._write(path, result, rec)
        _atomic_write(path.with_suffix(".json"), _dumps(rec).encode())
        return path

    def put_chunk(self, result: SearchResult, record: Mapping[str, Any] | None = None) -> Path:
        """Store a finished chunk (trajectories ``first_index ... first_index + n - 1``)."""
        if not isinstance(result, SearchResult):
            raise TypeError(f"result must be a SearchResult, got {type(result).__name__}")
        path = self.chunk_path(result.params, result.alpha, result.seed, result.first_index, result.n)
        self._write(path, result, self._record("chunk", result, record))
        return path

    def write_run(self, manifest: Mapping[str, Any]) -> Path:
        """Write a run manifest to ``runs/<run_id>.json`` and return its path."""
        run_id = str(manifest.get("run_id") or "")
        if not run_id or any(c in run_id for c in "/\\"):
            raise ValueError("manifest must have a 'run_id' without path separators")
        path = self.root / "runs" / f"{run_id}.json"
        if not self.root.exists():
            self.root.mkdir(parents=True, exist_ok=True)
        if not (self.root / ".gitignore").exists():
            _atomic_write(self.root / ".gitignore", b"# results are data: keep them out of git\n*\n")
        _atomic_write(path, _dumps(dict(manifest)).encode())
        return path

    def remove_chunks(self, params: SearchParams, alpha: float, stream_seed: int) -> int:
        """Delete the chunk files of one α run (after its merged result is stored)."""
        d = self.chunk_dir(params, alpha, stream_seed)
        k = 0
        for f in sorted(d.glob("*.npz")) if d.is_dir() else []:
            f.unlink()
            k += 1
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
        return k

    # ------------------------------------------------------------------ reading
    def _read(self, path: Path, params: SearchParams, what: str, *,
              expect: Mapping[str, Any], arrays: bool = True) -> Lookup:
        if not path.is_file():
            return Lookup("missing", f"no stored result for {what}", path)
        try:
            with np.load(path, allow_pickle=False) as z:
                record = json.loads(str(z["record"]))
                if record.get("format") != STORE_FORMAT:
                    return Lookup("corrupt", f"stored result for {what} has format "
                                  f"{record.get('format')!r}, expected {STORE_FORMAT}", path, record=record)
                if record.get("params_canonical") != _params_canonical(params):
                    return Lookup("mismatch", f"stored file for {what} was written for other parameters",
                                  path, record=record)
                for k, v in expect.items():
                    if record.get(k) != v:
                        return Lookup("mismatch", f"stored file for {what} has {k} = {record.get(k)!r}, "
                                      f"expected {v!r}", path, record=record)
                old = record.get("engine_hash", "")
                if old != self.engine_hash:
                    return Lookup(
                        "stale",
                        f"stored result for {what} was computed by engine {old[:12]} "
                        f"(written {record.get('written', '?')}), but the current engine is "
                        f"{self.engine_hash[:12]}: the engine source changed, so it is not used",
                        path, record=record)
                if not arrays:
                    return Lookup("ok", f"valid stored result for {what}", path, record=record)
                data = {k: z[k] for k in _ARRAYS}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            return Lookup("corrupt", f"stored file for {what} is unreadable ({type(exc).__name__}: {exc})", path)
        n = int(record["n"])
        if any(a.shape != (n,) for a in data.values()):
            return Lookup("corrupt", f"stored file for {what} has arrays of the wrong length", path, record=record)
        res = SearchResult(float(record["alpha"]), params, int(record["stream_seed"]), int(record["first_index"]),
                           data["fht"], data["frt"], data["n_jumps"], data["hit_trap"], int(record["n_queries"]))
        return Lookup("ok", f"valid stored result for {what}", path, result=res, record=record)

    def get(self, params: SearchParams, alpha: float, stream_seed: int, n: int) -> Lookup:
        """Look up the merged result of one α run; refused (not ``ok``) if written by another engine."""
        alpha = check_alpha(alpha)
        key = stream_key(stream_seed, "stream_seed")
        n = check_int(n, "n", minimum=1)
        what = f"α = {alpha!r} (N = {_count(n)}, stream key {key:016x})"
        return self._read(self.entry_path(params, alpha, key, n), params, what,
                          expect={"alpha_repr": repr(alpha), "stream_seed": str(key), "n": n, "first_index": 0,
                                  "kind": "entry"})

    def get_chunk(self, params: SearchParams, alpha: float, stream_seed: int, first_index: int, n: int) -> Lookup:
        """Look up a finished chunk; refused if written by another engine."""
        alpha = check_alpha(alpha)
        key = stream_key(stream_seed, "stream_seed")
        first_index = check_int(first_index, "first_index", minimum=0)
        n = check_int(n, "n", minimum=1)
        what = f"chunk [{first_index}, {first_index + n}) of α = {alpha!r}"
        return self._read(self.chunk_path(params, alpha, key, first_index, n), params, what,
                          expect={"alpha_repr": repr(alpha), "stream_seed": str(key), "n": n,
                                  "first_index": first_index, "kind": "chunk"})

    def chunk_files(self, params: SearchParams, alpha: float, stream_seed: int) -> list[Path]:
        """The chunk files present for one α run (valid or not), sorted by first index."""
        d = self.chunk_dir(params, alpha, stream_seed)
        return sorted(d.glob("*.npz")) if d.is_dir() else []

    def candidates(self, params: SearchParams, alpha: float, stream_seed: int, *,
                   arrays: bool = False) -> list[Lookup]:
        """Every merged result stored for one α run (any N), validated, largest N first."""
        alpha = check_alpha(alpha)
        key = stream_key(stream_seed, "stream_seed")
        d = self._seed_dir(params, alpha, key)
        out = []
        for f in d.glob("n_*.npz") if d.is_dir() else []:
            try:
                n = int(f.stem[2:])
            except ValueError:
                continue
            lk = self._read(f, params, f"α = {alpha!r} (N = {_count(n)})", arrays=arrays,
                            expect={"alpha_repr": repr(alpha), "stream_seed": str(key), "n": n,
                                    "first_index": 0, "kind": "entry"})
            out.append((n, lk))
        return [lk for _, lk in sorted(out, key=lambda t: -t[0])]

    def find_sweep(self, params: SearchParams, alphas: Any, seed: int, min_n: Any = 1) -> StoredSweep:
        """A whole sweep from the store, if every α has a valid result with N >= min_n.

        Parameters
        ----------
        params : SearchParams
        alphas : array_like
            The grid (sorted; duplicates rejected).
        seed : int
            Sweep seed: α's stream key is ``derive_seed(seed, alpha)``, as in
            :func:`~lessonlib.levy.sweep.alpha_sweep`, so a stored result holds exactly
            the numbers a fresh run would compute.
        min_n : int, dict or callable
            Smallest acceptable N per α (same forms as ``n_per_alpha`` of ``alpha_sweep``).
            The largest valid stored N is taken.

        Returns
        -------
        StoredSweep
        """
        a = _grid(alphas)
        if not isinstance(params, SearchParams):
            raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
        seed = _sweep_seed(seed)
        chosen: list[Lookup] = []
        reasons: list[str] = []
        for alpha in a.tolist():
            need = _n_for(min_n, alpha, "min_n")
            key = derive_seed(seed, alpha)
            cands = self.candidates(params, alpha, key)
            good = [c for c in cands if c.ok and int(c.record["n"]) >= need]
            if good:
                full = self.get(params, alpha, key, int(good[0].record["n"]))
                chosen.append(full)
                if not full.ok:  # the arrays could not be read after all
                    reasons.append(full.reason)
                continue
            if not cands:
                lk = Lookup("missing", f"no stored result for α = {alpha!r} with seed {seed}",
                            self._seed_dir(params, alpha, key))
            elif any(c.ok for c in cands):
                best = next(c for c in cands if c.ok)
                lk = Lookup("missing", f"only N = {_count(best.record['n'])} is stored for α = {alpha!r}, "
                            f"fewer than the {_count(need)} asked for", best.path, record=best.record)
            else:
                lk = cands[0]
            chosen.append(lk)
            reasons.append(lk.reason)
        if reasons:
            return StoredSweep(None, chosen, reasons)
        results = [lk.result for lk in chosen]
        sw = _sweep.SweepResult(a, params, seed, np.array([r.n for r in results], np.int64), results,
                                np.ones(len(results), bool))
        return StoredSweep(sw, chosen, [])

    def entries(self) -> Iterator[tuple[SearchParams, Lookup]]:
        """Every merged result in the store, validated against the current engine (for listings)."""
        for pj in sorted(self.root.glob("*/params.json")):
            try:
                params = params_from_record(json.loads(pj.read_text()))
            except (OSError, ValueError, TypeError):
                continue
            for f in sorted(pj.parent.glob("alpha_*/seed_*/n_*.npz")):
                try:
                    alpha = float(f.parent.parent.name[len("alpha_"):])
                    key = int(f.parent.name[len("seed_"):], 16)
                    n = int(f.stem[2:])
                except ValueError:
                    continue
                yield params, self._read(f, params, f"α = {alpha!r} (N = {_count(n)})", arrays=False,
                                         expect={"alpha_repr": repr(alpha), "stream_seed": str(key), "n": n,
                                                 "first_index": 0, "kind": "entry"})


def _n_for(spec: Any, alpha: float, name: str) -> int:
    """N for one α from an int, a ``{alpha: N}`` mapping or a callable."""
    if callable(spec):
        n = spec(alpha)
    elif isinstance(spec, Mapping):
        if alpha not in spec:
            raise ValueError(f"{name} has no entry for alpha = {alpha}")
        n = spec[alpha]
    else:
        n = spec
    return check_int(n, name, minimum=1)


def _grid(alphas: Any) -> np.ndarray:
    a = np.sort(as_float_array(alphas, "alphas", ndim=1))
    for x in a:
        check_alpha(float(x), "alphas")
    if a.size == 0 or np.any(np.diff(a) == 0):
        raise ValueError("alphas must be non-empty and without duplicates")
    return a


def _sweep_seed(seed: Any) -> int:
    if isinstance(seed, np.random.Generator):
        raise TypeError("seed must be an integer (stored and distributed sweeps must be reproducible)")
    return stream_key(seed)


# --------------------------------------------------------------------------- the chapter's entry point
@dataclass(frozen=True)
class SweepProvenance:
    """Where a sweep's numbers come from, for the page that shows them.

    Attributes
    ----------
    source : {"store", "computed"}
    text : str
        One or two Markdown sentences for the page (glue it with ``glue_text``).
    n_per_alpha : tuple of int
    seed : int
    engine_hash : str
        The current engine's source hash (stored results are used only if theirs equals it).
    store_dir : str
    runs : tuple of dict
        For stored results: the provenance of the runs they come from (run id, date,
        backend, workers, wall time, versions).
    refused : tuple of str
        For computed results: why no stored results were used.
    """

    source: str
    text: str
    n_per_alpha: tuple[int, ...]
    seed: int
    engine_hash: str
    store_dir: str
    runs: tuple[dict[str, Any], ...] = ()
    refused: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "text": self.text, "n_per_alpha": list(self.n_per_alpha),
                "seed": self.seed, "engine_hash": self.engine_hash, "store_dir": self.store_dir,
                "runs": [dict(r) for r in self.runs], "refused": list(self.refused)}


def _display_dir(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(_REPO))
    except ValueError:
        return str(path)


def _n_phrase(alphas: np.ndarray, ns: np.ndarray) -> str:
    """'10⁶ trajectories per α' or '100 000 trajectories per α for α 0.4–1 and 10 000 for α 1.5–2'."""
    if np.all(ns == ns[0]):
        return f"{_count(int(ns[0]))} trajectories per α"
    parts, start = [], 0
    for k in range(1, len(ns) + 1):
        if k == len(ns) or ns[k] != ns[start]:
            lo, hi = float(alphas[start]), float(alphas[k - 1])
            where = f"α = {lo!r}" if k - 1 == start else f"α {lo!r}–{hi!r}"
            parts.append(f"{_count(int(ns[start]))} for {where}")
            start = k
    return "trajectories per α: " + ", ".join(parts)


def _summarise_reasons(reasons: list[str], limit: int = 2) -> str:
    shown = "; ".join(reasons[:limit])
    more = len(reasons) - limit
    return shown + (f"; and {more} more α" if more > 0 else "")


def stored_or_computed_sweep(
    alphas: Any,
    params: SearchParams,
    n_per_alpha: int | Mapping[float, int] | Callable[[float], int],
    seed: int,
    *,
    min_n: int | Mapping[float, int] | Callable[[float], int] | None = None,
    store: "ResultStore | str | os.PathLike | None" = None,
    cache_dir: str | os.PathLike | None = None,
    progress: Callable[[float, int, bool], None] | None = None,
) -> tuple["_sweep.SweepResult", SweepProvenance]:
    """Thesis-scale results from the store when valid for this engine, else a fresh sweep.

    The research chapter's one call. If the store holds, for **every** α of the grid, a
    result for these parameters and this seed with at least ``min_n`` trajectories
    (default: ``n_per_alpha``), written by the current engine, those results are returned
    (the largest N stored); otherwise the default-size sweep is computed with
    :func:`~lessonlib.levy.sweep.alpha_sweep` (cached in ``cache_dir``) and the
    provenance says why stored results were not used.

    Parameters
    ----------
    alphas, params, n_per_alpha, seed, cache_dir, progress
        As for :func:`~lessonlib.levy.sweep.alpha_sweep` (the default-size sweep).
    min_n : int, dict or callable, optional
        Smallest stored N accepted per α (e.g. ``10**6`` to accept only thesis-scale
        runs). Default ``n_per_alpha``: never use fewer trajectories than the default.
    store : ResultStore or path, optional
        Default :func:`default_store_dir` (``$LEVY_RESULTS_DIR`` or ``results/levy``).

    Returns
    -------
    (SweepResult, SweepProvenance)

    Examples
    --------
    >>> import tempfile
    >>> p = SearchParams(half_width=40.0, n_traps=16, layout="lattice", horizon=300)
    >>> sw, prov = stored_or_computed_sweep([0.8, 1.6], p, 100, seed=3, store=tempfile.mkdtemp())
    >>> prov.source, sw.n_per_alpha.tolist()
    ('computed', [100, 100])
    """
    a = _grid(alphas)
    if not isinstance(params, SearchParams):
        raise TypeError(f"params must be a SearchParams, got {type(params).__name__}")
    seed = _sweep_seed(seed)
    if not isinstance(store, ResultStore):
        store = ResultStore(store)
    found = store.find_sweep(params, a, seed, n_per_alpha if min_n is None else min_n)
    where = _display_dir(store.root)
    eng = store.engine_hash
    if found.found:
        sw = found.sweep
        runs: dict[str, dict[str, Any]] = {}
        for lk in found.lookups:
            rec = lk.record or {}
            rid = str(rec.get("run_id") or "unknown")
            r = runs.setdefault(rid, {"run_id": rid, "written": rec.get("written"), "backend": rec.get("backend"),
                                      "n_workers": rec.get("n_workers"), "versions": rec.get("versions"),
                                      "compute_seconds": 0.0, "alphas": []})
            r["alphas"].append(lk.result.alpha)
            r["compute_seconds"] += float(rec.get("compute_seconds") or 0.0)
        run_bits = []
        for r in runs.values():
            how = [r.get("backend") or "unknown backend"]
            if r.get("n_workers"):
                how.append(f"{r['n_workers']} workers")
            if r["compute_seconds"] > 0:
                how.append(f"{_duration(r['compute_seconds'])} of worker time for these α")
            if r.get("written"):
                how.append(str(r["written"])[:10])
            run_bits.append(f"run `{r['run_id']}` ({', '.join(how)})")
        v = next((r["versions"] for r in runs.values() if r.get("versions")), None) or {}
        names = {"python": "Python", "numpy": "NumPy", "numba": "Numba", "lessonlib": "lessonlib"}
        vers = ", ".join(f"{names[k]} {v[k]}" for k in names if v.get(k))
        text = (f"These results come from the results store (`{where}`): "
                f"{_n_phrase(sw.alphas, sw.n_per_alpha)} for {len(sw.alphas)} values of α, seed {seed}, "
                f"from {', '.join(run_bits)}. They were computed by engine `{eng[:12]}`, the engine this "
                f"page runs (checked when the page was built), so they are exactly the numbers a fresh run with "
                f"these N would give" + (f"; {vers}." if vers else "."))
        return sw, SweepProvenance("store", text, tuple(int(n) for n in sw.n_per_alpha), seed, eng, where,
                                   tuple(runs.values()), ())
    sw = _sweep.alpha_sweep(a, params, n_per_alpha, seed, cache_dir=cache_dir, progress=progress)
    if not store.params_dir(params).is_dir():
        why = "it holds no results for these parameters"
    else:
        why = _summarise_reasons(found.reasons)
    text = (f"These results were computed when the page was built: {_n_phrase(sw.alphas, sw.n_per_alpha)}, "
            f"seed {seed}, engine `{eng[:12]}`. No stored results were used from `{where}`: {why}.")
    return sw, SweepProvenance("computed", text, tuple(int(n) for n in sw.n_per_alpha), seed, eng, where,
                               (), tuple(found.reasons))


def _duration(seconds: float) -> str:
    s = float(seconds)
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"
