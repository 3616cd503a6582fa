"""lessonlib.latex: LaTeX strings checked against exact arithmetic and sympy's parser-free output."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

from lessonlib.latex import aligned, bmatrix, col, expand_dot, expand_matmul_entry, expand_sum, num, row, sympy_tex


def test_expand_dot_worked_examples():
    assert expand_dot([2, 3, 4], [5, 6, 7]) == r"2 \cdot 5 + 3 \cdot 6 + 4 \cdot 7 = 10 + 18 + 28 = 56"
    s = expand_dot([1200, 3, 10, 3.2], [0.003, 0.8, -0.02, -0.15])
    assert s.endswith("= 3.6 + 2.4 - 0.2 - 0.48 = 5.32")
    assert r"10 \cdot (-0.02)" in s


def test_expand_dot_validates():
    with pytest.raises(ValueError, match="same length"):
        expand_dot([1, 2], [1])
    with pytest.raises(ValueError, match="empty"):
        expand_dot([], [])


def test_bmatrix_and_vectors():
    assert bmatrix([[1, 2, 3], [4, 5, 6]]) == r"\begin{bmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{bmatrix}"
    assert col([1, 2]) == r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}"
    assert row([1, 2]) == r"\begin{bmatrix} 1 & 2 \end{bmatrix}"
    assert bmatrix([["a", 1]]) == r"\begin{bmatrix} a & 1 \end{bmatrix}"
    assert bmatrix([[0.5]], env="pmatrix") == r"\begin{pmatrix} 0.5 \end{pmatrix}"
    with pytest.raises(ValueError):
        bmatrix(np.zeros((2, 2, 2)))


def test_matmul_entry_matches_numpy():
    A = np.array([[1, 2, 3], [4, 5, 6]])
    B = np.array([[7, 8], [9, 10], [11, 12]])
    s = expand_matmul_entry(A, B, 1, 0)
    assert s.endswith(f"= {(A @ B)[1, 0]}")
    with pytest.raises(ValueError, match="inner"):
        expand_matmul_entry(A, A, 0, 0)


def test_expand_sum_and_num():
    assert expand_sum([3.6, 2.4, -0.2, -0.48]) == "3.6 + 2.4 - 0.2 - 0.48 = 5.32"
    assert expand_sum([1, 2], total=False) == "1 + 2"
    assert num(-0.2, parens_if_negative=True) == "(-0.2)"
    assert aligned(["a &= b", "c &= d"]) == r"\begin{aligned} a &= b \\ c &= d \end{aligned}"
    assert sympy_tex(sp.Matrix([[1, 2]])) == r"\left[\begin{matrix}1 & 2\end{matrix}\right]"


@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=1, max_size=6))
def test_expand_dot_total_is_the_dot_product(pairs):
    x, w = zip(*pairs)
    s = expand_dot(list(x), list(w))
    assert s.rsplit("=", 1)[1].strip() == str(int(np.dot(x, w)))


@given(st.lists(st.decimals(min_value=-100, max_value=100, places=2), min_size=1, max_size=6))
def test_expand_sum_total_is_exact(vals):
    s = expand_sum([float(v) for v in vals])
    assert Fraction(s.rsplit("=", 1)[1].strip()) == sum(Fraction(v) for v in vals)
