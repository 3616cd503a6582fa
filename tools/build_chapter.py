"""Build one chapter on its own (fast feedback while writing it).

    .venv/bin/python tools/build_chapter.py book/ch01_1_vectors.md [--force]

Builds the chapter plus the bibliography page, strictly (-W -n --keep-going), into
``_build/chapters/<stem>/html`` with its own jupyter-cache, so several chapters can
be built at the same time without sharing a cache database. ``--force`` wipes that
chapter's build first. Failing cells are reported with their cell number and line.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        return 2
    page = Path(args[0]).resolve()
    if not page.exists():
        print(f"no such chapter: {page}")
        return 2
    rel = page.relative_to(ROOT).with_suffix("").as_posix()
    out = ROOT / "_build" / "chapters" / page.stem
    if "--force" in argv and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["cache"] = str(out / ".jupyter_cache")
    # paths in _config.yml are relative to the repository root; this copy lives elsewhere
    exts = cfg.get("sphinx", {}).get("local_extensions", {}) or {}
    for name, path in exts.items():
        exts[name] = str((ROOT / path).resolve())
    (out / "_config.yml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    toc = {"format": "jb-book", "root": rel, "chapters": [{"file": "book/references"}]}
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / "_build" / ".numba_cache"))
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    reports = out / "_build" / "html" / "reports"
    if reports.exists():
        shutil.rmtree(reports)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", "-W", "-n", "--keep-going", str(ROOT), "--path-output", str(out),
           "--config", str(out / "_config.yml"), "--toc", str(out / "_toc.yml")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (out / "build.log").write_text(proc.stdout)
    interesting = [ln for ln in proc.stdout.splitlines() if "WARNING" in ln or "ERROR" in ln or "Executed" in ln or "Error" in ln]
    print("\n".join(interesting[-60:]))
    build_book.REPORTS = reports
    failed = build_book.explain_failures()
    html = out / "_build" / "html" / f"{rel}.html"
    if not html.exists():
        html = out / "html" / f"{rel}.html"
    if proc.returncode or failed:
        print(f"CHAPTER BUILD FAILED (full log: {out / 'build.log'})")
        return 1
    print(f"OK: {html}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
