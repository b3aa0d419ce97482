"""Deduplication on Beam: exact → URL → MinHash near-duplicates → lines, one document kept per group.

`docs | Deduplicate(config)` returns a `DedupResult` with the three outputs every stage has
(`pipelines/stage.py`): kept Documents, `dropped` Documents (metadata drop_stage/drop_reason),
and `stats` tuples ((stage, outcome), (docs, chars_in, chars_out)); plus `cluster_stats`,
((kind, metric, bin), value) records that `WriteDedupStats` turns into a JSON file.

Shape of every stage: keys are computed from the documents, decisions are made on the keys
with combiners (or, for MinHash, on an edge graph), and the decision reaches each document
through one join by document id, where a key has at most a few values. No step gathers a hot
key's documents: exact/URL/line groups are reduced by `CombinePerKey` (lifted before the
shuffle), LSH buckets are streamed (two passes over the iterable, never `list()`ed) and salted
when huge, and connected components run as large-star/small-star rounds (Kiveris et al. 2014,
"Connected Components in MapReduce and Beyond"), unrolled to `minhash.max_rounds` and checked.

Order: MinHash runs before line dedup, so that a near-duplicate page is removed whole instead
of being cut down to the few lines that differ from its original.

Determinism: the document kept is the smallest "node" (rank, id, weight) of its group
(`dataprep.dedup.node_of`), salts and samples are hashes of ids, and all counts are integers:
outputs are byte-identical on any runner and worker count.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from dataprep import dedup
from dataprep.dedup import (
    CLUSTER_SIZE_FIELD,
    DUP_KEY_FIELD,
    DUP_OF_FIELD,
    DedupConfig,
    KeepBest,
    LinesConfig,
    MinHashConfig,
)
from dataprep.document import Document
from pipelines.stage import DROPPED, KEPT, STATS, dropped_document

# Every DoFn here with tagged outputs declares Any: Beam would otherwise infer
# Union[TaggedOutput, ...] for the main output and fail the KV check of the next GroupByKey.
_ANY_OUTPUT = beam.typehints.with_output_types(typing.Any)

CLUSTER = "cluster_stats"
ANCHORS = "anchors"
UNCONVERGED = "unconverged"

# Oversized buckets are found on a hash-sampled subset of the band entries: a bucket of
# `max_bucket_size` members is expected to show ~64 times, so one of millions shows for sure,
# and the sample costs ~64/max_bucket_size of a shuffle.
_SAMPLED_PER_MAX_BUCKET = 64


class DedupResult(typing.NamedTuple):
    kept: beam.PCollection  # Document, with metadata.dup_cluster_size
    dropped: beam.PCollection  # Document with metadata drop_stage / drop_reason (+ dup_of / dup_key)
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out))
    cluster_stats: beam.PCollection  # ((kind, metric, bin), value)


class Deduplicate(beam.PTransform):
    """Documents → `DedupResult`: exact, URL, MinHash and line dedup as the config enables them."""

    def __init__(self, config: DedupConfig, label: str | None = None):
        super().__init__(label=label)
        self.config = config

    def expand(self, docs):
        config = self.config
        current, dropped, stats, cluster = docs, [], [], []
        steps = []
        if config.exact is not None:
            normalize = config.exact.normalize
            steps.append(("Exact", _KeyDedup(config, dedup.STAGE_EXACT, dedup.REASON_EXACT, "exact",
                                             _ExactKey(normalize))))
        if config.url is not None:
            steps.append(("Url", _KeyDedup(config, dedup.STAGE_URL, dedup.REASON_URL, "url",
                                           _UrlKey(config.url.normalize))))
        if config.minhash is not None:
            steps.append(("MinHash", _MinHashDedup(config)))
        if config.lines is not None:
            steps.append(("Lines", _LineDedup(config)))
        for label, step in steps:
            result = current | label >> step
            current = result.kept
            dropped.append(result.dropped)
            stats.append(result.stats)
            cluster.append(result.cluster_stats)
        pipeline = docs.pipeline
        return DedupResult(
            kept=current,
            dropped=_flatten(pipeline, dropped, "AllDropped"),
            stats=_flatten(pipeline, stats, "AllStats"),
            cluster_stats=_flatten(pipeline, cluster, "AllClusterStats"),
        )


def _flatten(pipeline, pcolls: list, label: str):
    if not pcolls:
        return pipeline | label >> beam.Create([])
    return tuple(pcolls) | label >> beam.Flatten()


# --- shared pieces -----------------------------------------------------------------------------


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


class SumMaxFn(beam.CombineFn):
    """Cluster-stat values → (sum, max); the writer shows max for `max_*` metrics, sum otherwise."""

    def create_accumulator(self):
        return (0, 0)

    def add_input(self, accumulator, value):
        return (accumulator[0] + value, max(accumulator[1], value))

    def merge_accumulators(self, accumulators):
        total, largest = 0, 0
        for s, m in accumulators:
            total += s
            largest = max(largest, m)
        return (total, largest)

    def extract_output(self, accumulator):
        return accumulator


def _by_id(doc: Document):
    return doc.id, doc


def _sum_pairs(values):
    count = weight = 0
    for c, w in values:
        count += c
        weight += w
    return count, weight


@_ANY_OUTPUT
class _Route(beam.DoFn):
    """Base of the per-id join handlers: counters, stats and drop records of one stage."""

    def __init__(self, stage: str):
        self.stage = stage

    def setup(self):
        self._kept = Metrics.counter(self.stage, "docs_out")
        self._in = Metrics.counter(self.stage, "docs_in")
        self._by_reason: dict = {}

    def keep(self, doc: Document, chars_in: int):
        self._in.inc()
        self._kept.inc()
        yield beam.pvalue.TaggedOutput(STATS, ((self.stage, KEPT), (1, chars_in, len(doc.text))))
        yield doc

    def drop(self, doc: Document, reason: str, chars_in: int, **metadata):
        self._in.inc()
        if reason not in self._by_reason:
            self._by_reason[reason] = Metrics.counter(self.stage, reason)
        self._by_reason[reason].inc()
        record = doc.with_metadata(**metadata) if metadata else doc
        yield beam.pvalue.TaggedOutput(DROPPED, dropped_document(record, self.stage, reason))
        yield beam.pvalue.TaggedOutput(STATS, ((self.stage, reason), (1, chars_in, 0)))


def _ordered(docs) -> list[Document]:
    # Two inputs with one id (the same file read twice) are decided in a fixed order.
    docs = list(docs)
    if len(docs) > 1:
        docs.sort(key=lambda d: (d.text, d.source, d.url or "", json.dumps(d.metadata, sort_keys=True)))
    return docs


# --- exact and URL dedup ---------------------------------------------------------------------


class _ExactKey:
    def __init__(self, normalize: bool):
        self.normalize = normalize

    def __call__(self, doc: Document) -> bytes:
        return dedup.exact_key(doc.text, self.normalize)


class _UrlKey:
    def __init__(self, normalize: bool):
        self.normalize = normalize

    def __call__(self, doc: Document) -> bytes | None:
        return dedup.url_key(doc.url, self.normalize)


class _RouteByKey(_Route):
    def __init__(self, stage: str, reason: str, key_fn):
        super().__init__(stage)
        self.reason = reason
        self.key_fn = key_fn

    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "won": [(key, weight)]}
        wins = dict(grouped["won"])
        for doc in _ordered(grouped["doc"]):
            key = self.key_fn(doc)
            chars = len(doc.text)
            if key is None:  # no URL: nothing to compare
                yield from self.keep(doc.with_metadata(**{CLUSTER_SIZE_FIELD: dedup.weight_of(doc.metadata)}), chars)
            elif key in wins:
                yield from self.keep(doc.with_metadata(**{CLUSTER_SIZE_FIELD: wins.pop(key)}), chars)
            else:
                yield from self.drop(doc, self.reason, chars, **{DUP_KEY_FIELD: key.hex()})


def _group_stats(kind: str):
    def emit(element):
        _, (_, count, _) = element  # key, (best node, count, weight)
        if count > 1:
            yield (kind, "duplicate_groups", ""), 1
            yield (kind, "cluster_sizes", dedup.log2_bin(count)), 1
            yield (kind, "max_cluster_size", ""), count
    return emit


class _KeyDedup(beam.PTransform):
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
        routed = (
            {"doc": docs | "ById" >> beam.Map(_by_id), "won": winners}  # (id, Document), (id, (key, weight))
            | "JoinById" >> beam.CoGroupByKey()  # (id, {"doc": [Document], "won": [(key, weight)]})
            | "Route" >> beam.ParDo(_RouteByKey(self.stage, self.reason, key_fn)).with_outputs(
                DROPPED, STATS, main=KEPT)
        )
        cluster = groups | "GroupStats" >> beam.FlatMap(_group_stats(self.kind))  # ((kind, metric, bin), n)
        return DedupResult(routed[KEPT], routed[DROPPED], routed[STATS], cluster)


# --- MinHash: signatures and buckets ---------------------------------------------------------


@_ANY_OUTPUT
class _BandEntries(beam.DoFn):
    """A batch of Documents → (band_key, (node, sketch)) for each band of each; no words, no entries.

    Signatures are computed a batch at a time (`MinHasher.signatures`): one numpy pass per
    ~8k shingles instead of per document, ~20% faster on web-sized pages.
    """

    def __init__(self, config: DedupConfig):
        self.config = config

    def setup(self):
        self._hasher = dedup.MinHasher(self.config.minhash)
        self._verify = self.config.minhash.verify

    def process(self, docs: list):
        for doc, signature in zip(docs, self._hasher.signatures([doc.text for doc in docs])):
            if signature is None:
                continue
            member = (dedup.node_of(doc, self.config), dedup.sketch_of(signature) if self._verify else None)
            for key in self._hasher.band_keys(signature):
                yield key, member


def _sampled(entry, rate: float) -> bool:
    key, (node, _) = entry
    return xxhash.xxh3_64_intdigest(key + node[1].encode("utf-8")) < rate * 2.0**64


def _salt_count(element, rate: float, max_bucket_size: int):
    key, sampled = element  # band_key, entries seen in the sample
    estimate = sampled / rate
    if estimate > max_bucket_size:
        yield key, math.ceil(estimate / max_bucket_size)


def _salted(entry, salts: dict):
    key, (node, sketch) = entry
    count = salts.get(key, 1)
    salt = xxhash.xxh3_64_intdigest(node[1].encode("utf-8")) % count if count > 1 else 0
    return (key, salt, count), (node, sketch)


@_ANY_OUTPUT
class _LinkBucket(beam.DoFn):
    """A (sub-)bucket → edges linking its verified members (`dataprep.dedup.link_bucket`).

    The members are iterated at most twice and never held in a list: a runner pages a large
    iterable from shuffle (Dataflow re-reads it), so memory is O(16 anchors) per bucket. A
    salted sub-bucket also sends its anchors up, to be linked with its siblings' anchors.
    """

    def __init__(self, cut: float | None):
        self.cut = cut

    def process(self, element):
        (key, _, salts), members = element  # (band_key, salt, salt count), iterable of (node, sketch)
        stats = dedup.BucketStats()
        yield from dedup.link_bucket(members, self.cut, stats)
        if salts > 1:
            yield beam.pvalue.TaggedOutput(ANCHORS, (key, (stats.anchors, stats.size)))
        elif stats.size > 1:
            yield from _bucket_stats(stats)


@_ANY_OUTPUT
class _LinkSalted(beam.DoFn):
    """The anchors of a salted bucket's sub-buckets → edges linking them (at most 16 per sub-bucket)."""

    def __init__(self, cut: float | None):
        self.cut = cut

    def process(self, element):
        key, subs = element  # band_key, iterable of ([(node, sketch)] anchors, sub-bucket size)
        subs = list(subs)  # one entry per salt, ≤ 16 anchors each: small
        members = [member for anchors, _ in subs for member in anchors]
        yield from dedup.link_bucket(members, self.cut)
        # Reported as one bucket of all its members (rejections are not counted for salted buckets).
        stats = dedup.BucketStats(size=sum(size for _, size in subs))
        yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "salted_buckets", ""), 1))
        yield from _bucket_stats(stats, candidates_only=True)


