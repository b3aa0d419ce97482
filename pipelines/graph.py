"""The recipe's pipeline: read → extract → harmful → langid → heuristics → Parquet + stats.

Output layout under the recipe's output path:
    <source>/<source>-0000i-of-0000N.parquet   kept documents, per source
    dropped/dropped-0000i-of-0000N.parquet     dropped documents with drop_stage/drop_reason
    stats.json                                 documents and characters in/out per stage and reason
    recipe.json                                the validated recipe and its hash
"""

from __future__ import annotations

import dataclasses
import json

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.io.filesystems import FileSystems

from dataprep.extract import Extract
from dataprep.harmful import HarmfulContentFilter
from dataprep.heuristics import make_heuristic
from dataprep.langid import LangId
from dataprep.readers import ReaderOptions
from dataprep.recipe import Recipe
from dataprep.stage import Stage
from pipelines.dedup import Deduplicate, WriteDedupStats
from pipelines.options import make_runner
from pipelines.read import ReadInput, expand_input
from pipelines.stage import DROPPED, STATS, ApplyStage, SplitReadFailures
from pipelines.write import WriteShards, WriteStats

HTML_FORMATS = ("warc", "html")


def document_stages(recipe: Recipe) -> list[Stage]:
    """The Document → Document stages after extraction, in recipe order."""
    stages: list[Stage] = []
    if recipe.harmful is not None:
        stages.append(HarmfulContentFilter(recipe.harmful))
    if recipe.langid is not None:
        stages.append(LangId(recipe.langid))
    stages.extend(make_heuristic(h.preset, h.options) for h in recipe.heuristics)
    return stages


def stage_order(recipe: Recipe) -> list[str]:
    order = ["read", Extract.name] + [stage.name for stage in document_stages(recipe)]
    return order + (recipe.dedup.stage_names() if recipe.dedup is not None else [])


@dataclasses.dataclass
class FrontHalf:
    kept: beam.PCollection  # Document, every source
    dropped: beam.PCollection  # Document with metadata.drop_stage / drop_reason
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out))


def front_half(pipeline: beam.Pipeline, recipe: Recipe) -> FrontHalf:
    """Read every input and run the stages; nothing written yet."""
    docs, dropped, stats = [], [], []
    for item in recipe.inputs:
        files = expand_input(item)
        reader = ReaderOptions(text_field=item.text_field, url_field=item.url_field, id_field=item.id_field,
                               max_payload_bytes=max(recipe.extract.max_html_bytes, ReaderOptions.max_payload_bytes))
        read = (
            pipeline
            | f"Read[{item.source}]" >> ReadInput(item, files, reader)  # Document | RawPage | ReadFailure
            | f"ReadFailures[{item.source}]" >> beam.ParDo(SplitReadFailures()).with_outputs(DROPPED, STATS, main="ok")
        )
        dropped.append(read[DROPPED])
        stats.append(read[STATS])
        if item.format in HTML_FORMATS:
            extracted = read.ok | f"Extract[{item.source}]" >> ApplyStage(Extract(recipe.extract))  # Document
            dropped.append(extracted[DROPPED])
            stats.append(extracted[STATS])
            docs.append(extracted.kept)
        else:
            docs.append(read.ok)

    current = tuple(docs) | "AllSources" >> beam.Flatten()  # Document
    for stage in document_stages(recipe):
        result = current | ApplyStage(stage)  # kept Document, dropped Document, stats tuple
        dropped.append(result[DROPPED])
        stats.append(result[STATS])
        current = result.kept
    return FrontHalf(
        kept=current,
        dropped=tuple(dropped) | "AllDropped" >> beam.Flatten(),
        stats=tuple(stats) | "AllStats" >> beam.Flatten(),
    )


def build(pipeline: beam.Pipeline, recipe: Recipe) -> dict:
    """Add the recipe's graph and its writes to `pipeline`; returns the output paths."""
    output = recipe.output.path
    result = front_half(pipeline, recipe)
    kept, dropped, stats = result.kept, [result.dropped], [result.stats]
    paths = {"stats": FileSystems.join(output, "stats.json"), "recipe": FileSystems.join(output, "recipe.json")}
    if recipe.dedup is not None:
        deduplicated = kept | "Dedup" >> Deduplicate(recipe.dedup)  # Document with metadata.dup_cluster_size
        kept = deduplicated.kept
        dropped.append(deduplicated.dropped)
        stats.append(deduplicated.stats)
        paths["dedup_stats"] = FileSystems.join(output, "dedup_stats.json")
        deduplicated.cluster_stats | "WriteDedupStats" >> WriteDedupStats(paths["dedup_stats"], recipe.dedup)

    sources = [item.source for item in recipe.inputs]
    per_source = kept | "BySource" >> beam.Partition(lambda doc, n: sources.index(doc.source), len(sources))
    for index, source in enumerate(sources):
        folder = FileSystems.join(output, source)
        per_source[index] | f"Write[{source}]" >> WriteShards(folder, source, recipe.output.shards)
        paths[source] = folder
    if recipe.output.write_dropped:
        folder = FileSystems.join(output, "dropped")
        (
            tuple(dropped)
            | "AllDropped+Dedup" >> beam.Flatten()
            | "WriteDropped" >> WriteShards(folder, "dropped", recipe.output.shards)
        )
        paths["dropped"] = folder
    tuple(stats) | "AllStats+Dedup" >> beam.Flatten() | "WriteStats" >> WriteStats(paths["stats"], stage_order(recipe))
    return paths


def write_recipe(path: str, recipe: Recipe) -> None:
    """The validated recipe next to its outputs: what produced these files."""
    record = {"config_hash": recipe.config_hash(), "recipe": recipe.identity()}
    with FileSystems.create(path) as handle:
        handle.write((json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


class OutputConflict(Exception):
    """The output folder holds results of a different recipe."""


def check_output(recipe: Recipe) -> None:
    """Refuse to mix results: a rerun of the same recipe may reuse its folder, another may not
    (a tokenizer trained on the old corpus would silently sit next to the new one)."""
    path = FileSystems.join(recipe.output.path, "recipe.json")
    if not FileSystems.exists(path):
        return
    with FileSystems.open(path) as handle:
        previous = json.load(handle).get("config_hash")
    if previous != recipe.config_hash():
        raise OutputConflict(
            f"{recipe.output.path} holds the results of another recipe (config hash {previous}, this one "
            f"{recipe.config_hash()}): choose another --output or remove it"
        )


def run(recipe: Recipe, beam_args: list[str]) -> dict:
    """Run the recipe to completion with the given Beam flags; returns its output paths.

    The corpus pipeline runs first; a recipe with a `tokenizer` then trains it on the written
    corpus and writes token shards with the Beam tokenize stage on the same runner flags.
    """
    check_output(recipe)
    options = PipelineOptions(beam_args)
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        paths = build(pipeline, recipe)
    # Only a finished run claims its folder: a failed one can be rerun with a corrected recipe.
    write_recipe(paths["recipe"], recipe)
    if recipe.tokenizer is not None:
        from tokenizer.workflow import train_and_tokenize

        corpus = [paths[item.source] for item in recipe.inputs]
        result = train_and_tokenize(corpus, recipe.output.path, recipe.tokenizer, recipe.tokenize, beam_args=beam_args)
        paths.update(tokenizer=result.tokenizer, tokens=result.tokens)
    return paths
