"""The corpus graph: read → URL blocklist → extract → document stages → perplexity → quality
classifier → dedup → decontamination → Parquet + stats. Built, never run.

The face (`dataprep/cli/run.py`) turns a recipe into a `CorpusGraph` (which stages, in which
order, with which settings) and runs what `build` adds to its pipeline. Output layout under
`output`:
    <source>/<source>-0000i-of-0000N.parquet   kept documents, per source
    dropped/dropped-0000i-of-0000N.parquet     dropped documents with drop_stage/drop_reason
    stats.json                                 documents, characters and a kept digest per stage and reason
    perplexity_stats.json                      head/middle/tail cut-offs per language, with an n-gram model
    quality_stats.json                         score histograms and top-fraction cut-offs, with a classifier
    dedup_stats.json                           cluster sizes and rounds, when dedup runs
    contamination.json                         per benchmark: examples found, documents cut, when it runs
"""

from __future__ import annotations

import dataclasses

import apache_beam as beam

from dataprep import fs
from dataprep.decontaminate import STAGE as DECONTAMINATE, DecontaminateConfig
from dataprep.dedup import DedupConfig
from dataprep.inputs import InputConfig
from dataprep.lm import Perplexity, PerplexityConfig
from dataprep.quality import QualityClassifier, QualityConfig
from dataprep.readers import ReaderOptions, ReadOutcome
from dataprep.stage import Stage
from pipelines.decontaminate import Decontaminate, WriteContamination
from pipelines.dedup import Deduplicate, WriteDedupStats
from pipelines.lm import PerplexityFilter
from pipelines.quality import QualityFilter, score_stats_document
from pipelines.read import ReadInput, expand_input
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage, camel
from pipelines.write import WriteJson, WriteShards, WriteStats

HTML_FORMATS = ("warc", "html")


@dataclasses.dataclass(frozen=True)
class CorpusGraph:
    """What the corpus graph reads, runs and writes."""

    inputs: tuple[InputConfig, ...]
    extract: Stage  # for warc/html inputs
    stages: tuple[Stage, ...]  # Document → Document stages after extraction, in order
    dedup: DedupConfig | None
    output: str
    shards: int
    write_dropped: bool
    reader: ReaderOptions = ReaderOptions()
    # Document → Document stages that need no text (the URL blocklist), run on every source right
    # after reading, before extraction: a page they drop is never extracted.
    pre_extract: tuple[Stage, ...] = ()
    # Corpus-wide steps after the document stages, in this order.
    perplexity: PerplexityConfig | None = None  # bucket cut-offs are percentiles over each language
    quality: QualityConfig | None = None  # a keep_top_fraction cut-off is a quantile over each source
    decontaminate: DecontaminateConfig | None = None
    benchmarks: tuple = ()  # BenchmarkConfig or loaded Benchmark, with `decontaminate`

    def stage_order(self) -> list[str]:
        order = [ReadOutcome.name] + [stage.name for stage in self.pre_extract] + [self.extract.name]
        order += [stage.name for stage in self.stages]
        order += [Perplexity.name] if self.perplexity is not None else []
        order += [QualityClassifier.name] if self.quality is not None else []
        order += self.dedup.stage_names() if self.dedup is not None else []
        return order + ([DECONTAMINATE] if self.decontaminate is not None else [])


@dataclasses.dataclass
class FrontHalf:
    kept: beam.PCollection  # Document, every source
    dropped: beam.PCollection  # Document with metadata.drop_stage / drop_reason
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out, kept_digest))


