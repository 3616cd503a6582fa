"""Tokenizers and embeddings of lessonlib.llm, each against an independent reference."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lessonlib.llm import (
    bpe_decode,
    bpe_encode,
    bpe_pieces,
    embedding_lookup,
    one_hot,
    one_hot_matmul,
    pretokenize,
    train_toy_bpe,
    word_ids,
)

CORPUS = "low low low low low lower lower newest newest newest newest newest newest widest widest widest"


def reference_bpe(corpus: str, n_merges: int) -> list[tuple[bytes, bytes]]:
    """Sennrich et al.'s algorithm on space-separated symbol strings (hex bytes), written independently."""
    words: dict[str, int] = {}
    for chunk in re.findall(r" ?\S+|\s+", corpus):
        key = " ".join(f"{b:02x}" for b in chunk.encode("utf-8"))
        words[key] = words.get(key, 0) + 1
    merges = []
    for _ in range(n_merges):
        pairs: dict[tuple[str, str], int] = {}
        for w, c in words.items():
            sym = w.split(" ")
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        if pairs[best] < 2:
            break
        merges.append((bytes.fromhex(best[0]), bytes.fromhex(best[1])))
        pat = re.compile(r"(?<!\S)" + re.escape(" ".join(best)) + r"(?!\S)")
        words = {pat.sub("".join(best), w): c for w, c in words.items()}
        # merged symbols are concatenated hex strings, so they stay valid hex
    return merges


def test_word_ids_of_the_source_sentence():
    ids, vocab = word_ids("Mathematics is the language of AI.")
    assert ids == [1, 2, 3, 4, 5, 6]
    assert list(vocab) == ["Mathematics", "is", "the", "language", "of", "AI"]
    ids0, _ = word_ids("the cat saw the dog", start=0)
    assert ids0 == [0, 1, 2, 0, 3]


def test_pretokenize_covers_text():
    text = "Hello,  world!\n  new line  "
    assert "".join(pretokenize(text)) == text


def test_bpe_merges_match_reference_algorithm():
    model = train_toy_bpe(CORPUS, 10)
    ref = reference_bpe(CORPUS, 10)
    got = [(model.vocab[a], model.vocab[b]) for a, b in model.merges]
    assert got == ref
    assert model.piece(256) == "es"  # e+s occurs 6 + 3 = 9 times, the most frequent pair
    assert model.counts[0] == 9


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="abcde ", min_size=5, max_size=80), st.integers(0, 15))
def test_bpe_merges_match_reference_on_random_corpora(corpus, n):
    model = train_toy_bpe(corpus, n)
    got = [(model.vocab[a], model.vocab[b]) for a, b in model.merges]
    assert got == reference_bpe(corpus, n)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_bpe_round_trip_on_random_text(text):
    model = train_toy_bpe(CORPUS + " mathematics is the language of ai", 25)
    assert bpe_decode(bpe_encode(text, model), model) == text


def test_bpe_encoding_of_training_words_is_compressed():
    model = train_toy_bpe(CORPUS, 10)
    assert bpe_pieces(" newest", model) == ["␣newest"]
    ids = bpe_encode(CORPUS, model)
    assert len(ids) < len(CORPUS.encode())
    assert max(ids) < model.size


def test_bpe_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_merges"):
        train_toy_bpe("abc", -1)
    with pytest.raises(TypeError, match="text"):
        bpe_encode(3, train_toy_bpe("ab ab", 1))


def test_one_hot_source_example_one_based():
    assert one_hot(3, 5, base=1).tolist() == [0, 0, 1, 0, 0]
    assert one_hot(2, 5).tolist() == [0, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="ids"):
        one_hot(5, 5)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.lists(st.integers(0, 1000), min_size=1, max_size=10), st.integers(0, 2**31))
def test_embedding_lookup_equals_one_hot_product(V, d, raw, seed):
    E = np.random.default_rng(seed).normal(size=(V, d))
    ids = np.array([r % V for r in raw])
    np.testing.assert_allclose(embedding_lookup(E, ids), one_hot_matmul(E, ids), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(embedding_lookup(E, ids), np.take(E, ids, axis=0))


def test_embedding_batch_shape():
    E = np.arange(20.0).reshape(5, 4)
    ids = np.array([[0, 1, 2], [4, 3, 2]])
    assert embedding_lookup(E, ids).shape == (2, 3, 4)
    assert one_hot(ids, 5).sum(axis=-1).tolist() == [[1, 1, 1], [1, 1, 1]]
