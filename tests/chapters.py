"""What the tests know about the book's chapters (shared by the build and source tests).

Each executed chapter ``book/<stem>.md`` may have ``tests/worked_results/<stem>.txt``:
one computed result per line, written exactly as the page must show it (``6.82``).
The build test asserts that each appears in the chapter's HTML; the source test asserts
that none of them is typed into the chapter's prose (it must come from glue). A line
ending in ``# html-only`` is checked in the HTML only (for values such as ``5`` that
also occur legitimately as typed inputs).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))  # BOOK_HTML: test a private build
WORKED = Path(__file__).resolve().parent / "worked_results"


@dataclass(frozen=True)
class Worked:
    value: str
    html_only: bool


def toc_docs() -> list[str]:
    """Docnames (``book/...``) in the order of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(items):
        for it in items or []:
            if "file" in it:
                docs.append(it["file"])
            walk(it.get("sections"))
            walk(it.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return docs


def is_notebook(path: Path) -> bool:
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "jupytext" in head


def notebook_docs() -> list[str]:
    return [d for d in toc_docs() if is_notebook(ROOT / f"{d}.md")]


def worked_results(stem: str) -> list[Worked]:
    f = WORKED / f"{stem}.txt"
    if not f.exists():
        return []
    out = []
    for raw in f.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        html_only = bool(re.search(r"#\s*html-only\s*$", line))
        value = re.sub(r"\s*#.*$", "", line).strip()
        if value:
            out.append(Worked(value, html_only))
    return out


_FENCE = re.compile(r"^(`{3,}|~{3,})([^\n]*)\n(.*?)^\1\s*$", re.M | re.S)


def prose_of(text: str) -> str:
    """The prose of a MyST notebook: no front matter, code cells, glue roles or glue directives."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end > 0 else text

    def drop(m: re.Match) -> str:
        info = m.group(2).strip()
        if info.startswith("{code-cell}") or info.startswith("{glue") or info.startswith("python") or info.startswith("text") or info.startswith("bash") or info == "":
            return "\n"
        # keep the body of admonitions/exercises/solutions etc. (recursively cleaned)
        return "\n" + prose_of_body(m.group(3)) + "\n"

    def prose_of_body(body: str) -> str:
        return _FENCE.sub(drop, body)

    text = _FENCE.sub(drop, text)
    text = re.sub(r"\{glue(?::\w+)?\}`[^`]*`", " ", text)
    text = re.sub(r"\{(?:numref|eq|ref|doc|cite:p|cite:t|cite)\}`[^`]*`", " ", text)
    text = re.sub(r"^:[\w-]+:.*$", "", text, flags=re.M)  # directive options
    return text


def number_pattern(value: str) -> re.Pattern:
    """Match ``value`` as a whole number token (not part of a longer number or word)."""
    return re.compile(r"(?<![\w.])" + re.escape(value) + r"(?![\w]|\.\d)")
