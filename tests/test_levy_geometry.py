"""Torus geometry, trap layouts and the engine's trap look-up."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from lessonlib.levy import (
    first_substep_hits,
    make_traps,
    min_image,
    nearest_trap,
    substep_count,
    substep_points,
    torus_distance,
    wrap,
)

W = 12000.0
coord = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)
half_widths = st.sampled_from([1.0, 50.0, 12000.0, 0.3])


def brute_nearest(points, layout):
    """Nearest trap by scipy's periodic cKDTree (independent of the engine)."""
    el = layout.side
    pts = np.mod(layout.positions + layout.half_width, el)
    pts[pts >= el] = 0.0
    tree = cKDTree(pts, boxsize=el)
    q = np.mod(points + layout.half_width, el)
    q[q >= el] = 0.0
    d, i = tree.query(q)
    return d, layout.canonical[i]


@settings(max_examples=300, deadline=None)
@given(x=coord, w=half_widths)
def test_wrap_lands_in_domain_is_idempotent_and_congruent(x, w):
    y = wrap(x, w)
    assert -w <= y < w
    assert wrap(y, w) == y
    n = (x - y) / (2 * w)
    assert abs(n - round(n)) < 1e-6 * max(1.0, abs(n))


def test_wrap_edge_cases():
    assert wrap(W, W) == -W
    assert wrap(-W, W) == -W
    below = np.nextafter(-W, -np.inf)  # rounds back onto the edge: must not return +W
    assert -W <= wrap(below, W) < W
    assert wrap(np.nextafter(W, 0), W) == np.nextafter(W, 0)


@settings(max_examples=300, deadline=None)
@given(d=coord, w=half_widths)
def test_min_image_is_shortest_representative(d, w):
    m = min_image(d, w)
    assert abs(m) <= w * (1 + 1e-12)
    k = (d - m) / (2 * w)
    assert abs(k - round(k)) < 1e-6 * max(1.0, abs(k))


@settings(max_examples=200, deadline=None)
@given(a=st.tuples(coord, coord), b=st.tuples(coord, coord), c=st.tuples(coord, coord))
def test_torus_distance_is_a_bounded_metric(a, b, c):
    w = 50.0
    a, b, c = (wrap(np.array(p), w) for p in (a, b, c))
    dab = torus_distance(a, b, w)
    assert dab <= 2 * w / math.sqrt(2) * (1 + 1e-12)
    assert dab == pytest.approx(torus_distance(b, a, w), abs=1e-9)
    assert dab <= torus_distance(a, c, w) + torus_distance(c, b, w) + 1e-9
    assert torus_distance(a, a, w) == 0.0