def _bucket_stats(stats, candidates_only: bool = False):
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "bucket_sizes", dedup.log2_bin(stats.size)), 1))
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "max_bucket_size", ""), stats.size))
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "candidate_links", ""), stats.size - 1))
    if not candidates_only and stats.size - 1 > stats.edges:
        yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "rejected_links", ""), stats.size - 1 - stats.edges))


class CandidateEdges(beam.PTransform):
    """Documents → distinct verified edges (node, smaller node) linking MinHash LSH bucket members."""

    def __init__(self, config: DedupConfig):
        super().__init__()
        self.config = config

    def expand(self, docs):
        minhash: MinHashConfig = self.config.minhash
        cut = minhash.cut() if minhash.verify else None
        rate = min(1.0, _SAMPLED_PER_MAX_BUCKET / minhash.max_bucket_size)
        entries = (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=16, max_batch_size=64)  # [Document]
            | "BandEntries" >> beam.ParDo(_BandEntries(self.config))  # (band_key, (node, sketch))
        )
        salts = (
            entries
            | "SampleEntries" >> beam.Filter(_sampled, rate)
            | "SampleKeys" >> beam.Map(lambda entry: (entry[0], 1))  # (band_key, 1)
            | "SampledSizes" >> beam.CombinePerKey(sum)  # (band_key, sampled entries)
            | "Oversized" >> beam.FlatMap(_salt_count, rate, minhash.max_bucket_size)  # (band_key, salts)
        )
        buckets = (
            entries
            | "Salt" >> beam.Map(_salted, beam.pvalue.AsDict(salts))  # ((band_key, salt, salts), (node, sketch))
            | "GroupBuckets" >> beam.GroupByKey()  # ((band_key, salt, salts), iterable of (node, sketch))
            | "LinkBuckets" >> beam.ParDo(_LinkBucket(cut)).with_outputs(ANCHORS, CLUSTER, main="edges")
        )
        joined = (
            buckets[ANCHORS]  # (band_key, ([(anchor, sketch)], sub-bucket size))
            | "GroupAnchors" >> beam.GroupByKey()  # (band_key, iterable of ([(anchor, sketch)], size))
            | "LinkAnchors" >> beam.ParDo(_LinkSalted(cut)).with_outputs(CLUSTER, main="edges")
        )
        edges = (
            (buckets.edges, joined.edges)
            | "AllEdges" >> beam.Flatten()  # (node, smaller node); repeated across bands
            | "DistinctEdges" >> beam.Distinct()  # (node, smaller node)
        )
        cluster = (buckets[CLUSTER], joined[CLUSTER]) | "BucketStats" >> beam.Flatten()
        return edges, cluster


