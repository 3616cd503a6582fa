"""Build the executed site strictly, and name the file and cell of any failure.

Runs ``jupyter-book build -W -n --keep-going .`` from the repository root (so every
Sphinx warning is an error and every failing chapter is reported, not only the first),
then, if the build failed, reads myst-nb's tracebacks under ``_build/html/reports`` and
prints for each failing chapter the source file, the number of the failing code cell,
its first line in the ``.md`` file, and the end of the traceback.

Usage: ``python tools/build_book.py [--quiet] [-- extra jupyter-book args]``.
Exit status: 0 on success, 1 on any cell error or Sphinx warning.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "_build" / "html" / "reports"
_CELL_RE = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.M | re.S)


def _cells_with_lines(text: str) -> list[tuple[int, str]]:
    out = []
    for m in _CELL_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out.append((line, m.group(1)))
    return out


def locate_cell(md_path: Path, failing_source: str) -> tuple[int, int] | None:
    """(cell number, line) of the code cell in ``md_path`` whose source contains the failing one."""
    text = md_path.read_text(encoding="utf-8")
    needle = [ln.strip() for ln in failing_source.strip().splitlines() if ln.strip()]
    if not needle:
        return None
    for k, (line, body) in enumerate(_cells_with_lines(text), start=1):
        body_lines = [ln.strip() for ln in body.splitlines()]
        if all(n in body_lines for n in needle[:3]):
            return k, line
    return None


def explain_failures() -> int:
    """Print a summary of every failing chapter; return how many there were."""
    logs = sorted(REPORTS.glob("**/*.err.log")) if REPORTS.exists() else []
    for log in logs:
        rel = log.relative_to(REPORTS).as_posix()[: -len(".err.log")]
        md = ROOT / f"{rel}.md"
        text = log.read_text(encoding="utf-8", errors="replace")
        src = ""
        m = re.search(r"-{6,}\n(.*?)\n-{6,}", text, re.S)
        if m:
            src = m.group(1)
        where = locate_cell(md, src) if md.exists() and src else None
        print("\n" + "=" * 78, file=sys.stderr)
        if where:
            print(f"FAILED: {md.relative_to(ROOT)}, code cell {where[0]} (line {where[1]})", file=sys.stderr)
        else:
            print(f"FAILED: {md.relative_to(ROOT) if md.exists() else rel}", file=sys.stderr)
        tail = [ln for ln in text.strip().splitlines() if ln.strip()][-12:]
        print("\n".join("    " + ln for ln in tail), file=sys.stderr)
    return len(logs)


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    quiet = "--quiet" in argv
    env = dict(os.environ)
    # reproducible output: a fixed timestamp for Sphinx/matplotlib, numba's cache in the build dir
    if "SOURCE_DATE_EPOCH" not in env:
        try:
            env["SOURCE_DATE_EPOCH"] = subprocess.check_output(
                ["git", "log", "-1", "--format=%ct"], cwd=ROOT, text=True, stderr=subprocess.DEVNULL
            ).strip() or "1767225600"
        except (OSError, subprocess.CalledProcessError):
            env["SOURCE_DATE_EPOCH"] = "1767225600"
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / "_build" / ".numba_cache"))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "Agg")
    # stale tracebacks from an earlier build must not be reported again
    if REPORTS.exists():
        for log in REPORTS.glob("**/*.err.log"):
            log.unlink()
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", "-W", "-n", "--keep-going", str(ROOT), *extra]
    if not Path(cmd[0]).exists():
        cmd[0] = "jupyter-book"
    t0 = time.perf_counter()
    if quiet:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = ROOT / "_build" / "build.log"
        log.parent.mkdir(exist_ok=True)
        log.write_text(proc.stdout)
        if proc.returncode:
            print(proc.stdout[-20000:])
    else:
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
    dt = time.perf_counter() - t0
    failed = explain_failures()
    if proc.returncode or failed:
        print(f"\nBOOK BUILD FAILED after {dt:.1f} s ({failed} chapter(s) with cell errors; see above).", file=sys.stderr)
        return 1
    print(f"Book built in {dt:.1f} s: {ROOT / '_build' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