def front_half(pipeline: beam.Pipeline, graph: CorpusGraph) -> FrontHalf:
    """Read every input and run the stages; nothing written yet."""
    docs, dropped, stats = [], [], []
    for item in graph.inputs:
        reader = dataclasses.replace(graph.reader, text_field=item.text_field, url_field=item.url_field,
                                     id_field=item.id_field)
        read = (
            pipeline
            | f"Read[{item.source}]" >> ReadInput(item, expand_input(item), reader)  # Document | ReadFailure
            | f"ReadOutcome[{item.source}]" >> ApplyStage(ReadOutcome())  # kept Document, dropped, stats
        )
        dropped.append(read[DROPPED])
        stats.append(read[STATS])
        current = read[KEPT]
        for stage in graph.pre_extract:
            label = f"{camel(stage.name)}[{item.source}]"
            result = current | label >> ApplyStage(stage)  # kept Document (payload or text), dropped, stats
            dropped.append(result[DROPPED])
            stats.append(result[STATS])
            current = result[KEPT]
        if item.format in HTML_FORMATS:
            extracted = current | f"Extract[{item.source}]" >> ApplyStage(graph.extract)  # Document with text
            dropped.append(extracted[DROPPED])
            stats.append(extracted[STATS])
            current = extracted[KEPT]
        docs.append(current)

    current = tuple(docs) | "AllSources" >> beam.Flatten()  # Document
    for stage in graph.stages:
        result = current | ApplyStage(stage)  # kept Document, dropped Document, stats tuple
        dropped.append(result[DROPPED])
        stats.append(result[STATS])
        current = result[KEPT]
    return FrontHalf(
        kept=current,
        dropped=tuple(dropped) | "AllDropped" >> beam.Flatten(),
        stats=tuple(stats) | "AllStats" >> beam.Flatten(),
    )


def cutoffs_document(rows: list) -> dict:
    """[(lang, [head/middle, middle/tail])] → perplexity_stats.json."""
    return {"cutoffs": {lang or "(none)": list(pair) for lang, pair in sorted(rows)}}


def build(pipeline: beam.Pipeline, graph: CorpusGraph) -> dict:
    """Add the corpus graph and its writes to `pipeline`; returns the output paths."""
    output = graph.output
    result = front_half(pipeline, graph)
    kept, dropped, stats = result.kept, [result.dropped], [result.stats]
    paths = {"stats": fs.join(output, "stats.json")}

    def step(family):  # a corpus-wide step: its kept documents go on, its drops and stats join ours
        nonlocal kept
        dropped.append(family.dropped)
        stats.append(family.stats)
        kept = family.kept
        return family

    if graph.perplexity is not None:
        bucketed = step(kept | "Perplexity" >> PerplexityFilter(graph.perplexity))  # metadata.perplexity(_bucket)
        paths["perplexity_stats"] = fs.join(output, "perplexity_stats.json")
        bucketed.cutoffs | "WritePerplexityStats" >> WriteJson(paths["perplexity_stats"], cutoffs_document)
    if graph.quality is not None:
        scored = step(kept | "Quality" >> QualityFilter(graph.quality))  # Document with metadata.quality.<name>
        paths["quality_stats"] = fs.join(output, "quality_stats.json")
        scored.score_stats | "WriteQualityStats" >> WriteJson(paths["quality_stats"], score_stats_document)
    if graph.dedup is not None:
        deduplicated = step(kept | "Dedup" >> Deduplicate(graph.dedup))  # Document with metadata.dup_cluster_size
        paths["dedup_stats"] = fs.join(output, "dedup_stats.json")
        deduplicated.cluster_stats | "WriteDedupStats" >> WriteDedupStats(paths["dedup_stats"], graph.dedup)
    if graph.decontaminate is not None:
        clean = step(kept | "Decontaminate" >> Decontaminate(graph.decontaminate, graph.benchmarks))
        paths["contamination"] = fs.join(output, "contamination.json")
        clean.report_rows | "WriteContamination" >> WriteContamination(paths["contamination"])

    sources = [item.source for item in graph.inputs]
    per_source = kept | "BySource" >> beam.Partition(lambda doc, n: sources.index(doc.source), len(sources))
    for index, source in enumerate(sources):
        folder = fs.join(output, source)
        per_source[index] | f"Write[{source}]" >> WriteShards(folder, source, graph.shards)
        paths[source] = folder
    if graph.write_dropped:
        folder = fs.join(output, "dropped")
        (
            tuple(dropped)
            | "AllDropped+Corpus" >> beam.Flatten()
            | "WriteDropped" >> WriteShards(folder, "dropped", graph.shards)
        )
        paths["dropped"] = folder
    tuple(stats) | "AllStats+Corpus" >> beam.Flatten() | "WriteStats" >> WriteStats(paths["stats"], graph.stage_order())
    return paths