# --- connected components ----------------------------------------------------------------------


class ComponentsResult(typing.NamedTuple):
    edges: beam.PCollection  # (node, component minimum), one per non-minimum node
    stats: beam.PCollection  # ((kind, metric, bin), value)


def _both_directions(edge):
    big, small = edge
    yield big, small
    yield small, big


def _node_state(u, neighbours):
    """One pass over Γ(u): (smallest of Γ(u) ∪ {u}, smallest smaller neighbour, whether u is converged,
    smaller neighbours counted with repeats).

    Converged = the graph around u is a star centred on a component minimum: u has no smaller
    neighbour, or exactly one distinct smaller neighbour and no larger one.
    """
    smallest = u
    lo = hi = None
    larger = False
    smaller = 0
    for v in neighbours:
        if v < u:
            smaller += 1
            if lo is None or v < lo:
                lo = v
                smallest = v
            if hi is None or v > hi:
                hi = v
        elif v > u:
            larger = True
    return smallest, lo, lo is None or (lo == hi and not larger), smaller


class _RoundCounter:
    """Unconverged nodes and edges of one graph, summed per bundle and emitted at its end.

    Emitting per bundle rather than per node keeps the stats a handful of records per worker.
    """

    def __init__(self, index: int):
        self.index = index

    def start(self):
        self.unconverged = self.edges = 0

    def add(self, converged: bool, smaller: int):
        self.unconverged += not converged
        self.edges += smaller  # each edge counted once, at its bigger end

    def finish(self, tag: str = CLUSTER):
        bin_ = f"{self.index:02d}"
        for metric, value in (("cc_unconverged_nodes", self.unconverged), ("cc_edges", self.edges)):
            yield beam.pvalue.TaggedOutput(tag, WindowedValue(
                (("minhash", metric, bin_), value), MIN_TIMESTAMP, [GlobalWindow()]))


