"""The normalization applied to both sides, and 64-bit n-gram hashes with character spans.

Normalization (the same for benchmark text and training text): words are the tokens of
`dataprep.text.split_words` (each Han/Kana/Thai/... character one word), so whitespace between
words is ignored whatever it is; each word is lowercased, NFKC-normalized when not ASCII, and
stripped of every punctuation and symbol character (Unicode categories P* and S*: the
in-word ' ’ - that split_words keeps, the separators inside numbers, and symbol runs such as
">>>" or "->", which split_words counts as words); a word left empty is no word. So "Don’t",
"don't" and "DONT" are one word, as are "3,000" and "3000", and ">>> f(x)" is "f x".
Numbers are kept (a GSM8K answer is one).

An n-gram's hash is a polynomial of its words' xxh3-64 hashes mod 2**64, finalized with
murmur3's fmix64 mixed with the length, computed for all positions at once in numpy. A
false hit needs a 64-bit collision: with an index of K n-grams each lookup is wrong with
probability K / 2**64 (5e-11 for a billion-n-gram index).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import xxhash

# The word patterns of split_words, used with finditer for the character spans that cutting needs.
from dataprep.text import _SPACED_WORD_RE, _WORD_RE, has_spaceless_chars

# ASCII punctuation and symbols (all of string.punctuation is P* or S*), deleted by translate.
_ASCII_DROP = str.maketrans("", "", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_PRIME = np.uint64(0x100000001B3)  # FNV-64 prime: odd, so the polynomial is a bijection per step
_LENGTH_MIX = 0x9E3779B97F4A7C15
_U64 = np.uint64


def normalize_word(word: str) -> str:
    word = word.lower()
    if word.isascii():
        return word.translate(_ASCII_DROP)
    if not unicodedata.is_normalized("NFKC", word):
        word = unicodedata.normalize("NFKC", word)
    return "".join(char for char in word if unicodedata.category(char)[0] not in "PS")


def words_with_spans(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Normalized words of `text` and their character starts and ends in `text`."""
    pattern = _WORD_RE if has_spaceless_chars(text) else _SPACED_WORD_RE
    words, starts, ends = [], [], []
    for match in pattern.finditer(text):
        word = normalize_word(match.group())
        if word:
            words.append(word)
            starts.append(match.start())
            ends.append(match.end())
    return words, np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def normalized_words(text: str) -> list[str]:
    return words_with_spans(text)[0]


def word_hashes(words: list[str]) -> np.ndarray:
    return np.fromiter((xxhash.xxh3_64_intdigest(word.encode("utf-8", "surrogatepass")) for word in words),
                       dtype=np.uint64, count=len(words))


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def ngram_hashes(hashes: np.ndarray, size: int) -> np.ndarray:
    """Hash of every `size`-gram of the word hashes, in position order (empty if too few words)."""
    count = len(hashes) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        acc = np.zeros(count, dtype=np.uint64)
        for offset in range(size):
            acc = acc * _PRIME + hashes[offset:offset + count]
        return _fmix64(acc ^ _U64((size * _LENGTH_MIX) % (1 << 64)))


def text_ngram_hash(words: list[str]) -> int:
    """The hash of one whole word sequence (a short eval text matched whole)."""
    return int(ngram_hashes(word_hashes(words), len(words))[0])
