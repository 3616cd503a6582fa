"""lessonlib.fmt against exact references (Fraction, Decimal, sympy) and hypothesis properties."""
from __future__ import annotations

import decimal
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

from lessonlib.fmt import exact, exact_array, fmt_num, fmt_pct, fmt_sci, fmt_shape, fmt_vec, terminates


def test_worked_results_of_chapter_1_1_print_as_a_teacher_writes_them():
    x = [1200, 3, 10, 3.2]
    w = [0.003, 0.8, -0.02, -0.15]
    score = sum(exact(a) * exact(b) for a, b in zip(x, w))
    assert score == Fraction(532, 100)
    assert fmt_num(score) == "5.32"
    y_hat = score + exact(1.5)
    assert fmt_num(y_hat) == "6.82"
    assert fmt_num(y_hat - 9) == "-2.18"
    assert fmt_num((y_hat - 9) ** 2) == "4.7524"
    # the float computation really is off, which is why exact arithmetic is needed
    assert repr(0.1 + 0.2) == "0.30000000000000004"
    assert fmt_num(0.1 + 0.2) == "0.3"
    assert fmt_num(exact(0.1) + exact(0.2)) == "0.3"


def test_rounding_is_correct_for_irrational_values():
    assert fmt_num(math.sqrt(90001), 4) == "300.0017"
    assert fmt_num(sp.sqrt(90001), 4) == "300.0017"
    assert fmt_num(sp.sqrt(2), 10) == "1.4142135624"
    assert fmt_num(sp.pi, 5) == "3.14159"


def test_round_half_even_on_the_exact_value_not_on_the_float():
    # 2.675 is stored as 2.67499999...; the exact binary value rounds down
    assert fmt_num(2.675, 2) == "2.67"
    # an exact Fraction exactly halfway rounds to even
    assert fmt_num(Fraction(2675, 1000), 2) == "2.68"
    assert fmt_num(Fraction(2665, 1000), 2) == "2.66"


def test_keep_zeros_and_negative_zero():
    assert fmt_num(9.0, 1, keep_zeros=True) == "9.0"
    assert fmt_num(9.0, 1) == "9"
    assert fmt_num(-0.0001, 2) == "0"
    assert fmt_num(0) == "0"


def test_non_terminating_exact_values_need_digits():
    with pytest.raises(ValueError, match="digits"):
        fmt_num(Fraction(1, 3))
    assert fmt_num(Fraction(1, 3), 4) == "0.3333"
    with pytest.raises(ValueError, match="irrational"):
        fmt_num(sp.sqrt(2))


def test_exact_conversions():
    assert exact(0.1) == Fraction(1, 10)
    assert exact("7/3") == Fraction(7, 3)
    assert exact(decimal.Decimal("2.515")) == Fraction(2515, 1000)
    assert exact(np.float64(0.003)) == Fraction(3, 1000)
    assert exact(np.int64(7)) == 7
    assert exact(sp.Rational(2, 3)) == Fraction(2, 3)
    with pytest.raises(TypeError):
        exact(True)
    with pytest.raises(TypeError):
        exact([1, 2])
    with pytest.raises(ValueError):
        exact(float("nan"))
    with pytest.raises(ValueError):
        exact(sp.sqrt(2))


def test_exact_array_matmul_is_exact():
    X = exact_array([[1200, 3, 10, 3.2], [850, 2, 18, 8.5], [1600, 4, 5, 1.1]])
    w = exact_array([0.003, 0.8, -0.02, -0.15])
    y = X @ w + exact(1.5)
    assert fmt_vec(y) == "[6.82, 4.015, 9.235]"


def test_terminates():
    assert terminates(Fraction(1, 8)) and terminates(Fraction(3, 20))
    assert not terminates(Fraction(1, 3)) and not terminates(Fraction(1, 14))


def test_misc_formatters():
    assert fmt_shape((32, 64)) == "32 × 64"
    assert fmt_sci(1_230_000) == r"1.23 \times 10^{6}"
    assert fmt_sci(1e6) == "10^{6}"
    assert fmt_sci(9.999e5, 2) == r"10^{6}"
    assert fmt_sci(0.00042, 1, latex=False) == "4.2e-4"
    assert fmt_pct(Fraction(23, 126), 1) == "18.3%"
    with pytest.raises(ValueError):
        fmt_num(1.0, -1)


@given(st.fractions(max_denominator=10**6).filter(lambda q: terminates(q)))
def test_terminating_fractions_round_trip(q):
    s = fmt_num(q, max_digits=40)
    assert Fraction(s) == q


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9), st.integers(0, 8))
def test_rounded_value_is_within_half_an_ulp_of_the_decimal_grid(x, d):
    s = fmt_num(x, d)
    err = abs(Fraction(s) - Fraction(x))
    assert err <= Fraction(1, 2 * 10**d)


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
def test_decimal_literals_survive_float_round_trip(dv):
    # a decimal literal read as a float prints back as the same number
    x = float(dv)
    assert Fraction(fmt_num(x)) == Fraction(dv)