def test_thesis_layout_reproduces_the_thesis_lattice():
    lay = make_traps("thesis", 1200, W)
    g = 34
    assert lay.positions.shape == (g * g, 2)
    xs = np.linspace(-W, W, g)
    np.testing.assert_array_equal(lay.positions, np.array([[x, y] for x in xs for y in xs]))
    assert lay.start == (g // 2) * g + g // 2  # the thesis's middle_index
    assert lay.n_distinct == (g - 1) ** 2
    assert lay.spacing == pytest.approx(2 * W / (g - 1))
    # edge rows coincide on the torus: 2g - 1 duplicates, canonical index = lowest one
    assert lay.positions.shape[0] - np.unique(lay.canonical).size == 2 * g - 1
    assert lay.canonical[(g - 1) * g + 5] == 5
    assert make_traps("thesis", 600, W).positions.shape == (24 * 24, 2)


def test_lattice_and_random_layouts():
    lat = make_traps("lattice", 1200, W)
    assert lat.n_distinct == 34 * 34 and lat.spacing == pytest.approx(2 * W / 34)
    np.testing.assert_allclose(lat.start_position, [0.0, 0.0], atol=1e-9)
    r1 = make_traps("random", 300, W, seed=4)
    r2 = make_traps("random", 300, W, seed=4)
    assert np.array_equal(r1.positions, r2.positions)
    assert not np.array_equal(r1.positions, make_traps("random", 300, W, seed=5).positions)
    assert np.all((r1.positions >= -W) & (r1.positions < W))
    d0 = torus_distance(r1.positions, np.zeros(2), W)
    assert r1.start == int(np.argmin(d0))
    assert r1.cell_size >= 3.0


@pytest.mark.parametrize("kind", ["thesis", "lattice", "random"])
def test_nearest_trap_matches_periodic_kdtree(kind):
    lay = make_traps(kind, 400, 500.0, seed=2, radius=3.0)
    rng = np.random.default_rng(1)
    pts = rng.uniform(-500, 500, (20_000, 2))
    # add points right next to traps and across the periodic edges
    near = lay.positions[rng.integers(0, len(lay.positions), 5000)] + rng.normal(0, 2.0, (5000, 2))
    pts = np.vstack([pts, near])
    d, i = nearest_trap(pts, lay)
    db, ib = brute_nearest(wrap(pts, 500.0), lay)
    if kind == "random":
        # the cell list is exact whenever the nearest trap lies within one cell side
        ok = db < lay.cell_size
        assert ok.mean() > 0.9
        np.testing.assert_allclose(d[ok], db[ok], atol=1e-9)
        assert np.array_equal(i[ok], ib[ok])
        assert np.all(d[~ok] >= lay.cell_size - 1e-9)
    else:
        np.testing.assert_allclose(d, db, atol=1e-9)
        assert np.array_equal(i, ib)


@pytest.mark.parametrize("kind", ["thesis", "lattice"])
def test_random_point_hits_disks_with_area_fraction(kind):
    # P(point within r of a trap) = (distinct sites) * pi r^2 / L^2 for disjoint disks
    lay = make_traps(kind, 1200, W)
    r = 150.0
    n = 200_000
    pts = np.random.default_rng(7).uniform(-W, W, (n, 2))
    d, _ = nearest_trap(pts, lay)
    p = lay.n_distinct * math.pi * r * r / (2 * W) ** 2
    se = math.sqrt(p * (1 - p) / n)
    assert abs((d <= r).mean() - p) < 5 * se


def chain_area(r: float, h: float, n: int) -> float:
    """Area of the union of n radius-r disks with collinear centres h apart (h < 2r)."""
    lens = 2 * r * r * math.acos(h / (2 * r)) - 0.5 * h * math.sqrt(4 * r * r - h * h)
    return math.pi * r * r + (n - 1) * (math.pi * r * r - lens)


@pytest.mark.parametrize("length", [0.6, 12.7, 17.0])
def test_random_segment_hit_probability_closed_form(length):
    # A jump of length l is tested at n = max(1, ceil(l)) sub-step points h = l/n apart.
    # With uniform start and any direction, it meets a disk iff the start lies in a chain
    # of n disks (Buffon-type union area); distinct traps' chains are disjoint here because
    # 2r + (n - 1) h < lattice spacing (25), so P = G^2 * area / L^2 exactly.
    w, r = 50.0, 3.0
    lay = make_traps("lattice", 16, w, radius=r)
    n = int(max(1, math.ceil(length)))
    h = length / n
    assert 2 * r + (n - 1) * h < lay.spacing
    p = lay.n_distinct * chain_area(r, h, n) / (2 * w) ** 2
    m = 100_000
    rng = np.random.default_rng(int(length * 10))
    starts = rng.uniform(-w, w, (m, 2))
    phi = rng.uniform(0, 2 * math.pi, m)
    jumps = length * np.column_stack([np.cos(phi), np.sin(phi)])
    k, trap, nq_skip = first_substep_hits(starts, jumps, lay, r, skip=True)
    k2, trap2, nq_all = first_substep_hits(starts, jumps, lay, r, skip=False)
    assert np.array_equal(k, k2) and np.array_equal(trap, trap2)  # skipping changes nothing
    if n > 1:
        assert nq_skip < nq_all
    se = math.sqrt(p * (1 - p) / m)
    assert abs((k > 0).mean() - p) < 5 * se


def test_first_substep_hits_agree_with_brute_force_on_long_jumps():
    lay = make_traps("thesis", 1200, W)
    rng = np.random.default_rng(3)
    m = 300
    starts = rng.uniform(-W, W, (m, 2))
    lengths = 10 ** rng.uniform(0, 4, m)
    phi = rng.uniform(0, 2 * math.pi, m)
    u = np.column_stack([np.cos(phi), np.sin(phi)])
    k, trap, _ = first_substep_hits(starts, lengths[:, None] * u, lay, 150.0)
    for i in range(m):
        ell = float(np.hypot(*(lengths[i] * u[i])))
        pts = substep_points(wrap(starts[i], W), ell, lengths[i] * u[i] / ell, W)
        d, j = brute_nearest(pts, lay)
        inside = np.flatnonzero(d <= 150.0)
        if inside.size == 0:
            assert k[i] == 0 and trap[i] == -1
        else:
            assert k[i] == inside[0] + 1 and trap[i] == j[inside[0]]
    assert 0 < (k > 0).sum() < m


def test_random_layout_segments_skip_identity():
    lay = make_traps("random", 200, 400.0, seed=9, radius=5.0)
    rng = np.random.default_rng(4)
    m = 5000
    starts = rng.uniform(-400, 400, (m, 2))
    jumps = rng.standard_cauchy((m, 2)) * 20
    a = first_substep_hits(starts, jumps, lay, 5.0, skip=True)
    b = first_substep_hits(starts, jumps, lay, 5.0, skip=False)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert (a[0] > 0).sum() > 50 and a[2] < b[2]


@settings(max_examples=100, deadline=None)
@given(x=st.floats(-60, 60), y=st.floats(-60, 60), ell=st.floats(0, 300), phi=st.floats(0, 6.283))
def test_substep_points_are_unit_steps_ending_at_the_jump_end(x, y, ell, phi):
    w = 50.0
    p0 = wrap(np.array([x, y]), w)
    u = np.array([math.cos(phi), math.sin(phi)])
    pts = substep_points(p0, ell, u, w)
    n = int(substep_count(ell))
    assert pts.shape == (n, 2)
    steps = torus_distance(pts, np.vstack([p0, pts[:-1]]), w)
    assert np.all(steps <= 1.0 + 1e-9)
    np.testing.assert_allclose(steps, ell / n, atol=1e-9)
    end = wrap(p0 + ell * u, w)
    assert torus_distance(pts[-1], end, w) < 1e-9


def test_substep_count_rule():
    np.testing.assert_array_equal(substep_count([0.0, 0.2, 1.0, 1.0000001, 7.5, np.inf]),
                                  [1, 1, 1, 2, 8, np.inf])


def test_layout_errors():
    with pytest.raises(ValueError, match="empty"):
        make_traps("lattice", 0)
    with pytest.raises(ValueError, match="thesis"):
        make_traps("thesis", 8)
    with pytest.raises(ValueError, match="kind"):
        make_traps("hexagonal", 100)
    with pytest.raises(ValueError, match="start"):
        make_traps("lattice", 100, start=100)
    with pytest.raises(ValueError, match="radius"):
        make_traps("random", 100, radius=-3.0)
    with pytest.raises(ValueError, match="half_width"):
        wrap(1.0, 0.0)
    with pytest.raises(ValueError, match="length"):
        substep_count(-1.0)
