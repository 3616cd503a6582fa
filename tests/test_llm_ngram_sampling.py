"""Count-based language models and softmax/sampling of lessonlib.llm."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lessonlib.llm import (
    bigram_counts,
    bigram_model,
    cross_entropy,
    entropy,
    log_softmax,
    ngram_counts,
    ngram_prob,
    perplexity,
    sample_token,
    sequence_log_likelihood,
    sequence_log_probs,
    softmax,
    top_k_filter,
    top_p_filter,
)

SEQS = [[0, 1, 2, 3, 4], [0, 1, 3, 4], [0, 2, 3, 4]]


def test_bigram_counts_and_mle_against_hand_counts():
    C = bigram_counts(SEQS, 5)
    assert C[0].tolist() == [0, 2, 1, 0, 0]  # <s> is followed by 1 twice, by 2 once
    assert C[3, 4] == 3
    P = bigram_model(C)
    np.testing.assert_allclose(P[0], [0, 2 / 3, 1 / 3, 0, 0])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[4], 0.2)  # unseen context -> uniform


def test_add_alpha_smoothing_formula():
    C = bigram_counts(SEQS, 5)
    P = bigram_model(C, alpha=1.0)
    np.testing.assert_allclose(P[0], (C[0] + 1) / (C[0].sum() + 5))


def test_ngram_with_n2_equals_bigram():
    table = ngram_counts(SEQS, 2)
    P = bigram_model(bigram_counts(SEQS, 5), alpha=0.5)
    for a in range(4):
        for b in range(5):
            assert ngram_prob(table, [a], b, 5, alpha=0.5) == pytest.approx(P[a, b])
    t3 = ngram_counts(SEQS, 3)
    assert ngram_prob(t3, [0, 1], 2, 5) == pytest.approx(0.5)
    assert ngram_prob(t3, [4, 4], 2, 5) == pytest.approx(0.2)


def test_log_likelihood_is_log_of_chain_rule_product():
    P = bigram_model(bigram_counts(SEQS, 5))
    seq = [0, 1, 2, 3, 4]
    direct = P[0, 1] * P[1, 2] * P[2, 3] * P[3, 4]
    assert sequence_log_likelihood(P, seq) == pytest.approx(math.log(direct))
    lp = sequence_log_probs(P, seq)
    assert perplexity(lp.sum(), lp.size) == pytest.approx(direct ** (-1 / 4))
    assert cross_entropy(lp) == pytest.approx(-math.log(direct) / 4)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 50), st.lists(st.integers(0, 10**6), min_size=2, max_size=30))
def test_perplexity_of_uniform_model_is_V(V, raw):
    P = np.full((V, V), 1.0 / V)
    seq = [r % V for r in raw]
    lp = sequence_log_probs(P, seq)
    assert perplexity(float(lp.sum()), lp.size) == pytest.approx(V, rel=1e-12)


finite_logits = arrays(np.float64, st.integers(1, 12), elements=st.floats(-50, 50))


@settings(max_examples=100, deadline=None)
@given(finite_logits, st.floats(-100, 100), st.floats(0.05, 20))
def test_softmax_invariances(z, c, T):
    p = softmax(z, temperature=T)
    assert np.all(p >= 0) and p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(softmax(z + c, temperature=T), p, atol=1e-12)  # shift invariance
    np.testing.assert_allclose(p, scipy.special.softmax(z / T), atol=1e-12)
    np.testing.assert_allclose(log_softmax(z, temperature=T), scipy.special.log_softmax(z / T), atol=1e-9)
    perm = np.random.default_rng(0).permutation(z.size)
    np.testing.assert_allclose(softmax(z[perm], temperature=T), p[perm], atol=1e-12)  # permutation equivariance
    assert p[int(np.argmax(z))] == pytest.approx(p.max())  # the largest logit gets the largest probability


def test_softmax_temperature_limits():
    z = np.array([2.0, 1.0, 0.1])
    assert softmax(z, temperature=1e-3).tolist() == pytest.approx([1, 0, 0])
    np.testing.assert_allclose(softmax(z, temperature=1e6), 1 / 3, atol=1e-5)
    assert entropy(softmax(z, temperature=0.5)) < entropy(softmax(z)) < entropy(softmax(z, temperature=2))
    assert softmax([1000.0, 0.0]).tolist() == pytest.approx([1.0, 0.0])  # no overflow
    with pytest.raises(ValueError, match="temperature"):
        softmax(z, temperature=0)


def test_entropy_matches_scipy():
    p = softmax([1.0, 2.0, 3.0, -1.0])
    assert entropy(p) == pytest.approx(scipy.stats.entropy(p))


def test_top_k_and_top_p_filters():
    p = np.array([0.1, 0.4, 0.3, 0.15, 0.05])
    np.testing.assert_allclose(top_k_filter(p, 2), [0, 4 / 7, 3 / 7, 0, 0])
    # sorted 0.4, 0.3, 0.15 ... cumulative 0.4, 0.7, 0.85: top_p = 0.8 keeps three tokens
    np.testing.assert_allclose(top_p_filter(p, 0.8), [0, 0.4 / 0.85, 0.3 / 0.85, 0.15 / 0.85, 0])
    np.testing.assert_allclose(top_p_filter(p, 0.7), [0, 0.4 / 0.7, 0.3 / 0.7, 0, 0])
    np.testing.assert_allclose(top_p_filter(p, 1.0), p)
    np.testing.assert_allclose(top_k_filter(p, 5), p)


def test_sample_token_frequencies_and_reproducibility():
    z = np.log([0.5, 0.3, 0.2])
    draws = sample_token(z, 7, size=20000)
    freq = np.bincount(draws, minlength=3) / 20000
    # standard error of a frequency is at most sqrt(0.25/20000) = 0.0035; allow 5 SE
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.2], atol=0.018)
    assert np.array_equal(draws, sample_token(z, 7, size=20000))
    assert set(sample_token(z, 3, top_k=1, size=50)) == {0}
    with pytest.raises(TypeError, match="rng"):
        sample_token(z, None)
