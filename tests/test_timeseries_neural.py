"""Recurrent cells, causal convolutions, attention, tokenisers, SSM layers, diffusion and neural ODEs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from scipy import integrate, signal, special

from lessonlib.timeseries import conv, diffusion, neural, ode, ssm, tokens, transformer


# ------------------------------------------------------------------ recurrent cells
def test_linear_rnn_equals_closed_form_sum():
    p = neural.init_rnn(2, 3, 0)
    xs = np.random.default_rng(1).normal(size=(6, 2))
    H = neural.rnn_forward(xs, p, activation=lambda a: a)
    # h_T = sum_t W_h^{T-t} W_x x_t (h_0 = 0, b = 0)
    ref = sum(np.linalg.matrix_power(p["W_h"], 5 - t) @ p["W_x"] @ xs[t] for t in range(6))
    np.testing.assert_allclose(H[-1], ref, rtol=1e-10)


def test_sigmoid_matches_scipy_expit_without_overflow():
    x = np.array([-1000.0, -5.0, 0.0, 3.0, 800.0])
    np.testing.assert_allclose(neural.sigmoid(x), special.expit(x), rtol=1e-15)


def test_lstm_step_against_stacked_pytorch_layout():
    # reference: the PyTorch layout, one matmul with gates stacked as (i, f, g, o)
    rng = np.random.default_rng(2)
    p = neural.init_lstm(3, 4, rng)
    for g in "fioc":
        p[f"b_{g}"] = rng.normal(size=4)
    x, h, c = rng.normal(size=3), rng.normal(size=4), rng.normal(size=4)
    W_ih = np.vstack([p["W_i"], p["W_f"], p["W_c"], p["W_o"]])
    W_hh = np.vstack([p["U_i"], p["U_f"], p["U_c"], p["U_o"]])
    b = np.concatenate([p["b_i"], p["b_f"], p["b_c"], p["b_o"]])
    gates = W_ih @ x + W_hh @ h + b
    i, f, g, o = np.split(gates, 4)
    c_ref = special.expit(f) * c + special.expit(i) * np.tanh(g)
    h_ref = special.expit(o) * np.tanh(c_ref)
    h1, c1, gt = neural.lstm_step(x, h, c, p)
    np.testing.assert_allclose(c1, c_ref, rtol=1e-12)
    np.testing.assert_allclose(h1, h_ref, rtol=1e-12)
    np.testing.assert_allclose(gt["f"], special.expit(f), rtol=1e-12)


def test_lstm_with_open_forget_and_closed_input_keeps_its_cell():
    p = neural.init_lstm(1, 2, 0)
    p["b_f"][:] = 40.0  # f = 1
    p["b_i"][:] = -40.0  # i = 0
    H, C, gates = neural.lstm_forward(np.random.default_rng(0).normal(size=30), p, c0=np.array([0.7, -0.2]))
    np.testing.assert_allclose(C, np.tile([0.7, -0.2], (30, 1)), atol=1e-12)


def test_gru_conventions_are_related_by_z_to_one_minus_z():
    rng = np.random.default_rng(3)
    p = neural.init_gru(2, 3, rng)
    for g in "zrh":
        p[f"b_{g}"] = rng.normal(size=3)
    q = dict(p)
    for k in ("W_z", "U_z", "b_z"):
        q[k] = -p[k]  # sigma(-a) = 1 - sigma(a)
    xs = rng.normal(size=(8, 2))
    np.testing.assert_allclose(neural.gru_forward(xs, p), neural.gru_forward(xs, q, convention="cho"), rtol=1e-12)


def test_gru_step_by_hand():
    # scalar GRU with all weights 1 and zero biases: z = r = sigma(x + h), h~ = tanh(x + r h)
    p = {k: np.ones((1, 1)) for k in ("W_z", "U_z", "W_r", "U_r", "W_h", "U_h")}
    p.update({k: np.zeros(1) for k in ("b_z", "b_r", "b_h")})
    x, h = 0.5, -0.2
    z = 1 / (1 + np.exp(-(x + h)))
    cand = np.tanh(x + z * h)
    assert neural.gru_step([x], [h], p)[0] == pytest.approx((1 - z) * h + z * cand, rel=1e-14)


def test_bptt_norms_match_finite_differences():
    rng = np.random.default_rng(4)
    p = neural.init_rnn(1, 3, rng, scale=0.9)
    xs = rng.normal(size=12)
    norms = neural.bptt_gradient_norms(xs, p)
    H = neural.rnn_forward(xs, p)
    T = 12
    for k in (1, 5, 12):
        h_start = H[T - k - 1] if k < T else np.zeros(3)
        eps = 1e-6
        J = np.zeros((3, 3))
        for j in range(3):
            e = np.zeros(3)
            e[j] = eps
            up = neural.rnn_forward(xs[T - k :], p, h0=h_start + e)[-1]
            dn = neural.rnn_forward(xs[T - k :], p, h0=h_start - e)[-1]
            J[:, j] = (up - dn) / (2 * eps)
        assert norms[k] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6)


def test_linear_rnn_gradient_norms_follow_the_spectral_radius():
    # with a symmetric W_h and tanh near 0, ||dh_T/dh_{T-k}|| ~ lambda_max^k
    for lam in (0.8, 1.2):
        p = {"W_x": np.zeros((2, 1)), "W_h": np.diag([lam, 0.5]), "b": np.zeros(2)}
        norms = neural.bptt_gradient_norms(np.zeros(20), p)
        np.testing.assert_allclose(norms, lam ** np.arange(21), rtol=1e-12)


# ------------------------------------------------------------------ convolutions
@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.floats(-10, 10), min_size=1, max_size=40), w=st.lists(st.floats(-2, 2), min_size=1, max_size=4),
       d=st.integers(1, 5))
def test_causal_conv_matches_numpy_convolve_with_dilated_kernel(x, w, d):
    x, w = np.array(x), np.array(w)
    wd = np.zeros(d * (w.size - 1) + 1)
    wd[::d] = w
    ref = np.convolve(x, wd)[: x.size]
    np.testing.assert_allclose(conv.causal_conv1d(x, w, d), ref, rtol=1e-10, atol=1e-10)


def test_multichannel_causal_conv_reference_loop():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(15, 2)), rng.normal(size=(3, 2, 4))
    out = conv.causal_conv1d(x, w, 2, bias=np.arange(4.0))
    ref = np.zeros((15, 4))
    for t in range(15):
        for k in range(3):
            if t - 2 * k >= 0:
                ref[t] += x[t - 2 * k] @ w[k]
    np.testing.assert_allclose(out, ref + np.arange(4.0))


@pytest.mark.parametrize("K,dil", [(2, [1, 2, 4, 8]), (3, [1, 2, 4]), (2, [1, 1, 1])])
def test_receptive_field_equals_measured_impulse_response(K, dil):
    R = conv.receptive_field(K, dil)
    T = 64
    layers = [(np.ones(K), d) for d in dil]
    # identity activation, no residual: response of the last output to each input
    resp = np.zeros(T)
    for s in range(T):
        x = np.zeros(T)
        x[s] = 1.0
        resp[s] = conv.tcn_forward(x, layers, activation=lambda a: a, residual=False)[-1][-1]
    assert np.count_nonzero(resp) == R
    dep = conv.dependency_matrix(T, K, dil)
    assert dep[-1, -1].sum() == R
    assert not np.any(np.triu(dep[-1], 1))  # causal: nothing from the future
    assert conv.receptive_field(2, [1, 2, 4, 8]) == 16


def test_tcn_residual_stack():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    layers = [(rng.normal(size=(2, 3, 3)), 1), (rng.normal(size=(2, 3, 3)), 2)]
    outs = conv.tcn_forward(x, layers)
    h1 = x + conv.causal_conv1d(conv.relu(x), layers[0][0], 1)
    np.testing.assert_allclose(outs[1], h1)
    np.testing.assert_allclose(outs[2], h1 + conv.causal_conv1d(conv.relu(h1), layers[1][0], 2))


# ------------------------------------------------------------------ attention
def test_attention_matches_scipy_softmax_and_masks_the_future():
    rng = np.random.default_rng(0)
    Q, K, V = rng.normal(size=(5, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    out, W = transformer.attention(Q, K, V)
    ref_W = special.softmax(Q @ K.T / 2.0, axis=1)
    np.testing.assert_allclose(W, ref_W, rtol=1e-12)
    np.testing.assert_allclose(out, ref_W @ V, rtol=1e-12)
    out_c, Wc = transformer.attention(Q, K, V, transformer.causal_mask(5))
    assert np.all(Wc[np.triu_indices(5, 1)] == 0)
    np.testing.assert_allclose(Wc.sum(axis=1), 1)
    # row i of the causal weights is the softmax over the first i+1 scores only
    for i in range(5):
        np.testing.assert_allclose(Wc[i, : i + 1], special.softmax(Q[i] @ K[: i + 1].T / 2.0), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), t=st.integers(0, 6))
def test_causal_self_attention_ignores_future_inputs(seed, t):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 3))
    Wq, Wk, Wv = (rng.normal(size=(3, 3)) for _ in range(3))
    out1, _ = transformer.self_attention(X, Wq, Wk, Wv, causal=True)
    X2 = X.copy()
    X2[t + 1 :] = rng.normal(size=X2[t + 1 :].shape)
    out2, _ = transformer.self_attention(X2, Wq, Wk, Wv, causal=True)
    np.testing.assert_allclose(out1[: t + 1], out2[: t + 1], rtol=1e-12)


# ------------------------------------------------------------------ tokens
def test_patchify_matches_sliding_window_view_and_patchtst_count():
    y = np.arange(336.0)
    P = tokens.patchify(y, 16, 8)
    np.testing.assert_array_equal(P, sliding_window_view(y, 16)[::8])
    # PatchTST (Nie et al. 2023): L = 336, P = 16, S = 8 with end padding gives N = 42 patches
    assert tokens.n_patches(336, 16, 8, pad_end=True) == 42
    Pp = tokens.patchify(y, 16, 8, pad_end=True)
    assert Pp.shape == (42, 16)
    np.testing.assert_array_equal(Pp[-1], np.r_[y[-8:], [y[-1]] * 8])
    Y = np.arange(40.0).reshape(20, 2)
    assert tokens.patchify(Y, 4, 4).shape == (5, 4, 2)
    np.testing.assert_array_equal(tokens.variate_tokens(Y), Y.T)


@settings(max_examples=30, deadline=None)
@given(x=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=50))
def test_mean_scale_quantize_round_trip_error_is_half_a_bin(x):
    x = np.array(x)
    tok, s, centres = tokens.mean_scale_quantize(x, n_bins=201, limit=15.0)
    back = tokens.dequantize(tok, s, centres)
    inside = np.abs(x / s) <= 15.0
    half = (centres[1] - centres[0]) / 2 * s
    assert np.all(np.abs(back - x)[inside] <= half * (1 + 1e-9) + 1e-12)


# ------------------------------------------------------------------ state-space layers
@pytest.mark.parametrize("method", ["zoh", "bilinear", "euler"])
def test_discretize_matches_scipy_cont2discrete(method):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4)) - 2 * np.eye(4)
    B = rng.normal(size=4)
    Ab, Bb = ssm.discretize(A, B, 0.1, method)
    ref = signal.cont2discrete((A, B[:, None], np.eye(4), np.zeros((4, 1))), 0.1, method=method)
    np.testing.assert_allclose(Ab, ref[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Bb, ref[1][:, 0], rtol=1e-10, atol=1e-12)


def test_zoh_with_singular_A_is_the_integral():
    # A = 0: Bb = dt B exactly
    Ab, Bb = ssm.discretize(np.zeros((2, 2)), [1.0, 2.0], 0.3)
    np.testing.assert_allclose(Ab, np.eye(2))
    np.testing.assert_allclose(Bb, [0.3, 0.6])


def test_recurrent_and_convolutional_views_agree():
    rng = np.random.default_rng(5)
    A = -np.diag(np.linspace(0.5, 3, 6)) + 0.3 * rng.normal(size=(6, 6))
    Ab, Bb = ssm.discretize(A, rng.normal(size=6), 0.05, "bilinear")
    C = rng.normal(size=6)
    u = rng.normal(size=200)
    K = ssm.ssm_kernel(Ab, Bb, C, 200)
    np.testing.assert_allclose(ssm.ssm_convolve(K, u, 0.5), ssm.ssm_scan(Ab, Bb, C, u, 0.5), rtol=1e-8, atol=1e-10)


def test_selective_scan_with_constant_parameters_is_an_lti_scan():
    rng = np.random.default_rng(6)
    a = -np.linspace(0.5, 2.0, 4)
    B, C, u = rng.normal(size=4), rng.normal(size=4), rng.normal(size=30)
    y = ssm.selective_scan(u, a, np.tile(B, (30, 1)), np.tile(C, (30, 1)), np.full(30, 0.1))
    ref = ssm.ssm_scan(np.diag(np.exp(0.1 * a)), 0.1 * B, C, u)
    np.testing.assert_allclose(y, ref, rtol=1e-12)


# ------------------------------------------------------------------ ODE solvers and neural ODE
def test_rk4_matches_exact_solution_and_scipy_and_is_fourth_order():
    A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
    y0 = np.array([2.0, 0.0])
    from scipy.linalg import expm

    errs = []
    for n in (50, 100):
        t = np.linspace(0, 5, n + 1)
        sol = ode.rk4_solve(lambda _t, y: A @ y, y0, t)
        errs.append(np.max(np.abs(sol[-1] - expm(5 * A) @ y0)))
    assert 12 < errs[0] / errs[1] < 20  # halving dt divides the error by about 2^4 = 16
    t = np.linspace(0, 5, 1001)
    f = lambda _t, y: np.array([-0.1 * y[0] ** 3 + 2 * y[1] ** 3, -2 * y[0] ** 3 - 0.1 * y[1] ** 3])  # noqa: E731
    ref = integrate.solve_ivp(f, (0, 5), y0, t_eval=t, rtol=1e-11, atol=1e-12).y.T
    np.testing.assert_allclose(ode.rk4_solve(f, y0, t), ref, atol=1e-5)  # RK4 error ~ dt^4 ~ 1e-6 here
    eul = ode.euler_solve(lambda _t, y: -y, [1.0], np.linspace(0, 1, 11))
    np.testing.assert_allclose(eul[-1], 0.9**10)


def test_neural_ode_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    p = ode.init_mlp_field(2, 5, rng, scale=0.5)
    for k in p:
        p[k] = p[k] + 0.1 * rng.normal(size=p[k].shape)
    h0 = rng.normal(size=(3, 2))
    t = np.linspace(0, 1, 6)
    tgt = rng.normal(size=(5, 3, 2))
    loss, g = ode.neural_ode_loss_and_grad(p, h0, t, tgt)
    traj = ode.neural_ode_solve(p, h0, t)
    assert loss == pytest.approx(np.mean((traj[1:] - tgt) ** 2), rel=1e-12)
    eps = 1e-6
    for k in p:
        flat = p[k].ravel()
        for idx in range(0, flat.size, max(1, flat.size // 4)):
            q = {kk: vv.copy() for kk, vv in p.items()}
            q[k].ravel()[idx] += eps
            up = ode.neural_ode_loss_and_grad(q, h0, t, tgt)[0]
            q[k].ravel()[idx] -= 2 * eps
            dn = ode.neural_ode_loss_and_grad(q, h0, t, tgt)[0]
            assert g[k].ravel()[idx] == pytest.approx((up - dn) / (2 * eps), rel=1e-5, abs=1e-9)


def test_fit_neural_ode_reduces_the_loss_and_is_reproducible():
    t = np.linspace(0, 6, 121)
    A = np.array([[-0.1, 1.0], [-1.0, -0.1]])
    Y = ode.rk4_solve(lambda _t, y: A @ y, [1.5, 0.0], t)
    p1, l1 = ode.fit_neural_ode(Y, t, 0, hidden=16, n_iter=150, lr=0.02)
    p2, l2 = ode.fit_neural_ode(Y, t, 0, hidden=16, n_iter=150, lr=0.02)
    np.testing.assert_array_equal(l1, l2)
    assert l1[-20:].mean() < 0.2 * l1[:5].mean()


# ------------------------------------------------------------------ diffusion
def test_schedule_and_forward_marginal_moments():
    betas, ab = diffusion.ddpm_schedule(100, 1e-4, 0.02)
    assert ab[-1] == pytest.approx(np.prod(1 - np.linspace(1e-4, 0.02, 100)))
    x0 = np.full((200_000,), 2.0)
    xk, eps = diffusion.q_sample(x0, 50, ab, 1)
    # mean sqrt(ab) * 2, variance 1 - ab; se of mean ~ 0.002, of variance ~ 0.003: 5 se
    assert xk.mean() == pytest.approx(np.sqrt(ab[49]) * 2, abs=0.012)
    assert xk.var() == pytest.approx(1 - ab[49], abs=0.015)


def test_oracle_denoiser_is_the_conditional_mean_of_the_noise():
    # Monte Carlo check of E[eps | x_k] in 1-D: regress eps on x_k
    betas, ab = diffusion.ddpm_schedule(50, 1e-3, 0.05)
    rng = np.random.default_rng(2)
    x0 = rng.normal(1.0, 0.5, (300_000, 1))
    xk, eps = diffusion.q_sample(x0, 20, ab, rng)
    oracle = diffusion.gaussian_eps_oracle([1.0], [[0.25]], ab)
    slope = np.polyfit(xk[:, 0], eps[:, 0], 1)
    pred = oracle(np.array([[0.0], [1.0]]), 20)[:, 0]
    np.testing.assert_allclose(np.polyval(slope, [0.0, 1.0]), pred, atol=0.01)


def test_ddpm_sampler_with_exact_denoiser_recovers_the_gaussian():
    mu = np.array([1.0, 0.5, -0.2])
    L = np.array([[0.6, 0, 0], [0.3, 0.5, 0], [0.1, 0.2, 0.4]])
    Sigma = L @ L.T
    betas, ab = diffusion.ddpm_schedule(400, 1e-4, 0.04)
    x, _ = diffusion.ddpm_sample(diffusion.gaussian_eps_oracle(mu, Sigma, ab), 20_000, 3, betas, 3)
    # Monte Carlo se of the mean ~ 0.005, of covariances ~ 0.003; discretisation bias is smaller; 5 se
    np.testing.assert_allclose(x.mean(axis=0), mu, atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), Sigma, atol=0.025)
