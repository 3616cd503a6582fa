"""Compiled inner loops of the toy autoresearch evaluator.

Two hot loops live here: sampling a long token stream from a Markov chain (done once,
when the frozen corpus is built) and training the tiny bigram language model with
AdamW (done once per experiment). Random numbers are drawn *outside* with a
``numpy.random.Generator`` and passed in, so the compiled code is deterministic and
never touches numba's own random state.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def sample_chain(cum: np.ndarray, uniforms: np.ndarray, start: int) -> np.ndarray:
    """Token stream of a Markov chain by inverse-CDF sampling.

    ``cum[i]`` is the cumulative transition distribution out of state ``i``;
    ``uniforms`` holds one U(0, 1) draw per emitted token.
    """
    n = uniforms.shape[0]
    V = cum.shape[1]
    out = np.empty(n, dtype=np.int64)
    state = start
    for t in range(n):
        u = uniforms[t]
        lo = 0
        hi = V - 1
        while lo < hi:  # first index with cum >= u
            mid = (lo + hi) // 2
            if cum[state, mid] < u:
                lo = mid + 1
            else:
                hi = mid
        state = lo
        out[t] = state
    return out


@njit(cache=True)
def _lr_multiplier(step: int, n_steps: int, warmup: int, warmdown: int) -> float:
    """Linear warm-up to 1, flat, then linear warm-down to 0 (as in the upstream train.py)."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if warmdown > 0 and step >= n_steps - warmdown:
        return (n_steps - step) / warmdown
    return 1.0


@njit(cache=True)
def train_bigram(
    xs: np.ndarray,
    ys: np.ndarray,
    E: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    n_steps: int,
    batch: int,
    lr_embed: float,
    lr_unembed: float,
    weight_decay: float,
    warmup: int,
    warmdown: int,
) -> float:
    """Train ``logits = E[x] @ W + b`` on (x, y) pairs with AdamW, in place.

    Pairs ``s * batch .. (s + 1) * batch - 1`` form the minibatch of step ``s``. The
    embedding ``E`` gets its own learning rate (``lr_embed``); ``W`` and ``b`` share
    ``lr_unembed``. Weight decay is decoupled (AdamW) and applied to ``E`` and ``W``.

    Returns the mean training loss (nats) over the last quarter of the steps, or NaN
    as soon as a loss or parameter stops being finite (the run "crashes").
    """
    V = W.shape[1]
    d = E.shape[1]
    beta1 = 0.9
    beta2 = 0.95
    eps = 1e-8
    mE = np.zeros_like(E)
    vE = np.zeros_like(E)
    mW = np.zeros_like(W)
    vW = np.zeros_like(W)
    mb = np.zeros_like(b)
    vb = np.zeros_like(b)
    gE = np.zeros_like(E)
    gW = np.zeros_like(W)
    gb = np.zeros_like(b)
    p = np.empty(V)
    q = np.empty(V)
    cnt = np.zeros(V, dtype=np.int64)
    C = np.zeros((V, V))
    tail_start = n_steps - max(1, n_steps // 4)
    tail_loss = 0.0
    tail_count = 0
    for s in range(n_steps):
        gE[:, :] = 0.0
        gW[:, :] = 0.0
        gb[:] = 0.0
        # A bigram model's logits depend only on the previous token x, so the batch
        # is reduced to counts C[x, y] first and each distinct x is processed once.
        for k in range(batch):
            i = s * batch + k
            cnt[xs[i]] += 1
            C[xs[i], ys[i]] += 1.0
        loss = 0.0
        for x in range(V):
            if cnt[x] == 0:
                continue
            mx = -np.inf
            for v in range(V):
                z = b[v]
                for j in range(d):
                    z += E[x, j] * W[j, v]
                p[v] = z
                if z > mx:
                    mx = z
            tot = 0.0
            for v in range(V):
                p[v] -= mx
                q[v] = np.exp(p[v])
                tot += q[v]
            logtot = np.log(tot)
            for v in range(V):
                logp = p[v] - logtot
                if C[x, v] > 0:
                    loss -= C[x, v] * logp
                p[v] = cnt[x] * q[v] / tot - C[x, v]  # d loss / d logits, summed over the batch
                C[x, v] = 0.0
            cnt[x] = 0
            for j in range(d):
                acc = 0.0
                exj = E[x, j]
                for v in range(V):
                    gW[j, v] += exj * p[v]
                    acc += W[j, v] * p[v]
                gE[x, j] += acc
            for v in range(V):
                gb[v] += p[v]
        loss /= batch
        if not np.isfinite(loss):
            return np.nan
        if s >= tail_start:
            tail_loss += loss
            tail_count += 1
        mult = _lr_multiplier(s, n_steps, warmup, warmdown)
        t = s + 1
        c1 = 1.0 - beta1**t
        c2 = 1.0 - beta2**t
        inv = 1.0 / batch
        le = lr_embed * mult
        lu = lr_unembed * mult
        for r in range(E.shape[0]):
            for j in range(d):
                g = gE[r, j] * inv
                mE[r, j] = beta1 * mE[r, j] + (1 - beta1) * g
                vE[r, j] = beta2 * vE[r, j] + (1 - beta2) * g * g
                E[r, j] -= le * (mE[r, j] / c1) / (np.sqrt(vE[r, j] / c2) + eps) + le * weight_decay * E[r, j]
        for j in range(d):
            for v in range(V):
                g = gW[j, v] * inv
                mW[j, v] = beta1 * mW[j, v] + (1 - beta1) * g
                vW[j, v] = beta2 * vW[j, v] + (1 - beta2) * g * g
                W[j, v] -= lu * (mW[j, v] / c1) / (np.sqrt(vW[j, v] / c2) + eps) + lu * weight_decay * W[j, v]
        for v in range(V):
            g = gb[v] * inv
            mb[v] = beta1 * mb[v] + (1 - beta1) * g
            vb[v] = beta2 * vb[v] + (1 - beta2) * g * g
            b[v] -= lu * (mb[v] / c1) / (np.sqrt(vb[v] / c2) + eps)
    for r in range(E.shape[0]):
        for j in range(d):
            if not np.isfinite(E[r, j]):
                return np.nan
    return tail_loss / max(tail_count, 1)
