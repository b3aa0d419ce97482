"""MinHash signatures: bit-identical to `datasketch.MinHash` (its default "affine32" scheme) for
the same shingles, seed and hash function, with a numpy fast path; band keys and sketches.
"""

from __future__ import annotations

import hashlib
import struct
from typing import TYPE_CHECKING, Iterable

import numpy as np
import xxhash

from dataprep.dedup.keys import normalized_words, shingles

if TYPE_CHECKING:
    from dataprep.dedup.config import MinHashConfig

# --- hashing -----------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
# Multiplier of the per-shingle polynomial over word hashes (the 64-bit golden ratio; odd).
_COMBINE = 0x9E3779B97F4A7C15
_COMBINE_U64 = np.uint64(_COMBINE)


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


# MurmurHash3's finalizers as (shift, multiplier, shift, multiplier, shift), in their lane type:
# the 64-bit one for shingle hashes, the 32-bit one as datasketch's affine32 scheme applies it.
_FMIX64 = tuple(map(np.uint64, (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)))
_FMIX32 = tuple(map(np.uint32, (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)))


def _fmix(h: np.ndarray, finalizer: tuple) -> np.ndarray:
    shift1, multiplier1, shift2, multiplier2, shift3 = finalizer
    h = h ^ (h >> shift1)
    h = h * multiplier1
    h = h ^ (h >> shift2)
    h = h * multiplier2
    return h ^ (h >> shift3)


def shingle_hash32(shingle: bytes) -> int:
    """The xxh3 shingle hash: a 32-bit hash of a space-joined shingle, from its words' xxh3-64.

    h = Σ xxh3_64(word_i) · C^(k-1-i) mod 2^64, then the MurmurHash3 64-bit finalizer, high 32
    bits. It is a function of the shingle's bytes alone, so `datasketch.MinHash(hashfunc=
    shingle_hash32)` is a valid reference; the fast path computes the same value from one hash
    per word instead of one per shingle (5× fewer hash calls, no shingle strings built).
    """
    h = 0
    for word in shingle.split(b" "):
        h = (h * _COMBINE + xxhash.xxh3_64_intdigest(word)) & _MASK64
    return _fmix64_int(h) >> 32


def sha1_hash32(shingle: bytes) -> int:
    """datasketch's default hash (`datasketch.hashfunc.sha1_hash32`): first 4 SHA-1 bytes, little-endian."""
    return struct.unpack("<I", hashlib.sha1(shingle).digest()[:4])[0]


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b) for `MinHash(num_perm, seed)`.

    Drawn from numpy's legacy RandomState, whose stream numpy keeps stable across versions:
    the same seed gives the same permutations on every worker and every run.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's value for a permutation that saw no input

# Shingle hashes are permuted this many at a time: a (num_perm × chunk) uint32 block (~1 MB
# for 112 × 2048) stays in cache, and a 1M-word book never builds a 450 MB matrix.
_CHUNK = 2048


