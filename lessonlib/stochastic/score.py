"""Score functions and score-based sampling with the variance-preserving SDE (chapter 1.3).

The toy model is a Gaussian mixture, for which everything is exact: its score
``∇ log p``, and the density ``p_t`` of the forward noising SDE at every time ``t``
(again a Gaussian mixture). With the exact score, the reverse-time SDE and the
probability-flow ODE turn standard normal samples back into mixture samples; a
neural network would only replace :meth:`GaussianMixture.score` by an estimate.

Forward SDE (Song et al. 2021, "VP-SDE"):

.. math:: dX_t = -\\tfrac12\\beta(t) X_t\\,dt + \\sqrt{\\beta(t)}\\,dW_t, \\qquad
          \\beta(t) = \\beta_{\\min} + t(\\beta_{\\max}-\\beta_{\\min}),\\ t \\in [0, 1].

Given ``X_0 = x_0`` it has ``X_t ~ N(e^{-B(t)/2} x_0, (1 - e^{-B(t)}) I)`` with
``B(t) = ∫_0^t β``, so ``p_t`` of a mixture is a mixture with shrunk means and
inflated covariances.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._validate import as_float_array, check_finite, check_in_range, check_int, check_positive, check_rng
from .probability import sample_categorical

__all__ = [
    "GaussianMixture",
    "VPSDE",
    "reverse_sde_sample",
    "probability_flow_sample",
]


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture ``p(x) = Σ_k w_k N(x; m_k, Σ_k)`` in ``R^d``.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Non-negative, summing to 1.
    means : array_like, shape (K, d)
    covs : array_like, shape (K, d, d)
        Symmetric positive definite.
    """

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray

    def __post_init__(self) -> None:
        w = check_finite(as_float_array(self.weights, "weights", ndim=1), "weights")
        m = check_finite(as_float_array(self.means, "means", ndim=2), "means")
        c = check_finite(as_float_array(self.covs, "covs", ndim=3), "covs")
        K, d = m.shape
        if w.shape != (K,):
            raise ValueError(f"weights must have {K} entries (one per mean), got {w.shape[0]}")
        if np.any(w < 0) or abs(w.sum() - 1.0) > 1e-9:
            raise ValueError("weights must be non-negative and sum to 1")
        if c.shape != (K, d, d):
            raise ValueError(f"covs must have shape ({K}, {d}, {d}), got {c.shape}")
        if not np.allclose(c, np.swapaxes(c, 1, 2)):
            raise ValueError("covs must be symmetric")
        try:
            chol = np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ValueError("covs must be positive definite") from None
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", m)
        object.__setattr__(self, "covs", c)
        object.__setattr__(self, "_chol", chol)
        object.__setattr__(self, "_prec", np.linalg.inv(c))

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return self.means.shape[1]

    def _points(self, x: Any) -> tuple[np.ndarray, bool]:
        x = as_float_array(x, "x", ndim=(1, 2))
        single = x.ndim == 1
        x2 = np.atleast_2d(x)
        if x2.shape[1] != self.dim:
            raise ValueError(f"x must have {self.dim} columns, got shape {x.shape}")
        return x2, single

    def _terms(self, x2: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Log of ``w_k N(x; m_k, Σ_k)`` (shape ``(K, n)``) and ``Σ_k^{-1}(x - m_k)`` (each ``(d, n)``).

        Points are laid out as columns so that every reduction runs over a short
        leading axis (fast in NumPy).
        """
        K, d = self.means.shape
        xt = np.ascontiguousarray(x2.T)
        logdet = 2.0 * np.sum(np.log(np.diagonal(self._chol, axis1=1, axis2=2)), axis=1)
        with np.errstate(divide="ignore"):
            lw = np.log(self.weights)
        out = np.empty((K, xt.shape[1]))
        grads = []
        for k in range(K):
            diff = xt - self.means[k][:, None]
            pd = self._prec[k] @ diff
            out[k] = lw[k] - 0.5 * ((diff * pd).sum(axis=0) + logdet[k] + d * np.log(2.0 * np.pi))
            grads.append(pd)
        return out, grads

    @staticmethod
    def _normalise(lt: np.ndarray) -> np.ndarray:
        r = np.exp(lt - lt.max(axis=0))
        return r / r.sum(axis=0)

    def logpdf(self, x: Any) -> np.ndarray:
        """``log p(x)`` at one point ``(d,)`` or at the rows of ``(n, d)``."""
        from scipy.special import logsumexp

        x2, single = self._points(x)
        out = logsumexp(self._terms(x2)[0], axis=0)
        return out[0] if single else out

    def pdf(self, x: Any) -> np.ndarray:
        """``p(x)``."""
        return np.exp(self.logpdf(x))

    def responsibilities(self, x: Any) -> np.ndarray:
        """``r_k(x) = w_k N(x; m_k, Σ_k) / p(x)``, shape ``(n, K)``."""
        x2, _ = self._points(x)
        return self._normalise(self._terms(x2)[0]).T

    def score(self, x: Any) -> np.ndarray:
        """The score ``∇_x log p(x) = -Σ_k r_k(x) Σ_k^{-1} (x - m_k)``, same shape as ``x``."""
        x2, single = self._points(x)
        lt, grads = self._terms(x2)
        r = self._normalise(lt)
        g = np.zeros((x2.shape[1], x2.shape[0]))
        for k, pd in enumerate(grads):
            g -= r[k] * pd
        g = g.T
        return g[0] if single else g

    def sample(self, n: int, rng: Any) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` points: a component ``k`` with probability ``w_k``, then ``m_k + L_k z``.

        Returns
        -------
        x : numpy.ndarray, shape (n, d)
        labels : numpy.ndarray of int, shape (n,)
        """
        n = check_int(n, "n", minimum=1)
        rng = check_rng(rng)
        labels = sample_categorical(self.weights, n, rng)
        z = rng.standard_normal((n, self.dim))
        x = self.means[labels] + np.einsum("nij,nj->ni", self._chol[labels], z)
        return x, labels

    def noised(self, scale: float, noise_var: float) -> "GaussianMixture":
        """The law of ``scale · X + sqrt(noise_var) · ε`` with ``X ~ p`` and independent ``ε ~ N(0, I)``.

        Component means become ``scale · m_k`` and covariances
        ``scale² Σ_k + noise_var I``. DDPM's ``q(x_t)`` is ``noised(sqrt(ᾱ_t), 1 - ᾱ_t)``.
        """
        scale = float(as_float_array(scale, "scale", ndim=0))
        noise_var = check_positive(noise_var, "noise_var", strict=False)
        covs = scale**2 * self.covs + noise_var * np.eye(self.dim)[None, :, :]
        return GaussianMixture(self.weights.copy(), scale * self.means, covs)


@dataclass(frozen=True)
class VPSDE:
    """Variance-preserving forward SDE ``dX = -½β(t)X dt + sqrt(β(t)) dW`` on ``[0, 1]``.

    ``β(t) = beta_min + t (beta_max - beta_min)``; the defaults 0.1 and 20 are those of
    Song et al. (2021), the continuous limit of DDPM's linear schedule.
    """

    beta_min: float = 0.1
    beta_max: float = 20.0

    def __post_init__(self) -> None:
        check_positive(self.beta_min, "beta_min")
        if check_positive(self.beta_max, "beta_max") < self.beta_min:
            raise ValueError("beta_max must be >= beta_min")

    def beta(self, t: Any) -> np.ndarray:
        """Noise rate ``β(t)``."""
        return self.beta_min + np.asarray(t, dtype=float) * (self.beta_max - self.beta_min)

    def int_beta(self, t: Any) -> np.ndarray:
        """``B(t) = ∫_0^t β(s) ds = beta_min t + ½ (beta_max - beta_min) t²``."""
        t = np.asarray(t, dtype=float)
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t * t

    def drift(self, x: np.ndarray, t: float) -> np.ndarray:
        """``f(x, t) = -½ β(t) x``."""
        return -0.5 * self.beta(t) * x

    def diffusion(self, t: float) -> np.ndarray:
        """``g(t) = sqrt(β(t))``."""
        return np.sqrt(self.beta(t))

    def marginal_coeffs(self, t: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(e^{-B/2}, 1 - e^{-B})``: ``X_t | X_0 ~ N(scale · X_0, noise_var · I)``."""
        B = self.int_beta(t)
        return np.exp(-0.5 * B), -np.expm1(-B)

    def marginal(self, p0: GaussianMixture, t: float) -> GaussianMixture:
        """``p_t`` when ``X_0 ~ p0`` (a Gaussian mixture)."""
        s, v = self.marginal_coeffs(check_in_range(t, "t", 0.0, 1.0))
        return p0.noised(float(s), float(v))


ScoreFn = Callable[[np.ndarray, float], np.ndarray]


def _check_start(x_T: Any, t_min: float, n_steps: int):
    x = check_finite(as_float_array(x_T, "x_T", ndim=2), "x_T").copy()
    t_min = check_in_range(t_min, "t_min", 0.0, 1.0, high_inclusive=False)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    return x, t_min, n_steps


def reverse_sde_sample(
    score: ScoreFn,
    x_T: Any,
    sde: VPSDE,
    n_steps: int,
    rng: Any,
    *,
    t_min: float = 1e-3,
) -> np.ndarray:
    """Integrate the reverse-time SDE from ``t = 1`` down to ``t_min`` with Euler–Maruyama.

    Anderson's (1982) reverse-time SDE of the forward ``dX = f dt + g dW`` is
    ``dX = [f(X, t) - g(t)^2 ∇log p_t(X)] dt + g(t) dW̄`` run backwards in time. One
    step of size ``h`` from ``t`` to ``t - h`` is

    ``x ← x - h [f(x, t) - g(t)² s(x, t)] + g(t) sqrt(h) z``.

    Parameters
    ----------
    score : callable ``(x, t) -> array``
        ``∇_x log p_t(x)`` for points ``x`` of shape ``(n, d)``.
    x_T : array_like, shape (n, d)
        Starting points, samples of ``p_1`` (≈ N(0, I)).
    sde : VPSDE
    n_steps : int
    rng : numpy.random.Generator or int
    t_min : float
        Final time (small, > = 0).

    Returns
    -------
    numpy.ndarray, shape (n, d)
        Approximate samples of ``p_{t_min}``.
    """
    x, t_min, n_steps = _check_start(x_T, t_min, n_steps)
    rng = check_rng(rng)
    h = (1.0 - t_min) / n_steps
    t = 1.0
    for _ in range(n_steps):
        g2 = float(sde.beta(t))
        drift = sde.drift(x, t) - g2 * score(x, t)
        x = x - h * drift + np.sqrt(g2 * h) * rng.standard_normal(x.shape)
        t -= h
    return x


def probability_flow_sample(
    score: ScoreFn,
    x_T: Any,
    sde: VPSDE,
    n_steps: int,
    *,
    t_min: float = 1e-3,
) -> np.ndarray:
    """Integrate the probability-flow ODE ``dx/dt = f(x, t) - ½ g(t)² ∇log p_t(x)`` from 1 to ``t_min``.

    Deterministic: classical fourth-order Runge–Kutta with ``n_steps`` equal steps
    backwards in time. Its solutions have the same marginals ``p_t`` as the SDE
    (Song et al. 2021), so the end points are samples of ``p_{t_min}`` when the start
    points are samples of ``p_1``.
    """
    x, t_min, n_steps = _check_start(x_T, t_min, n_steps)
    h = (1.0 - t_min) / n_steps

    def F(y: np.ndarray, s: float) -> np.ndarray:
        return sde.drift(y, s) - 0.5 * float(sde.beta(s)) * score(y, s)

    t = 1.0
    for _ in range(n_steps):
        k1 = F(x, t)
        k2 = F(x - 0.5 * h * k1, t - 0.5 * h)
        k3 = F(x - 0.5 * h * k2, t - 0.5 * h)
        k4 = F(x - h * k3, t - h)
        x = x - (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        t -= h
    return x
