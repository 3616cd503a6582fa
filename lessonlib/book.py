"""Glue helpers: hand computed results to the book's prose.

Chapters call these instead of ``myst_nb.glue`` directly, so that a chapter downloaded
as a notebook still runs where myst-nb is not installed (the calls then do nothing but
return the value). Every helper stores a *formatted string* or a LaTeX ``Math`` object,
never a raw numpy scalar (numpy 2 scalars render empty in ``{glue:text}``, MyST-NB#610).

In the prose:

* ``{glue:text}`name``` pastes a string glued with :func:`glue_text`;
* ``{glue:math}`` (directive, with ``:label:``) pastes an equation from :func:`glue_math`;
* ``{glue}`name``` pastes inline maths glued with :func:`glue_math`;
* ``{glue:figure}`` (directive, with ``:alt:`` and ``:name:``) pastes a figure from
  :func:`glue_figure`.
"""
from __future__ import annotations

from typing import Any

from .fmt import fmt_num

__all__ = ["glue_text", "glue_num", "glue_math", "glue_figure", "have_myst_nb"]


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


def glue_text(name: str, text: str) -> str:
    """Glue a ready-made string for ``{glue:text}``; returns it."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: format numbers with fmt_num or glue_num")
    _glue(name, text)
    return text


def glue_num(name: str, value: Any, digits: int | None = None, **kw: Any) -> str:
    """Format ``value`` with :func:`~lessonlib.fmt.fmt_num` and glue the string; returns it."""
    return glue_text(name, fmt_num(value, digits, **kw))


def glue_math(name: str, latex: str) -> str:
    """Glue a LaTeX math fragment (no ``$``) as ``IPython.display.Math``; returns the LaTeX."""
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    try:
        from IPython.display import Math
    except Exception:  # pragma: no cover
        return latex
    _glue(name, Math(latex))
    return latex


def glue_figure(name: str, fig: Any) -> Any:
    """Glue a matplotlib figure for ``{glue:figure}`` and close it; returns the figure."""
    import matplotlib.pyplot as plt

    _glue(name, fig)
    plt.close(fig)
    return fig
