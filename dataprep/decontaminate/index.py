"""The index of benchmark n-grams and the lookup of a document's hits.

Layout (measured by bench/decontaminate.py, ≈16 bytes per n-gram): `keys`, the sorted unique
uint64 n-gram hashes (8 B); `offsets`, uint32 CSR offsets into `owners` (4 B); `owners`, int32
example numbers (4 B per (n-gram, example) pair; most n-grams have one). Example numbers index
`examples`, the (benchmark, example id) table. A lookup is one `searchsorted` per n-gram size
over a document's hashes, all positions at once.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dataprep.decontaminate.benchmarks import Benchmark
from dataprep.decontaminate.config import DecontaminateConfig
from dataprep.decontaminate.ngrams import ngram_hashes, normalized_words, word_hashes, words_with_spans


@dataclasses.dataclass(frozen=True)
class Hit:
    start: int  # character span of the matched words in the document
    end: int
    key: int  # the n-gram hash
    owners: tuple[int, ...]  # example numbers (index into BenchmarkIndex.examples)
    ngram: str  # the normalized n-gram text (for the document-frequency report)


@dataclasses.dataclass
class BenchmarkIndex:
    keys: np.ndarray  # uint64, sorted, unique
    offsets: np.ndarray  # uint32, len(keys) + 1
    owners: np.ndarray  # int32
    sizes: tuple[int, ...]  # n-gram lengths present: `ngram` and the lengths of short texts matched whole
    examples: tuple[tuple[str, str], ...]  # (benchmark, example id) per example number
    benchmark_ids: dict  # benchmark → [example ids], for the clean/dirty split
    ignored: tuple[tuple[str, int], ...]  # (n-gram, examples) dropped by max_example_frequency

    def __len__(self) -> int:
        return len(self.keys)

    def nbytes(self) -> int:
        return self.keys.nbytes + self.offsets.nbytes + self.owners.nbytes

    def entries(self):
        """(key, owners) pairs: the index as the shuffle join's right-hand side."""
        for i, key in enumerate(self.keys.tolist()):
            yield key, tuple(self.owners[self.offsets[i]:self.offsets[i + 1]].tolist())


def _text_ngrams(text: str, config: DecontaminateConfig) -> tuple[list[str], int]:
    """(words, n-gram size) for one eval text; size 0 when it is too short to match."""
    words = normalized_words(text)
    if len(words) >= config.ngram:
        return words, config.ngram
    if len(words) >= config.min_words:
        return words, len(words)
    return words, 0


def build_index(benchmarks: list[Benchmark], config: DecontaminateConfig) -> BenchmarkIndex:
    examples: list[tuple[str, str]] = []
    keys_parts, owner_parts, sizes = [], [], set()
    texts: dict[int, str] = {}  # key → n-gram text, only kept when the frequency cut needs it
    for benchmark in benchmarks:
        for example in benchmark.examples:
            number = len(examples)
            examples.append((benchmark.name, example.id))
            for text in example.texts:
                words, size = _text_ngrams(text, config)
                if not size:
                    continue
                sizes.add(size)
                hashes = np.unique(ngram_hashes(word_hashes(words), size))
                keys_parts.append(hashes)
                owner_parts.append(np.full(len(hashes), number, dtype=np.int32))
                if config.max_example_frequency is not None:
                    for i, key in enumerate(ngram_hashes(word_hashes(words), size).tolist()):
                        texts.setdefault(key, " ".join(words[i:i + size]))
    keys = np.concatenate(keys_parts) if keys_parts else np.empty(0, np.uint64)
    owners = np.concatenate(owner_parts) if owner_parts else np.empty(0, np.int32)
    # Unique (key, owner) pairs sorted by key then owner: deterministic whatever the file order.
    pairs = np.unique(np.stack([keys, owners.astype(np.uint64)], axis=1), axis=0) if len(keys) else \
        np.empty((0, 2), np.uint64)
    keys, owners = pairs[:, 0], pairs[:, 1].astype(np.int32)
    unique, starts, counts = np.unique(keys, return_index=True, return_counts=True)
    ignored: list[tuple[str, int]] = []
    if config.max_example_frequency is not None and len(unique):
        frequent = counts > config.max_example_frequency
        ignored = sorted(((texts[int(key)], int(count)) for key, count in zip(unique[frequent], counts[frequent])),
                         key=lambda item: (-item[1], item[0]))
        keep = np.repeat(~frequent, counts)
        keys, owners = keys[keep], owners[keep]
        unique, counts = unique[~frequent], counts[~frequent]
    offsets = np.zeros(len(unique) + 1, dtype=np.uint32)
    np.cumsum(counts, out=offsets[1:])
    benchmark_ids = {benchmark.name: [example.id for example in benchmark.examples] for benchmark in benchmarks}
    return BenchmarkIndex(unique.astype(np.uint64), offsets, owners, tuple(sorted(sizes)), tuple(examples),
                          benchmark_ids, tuple(ignored))


def document_ngrams(text: str, sizes: tuple[int, ...]):
    """(size, hashes, starts, ends, words) per n-gram size: everything a lookup needs."""
    words, starts, ends = words_with_spans(text)
    hashes = word_hashes(words)
    return words, starts, ends, {size: ngram_hashes(hashes, size) for size in sizes}


def find_hits(text: str, index: BenchmarkIndex) -> list[Hit]:
    """Every position where an indexed n-gram occurs in `text`, in position order."""
    words, starts, ends, by_size = document_ngrams(text, index.sizes)
    hits = []
    if not len(index.keys):
        return hits
    for size, hashes in by_size.items():
        if not len(hashes):
            continue
        where = np.searchsorted(index.keys, hashes)
        found = np.flatnonzero(index.keys[np.minimum(where, len(index.keys) - 1)] == hashes)
        for position in found.tolist():
            slot = int(where[position])
            owners = tuple(index.owners[index.offsets[slot]:index.offsets[slot + 1]].tolist())
            hits.append(Hit(int(starts[position]), int(ends[position + size - 1]), int(hashes[position]), owners,
                            " ".join(words[position:position + size])))
    hits.sort(key=lambda hit: (hit.start, hit.end, hit.key))
    return hits
