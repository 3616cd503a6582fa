"""Source test: no worked result is typed into a chapter's prose (it must come from glue)."""
from __future__ import annotations

import pytest

from chapters import BOOK, notebook_docs, number_pattern, prose_of, worked_results, ROOT

DOCS = notebook_docs()


@pytest.mark.parametrize("doc", DOCS)
def test_no_worked_result_typed_in_prose(doc):
    stem = doc.rsplit("/", 1)[-1]
    prose = prose_of((ROOT / f"{doc}.md").read_text(encoding="utf-8"))
    typed = []
    for w in worked_results(stem):
        if w.html_only:
            continue
        for line in prose.splitlines():
            if number_pattern(w.value).search(line):
                typed.append(f"{w.value!r} in: {line.strip()[:120]}")
    assert not typed, "computed results typed by hand (glue them instead):\n" + "\n".join(typed)


def test_prose_filter_removes_code_and_glue():
    text = "---\njupytext: {}\n---\n# T\n\n```{code-cell} ipython3\nx = 6.82\n```\n\nWe get {glue:text}`y`.\n\n```{note}\nInside 4.7524 here.\n```\n"
    prose = prose_of(text)
    assert "x = 6.82" not in prose
    assert "{glue:text}" not in prose
    assert "4.7524" in prose  # admonition bodies are prose and are checked


def test_every_notebook_chapter_has_worked_results():
    missing = [d for d in DOCS if not worked_results(d.rsplit("/", 1)[-1])]
    assert not missing, f"chapters without tests/worked_results/<stem>.txt: {missing}"
