"""Windows, splits, lag and difference operators, decompositions (lessonlib.timeseries)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from lessonlib.timeseries import decompose as dc
from lessonlib.timeseries import windows as w

series = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=60).map(np.array)


def test_sliding_windows_source_example():
    # chapter example: y_1..y_100, L = 5, H = 2 -> x_1 = (y1..y5) -> (y6, y7), x_2 = (y2..y6) -> (y7, y8)
    y = np.arange(1, 101, dtype=float)
    X, Z = w.sliding_windows(y, 5, 2)
    assert X.shape == (94, 5) and Z.shape == (94, 2)
    np.testing.assert_array_equal(X[0], [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(Z[0], [6, 7])
    np.testing.assert_array_equal(X[1], [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(Z[1], [7, 8])
    assert w.n_windows(100, 5, 2) == 94


@settings(max_examples=60, deadline=None)
@given(y=series, L=st.integers(1, 6), H=st.integers(1, 4), stride=st.integers(1, 3))
def test_sliding_windows_match_numpy_view(y, L, H, stride):
    if y.size < L + H:
        with pytest.raises(ValueError, match="too short"):
            w.sliding_windows(y, L, H, stride)
        return
    X, Z = w.sliding_windows(y, L, H, stride)
    view = sliding_window_view(y, L + H)[::stride]  # independent construction
    np.testing.assert_array_equal(X, view[:, :L])
    np.testing.assert_array_equal(Z, view[:, L:])
    assert X.shape[0] == w.n_windows(y.size, L, H, stride)


def test_sliding_windows_multivariate():
    Y = np.arange(30.0).reshape(10, 3)
    X, Z = w.sliding_windows(Y, 4, 2)
    assert X.shape == (5, 4, 3) and Z.shape == (5, 2, 3)
    np.testing.assert_array_equal(Z[2], Y[6:8])


def test_chrono_split_is_causal():
    y = np.arange(10.0)
    tr, te = w.chrono_split(y, 7)
    np.testing.assert_array_equal(tr, y[:7])
    np.testing.assert_array_equal(te, y[7:])
    tr, te = w.chrono_split(y, 0.8)
    assert tr.size == 8 and te.max() == 9 and tr.max() < te.min()
    with pytest.raises(ValueError, match="n_train"):
        w.chrono_split(y, 10)
    with pytest.raises(ValueError, match="n_train"):
        w.chrono_split(y, 1.5)
    with pytest.raises(TypeError, match="n_train"):
        w.chrono_split(y, "7")


@settings(max_examples=50, deadline=None)
@given(y=series, k=st.integers(-5, 5))
def test_lag_matches_roll(y, k):
    out = w.lag(y, k)
    n = y.size
    for t in range(n):
        s = t - k
        if 0 <= s < n:
            assert out[t] == y[s]
        else:
            assert np.isnan(out[t])


@settings(max_examples=50, deadline=None)
@given(y=series, d=st.integers(0, 2))
def test_difference_matches_numpy_diff(y, d):
    if y.size <= d:
        return
    np.testing.assert_allclose(w.difference(y, d), np.diff(y, n=d), rtol=1e-12, atol=1e-9)


def test_seasonal_difference():
    y = np.arange(24.0) ** 1.5
    np.testing.assert_allclose(w.seasonal_difference(y, 12), y[12:] - y[:-12])


@settings(max_examples=50, deadline=None)
@given(y=series, d=st.integers(1, 3))
def test_undifference_inverts_difference(y, d):
    if y.size <= d + 1:
        return
    dy = w.difference(y, d)
    np.testing.assert_allclose(w.undifference(dy, y[:d]), y[d:], rtol=1e-9, atol=1e-6)


def test_fourier_terms_values_and_columns():
    t = np.arange(1, 8)
    F = dc.fourier_terms(t, 7, 2)
    assert F.shape == (7, 4)
    np.testing.assert_allclose(F[:, 0], np.cos(2 * np.pi * t / 7))
    np.testing.assert_allclose(F[:, 3], np.sin(4 * np.pi * t / 7))
    # K = m/2: the last sine vanishes on integer times and is dropped
    assert dc.fourier_terms(np.arange(12), 12, 6).shape == (12, 11)
    with pytest.raises(ValueError, match="K"):
        dc.fourier_terms(t, 7, 4)


def test_fit_trend_fourier_recovers_exact_signal():
    t = np.arange(1, 85)
    y = 10 + 0.5 * t + 3 * np.cos(2 * np.pi * t / 7) - 1.5 * np.sin(4 * np.pi * t / 7)
    fit = dc.fit_trend_fourier(y, 7, 2)
    assert fit.intercept == pytest.approx(10)
    assert fit.slope == pytest.approx(0.5)
    np.testing.assert_allclose(fit.fourier_coef, [3, 0, 0, -1.5], atol=1e-10)
    np.testing.assert_allclose(fit.resid, 0, atol=1e-9)


def test_fit_trend_fourier_matches_statsmodels_ols():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    t = np.arange(1, 61)
    y = 5 - 0.2 * t + np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)
    X = np.column_stack([np.ones(60), t, dc.fourier_terms(t, 12, 3)])
    ref = sm.OLS(y, X).fit().params
    fit = dc.fit_trend_fourier(y, 12, 3)
    np.testing.assert_allclose([fit.intercept, fit.slope, *fit.fourier_coef], ref, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("window", [3, 4, 7, 12])
def test_moving_average_matches_pandas_style_reference(window):
    rng = np.random.default_rng(window)
    y = rng.normal(size=40)
    out = dc.moving_average(y, window)
    # reference: explicit weighted sums
    if window % 2:
        h = window // 2
        ref = [np.mean(y[t - h : t + h + 1]) if h <= t < 40 - h else np.nan for t in range(40)]
    else:
        h = window // 2
        wts = np.r_[0.5, np.ones(window - 1), 0.5] / window
        ref = [wts @ y[t - h : t + h + 1] if h <= t < 40 - h else np.nan for t in range(40)]
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    trailing = dc.moving_average(y, window, centred=False)
    np.testing.assert_allclose(trailing[window - 1 :], [y[t - window + 1 : t + 1].mean() for t in range(window - 1, 40)])


@pytest.mark.parametrize("m", [7, 12])
@pytest.mark.parametrize("model", ["additive", "multiplicative"])
def test_classical_decompose_matches_statsmodels(m, model):
    sd = pytest.importorskip("statsmodels.tsa.seasonal")
    rng = np.random.default_rng(m)
    t = np.arange(6 * m)
    y = 50 + 0.3 * t + 4 * np.sin(2 * np.pi * t / m) + rng.normal(0, 0.5, t.size)
    ours = dc.classical_decompose(y, m, model)
    ref = sd.seasonal_decompose(y, model=model, period=m)
    np.testing.assert_allclose(ours.trend, ref.trend, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(ours.seasonal, ref.seasonal, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.resid, ref.resid, rtol=1e-10, atol=1e-10, equal_nan=True)


def test_series_decomp_edge_padding_reference():
    rng = np.random.default_rng(1)
    y = rng.normal(size=20)
    trend, seas = dc.series_decomp(y, 5)
    pad = np.r_[[y[0]] * 2, y, [y[-1]] * 2]
    ref = np.array([pad[i : i + 5].mean() for i in range(20)])
    np.testing.assert_allclose(trend, ref)
    np.testing.assert_allclose(trend + seas, y)
    with pytest.raises(ValueError, match="odd"):
        dc.series_decomp(y, 4)


def test_multiscale_average_pooling():
    y = np.arange(16.0)
    levels = dc.multiscale(y, 3, 2)
    assert [lv.size for lv in levels] == [16, 8, 4]
    np.testing.assert_allclose(levels[1], y.reshape(8, 2).mean(1))
    np.testing.assert_allclose(levels[2], y.reshape(4, 4).mean(1))


def test_argument_errors_name_the_argument():
    with pytest.raises(TypeError, match="L"):
        w.sliding_windows([1, 2, 3], 1.5, 1)
    with pytest.raises(ValueError, match="H"):
        w.sliding_windows([1, 2, 3], 1, 0)
    with pytest.raises(ValueError, match="model"):
        dc.classical_decompose(np.arange(30.0), 7, "mixed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="two periods"):
            dc.classical_decompose(np.arange(10.0), 7)
