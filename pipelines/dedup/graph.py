"""The dedup graph: `Deduplicate` (exact → URL → MinHash → lines), its cluster-stats JSON, and
the standalone `dataprep dedup` graph (read, deduplicate, write), built but never run here."""

from __future__ import annotations

import functools

import apache_beam as beam

from dataprep import dedup
from dataprep.dedup import CLUSTER_SIZE_FIELD, DUP_OF_FIELD, DedupConfig
from dataprep.document import Drop
from pipelines.dedup.candidates import CandidateEdges
from pipelines.dedup.common import (
    ANY_OUTPUT,
    CLUSTER,
    DedupResult,
    JoinRoute,
    cluster_stat,
    dedup_result,
    ordered,
    route_by_id,
)
from pipelines.dedup.components import ConnectedComponents
from pipelines.dedup.keyed import ExactKey, KeyDedup, LineDedup, UrlKey
from pipelines import standalone
from pipelines.write import WriteJson, sum_columns


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
            steps.append(("Exact", KeyDedup(config, dedup.STAGE_EXACT, dedup.REASON_EXACT, "exact",
                                            ExactKey(config.exact.normalize))))
        if config.url is not None:
            steps.append(("Url", KeyDedup(config, dedup.STAGE_URL, dedup.REASON_URL, "url",
                                          UrlKey(config.url.normalize))))
        if config.minhash is not None:
            steps.append(("MinHash", MinHashDedup(config)))
        if config.lines is not None:
            steps.append(("Lines", LineDedup(config)))
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


# --- MinHash dedup ---------------------------------------------------------------------------------


class _RouteMinHash(JoinRoute):
    def process(self, element):
        _, grouped = element  # id, {"doc": [Document], "verdict": [("dup", kept id) | ("keep", size, weight)]}
        verdicts = sorted(grouped["verdict"])
        for index, doc in enumerate(ordered(grouped["doc"])):
            verdict = verdicts[0] if verdicts and index == 0 else None
            if verdict is not None and verdict[0] == "dup":
                result = Drop(dedup.REASON_MINHASH, fields={DUP_OF_FIELD: verdict[1]})
            elif verdict is not None:
                result = doc.with_metadata(**{CLUSTER_SIZE_FIELD: verdict[2]})
            else:
                result = doc.with_metadata(**{CLUSTER_SIZE_FIELD: dedup.weight_of(doc.metadata)})
            yield from self.route(doc, result)


@ANY_OUTPUT
def _cluster_verdict(element):
    root, (leaves, weight) = element  # root node, (leaf count, leaf weights)
    size = leaves + 1
    yield root[1], ("keep", size, weight + root[2])
    yield cluster_stat("minhash", "clusters", "", 1)
    yield cluster_stat("minhash", "cluster_sizes", dedup.log2_bin(size), 1)
    yield cluster_stat("minhash", "max_cluster_size", "", size)


class MinHashDedup(beam.PTransform):
    """Documents → one kept per connected component of verified MinHash LSH candidates."""

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
            | "SumPerCluster" >> beam.CombinePerKey(sum_columns)  # (root node, (leaves, weight))
            | "ClusterVerdicts" >> beam.FlatMap(_cluster_verdict).with_outputs(CLUSTER, main="verdicts")
        )
        verdicts = (losers, clusters.verdicts) | "Verdicts" >> beam.Flatten()  # (id, verdict)
        routed = route_by_id(docs, verdicts, "verdict", _RouteMinHash(dedup.STAGE_MINHASH))
        cluster = (bucket_stats, components.stats, clusters[CLUSTER]) | "MinHashStats" >> beam.Flatten()
        return dedup_result(routed, cluster)


# --- the cluster-stats JSON ------------------------------------------------------------------------


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
            | "WriteJson" >> WriteJson(self.path, functools.partial(cluster_stats_document, config=self.config))
        )


# --- the standalone `dataprep dedup` graph -------------------------------------------------------


def build_standalone(pipeline, inputs: list, config: DedupConfig, output: str, shards: int,
                     write_dropped: bool = True) -> dict:
    """Read `inputs` (InputConfig, parquet/jsonl), deduplicate, write; returns the output paths.

    Layout (pipelines/standalone.py) plus dedup_stats.json (cluster sizes, buckets, rounds) and
    dedup.json (the settings, written by the command).
    """
    paths, result = standalone.build(pipeline, inputs, "Dedup" >> Deduplicate(config), config.stage_names(), output,
                                     shards, write_dropped,
                                     {"dedup_stats": "dedup_stats.json", "settings": "dedup.json"})
    result.cluster_stats | "WriteDedupStats" >> WriteDedupStats(paths["dedup_stats"], config)
    return paths
