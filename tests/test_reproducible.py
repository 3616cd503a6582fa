"""Two clean builds give byte-identical chapter HTML and figures (marker `build`).

The test copies the book's sources into two temporary directories and builds each
from scratch (empty cache, so every chapter executes twice). It then compares every
chapter page and every image byte for byte. Allowed differences, and nothing else:

* the execution date and run time in each page's provenance note
  (``<span class="exec-time">``),
* the execution-report page and the search index that indexes it.

To keep CI time bounded, the chapters whose recorded run time (``provenance.json`` of
the main build) exceeds ``REPRO_MAX_SECONDS`` (default 30) are left out, and so are
pages that paste glue from them; the test says which.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chapters import HTML, ROOT, notebook_docs, toc_docs

pytestmark = pytest.mark.build

MAX_SECONDS = float(os.environ.get("REPRO_MAX_SECONDS", "30"))
_EXEC_TIME = re.compile(r'<span class="exec-time">[^<]*</span>')


def _chosen_docs() -> tuple[list[str], list[str]]:
    prov = HTML / "provenance.json"
    runtimes = {}
    if prov.exists():
        runtimes = {p["page"]: p.get("run_time_s") or 0 for p in json.loads(prov.read_text())["pages"]}
    keep, skip = [], []
    for d in notebook_docs():
        (keep if runtimes.get(d, 0) <= MAX_SECONDS else skip).append(d)
    return keep, skip


def _build_copy(dest: Path, docs: list[str]) -> Path:
    for name in ("book", "lessonlib", "requirements.txt", "pyproject.toml", "_config.yml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        else:
            shutil.copy2(src, dest / name)
    back = [{"file": "book/references"}, {"file": "book/execution_report"}]  # the intro links to both
    toc = {"format": "jb-book", "root": "book/intro", "chapters": [{"file": d} for d in docs] + back}
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    env = dict(os.environ)
    env.update(
        SOURCE_DATE_EPOCH="1767225600",
        NUMBA_CACHE_DIR=str(dest / "_build" / ".numba_cache"),
        PYTHONPATH=str(dest),  # the copy's lessonlib, imported by Sphinx and by the kernels
        MPLBACKEND="Agg",
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", str(dest)], cwd=dest, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    warnings = [ln for ln in proc.stdout.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert proc.returncode == 0, "\n".join(warnings[-20:]) + "\n" + proc.stdout[-3000:]
    return dest / "_build" / "html"


def test_two_clean_builds_are_byte_identical(tmp_path):
    docs, skipped = _chosen_docs()
    if skipped:
        print(f"left out (run time > {MAX_SECONDS} s): {skipped}")
    assert docs, "no chapter to compare"
    a = _build_copy(tmp_path / "a", docs)
    b = _build_copy(tmp_path / "b", docs)
    differ = []
    for doc in docs:
        pa, pb = a / f"{doc}.html", b / f"{doc}.html"
        ta, tb = pa.read_text(encoding="utf-8"), pb.read_text(encoding="utf-8")
        assert _EXEC_TIME.search(ta), f"{doc}: no provenance note"
        if _EXEC_TIME.sub("", ta) != _EXEC_TIME.sub("", tb):
            differ.append(doc)
    assert not differ, f"chapter HTML differs between two clean builds: {differ}"
    imgs_a = sorted(p.name for p in (a / "_images").iterdir())
    imgs_b = sorted(p.name for p in (b / "_images").iterdir())
    assert imgs_a == imgs_b, "figure files differ between the two builds"
    for name in imgs_a:
        assert (a / "_images" / name).read_bytes() == (b / "_images" / name).read_bytes(), name
