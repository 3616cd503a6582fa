"""The chapters a reader downloads run outside the book (marker ``build``).

Each notebook chapter's page offers ``.ipynb`` and ``.md`` downloads. The ``.ipynb`` is
the notebook the book build executed: myst-nb writes it to ``_build/jupyter_execute/``
and ``book/_ext/notebook_download.py`` copies it to ``_build/html/_sources/<page>.ipynb``
(sphinx-book-theme would copy it only when a launch button is configured).

These tests take that file from the built site and execute it with nbclient in a
separate virtual environment, ``_build/reader-venv``, that holds only ``lessonlib``
(editable, from this repository), its declared dependencies (``[project].dependencies``
in ``pyproject.toml``) and what it takes to run a notebook (``ipykernel``, ``nbclient``),
with every transitive dependency installed ``--no-deps`` at the version pinned in
``requirements.txt``: no myst-nb, no Jupyter Book, no Sphinx, no pandas. The glue calls
of ``lessonlib.book`` then do nothing. The venv is built once and reused while
requirements.txt, the ``[project]`` table of pyproject.toml and the Python version are
unchanged.

Chapters run two at a time (the CI machine has two cores), each in an empty temporary
directory. A chapter passes if every cell runs and every printed output (stdout, stderr,
the text of cell results) is the one the book shows, up to memory addresses. A cell
whose output legitimately differs between runs (a timing) carries the tag
``output-varies`` and is executed but not compared.

All chapters are executed. ``OPT_OUT`` may name a chapter that is skipped here, with a
reason, and only if its run time in the book's execution report exceeds
``BUDGET_S`` (``test_opt_out_list_is_justified`` enforces that); it is empty.
"""
from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from chapters import HTML, ROOT, notebook_docs

pytestmark = pytest.mark.build

READER = ROOT / "_build" / "reader-venv"
RUNS = ROOT / "_build" / "reader-runs"  # the executed downloads, for a person to look at
RUNNER = ["ipykernel", "nbclient"]      # what it takes to execute a notebook
FORBIDDEN = ["myst_nb", "jupyter_book", "sphinx", "myst_parser", "pandas", "statsmodels"]
BUDGET_S = 600.0                        # a chapter slower than this in the book may opt out
OPT_OUT: dict[str, str] = {}            # "book/<stem>" -> reason (see the module docstring)
VARIES_TAG = "output-varies"
WORKERS = max(1, min(2, os.cpu_count() or 1))
NOTEBOOKS = notebook_docs()


