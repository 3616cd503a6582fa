"""The stream-merging extension (book/_ext/stream_merge.py).

The kernel may cut printed text anywhere; the rendered output must not depend on where.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from myst_nb.core.utils import coalesce_streams as upstream
from nbformat import NotebookNode

import stream_merge


def _chunks(text: str, cuts: list[int], name: str = "stdout") -> list[NotebookNode]:
    bounds = sorted({0, len(text), *[c % (len(text) + 1) for c in cuts]})
    return [NotebookNode(output_type="stream", name=name, text=text[a:b]) for a, b in zip(bounds, bounds[1:])]


LINES = st.lists(st.sampled_from(["", "a = 1", "DPO loss = 0.6210", "  x", "row\tcol"]), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(lines=LINES, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_any_chunking_renders_like_one_chunk(lines, cuts):
    text = "\n".join(lines) + "\n"
    whole = stream_merge.coalesce_streams(_chunks(text, []))
    split = stream_merge.coalesce_streams(_chunks(text, cuts))
    assert [dict(o) for o in split] == [dict(o) for o in whole]


def test_the_case_seen_in_ci():
    # print("a"); print("b") cut between the text and its newline
    one = [NotebookNode(output_type="stream", name="stdout", text="a\nb\n")]
    cut = [NotebookNode(output_type="stream", name="stdout", text="a"),
           NotebookNode(output_type="stream", name="stdout", text="\nb\n")]
    assert upstream([NotebookNode(o) for o in cut])[0]["text"] == "a\n\nb\n"  # the upstream blank line
    assert stream_merge.coalesce_streams(cut)[0]["text"] == stream_merge.coalesce_streams(one)[0]["text"] == "a\nb\n"


def test_streams_and_other_outputs_keep_their_places():
    outs = [NotebookNode(output_type="stream", name="stdout", text="x"),
            NotebookNode(output_type="display_data", data={"text/plain": "fig"}, metadata={}),
            NotebookNode(output_type="stream", name="stderr", text="warn\n"),
            NotebookNode(output_type="stream", name="stdout", text="y\n")]
    got = stream_merge.coalesce_streams(outs)
    assert [o["output_type"] for o in got] == ["stream", "display_data", "stream"]
    assert got[0]["text"] == "xy\n" and got[2]["text"] == "warn\n"
    assert outs[0]["text"] == "x"  # input untouched


def test_setup_replaces_the_function_myst_nb_renders_with():
    import myst_nb.core.render as render

    class App:
        pass

    saved = render.coalesce_streams
    try:
        stream_merge.setup(App())
        assert render.coalesce_streams is stream_merge.coalesce_streams
    finally:
        render.coalesce_streams = saved
