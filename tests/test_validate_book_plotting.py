"""Argument validation, glue fallbacks and the figure style."""
from __future__ import annotations

import numpy as np
import pytest

from lessonlib import _validate as v
from lessonlib.book import glue_math, glue_num, glue_text, have_myst_nb, markdown_table


def test_validators_name_the_argument():
    with pytest.raises(TypeError, match="alpha"):
        v.check_positive("x", "alpha")
    with pytest.raises(ValueError, match="alpha must be > 0"):
        v.check_positive(0, "alpha")
    with pytest.raises(ValueError, match=r"radius must be >= 0"):
        v.check_positive(-1, "radius", strict=False)
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 2\]"):
        v.check_in_range(2.5, "alpha", 0, 2, low_inclusive=False)
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int(1.5, "n")
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int(True, "n")
    with pytest.raises(ValueError, match="n must be >= 1"):
        v.check_int(0, "n", minimum=1)
    with pytest.raises(ValueError, match="x must have 2"):
        v.as_float_array([1, 2], "x", ndim=2)
    with pytest.raises(TypeError, match="x must be array-like"):
        v.as_float_array("abc", "x")
    with pytest.raises(ValueError, match="mode must be one of"):
        v.check_choice("z", "mode", ("a", "b"))
    with pytest.raises(ValueError, match="finite"):
        v.check_finite(np.array([1.0, np.nan]), "y")
    with pytest.raises(ValueError, match="same length"):
        v.check_same_length(np.zeros(2), np.zeros(3), "X", "y")


def test_check_rng_is_explicit_and_reproducible():
    a = v.check_rng(7).standard_normal(3)
    b = v.check_rng(np.random.default_rng(7)).standard_normal(3)
    assert np.array_equal(a, b)
    with pytest.raises(TypeError, match="rng"):
        v.check_rng(None)
    with pytest.raises(ValueError, match="seed"):
        v.check_rng(-1)


def test_glue_helpers_validate_and_return_nothing():
    assert have_myst_nb()
    assert glue_num("n", 6.82) is None
    with pytest.raises(TypeError, match="text must be a str"):
        glue_text("t", 6.82)
    with pytest.raises(TypeError, match="latex"):
        glue_math("m", 1)


def test_markdown_table():
    t = markdown_table(["a", "b"], [["x", 0.5]])
    assert t.splitlines() == ["| a | b |", "| :-- | --: |", "| x | 0.5 |"]
    with pytest.raises(ValueError, match="rows\\[0\\]"):
        markdown_table(["a", "b"], [["x"]])


def test_book_style_is_opaque_and_png_is_deterministic(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from lessonlib.plotting import SIZES, new_figure

    fig, ax = new_figure("wide")
    assert tuple(fig.get_size_inches()) == SIZES["wide"]
    assert matplotlib.colors.to_hex(fig.get_facecolor()) == "#ffffff"
    assert matplotlib.rcParams["savefig.transparent"] is False
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "a.png")
    fig.savefig(tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    with pytest.raises(ValueError, match="size must be one of"):
        new_figure("huge")
