"""Internal links, anchors and HTML validity of the built site, offline (marker ``build``).

* LinkChecker (pinned in requirements.txt) crawls the site from ``index.html`` over
  ``file://`` URLs, internal links only (external URLs are recognised and not fetched):
  every page, image, stylesheet, script and download it reaches must exist, and the crawl
  must reach every page of ``_toc.yml`` and every ``.ipynb`` download.
* Anchors: LinkChecker's own ``AnchorCheck`` plugin re-reads a page for every distinct
  ``page#fragment`` URL (seven minutes for five chapters, two cores), so anchors are
  checked here instead: every ``<a href="...#fragment">`` that stays on the site must
  name an ``id`` (or ``<a name>``) of the target page.
* The Nu HTML Checker (``vnu.jar`` from the npm package ``vnu-jar``, version pinned in
  ``package.json``/``package-lock.json``, installed by ``make html-deps``; Java 17)
  validates every HTML page of the site, except the three files listed in ``NON_PAGES``.
  Errors count; warnings and info messages do not. The few errors that the theme and
  extensions produce and that the book cannot fix are in ``ALLOWED``, each matched by its
  exact message *and* the offending tag, with the package version it was seen in.

The checks of the checkers (a broken link, a broken anchor and an invalid page must be
reported) run on a small site written by the tests.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from chapters import HTML, ROOT, notebook_docs, toc_docs

pytestmark = pytest.mark.build

LINKCHECKER = Path(sys.executable).with_name("linkchecker")
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Files in the build folder that are not pages of the site (each is checked to be what it says).
NON_PAGES = {
    "_static/webpack-macros.html": "pydata-sphinx-theme's Jinja macro template, copied into _static",
    "_static/sbt-webpack-macros.html": "sphinx-book-theme's Jinja macro template, copied into _static",
    "index.html": "sphinx-external-toc's redirect to the root page book/intro.html",
}


@dataclass(frozen=True)
class Allowed:
    """A validation error produced by a package, not by the book: its exact message, a
    pattern for the offending tag (vnu's highlighted extract), and where it comes from."""

    message: str
    tag: str
    package: str
    version: str
    origin: str


ALLOWED = [
    Allowed("Element “p” not allowed as child of element “summary” in this context. "
            "(Suppressing further errors from this subtree.)",
            r'<p class="(?:collapsed|expanded) admonition-title">', "myst-nb", "1.4.0",
            "sphinx_.py, HideCodeCellNode: the show/hide toggle of hide-input/hide-output cells "
            "puts <p> titles inside <summary>"),
    Allowed("Duplicate ID “proof-content”.", r'<section class="[\w-]+-content" id="proof-content">',
            "sphinx-proof", "0.4.0", "directive.py:97: every theorem/definition body has id=\"proof-content\""),
    Allowed("Duplicate ID “proof”.", r'<div class="proof admonition" id="proof">',
            "sphinx-proof", "0.4.0", "directive.py:155: every {prf:proof} has id=\"proof\""),
    Allowed("Duplicate ID “exercise-content”.", r'<section id="exercise-content">',
            "sphinx-exercise", "1.2.1", "directive.py:127: every exercise body has id=\"exercise-content\""),
    Allowed("Duplicate ID “solution-content”.", r'<section id="solution-content">',
            "sphinx-exercise", "1.2.1", "directive.py:246: every solution body has id=\"solution-content\""),
]


def site_pages(html: Path = HTML) -> list[Path]:
    """Every HTML page of the built site (relative paths), without ``NON_PAGES``."""
    pages = sorted(p.relative_to(html) for p in html.rglob("*.html"))
    return [p for p in pages if p.as_posix() not in NON_PAGES]


def _require_site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no site: run tools/build_book.py first")


# ---------------------------------------------------------------- LinkChecker
_LINKCHECKER_RC = """\
[checking]
threads=2
[filtering]
checkextern=0
[output]
status=0
"""


def linkchecker(start: Path) -> list[dict[str, str]]:
    """Crawl from ``start`` with LinkChecker; one dict per URL it checked (csv columns)."""
    if not LINKCHECKER.exists():
        pytest.fail(f"{LINKCHECKER} is missing: LinkChecker is pinned in requirements.txt (make env)")
    with tempfile.TemporaryDirectory() as tmp:
        rc = Path(tmp) / "linkcheckerrc"
        rc.write_text(_LINKCHECKER_RC)
        os.chmod(tmp, 0o755)  # LinkChecker run as root drops privileges to "nobody"
        os.chmod(rc, 0o644)
        proc = subprocess.run([str(LINKCHECKER), "-f", str(rc), "-o", "csv", "-v", str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=1800)
    if proc.returncode not in (0, 1):  # 1 means "found errors"
        pytest.fail(f"linkchecker failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines(keepends=True) if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("".join(lines)), delimiter=";"))


def test_non_pages_are_not_pages():
    _require_site()
    for rel, why in NON_PAGES.items():
        text = (HTML / rel).read_text(encoding="utf-8")
        if rel.endswith("webpack-macros.html"):
            assert "{% macro" in text and "{% endmacro %}" in text and "<html" not in text, f"{rel} is not {why}"
        else:
            root = toc_docs()[0]
            assert re.search(rf'<meta http-equiv="Refresh" content="0; url={re.escape(root)}.html"', text, re.I), \
                f"{rel} is not {why}"
            assert len(text) < 1000


def test_no_broken_internal_link():
    _require_site()
    rows = linkchecker(HTML / "index.html")
    broken = [f"{r['url']} (linked from {r['parentname']}, line {r['line']}): {r['result']}"
              for r in rows if r["valid"] != "True"]
    assert not broken, "broken internal links:\n" + "\n".join(broken)
    checked = {unquote(urlsplit(r["url"]).path) for r in rows if r["url"].startswith("file:")}
    reached = {str((HTML / f"{d}.html").resolve()) for d in toc_docs()}
    downloads = {str((HTML / "_sources" / f"{d}.ipynb").resolve()) for d in notebook_docs()}
    missing = sorted((reached | downloads) - checked)
    assert not missing, "the crawl from index.html never reached:\n" + "\n".join(missing)


def test_linkchecker_reports_a_broken_link():
    with tempfile.TemporaryDirectory(dir=ROOT / "_build") as tmp:
        site = Path(tmp)
        os.chmod(site, 0o755)
        (site / "index.html").write_text('<!DOCTYPE html><html lang="en"><head><title>a</title></head><body>'
                                         '<a href="b.html">ok</a> <a href="missing.html">broken</a> '
                                         '<a href="https://example.org/">external</a></body></html>')
        (site / "b.html").write_text('<!DOCTYPE html><html lang="en"><head><title>b</title></head><body>'
                                     '<img src="nothing.png" alt="missing image"></body></html>')
        for f in site.iterdir():
            os.chmod(f, 0o644)
        rows = linkchecker(site / "index.html")
    valid = {r["url"].rsplit("/", 1)[-1]: r["valid"] == "True" for r in rows}
    assert valid.get("b.html") is True
    assert valid.get("missing.html") is False
    assert valid.get("nothing.png") is False
    # external URLs are recognised, never fetched, and not an error
    ext = [r for r in rows if r["url"].startswith("https://example.org")]
    assert ext and all(r["valid"] == "True" for r in ext)


# ---------------------------------------------------------------- anchors
class _Targets(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "a" and a.get("href") is not None:
            self.links.append((a["href"], self.getpos()[0]))


def broken_anchors(html: Path) -> tuple[int, list[str]]:
    """(number of internal links with a fragment, the broken ones) over every page."""
    parsed: dict[Path, _Targets] = {}
    for rel in site_pages(html):
        p = _Targets()
        p.feed((html / rel).read_text(encoding="utf-8"))
        parsed[(html / rel).resolve()] = p
    n, broken = 0, []
    for page, p in parsed.items():
        for href, line in p.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.fragment:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.suffix != ".html":
                continue
            n += 1
            where = f"{page.relative_to(html.resolve())}:{line}: {href}"
            if target not in parsed:
                broken.append(f"{where} (no such page)")
            elif unquote(parts.fragment) not in parsed[target].ids:
                broken.append(f"{where} (no such anchor)")
    return n, broken


def test_no_broken_anchor():
    _require_site()
    n, broken = broken_anchors(HTML)
    assert n >= len(toc_docs()), f"only {n} links with an anchor: is the site complete?"
    assert not broken, f"{len(broken)} of {n} anchors are broken:\n" + "\n".join(broken[:50])


def test_anchor_check_reports_a_broken_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a href="#top">ok</a><a href="b.html#sec-2">ok</a>'
                                     '<a href="b.html#sec%2D3">ok</a><a href="#nowhere">bad</a>'
                                     '<a href="b.html#gone">bad</a><a href="c.html#x">bad</a>'
                                     '<a href="https://example.org/#x">external</a><a href="#">js</a>')
    (tmp_path / "b.html").write_text('<section id="sec-2"><a name="sec-3"></a></section>')
    n, broken = broken_anchors(tmp_path)
    assert n == 6
    assert sorted(b.split(": ", 1)[1] for b in broken) == \
        ["#nowhere (no such anchor)", "b.html#gone (no such anchor)", "c.html#x (no such page)"]


# ---------------------------------------------------------------- Nu HTML Checker
def vnu(files: list[Path]) -> list[dict]:
    """Validate ``files`` in one JVM; every error message vnu reports (JSON objects)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not installed (Java 17 runs the Nu HTML Checker)")
    if not VNU.exists():
        pytest.fail(f"{VNU.relative_to(ROOT)} is missing: run `make html-deps` (npm ci)")
    proc = subprocess.run([java, "-Xss8m", "-jar", str(VNU), "--format", "json", "--errors-only", "--exit-zero-always",
                           *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=1800)
    try:
        messages = json.loads(proc.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML Checker failed ({proc.returncode}):\n{proc.stderr[-3000:]}{proc.stdout[-2000:]}")
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


def allowed_by(message: dict) -> Allowed | None:
    """The ``ALLOWED`` entry that covers a vnu message, if any."""
    extract = message.get("extract", "")
    start, length = message.get("hiliteStart", 0), message.get("hiliteLength", len(extract))
    tag = extract[start:start + length]
    for a in ALLOWED:
        if message.get("message") == a.message and re.fullmatch(a.tag, tag):
            return a
    return None


def test_every_page_is_valid_html():
    _require_site()
    pages = site_pages()
    assert {f"{d}.html" for d in toc_docs()} <= {p.as_posix() for p in pages}
    errors = vnu([HTML / p for p in pages])
    real = [m for m in errors if allowed_by(m) is None]
    report = [f"{m.get('url', '').split('/html/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}\n"
              f"    {m.get('extract', '').strip()}" for m in real]
    assert not real, f"{len(real)} HTML errors (besides {len(errors) - len(real)} allowed):\n" + "\n".join(report[:40])


def test_allowed_errors_are_from_the_versions_examined():
    """Each allowed error was examined in one version of its package: an upgrade must be
    re-examined (the error may be fixed, and the entry must then go)."""
    for a in ALLOWED:
        assert metadata.version(a.package) == a.version, \
            f"{a.package} is now {metadata.version(a.package)}, allowed error examined in {a.version}: {a.message}"


def test_vnu_reports_errors_and_the_allow_list_is_exact(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>\n'
                    '<section id="exercise-content"><p>a</p></section>\n'
                    '<section id="exercise-content"><p>b</p></section>\n'
                    '<div id="x"></div><div id="x"></div>\n'
                    '<p><div>block in a paragraph</div></p>\n'
                    '<span><div>block in a span</div></span><img src="a.png">\n'
                    '</body></html>\n')
    errors = vnu([page])
    kept = sorted(m["message"] for m in errors if allowed_by(m) is None)
    dropped = [m["message"] for m in errors if allowed_by(m) is not None]
    assert dropped == ["Duplicate ID “exercise-content”."]
    assert "Duplicate ID “x”." in kept
    assert "No “p” element in scope but a “p” end tag seen." in kept
    assert any(k.startswith("Element “div” not allowed as child of element “span”") for k in kept)
    assert any(k.startswith("An “img” element must have an “alt” attribute") for k in kept)
