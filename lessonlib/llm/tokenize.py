"""Turning text into integers: naive word IDs and a small byte-level BPE tokenizer.

The BPE here follows the recipe of Sennrich, Haddow and Birch (2016) on bytes, the
way GPT-2 style tokenizers do it: the base vocabulary is the 256 byte values, so every
string can be encoded (no unknown token) and decoding is exact. Training repeatedly
merges the most frequent adjacent pair of symbols inside pre-tokenised "words" (a
word carries its leading space). Ties are broken by first occurrence in the corpus,
which makes training deterministic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .._validate import check_int

__all__ = [
    "word_ids",
    "pretokenize",
    "BPEModel",
    "train_toy_bpe",
    "bpe_encode",
    "bpe_decode",
    "bpe_pieces",
]

_WORD = re.compile(r"[A-Za-z0-9']+|[^\sA-Za-z0-9']")
_PRETOKEN = re.compile(r" ?\S+|\s+")


def word_ids(text: str, *, start: int = 1, lowercase: bool = False) -> tuple[list[int], dict[str, int]]:
    """Number the distinct words of ``text`` in order of first appearance.

    Punctuation marks are separate symbols and are dropped; this is the naive
    "one integer per word" scheme that the chapter criticises.

    Parameters
    ----------
    text : str
        A sentence.
    start : int
        ID of the first word (1, as in the text's table, or 0 as in NumPy).
    lowercase : bool
        Fold case before numbering.

    Returns
    -------
    ids : list of int
        The sentence as word IDs.
    vocab : dict
        Word -> ID, in order of first appearance.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    start = check_int(start, "start", minimum=0)
    words = [w for w in _WORD.findall(text.lower() if lowercase else text) if re.match(r"[A-Za-z0-9']", w)]
    vocab: dict[str, int] = {}
    for w in words:
        if w not in vocab:
            vocab[w] = start + len(vocab)
    return [vocab[w] for w in words], vocab


def pretokenize(text: str) -> list[str]:
    """Split ``text`` into chunks that BPE never merges across.

    A chunk is a run of non-space characters with at most one leading space, or a run
    of whitespace that no word follows. Concatenating the chunks gives ``text`` back.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _PRETOKEN.findall(text)


@dataclass(frozen=True)
class BPEModel:
    """A trained byte-level BPE tokenizer.

    Attributes
    ----------
    merges : list of (int, int)
        The learned merges, in order; merge ``k`` creates token ID ``256 + k``.
    vocab : dict
        Token ID -> the bytes it stands for (256 single bytes plus one entry per merge).
    counts : list of int
        How often each merged pair occurred in the corpus when it was chosen.
    """

    merges: list[tuple[int, int]]
    vocab: dict[int, bytes] = field(repr=False)
    counts: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Vocabulary size V (256 bytes plus the merges)."""
        return len(self.vocab)

    def piece(self, token_id: int) -> str:
        """Readable text of one token (spaces shown as ``␣``; invalid UTF-8 as escapes)."""
        return self.vocab[token_id].decode("utf-8", errors="backslashreplace").replace(" ", "␣")


def _base_vocab() -> dict[int, bytes]:
    return {i: bytes([i]) for i in range(256)}


def _merge_word(word: tuple[int, ...], pair: tuple[int, int], new_id: int) -> tuple[int, ...]:
    out: list[int] = []
    i = 0
    n = len(word)
    while i < n:
        if i + 1 < n and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train_toy_bpe(corpus: str | Iterable[str], n_merges: int) -> BPEModel:
    """Learn ``n_merges`` byte-pair merges from a (tiny) corpus.

    Parameters
    ----------
    corpus : str or iterable of str
        Training text; several strings are treated as separate documents.
    n_merges : int
        Number of merges to learn. Training stops early when no pair occurs twice
        (merging a pair seen once compresses nothing that generalises).

    Returns
    -------
    BPEModel
        The merges, the vocabulary and the pair count of each merge.
    """
    docs = [corpus] if isinstance(corpus, str) else list(corpus)
    for k, d in enumerate(docs):
        if not isinstance(d, str):
            raise TypeError(f"corpus[{k}] must be a str, got {type(d).__name__}")
    n_merges = check_int(n_merges, "n_merges", minimum=0)
    freq: dict[tuple[int, ...], int] = {}
    for d in docs:
        for chunk in pretokenize(d):
            w = tuple(chunk.encode("utf-8"))
            freq[w] = freq.get(w, 0) + 1
    vocab = _base_vocab()
    merges: list[tuple[int, int]] = []
    counts: list[int] = []
    for k in range(n_merges):
        pairs: dict[tuple[int, int], int] = {}
        for w, c in freq.items():  # insertion order = first occurrence in the corpus
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(pairs, key=pairs.__getitem__)  # first maximal pair wins ties
        if pairs[best] < 2:
            break
        new_id = 256 + k
        merges.append(best)
        counts.append(pairs[best])
        vocab[new_id] = vocab[best[0]] + vocab[best[1]]
        new_freq: dict[tuple[int, ...], int] = {}
        for w, c in freq.items():
            nw = _merge_word(w, best, new_id)
            new_freq[nw] = new_freq.get(nw, 0) + c
        freq = new_freq
    return BPEModel(merges=merges, vocab=vocab, counts=counts)


def _encode_chunk(chunk: bytes, ranks: dict[tuple[int, int], int]) -> list[int]:
    word = tuple(chunk)
    while len(word) > 1:
        cand = [(ranks[p], p) for p in zip(word, word[1:]) if p in ranks]
        if not cand:
            break
        r, pair = min(cand)
        word = _merge_word(word, pair, 256 + r)
    return list(word)


def bpe_encode(text: str, model: BPEModel) -> list[int]:
    """Encode ``text`` into token IDs with a trained :class:`BPEModel`.

    Inside each pre-token the earliest-learned applicable merge is applied first,
    repeatedly, which reproduces the segmentation seen during training.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(model, BPEModel):
        raise TypeError(f"model must be a BPEModel, got {type(model).__name__}")
    ranks = {p: k for k, p in enumerate(model.merges)}
    ids: list[int] = []
    for chunk in pretokenize(text):
        ids.extend(_encode_chunk(chunk.encode("utf-8"), ranks))
    return ids


def bpe_decode(ids: Sequence[int], model: BPEModel) -> str:
    """Turn token IDs back into text (exact inverse of :func:`bpe_encode`)."""
    if not isinstance(model, BPEModel):
        raise TypeError(f"model must be a BPEModel, got {type(model).__name__}")
    try:
        data = b"".join(model.vocab[int(i)] for i in ids)
    except KeyError as exc:
        raise ValueError(f"ids contains an unknown token ID {exc.args[0]}") from None
    return data.decode("utf-8", errors="replace")


def bpe_pieces(text: str, model: BPEModel) -> list[str]:
    """The readable pieces of ``text`` after encoding (spaces shown as ``␣``)."""
    return [model.piece(i) for i in bpe_encode(text, model)]