@_ANY_OUTPUT
class _LargeStar(beam.DoFn):
    """u, Γ(u) → (v, m(u)) for every neighbour v > u, m(u) = min(Γ(u) ∪ {u}) (Kiveris et al.).

    Γ(u) is iterated twice, never copied. On the side: how many nodes of the input graph (the
    graph after round `index` − 1) were unconverged, and its edges.
    """

    def __init__(self, index: int):
        self.counter = _RoundCounter(index - 1)

    def start_bundle(self):
        self.counter.start()

    def process(self, element):
        u, neighbours = element  # node, iterable of nodes
        smallest, _, converged, smaller = _node_state(u, neighbours)
        self.counter.add(converged, smaller)
        for v in neighbours:
            if v > u:
                yield v, smallest

    def finish_bundle(self):
        yield from self.counter.finish()


def _small_star(element):
    """u, N = {v ∈ Γ(u): v < u} → (v, m) for v ∈ N ∪ {u}, v ≠ m, m = min N."""
    u, smaller = element  # node, iterable of smaller nodes (two passes)
    smallest = min(smaller)
    for v in smaller:
        if v != smallest:
            yield v, smallest
    yield u, smallest


@_ANY_OUTPUT
class _Check(beam.DoFn):
    """The graph after the last round → (leaf, centre) once per leaf, and its unconverged count."""

    def __init__(self, index: int):
        self.counter = _RoundCounter(index)

    def start_bundle(self):
        self.counter.start()

    def process(self, element):
        u, neighbours = element
        _, lo, converged, smaller = _node_state(u, neighbours)
        self.counter.add(converged, smaller)
        if lo is not None and converged:
            yield u, lo

    def finish_bundle(self):
        yield from self.counter.finish()
        yield beam.pvalue.TaggedOutput(UNCONVERGED, WindowedValue(
            self.counter.unconverged, MIN_TIMESTAMP, [GlobalWindow()]))


