"""Assertions on the built site (run after `tools/build_book.py`, marker `build`).

For every chapter in the table of contents: the page exists; no cell output is an
error or a stderr stream; every worked result listed in tests/worked_results appears
on the page; every image is a real file with descriptive alt text; the chapter has
exercises with solutions; and the execution report shows it executed successfully.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from chapters import HTML, ROOT, notebook_docs, number_pattern, toc_docs, worked_results

pytestmark = pytest.mark.build

NOTEBOOKS = notebook_docs()


def _soup(doc: str) -> BeautifulSoup:
    path = HTML / f"{doc}.html"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} was not built: run tools/build_book.py first")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _main(doc: str):
    soup = _soup(doc)
    return soup.find("article") or soup.find("main") or soup


@pytest.mark.parametrize("doc", toc_docs())
def test_page_built(doc):
    assert (HTML / f"{doc}.html").stat().st_size > 0


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_no_error_or_stderr_output(doc):
    main = _main(doc)
    bad = main.select(".output.traceback, .output.error, .output.stderr, .cell_output .traceback")
    texts = [b.get_text(" ", strip=True)[:300] for b in bad]
    assert not bad, f"{doc}: error/stderr outputs on the page:\n" + "\n".join(texts)


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_worked_results_appear(doc):
    stem = doc.rsplit("/", 1)[-1]
    text = _main(doc).get_text(" ", strip=False)
    text = text.replace("\u2212", "-")
    missing = [w.value for w in worked_results(stem) if not number_pattern(w.value).search(text)]
    assert not missing, f"{doc}: worked results missing from the HTML: {missing}"


@pytest.mark.parametrize("doc", toc_docs())
def test_images_exist_and_have_alt_text(doc):
    page = HTML / f"{doc}.html"
    problems = []
    for img in _main(doc).find_all("img"):
        src = img.get("src", "")
        alt = (img.get("alt") or "").strip()
        if src.startswith("data:"):
            continue
        target = (page.parent / src.split("#")[0].split("?")[0]).resolve()
        if not target.exists() or target.stat().st_size == 0:
            problems.append(f"missing image file {src}")
        if len(alt) < 15 or alt == src or re.search(r"\.(png|svg|jpe?g)$", alt):
            problems.append(f"no descriptive alt text for {src}: {alt!r}")
    assert not problems, f"{doc}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_figures_are_numbered_and_captioned(doc):
    figs = _main(doc).find_all("figure")
    for fig in figs:
        assert fig.find("figcaption"), f"{doc}: figure {fig.get('id')} has no caption"
        assert fig.get("id"), f"{doc}: a figure has no :name: to reference it by"


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_chapter_has_exercises_with_solutions(doc):
    main = _main(doc)
    exercises = main.select(".exercise")
    solutions = main.select(".solution")
    assert exercises, f"{doc}: no exercises"
    assert len(solutions) >= len(exercises), f"{doc}: {len(exercises)} exercises but {len(solutions)} solutions"
    # solutions are folded away (dropdown) so readers can try first
    for sol in solutions:
        assert "dropdown" in (sol.get("class") or []) or sol.find_parent("details") or sol.name == "details", \
            f"{doc}: a solution is not hidden in a dropdown"


def test_execution_report_lists_every_chapter_as_succeeded():
    report = _main("book/execution_report")
    rows = report.find_all("tr")
    text = {r.get_text(" ", strip=True) for r in rows}
    for doc in NOTEBOOKS:
        name = doc.rsplit("/", 1)[-1]
        hits = [t for t in text if name in t]
        assert hits, f"{doc} missing from the execution report"
        assert all("✅" in t for t in hits), f"{doc} did not execute successfully: {hits}"


def test_no_cdn_assets():
    for doc in toc_docs():
        html = (HTML / f"{doc}.html").read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert not remote, f"{doc} loads remote assets: {remote}"
