"""The seeded global shuffle and the shard cut: pure functions of (seed, id, token count).

Order. Documents are sorted by `keyer(seed)(id)` (64 bits of a keyed BLAKE2b of the id),
ties broken by the id's UTF-8 bytes. Nothing else (file order, arrival order, workers) enters.

Cut. Let `start` be the number of tokens before a document in that order. A document goes to
the shard whose `shard_tokens`-wide window holds its first token: raw shard = start //
shard_tokens. A document longer than a window leaves the next windows without a starting
document; those raw numbers are skipped and the shards renumbered densely, so every shard
holds at least one document and about `shard_tokens` tokens (the last one fewer; any shard
more by at most its last document).

Both are computable without a global sort on one machine: a document's start is the total of
the buckets before its bucket (buckets are ranges of the key, so bucket order is key order)
plus the tokens before it inside its bucket. The CLI (`tokenizer.tokenize`) sorts everything
with numpy; the Beam stage (`pipelines/tokenize.py`) uses the buckets. Both call these
functions, so they agree on every document's shard and position.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import numpy as np

# 4,096 buckets: each holds 1/4096 of the documents' (key, id, count) triples, which one
# worker sorts; 1e9 documents → ~250k per bucket.
BUCKET_BITS = 12
_KEY_PREFIX = b"dataprep-tokenize-shuffle"


def _seed_key(seed: int, purpose: bytes) -> bytes:
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    return hashlib.sha256(purpose + b"\x00" + str(seed).encode()).digest()[:32]


def keyer(seed: int, purpose: bytes = _KEY_PREFIX):
    """A function id → uint64 key for this seed (BLAKE2b keyed by the seed; uniform bits)."""
    key = _seed_key(seed, purpose)

    def shuffle_key(doc_id: str) -> int:
        digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8, key=key).digest()
        return int.from_bytes(digest, "big")

    return shuffle_key


def bucket_of(key: int) -> int:
    return key >> (64 - BUCKET_BITS)


def sort_key(key: int, doc_id: str) -> tuple[int, bytes]:
    """The total order: key, then the id's bytes (as numpy compares `S` arrays)."""
    return key, doc_id.encode("utf-8")


def order(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Permutation sorting documents by (key, id bytes); `ids` is a numpy `S` array."""
    return np.lexsort((ids, keys))


def raw_shards(starts: np.ndarray | Sequence[int], shard_tokens: int) -> np.ndarray:
    return np.asarray(starts, dtype=np.int64) // shard_tokens


def exclusive_cumsum(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def bucket_offsets(totals: Iterable[tuple[int, int]]) -> dict[int, int]:
    """{bucket: tokens in every bucket before it} from (bucket, tokens) pairs."""
    offsets, running = {}, 0
    for bucket, tokens in sorted(totals):
        offsets[bucket] = running
        running += tokens
    return offsets


def shard_name(index: int, count: int, prefix: str = "tokens") -> str:
    return f"{prefix}-{index:05d}-of-{count:05d}"
