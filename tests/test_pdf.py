"""The PDF of the book (marker ``pdf``): run by ``make pdf`` after ``tools/build_pdf.py``.

Checks the last PDF build (``_build/pdf/status.json``; if there is none, the fixture runs
the build): it succeeded; the page count is in a sane range for the number of chapters;
the text (``pdftotext``) contains the chapters' worked results; the figures are embedded
as images; equations are typeset in the maths font and the LaTeX preamble defines every
macro of ``book/macros.yml``. Two pages (the first with a figure, the first with a
numbered equation) are rendered to ``_build/pdf/pages/*.png`` for a person to look at.

``make test`` selects ``-m "not build and not browser"`` for its unit tests, which does
not exclude this marker; the tests skip themselves unless ``-m`` names ``pdf`` (or the
file is run on its own, without ``-m``).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chapters import HTML, ROOT, notebook_docs, toc_docs, worked_results

pytestmark = pytest.mark.pdf

STATUS = ROOT / "_build" / "pdf" / "status.json"
PAGES = ROOT / "_build" / "pdf" / "pages"
# A chapter of this book runs to 15-40 PDF pages; the bounds leave room both ways.
PAGES_PER_CHAPTER = (5, 120)


@pytest.fixture(scope="module")
def build(request) -> dict:
    expr = request.config.getoption("markexpr") or ""
    if expr and "pdf" not in expr:
        pytest.skip("the PDF is checked by `make pdf` (pytest -m pdf)")
    if not STATUS.exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_pdf.py")], cwd=ROOT)
    status = json.loads(STATUS.read_text())
    status["path"] = ROOT / status["pdf"]
    return status


@pytest.fixture(scope="module")
def text_pages(build) -> list[str]:
    if not build["ok"]:
        pytest.fail("the PDF build failed (see test_pdf_build_succeeded)")
    out = subprocess.run(["pdftotext", "-layout", str(build["path"]), "-"], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return out.replace("\u2212", "-").split("\f")


def test_pdf_build_succeeded(build):
    log = ROOT / "_build" / "pdf" / "build.log"
    assert build["returncode"] == 0 and build["ok"], f"the PDF build failed: see {log.relative_to(ROOT)}"
    assert build["path"].stat().st_size > 10_000
    print(f"PDF: {build['pages']} pages, built in {build['seconds']} s, "
          f"{build['executed_notebooks']} notebook(s) executed")


def test_page_count_is_sane(build):
    info = subprocess.run(["pdfinfo", str(build["path"])], stdout=subprocess.PIPE, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    lo, hi = PAGES_PER_CHAPTER
    n = len(notebook_docs())
    assert lo * n <= pages <= hi * len(toc_docs()), f"{pages} pages for {n} chapters"
    assert pages == build["pages"]


def _squeeze(text: str) -> str:
    """Text without whitespace or the mark LaTeX puts where it wraps a long code line."""
    return re.sub(r"[\s\u21aa]+", "", text)


def test_worked_results_are_in_the_text(text_pages):
    # LaTeX breaks lines where the browser does not ("4 × 6 × 6" can end a line after the 4)
    text = _squeeze("\n".join(text_pages))
    missing, checked = [], 0
    for doc in notebook_docs():
        stem = doc.rsplit("/", 1)[-1]
        for w in worked_results(stem):
            if w.html_only:
                continue
            checked += 1
            if _squeeze(w.value) not in text:
                missing.append(f"{stem}: {w.value}")
    assert checked, "no worked results listed in tests/worked_results"
    assert not missing, "worked results missing from the PDF text:\n" + "\n".join(missing)


def test_figures_are_embedded(build):
    listing = subprocess.run(["pdfimages", "-list", str(build["path"])], stdout=subprocess.PIPE, text=True,
                             check=True).stdout.splitlines()[2:]
    images = [ln for ln in listing if ln.split()[2] == "image"]
    tex = build["path"].with_suffix(".tex").read_text(encoding="utf-8")
    graphics = re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{?([^}]+)\}", tex)
    assert graphics, "the LaTeX source includes no figure"
    assert len(images) >= len(graphics), f"{len(images)} images in the PDF for {len(graphics)} figures"
    # when the site is built too: no figure of a chapter page is lost on the way to LaTeX
    on_site = [len(re.findall(r'<img [^>]*src="[^"]*_images/', (HTML / f"{d}.html").read_text(encoding="utf-8")))
               for d in toc_docs() if (HTML / f"{d}.html").exists()]
    assert len(graphics) >= sum(on_site), f"{len(graphics)} figures in the PDF, {sum(on_site)} on the site"


def test_equations_are_typeset_with_the_book_macros(build):
    fonts = subprocess.run(["pdffonts", str(build["path"])], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "LatinModernMath" in fonts, "no maths font embedded: equations were not typeset"
    tex = build["path"].with_suffix(".tex").read_text(encoding="utf-8")
    assert tex.count("\\begin{equation") + tex.count("\\begin{align") > 0
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from book_macros import latex_preamble, load_macros

    for line in latex_preamble(load_macros(ROOT / "book" / "macros.yml")).splitlines():
        assert line in tex, f"macro missing from the LaTeX preamble: {line}"
    log = build["path"].with_suffix(".log").read_text(errors="replace")
    assert "Missing character" not in log, "a glyph is missing from the fonts (see the LaTeX log)"


def test_render_a_figure_page_and_an_equation_page(build, text_pages):
    import numpy as np
    from PIL import Image

    fig = next((k for k, p in enumerate(text_pages) if re.search(r"^\s*Fig\. \d+\.\d+:", p, re.M)), None)
    eq = next((k for k, p in enumerate(text_pages) if re.search(r"\(\d+\.\d+\)\s*$", p, re.M)), None)
    assert fig is not None and eq is not None, "no figure caption or numbered equation in the PDF text"
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob("*.png"):
        old.unlink()
    for what, k in (("figure", fig), ("equation", eq)):
        prefix = PAGES / what
        subprocess.run(["pdftoppm", "-f", str(k + 1), "-l", str(k + 1), "-r", "60", "-png", "-singlefile",
                        str(build["path"]), str(prefix)], check=True)
        rgb = np.asarray(Image.open(f"{prefix}.png").convert("RGB"), dtype=int)
        ink = float((rgb.mean(axis=2) < 200).mean())
        colour = float((rgb.max(axis=2) - rgb.min(axis=2) > 60).mean())
        # a page of text inks a few percent of its area in black; the book's plots draw in
        # the colours of its palette (measured: 4 % ink, 2.3 % colour on a figure page)
        assert ink > 0.01, f"page {k + 1} ({what}) looks blank: {ink:.3f} of it is inked"
        if what == "figure":
            assert colour > 0.002, f"page {k + 1}: no coloured plot on the page of a figure caption"
