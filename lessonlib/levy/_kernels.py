"""Numba kernels of the Lévy-walk search engine (private).

Everything that runs inside compiled code lives in this one file on purpose: numba's
on-disk cache (``cache=True``) is invalidated only when *the file that defines a
function* changes, not when a function it calls from another file changes. Keeping
the random stream, the stable transforms, the trap queries and the walker loop
together means an edit anywhere in the hot path recompiles all of it.

The public, validated, documented entry points are in :mod:`~lessonlib.levy.rng`,
:mod:`~lessonlib.levy.stable`, :mod:`~lessonlib.levy.geometry` and
:mod:`~lessonlib.levy.engine`; nothing here checks its arguments.

Conventions used below
----------------------
* Random stream: xoshiro256** (Blackman & Vigna), four 64-bit words of state, seeded
  by SplitMix64 from a key derived from ``(seed, trajectory index)``.
* Uniforms are ``(k + 1/2) * 2**-52`` with ``k`` the top 52 bits of a draw: never 0,
  never 1, so every logarithm and every ``cos`` below stays finite.
* Layout arrays: ``lay_f = [x0, spacing, cell, W, L, start_x, start_y, 1/spacing,
  1/cell, 1/L]`` (reciprocals: the hot loop multiplies instead of dividing) and
  ``lay_i = [kind, G, stride, C, start]``; ``kind`` 0 is an arithmetic lattice of
  ``G x G`` sites ``x0 + i * spacing``, reported as index ``ix * stride + iy``; kind 1
  is a cell list of ``C x C`` buckets over explicit trap coordinates ``tx, ty``.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

# --------------------------------------------------------------------------- constants
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ODD = np.uint64(0xD1B54A32D192ED03)
_KEY_SALT = np.uint64(0x6A09E667F3BCC909)
_SH12 = np.uint64(12)
_SH17 = np.uint64(17)
_SH27 = np.uint64(27)
_SH30 = np.uint64(30)
_SH31 = np.uint64(31)
_SH7 = np.uint64(7)
_SH57 = np.uint64(57)
_SH45 = np.uint64(45)
_SH19 = np.uint64(19)
_FIVE = np.uint64(5)
_NINE = np.uint64(9)
_ZERO = np.uint64(0)
_TWO_M52 = 2.0**-52
_HALF_PI = 0.5 * math.pi

JUMP_RADIAL = 0
JUMP_ISOTROPIC = 1
TIME_WALK = 0
TIME_PATH = 1
TIME_FLIGHT = 2
FRT_DELAY = 0
FRT_REENTRY = 1
LAYOUT_LATTICE = 0
LAYOUT_CELLS = 1

# Relative safety margin of a skip: the skipped distance is shortened by
# _SKIP_RTOL * (L + k_max * h), many orders of magnitude above the rounding error
# (~1e-16 relative) of the sub-step positions p0 + k*d.
_SKIP_RTOL = 1e-9


# --------------------------------------------------------------------------- random stream
@njit(cache=True, error_model="numpy")
def mix64(z):
    """SplitMix64 finaliser: a bijection of uint64 with good avalanche."""
    z = (z ^ (z >> _SH30)) * _MIX1
    z = (z ^ (z >> _SH27)) * _MIX2
    return z ^ (z >> _SH31)


@njit(cache=True, error_model="numpy")
def seed_state(state, key, index):
    """Fill ``state`` (uint64[4]) for trajectory ``index`` of stream ``key``.

    For a fixed key, index -> x is a bijection (odd multiplier, xor, mix64), so distinct
    trajectories get distinct SplitMix64 starting points.
    """
    h = mix64(key ^ _KEY_SALT)
    x = mix64(h ^ (np.uint64(index) * _ODD + _GOLDEN))
    for i in range(4):
        x = x + _GOLDEN
        state[i] = mix64(x)
    if state[0] == _ZERO and state[1] == _ZERO and state[2] == _ZERO and state[3] == _ZERO:
        state[0] = _GOLDEN  # the one forbidden xoshiro state; probability 2**-256


@njit(cache=True, inline="always", error_model="numpy")
def _rotl(x, k, kc):
    return (x << k) | (x >> kc)


@njit(cache=True, inline="always", error_model="numpy")
def xoshiro_step(s0, s1, s2, s3):
    """xoshiro256** on a state held in four values: (output, new s0, s1, s2, s3)."""
    result = _rotl(s1 * _FIVE, _SH7, _SH57) * _NINE
    t = s1 << _SH17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _SH45, _SH19)
    return result, s0, s1, s2, s3


@njit(cache=True, inline="always", error_model="numpy")
def open01(r):
    """Uniform on the open interval (0, 1) from a draw r: (k + 1/2) 2**-52, k its top 52 bits."""
    return (float(r >> _SH12) + 0.5) * _TWO_M52


@njit(cache=True, inline="always", error_model="numpy")
def next_u64(s):
    """xoshiro256** step: returns one uint64 and advances the state array ``s`` in place."""
    result, s[0], s[1], s[2], s[3] = xoshiro_step(s[0], s[1], s[2], s[3])
    return result


@njit(cache=True, inline="always", error_model="numpy")
def next_open01(s):
    """Next uniform on (0, 1) from the state array ``s``."""
    return open01(next_u64(s))


@njit(cache=True, error_model="numpy")
def fill_uniforms(key, index, out):
    st = np.empty(4, np.uint64)
    seed_state(st, key, index)
    for i in range(out.shape[0]):
        out[i] = next_open01(st)


@njit(cache=True, error_model="numpy")
def fill_raw(key, index, out):
    st = np.empty(4, np.uint64)
    seed_state(st, key, index)
    for i in range(out.shape[0]):
        out[i] = next_u64(st)


# --------------------------------------------------------------------------- elementary functions
# The stable sampler spends nearly all its time in sin, cos, log and exp. libm's versions
# are calls, which stop LLVM from vectorising a loop; the versions below are plain
# arithmetic, so a loop over a block of jumps runs four lanes at a time (AVX2). They use
# only correctly rounded IEEE operations with no contraction, so a value is bitwise the
# same whether it is computed in a vector lane or in scalar code. Accuracy, checked
# against libm in tests/test_levy_stable.py: <= 1 ulp for _sin, _cos on [-pi, pi] and for
# _exp; <= 2 ulp for _log on positive normal numbers. Domains are what the sampler needs:
# |x| <= pi for _sin/_cos (Cody–Waite reduction with a two-part pi/2), x > 0 normal or
# 0 for _log; _exp gives +inf above 709.78 and 0 below -708 (no subnormal results).
@intrinsic
def _bits(typingctx, x):
    """Reinterpret a float64 as int64 (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, x):
    """Reinterpret an int64 as float64 (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


_LN2_HI = 0.6931471803691238      # ln 2 with its low 32 bits zero: k * _LN2_HI is exact
_LN2_LO = 1.9082149292705877e-10  # ln 2 - _LN2_HI
_INV_LN2 = 1.4426950408889634
_SQRT2 = 1.4142135623730951
_PIO2_HI = 1.5707963267948966     # fl(pi/2)
_PIO2_LO = 6.123233995736766e-17  # pi/2 - fl(pi/2)
_INV_PIO2 = 0.6366197723675814
_MAGIC = 6755399441055744.0       # 1.5 * 2**52: x + _MAGIC has integer x in its low bits
_TWO52 = 4503599627370496.0       # 2**52
_MANT = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
_TWO52_BITS = 0x4330000000000000


@njit(cache=True, inline="always", error_model="numpy")
def _exp(x):
    """e**x: x = k ln 2 + r with |r| <= ln(2)/2, e**r by its Taylor polynomial of degree 13."""
    k = np.floor(x * _INV_LN2 + 0.5)
    k = -1022.0 if k < -1022.0 else (1023.0 if k > 1023.0 else k)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
        1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (
            1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r * (1.0 / 6227020800)))))))))))))
    ki = _bits(k + _MAGIC) - _bits(_MAGIC)              # k as an integer, without cvt
    y = p * _from_bits((ki + 1023) << 52)               # p * 2**k
    y = math.inf if x > 709.782712893384 else y
    return 0.0 if x < -708.0 else y


@njit(cache=True, inline="always", error_model="numpy")
def _log(x):
    """log x: x = m 2**e with m in [sqrt(1/2), sqrt 2), log m = 2 atanh(s), s = (m-1)/(m+1)."""
    b = _bits(x)
    ef = _from_bits((b >> 52) | _TWO52_BITS) - (_TWO52 + 1023.0)   # exponent, without cvt
    m = _from_bits((b & _MANT) | _ONE_BITS)                         # mantissa in [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    ef = ef + 1.0 if big else ef
    s = (m - 1.0) / (m + 1.0)
    z = s * s                                                       # z <= 0.0295
    p = 2.0 / 3 + z * (2.0 / 5 + z * (2.0 / 7 + z * (2.0 / 9 + z * (2.0 / 11 + z * (
        2.0 / 13 + z * (2.0 / 15 + z * (2.0 / 17 + z * (2.0 / 19 + z * (2.0 / 21 + z * (2.0 / 23))))))))))
    y = ef * _LN2_HI + ((2.0 * s + s * z * p) + ef * _LN2_LO)
    return -math.inf if x == 0.0 else y


@njit(cache=True, inline="always", error_model="numpy")
def _sin_poly(r, z):
    """sin r for |r| <= pi/4 (z = r*r): Taylor polynomial to r**17."""
    return r + r * z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880 + z * (
        -1.0 / 39916800 + z * (1.0 / 6227020800 + z * (-1.0 / 1307674368000 + z * (1.0 / 355687428096000))))))))


@njit(cache=True, inline="always", error_model="numpy")
def _cos_poly(z):
    """cos r for |r| <= pi/4 (z = r*r): Taylor polynomial to r**16, 1 - z/2 summed exactly."""
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + z * z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (
        -1.0 / 3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200 + z * (
            1.0 / 20922789888000 + z * (-1.0 / 6402373705728000)))))))))


@njit(cache=True, inline="always", error_model="numpy")
def _sin_cos(x, shift):
    """sin x (shift = 0) or cos x = sin(x + pi/2) (shift = 1), for |x| <= pi."""
    n = np.floor(x * _INV_PIO2 + 0.5)
    r = (x - n * _PIO2_HI) - n * _PIO2_LO
    z = r * r
    q = n + shift
    q = q - 4.0 * np.floor(0.25 * q)                    # quadrant 0..3
    v = _cos_poly(z) if (q == 1.0 or q == 3.0) else _sin_poly(r, z)
    return -v if q >= 2.0 else v


@njit(cache=True, inline="always", error_model="numpy")
def _sin(x):
    return _sin_cos(x, 0.0)


@njit(cache=True, inline="always", error_model="numpy")
def _cos(x):
    return _sin_cos(x, 1.0)


# --------------------------------------------------------------------------- stable transforms
@njit(cache=True, inline="always", error_model="numpy")
def cms_abs(alpha, u1, u2):
    """|X| for X symmetric alpha-stable (Chambers–Mallows–Stuck, scale 1), from two uniforms.

    X = sin(aV) / cos(V)^(1/a) * (cos((1-a)V) / W)^((1-a)/a), V = pi(u1 - 1/2),
    W = -log(u2); the powers go through one exp so that extreme draws give inf or 0
    rather than NaN. For a = 1 the second factor is exactly 1 and X = tan(V) (u2 is then
    drawn but unused, so the stream advances the same way for every a).
    """
    v = math.pi * (u1 - 0.5)
    s = abs(_sin(alpha * v))
    if alpha == 1.0:
        return s / _cos(v)
    w = -_log(u2)
    # one exp and two logs: sin(aV) * exp(-log(cos V)/a + (1-a)/a * log(cos((1-a)V)/W));
    # the exponent is finite (cos V >= 1e-16, W >= 2e-16), exp may overflow to inf
    return s * _exp((1.0 - alpha) / alpha * _log(_cos((1.0 - alpha) * v) / w)
                    - _log(_cos(v)) / alpha)


@njit(cache=True, inline="always", error_model="numpy")
def cms_symmetric(alpha, u1, u2):
    """X itself: :func:`cms_abs` with the sign of sin(alpha V)."""
    x = cms_abs(alpha, u1, u2)
    return x if u1 > 0.5 else -x


@njit(cache=True, error_model="numpy")
def cms_abs_block(alpha, scale, u1, u2, out):
    """out[j] = scale * cms_abs(alpha, u1[j], u2[j]), bitwise; overwrites u1 and u2.

    Three vectorised passes (trigonometry, logarithms, exponential) instead of one: each
    pass has short dependency chains and independent iterations, so the processor
    overlaps them, where a single pass would wait on cos -> log -> exp for every lane.
    """
    n = out.shape[0]
    if alpha == 1.0:
        for j in range(n):
            v = math.pi * (u1[j] - 0.5)
            out[j] = scale * (abs(_sin(v)) / _cos(v))
        return
    c = (1.0 - alpha) / alpha
    d = 1.0 - alpha
    for j in range(n):
        v = math.pi * (u1[j] - 0.5)
        w = -_log(u2[j])
        out[j] = abs(_sin(alpha * v))
        u1[j] = _cos(d * v) / w
        u2[j] = _cos(v)
    for j in range(n):
        u1[j] = c * _log(u1[j]) - _log(u2[j]) / alpha
    for j in range(n):
        out[j] = scale * (out[j] * _exp(u1[j]))


@njit(cache=True, inline="always", error_model="numpy")
def cms_positive(a, u1, u2):
    """Positive a-stable variate with Laplace transform E exp(-g A) = exp(-g^a), 0 < a <= 1.

    Kanter / CMS with beta = 1: A = sin(a(V + pi/2)) / cos(V)^(1/a)
    * (cos(V - a(V + pi/2)) / W)^((1-a)/a). For a = 1 the variate is the constant 1.
    """
    if a == 1.0:
        return 1.0
    v = math.pi * (u1 - 0.5)
    w = -math.log(u2)
    b = a * (v + _HALF_PI)
    logx = math.log(math.sin(b)) - math.log(math.cos(v)) / a
    logx += (1.0 - a) / a * math.log(math.cos(v - b) / w)
    return math.exp(logx)


@njit(cache=True, error_model="numpy")
def cms_symmetric_array(alpha, u1, u2, out):
    for i in range(out.shape[0]):
        out[i] = cms_symmetric(alpha, u1[i], u2[i])


@njit(cache=True, error_model="numpy")
def cms_positive_array(a, u1, u2, out):
    for i in range(out.shape[0]):
        out[i] = cms_positive(a, u1[i], u2[i])


@njit(cache=True, inline="always", error_model="numpy")
def direction(u):
    """Unit vector (cos theta, sin theta) at the uniform angle theta = pi (2u - 1) in (-pi, pi)."""
    theta = math.pi * (2.0 * u - 1.0)
    return _cos(theta), _sin(theta)


@njit(cache=True, inline="always", error_model="numpy")
def draw_jump(s, jump_kind, alpha, scale):
    """One jump from stream ``s``: returns (length, ux, uy) with (ux, uy) a unit vector.

    radial:    3 uniforms. length = scale |X|, X symmetric alpha-stable; uniform angle.
    isotropic: 4 uniforms. vector = scale sqrt(2 A) G, A positive alpha/2-stable with
               Laplace transform exp(-g^(alpha/2)), G a 2-D standard normal (Box–Muller:
               Rayleigh radius times a uniform direction), so every 1-D projection is
               symmetric alpha-stable with scale ``scale``.
    """
    if jump_kind == JUMP_RADIAL:
        ell = scale * cms_abs(alpha, next_open01(s), next_open01(s))
        ux, uy = direction(next_open01(s))
        return ell, ux, uy
    a = 0.5 * alpha
    big_a = cms_positive(a, next_open01(s), next_open01(s))
    r = math.sqrt(-2.0 * math.log(next_open01(s)))
    ux, uy = direction(next_open01(s))
    return scale * math.sqrt(2.0 * big_a) * r, ux, uy


@njit(cache=True, inline="always", error_model="numpy")
def draw_jump_capped(s, jump_kind, alpha, scale, max_jump):
    """``draw_jump`` repeated until length <= max_jump (the thesis script's 1e7 rule)."""
    while True:
        ell, ux, uy = draw_jump(s, jump_kind, alpha, scale)
        if ell <= max_jump:
            return ell, ux, uy


@njit(cache=True, error_model="numpy")
def fill_jumps(key, index, jump_kind, alpha, scale, max_jump, out):
    """Jumps of trajectory ``index`` in engine order: out[:, 0:3] = (length, ux, uy)."""
    st = np.empty(4, np.uint64)
    seed_state(st, key, index)
    for i in range(out.shape[0]):
        ell, ux, uy = draw_jump_capped(st, jump_kind, alpha, scale, max_jump)
        out[i, 0] = ell
        out[i, 1] = ux
        out[i, 2] = uy


# Jumps are drawn in blocks of _BLOCK per walker: first the three uniforms of every jump
# from the walker's stream (exactly the order of repeated draw_jump calls), then the
# lengths (cms_abs_block) and the directions in vectorised passes. The walker takes them
# in order, so its jumps are bitwise those of draw_jump; at most _BLOCK - 1 drawn jumps
# go unused when it stops.
_BLOCK = 32


@njit(cache=True, error_model="numpy")
def refill_block(s, jump_kind, alpha, scale, buf):
    """Fill buf (5 x _BLOCK: u1, u2, length, ux, uy) with the next jumps of stream ``s``."""
    nb = buf.shape[1]
    if jump_kind == JUMP_RADIAL:
        # the stream's state in registers for the block (the stores into buf would
        # otherwise force it back to memory after every draw); same numbers as next_open01
        s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
        for j in range(nb):
            for row in (0, 1, 3):
                r, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
                buf[row, j] = open01(r)
        s[0], s[1], s[2], s[3] = s0, s1, s2, s3
        cms_abs_block(alpha, scale, buf[0], buf[1], buf[2])
        for j in range(nb):  # vectorised too
            ux, uy = direction(buf[3, j])
            buf[3, j] = ux
            buf[4, j] = uy
    else:
        for j in range(nb):
            ell, ux, uy = draw_jump(s, jump_kind, alpha, scale)
            buf[2, j] = ell
            buf[3, j] = ux
            buf[4, j] = uy


@njit(cache=True, inline="always", error_model="numpy")
def next_jump(s, jump_kind, alpha, scale, max_jump, buf, pos):
    """Next jump of length <= max_jump from the block buffer: (length, ux, uy, new pos).

    Same sequence as draw_jump_capped: a jump longer than max_jump is passed over and
    the next one taken, as a redraw would.
    """
    while True:
        if pos == buf.shape[1]:
            refill_block(s, jump_kind, alpha, scale, buf)
            pos = 0
        ell = buf[2, pos]
        ux = buf[3, pos]
        uy = buf[4, pos]
        pos += 1
        if ell <= max_jump:
            return ell, ux, uy, pos


@njit(cache=True, inline="always", error_model="numpy")
def substep_plan(ell, ux, uy):
    """Number of sub-steps n = max(1, ceil(ell)), sub-step vector d and its length h.

    Sub-step k (1 <= k <= n) is at p0 + k d. An infinite jump is a straight walk of
    unit sub-steps that never ends (only the horizon stops it).
    """
    if ell <= 1.0:  # one sub-step; dividing by n = 1 is exact, so skip the divisions
        return 1.0, ell * ux, ell * uy, ell
    if math.isinf(ell):
        return math.inf, ux, uy, 1.0
    n = np.ceil(ell)
    h = ell * (1.0 / n)
    return n, h * ux, h * uy, h


# --------------------------------------------------------------------------- torus geometry
@njit(cache=True, inline="always", error_model="numpy")
def wrap1(x, w, el, inv_el):
    """Map x onto [-w, w) (el = 2w, inv_el = 1/el); idempotent, also at the rounding edge."""
    y = x - el * np.floor((x + w) * inv_el)
    if y >= w:
        y -= el
    if y < -w:
        y += el
    if y >= w:  # y was within rounding of -w and -w + el rounded up to w
        y = -w
    return y


@njit(cache=True, inline="always", error_model="numpy")
def min_image1(d, el, inv_el):
    return d - el * round(d * inv_el)


@njit(cache=True, inline="always", error_model="numpy")
def _query_lattice(x, y, radius, lay_f, lay_i):
    x0 = lay_f[0]
    sp = lay_f[1]
    inv_sp = lay_f[7]
    ix = np.floor((x - x0) * inv_sp + 0.5)
    iy = np.floor((y - x0) * inv_sp + 0.5)
    dx = x - (x0 + ix * sp)
    dy = y - (x0 + iy * sp)
    d = math.sqrt(dx * dx + dy * dy)
    if d > radius:  # the index is only needed inside a disk (saves two integer modulos)
        return d, -1, d
    g = lay_i[1]
    jx = int(ix) % g
    jy = int(iy) % g
    return d, jx * lay_i[2] + jy, d


@njit(cache=True, inline="always", error_model="numpy")
def _query_cells(x, y, lay_f, lay_i, tx, ty, cell_start, cell_items):
    cell = lay_f[2]
    w = lay_f[3]
    el = lay_f[4]
    inv_cell = lay_f[8]
    inv_el = lay_f[9]
    nc = lay_i[3]
    cx = min(max(int(np.floor((x + w) * inv_cell)), 0), nc - 1)
    cy = min(max(int(np.floor((y + w) * inv_cell)), 0), nc - 1)
    best = math.inf
    best_i = -1
    for ox in range(-1, 2):
        ccx = cx + ox
        if ccx < 0:
            ccx += nc
        elif ccx >= nc:
            ccx -= nc
        for oy in range(-1, 2):
            ccy = cy + oy
            if ccy < 0:
                ccy += nc
            elif ccy >= nc:
                ccy -= nc
            c = ccx * nc + ccy
            for j in range(cell_start[c], cell_start[c + 1]):
                t = cell_items[j]
                dx = min_image1(x - tx[t], el, inv_el)
                dy = min_image1(y - ty[t], el, inv_el)
                d2 = dx * dx + dy * dy
                if d2 < best or (d2 == best and t < best_i):
                    best = d2
                    best_i = t
    ex = x + w - cx * cell
    ey = y + w - cy * cell
    edge = max(0.0, min(min(ex, cell - ex), min(ey, cell - ey)))
    d = math.sqrt(best)
    # every trap outside the 3 x 3 block is at least cell + edge away
    return d, best_i, min(d, cell + edge)


@njit(cache=True, inline="always", error_model="numpy")
def query(x, y, radius, lay_f, lay_i, tx, ty, cell_start, cell_items):
    """(distance to nearest trap, its index, lower bound on distance to every trap).

    The index is only guaranteed when the distance is <= radius (else it may be -1).
    """
    if lay_i[0] == LAYOUT_LATTICE:
        return _query_lattice(x, y, radius, lay_f, lay_i)
    return _query_cells(x, y, lay_f, lay_i, tx, ty, cell_start, cell_items)


@njit(cache=True, error_model="numpy")
def query_array(px, py, lay_f, lay_i, tx, ty, cell_start, cell_items, dist, idx, bound):
    for i in range(px.shape[0]):
        d, j, b = query(px[i], py[i], math.inf, lay_f, lay_i, tx, ty, cell_start, cell_items)
        dist[i] = d
        idx[i] = j
        bound[i] = b


@njit(cache=True, inline="always", error_model="numpy")
def skip_count(bound, radius, h, inv_h, eps, limit):
    """How many sub-steps after the current one are certainly outside every disk.

    The current point is at least ``bound`` from every trap and sub-step j further on
    is at most j*h from it, so it is outside every disk while j*h < bound - radius.
    ``eps`` absorbs rounding of the positions; the result is capped at ``limit``.
    """
    room = bound - radius - eps
    if room <= 0.0:
        return 0.0
    if h <= 0.0:
        return limit
    m = np.floor(room * inv_h)
    if m * h >= room:  # keep the inequality strict
        m -= 1.0
    return min(max(m, 0.0), limit)


@njit(cache=True, inline="always", error_model="numpy")
def first_substep_hit(px, py, dx, dy, n, radius, lay_f, lay_i, tx, ty, cs, ci, skip):
    """First k in 1..n with p0 + k d inside some disk: returns (k, trap, queries) or (0, -1, q)."""
    w = lay_f[3]
    el = lay_f[4]
    inv_el = lay_f[9]
    h = math.sqrt(dx * dx + dy * dy)
    inv_h = 1.0 / h if h > 0.0 else 0.0
    eps = _SKIP_RTOL * (el + n * h)
    k = 1.0
    nq = 0
    while k <= n:
        x = wrap1(px + k * dx, w, el, inv_el)
        y = wrap1(py + k * dy, w, el, inv_el)
        d, j, b = query(x, y, radius, lay_f, lay_i, tx, ty, cs, ci)
        nq += 1
        if d <= radius:
            return k, j, nq
        if skip:
            k += skip_count(b, radius, h, inv_h, eps, n) + 1.0
        else:
            k += 1.0
    return 0.0, -1, nq


@njit(cache=True, error_model="numpy")
def first_substep_hit_many(p0, jumps, radius, lay_f, lay_i, tx, ty, cs, ci, skip, out_k, out_j):
    """``first_substep_hit`` for many jumps (p0[i], jumps[i]); returns total queries."""
    total = 0
    for i in range(p0.shape[0]):
        ell = math.sqrt(jumps[i, 0] * jumps[i, 0] + jumps[i, 1] * jumps[i, 1])
        if ell > 0.0:
            n, dx, dy, h = substep_plan(ell, jumps[i, 0] / ell, jumps[i, 1] / ell)
        else:
            n, dx, dy = 1.0, 0.0, 0.0
        k, j, nq = first_substep_hit(p0[i, 0], p0[i, 1], dx, dy, n, radius, lay_f, lay_i,
                                     tx, ty, cs, ci, skip)
        out_k[i] = k
        out_j[i] = j
        total += nq
    return total


# --------------------------------------------------------------------------- the walker
@njit(cache=True, error_model="numpy")
def run_one(key, index, alpha, scale, jump_kind, time_kind, frt_kind, delay, horizon,
            max_jump, radius, lay_f, lay_i, tx, ty, cs, ci, skip, rec):
    """Simulate one trajectory; returns (fht, frt, n_jumps, trap, n_queries).

    ``rec`` has shape (cap, 7); when cap > 0 the first ``cap`` jumps are recorded as
    (x0, y0, length, ux, uy, t_start, k_done) with k_done the number of sub-steps the
    walker actually made in that jump.
    """
    st = np.empty(4, np.uint64)
    seed_state(st, key, index)
    w = lay_f[3]
    el = lay_f[4]
    inv_el = lay_f[9]
    px = lay_f[5]
    py = lay_f[6]
    start = lay_i[4]
    cap = rec.shape[0]
    t = 0.0
    fht = math.inf
    frt = math.inf
    trap = -1
    left = False
    nj = 0
    nq = 0
    # budget: how far the walker may still travel (summed sub-step lengths) from the last
    # look-up point and be certain to stay outside every disk. A look-up outside all disks
    # at lower-bound distance b sets it to b - radius - eps; travel spends it; each jump
    # also spends a rounding margin eps. Sub-steps covered by the budget are not looked up,
    # which changes nothing: they are provably outside every disk, as a look-up would find.
    budget = 0.0
    buf = np.empty((5, _BLOCK), np.float64)
    pos = _BLOCK
    while True:
        if time_kind == TIME_PATH:
            if t >= horizon:
                break
        elif t + 1.0 > horizon:
            break
        ell, ux, uy, pos = next_jump(st, jump_kind, alpha, scale, max_jump, buf, pos)
        n, dx, dy, h = substep_plan(ell, ux, uy)
        if time_kind == TIME_WALK:
            kmax = min(n, np.floor(horizon - t))
        elif time_kind == TIME_PATH:
            kmax = min(n, np.floor((horizon - t) / h)) if h > 0.0 else n
        else:
            kmax = n
        if kmax < 1.0:
            break
        if nj < cap:
            rec[nj, 0] = px
            rec[nj, 1] = py
            rec[nj, 2] = ell
            rec[nj, 3] = ux
            rec[nj, 4] = uy
            rec[nj, 5] = t
            rec[nj, 6] = kmax
        nj += 1
        eps = _SKIP_RTOL * (el + kmax * h)
        budget -= eps
        done = False
        k = 1.0
        span = kmax * h
        if budget > span:
            # the common case far from every trap: the budget covers the whole jump
            # (j h <= kmax h < budget for every sub-step j), so the loop below would
            # skip all of it; do that in one step
            budget -= span
            k = kmax + 1.0
        inv_h = 1.0 / h if (kmax > 1.0 and k <= kmax) else 0.0  # only to skip several
        while k <= kmax:
            if budget > h:  # at least the next sub-step is covered
                rem = kmax - k + 1.0
                if rem == 1.0:
                    m = 1.0
                else:
                    m = np.floor(budget * inv_h)
                    if m * h >= budget:  # strict: j*h < budget for every skipped j <= m
                        m -= 1.0
                    m = min(m, rem)
                if m >= 1.0:
                    k += m
                    budget -= m * h
                    continue
            x = wrap1(px + k * dx, w, el, inv_el)
            y = wrap1(py + k * dy, w, el, inv_el)
            d, j, b = query(x, y, radius, lay_f, lay_i, tx, ty, cs, ci)
            nq += 1
            if d <= radius:
                budget = 0.0
                if time_kind == TIME_WALK:
                    tk = t + k
                elif time_kind == TIME_PATH:
                    tk = t + k * h
                else:
                    tk = t + 1.0
                if j == start:
                    if frt == math.inf:
                        if frt_kind == FRT_DELAY:
                            if tk > delay:
                                frt = tk
                        elif left:
                            frt = tk
                else:
                    left = True
                    if fht == math.inf:
                        fht = tk
                        trap = j
                if fht < math.inf and frt < math.inf:
                    done = True
                    break
                k += 1.0
            else:
                left = True
                if skip:
                    budget = b - radius - eps
                k += 1.0
        if done:
            if nj <= cap:
                rec[nj - 1, 6] = k
            break
        if kmax < n:
            break
        px = wrap1(px + n * dx, w, el, inv_el)
        py = wrap1(py + n * dy, w, el, inv_el)
        if time_kind == TIME_WALK:
            t += n
        elif time_kind == TIME_PATH:
            t += n * h
        else:
            t += 1.0
    return fht, frt, nj, trap, nq


@njit(parallel=True, cache=True, error_model="numpy")
def run_many(key, first, alpha, scale, jump_kind, time_kind, frt_kind, delay, horizon,
             max_jump, radius, lay_f, lay_i, tx, ty, cs, ci, skip,
             out_fht, out_frt, out_nj, out_trap):
    """``run_one`` for trajectories first, ..., first + len(out_fht) - 1 (numba.prange).

    Each trajectory owns its stream, so the result does not depend on thread count or
    on how the index range is split. Returns the total number of trap queries.
    """
    n = out_fht.shape[0]
    rec = np.empty((0, 7), np.float64)
    nq = np.zeros(n, np.int64)
    for i in prange(n):
        f, r, nj, tr, q = run_one(key, first + i, alpha, scale, jump_kind, time_kind,
                                  frt_kind, delay, horizon, max_jump, radius, lay_f,
                                  lay_i, tx, ty, cs, ci, skip, rec)
        out_fht[i] = f
        out_frt[i] = r
        out_nj[i] = nj
        out_trap[i] = tr
        nq[i] = q
    return nq.sum()


@njit(cache=True, error_model="numpy")
def expand_substeps(rec, n_jumps, w, el, out):
    """Sub-step points of the recorded jumps (wrapped), in order; returns count written."""
    m = 0
    for i in range(n_jumps):
        n, dx, dy, h = substep_plan(rec[i, 2], rec[i, 3], rec[i, 4])
        kd = int(rec[i, 6])
        for k in range(1, kd + 1):
            out[m, 0] = wrap1(rec[i, 0] + k * dx, w, el, 1.0 / el)
            out[m, 1] = wrap1(rec[i, 1] + k * dy, w, el, 1.0 / el)
            m += 1
    return m


# --------------------------------------------------------------------------- benchmark floor
@njit(cache=True, error_model="numpy")
def floor_draws(key, n_jumps, jump_kind, alpha, scale):
    """Bare cost of the jumps' random numbers: draw n_jumps jumps, nothing else."""
    st = np.empty(4, np.uint64)
    seed_state(st, key, 0)
    buf = np.empty((5, _BLOCK), np.float64)
    pos = _BLOCK
    acc = 0.0
    for _ in range(n_jumps):
        ell, ux, uy, pos = next_jump(st, jump_kind, alpha, scale, math.inf, buf, pos)
        acc += min(ell, 1.0) * ux + uy
    return acc


@njit(cache=True, error_model="numpy")
def wrap_array(x, w, el, out):
    for i in range(x.shape[0]):
        out[i] = wrap1(x[i], w, el, 1.0 / el)


@njit(cache=True, error_model="numpy")
def substep_points(x0, y0, ell, ux, uy, kmax, w, el, out):
    """Wrapped sub-step points k = 1..kmax of one jump, by the engine's formula."""
    n, dx, dy, h = substep_plan(ell, ux, uy)
    for k in range(1, kmax + 1):
        out[k - 1, 0] = wrap1(x0 + k * dx, w, el, 1.0 / el)
        out[k - 1, 1] = wrap1(y0 + k * dy, w, el, 1.0 / el)