class ComponentsNotConverged(RuntimeError):
    pass


def _fail_unless_converged(unconverged: int, max_rounds: int):
    if unconverged:
        raise ComponentsNotConverged(
            f"connected components did not converge within {max_rounds} large-star/small-star rounds "
            f"({unconverged} nodes still unconverged); raise minhash.max_rounds (the bound, now {max_rounds})")
    return True


class ConnectedComponents(beam.PTransform):
    """Edges (bigger node, smaller node) → (node, component minimum) for every non-minimum node.

    method "beam": the alternating algorithm of Kiveris et al. (2014), large-star then
    small-star, `max_rounds` times, unrolled in the graph (a Beam graph has no data-dependent
    loops). A converged graph is a fixed point, so extra rounds change nothing. `CheckConverged`
    fails the pipeline, naming the bound, if the last round left any node unconverged, and
    the output waits for that check. Stats: unconverged nodes and edges after each round.
    method "union_find": every edge on one worker (`dataprep.dedup.components`); small inputs.
    """

    def __init__(self, max_rounds: int = 12, method: str = "beam"):
        super().__init__()
        self.max_rounds = max_rounds
        self.method = method

    def expand(self, edges):
        if self.method == "union_find":
            final = (
                edges
                | "GatherEdges" >> beam.combiners.ToList()  # [(node, node)], one element
                | "UnionFind" >> beam.FlatMap(dedup.star_edges)  # (node, component minimum)
            )
            return ComponentsResult(final, edges.pipeline | "NoRoundStats" >> beam.Create([]))
        stats = []
        current = edges
        for index in range(1, self.max_rounds + 1):
            large = (
                current
                | f"Round{index:02d}Both" >> beam.FlatMap(_both_directions)  # (u, v) and (v, u)
                | f"Round{index:02d}Neighbours" >> beam.GroupByKey()  # (u, iterable of neighbours)
                | f"Round{index:02d}LargeStar" >> beam.ParDo(_LargeStar(index)).with_outputs(CLUSTER, main="edges")
            )
            stats.append(large[CLUSTER])
            current = (
                large.edges  # (v, m), m < v
                | f"Round{index:02d}Smaller" >> beam.GroupByKey()  # (v, iterable of smaller nodes)
                | f"Round{index:02d}SmallStar" >> beam.FlatMap(_small_star)  # (v, m), m < v
            )
        checked = (
            current
            | "CheckBoth" >> beam.FlatMap(_both_directions)
            | "CheckNeighbours" >> beam.GroupByKey()  # (u, iterable of neighbours)
            | "CheckConverged" >> beam.ParDo(_Check(self.max_rounds)).with_outputs(
                CLUSTER, UNCONVERGED, main="edges")
        )
        stats.append(checked[CLUSTER])
        verdict = (
            checked[UNCONVERGED]
            | "CountUnconverged" >> beam.CombineGlobally(sum)  # nodes not in a star after the last round
            | "FailUnlessConverged" >> beam.Map(_fail_unless_converged, self.max_rounds)
        )
        final = checked.edges | "AfterCheck" >> beam.Map(lambda edge, ok: edge, beam.pvalue.AsSingleton(verdict))
        return ComponentsResult(final, tuple(stats) | "RoundStats" >> beam.Flatten())


