"""Sphinx extension: drop duplicate ``<script>`` entries from each page.

Sphinx 7.4 emits inline scripts added with ``add_js_file(None, body=...)`` twice
(sphinx-doc/sphinx#13402, fixed only in Sphinx 8.2, which Jupyter Book 1 cannot use).
The second copy of sphinx-thebe's ``const THEBE_JS_URL`` then throws
"Identifier has already been declared" in the browser console.
"""
from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for js in scripts:
        # inline scripts appear once with filename None and once with "" (the Sphinx bug)
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    # in place: later handlers (sphinx.ext.mathjax) append to this same list
    scripts[:] = unique


def setup(app):
    # Early priority: Sphinx emits this event with emit_firstresult, so a theme handler that
    # returns a template name would stop a late handler from running.
    app.connect("html-page-context", _dedupe, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
