"""Sphinx extension: execute the chapters that need it in parallel, before Sphinx reads them.

Jupyter Book 1 has no ``-j`` (jupyter-book#1735), and myst-nb executes a notebook while
Sphinx reads it, one page after another. This extension runs on ``env-before-read-docs``:
for every page about to be read it builds the notebook exactly as myst-nb will (same
reader, same hidden fingerprint cell from ``lessonlib_deps``), asks the jupyter-cache
whether it is already cached, and executes the misses in a pool of worker processes
(``deps_parallel_jobs``, default: the number of CPUs). Successful results go into the
cache, so the serial read that follows is a cache hit for each of them. A notebook that
fails in the pool is left alone: myst-nb executes it again during the read and reports
the failure with its traceback, exactly as without this extension.

Execution order: the longest notebooks (by their last recorded run time, or for a
notebook never run before by its declared timeout and size) start first, which keeps
both cores busy until the end.
"""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from sphinx.util import logging

import lessonlib_deps

logger = logging.getLogger(__name__)
_TIMES_FILE = "parallel_exec_times.json"


def _execute(payload: tuple[str, str, str, int | None, bool]) -> tuple[str, str | None, float, str | None]:
    """Worker: execute one notebook (JSON in, JSON out) in the chapter's directory."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    docname, nb_json, cwd, timeout, allow_errors = payload
    nb = nbformat.reads(nb_json, as_version=4)
    t0 = time.perf_counter()
    result = single_nb_execution(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors, meta_override=True)
    dt = time.perf_counter() - t0
    if result.err is not None:
        return docname, None, dt, f"{type(result.err).__name__}"
    return docname, nbformat.writes(nb), result.time, None


def _prepare(app, env, docname: str):
    """(notebook, read_fmt, nb_config) for a page, exactly as myst-nb would read it, or None."""
    from myst_nb.core.read import create_nb_reader
    from myst_nb.core.nb_to_tokens import nb_node_to_dict

    path = Path(env.doc2path(docname))
    if path.suffix != ".md":
        return None
    text = path.read_text(encoding="utf-8")
    if not lessonlib_deps.is_notebook_text(text):
        return None
    source = [text]
    lessonlib_deps._on_source_read(app, docname, source)  # the same hidden fingerprint cell
    nb_config = env.mystnb_config
    reader = create_nb_reader(str(path), env.myst_config, nb_config, source[0])
    if reader is None:
        return None
    nb = reader.read(source[0])
    if nb_config.metadata_key in nb.metadata:
        overrides = nb_node_to_dict(nb.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        try:
            nb_config = nb_config.copy(**overrides)
        except Exception:
            pass
    return nb, reader.read_fmt, nb_config, path


def _on_env_before_read_docs(app, env, docnames: list[str]) -> None:
    jobs = int(os.environ.get("BOOK_JOBS", app.config.deps_parallel_jobs or os.cpu_count() or 1))
    if env.mystnb_config.execution_mode != "cache" or jobs < 2:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(env.mystnb_config.execution_cache_path or ".jupyter_cache")
    todo = []
    for doc in docnames:
        prepared = _prepare(app, env, doc)
        if prepared is None:
            continue
        nb, read_fmt, nb_config, path = prepared
        try:
            cache.match_cache_notebook(nb)
            continue  # already cached
        except KeyError:
            pass
        todo.append((doc, nb, read_fmt, nb_config, path))
    if len(todo) < 2:
        return  # nothing to gain: let myst-nb execute the single miss itself

    times_path = Path(app.outdir).parent / _TIMES_FILE
    try:
        last = json.loads(times_path.read_text())
    except (OSError, ValueError):
        last = {}
    # longest first: by the last recorded run time; a chapter never run before is ranked by
    # its declared per-cell timeout and then its size, so a heavy chapter starts at once
    def expected(t) -> tuple[float, float, int]:
        doc, _, _, cfg, path = t
        return (float(last.get(doc, 1e9)), float(cfg.execution_timeout or 0), path.stat().st_size)

    todo.sort(key=expected, reverse=True)
    import nbformat

    logger.info(f"[parallel_exec] executing {len(todo)} notebook(s) on {min(jobs, len(todo))} worker(s)")
    t0 = time.perf_counter()
    by_doc = {t[0]: t for t in todo}
    payloads = [
        (doc, nbformat.writes(nb), str(path.parent), cfg.execution_timeout, cfg.execution_allow_errors)
        for doc, nb, _, cfg, path in todo
    ]
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_execute, p) for p in payloads]
        for fut in as_completed(futures):
            doc, nb_json, seconds, err = fut.result()
            last[doc] = round(seconds, 2)
            if err is not None:
                logger.info(f"[parallel_exec] {doc}: failed in the pool ({err}); it will run again while read")
                continue
            _, _, read_fmt, _, path = by_doc[doc]
            stage = cache.add_nb_to_project(str(path), read_data=read_fmt) if read_fmt else cache.add_nb_to_project(str(path))
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(nb_json, as_version=4), stage.uri, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"[parallel_exec] {doc}: executed in {seconds:.1f} s")
    logger.info(f"[parallel_exec] {len(todo)} notebook(s) in {time.perf_counter() - t0:.1f} s wall time")
    try:
        times_path.parent.mkdir(parents=True, exist_ok=True)
        times_path.write_text(json.dumps(last, indent=1, sort_keys=True))
    except OSError:
        pass


def setup(app):
    app.setup_extension("lessonlib_deps")
    app.add_config_value("deps_parallel_jobs", 0, "")
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
