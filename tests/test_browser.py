"""Real-browser checks of the built site (marker `browser`).

Playwright drives Debian's Chromium (/usr/bin/chromium) over `_build/html` served on
127.0.0.1. Every request that leaves localhost is blocked *and* reported, so the
site is proven to render with no network. A screenshot of every page is saved under
`_build/screenshots/` for a person to look at.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from chapters import HTML, ROOT, notebook_docs, toc_docs

pytestmark = pytest.mark.browser

SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run tools/build_book.py first")
    handler = functools.partial(_Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed (make test installs Debian's chromium package)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


class PageVisit:
    """Open one page, recording console errors, page errors, failed and remote requests."""

    def __init__(self, browser, base: str, color_scheme: str = "light"):
        self.base = base
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        self.remote: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []

        def route(r):
            url = r.request.url
            if url.startswith(base) or url.startswith("data:") or url.startswith("blob:"):
                r.continue_()
            else:
                self.remote.append(url)
                r.abort()

        self.ctx.route("**/*", route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url) if r.url.startswith(base) else None)
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def open(self, path: str):
        self.page.goto(f"{self.base}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.ctx.close()


def _typeset(page) -> dict:
    """Wait for MathJax and count math nodes, rendered containers and errors."""
    try:
        page.wait_for_function(
            "() => !document.querySelector('.math') || (window.MathJax && window.MathJax.startup)", timeout=15000
        )
    except Exception:
        pass  # reported by the hasMathJax assertion
    return page.evaluate(
        """async () => {
            const n = document.querySelectorAll('.math').length;
            if (n && window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
            return {
                math: n,
                containers: document.querySelectorAll('mjx-container').length,
                errors: document.querySelectorAll('mjx-merror, .MathJax_Error').length,
                hasMathJax: !!window.MathJax && !!window.MathJax.startup,
            };
        }"""
    )


_RAW_TEX_JS = """() => {
    const root = (document.querySelector('article') || document.body).cloneNode(true);
    root.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .cell_input').forEach(e => e.remove());
    return root.textContent;
}"""

_IMAGES_JS = """async () => {
    const imgs = Array.from(document.querySelectorAll('article img'));
    await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
    return imgs.map(i => {
        let opaque = null;
        try {
            const c = document.createElement('canvas');
            c.width = i.naturalWidth; c.height = i.naturalHeight;
            const g = c.getContext('2d'); g.drawImage(i, 0, 0);
            const px = (x, y) => g.getImageData(x, y, 1, 1).data[3];
            const w = i.naturalWidth - 1, h = i.naturalHeight - 1;
            opaque = [px(0, 0), px(w, 0), px(0, h), px(w, h), px(w >> 1, h >> 1)].every(a => a === 255);
        } catch (e) { opaque = null; }
        const st = getComputedStyle(i);
        return {src: i.getAttribute('src'), alt: i.getAttribute('alt') || '', w: i.naturalWidth,
                h: i.naturalHeight, shownW: i.getBoundingClientRect().width, filter: st.filter,
                opacity: parseFloat(st.opacity), opaque: opaque};
    });
}"""


@pytest.mark.parametrize("doc", toc_docs())
def test_page_loads_typesets_and_shows_figures(browser, site, doc):
    visit = PageVisit(browser, site)
    try:
        page = visit.open(f"{doc}.html")
        math = _typeset(page)
        raw = page.evaluate(_RAW_TEX_JS)
        images = page.evaluate(_IMAGES_JS)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{doc.replace('/', '__')}.png"), full_page=True)
    finally:
        visit.close()
    assert not visit.remote, f"{doc}: requests leaving localhost: {visit.remote}"
    assert not visit.failed, f"{doc}: failed requests: {visit.failed}"
    assert not visit.errors, f"{doc}: JavaScript errors: {visit.errors}"
    assert not visit.console, f"{doc}: console errors: {visit.console}"
    if math["math"]:
        assert math["hasMathJax"], f"{doc}: page has maths but MathJax did not load"
    assert math["errors"] == 0, f"{doc}: {math['errors']} MathJax error node(s)"
    assert math["containers"] >= math["math"], f"{doc}: {math['math']} math nodes but {math['containers']} typeset"
    leftovers = [m.group(0) for m in re.finditer(r"\$\$|\\begin\{|\\\[|\\\(", raw)]
    assert not leftovers, f"{doc}: raw TeX left on the page: {leftovers[:5]}"
    for im in images:
        assert im["w"] > 0 and im["h"] > 0 and im["shownW"] > 0, f"{doc}: image not rendered: {im['src']}"
        assert len(im["alt"].strip()) >= 15, f"{doc}: image without descriptive alt text: {im['src']}"


def test_toc_and_next_links_reach_every_chapter(browser, site):
    docs = toc_docs()
    visit = PageVisit(browser, site)
    try:
        page = visit.open(f"{docs[0]}.html")
        hrefs = page.eval_on_selector_all(".bd-sidebar a.reference.internal", "els => els.map(e => e.href)")
        linked = {re.sub(r"^.*?/(book/[^#?]+)\.html.*$", r"\1", h) for h in hrefs}
        missing = [d for d in docs[1:] if d not in linked]
        assert not missing, f"sidebar table of contents lacks: {missing}"
        seen = [docs[0]]
        for _ in range(len(docs) + 2):
            nxt = page.query_selector("a.right-next")
            if nxt is None:
                break
            page.goto(nxt.get_attribute("href") and nxt.evaluate("e => e.href"), wait_until="load")
            seen.append(re.sub(r"^.*?/(book/[^#?]+)\.html.*$", r"\1", page.url))
        assert seen == docs, f"next links visit {seen}, table of contents is {docs}"
        back = page.query_selector("a.left-prev")
        assert back is not None, "last page has no previous link"
    finally:
        visit.close()


def _title_word(doc: str) -> str:
    text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.M).group(1)
    words = [w for w in re.findall(r"[A-Za-z]{6,}", title) if w.lower() not in {"mathematics"}]
    return max(words, key=len)


@pytest.mark.parametrize("doc", notebook_docs())
def test_search_finds_the_chapter(browser, site, doc):
    word = _title_word(doc)
    visit = PageVisit(browser, site)
    try:
        page = visit.open(f"search.html?q={word}")
        page.wait_for_selector("#search-results ul.search li a", timeout=15000)
        links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    finally:
        visit.close()
    assert any(f"/{doc}.html" in h for h in links), f"searching {word!r} did not find {doc}: {links[:8]}"


def test_dark_mode_keeps_figures_legible(browser, site):
    """In dark mode every figure keeps its opaque white background and is not inverted or faded."""
    for doc in notebook_docs():
        visit = PageVisit(browser, site, color_scheme="dark")
        try:
            page = visit.open(f"{doc}.html")
            page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }")
            page.wait_for_timeout(100)
            theme = page.evaluate("() => document.documentElement.dataset.theme")
            images = page.evaluate(_IMAGES_JS)
            if doc == notebook_docs()[0]:
                page.screenshot(path=str(SHOTS / f"{doc.replace('/', '__')}__dark.png"), full_page=False)
        finally:
            visit.close()
        assert theme == "dark"
        for im in images:
            assert im["opaque"] is True, f"{doc}: figure {im['src']} is not opaque (unreadable on a dark page)"
            assert "invert" not in (im["filter"] or ""), f"{doc}: figure {im['src']} is inverted in dark mode"
            assert im["opacity"] >= 0.8, f"{doc}: figure {im['src']} is faded to {im['opacity']}"
