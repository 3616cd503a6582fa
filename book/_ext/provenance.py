"""Sphinx extension: say on every executed page when and with what it was computed.

At the end of each notebook page it adds a short *Provenance* note: when the notebook
was executed and how long it took, the lessonlib revision (the last commit that touched
``lessonlib/``, marked ``+modified`` when the working tree differs) with the page's
dependency fingerprint, and the versions of Python, NumPy, SciPy, numba, matplotlib and
SymPy. The same data for every page goes to ``provenance.json`` next to the site.

The execution date and run time are wrapped in ``<span class="exec-time">`` so that the
reproducibility test can tell them apart from everything else, which must be identical
from one clean build to the next.
"""
from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from docutils import nodes

PACKAGES = ("numpy", "scipy", "numba", "matplotlib", "sympy", "jupyter-book", "myst-nb")


def _git(args: list[str], cwd: Path) -> str:
    try:
        return subprocess.check_output(["git", *args], cwd=cwd, text=True, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def environment_info(srcdir: Path, package: str = "lessonlib") -> dict:
    rev = _git(["log", "-1", "--format=%h", "--", package], srcdir) or "unknown"
    if rev != "unknown" and _git(["status", "--porcelain", "--", package], srcdir):
        rev += "+modified"
    versions = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {"lessonlib_revision": rev, "versions": versions}


def _exec_data(env, docname: str) -> dict | None:
    try:
        from myst_nb.sphinx_ import NbMetadataCollector

        return NbMetadataCollector.get_exec_data(env, docname)
    except Exception:
        return None


def page_record(app, docname: str) -> dict | None:
    env = app.env
    data = _exec_data(env, docname)
    if not data:
        return None
    fp = getattr(env, "deps_fingerprints", {}).get(docname, {})
    mtime = data.get("mtime")
    when = dt.datetime.fromtimestamp(mtime, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if mtime else "unknown"
    info = app._provenance_env
    return {
        "page": docname,
        "executed": when,
        "run_time_s": round(float(data["runtime"]), 2) if data.get("runtime") is not None else None,
        "method": data.get("method"),
        "succeeded": data.get("succeeded"),
        "fingerprint": fp.get("fingerprint"),
        "lessonlib_modules": fp.get("modules", []),
        **info,
    }


def _on_builder_inited(app) -> None:
    app._provenance_env = environment_info(Path(app.srcdir))


def _on_doctree_resolved(app, doctree, docname: str) -> None:
    if app.builder.format != "html":
        return
    rec = page_record(app, docname)
    if rec is None:
        return
    v = rec["versions"]
    box = nodes.container(classes=["provenance", "admonition", "note"])
    title = nodes.paragraph(classes=["admonition-title"])
    title += nodes.Text("Provenance")
    box += title
    para = nodes.paragraph()
    para += nodes.Text("This page was executed ")
    para += nodes.inline(text=rec["executed"], classes=["exec-time"])
    para += nodes.Text(" in ")
    run = f"{rec['run_time_s']:.1f} s" if rec["run_time_s"] is not None else "an unknown time"
    para += nodes.inline(text=run, classes=["exec-time"])
    para += nodes.Text(
        f" with lessonlib {rec['lessonlib_revision']} (dependency fingerprint {rec['fingerprint'] or 'n/a'}), "
        f"Python {v['python']}, NumPy {v['numpy']}, SciPy {v['scipy']}, numba {v['numba']}, "
        f"matplotlib {v['matplotlib']} and SymPy {v['sympy']}."
    )
    box += para
    doctree += box


def _on_build_finished(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    records = [r for d in sorted(app.env.found_docs) if (r := page_record(app, d))]
    out = Path(app.outdir) / "provenance.json"
    out.write_text(json.dumps({"environment": app._provenance_env, "pages": records}, indent=2) + "\n")


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
