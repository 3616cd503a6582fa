"""Sphinx extension: one table of LaTeX macros (book/macros.yml) for MathJax and LaTeX.

MathJax 3 receives them as ``tex.macros``; the LaTeX builder (``make pdf``) receives the
same definitions as ``\\newcommand`` lines in its preamble, so an equation renders the
same way on the site and in the PDF.
"""
from __future__ import annotations

from pathlib import Path

import yaml


def load_macros(path: Path) -> dict[str, tuple[str, int]]:
    """Read the macro table: name -> (definition, number of arguments)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, tuple[str, int]] = {}
    for name, spec in raw.items():
        if isinstance(spec, str):
            out[name] = (spec, 0)
        elif isinstance(spec, list) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], int):
            out[name] = (spec[0], spec[1])
        else:
            raise ValueError(f"macro {name!r} in {path}: expected a string or [definition, nargs]")
    return out


def latex_preamble(macros: dict[str, tuple[str, int]]) -> str:
    lines = []
    for name, (body, n) in macros.items():
        args = f"[{n}]" if n else ""
        # \providecommand keeps LaTeX's own definitions (e.g. \T in some classes) from clashing
        lines.append(f"\\providecommand{{\\{name}}}{args}{{}}\\renewcommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines)


def _on_config_inited(app, config) -> None:
    path = Path(app.confdir) / config.book_macros_file
    macros = load_macros(path)
    mj = dict(config.mathjax3_config or {})
    tex = dict(mj.get("tex", {}))
    tex_macros = dict(tex.get("macros", {}))
    for name, (body, n) in macros.items():
        tex_macros[name] = [body, n] if n else body
    tex["macros"] = tex_macros
    mj["tex"] = tex
    config.mathjax3_config = mj
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + "\n" + latex_preamble(macros) + "\n"
    config.latex_elements = elements


def setup(app):
    app.add_config_value("book_macros_file", "book/macros.yml", "env")
    app.connect("config-inited", _on_config_inited, priority=800)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
