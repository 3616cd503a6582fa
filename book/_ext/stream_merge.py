"""Sphinx extension: merge a cell's printed output the same way on every build.

A kernel sends what a cell prints in chunks whose boundaries depend on timing:
``print("a"); print("b")`` may arrive as ``"a\\n"``, ``"b\\n"`` or as ``"a"``, ``"\\nb\\n"``.
myst-nb's ``nb_merge_streams`` (``myst_nb.core.utils.coalesce_streams``) strips the
trailing whitespace of each chunk before joining, so the second split renders an extra
blank line: the page then differs between two builds of the same notebook (seen in CI
on chapter 1.4). This extension first joins each stream's chunks verbatim, so the text
no longer depends on where the kernel cut it, and then hands the result to myst-nb's
function for its usual tidying (final newline, carriage returns, stdout before stderr).
"""
from __future__ import annotations

import copy
from typing import Any

import myst_nb.core.render as _render
from myst_nb.core.utils import coalesce_streams as _upstream_coalesce


def join_streams(outputs: list[Any]) -> list[Any]:
    """Return ``outputs`` with all chunks of each stream joined verbatim at its first chunk.

    The result depends only on the concatenated text of each stream (``stdout``,
    ``stderr``) and on the other outputs, never on how the text was split into chunks.
    The input list and its outputs are left unchanged.
    """
    joined: list[Any] = []
    first: dict[str, Any] = {}
    for out in outputs or []:
        if out.get("output_type") != "stream":
            joined.append(out)
            continue
        name = out.get("name")
        text = out.get("text", "")
        if isinstance(text, list):  # nbformat allows a list of lines on disk
            text = "".join(text)
        if name in first:
            first[name]["text"] += text
        else:
            merged = copy.copy(out)
            merged["text"] = text
            first[name] = merged
            joined.append(merged)
    return joined


def coalesce_streams(outputs: list[Any]) -> list[Any]:
    """Chunk-independent replacement for myst-nb's ``coalesce_streams``."""
    return _upstream_coalesce(join_streams(outputs))


def setup(app):
    # myst-nb's renderer calls the name it imported into its own module
    _render.coalesce_streams = coalesce_streams
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
