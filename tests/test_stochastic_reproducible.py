"""Every random routine of lessonlib.stochastic gives the same numbers from the same seed."""
from __future__ import annotations

import numpy as np
import pytest

import lessonlib.stochastic as S

GM = S.GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], [np.eye(2) * 0.2, np.eye(2) * 0.3])
SDE = S.VPSDE()
AB = S.alpha_bar(S.beta_schedule(50))
BASIS = S.kl_expansion(lambda s, t: np.exp(-np.abs(s - t) / 0.3), np.linspace(0, 1, 21), 5)


def _score(x, t):
    return SDE.marginal(GM, t).score(x)


RANDOM_ROUTINES = {
    "sample_mvn": lambda r: S.sample_mvn([0, 1], [[1, 0.2], [0.2, 2]], 5, r),
    "sample_categorical": lambda r: S.sample_categorical([0.1, 0.7, 0.2], 20, r),
    "add_gaussian_noise": lambda r: S.add_gaussian_noise(np.zeros((3, 4)), 0.5, r),
    "white_noise": lambda r: S.white_noise(10, r),
    "exp_cov_noise": lambda r: S.exp_cov_noise(10, 0.1, 1.0, r),
    "power_law_noise": lambda r: S.power_law_noise(16, 1.0, r),
    "gaussian_random_field_2d": lambda r: S.gaussian_random_field_2d(8, 2.0, r),
    "simulate_chain": lambda r: S.simulate_chain([[0.8, 0.2], [0.4, 0.6]], 0, 30, r),
    "q_sample": lambda r: S.q_sample(np.ones((4, 2)), np.array([1, 5, 10, 50]), AB, r)[0],
    "forward_chain": lambda r: S.forward_chain(np.ones(4), S.beta_schedule(50), 20, r)[0],
    "toy_data_2d": lambda r: S.toy_data_2d(10, r),
    "denoising_loss": lambda r: np.array(S.denoising_loss(lambda x, t: 0 * x, S.toy_data_2d(10, 0), AB, r)[:2]),
    "brownian_paths": lambda r: S.brownian_paths(2, 1.0, 8, r)[1],
    "euler_maruyama": lambda r: S.euler_maruyama(lambda x, t: -x, lambda x, t: 1.0, 0.0, 1.0, 8, r, n_paths=2)[1],
    "milstein": lambda r: S.milstein(lambda x, t: x, lambda x, t: x, lambda x, t: 1.0, 1.0, 1.0, 8, r, n_paths=2)[1],
    "ou_exact_paths": lambda r: S.ou_exact_paths(1.0, 1.0, 0.0, 0.5, 1.0, 8, 2, r)[1],
    "convergence_study": lambda r: S.convergence_study(r, n_paths=20, n_fine=16, ratios=(1, 2)).em_strong,
    "GaussianMixture.sample": lambda r: GM.sample(6, r)[0],
    "reverse_sde_sample": lambda r: S.reverse_sde_sample(_score, np.zeros((3, 2)), SDE, 10, r),
    "stochastic_heat_mol": lambda r: S.stochastic_heat_mol(np.zeros(5), 0.1, 0.004, 5, r, sigma=1.0)[1],
    "kl_sample": lambda r: S.kl_sample(BASIS, 3, r),
    "random_coefficient_pde_mc": lambda r: S.random_coefficient_pde_mc(9, 5, r).mean,
}


@pytest.mark.parametrize("name", sorted(RANDOM_ROUTINES))
def test_same_seed_same_numbers(name):
    f = RANDOM_ROUTINES[name]
    a = np.asarray(f(123))
    np.testing.assert_array_equal(a, np.asarray(f(123)))
    np.testing.assert_array_equal(a, np.asarray(f(np.random.default_rng(123))))
    assert not np.array_equal(a, np.asarray(f(124)))


@pytest.mark.parametrize("name", sorted(RANDOM_ROUTINES))
def test_no_seed_is_refused(name):
    with pytest.raises(TypeError, match="rng|Generator"):
        RANDOM_ROUTINES[name](None)


def test_every_public_random_routine_is_listed():
    import inspect

    takes_rng = set()
    for name in S.__all__:
        obj = getattr(S, name)
        if inspect.isfunction(obj) and "rng" in inspect.signature(obj).parameters:
            takes_rng.add(name)
    listed = {n.split(".")[0] for n in RANDOM_ROUTINES}
    assert takes_rng <= listed, f"random routines without a reproducibility test: {takes_rng - listed}"
