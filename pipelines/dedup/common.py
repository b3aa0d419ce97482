"""What every dedup step shares: its result shape, the keep-rule combiner and the join by id.

Every step decides on keys (or on an edge graph) and tells each document its verdict through
one join by document id, where a key has at most a few values; `JoinRoute` subclasses turn a
joined id into the kept Document or a `Drop`, routed by `pipelines.stage.Router`.
"""

from __future__ import annotations

import json
import typing

import apache_beam as beam

from dataprep.dedup import KeepBest
from dataprep.document import Document
from pipelines.stage import DROPPED, KEPT, STATS, Router

# Every DoFn here with tagged outputs declares Any: Beam would otherwise infer
# Union[TaggedOutput, ...] for the main output and fail the KV check of the next GroupByKey.
ANY_OUTPUT = beam.typehints.with_output_types(typing.Any)

#: Side output of ((kind, metric, bin), value) records that `WriteDedupStats` sums into a JSON.
CLUSTER = "cluster_stats"


class DedupResult(typing.NamedTuple):
    kept: beam.PCollection  # Document, with metadata.dup_cluster_size
    dropped: beam.PCollection  # Document with metadata drop_stage / drop_reason (+ dup_of / dup_key)
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out, kept_digest))
    cluster_stats: beam.PCollection  # ((kind, metric, bin), value)


def cluster_stat(kind: str, metric: str, bin_: str, value: int):
    return beam.pvalue.TaggedOutput(CLUSTER, ((kind, metric, bin_), value))


class KeepBestFn(beam.CombineFn):
    """node → (best node, count, total weight): the keep rule as a liftable combiner."""

    def create_accumulator(self):
        return KeepBest.create()

    def add_input(self, accumulator, node):
        return KeepBest.add(accumulator, node)

    def merge_accumulators(self, accumulators):
        return KeepBest.merge(accumulators)

    def extract_output(self, accumulator):
        return accumulator


def _by_id(doc: Document):
    return doc.id, doc


def ordered(docs) -> list[Document]:
    # Two inputs with one id (the same file read twice) are decided in a fixed order.
    docs = list(docs)
    if len(docs) > 1:
        docs.sort(key=lambda d: (d.text, d.source, d.url or "", json.dumps(d.metadata, sort_keys=True)))
    return docs


@ANY_OUTPUT
class JoinRoute(beam.DoFn):
    """Base of the per-id join handlers: one stage's `Router`, built in `setup()`."""

    def __init__(self, stage: str):
        self.stage = stage

    def setup(self):
        self._router = Router(self.stage)

    def route(self, doc: Document, result):
        """`doc` → `result` (the kept Document or a Drop), with its stats and audit record."""
        return self._router.route(doc, result, len(doc.text))


def route_by_id(docs, verdicts, name: str, route: JoinRoute, *tags: str):
    """Documents joined with their (id, verdict) records and routed: main (kept), dropped, stats, `tags`."""
    return (
        {"doc": docs | "ById" >> beam.Map(_by_id), name: verdicts}  # (id, Document), (id, verdict)
        | "JoinById" >> beam.CoGroupByKey()  # (id, {"doc": [Document], name: [verdict]})
        | "Route" >> beam.ParDo(route).with_outputs(DROPPED, STATS, *tags, main=KEPT)
    )


def dedup_result(routed, cluster) -> DedupResult:
    return DedupResult(routed[KEPT], routed[DROPPED], routed[STATS], cluster)
