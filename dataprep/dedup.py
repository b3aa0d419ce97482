"""Deduplication logic: exact, URL, line/paragraph and MinHash near-duplicates (no Beam here).

Everything a dedup decision depends on lives here as plain Python, so that the Beam graph in
`pipelines/dedup.py` only moves keys around, and so that each piece is tested on literal text:

- normalization and shingling (word n-grams on `dataprep.text.split_words`, which makes every
  Han/Kana/Thai/... character one word, so text without spaces gets character n-grams);
- MinHash signatures: bit-identical to `datasketch.MinHash` (its default "affine32" scheme) for
  the same shingles, seed and hash function, with a numpy fast path;
- LSH banding: band keys, the match-probability curve 1 - (1 - J^r)^b, (b, r) for a threshold;
- linking a streamed bucket's verified members in O(16 anchors) memory (`link_bucket`);
- keep rules (smallest id, or best score) as an order on "nodes", and a union-find;
- the keys of exact, URL and line dedup.

Determinism: every choice is a function of (seed, document id, text). Nothing depends on
arrival order, worker count or Python's salted `hash()`.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import math
import re
import struct
import unicodedata
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import xxhash

from dataprep.text import split_words

# --- reasons and stage names -------------------------------------------------------------

STAGE_EXACT = "dedup_exact"
STAGE_URL = "dedup_url"
STAGE_MINHASH = "dedup_minhash"
STAGE_LINES = "dedup_lines"

REASON_EXACT = "dedup_exact_duplicate"
REASON_URL = "dedup_url_duplicate"
REASON_MINHASH = "dedup_minhash_duplicate"
REASON_LINES_EMPTIED = "dedup_lines_emptied"

#: Written into every kept document: how many input documents it stands for (itself plus the
#: duplicates removed in its favour, each counted with its own `dup_cluster_size`), so that a
#: mixture can upsample by it.
CLUSTER_SIZE_FIELD = "dup_cluster_size"
#: Written into documents dropped as MinHash near-duplicates: the id of the document kept.
DUP_OF_FIELD = "dup_of"
#: Written into documents dropped as exact/URL duplicates: the hex key they share with the kept one.
DUP_KEY_FIELD = "dup_key"

KEEP_RULES = ("min_id", "max_score")
HASHES = ("xxh3", "sha1")
COMPONENT_METHODS = ("beam", "union_find")
LINE_UNITS = ("line", "paragraph")

# --- configuration -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExactConfig:
    normalize: bool = dataclasses.field(
        default=True,
        metadata={"help": "Hash the normalized text (lowercase, NFKC, numbers → 0, punctuation removed, "
                  "whitespace collapsed) rather than the raw text."},
    )


@dataclasses.dataclass(frozen=True)
class UrlConfig:
    normalize: bool = dataclasses.field(
        default=True,
        metadata={"help": "Compare URLs with scheme and host lowercased and a default port removed; false "
                  "compares the URL strings as they are. Documents without a URL are kept."},
    )


@dataclasses.dataclass(frozen=True)
class LinesConfig:
    unit: str = dataclasses.field(
        default="line",
        metadata={"help": "line (CCNet) or paragraph (blank-line separated): the unit compared across documents."},
    )
    min_chars: int = dataclasses.field(
        default=0,
        metadata={"help": "Units whose normalized text is shorter than this are never removed (e.g. 10 spares "
                  "'Home', 'Next'); 0 treats every non-empty unit alike, as CCNet does."},
    )

    def __post_init__(self):
        if self.unit not in LINE_UNITS:
            raise ValueError(f"lines.unit must be one of {', '.join(LINE_UNITS)}, got {self.unit!r}")
        if self.min_chars < 0:
            raise ValueError(f"lines.min_chars must be ≥ 0, got {self.min_chars}")


@dataclasses.dataclass(frozen=True)
class MinHashConfig:
    num_perm: int = dataclasses.field(
        default=112,
        metadata={"help": "Hash functions per signature. bands × rows ≤ num_perm; the rest only sharpen the "
                  "verification estimate. 112 = 14 × 8 as FineWeb."},
    )
    bands: int | None = dataclasses.field(
        default=None,
        metadata={"help": "LSH bands b. Default 14 (FineWeb), or derived from `threshold` when that is set "
                  "and bands/rows are not."},
    )
    rows: int | None = dataclasses.field(
        default=None, metadata={"help": "Rows r per band. Default 8, or derived from `threshold`."}
    )
    threshold: float | None = dataclasses.field(
        default=None,
        metadata={"help": "Target Jaccard similarity. Sets the verification cut and, unless bands/rows are "
                  "given, the b × r for it (favouring recall when verify is on). Default: (1/b)^(1/r) "
                  "(≈ 0.72 for 14 × 8)."},
    )
    ngram: int = dataclasses.field(
        default=5, metadata={"help": "Words per shingle (characters in scripts written without spaces)."}
    )
    seed: int = dataclasses.field(
        default=1, metadata={"help": "Seed of the permutations (numpy RandomState, as datasketch): same seed, "
                             "same signatures on every worker."}
    )
    hash: str = dataclasses.field(
        default="xxh3",
        metadata={"help": "Shingle hash: xxh3 (fast: xxh3-64 per word, combined per shingle) or sha1 (the "
                  "datasketch default; one SHA-1 per shingle, 2-6× slower). Signatures equal "
                  "datasketch.MinHash's with that hashfunc (dataprep.dedup.shingle_hash32 or its default)."},
    )
    verify: bool = dataclasses.field(
        default=True,
        metadata={"help": "Link two documents of a bucket only when their signatures' estimated Jaccard reaches "
                  "the threshold (every pair among a bucket's 16 smallest members, then each other member "
                  "against those anchors, as NeMo Curator); false links every LSH candidate."},
    )
    max_bucket_size: int = dataclasses.field(
        default=100_000,
        metadata={"help": "Buckets estimated larger than this are salted into sub-buckets of about this size, "
                  "processed on different workers and joined by their anchors."},
    )
    components: str = dataclasses.field(
        default="beam",
        metadata={"help": "beam: connected components by large-star/small-star rounds on the cluster; "
                  "union_find: gather every edge on one worker (small corpora only). Same clusters."},
    )
    max_rounds: int = dataclasses.field(
        default=12,
        metadata={"help": "Large-star/small-star rounds unrolled in the graph (a random path of 10^4 "
                  "documents needs ~10). The pipeline fails, naming this key, if they do not converge."},
    )

    def __post_init__(self):
        if self.hash not in HASHES:
            raise ValueError(f"minhash.hash must be one of {', '.join(HASHES)}, got {self.hash!r}")
        if self.components not in COMPONENT_METHODS:
            raise ValueError(f"minhash.components must be one of {', '.join(COMPONENT_METHODS)}, "
                             f"got {self.components!r}")
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise ValueError(f"minhash.threshold must be in (0, 1), got {self.threshold}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("minhash.bands and minhash.rows are set together (or both left to the threshold)")
        for name in ("num_perm", "ngram", "max_bucket_size", "max_rounds"):
            if getattr(self, name) < 1:
                raise ValueError(f"minhash.{name} must be ≥ 1, got {getattr(self, name)}")
        # Derived (b, r) always fit num_perm; only given ones are checked (deriving costs ~0.3 s).
        if self.bands is not None and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm):
            raise ValueError(f"minhash: bands × rows = {self.bands} × {self.rows} must be ≥ 1 and "
                             f"≤ num_perm {self.num_perm}")
        if self.bands is None and self.threshold is None and 14 * 8 > self.num_perm:
            raise ValueError(f"minhash: the default 14 bands × 8 rows need num_perm ≥ 112, got {self.num_perm}; "
                             "set bands/rows or threshold")

    def bands_rows(self) -> tuple[int, int]:
        if self.bands is not None:
            return self.bands, self.rows
        if self.threshold is None:
            return 14, 8
        return optimal_bands_rows(self.threshold, self.num_perm, 0.9 if self.verify else 0.5)

    def cut(self) -> float:
        """The Jaccard threshold used for verification (and reported in stats)."""
        if self.threshold is not None:
            return self.threshold
        return curve_midpoint(*self.bands_rows())


@dataclasses.dataclass(frozen=True)
class DedupConfig:
    exact: ExactConfig | None = dataclasses.field(
        default_factory=ExactConfig, metadata={"help": "Exact duplicates of the normalized text; null disables."}
    )
    url: UrlConfig | None = dataclasses.field(
        default_factory=UrlConfig, metadata={"help": "One document per URL; null disables."}
    )
    minhash: MinHashConfig | None = dataclasses.field(
        default_factory=MinHashConfig, metadata={"help": "MinHash LSH near-duplicates; null disables."}
    )
    lines: LinesConfig | None = dataclasses.field(
        default=None,
        metadata={"help": "Remove a line (or paragraph) seen in several documents from all but one, corpus-wide "
                  "(CCNet/C4); runs last. null (default) disables."},
    )
    keep: str = dataclasses.field(
        default="min_id",
        metadata={"help": "Which duplicate stays: min_id (smallest document id) or max_score (highest "
                  "metadata[score_field], ties by smallest id; a missing score ranks last)."},
    )
    score_field: str = dataclasses.field(
        default="quality_score", metadata={"help": "Metadata field read by keep: max_score."}
    )

    def __post_init__(self):
        if self.keep not in KEEP_RULES:
            raise ValueError(f"dedup.keep must be one of {', '.join(KEEP_RULES)}, got {self.keep!r}")

    def stage_names(self) -> list[str]:
        """Stage names in the order `Deduplicate` runs them (for the stats table order)."""
        names = []
        if self.exact is not None:
            names.append(STAGE_EXACT)
        if self.url is not None:
            names.append(STAGE_URL)
        if self.minhash is not None:
            names.append(STAGE_MINHASH)
        if self.lines is not None:
            names.append(STAGE_LINES)
        return names


#: Named starting points; a recipe or the CLI overrides single fields on top.
PRESETS: dict[str, DedupConfig] = {
    "default": DedupConfig(),
    # Books: LLaMA-1 "removed books with more than 90% content overlap". Books have no URL, and
    # line dedup would strip chapter headings and front matter shared by editions.
    "books": DedupConfig(url=None, lines=None, minhash=MinHashConfig(threshold=0.9)),
}


def parse_dedup_config(data: Any, where: str = "dedup") -> DedupConfig | None:
    """A recipe's `dedup:` value → DedupConfig. None/false disables; true or {} is the default.

    `preset: books` starts from a preset; every other key overrides it. A sub-config may be
    null/false (off), true (the preset's or the default), or a mapping of overrides. Unknown
    keys raise ValueError naming the key and the valid ones.
    """
    if data is None or data is False:
        return None
    if data is True:
        data = {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a mapping, true or null, got {type(data).__name__}")
    data = dict(data)
    preset_name = data.pop("preset", "default")
    if preset_name not in PRESETS:
        raise ValueError(f"{where}.preset: unknown preset {preset_name!r} (valid: {', '.join(PRESETS)})")
    return _override(PRESETS[preset_name], data, where)


_SUB_CONFIGS = {"exact": ExactConfig, "url": UrlConfig, "minhash": MinHashConfig, "lines": LinesConfig}


def _override(base, data: Mapping, where: str):
    fields = {f.name for f in dataclasses.fields(base)}
    unknown = sorted(set(data) - fields)
    if unknown:
        valid = ", ".join(sorted(fields | ({"preset"} if isinstance(base, DedupConfig) else set())))
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (valid keys: {valid})")
    values = {}
    for name, value in data.items():
        key = f"{where}.{name}"
        if isinstance(base, DedupConfig) and name in _SUB_CONFIGS:
            current = getattr(base, name)
            if value is None or value is False:
                values[name] = None
            elif value is True:
                values[name] = current if current is not None else _SUB_CONFIGS[name]()
            elif isinstance(value, Mapping):
                values[name] = _override(current if current is not None else _SUB_CONFIGS[name](), value, key)
            else:
                raise ValueError(f"{key}: expected a mapping, true or null, got {value!r}")
        else:
            values[name] = _check_type(base, name, value, key)
    try:
        return dataclasses.replace(base, **values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def _check_type(base, name: str, value: Any, where: str):
    default = getattr(base, name)
    expected = {"threshold": float, "bands": int, "rows": int}.get(name, type(default))
    if value is None and name in ("threshold", "bands", "rows"):
        return None
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"{where}: expected {expected.__name__}, got {value!r}")
    return value


def config_to_dict(config: DedupConfig) -> dict:
    """JSON-able form (for dedup.json next to the outputs and for config hashes)."""
    return dataclasses.asdict(config)


# --- normalization and shingles ----------------------------------------------------------

# A number with its decimal/thousands separators becomes one "0" (datatrove's simplify_text
# does the same): "3.14" and "2,718" both become "0", so prices and dates do not hide copies.
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def normalized_words(text: str) -> list[str]:
    """Lowercased, NFKC (non-ASCII only), numbers → "0", words per `dataprep.text.split_words`.

    split_words drops punctuation and makes each character of a script written without spaces
    one word; apostrophes and hyphens inside a word stay ("don't", "e-mail").
    """
    # The quick check costs ~1 µs a page; normalizing an already normalized page ~80 µs.
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return split_words(_NUMBER_RE.sub("0", text.lower()))


def normalize_text(text: str) -> str:
    """The normalized text: normalized words joined by one space."""
    return " ".join(normalized_words(text))


def shingles(words: list[str], ngram: int) -> list[str]:
    """Word n-grams joined by a space. Fewer than `ngram` words: one shingle of them all."""
    if not words:
        return []
    if len(words) <= ngram:
        return [" ".join(words)]
    return [" ".join(words[i:i + ngram]) for i in range(len(words) - ngram + 1)]


def text_shingles(text: str, ngram: int) -> list[bytes]:
    """UTF-8 shingles of a text, as given to `datasketch.MinHash.update_batch`."""
    return [s.encode("utf-8") for s in shingles(normalized_words(text), ngram)]


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


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme applies it.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


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
        return (_fmix64(h) >> np.uint64(32)).astype(np.uint32)

    # Signatures -----------------------------------------------------------------------

    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """min over shingles of a·fmix32(h) + b mod 2^32, per permutation (datasketch affine32)."""
        signature = np.full(self.num_perm, EMPTY, dtype=np.uint32)
        if len(hashes) == 0:
            return signature
        mixed = _fmix32(np.asarray(hashes, dtype=np.uint32))
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
        mixed = _fmix32(np.concatenate([batch[i] for i in group]).astype(np.uint32, copy=False))
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


def sketch_similarity(left: bytes, right: bytes) -> float:
    """Fraction of equal positions of two sketches: the MinHash estimate of Jaccard similarity."""
    a = np.frombuffer(left, dtype="<u2")
    b = np.frombuffer(right, dtype="<u2")
    return float(np.count_nonzero(a == b)) / len(a)


def estimated_jaccard(left: np.ndarray, right: np.ndarray) -> float:
    return float(np.count_nonzero(left == right)) / len(left)


def jaccard(left: Iterable, right: Iterable) -> float:
    """Exact Jaccard similarity of two sets (tests, benchmarks)."""
    a, b = set(left), set(right)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# --- the LSH curve -------------------------------------------------------------------------


def match_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard `similarity` share at least one band."""
    return 1.0 - (1.0 - similarity ** rows) ** bands


def curve_midpoint(bands: int, rows: int) -> float:
    """(1/b)^(1/r): where the S-curve is steepest, the usual "threshold" of b × r."""
    return (1.0 / bands) ** (1.0 / rows)


def _integral(f, lo: float, hi: float, steps: int = 100) -> float:
    width = (hi - lo) / steps
    return sum(f(lo + (i + 0.5) * width) for i in range(steps)) * width


@functools.lru_cache(maxsize=64)
def optimal_bands_rows(threshold: float, num_perm: int, fn_weight: float = 0.5) -> tuple[int, int]:
    """(b, r) with b·r ≤ num_perm minimizing the weighted false-positive + false-negative area.

    The criterion of datasketch's MinHashLSH: (1 − w)·∫₀ᵗ P(s) ds + w·∫ₜ¹ (1 − P(s)) ds, w =
    `fn_weight`. Equal weights put P(t) ≈ 0.5; when candidates are verified, false positives
    only cost a comparison, so `MinHashConfig` weights misses 0.9 (P(t + 0.05) ≈ 0.98).
    """
    best, best_error = (1, num_perm), math.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = ((1.0 - fn_weight) * _integral(lambda s: match_probability(s, bands, rows), 0.0, threshold)
                     + fn_weight * _integral(lambda s: 1.0 - match_probability(s, bands, rows), threshold, 1.0))
            if error < best_error - 1e-12:
                best, best_error = (bands, rows), error
    return best


def probability_table(bands: int, rows: int, steps: Iterable[float] | None = None) -> list[tuple[float, float]]:
    """[(J, P(candidate))] for J = 0.5, 0.55, ..., 1.0 (or `steps`)."""
    steps = steps if steps is not None else [round(0.5 + 0.05 * i, 2) for i in range(11)]
    return [(j, match_probability(j, bands, rows)) for j in steps]


def describe_lsh(config: MinHashConfig) -> list[str]:
    """Human lines: b × r, the cut, and the probability curve it implies."""
    bands, rows = config.bands_rows()
    lines = [f"MinHash LSH: {bands} bands × {rows} rows ({config.num_perm} permutations, {config.ngram}-gram "
             f"shingles, seed {config.seed}, {config.hash}); curve midpoint (1/b)^(1/r) = "
             f"{curve_midpoint(bands, rows):.3f}; verification cut "
             + (f"{config.cut():.3f}" if config.verify else "off"),
             "  P(candidate) = 1 - (1 - J^r)^b:"]
    lines += [f"    J = {j:.2f}  P = {p:.3f}" for j, p in probability_table(bands, rows)]
    return lines


# --- keep rule: nodes ----------------------------------------------------------------------

#: A document as the dedup graph sees it: (rank, id, weight). Tuples order by rank, then id, so
#: the minimum node of any group is the document the keep rule keeps; weight is the number of
#: input documents it already stands for (its `dup_cluster_size`, 1 by default).
Node = tuple  # (float, str, int)


def rank_of(metadata: Mapping[str, Any], keep: str, score_field: str) -> float:
    """0.0 for min_id; −score for max_score (missing, non-numeric or NaN scores rank last)."""
    if keep == "min_id":
        return 0.0
    score = metadata.get(score_field)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
        return math.inf
    return -float(score) + 0.0  # + 0.0 turns −0.0 into 0.0: equal keys must be equal bytes


def weight_of(metadata: Mapping[str, Any]) -> int:
    value = metadata.get(CLUSTER_SIZE_FIELD, 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def node_of(doc, config: DedupConfig) -> Node:
    return (rank_of(doc.metadata, config.keep, config.score_field), doc.id, weight_of(doc.metadata))


class KeepBest:
    """Accumulates nodes: the best (smallest) one, how many, and their total weight.

    The same logic serves Beam's CombineFn (`pipelines.dedup`) and in-memory callers.
    """

    @staticmethod
    def create() -> tuple:
        return (None, 0, 0)

    @staticmethod
    def add(acc: tuple, node: Node) -> tuple:
        best, count, weight = acc
        return (node if best is None or node < best else best, count + 1, weight + node[2])

    @staticmethod
    def merge(accs: Iterable[tuple]) -> tuple:
        best, count, weight = None, 0, 0
        for b, c, w in accs:
            if b is not None and (best is None or b < best):
                best = b
            count += c
            weight += w
        return (best, count, weight)


# --- keys of exact and URL dedup ---------------------------------------------------------------


def exact_key(text: str, normalize: bool = True) -> bytes:
    """xxh3-128 of the (normalized) text: 128 bits, so 10^12 documents collide with p ≈ 10^-15."""
    normalized = normalize_text(text) if normalize else text
    if not normalized:
        normalized = text.strip()  # text with no words at all: compare it as it is
    return xxhash.xxh3_128_digest(normalized.encode("utf-8"))


def normalize_url(url: str) -> str:
    """Scheme and host lowercased, default port removed, empty path → "/"; the rest kept as it is.

    The #fragment stays: corpora address sections of one file by fragment (the curated sample
    has `maint-guide.en.txt#s3.3`), and dropping it merged 74 of 150 distinct documents.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def url_key(url: str | None, normalize: bool = True) -> bytes | None:
    if not url or not url.strip():
        return None
    return xxhash.xxh3_128_digest((normalize_url(url) if normalize else url).encode("utf-8"))


# --- line / paragraph dedup ----------------------------------------------------------------

_UNIT_SEPARATORS = {"line": "\n", "paragraph": "\n\n"}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def split_units(text: str, unit: str) -> list[str]:
    if unit == "line":
        return text.split("\n")
    return _PARAGRAPH_BREAK.split(text)


def unit_key(unit_text: str, min_chars: int) -> bytes | None:
    """xxh3-128 of the normalized unit, or None for units never removed (blank or too short)."""
    normalized = normalize_text(unit_text)
    if not normalized or len(normalized) < min_chars:
        return None
    return xxhash.xxh3_128_digest(normalized.encode("utf-8"))


def unit_keys(text: str, config: LinesConfig) -> set[bytes]:
    """The distinct keys of a document's removable units."""
    keys = {unit_key(u, config.min_chars) for u in split_units(text, config.unit)}
    keys.discard(None)
    return keys


def remove_units(text: str, config: LinesConfig, owned: set[bytes]) -> tuple[str, int]:
    """Text without the removable units it does not own, and how many units went.

    Unchanged text is returned as it is; otherwise kept units are joined by one separator
    ("\\n" or a blank line).
    """
    units = split_units(text, config.unit)
    kept, removed = [], 0
    for u in units:
        key = unit_key(u, config.min_chars)
        if key is None or key in owned:
            kept.append(u)
        else:
            removed += 1
    if not removed:
        return text, 0
    return _UNIT_SEPARATORS[config.unit].join(kept).strip("\n"), removed


# --- union-find ------------------------------------------------------------------------------


class UnionFind:
    """Disjoint sets whose root is always the smallest member (so roots are keep-rule winners)."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        if x not in parent:
            parent[x] = x
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, x, y) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if ry < rx:
            rx, ry = ry, rx
        self.parent[ry] = rx


def components(edges: Iterable[tuple]) -> dict:
    """{node: smallest node of its component} for every node on an edge."""
    sets = UnionFind()
    for u, v in edges:
        sets.union(u, v)
    return {node: sets.find(node) for node in list(sets.parent)}


def star_edges(edges: Iterable[tuple]) -> list[tuple]:
    """The converged form of a graph: (node, component minimum) for every non-minimum node, sorted."""
    return sorted((node, root) for node, root in components(edges).items() if node != root)


# --- linking the members of an LSH bucket ---------------------------------------------------

#: A bucket's anchors: its smallest members, held in memory (with their sketches) while the
#: bucket streams past. Buckets up to this size are linked pair by pair.
BUCKET_ANCHORS = 16


@dataclasses.dataclass
class BucketStats:
    size: int = 0  # members
    edges: int = 0  # edges emitted
    anchors: list = dataclasses.field(default_factory=list)  # [(node, sketch)], ascending


def link_bucket(members: Iterable[tuple], cut: float | None, stats: BucketStats | None = None,
                anchors: int = BUCKET_ANCHORS) -> Iterator[tuple]:
    """Edges (member, smaller member) that connect a bucket's verified near-duplicates.

    `members` — (node, sketch) pairs — is iterated at most twice and never copied, so a bucket
    of millions streams through O(`anchors`) memory. Pass 1 keeps the `anchors` smallest
    members. Among them every pair is compared and a spanning forest of the pairs whose
    estimated Jaccard reaches `cut` is emitted: for a bucket that small this links exactly
    the verified pairs' components. Pass 2 (larger buckets only) links each other member to
    the smallest anchor it verifies with (the NeMo Curator anchor scheme). With `cut` None
    every member is linked (a star to the smallest). `stats` receives size, edges and anchors.
    """
    stats = stats if stats is not None else BucketStats()
    top: list = []  # ascending (node, sketch)
    for member in members:
        stats.size += 1
        if len(top) < anchors:
            bisect.insort(top, member, key=_node)
        elif member[0] < top[-1][0]:
            bisect.insort(top, member, key=_node)
            top.pop()
    stats.anchors = top
    if len(top) < 2:
        return
    if cut is None:
        for node, _ in top[1:]:
            stats.edges += 1
            yield node, top[0][0]
    else:
        matrix = np.stack([np.frombuffer(sketch, dtype="<u2") for _, sketch in top])
        needed = math.ceil(cut * matrix.shape[1] - 1e-9)  # equal positions needed to reach the cut
        sets = UnionFind()
        for i in range(1, len(top)):
            agree = np.count_nonzero(matrix[:i] == matrix[i], axis=1)
            for j in range(i):
                if agree[j] >= needed and sets.find(i) != sets.find(j):
                    sets.union(i, j)
                    stats.edges += 1
                    yield top[i][0], top[j][0]
    if stats.size <= len(top):
        return
    last = top[-1][0]
    for node, sketch in members:
        if node <= last:
            continue  # an anchor
        if cut is None:
            stats.edges += 1
            yield node, top[0][0]
            continue
        agree = np.count_nonzero(matrix == np.frombuffer(sketch, dtype="<u2"), axis=1)
        hits = np.flatnonzero(agree >= needed)
        if len(hits):
            stats.edges += 1
            yield node, top[hits[0]][0]


def _node(member: tuple):
    return member[0]


def minhash_edges(docs: Iterable, config: DedupConfig) -> set[tuple]:
    """Verified candidate edges (node, smaller node) of MinHash LSH, in memory, unsalted."""
    minhash = config.minhash
    hasher = MinHasher(minhash)
    buckets: dict[bytes, list] = {}
    for doc in docs:
        signature = hasher.signature(doc.text)
        if signature is None:
            continue
        member = (node_of(doc, config), sketch_of(signature))
        for key in hasher.band_keys(signature):
            buckets.setdefault(key, []).append(member)
    cut = minhash.cut() if minhash.verify else None
    edges = set()
    for members in buckets.values():
        if len(members) > 1:
            edges.update(link_bucket(members, cut))
    return edges


def log2_bin(size: int) -> str:
    """Histogram bin of a size: "1", "2", "3-4", "5-8", "9-16", ..."""
    if size <= 2:
        return str(size)
    upper = 1 << (size - 1).bit_length()
    return f"{upper // 2 + 1}-{upper}"
