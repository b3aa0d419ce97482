"""Test-set decontamination on Beam: `docs | Decontaminate(config, benchmarks)`.

The benchmark index is built where the graph is built (a missing benchmark file fails
before any work) and meets the documents in one of two ways with identical output:
- side input (the common case): the index, ≈16 bytes per n-gram, is copied to every worker
  and each document is looked up in place;
- shuffle join (past `side_input_max_ngrams`, e.g. a 10⁹-n-gram index on Dataflow): every
  document n-gram is keyed by its hash and joined with the index entries, and the hits are
  joined back to their document by (id, text hash).
Both end in the same `Cut` step, through one `Router`: kept (maybe cut) documents, `dropped`,
`stats`, and per-benchmark rows for `contamination.json` (`WriteContamination`).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import apache_beam as beam
import xxhash

from dataprep.config import to_dict
from dataprep.decontaminate import (
    STAGE,
    Benchmark,
    BenchmarkConfig,
    DecontaminateConfig,
    build_index,
    contamination_document,
    decontaminate,
    find_hits,
    load_benchmark,
)
from dataprep.decontaminate.index import Hit, document_ngrams
from dataprep.inputs import InputConfig
from pipelines import standalone
from pipelines.stage import DROPPED, KEPT, STATS, Router
from pipelines.write import WriteJson, sum_columns

REPORT = "report"


class DecontaminateResult(NamedTuple):
    kept: beam.PCollection  # Document (cut documents carry metadata.contamination)
    dropped: beam.PCollection  # Document with drop_stage/drop_reason
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out, kept_digest))
    report_rows: beam.PCollection  # (kind, key, value): see dataprep.decontaminate.report


def _doc_key(doc) -> tuple[str, int]:
    # Equal ids with different texts (a file listed twice, then edited) must not share hits.
    return doc.id, xxhash.xxh3_64_intdigest(doc.text.encode("utf-8", "surrogatepass"))


class _FindHits(beam.DoFn):
    """Side-input path: Document → (Document, [Hit])."""

    def process(self, doc, index):
        yield doc, find_hits(doc.text, index)


def _doc_ngrams(doc, sizes):
    """Shuffle path: Document → (n-gram hash, (doc key, start, end, n-gram text)) per position."""
    words, starts, ends, by_size = document_ngrams(doc.text, sizes)
    key = _doc_key(doc)
    for size, hashes in by_size.items():
        for position, value in enumerate(hashes.tolist()):
            yield value, (key, int(starts[position]), int(ends[position + size - 1]), position, size)


def _join_hits(element, sizes):
    """(hash, {"doc": [...], "index": [owners]}) → (doc key, Hit) for each occurrence in an indexed n-gram."""
    value, grouped = element
    owners = list(grouped["index"])
    if not owners:
        return
    for key, start, end, position, size in grouped["doc"]:
        yield key, (start, end, value, owners[0], position, size)


def _attach_hits(element):
    """(doc key, {"doc": [Document], "hits": [...]}) → (Document, [Hit]) in find_hits' order."""
    _, grouped = element
    raw = sorted(set(grouped["hits"]))
    for doc in grouped["doc"]:
        words = None
        hits = []
        for start, end, value, owners, position, size in raw:
            if words is None:
                words = document_ngrams(doc.text, ())[0]
            hits.append(Hit(start, end, value, owners, " ".join(words[position:position + size])))
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.key))
        yield doc, hits


class _Cut(beam.DoFn):
    """(Document, [Hit]) → kept / dropped / stats (one Router) + `report` BenchmarkHits."""

    def __init__(self, config: DecontaminateConfig, examples):
        self.config = config
        self.examples = examples

    def setup(self):
        self._router = Router(STAGE)

    def process(self, element, ignored=()):
        doc, hits = element
        if ignored:
            hits = [hit for hit in hits if hit.key not in ignored]
        result, report = decontaminate(doc, hits, self.config, self.examples)
        for entry in report:
            yield beam.pvalue.TaggedOutput(REPORT, entry)
        yield from self._router.route(doc, result)


def _report_sums(entry):
    """BenchmarkHit → keyed sums: per (benchmark, source) and per (benchmark, example)."""
    yield ("source", (entry.benchmark, entry.source)), (1, entry.chars_removed, int(entry.dropped))
    for example_id in entry.example_ids:
        yield ("example", (entry.benchmark, example_id)), (1,)


def _unwrap(element):
    (kind, key), value = element
    return kind, key, value[0] if kind == "example" else value