# --- MinHash dedup ---------------------------------------------------------------------------------


class _RouteMinHash(_Route):
    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "verdict": [("dup", kept id) | ("keep", size, weight)]}
        verdicts = sorted(grouped["verdict"])
        for index, doc in enumerate(_ordered(grouped["doc"])):
            chars = len(doc.text)
            verdict = verdicts[0] if verdicts and index == 0 else None
            if verdict is not None and verdict[0] == "dup":
                yield from self.drop(doc, dedup.REASON_MINHASH, chars, **{DUP_OF_FIELD: verdict[1]})
            elif verdict is not None:
                yield from self.keep(doc.with_metadata(**{CLUSTER_SIZE_FIELD: verdict[2]}), chars)
            else:
                yield from self.keep(doc.with_metadata(**{CLUSTER_SIZE_FIELD: dedup.weight_of(doc.metadata)}), chars)


@_ANY_OUTPUT
def _cluster_verdict(element):
    root, (leaves, weight) = element  # root node, (leaf count, leaf weights)
    size = leaves + 1
    yield root[1], ("keep", size, weight + root[2])
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "clusters", ""), 1))
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "cluster_sizes", dedup.log2_bin(size)), 1))
    yield beam.pvalue.TaggedOutput(CLUSTER, (("minhash", "max_cluster_size", ""), size))


class _MinHashDedup(beam.PTransform):
    def __init__(self, config: DedupConfig):
        super().__init__()
        self.config = config

    def expand(self, docs):
        minhash = self.config.minhash
        edges, bucket_stats = docs | "Candidates" >> CandidateEdges(self.config)  # (node, anchor)
        components = edges | "Components" >> ConnectedComponents(minhash.max_rounds, minhash.components)
        final = components.edges  # (node, component minimum): the minimum is the document kept
        losers = final | "Duplicates" >> beam.Map(lambda e: (e[0][1], ("dup", e[1][1])))  # (id, ("dup", kept id))
        clusters = (
            final
            | "LeafWeights" >> beam.Map(lambda e: (e[1], (1, e[0][2])))  # (root node, (1, weight))
            | "SumPerCluster" >> beam.CombinePerKey(_sum_pairs)  # (root node, (leaves, weight))
            | "ClusterVerdicts" >> beam.FlatMap(_cluster_verdict).with_outputs(CLUSTER, main="verdicts")
        )
        verdicts = (losers, clusters.verdicts) | "Verdicts" >> beam.Flatten()  # (id, verdict)
        routed = (
            {"doc": docs | "ById" >> beam.Map(_by_id), "verdict": verdicts}
            | "JoinById" >> beam.CoGroupByKey()  # (id, {"doc": [Document], "verdict": [verdict]})
            | "Route" >> beam.ParDo(_RouteMinHash(dedup.STAGE_MINHASH)).with_outputs(DROPPED, STATS, main=KEPT)
        )
        cluster = (bucket_stats, components.stats, clusters[CLUSTER]) | "MinHashStats" >> beam.Flatten()
        return DedupResult(routed[KEPT], routed[DROPPED], routed[STATS], cluster)


