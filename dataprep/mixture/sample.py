"""The deterministic sampler: how many copies of a document the mixture takes.

`copies(doc_id, seed, epochs)` is a pure function of its arguments, so every runner, worker
count and retry draws the same sample: whole epochs always (2.45 → every document twice), and
the fractional part by a hash of (seed, document id, pass): the document joins pass 2 when
its hash, as a number in [0, 1), is below 0.45. Over N documents the fractional pass then
takes a Binomial(N, 0.45) count: its spread is √(N·0.45·0.55), 0.5% of the mean at N = 40,000.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Callable, Mapping

from dataprep.dedup.config import CLUSTER_SIZE_FIELD
from dataprep.document import Document

_PERSON = b"dataprep-mixture"  # BLAKE2b personalisation: these draws share no bits with other hashes
_SCALE = float(2**64)


def draw(doc_id: str, seed: int, pass_: int) -> float:
    """A uniform number in [0, 1) fixed by (seed, document id, pass)."""
    digest = hashlib.blake2b(f"{seed}\x00{pass_}\x00{doc_id}".encode("utf-8"), digest_size=8,
                             person=_PERSON).digest()
    return int.from_bytes(digest, "big") / _SCALE


def copies(doc_id: str, seed: int, epochs: float) -> int:
    """How many times the mixture takes this document: ⌊epochs⌋, plus one if it is drawn into
    the fractional pass (probability epochs − ⌊epochs⌋)."""
    if not epochs > 0:
        return 0
    whole = math.floor(epochs)
    fraction = epochs - whole
    if fraction <= 0:
        return whole
    return whole + (draw(doc_id, seed, whole) < fraction)


def rehydration_weight(cluster_size: int | None, weights: Mapping[int, float] | None) -> float:
    """FineWeb-2's rehydration weight of a kept document whose duplicate cluster had
    `cluster_size` members: the weight of the first key ≥ the size (the last key's beyond it);
    1 when rehydration is off or the document was never deduplicated."""
    if not weights or cluster_size is None:
        return 1.0
    keys = sorted(weights)
    for key in keys:
        if cluster_size <= key:
            return float(weights[key])
    return float(weights[keys[-1]])


def document_tokens(doc: Document, tokens: Callable[[Document], int] | None = None) -> int:
    """A document's token count: `tokens(doc)` if given, else its metadata `tokens`."""
    if tokens is not None:
        return int(tokens(doc))
    count = doc.metadata.get("tokens")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"document {doc.id!r}: metadata tokens is {count!r}, not a count (tokenize first, or "
                         f"pass a token counter)")
    return count


def document_weight(doc: Document, rehydrate: Mapping[int, float] | None) -> float:
    """The document's rehydration weight, from its metadata.dup_cluster_size (1 without one)."""
    size: Any = doc.metadata.get(CLUSTER_SIZE_FIELD)
    return rehydration_weight(size if isinstance(size, int) and not isinstance(size, bool) else None, rehydrate)


def document_epochs(doc: Document, epochs: float, rehydrate: Mapping[int, float] | None) -> float:
    """The source's epochs times the document's rehydration weight."""
    return epochs * document_weight(doc, rehydrate)