class Decontaminate(beam.PTransform):
    """Documents → DecontaminateResult(kept, dropped, stats, report_rows).

    `benchmarks`: BenchmarkConfig (loaded here) or already loaded Benchmark objects.
    """

    def __init__(self, config: DecontaminateConfig, benchmarks: Sequence[BenchmarkConfig | Benchmark],
                 label: str | None = None):
        super().__init__(label=label)
        self.config = config
        loaded = [item if isinstance(item, Benchmark) else load_benchmark(item) for item in benchmarks]
        self.index = build_index(loaded, config)

    def expand(self, docs) -> DecontaminateResult:
        config, index = self.config, self.index
        pipeline = docs.pipeline
        if config.uses_shuffle(len(index)):
            sizes = index.sizes
            doc_ngrams = docs | "DocNgrams" >> beam.FlatMap(_doc_ngrams, sizes)  # (hash, (doc key, start, end, pos, size))
            entries = pipeline | "IndexEntries" >> beam.Create(list(index.entries()))  # (hash, owners)
            hits = (
                {"doc": doc_ngrams, "index": entries}
                | "JoinNgrams" >> beam.CoGroupByKey()  # (hash, {doc: [...], index: [owners]})
                | "Hits" >> beam.FlatMap(_join_hits, sizes)  # (doc key, (start, end, hash, owners, pos, size))
            )
            keyed = docs | "KeyDocs" >> beam.Map(lambda doc: (_doc_key(doc), doc))  # (doc key, Document)
            with_hits = (
                {"doc": keyed, "hits": hits}
                | "JoinDocs" >> beam.CoGroupByKey()  # (doc key, {doc: [Document], hits: [...]})
                | "AttachHits" >> beam.FlatMap(_attach_hits)  # (Document, [Hit])
            )
        else:
            side = pipeline | "Index" >> beam.Create([index])  # the one BenchmarkIndex
            with_hits = docs | "FindHits" >> beam.ParDo(_FindHits(), beam.pvalue.AsSingleton(side))  # (Document, [Hit])

        extra_rows = [("benchmark", name, ids) for name, ids in index.benchmark_ids.items()]
        extra_rows += [("ignored_example_frequency", ngram, count) for ngram, count in index.ignored]
        extra_rows.append(("settings", None, to_dict(config)))
        rows = [pipeline | "BenchmarkRows" >> beam.Create(extra_rows)]  # (kind, key, value)

        cut = beam.ParDo(_Cut(config, index.examples))
        if config.max_document_frequency is not None:
            limit = config.max_document_frequency
            frequent = (
                with_hits
                | "HitNgrams" >> beam.FlatMap(lambda pair: {(hit.key, hit.ngram) for hit in pair[1]})  # (hash, ngram)
                | "CountDocs" >> beam.combiners.Count.PerElement()  # ((hash, ngram), documents)
                | "Frequent" >> beam.Filter(lambda item: item[1] > limit)
            )
            rows.append(frequent | "IgnoredRows" >> beam.Map(
                lambda item: ("ignored_document_frequency", item[0][1], item[1])))
            ignored = frequent | "IgnoredKeys" >> beam.Map(lambda item: (item[0][0], True))  # (hash, True)
            cut = beam.ParDo(_Cut(config, index.examples), beam.pvalue.AsDict(ignored))
        outputs = with_hits | "Cut" >> cut.with_outputs(DROPPED, STATS, REPORT, main=KEPT)
        rows.append(
            outputs[REPORT]
            | "ReportSums" >> beam.FlatMap(_report_sums)  # ((kind, key), counts)
            | "SumReport" >> beam.CombinePerKey(sum_columns)
            | "ReportRows" >> beam.Map(_unwrap)  # (kind, key, value)
        )
        report_rows = tuple(rows) | "AllReportRows" >> beam.Flatten()
        return DecontaminateResult(outputs[KEPT], outputs[DROPPED], outputs[STATS], report_rows)


class WriteContamination(beam.PTransform):
    """Report rows → contamination.json at `path`."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def expand(self, rows):
        return rows | "Write" >> WriteJson(self.path, contamination_document)


def build_standalone(pipeline, inputs: list[InputConfig], config: DecontaminateConfig,
                     benchmarks: Sequence[BenchmarkConfig | Benchmark], output: str, shards: int,
                     write_dropped: bool = True) -> dict:
    """Read `inputs` (parquet/jsonl), decontaminate, write; returns the output paths.

    Layout (pipelines/standalone.py) plus contamination.json and decontaminate.json (the
    settings, written by the command).
    """
    stage = Decontaminate(config, benchmarks)  # benchmarks load now: errors before any read
    paths, result = standalone.build(pipeline, inputs, "Decontaminate" >> stage, [STAGE], output, shards,
                                     write_dropped,
                                     {"contamination": "contamination.json", "settings": "decontaminate.json"})
    result.report_rows | "WriteContamination" >> WriteContamination(paths["contamination"])
    return paths
