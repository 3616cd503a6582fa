"""Sphinx extension: re-execute exactly the chapters whose code dependencies changed.

jupyter-cache (behind myst-nb's ``execute_notebooks: cache``) keys a notebook on the
source of its code cells only. Editing ``lessonlib`` therefore leaves every page
stale, and Sphinx does not even re-read an unchanged ``.md`` file. This extension
closes both gaps:

1. For each notebook page it reads the ``import`` lines of the code cells, finds the
   ``lessonlib`` modules they name and, through the modules' own imports, every module
   they depend on. The *fingerprint* of the page is a hash of those files' contents plus
   the pinned environment (``requirements.txt``, ``pyproject.toml``) and the Python
   version.
2. On ``source-read`` it appends one hidden, comment-only code cell carrying the
   fingerprint. The cell is part of what jupyter-cache hashes, so a changed dependency
   is a cache miss and the page executes again; an unchanged one is a cache hit.
3. On ``env-get-outdated`` it tells Sphinx to re-read the pages whose fingerprint
   changed since the last build, and (optionally) the pages that paste glue from them.

A bare ``import lessonlib`` (or ``from lessonlib import *``) depends on the whole
package, so the rule errs on the side of re-executing. A page that reads data files
(for example stored simulation results) lists them in its front matter as
``data_dependencies: [results/levy]``; their paths, sizes and modification times enter
its fingerprint too.

Configuration (``_config.yml`` → ``sphinx: config:``)
------------------------------------------------------
deps_package : str
    Importable name of the package to track (default ``"lessonlib"``).
deps_extra_files : list of str
    Files, relative to the Sphinx source directory, whose contents enter every
    fingerprint (default ``["requirements.txt", "pyproject.toml"]``).
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Iterable

__all__ = [
    "code_cells",
    "chapter_imports",
    "package_modules",
    "module_imports",
    "dependency_closure",
    "files_for",
    "Fingerprinter",
    "setup",
]

FINGERPRINT_MARK = "# build fingerprint"
_CELL_RE = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.M | re.S)
_CROSS_GLUE_RE = re.compile(r"\{glue(?::\w+)?\}`([^`]*?)::|^:doc:\s*(\S+)", re.M)


# --------------------------------------------------------------------------- parsing
def code_cells(text: str) -> list[str]:
    """Sources of the ``{code-cell}`` blocks of a MyST notebook (cell options removed)."""
    cells = []
    for m in _CELL_RE.finditer(text):
        body = m.group(1)
        lines = body.splitlines()
        # strip the option block: either ":key: value" lines or a --- YAML --- block
        if lines and lines[0].strip() == "---":
            try:
                end = lines.index("---", 1)
            except ValueError:
                end = 0
            lines = lines[end + 1 :]
        else:
            while lines and lines[0].startswith(":"):
                lines.pop(0)
        cells.append("\n".join(lines))
    return cells


def _imports_in_source(src: str, package: str) -> set[str]:
    """Absolute module names of ``package`` imported by Python source ``src``.

    ``from pkg import name`` yields ``pkg.name`` *and* ``pkg`` (the caller decides
    whether ``pkg.name`` is a module). Lines that are not valid Python (IPython magics)
    are skipped one by one.
    """
    found: set[str] = set()
    try:
        tree = ast.parse(src)
        nodes = list(ast.walk(tree))
    except SyntaxError:
        nodes = []
        for line in src.splitlines():
            s = line.strip()
            if s.startswith(("import ", "from ")):
                try:
                    nodes.extend(ast.walk(ast.parse(s)))
                except SyntaxError:
                    continue
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package:
                    found.add(package + ".*")  # bare `import pkg`: may use any submodule
                elif alias.name.startswith(package + "."):
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mod = node.module
            if mod == package or mod.startswith(package + "."):
                found.add(mod)
                for alias in node.names:
                    found.add(f"{mod}.{alias.name}" if alias.name != "*" else mod + ".*")
    return found


def chapter_imports(text: str, package: str = "lessonlib") -> set[str]:
    """Module names of ``package`` that the code cells of a MyST notebook import."""
    found: set[str] = set()
    for src in code_cells(text):
        found |= _imports_in_source(src, package)
    return found


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Map every module of the package at ``root`` to its file (``pkg.sub`` → ``.../sub.py``)."""
    mods: dict[str, Path] = {}
    for p in sorted(root.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        rel = p.relative_to(root).with_suffix("")
        parts = [package, *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


def module_imports(path: Path, modname: str, package: str, is_package: bool) -> set[str]:
    """Modules of ``package`` imported by one module file (absolute and relative imports)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return {package + ".*"}  # unparsable: depend on everything
    base = modname.split(".") if is_package else modname.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == package or mod.startswith(package + "."):
                found.add(mod)
                for alias in node.names:
                    found.add(f"{mod}.{alias.name}" if alias.name != "*" else mod + ".*")
    return found


def dependency_closure(roots: Iterable[str], modules: dict[str, Path], package: str) -> set[str]:
    """All modules reachable from ``roots`` (names that are not modules are dropped).

    A module's parent packages count too (importing ``pkg.a.b`` runs ``pkg/__init__``
    and ``pkg/a/__init__``), and a star import or a bare ``import pkg`` pulls in the
    whole package.
    """
    def expand(name: str) -> set[str]:
        if name.endswith(".*"):
            prefix = name[:-2]
            return {m for m in modules if m == prefix or m.startswith(prefix + ".")}
        if name in modules:
            return {name}
        return set()

    todo: list[str] = []
    for r in roots:
        todo.extend(expand(r))
    seen: set[str] = set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        parts = m.split(".")
        for k in range(1, len(parts)):
            parent = ".".join(parts[:k])
            if parent in modules and parent not in seen:
                todo.append(parent)
        path = modules[m]
        for dep in module_imports(path, m, package, path.name == "__init__.py"):
            for e in expand(dep):
                if e not in seen:
                    todo.append(e)
        # a subpackage's modules are part of it
        if path.name == "__init__.py":
            todo.extend(x for x in modules if x.startswith(m + ".") and x not in seen and m != package)
    return seen


def files_for(mods: Iterable[str], modules: dict[str, Path]) -> list[Path]:
    """Sorted files of the given modules."""
    return sorted({modules[m] for m in mods})


# --------------------------------------------------------------------------- hashing
def _significant(path: Path) -> bytes:
    """A file's content without comment and blank lines (a reworded comment in
    requirements.txt must not re-execute the whole book; a changed pin must)."""
    if not path.exists():
        return b"<missing>"
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            lines.append(s)
    return "\n".join(lines).encode()


class Fingerprinter:
    """Computes page fingerprints for one build (file hashes are memoised)."""

    def __init__(self, package: str, package_root: Path, extra_files: Iterable[Path], srcdir: Path):
        self.package = package
        self.root = package_root
        self.srcdir = srcdir
        self.modules = package_modules(package_root, package)
        self._file_hash: dict[Path, str] = {}
        h = hashlib.sha256()
        h.update(f"python {sys.version_info[0]}.{sys.version_info[1]}".encode())
        for f in sorted(extra_files):
            h.update(b"\0" + f.name.encode() + b"\0")
            h.update(_significant(f))
        self.env_hash = h.hexdigest()

    def _hash(self, p: Path) -> str:
        if p not in self._file_hash:
            self._file_hash[p] = hashlib.sha256(p.read_bytes()).hexdigest()
        return self._file_hash[p]

    def dependencies(self, text: str) -> list[str]:
        """Sorted module names a notebook's text depends on."""
        roots = chapter_imports(text, self.package)
        return sorted(dependency_closure(roots, self.modules, self.package))

    def data_state(self, text: str) -> bytes:
        """State of the data a page declares in its front matter (``data_dependencies``).

        Each entry is a file or folder relative to the source directory; every file under
        it enters the fingerprint by path, size and modification time, so results copied
        into a results store make the page execute again.
        """
        entries = data_dependencies(text)
        if not entries:
            return b""
        out = []
        for entry in entries:
            base = (self.srcdir / entry).resolve()
            files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else ([base] if base.exists() else [])
            out.append(f"{entry}:{len(files)}")
            for f in files:
                st = f.stat()
                out.append(f"{f.relative_to(self.srcdir).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
        return "\n".join(out).encode()

    def fingerprint(self, text: str) -> tuple[str, list[str]]:
        """(short hash, dependency list) for a notebook's source text."""
        deps = self.dependencies(text)
        h = hashlib.sha256(self.env_hash.encode())
        for m in deps:
            p = self.modules[m]
            h.update(b"\0" + p.relative_to(self.root).as_posix().encode() + b"\0" + self._hash(p).encode())
        h.update(b"\0data\0" + self.data_state(text))
        return h.hexdigest()[:20], deps


def data_dependencies(text: str) -> list[str]:
    """The ``data_dependencies`` list of a page's YAML front matter (paths), if any."""
    if not text.startswith("---"):
        return []
    end = text.find("\n---", 3)
    if end < 0:
        return []
    try:
        import yaml

        meta = yaml.safe_load(text[3:end]) or {}
    except Exception:
        return []
    deps = meta.get("data_dependencies", []) if isinstance(meta, dict) else []
    return [str(d) for d in deps] if isinstance(deps, list) else [str(deps)]


def is_notebook_text(text: str) -> bool:
    """True for a MyST notebook (front matter names a kernel and there are code cells)."""
    head = text[:2000]
    return head.startswith("---") and ("jupytext" in head or "file_format: mystnb" in head) and "```{code-cell}" in text


def fingerprint_cell(fp: str, deps: list[str]) -> str:
    """The hidden code cell appended to a notebook page."""
    short = ", ".join(d.split(".", 1)[1] if "." in d else d for d in deps) or "none"
    return (
        "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
        f"{FINGERPRINT_MARK} {fp} (lessonlib modules: {short})\n```\n"
    )


# --------------------------------------------------------------------------- sphinx
def _locate_package(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"deps_package {package!r} is not an importable package: install it first")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _fingerprinter(app) -> Fingerprinter:
    fpr = getattr(app, "_deps_fingerprinter", None)
    if fpr is None:
        srcdir = Path(app.srcdir)
        extra = [srcdir / f for f in app.config.deps_extra_files]
        fpr = Fingerprinter(app.config.deps_package, _locate_package(app.config.deps_package), extra, srcdir)
        app._deps_fingerprinter = fpr
    return fpr


def _read_doc(env, docname: str) -> str | None:
    try:
        return Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return None


def _on_source_read(app, docname: str, source: list[str]) -> None:
    text = source[0]
    if not is_notebook_text(text):
        return
    fp, deps = _fingerprinter(app).fingerprint(text)
    source[0] = text.rstrip("\n") + fingerprint_cell(fp, deps)
    store = app.env.__dict__.setdefault("deps_fingerprints", {})
    store[docname] = {"fingerprint": fp, "modules": deps}


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    fpr = _fingerprinter(app)
    store = env.__dict__.setdefault("deps_fingerprints", {})
    stale: set[str] = set()
    for doc in env.found_docs:
        if doc in added or doc in changed or doc not in store:
            continue
        text = _read_doc(env, doc)
        if text is None or not is_notebook_text(text):
            continue
        fp, _ = fpr.fingerprint(text)
        if fp != store[doc]["fingerprint"]:
            stale.add(doc)
    rereading = set(added) | set(changed) | stale
    if rereading:
        # pages that paste glue from a page that is re-read must be rewritten too
        names = {d.rsplit("/", 1)[-1] for d in rereading} | rereading
        for doc in env.found_docs:
            if doc in rereading:
                continue
            text = _read_doc(env, doc)
            if not text:
                continue
            for m in _CROSS_GLUE_RE.finditer(text):
                ref = (m.group(1) or m.group(2) or "").strip()
                ref = re.sub(r"\.(md|ipynb)$", "", ref).lstrip("./")
                if ref and (ref in names or ref.rsplit("/", 1)[-1] in names):
                    stale.add(doc)
                    break
    if stale:
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            f"[lessonlib_deps] re-reading {len(stale)} page(s) whose dependencies changed: {', '.join(sorted(stale))}"
        )
    return sorted(stale)


def _on_env_purge_doc(app, env, docname: str) -> None:
    # keep the stored fingerprint until the page is read again (source-read replaces it)
    pass


def _on_env_merge_info(app, env, docnames, other) -> None:
    store = env.__dict__.setdefault("deps_fingerprints", {})
    store.update({d: other.deps_fingerprints[d] for d in docnames if d in getattr(other, "deps_fingerprints", {})})


def setup(app):
    app.add_config_value("deps_package", "lessonlib", "env")
    app.add_config_value("deps_extra_files", ["requirements.txt", "pyproject.toml"], "env")
    app.connect("source-read", _on_source_read)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-merge-info", _on_env_merge_info)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
