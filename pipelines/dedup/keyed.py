"""Keyed dedup: exact text and URL (one document per key), and lines/paragraphs (one owner per unit).

Each key or unit picks its winner with the keep rule as a `CombinePerKey` (lifted before the
shuffle, so a hot key never gathers its documents), and the winners reach the documents
through one join by id.
"""

from __future__ import annotations

import dataclasses

import apache_beam as beam

from dataprep import dedup
from dataprep.dedup import CLUSTER_SIZE_FIELD, DUP_KEY_FIELD, DedupConfig, LinesConfig
from dataprep.document import Document, Drop
from pipelines.dedup.common import CLUSTER, JoinRoute, KeepBestFn, cluster_stat, dedup_result, ordered, route_by_id

# --- exact and URL dedup ---------------------------------------------------------------------


class ExactKey:
    def __init__(self, normalize: bool):
        self.normalize = normalize

    def __call__(self, doc: Document) -> bytes:
        return dedup.exact_key(doc.text, self.normalize)


class UrlKey:
    def __init__(self, normalize: bool):
        self.normalize = normalize

    def __call__(self, doc: Document) -> bytes | None:
        return dedup.url_key(doc.url, self.normalize)


class _RouteByKey(JoinRoute):
    def __init__(self, stage: str, reason: str, key_fn):
        super().__init__(stage)
        self.reason = reason
        self.key_fn = key_fn

    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "won": [(key, weight)]}
        wins = dict(grouped["won"])
        for doc in ordered(grouped["doc"]):
            key = self.key_fn(doc)
            if key is None:  # no URL: nothing to compare
                result = doc.with_metadata(**{CLUSTER_SIZE_FIELD: dedup.weight_of(doc.metadata)})
            elif key in wins:
                result = doc.with_metadata(**{CLUSTER_SIZE_FIELD: wins.pop(key)})
            else:
                result = Drop(self.reason, fields={DUP_KEY_FIELD: key.hex()})
            yield from self.route(doc, result)


def _group_stats(kind: str):
    def emit(element):
        _, (_, count, _) = element  # key, (best node, count, weight)
        if count > 1:
            yield (kind, "duplicate_groups", ""), 1
            yield (kind, "cluster_sizes", dedup.log2_bin(count)), 1
            yield (kind, "max_cluster_size", ""), count
    return emit


class KeyDedup(beam.PTransform):
    """Documents → one kept per key (exact text hash or URL), chosen by the keep rule."""

    def __init__(self, config: DedupConfig, stage: str, reason: str, kind: str, key_fn):
        super().__init__()
        self.config = config
        self.stage = stage
        self.reason = reason
        self.kind = kind
        self.key_fn = key_fn

    def expand(self, docs):
        config, key_fn = self.config, self.key_fn

        def key_and_node(doc):
            key = key_fn(doc)
            if key is not None:
                yield key, dedup.node_of(doc, config)

        groups = (
            docs
            | "KeyNode" >> beam.FlatMap(key_and_node)  # (key, node)
            | "BestPerKey" >> beam.CombinePerKey(KeepBestFn())  # (key, (best node, count, weight))
        )
        winners = groups | "Winners" >> beam.Map(lambda kv: (kv[1][0][1], (kv[0], kv[1][2])))  # (id, (key, weight))
        routed = route_by_id(docs, winners, "won", _RouteByKey(self.stage, self.reason, key_fn))
        cluster = groups | "GroupStats" >> beam.FlatMap(_group_stats(self.kind))  # ((kind, metric, bin), n)
        return dedup_result(routed, cluster)


# --- line / paragraph dedup ------------------------------------------------------------------------


class _RouteLines(JoinRoute):
    def __init__(self, stage: str, config: LinesConfig):
        super().__init__(stage)
        self.config = config

    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "owned": [unit key]}
        owned = set(grouped["owned"])
        for doc in ordered(grouped["doc"]):
            text, removed = dedup.remove_units(doc.text, self.config, owned)
            if not removed:
                yield from self.route(doc, doc)
                continue
            yield cluster_stat("lines", "units_removed", "", removed)
            yield cluster_stat("lines", "docs_changed", "", 1)
            if not text.strip():
                yield from self.route(doc, Drop(dedup.REASON_LINES_EMPTIED))
            else:
                yield cluster_stat("lines", "chars_removed", "", len(doc.text) - len(text))
                yield from self.route(doc, dataclasses.replace(doc, text=text))


def _unit_stats(element):
    _, (_, count, _) = element  # unit key, (owner node, documents, weight)
    if count > 1:
        yield ("lines", "duplicate_units", ""), 1
        yield ("lines", "max_unit_documents", ""), count


class LineDedup(beam.PTransform):
    """A unit (line/paragraph) found in several documents stays only in the keep rule's choice.

    As the TFDS C4 code does it: each unit picks its owner with a combiner, the owner is told
    which units it keeps, and every other document drops them (one join by document id).
    """

    def __init__(self, config: DedupConfig):
        super().__init__()
        self.config = config

    def expand(self, docs):
        config, lines = self.config, self.config.lines

        def keys_and_node(doc):
            node = dedup.node_of(doc, config)
            for key in sorted(dedup.unit_keys(doc.text, lines)):
                yield key, node

        owners = (
            docs
            | "UnitKeys" >> beam.FlatMap(keys_and_node)  # (unit key, node)
            | "OwnerPerUnit" >> beam.CombinePerKey(KeepBestFn())  # (unit key, (owner node, documents, weight))
        )
        owned = owners | "OwnedBy" >> beam.Map(lambda kv: (kv[1][0][1], kv[0]))  # (owner id, unit key)
        routed = route_by_id(docs, owned, "owned", _RouteLines(dedup.STAGE_LINES, lines), CLUSTER)
        cluster = (
            (owners | "UnitStats" >> beam.FlatMap(_unit_stats), routed[CLUSTER]) | "LineStats" >> beam.Flatten()
        )
        return dedup_result(routed, cluster)
