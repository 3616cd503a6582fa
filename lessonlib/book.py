"""Glue helpers: hand computed results to the book's prose.

Chapters call these instead of ``myst_nb.glue`` directly, so that a chapter downloaded
as a notebook still runs where myst-nb is not installed (the calls then do nothing).
Every helper stores a *formatted string* or a LaTeX ``Math`` object,
never a raw numpy scalar (numpy 2 scalars render empty in ``{glue:text}``, MyST-NB#610).

In the prose:

* ``{glue:text}`name``` pastes a string glued with :func:`glue_text`;
* ``{glue:math}`` (directive, with ``:label:``) pastes an equation from :func:`glue_math`;
* ``{glue}`name``` pastes inline maths glued with :func:`glue_math`;
* ``{glue:figure}`` (directive, with ``:alt:`` and ``:name:``) pastes a figure from
  :func:`glue_figure`;
* ``{glue:md}`` (directive, with ``:format: myst``) pastes Markdown, e.g. a table of
  computed values built with :func:`markdown_table` and glued with :func:`glue_markdown`.
"""
from __future__ import annotations

from typing import Any

from .fmt import fmt_num

__all__ = ["glue_text", "glue_num", "glue_math", "glue_figure", "glue_markdown", "markdown_table", "have_myst_nb"]


def have_myst_nb() -> bool:
    """True when myst-nb is importable (that is, inside the book build)."""
    try:
        import myst_nb  # noqa: F401
    except Exception:
        return False
    return True


def _glue(name: str, obj: Any) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string")
    try:
        from myst_nb import glue
    except Exception:
        return
    glue(name, obj, display=False)


def glue_text(name: str, text: str) -> None:
    """Glue a ready-made string for ``{glue:text}``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: format numbers with fmt_num or glue_num")
    _glue(name, text)


def glue_num(name: str, value: Any, digits: int | None = None, **kw: Any) -> None:
    """Format ``value`` with :func:`~lessonlib.fmt.fmt_num` and glue the string."""
    glue_text(name, fmt_num(value, digits, **kw))


def glue_math(name: str, latex: str) -> None:
    """Glue a LaTeX math fragment (no ``$``) as ``IPython.display.Math``."""
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    try:
        from IPython.display import Math
    except Exception:  # pragma: no cover
        return
    _glue(name, Math(latex))


def glue_figure(name: str, fig: Any) -> None:
    """Glue a matplotlib figure for ``{glue:figure}`` and close it (so it is not shown twice).

    Outside the book build (a downloaded notebook run where myst-nb is not installed) the
    figure is displayed in place instead, so the reader still sees it.
    """
    import matplotlib.pyplot as plt

    if have_myst_nb():
        _glue(name, fig)
    else:
        try:
            from IPython.display import display

            display(fig)
        except Exception:  # pragma: no cover - plain Python: nothing to display on
            pass
    plt.close(fig)


def glue_markdown(name: str, markdown: str) -> None:
    """Glue MyST Markdown (for example a computed table) for ``{glue:md}``."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a str, got {type(markdown).__name__}")
    try:
        from IPython.display import Markdown
    except Exception:  # pragma: no cover
        return
    _glue(name, Markdown(markdown))


def markdown_table(header: list[str], rows: list[list[Any]], align: list[str] | None = None) -> str:
    """A Markdown pipe table; cells that are not strings go through :func:`fmt_num`.

    ``align`` gives one of ``"l"``, ``"c"``, ``"r"`` per column (default: left for the
    first column, right for the others).
    """
    if not header:
        raise ValueError("header must not be empty")
    for k, r in enumerate(rows):
        if len(r) != len(header):
            raise ValueError(f"rows[{k}] has {len(r)} cells, header has {len(header)}")
    if align is None:
        align = ["l"] + ["r"] * (len(header) - 1)
    if len(align) != len(header):
        raise ValueError("align must have one entry per column")
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    try:
        rule = [marks[a] for a in align]
    except KeyError:
        raise ValueError("align entries must be 'l', 'c' or 'r'") from None
    cell = lambda v: v if isinstance(v, str) else fmt_num(v)  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)
