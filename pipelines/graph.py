"""The corpus graph: read → URL blocklist → extract → document stages → dedup → Parquet + stats.
Built, never run.

The face (`dataprep/cli/run.py`) turns a recipe into a `CorpusGraph` (which stages, in which
order, with which settings) and runs what `build` adds to its pipeline. Output layout under
`output`:
    <source>/<source>-0000i-of-0000N.parquet   kept documents, per source
    dropped/dropped-0000i-of-0000N.parquet     dropped documents with drop_stage/drop_reason
    stats.json                                 documents, characters and a kept digest per stage and reason
    dedup_stats.json                           cluster sizes and rounds, when dedup runs
"""

from __future__ import annotations

import dataclasses

import apache_beam as beam

from dataprep import fs
from dataprep.dedup import DedupConfig
from dataprep.inputs import InputConfig
from dataprep.readers import ReaderOptions, ReadOutcome
from dataprep.stage import Stage
from pipelines.dedup import Deduplicate, WriteDedupStats
from pipelines.read import ReadInput, expand_input
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage, camel
from pipelines.write import WriteShards, WriteStats

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

    def stage_order(self) -> list[str]:
        order = [ReadOutcome.name] + [stage.name for stage in self.pre_extract] + [self.extract.name]
        order += [stage.name for stage in self.stages]
        return order + (self.dedup.stage_names() if self.dedup is not None else [])


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


def build(pipeline: beam.Pipeline, graph: CorpusGraph) -> dict:
    """Add the corpus graph and its writes to `pipeline`; returns the output paths."""
    output = graph.output
    result = front_half(pipeline, graph)
    kept, dropped, stats = result.kept, [result.dropped], [result.stats]
    paths = {"stats": fs.join(output, "stats.json")}
    if graph.dedup is not None:
        deduplicated = kept | "Dedup" >> Deduplicate(graph.dedup)  # Document with metadata.dup_cluster_size
        kept = deduplicated.kept
        dropped.append(deduplicated.dropped)
        stats.append(deduplicated.stats)
        paths["dedup_stats"] = fs.join(output, "dedup_stats.json")
        deduplicated.cluster_stats | "WriteDedupStats" >> WriteDedupStats(paths["dedup_stats"], graph.dedup)

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
            | "AllDropped+Dedup" >> beam.Flatten()
            | "WriteDropped" >> WriteShards(folder, "dropped", graph.shards)
        )
        paths["dropped"] = folder
    tuple(stats) | "AllStats+Dedup" >> beam.Flatten() | "WriteStats" >> WriteStats(paths["stats"], graph.stage_order())
    return paths