class MinHasher:
    """Signatures and band keys for one MinHash configuration; cheap to build (in `setup()`)."""

    def __init__(self, config: MinHashConfig):
        self.config = config
        self.num_perm = config.num_perm
        self.ngram = config.ngram
        self.bands, self.rows = config.bands_rows()
        a, b = permutations(config.num_perm, config.seed)
        self._a = a[:, None]
        self._b = b[:, None]

    # Shingle hashes -------------------------------------------------------------------

    def shingle_hashes(self, text: str) -> np.ndarray:
        """uint32 hash of every shingle of `text` (with repeats), by the configured hash."""
        return self.hashes_of_words(normalized_words(text))

    def hashes_of_words(self, words: list[str]) -> np.ndarray:
        """uint32 hash of every shingle of already normalized words."""
        if not words:
            return np.empty(0, dtype=np.uint32)
        if self.config.hash == "sha1":
            return np.array([sha1_hash32(s.encode("utf-8")) for s in shingles(words, self.ngram)], dtype=np.uint32)
        # One encode and one split: words never contain whitespace.
        encoded = " ".join(words).encode("utf-8").split(b" ")
        word_hashes = np.fromiter(map(xxhash.xxh3_64_intdigest, encoded), dtype=np.uint64, count=len(encoded))
        count = len(word_hashes) - self.ngram + 1
        if count <= 1:  # one shingle of all the words, as `shingles` makes
            h = 0
            for value in word_hashes.tolist():
                h = (h * _COMBINE + value) & _MASK64
            return np.array([_fmix64_int(h) >> 32], dtype=np.uint32)
        h = word_hashes[:count].copy()
        for i in range(1, self.ngram):
            h *= _COMBINE_U64
            h += word_hashes[i:i + count]
        return (_fmix(h, _FMIX64) >> np.uint64(32)).astype(np.uint32)

    # Signatures -----------------------------------------------------------------------

    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """min over shingles of a·fmix32(h) + b mod 2^32, per permutation (datasketch affine32)."""
        signature = np.full(self.num_perm, EMPTY, dtype=np.uint32)
        if len(hashes) == 0:
            return signature
        mixed = _fmix(np.asarray(hashes, dtype=np.uint32), _FMIX32)
        for start in range(0, len(mixed), _CHUNK):
            part = mixed[start:start + _CHUNK]
            block = np.multiply(self._a, part)  # (num_perm, chunk), contiguous: ~30% faster than a view
            np.add(block, self._b, out=block)
            np.minimum(signature, block.min(axis=1), out=signature)
        return signature

    def signatures_of_hashes(self, batch: list[np.ndarray]) -> list[np.ndarray | None]:
        """Signatures of many documents' shingle hashes at once (None where there are none).

        Documents are permuted together, ~8k shingles per numpy call, and split by
        `np.minimum.reduceat`: the per-call overhead that dominates short documents is paid
        once per group, not once per document. Equal to `signature_of_hashes` one by one.
        """
        out: list[np.ndarray | None] = [None] * len(batch)
        group: list[int] = []
        total = 0
        for index, hashes in enumerate(batch):
            if len(hashes) == 0:
                continue
            if len(hashes) >= _CHUNK:
                out[index] = self.signature_of_hashes(hashes)
                continue
            group.append(index)
            total += len(hashes)
            if total >= 4 * _CHUNK:
                self._permute_group(batch, group, out)
                group, total = [], 0
        if group:
            self._permute_group(batch, group, out)
        return out

    def _permute_group(self, batch, group: list[int], out: list) -> None:
        mixed = _fmix(np.concatenate([batch[i] for i in group]).astype(np.uint32, copy=False), _FMIX32)
        block = np.multiply(self._a, mixed)
        np.add(block, self._b, out=block)
        starts = np.cumsum([0] + [len(batch[i]) for i in group[:-1]])
        minima = np.minimum.reduceat(block, starts, axis=1)  # (num_perm, documents)
        for column, index in enumerate(group):
            out[index] = np.ascontiguousarray(minima[:, column])

    def signatures(self, texts: list[str]) -> list[np.ndarray | None]:
        """`signature` of each text, computed as a batch."""
        return self.signatures_of_hashes([self.shingle_hashes(text) for text in texts])

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature (uint32[num_perm]) of `text`, or None when it has no words."""
        hashes = self.shingle_hashes(text)
        if len(hashes) == 0:
            return None
        return self.signature_of_hashes(hashes)

    # LSH --------------------------------------------------------------------------------

    def band_keys(self, signature: np.ndarray) -> list[bytes]:
        """One key per band: 2-byte band index + xxh3-64 of the band's r values (little-endian).

        64 bits per band keep accidental collisions to ~n²/2^65 per band (0.03 at 10^9
        documents), and a collision only adds a candidate that verification then rejects.
        """
        data = signature[: self.bands * self.rows].astype("<u4").tobytes()
        width = 4 * self.rows
        return [struct.pack(">H", band) + xxhash.xxh3_64_digest(data[band * width:(band + 1) * width])
                for band in range(self.bands)]


def sketch_of(signature: np.ndarray) -> bytes:
    """The low 16 bits of every signature value: 2 bytes a permutation for verification.

    b-bit minwise hashing (Li & König, 2010): two different values agree on 16 bits with
    probability 2^-16, so the Jaccard estimate is biased by < 0.00002 at a quarter of the bytes.
    """
    return (signature & np.uint32(0xFFFF)).astype("<u2").tobytes()


def jaccard(left: Iterable, right: Iterable) -> float:
    """Exact Jaccard similarity of two sets (tests, benchmarks)."""
    a, b = set(left), set(right)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)
