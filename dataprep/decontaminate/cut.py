"""What a document's hits do to it: GPT-3 span cutting or a whole-document drop, plus the
per-benchmark figures for the contamination report.

spans (GPT-3, appendix C; lm-eval janitor): each hit's character span is widened by `window`
on each side (clipped to the text) and the widened spans are merged; the text between them
are the fragments (empty ones are not fragments). A document cut into more than `max_pieces`
fragments is dropped; fragments shorter than `min_fragment` characters are dropped; the rest
are kept byte for byte, joined by one newline, in order. Windows cut at character offsets
as GPT-3 did, so a fragment may start or end inside a word.
"""

from __future__ import annotations

import dataclasses

from dataprep.decontaminate.config import (
    CONTAMINATION_FIELD,
    REASON_CONTAMINATED,
    REASON_EMPTIED,
    REASON_TOO_MANY_PIECES,
    DecontaminateConfig,
)
from dataprep.decontaminate.index import Hit
from dataprep.document import Document, Drop

FRAGMENT_SEPARATOR = "\n"


@dataclasses.dataclass(frozen=True)
class BenchmarkHit:
    """One benchmark's share of one document: for the report."""

    benchmark: str
    source: str
    example_ids: tuple[str, ...]
    chars_removed: int  # the union of this benchmark's windows, or the whole text if the document was dropped
    dropped: bool


def merged_windows(hits: list[Hit], length: int, window: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted((max(0, hit.start - window), min(length, hit.end + window)) for hit in hits):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def fragments(text: str, windows: list[tuple[int, int]]) -> list[str]:
    pieces, position = [], 0
    for start, end in windows:
        if start > position:
            pieces.append(text[position:start])
        position = end
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def cut(text: str, hits: list[Hit], config: DecontaminateConfig) -> str | Drop:
    """The decontaminated text, or the Drop (reasons in the module docstring)."""
    if not hits:
        return text
    if config.mode == "document":
        return Drop(REASON_CONTAMINATED, f"{len(hits)} n-gram hits; first: {hits[0].ngram!r}"[:300])
    pieces = fragments(text, merged_windows(hits, len(text), config.window))
    if len(pieces) > config.max_pieces:
        return Drop(REASON_TOO_MANY_PIECES, f"cut into {len(pieces)} pieces > max_pieces {config.max_pieces}")
    kept = [piece for piece in pieces if len(piece) >= config.min_fragment]
    if not kept:
        return Drop(REASON_EMPTIED, f"{len(pieces)} fragments, all shorter than min_fragment {config.min_fragment}")
    return FRAGMENT_SEPARATOR.join(kept)


def decontaminate(doc: Document, hits: list[Hit], config: DecontaminateConfig,
                  examples: tuple[tuple[str, str], ...]) -> tuple[Document | Drop, list[BenchmarkHit]]:
    """The kept (maybe cut) document or its Drop, and one BenchmarkHit per benchmark it hit."""
    result = cut(doc.text, hits, config)
    if not hits:
        return doc, []
    by_benchmark: dict[str, list[Hit]] = {}
    for hit in hits:
        for benchmark in sorted({examples[owner][0] for owner in hit.owners}):
            by_benchmark.setdefault(benchmark, []).append(hit)
    dropped = isinstance(result, Drop)
    report = []
    for benchmark, own in sorted(by_benchmark.items()):
        ids = sorted({examples[owner][1] for hit in own for owner in hit.owners if examples[owner][0] == benchmark})
        removed = len(doc.text) if dropped else sum(end - start for start, end in
                                                    merged_windows(own, len(doc.text), config.window))
        report.append(BenchmarkHit(benchmark, doc.source, tuple(ids), removed, dropped))
    info = {"benchmarks": sorted(by_benchmark), "chars_removed": len(doc.text) - (0 if dropped else len(result))}
    if dropped:
        return dataclasses.replace(result, fields={CONTAMINATION_FIELD: info}), report
    return dataclasses.replace(doc, text=result).with_metadata(**{CONTAMINATION_FIELD: info}), report