# --- line / paragraph dedup ------------------------------------------------------------------------


class _RouteLines(_Route):
    def __init__(self, stage: str, config: LinesConfig):
        super().__init__(stage)
        self.config = config

    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "owned": [unit key]}
        owned = set(grouped["owned"])
        for doc in _ordered(grouped["doc"]):
            chars = len(doc.text)
            text, removed = dedup.remove_units(doc.text, self.config, owned)
            if not removed:
                yield from self.keep(doc, chars)
                continue
            yield beam.pvalue.TaggedOutput(CLUSTER, (("lines", "units_removed", ""), removed))
            yield beam.pvalue.TaggedOutput(CLUSTER, (("lines", "docs_changed", ""), 1))
            if not text.strip():
                yield from self.drop(doc, dedup.REASON_LINES_EMPTIED, chars)
            else:
                yield beam.pvalue.TaggedOutput(CLUSTER, (("lines", "chars_removed", ""), chars - len(text)))
                yield from self.keep(dataclasses.replace(doc, text=text), chars)


def _unit_stats(element):
    _, (_, count, _) = element  # unit key, (owner node, documents, weight)
    if count > 1:
        yield ("lines", "duplicate_units", ""), 1
        yield ("lines", "max_unit_documents", ""), count


class _LineDedup(beam.PTransform):
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
        routed = (
            {"doc": docs | "ById" >> beam.Map(_by_id), "owned": owned}
            | "JoinById" >> beam.CoGroupByKey()  # (id, {"doc": [Document], "owned": [unit key]})
            | "Route" >> beam.ParDo(_RouteLines(dedup.STAGE_LINES, lines)).with_outputs(
                DROPPED, STATS, CLUSTER, main=KEPT)
        )
        cluster = (
            (owners | "UnitStats" >> beam.FlatMap(_unit_stats), routed[CLUSTER]) | "LineStats" >> beam.Flatten()
        )
        return DedupResult(routed[KEPT], routed[DROPPED], routed[STATS], cluster)


# --- the cluster-stats JSON ------------------------------------------------------------------------


def _bin_order(name: str):
    head = name.split("-", 1)[0]
    return (0, int(head), name) if head.isdigit() else (1, 0, name)


def cluster_stats_document(rows: list, config: DedupConfig) -> dict:
    """[((kind, metric, bin), (sum, max))] → {kind: {metric: value | {bin: value}}} plus the settings."""
    data: dict = {}
    for kind in ("exact", "url", "minhash", "lines"):
        if getattr(config, kind) is not None:
            data[kind] = {}
    for (kind, metric, bin_), (total, largest) in sorted(rows):  # arrival order differs per runner
        value = largest if metric.startswith("max_") else total
        section = data.setdefault(kind, {})
        if bin_:
            section.setdefault(metric, {})[bin_] = value
        else:
            section[metric] = value
    for section in data.values():
        for metric, value in list(section.items()):
            if isinstance(value, dict):
                section[metric] = dict(sorted(value.items(), key=lambda kv: _bin_order(kv[0])))
    if config.minhash is not None:
        minhash = config.minhash
        bands, rows_ = minhash.bands_rows()
        section = data["minhash"]
        section["settings"] = {
            "num_perm": minhash.num_perm, "bands": bands, "rows": rows_, "ngram": minhash.ngram,
            "seed": minhash.seed, "hash": minhash.hash, "curve_midpoint": round(dedup.curve_midpoint(bands, rows_), 4),
            "verify_cut": round(minhash.cut(), 4) if minhash.verify else None,
            "match_probability": {f"{j:.2f}": round(p, 4) for j, p in dedup.probability_table(bands, rows_)},
            "components": minhash.components, "max_rounds": minhash.max_rounds,
        }
        if minhash.components == "beam" and "cc_edges" in section:
            rounds = [f"{index:02d}" for index in range(minhash.max_rounds + 1)]
            for metric in ("cc_unconverged_nodes", "cc_edges"):
                values = section.get(metric, {})
                section[metric] = {index: values.get(index, 0) for index in rounds}
            converged = [int(i) for i, count in section["cc_unconverged_nodes"].items() if count == 0]
            section["cc_rounds_to_converge"] = min(converged) if converged else None
    return data