# ---------------------------------------------------------------- the reader's venv
def pinned_versions() -> dict[str, str]:
    """Canonical package name -> version, from requirements.txt."""
    pins = {}
    for raw in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            if not version:
                raise ValueError(f"requirements.txt: {line!r} is not pinned with ==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def declared_dependencies() -> list[str]:
    """The names in pyproject.toml's ``[project].dependencies`` (lessonlib's own needs)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r).name for r in project["dependencies"]]


def reader_packages() -> dict[str, str]:
    """Every package the reader's venv needs, with its pinned version.

    The closure of lessonlib's declared dependencies and the notebook runner over the
    ``Requires-Dist`` metadata of the installed (pinned) stack, for this platform and
    without extras. ``pip check`` in the new venv confirms the closure is complete.
    """
    pins = pinned_versions()
    todo = [*declared_dependencies(), *RUNNER]
    seen: set[str] = set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for spec in metadata.distribution(name).requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    missing = sorted(seen - pins.keys())
    if missing:
        raise AssertionError(f"not pinned in requirements.txt: {missing}")
    return {name: pins[name] for name in sorted(seen)}


def _venv_key(packages: dict[str, str]) -> str:
    """Changes with requirements.txt, lessonlib's project metadata or Python (not with,
    say, a new pytest marker in pyproject.toml)."""
    h = hashlib.sha256()
    h.update((ROOT / "requirements.txt").read_bytes())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    h.update(json.dumps(project, sort_keys=True).encode())
    h.update(json.dumps(packages, sort_keys=True).encode())
    h.update(sys.version.encode())
    return h.hexdigest()[:16]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-4000:]}")
    return proc


def ensure_reader_venv() -> Path:
    """Create ``_build/reader-venv`` unless an up-to-date one exists; return its python."""
    packages = reader_packages()
    stamp = READER / f".stamp-{_venv_key(packages)}"
    python = READER / "bin" / "python"
    READER.parent.mkdir(parents=True, exist_ok=True)
    with open(READER.parent / ".reader-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers must not build it twice
        if stamp.exists() and python.exists():
            return python
        shutil.rmtree(READER, ignore_errors=True)
        env = _clean_env()
        # from inside .venv this makes a venv on the same base interpreter
        _run([sys.executable, "-m", "venv", str(READER)], env=env)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--no-input", "--disable-pip-version-check"]
        _run([*pip, "--no-deps", *[f"{n}=={v}" for n, v in packages.items()]], env=env)
        # lessonlib itself, editable; pip builds the shim with the backend pyproject.toml names
        _run([*pip, "--no-deps", "-e", str(ROOT)], env=env, cwd=ROOT)
        _run([str(python), "-m", "pip", "check"], env=env)
        stamp.write_text(json.dumps(packages, indent=1) + "\n")
        return python


def _clean_env() -> dict[str, str]:
    """The environment of a reader's shell: no trace of the book's venv or build settings."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
            "PIP_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_CONFIG_FILE", "SSL_CERT_FILE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = f"{READER / 'bin'}{os.pathsep}/usr/bin:/bin"
    env["NUMBA_CACHE_DIR"] = str(READER / ".numba_cache")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def _kernel_env(home: Path) -> dict[str, str]:
    env = _clean_env()
    # no user-level Jupyter/IPython configuration or kernel specs: only the venv's own kernel
    env["JUPYTER_CONFIG_DIR"] = str(home / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(home / "jupyter-data")
    env["IPYTHONDIR"] = str(home / "ipython")
    env["MPLCONFIGDIR"] = str(home / "matplotlib")
    return env


@pytest.fixture(scope="module")
def reader_python() -> Path:
    return ensure_reader_venv()


# ---------------------------------------------------------------- executing the downloads
@dataclass
class Run:
    doc: str
    ok: bool
    seconds: float
    log: str
    executed: Path | None


def _execution_timeout() -> int:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return int(cfg.get("execute", {}).get("timeout", 600))


def download_of(doc: str) -> Path:
    return HTML / "_sources" / f"{doc}.ipynb"


def execute_download(python: Path, doc: str) -> Run:
    """Copy the downloaded notebook into an empty directory and execute it there."""
    src = download_of(doc)
    if not src.is_file():
        return Run(doc, False, 0.0, f"{src} is not on the built site", None)
    stem = doc.rsplit("/", 1)[-1]
    with tempfile.TemporaryDirectory(prefix=f"reader-{stem}-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        nb = work / f"{stem}.ipynb"
        shutil.copyfile(src, nb)
        cmd = [str(python.with_name("jupyter-execute")), "--inplace", f"--timeout={_execution_timeout()}",
               "--startup_timeout=120", str(nb)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, env=_kernel_env(Path(tmp)), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=6 * 3600)
        seconds = time.perf_counter() - t0
        RUNS.mkdir(parents=True, exist_ok=True)
        kept = RUNS / f"{stem}.ipynb"
        shutil.copyfile(nb, kept)
    return Run(doc, proc.returncode == 0, seconds, proc.stdout, kept if proc.returncode == 0 else None)


@pytest.fixture(scope="module")
def runs(reader_python) -> dict[str, Run]:
    todo = [d for d in NOTEBOOKS if d not in OPT_OUT]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = dict(zip(todo, pool.map(lambda d: execute_download(reader_python, d), todo)))
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / "times.json").write_text(json.dumps({d: round(r.seconds, 1) for d, r in done.items()}, indent=1) + "\n")
    return done


# ---------------------------------------------------------------- comparing outputs
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def printed_outputs(nb) -> list[tuple[int, str]]:
    """(code-cell number, text) for every code cell not tagged ``output-varies``: its
    stdout, its stderr and the text of its results, each concatenated, addresses masked."""
    out = []
    for k, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        if VARIES_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        parts = {"stdout": "", "stderr": "", "result": ""}
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                parts[o.name] += o.text
            elif o.output_type == "execute_result":
                parts["result"] += o.get("data", {}).get("text/plain", "") + "\n"
            elif o.output_type == "error":
                parts["stderr"] += f"{o.ename}: {o.evalue}\n"
        text = "".join(f"[{k}]\n{v}" for k, v in parts.items() if v)
        out.append((k, _ADDRESS.sub("0x…", text)))
    return out


# ---------------------------------------------------------------- tests
def test_reader_packages_are_lessonlib_deps_and_runner_only():
    pkgs = reader_packages()
    for name in [*declared_dependencies(), *RUNNER]:
        assert canonicalize_name(name) in pkgs
    for name in ("myst-nb", "jupyter-book", "sphinx", "pandas", "statsmodels", "pytest"):
        assert name not in pkgs, f"{name} would leak into the reader's environment"
    pins = pinned_versions()
    assert all(pins[n] == v for n, v in pkgs.items())


def test_reader_venv_is_isolated_and_glue_is_a_no_op(reader_python, tmp_path):
    """The venv has lessonlib from this checkout and none of the book's tooling; a
    notebook executed with nbclient runs in that venv's kernel; every glue helper
    runs there without myst-nb and glues nothing; a glued figure is shown in place instead."""
    probe = nbformat.v4.new_notebook()
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    probe.cells = [
        nbformat.v4.new_code_cell("import importlib.util, sys, lessonlib\n"
                                  f"missing = [m for m in {FORBIDDEN!r} if importlib.util.find_spec(m) is None]\n"
                                  "print(sys.prefix)\nprint(lessonlib.__file__)\nprint(missing)"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\n"
            "from lessonlib.book import have_myst_nb, glue_text, glue_num, glue_math, glue_figure, glue_markdown\n"
            "fig, ax = plt.subplots()\n"
            "results = [glue_text('a', 'x'), glue_num('b', 6.82), glue_math('c', r'x^2'),\n"
            "           glue_figure('d', fig), glue_markdown('e', '| a |\\n| - |\\n| 1 |')]\n"
            "print(have_myst_nb(), results, plt.get_fignums())"),
        nbformat.v4.new_code_cell("from lessonlib.book import glue_text\nglue_text('bad', 3.0)"),
    ]
    path = tmp_path / "probe.ipynb"
    nbformat.write(probe, path)
    proc = subprocess.run([str(reader_python.with_name("jupyter-execute")), "--inplace", "--allow-errors", str(path)],
                          cwd=tmp_path, env=_kernel_env(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    cells = nbformat.read(path, as_version=4).cells
    lines = "".join(o.get("text", "") for o in cells[0].outputs).splitlines()
    assert Path(lines[0]).resolve() == READER.resolve(), f"the kernel ran in {lines[0]}, not in {READER}"
    assert Path(lines[1]).resolve() == (ROOT / "lessonlib" / "__init__.py").resolve()
    assert ast.literal_eval(lines[2]) == FORBIDDEN, \
        f"present in the reader's venv: {set(FORBIDDEN) - set(ast.literal_eval(lines[2]))}"
    assert "".join(o.get("text", "") for o in cells[1].outputs).strip() == \
        "False [None, None, None, None, None] []"
    assert any("image/png" in o.get("data", {}) for o in cells[1].outputs), "the glued figure is not shown"
    # argument checks still apply without myst-nb
    err = [o for o in cells[2].outputs if o.output_type == "error"]
    assert err and err[0].ename == "TypeError" and "text must be a str" in err[0].evalue


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_page_offers_ipynb_and_md_downloads(doc):
    page = HTML / f"{doc}.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in soup.select("a.dropdown-item[href*='_sources/']")]
    for suffix in (".ipynb", ".md"):
        links = [h for h in hrefs if h.endswith(suffix)]
        assert links, f"{doc}: no {suffix} in the download menu (is book/_ext/notebook_download.py loaded?)"
        target = (page.parent / links[0]).resolve()
        assert target.is_file() and target.stat().st_size > 0, f"{doc}: {links[0]} is not on the site"
    # the .ipynb download is the executed notebook: it carries the book's outputs
    nb = nbformat.read(download_of(doc), as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{doc}: the download has no outputs"


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_downloaded_notebook_runs_with_only_lessonlib(doc, runs):
    if doc in OPT_OUT:
        pytest.skip(f"opted out: {OPT_OUT[doc]}")
    run = runs[doc]
    tail = "\n".join(run.log.strip().splitlines()[-40:])
    assert run.ok, f"{doc}: the downloaded .ipynb fails outside the book ({run.seconds:.0f} s):\n{tail}"


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_downloaded_notebook_reproduces_the_book(doc, runs):
    if doc in OPT_OUT:
        pytest.skip(f"opted out: {OPT_OUT[doc]}")
    run = runs[doc]
    if not run.ok:
        pytest.fail(f"{doc} did not run (see test_downloaded_notebook_runs_with_only_lessonlib)")
    book = printed_outputs(nbformat.read(download_of(doc), as_version=4))
    reader = printed_outputs(nbformat.read(run.executed, as_version=4))
    assert len(book) == len(reader)
    diffs = [f"code cell {k}:\n--- book\n{a}\n--- reader\n{b}" for (k, a), (_, b) in zip(book, reader) if a != b]
    assert not diffs, f"{doc}: outputs differ outside the book (tag a cell '{VARIES_TAG}' only if they " \
                      f"legitimately vary between runs)\n" + "\n".join(diffs[:3])


def _book_run_times() -> dict[str, float]:
    soup = BeautifulSoup((HTML / "book" / "execution_report.html").read_text(encoding="utf-8"), "html.parser")
    times = {}
    for tr in soup.find_all("tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        if len(cells) >= 4:
            try:
                times[cells[0]] = float(cells[3])
            except ValueError:
                pass
    return times


def test_opt_out_list_is_justified():
    times = _book_run_times()
    assert set(NOTEBOOKS) <= times.keys(), "the execution report does not list every chapter"
    for doc, reason in OPT_OUT.items():
        assert doc in NOTEBOOKS, f"OPT_OUT names {doc}, which is not a notebook chapter in _toc.yml"
        assert reason.strip(), f"OPT_OUT[{doc!r}] gives no reason"
        assert times[doc] > BUDGET_S, f"{doc} runs in {times[doc]:.0f} s in the book, within the " \
                                      f"{BUDGET_S:.0f} s budget: it must be executed, not opted out"


def test_printed_outputs_comparison_sees_differences():
    """The comparison itself: equal outputs match, a changed digit does not, an
    ``output-varies`` cell is left out, memory addresses are masked."""
    def nb(text, tags=()):
        cell = nbformat.v4.new_code_cell("x", metadata={"tags": list(tags)})
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text),
                        nbformat.v4.new_output("execute_result", data={"text/plain": "<f at 0x7f3a2b1c9d40>"},
                                               execution_count=1)]
        return nbformat.v4.new_notebook(cells=[cell])

    assert printed_outputs(nb("6.82\n")) == printed_outputs(nb("6.82\n"))
    assert printed_outputs(nb("6.82\n")) != printed_outputs(nb("6.83\n"))
    assert printed_outputs(nb("a", [VARIES_TAG])) == printed_outputs(nb("b", [VARIES_TAG])) == []
    other = nb("6.82\n")
    other.cells[0].outputs[1]["data"]["text/plain"] = "<f at 0x55d0c0ffee00>"
    assert printed_outputs(other) == printed_outputs(nb("6.82\n"))
