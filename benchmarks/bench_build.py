"""Build benchmarks: how fast the book comes back after each kind of edit.

Copies the book's sources to a temporary directory (the working tree is never
touched), then times, on this machine:

1. a clean build with chapters executed one after another (``BOOK_JOBS=1``): the baseline;
2. a clean build with parallel pre-execution (``BOOK_JOBS`` = number of cores);
3. a rebuild with nothing changed;
4. a rebuild after editing one chapter (a comment added to its last code cell);
5. a rebuild after editing one lessonlib module (a comment added to the module);
6. a rebuild after changing one pinned version in requirements.txt.

For each it prints the wall time and how many chapters were executed, and the ratio
of the serial clean build to the parallel one. Usage::

    .venv/bin/python benchmarks/bench_build.py [--chapter book/ch01_1_vectors.md]
        [--module lessonlib/linalg.py] [--skip book/thesis_levy_search]

``--skip`` leaves chapters out of the copied table of contents (the thesis chapter takes
minutes on its own and would dominate every clean build).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("book", "lessonlib", "_config.yml", "_toc.yml", "requirements.txt", "pyproject.toml")


def copy_sources(dest: Path, skip: list[str]) -> None:
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        else:
            shutil.copy2(src, dest / name)
    if skip:
        import yaml

        toc = yaml.safe_load((dest / "_toc.yml").read_text())
        for part in toc.get("parts", []):
            part["chapters"] = [c for c in part.get("chapters", []) if c.get("file") not in skip]
        toc["parts"] = [p for p in toc.get("parts", []) if p.get("chapters")]
        (dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))


def build(dest: Path, jobs: int) -> tuple[float, int, str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", PYTHONPATH=str(dest), MPLBACKEND="Agg",
               NUMBA_CACHE_DIR=str(dest / "_build" / ".numba_cache"), BOOK_JOBS=str(jobs))
    jb = Path(sys.executable).with_name("jupyter-book")
    t0 = time.perf_counter()
    proc = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", str(dest)], cwd=dest, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout[-3000:])
        raise SystemExit("build failed")
    serial = set(re.findall(r"/([\w.-]+)\.md: Executing notebook", proc.stdout))
    pooled = set(re.findall(r"\[parallel_exec\] book/([\w.-]+): executed", proc.stdout))
    return dt, len(serial | pooled), proc.stdout


def append_comment_to_last_cell(md: Path) -> None:
    """Add a comment line at the end of the chapter's last code cell (a code edit)."""
    text = md.read_text(encoding="utf-8")
    cell_start = text.rfind("```{code-cell}")
    close = text.find("\n```", cell_start + 3)
    md.write_text(text[:close] + "\n# benchmark edit" + text[close:], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chapter", default="book/ch01_1_vectors.md")
    ap.add_argument("--module", default="lessonlib/linalg.py")
    ap.add_argument("--skip", action="append", default=[], help="docname to leave out (repeatable)")
    args = ap.parse_args()
    jobs = os.cpu_count() or 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        serial_dir, par_dir = Path(tmp) / "serial", Path(tmp) / "parallel"
        serial_dir.mkdir()
        par_dir.mkdir()
        copy_sources(serial_dir, args.skip)
        copy_sources(par_dir, args.skip)
        if args.skip:
            print(f"left out of this benchmark: {', '.join(args.skip)}")
        t_serial, n_serial, _ = build(serial_dir, 1)
        rows.append(("clean build, chapters one after another", t_serial, n_serial))
        t_par, n_par, _ = build(par_dir, jobs)
        rows.append((f"clean build, parallel pre-execution ({jobs} workers)", t_par, n_par))
        t, n, _ = build(par_dir, jobs)
        rows.append(("rebuild, nothing changed", t, n))
        append_comment_to_last_cell(par_dir / args.chapter)
        t, n, _ = build(par_dir, jobs)
        rows.append((f"rebuild after editing {args.chapter}", t, n))
        with open(par_dir / args.module, "a", encoding="utf-8") as f:
            f.write("\n# benchmark edit\n")
        t, n, _ = build(par_dir, jobs)
        rows.append((f"rebuild after editing {args.module}", t, n))
        req = par_dir / "requirements.txt"
        req.write_text(re.sub(r"^(sympy==.*)$", r"\1.post0", req.read_text(), flags=re.M))
        t, n, _ = build(par_dir, jobs)
        rows.append(("rebuild after changing a pinned version (sympy)", t, n))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'scenario':<{width}}  {'wall time (s)':>13}  {'chapters executed':>17}")
    print("-" * (width + 34))
    for name, t, n in rows:
        print(f"{name:<{width}}  {t:>13.1f}  {n:>17d}")
    print(f"\nparallel clean build is {t_serial / t_par:.2f}x faster than the serial baseline measured in this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