class _WriteClusterJson(beam.DoFn):
    def __init__(self, path: str, config: DedupConfig):
        self.path = path
        self.config = config

    def process(self, rows):
        data = cluster_stats_document(rows, self.config)
        with FileSystems.create(self.path) as handle:
            handle.write((json.dumps(data, indent=2) + "\n").encode("utf-8"))
        yield self.path


class WriteDedupStats(beam.PTransform):
    """`DedupResult.cluster_stats` → one JSON file: cluster sizes, largest bucket, CC rounds, settings."""

    def __init__(self, path: str, config: DedupConfig):
        super().__init__()
        self.path = path
        self.config = config

    def expand(self, cluster_stats):
        return (
            cluster_stats
            | "SumMax" >> beam.CombinePerKey(SumMaxFn())  # ((kind, metric, bin), (sum, max))
            | "Gather" >> beam.combiners.ToList()  # [((kind, metric, bin), (sum, max)), ...]
            | "WriteJson" >> beam.ParDo(_WriteClusterJson(self.path, self.config))
        )


# --- the standalone `dataprep dedup` graph -------------------------------------------------------


def build_standalone(pipeline, inputs: list, config: DedupConfig, output: str, shards: int,
                     write_dropped: bool = True) -> dict:
    """Read `inputs` (InputConfig, parquet/jsonl), deduplicate, write; returns the output paths.

    Layout: kept/kept-0000i-of-0000N.parquet, dropped/…, stats.json (read + dedup stages),
    dedup_stats.json (cluster sizes, buckets, rounds) and dedup.json (the settings).
    """
    from dataprep.readers import ReaderOptions
    from pipelines.read import ReadInput, expand_input
    from pipelines.stage import SplitReadFailures
    from pipelines.write import WriteShards, WriteStats

    docs, dropped, stats = [], [], []
    for index, item in enumerate(inputs):
        # A corpus dataprep wrote keeps each document's own source across the dedup.
        options = ReaderOptions(text_field=item.text_field, url_field=item.url_field, id_field=item.id_field,
                                keep_source=True)
        read = (
            pipeline
            | f"Read[{index}]" >> ReadInput(item, expand_input(item), options)  # Document | ReadFailure
            | f"ReadFailures[{index}]" >> beam.ParDo(SplitReadFailures()).with_outputs(DROPPED, STATS, main="ok")
        )
        docs.append(read.ok)
        dropped.append(read[DROPPED])
        stats.append(read[STATS])
    corpus = tuple(docs) | "AllInputs" >> beam.Flatten()  # Document
    result = corpus | "Dedup" >> Deduplicate(config)
    paths = {
        "kept": FileSystems.join(output, "kept"),
        "stats": FileSystems.join(output, "stats.json"),
        "dedup_stats": FileSystems.join(output, "dedup_stats.json"),
        "settings": FileSystems.join(output, "dedup.json"),
    }
    result.kept | "WriteKept" >> WriteShards(paths["kept"], "kept", shards)
    if write_dropped:
        paths["dropped"] = FileSystems.join(output, "dropped")
        ((*dropped, result.dropped) | "AllDropped" >> beam.Flatten()
         | "WriteDropped" >> WriteShards(paths["dropped"], "dropped", shards))
    ((*stats, result.stats) | "AllStats" >> beam.Flatten()
     | "WriteStats" >> WriteStats(paths["stats"], ["read"] + config.stage_names()))
    result.cluster_stats | "WriteDedupStats" >> WriteDedupStats(paths["dedup_stats"], config)
    return paths
