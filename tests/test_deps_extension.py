"""The dependency-aware cache extension (book/_ext/lessonlib_deps.py).

Unit tests of the import analysis, then a real Jupyter Book build of a small fixture
book, rebuilt after each kind of edit, asserting in both directions: what must
re-execute does, and what must not does not.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lessonlib_deps as deps

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- unit
def _nb(*cells: str) -> str:
    head = "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\nkernelspec: {display_name: Python 3, language: python, name: python3}\n---\n\n# T\n"
    return head + "".join(f"\n```{{code-cell}} ipython3\n{c}\n```\n" for c in cells)


def _pkg(tmp_path: Path) -> Path:
    root = tmp_path / "fakelib"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text('"""lazy"""\n')
    (root / "common.py").write_text("X = 1\n")
    (root / "alpha.py").write_text("from .common import X\n")
    (root / "beta.py").write_text("from fakelib import common\n")
    (root / "gamma.py").write_text("Y = 2\n")
    (root / "sub" / "__init__.py").write_text("from .inner import f\n")
    (root / "sub" / "inner.py").write_text("from ..gamma import Y\ndef f():\n    return Y\n")
    return root


def test_code_cells_strip_options_and_yaml_blocks():
    text = _nb(":tags: [remove-cell]\nimport a", "---\ntags: [x]\n---\nimport b")
    assert deps.code_cells(text) == ["import a", "import b"]


def test_chapter_imports_forms():
    text = _nb(
        "from fakelib import alpha, beta as B",
        "import fakelib.gamma",
        "%matplotlib inline\nfrom fakelib.sub import f",
        "import numpy as np",
    )
    found = deps.chapter_imports(text, "fakelib")
    assert {"fakelib.alpha", "fakelib.beta", "fakelib.gamma", "fakelib.sub", "fakelib.sub.f"} <= found
    assert not any(m.startswith("numpy") for m in found)
    assert deps.chapter_imports(_nb("import fakelib"), "fakelib") == {"fakelib.*"}


def test_dependency_closure_follows_relative_and_absolute_imports(tmp_path):
    mods = deps.package_modules(_pkg(tmp_path), "fakelib")
    close = lambda src: deps.dependency_closure(deps.chapter_imports(_nb(src), "fakelib"), mods, "fakelib")  # noqa: E731
    assert close("from fakelib import alpha") == {"fakelib", "fakelib.alpha", "fakelib.common"}
    assert close("from fakelib import beta") == {"fakelib", "fakelib.beta", "fakelib.common"}
    assert close("from fakelib.sub import f") == {"fakelib", "fakelib.sub", "fakelib.sub.inner", "fakelib.gamma"}
    assert close("import fakelib") == set(mods)
    assert close("import os") == set()


def test_fingerprint_changes_only_with_a_dependency(tmp_path):
    root = _pkg(tmp_path)
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==2.4.6\n")
    make = lambda: deps.Fingerprinter("fakelib", root, [req], tmp_path)  # noqa: E731
    a = _nb("from fakelib import alpha")
    g = _nb("from fakelib import gamma")
    fa, fg = make().fingerprint(a)[0], make().fingerprint(g)[0]
    (root / "beta.py").write_text("from fakelib import common\nZ = 3\n")
    assert make().fingerprint(a)[0] == fa and make().fingerprint(g)[0] == fg
    (root / "common.py").write_text("X = 2\n")
    assert make().fingerprint(a)[0] != fa and make().fingerprint(g)[0] == fg
    fa2 = make().fingerprint(a)[0]
    req.write_text("# pinned\nnumpy==2.4.6\n\n")  # a comment is not a dependency
    assert make().fingerprint(a)[0] == fa2
    req.write_text("numpy==2.4.7\n")
    assert make().fingerprint(a)[0] != fa2 and make().fingerprint(g)[0] != fg


def test_data_dependencies_enter_the_fingerprint(tmp_path):
    root = _pkg(tmp_path)
    data = tmp_path / "results"
    data.mkdir()
    make = lambda: deps.Fingerprinter("fakelib", root, [], tmp_path)  # noqa: E731
    page = _nb("from fakelib import alpha").replace("---\n\n# T", "data_dependencies: [results]\n---\n\n# T", 1)
    assert deps.data_dependencies(page) == ["results"]
    plain = _nb("from fakelib import alpha")
    f0, p0 = make().fingerprint(page)[0], make().fingerprint(plain)[0]
    (data / "run.npz").write_bytes(b"stored results")
    assert make().fingerprint(page)[0] != f0  # new data: the page executes again
    assert make().fingerprint(plain)[0] == p0  # a page that does not declare it is unaffected


def test_fingerprint_cell_is_a_hidden_comment():
    cell = deps.fingerprint_cell("abc", ["lessonlib.fmt"])
    assert ":tags: [remove-cell]" in cell and deps.FINGERPRINT_MARK in cell
    assert deps.is_notebook_text(_nb("x = 1"))
    assert not deps.is_notebook_text("# plain page\n")


# ----------------------------------------------------------------------------- build
def _write_book(tmp: Path) -> None:
    _pkg(tmp)
    (tmp / "fakelib" / "alpha.py").write_text("from .common import X\nVALUE = 'alpha-v1'\n")
    (tmp / "fakelib" / "beta.py").write_text("from fakelib import common\nVALUE = 'beta-v1'\n")
    (tmp / "requirements.txt").write_text("numpy==2.4.6\n")
    (tmp / "_config.yml").write_text(textwrap.dedent(f"""
        title: fixture
        only_build_toc_files: true
        exclude_patterns: [fakelib, _build]
        execute:
          execute_notebooks: cache
          cache: _build/.jupyter_cache
          timeout: 120
        sphinx:
          local_extensions:
            lessonlib_deps: {ROOT / 'book' / '_ext'}
            parallel_exec: {ROOT / 'book' / '_ext'}
          config:
            deps_package: fakelib
            deps_extra_files: [requirements.txt]
        """))
    (tmp / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n- file: a\n- file: b\n- file: c\n")
    (tmp / "index.md").write_text("# Fixture\n")
    glue = "from myst_nb import glue\n"
    (tmp / "a.md").write_text(_nb(glue + "from fakelib import alpha\nprint(alpha.VALUE)\nglue('val', alpha.VALUE, display=False)"))
    (tmp / "b.md").write_text(_nb("from fakelib import beta\nprint(beta.VALUE)"))
    (tmp / "c.md").write_text("# C\n\nFrom page a: {glue}`a.md::val`.\n")


def _build(tmp: Path) -> tuple[set[str], str]:
    env = dict(os.environ, PYTHONPATH=str(tmp), PYDEVD_DISABLE_FILE_VALIDATION="1")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", "-W", "--keep-going", str(tmp)], cwd=tmp, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    serial = set(re.findall(r"/(\w+)\.md: Executing notebook", proc.stdout))
    pooled = set(re.findall(r"\[parallel_exec\] (\w+): executed", proc.stdout))
    assert not serial & pooled, "a notebook executed in the pool must be a cache hit when read"
    return serial | pooled, proc.stdout


def _html(tmp: Path, page: str) -> str:
    return (tmp / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")


@pytest.mark.build
def test_rebuilds_execute_exactly_what_changed(tmp_path):
    _write_book(tmp_path)
    executed, log = _build(tmp_path)
    assert executed == {"a", "b"}
    assert "[parallel_exec] executing 2 notebook(s) on 2 worker(s)" in log

    executed, log = _build(tmp_path)  # nothing changed
    assert executed == set()
    assert "0 added, 0 changed" in log

    (tmp_path / "fakelib" / "alpha.py").write_text("from .common import X\nVALUE = 'alpha-v2'\n")
    executed, _ = _build(tmp_path)  # a module only page a imports
    assert executed == {"a"}
    assert "alpha-v2" in _html(tmp_path, "a")
    assert "alpha-v2" in _html(tmp_path, "c"), "page c pastes glue from a and must be rewritten"

    (tmp_path / "fakelib" / "common.py").write_text("X = 5\n")
    executed, _ = _build(tmp_path)  # a module both import (relative and absolute)
    assert executed == {"a", "b"}

    (tmp_path / "fakelib" / "gamma.py").write_text("Y = 3\n")
    executed, _ = _build(tmp_path)  # a module nobody imports
    assert executed == set()

    text = (tmp_path / "b.md").read_text().replace("print(beta.VALUE)", "print(beta.VALUE, 1)")
    (tmp_path / "b.md").write_text(text)
    executed, _ = _build(tmp_path)  # one chapter edited
    assert executed == {"b"}

    (tmp_path / "requirements.txt").write_text("numpy==2.4.7\n")
    executed, _ = _build(tmp_path)  # a pinned dependency changed
    assert executed == {"a", "b"}
