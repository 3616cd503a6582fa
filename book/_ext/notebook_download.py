"""Sphinx extension: offer every executed chapter as a ``.ipynb`` download.

sphinx-book-theme (1.3) puts an ``.ipynb`` entry in a page's download menu only as a side
effect of its launch buttons: ``add_launch_buttons`` copies myst-nb's
``<outdir>/../jupyter_execute/<page>.ipynb`` to ``<outdir>/_sources/<page>.ipynb`` and sets
``ipynb_source`` in the page context, and it does so only when a Binder, JupyterHub,
Colab, JupyterLite or Thebe launcher is configured. This book has no public repository
yet, so no launcher is configured, and the reader could only download the ``.md``.

Moreover, that file's outputs are not the ones the execution produced, in either case:

* on a cache hit it has none: myst-nb 1.4 (``sphinx_.py``) writes the notebook object it
  parsed, while its cache client (``core/execute/cache.py``) puts the cached outputs into
  a *copy* (with ``parallel_exec`` every page is a cache hit);
* when the page was executed during the read, its stream outputs are corrupted by
  ``nb_merge_streams``: ``myst_nb.core.utils.coalesce_streams`` appends the later stream
  outputs to the first one *in place* and leaves them in the list, so a cell that printed
  ``A`` then ``B`` in two stream messages is saved as ``A B`` followed by ``B``.

For every page that is a notebook (its metadata has a ``kernelspec``) this extension
writes ``_sources/<page>.ipynb`` itself, before the theme builds the header buttons
(priority 500 < 501): the notebook myst-nb wrote (text, code and metadata as the page
has them) with its outputs taken from the jupyter-cache record of its execution, and
without the glue outputs (data for the book's pages, not for a reader). Without a cache
record (execution mode not ``cache``, or a failed execution) the file is used as it is.
If a launcher is configured later, the theme (priority 501) copies its output-less file
over this one, so the handler runs a second time after it (priority 502).
``tests/test_downloads.py`` executes every downloaded notebook again in an environment
that has only ``lessonlib``.
"""
from __future__ import annotations

from pathlib import Path

import nbformat


def executed_notebook(app, path: Path):
    """The notebook in ``path`` with the outputs of its cached execution, glue removed."""
    nb = nbformat.read(path, as_version=4)
    cfg = getattr(app.env, "mystnb_config", None)
    if cfg is not None and cfg.execution_mode == "cache":
        from jupyter_cache import get_cache

        try:
            _, nb = get_cache(cfg.execution_cache_path or ".jupyter_cache").merge_match_into_notebook(nb)
        except KeyError:  # no cache record (a failed execution): the file as myst-nb wrote it
            pass
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})]
    return nb


def _add_ipynb_download(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or getattr(app.builder, "format", "") != "html":
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(executed_notebook(app, executed), target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    # the theme's add_launch_buttons and add_header_buttons run at priority 501: the first
    # may overwrite the file, the second reads ipynb_source
    app.connect("html-page-context", _add_ipynb_download, priority=500)
    app.connect("html-page-context", _add_ipynb_download, priority=502)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}
