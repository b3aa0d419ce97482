"""Deterministic outputs: fixed shard names, rows sorted by id, one stats JSON.

A document's shard is a function of its id alone and rows are sorted by id inside a shard,
so the bytes of every file are the same whatever the runner, worker count or bundle order.
Every shard is written even when empty: a reader can count on `-of-NNNNN` files existing.
"""

from __future__ import annotations

import functools
import io
import json
import re

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from dataprep import fs
from dataprep.document import ARROW_SCHEMA, Document


def shard_name(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-{index:05d}-of-{count:05d}.parquet"


def shard_of(doc_id: str, count: int) -> int:
    # Ids are hex digests, so their leading 64 bits are uniform.
    return int(doc_id[:16], 16) % count


def write_parquet(path: str, docs: list[Document]) -> None:
    """Write one shard atomically: to a temporary name, then rename."""
    # Sorted by id, then by the whole row: equal ids (a file listed twice, dropped duplicates)
    # must not keep their arrival order, or the bytes would depend on bundles.
    rows = sorted((_encodable(doc.to_row()) for doc in docs), key=lambda r: (r["id"], r["source"], r["text"], r["url"] or "",
                                                                   r["metadata"]))
    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, ARROW_SCHEMA, compression="zstd") as writer:
        # An empty shard gets no row group at all: `datasets` fails on a 0-row row group
        # ("BatchSize must be greater than 0") but reads a file with none.
        if table.num_rows:
            writer.write_table(table, row_group_size=10_000)
    fs.write_atomic(path, buffer.getvalue())


# A lone (unpaired) surrogate: valid in a Python str, never in UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _encodable(row: dict) -> dict:
    """`row` with lone surrogates replaced by U+FFFD, so one record cannot fail a whole shard.

    JSON allows "\\ud800", and Python decodes it to a lone surrogate that UTF-8, hence Arrow,
    refuses (UnicodeEncodeError: every document of the shard was lost with it). Language ID
    drops such text as langid_invalid_unicode, but a url or metadata value (and the text of a
    dropped document's audit row, or of a run without langid) still reaches this writer.
    """
    # isascii() first: measured 55 µs per 10 KB page for the regex alone, ~1 µs for ASCII text.
    return {key: _SURROGATES.sub("\ufffd", value) if isinstance(value, str) and not value.isascii() else value
            for key, value in row.items()}


class _WriteShard(beam.DoFn):
    def __init__(self, folder: str, prefix: str, count: int):
        self.folder = folder
        self.prefix = prefix
        self.count = count

    def process(self, element):
        index, docs = element
        # A shard is gathered on one worker to sort it; shard count bounds its size.
        docs = [doc for doc in docs if doc is not None]
        path = FileSystems.join(self.folder, shard_name(self.prefix, index, self.count))
        write_parquet(path, docs)
        yield path


class WriteShards(beam.PTransform):
    """Documents → `folder/prefix-0000i-of-0000N.parquet`; outputs the written paths."""

    def __init__(self, folder: str, prefix: str, count: int):
        super().__init__()
        self.folder = folder
        self.prefix = prefix
        self.count = count

    def expand(self, docs):
        count = self.count
        keyed = docs | "KeyByShard" >> beam.Map(lambda doc: (shard_of(doc.id, count), doc))  # (shard, doc)
        every_shard = (
            docs.pipeline | "AllShards" >> beam.Create([(i, None) for i in range(count)])  # (shard, None)
        )
        return (
            (keyed, every_shard)
            | "WithEmptyShards" >> beam.Flatten()
            | "GroupShards" >> beam.GroupByKey()  # (shard, [doc, ..., None])
            | "Write" >> beam.ParDo(_WriteShard(self.folder, self.prefix, count))  # path
        )


_DIGEST_MOD = 1 << 64


def sum_columns(rows):
    """Element-wise sum of equal-length tuples, as a CombinePerKey function: (docs, tokens), …"""
    totals = None
    for row in rows:
        totals = tuple(row) if totals is None else tuple(a + b for a, b in zip(totals, row))
    return totals


def sum_stats(values):
    docs = chars_in = chars_out = digest = 0
    for d, ci, co, dg in values:
        docs += d
        chars_in += ci
        chars_out += co
        digest = (digest + dg) % _DIGEST_MOD
    return docs, chars_in, chars_out, digest


def stats_document(stage_order: list[str], rows: list) -> dict:
    """[((stage, outcome), (docs, chars_in, chars_out, kept_digest))] → the stats JSON structure.

    `kept_digest` (hex) changes whenever the (id, text) of any document a stage kept changes:
    the golden test compares it, so a text regression fails, not only a count change.
    """
    order = {name: i for i, name in enumerate(stage_order)}
    stages: dict[str, dict] = {}
    for (stage, outcome), (docs, chars_in, chars_out, digest) in rows:
        entry = stages.setdefault(
            stage, {"stage": stage, "docs_in": 0, "docs_out": 0, "chars_in": 0, "chars_out": 0, "dropped": {},
                    "kept_digest": 0}
        )
        entry["docs_in"] += docs
        entry["chars_in"] += chars_in
        entry["chars_out"] += chars_out
        if outcome == "kept":
            entry["docs_out"] += docs
            entry["kept_digest"] = (entry["kept_digest"] + digest) % _DIGEST_MOD
        else:
            entry["dropped"][outcome] = {"docs": docs, "chars": chars_in}
    for entry in stages.values():
        entry["dropped"] = dict(sorted(entry["dropped"].items(), key=lambda kv: (-kv[1]["docs"], kv[0])))
        entry["kept_digest"] = f"{entry['kept_digest']:016x}"
    ordered = sorted(stages.values(), key=lambda e: (order.get(e["stage"], len(order)), e["stage"]))
    return {"stages": ordered}


class _WriteJson(beam.DoFn):
    def __init__(self, path: str, to_json):
        self.path = path
        self.to_json = to_json

    def process(self, rows):
        data = self.to_json(rows)
        fs.write_atomic(self.path, (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8"))
        yield self.path


class WriteJson(beam.PTransform):
    """Rows → `to_json(all rows)` written as one JSON file (stats, dedup stats, reports)."""

    def __init__(self, path: str, to_json):
        super().__init__()
        self.path = path
        self.to_json = to_json

    def expand(self, rows):
        return (
            rows
            | "Gather" >> beam.combiners.ToList()  # [row, ...]
            | "WriteJson" >> beam.ParDo(_WriteJson(self.path, self.to_json))
        )


class WriteStats(beam.PTransform):
    """((stage, outcome), (docs, chars_in, chars_out, kept_digest)) tuples → one stats JSON file."""

    def __init__(self, path: str, stage_order: list[str]):
        super().__init__()
        self.path = path
        self.stage_order = stage_order

    def expand(self, stats):
        return (
            stats
            | "SumPerOutcome" >> beam.CombinePerKey(sum_stats)  # ((stage, outcome), totals)
            | "Write" >> WriteJson(self.path, functools.partial(stats_document, self.stage_order))
        )
