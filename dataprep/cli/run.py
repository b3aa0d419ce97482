"""`dataprep run RECIPE`: the recipe's corpus graph, then its tokenizer and token shards."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from dataprep import fs
from dataprep.cli.errors import UsageError

_EPILOG = """\
Beam flags pass through to the runner. Examples:
  local, 2 processes:  --direct_num_workers 2 --direct_running_mode multi_processing
  Dataflow:            --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
                       --setup_file ./pyproject.toml   (builds and ships this package to workers)
  Spark / Flink:       --runner PortableRunner --job_endpoint localhost:8099 --environment_type LOOPBACK
Without --runner the pipeline runs on the local FnApiRunner (the DirectRunner's engine),
which needs no network; DirectRunner itself would try to download Prism first.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="Run a recipe: read, extract, filter; write Parquet shards and stats.json.",
        description="Run a YAML recipe end to end and print a per-stage table of documents in/out and "
        "the top drop reasons. Outputs: <output>/<source>/*.parquet, <output>/dropped/*.parquet, "
        "<output>/stats.json, <output>/recipe.json.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recipe", help="Path to the recipe YAML (see `dataprep recipe-help`).")
    parser.add_argument("--output", help="Output folder (local, gs://, s3://); overrides the recipe's output.path.")
    parser.add_argument("--quiet", action="store_true", help="Print only the output paths, not the stage table.")
    parser.set_defaults(handler=run_command)


def corpus_graph(recipe):
    """The recipe's stages, in order, as the graph builder takes them."""
    from dataprep.extract import Extract
    from dataprep.harmful import HarmfulContentFilter
    from dataprep.heuristics import make_heuristic
    from dataprep.langid import LangId
    from dataprep.readers import ReaderOptions
    from pipelines.graph import CorpusGraph

    stages = []
    if recipe.harmful is not None:
        stages.append(HarmfulContentFilter(recipe.harmful))
    if recipe.langid is not None:
        stages.append(LangId(recipe.langid))
    stages.extend(make_heuristic(h.preset, h.options) for h in recipe.heuristics)
    reader = ReaderOptions(max_payload_bytes=max(recipe.extract.max_html_bytes, ReaderOptions.max_payload_bytes))
    return CorpusGraph(inputs=recipe.inputs, extract=Extract(recipe.extract), stages=tuple(stages),
                       dedup=recipe.dedup, output=recipe.output.path, shards=recipe.output.shards,
                       write_dropped=recipe.output.write_dropped, reader=reader)


def check_output(recipe) -> None:
    """Refuse to mix results: a rerun of the same recipe may reuse its folder, another may not
    (a tokenizer trained on the old corpus would silently sit next to the new one)."""
    path = fs.join(recipe.output.path, "recipe.json")
    if not fs.exists(path):
        return
    previous = json.loads(fs.read_bytes(path)).get("config_hash")
    if previous != recipe.config_hash():
        raise UsageError(
            f"{recipe.output.path} holds the results of another recipe (config hash {previous}, this one "
            f"{recipe.config_hash()}): choose another --output or remove it"
        )


def write_recipe(path: str, recipe) -> None:
    """The validated recipe next to its outputs: what produced these files."""
    record = {"config_hash": recipe.config_hash(), "recipe": recipe.identity()}
    fs.write_atomic(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def run_recipe(recipe, beam_flags: list[str]) -> dict:
    """Run the recipe to completion with the given Beam flags; returns its output paths.

    The corpus graph runs first; a recipe with a `tokenizer` then trains it on the written
    corpus and writes token shards with the Beam tokenize stage on the same runner flags.
    """
    from dataprep.cli.beam import run_pipeline
    from dataprep.cli.tokenize import train_and_tokenize
    from pipelines.graph import build

    check_output(recipe)
    graph = corpus_graph(recipe)
    paths = {"stats": None, "recipe": fs.join(recipe.output.path, "recipe.json")}
    paths.update(run_pipeline(lambda pipeline: build(pipeline, graph), beam_flags))
    # Only a finished run claims its folder: a failed one can be rerun with a corrected recipe.
    write_recipe(paths["recipe"], recipe)
    if recipe.tokenizer is not None:
        corpus = [paths[item.source] for item in recipe.inputs]
        paths["tokenizer"], paths["tokens"] = train_and_tokenize(
            corpus, recipe.output.path, recipe.tokenizer, recipe.tokenize, beam_flags)
    return paths


def run_command(args, beam_flags: list[str]) -> int:
    from dataprep.cli import show_progress
    from dataprep.cli.beam import check_beam_flags, check_paths_reach_workers
    from dataprep.cli.preflight import preflight
    from dataprep.cli.recipe import load_recipe
    from dataprep.report import format_stats_table

    check_beam_flags(beam_flags)
    recipe = load_recipe(args.recipe)
    if args.output:
        recipe = dataclasses.replace(recipe, output=dataclasses.replace(recipe.output, path=args.output))
    check_paths_reach_workers([path for item in recipe.inputs for path in item.paths] + [recipe.output.path],
                              beam_flags)
    preflight(recipe)

    print(f"dataprep: running recipe {recipe.name!r} → {recipe.output.path}", file=sys.stderr)
    if not args.quiet:
        show_progress()
        if recipe.dedup is not None and recipe.dedup.minhash is not None:
            from dataprep.dedup import describe_lsh

            print("\n".join(describe_lsh(recipe.dedup.minhash)), file=sys.stderr)
    paths = run_recipe(recipe, beam_flags)
    if not args.quiet:
        print(format_stats_table(json.loads(fs.read_bytes(paths["stats"]))))
        print()
    width = max(len(name) for name in paths)
    for name, path in paths.items():
        print(f"{name:>{width}}: {path}")
    return 0
