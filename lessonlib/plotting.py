"""One figure style for the whole book.

Figures are drawn on an opaque white background with dark ink, so they stay legible
when the site is switched to dark mode (the theme dims images slightly instead of
inverting them). Sizes come from a small set of named shapes so that figures line up
across chapters, and colours come from the Okabe–Ito palette, which stays distinct
for readers with colour-vision deficiencies.

Usage in a chapter::

    from lessonlib.plotting import use_book_style, new_figure
    use_book_style()
    fig, ax = new_figure("wide")
"""
from __future__ import annotations

from typing import Any

import matplotlib

__all__ = ["PALETTE", "SIZES", "use_book_style", "new_figure", "finish"]

#: Okabe–Ito colour-blind-safe palette (black first for reference lines).
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#7F7F7F",
}

#: Named figure sizes in inches (width, height); the book's text column is about 7 in.
SIZES: dict[str, tuple[float, float]] = {
    "square": (4.8, 4.4),
    "narrow": (5.6, 3.8),
    "wide": (7.2, 3.8),
    "tall": (7.2, 6.0),
    "panel2": (8.4, 3.8),
    "panel3": (10.0, 3.4),
    "grid": (8.4, 6.4),
}

_RC: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,
    "font.size": 10.5,
    "axes.titlesize": 11.5,
    "axes.labelsize": 10.5,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.8,
    "text.color": "#111111",
    "axes.labelcolor": "#111111",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "axes.edgecolor": "#333333",
    "image.cmap": "viridis",
    "svg.hashsalt": "mathematics-for-ai",
    "pdf.compression": 6,
    "path.simplify": True,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (idempotent) and select the PNG inline backend.

    PNG output is byte-for-byte deterministic, which keeps rebuilds reproducible.
    """
    import matplotlib.pyplot as plt
    from cycler import cycler

    rc = dict(_RC)
    rc["axes.prop_cycle"] = cycler(color=[PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black")])
    plt.rcParams.update(rc)
    try:  # in a Jupyter kernel: make inline figures PNG with the same dpi
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # pragma: no cover - outside IPython
        pass


def new_figure(size: str = "wide", nrows: int = 1, ncols: int = 1, **kw: Any):
    """Create a figure of one of the named :data:`SIZES` with the book style applied.

    Returns ``(fig, ax)`` exactly like :func:`matplotlib.pyplot.subplots`.
    """
    import matplotlib.pyplot as plt

    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(map(repr, SIZES))}, got {size!r}")
    use_book_style()
    return plt.subplots(nrows, ncols, figsize=SIZES[size], **kw)


def finish(fig: Any) -> Any:
    """Detach a finished figure from pyplot (so it is not shown twice) and return it."""
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


matplotlib.rcParams["svg.hashsalt"] = _RC["svg.hashsalt"]
