"""Build the PDF of the book from the same sources as the site (``make pdf``).

Runs ``jupyter-book build --builder pdflatex -W -n --keep-going`` from the repository
root. Jupyter Book writes LaTeX with sphinx-jupyterbook-latex and runs latexmk with
xelatex (Debian: texlive-xetex, texlive-latex-recommended, texlive-latex-extra,
texlive-fonts-recommended, latexmk, fonts-freefont-otf; ``make pdf`` installs them).
The LaTeX macros come from ``book/macros.yml`` (``book/_ext/book_macros.py`` puts them
into the LaTeX preamble).

Nothing is executed again when the site has been built: the chapters' outputs come from
the same jupyter-cache as the HTML build (``_build/.jupyter_cache``, found relative to
the repository root). The build has its own output folder, ``_build/pdf/`` (Sphinx
environment, LaTeX sources, ``jupyter_execute``), so switching builders does not make
the next HTML build re-read every page. ``tools/latex/`` is appended to ``TEXINPUTS``
for the stand-in ``bbm.sty`` (see that file).

Writes ``_build/pdf/build.log`` and ``_build/pdf/status.json`` (exit status, seconds,
notebooks executed, page count) and copies the PDF to ``_build/mathematics-for-ai.pdf``.
Usage: ``python tools/build_pdf.py [-- extra jupyter-book args]`` (e.g. ``--config`` and
``--toc`` for a private copy). Exit status 0 on success, 1 otherwise.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "pdf"
LATEX = OUT / "_build" / "latex"
STATUS = OUT / "status.json"
COPY = ROOT / "_build" / "mathematics-for-ai.pdf"
TOOLS = ("xelatex", "latexmk")


def pdf_name() -> str:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    target = cfg["latex"]["latex_documents"]["targetname"]
    return Path(target).with_suffix(".pdf").name


def page_count(pdf: Path) -> int | None:
    try:
        info = subprocess.run(["pdfinfo", str(pdf)], stdout=subprocess.PIPE, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(m.group(1)) if m else None


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"missing {', '.join(missing)}: run `make pdf`, which installs the Debian LaTeX packages",
              file=sys.stderr)
        return 1
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:  # the date on the title page: the last commit's, as for the site
        git = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        env["SOURCE_DATE_EPOCH"] = git.stdout.strip() or "1767225600"
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / "_build" / ".numba_cache"))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "Agg")
    # after the distribution's own paths (the leading empty entry), so a real bbm.sty wins
    env["TEXINPUTS"] = os.pathsep + os.pathsep.join(p for p in [env.get("TEXINPUTS", "").strip(os.pathsep),
                                                               str(ROOT / "tools" / "latex")] if p)
    # LaTeX is rerun from scratch: latexmk otherwise trusts the record of an earlier failed run
    shutil.rmtree(LATEX, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", "-W", "-n", "--keep-going",
           str(ROOT), "--builder", "pdflatex", "--path-output", str(OUT), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - t0
    (OUT / "build.log").write_text(proc.stdout)
    executed = len(re.findall(r"Executing notebook|\[parallel_exec\] \S+: executed", proc.stdout))
    pdf = LATEX / pdf_name()
    ok = proc.returncode == 0 and pdf.is_file()
    pages = page_count(pdf) if ok else None
    if ok:
        shutil.copyfile(pdf, COPY)
    status = {"returncode": proc.returncode, "ok": ok, "seconds": round(seconds, 1), "executed_notebooks": executed,
              "pdf": str(pdf.relative_to(ROOT)), "pages": pages}
    STATUS.write_text(json.dumps(status, indent=1) + "\n")
    if not ok:
        tail = [ln for ln in proc.stdout.splitlines() if ln.strip()][-40:]
        print("\n".join(tail), file=sys.stderr)
        latex_log = LATEX / Path(pdf_name()).with_suffix(".log").name
        if latex_log.exists():
            errors = re.findall(r"^! .*(?:\n.*){0,4}", latex_log.read_text(errors="replace"), re.M)
            print("\n".join(errors[:5]), file=sys.stderr)
        print(f"\nPDF BUILD FAILED after {seconds:.0f} s (log: {(OUT / 'build.log').relative_to(ROOT)})",
              file=sys.stderr)
        return 1
    note = f", {executed} notebook(s) executed (not in the cache)" if executed else ", no notebook executed"
    print(f"PDF built in {seconds:.0f} s: {COPY.relative_to(ROOT)} ({pages} pages{note})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
