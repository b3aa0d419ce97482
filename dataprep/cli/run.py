"""`dataprep run RECIPE`: the recipe's corpus graph, then its tokenizer and token shards."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from dataprep import fs

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
    """The recipe's stages, in order, as the graph builder takes them.

    The URL blocklist runs before extraction (it reads only the URL, and a blocked page is then
    never extracted); bad words run after language ID, with each page's own language list.
    """
    from dataprep.extract import Extract
    from dataprep.harmful import BadWordsFilter, UrlBlocklistFilter
    from dataprep.heuristics import make_heuristic
    from dataprep.langid import LangId
    from dataprep.readers import ReaderOptions
    from pipelines.graph import CorpusGraph

    harmful = recipe.harmful
    pre_extract = (UrlBlocklistFilter(harmful),) if harmful is not None and harmful.url_blocklist else ()
    stages = []
    if recipe.langid is not None:
        stages.append(LangId(recipe.langid))
    if harmful is not None and harmful.badwords:
        stages.append(BadWordsFilter(harmful))
    stages.extend(make_heuristic(h.preset, h.options) for h in recipe.heuristics)
    reader = ReaderOptions(max_payload_bytes=max(recipe.extract.max_html_bytes, ReaderOptions.max_payload_bytes))
    quality = recipe.quality.classifier(recipe.output.path) if recipe.quality is not None else None
    perplexity = recipe.perplexity.stage_config(recipe.output.path) if recipe.perplexity is not None else None
    decontaminate, benchmarks = None, ()
    if recipe.decontaminate is not None:
        from dataprep.decontaminate import parse_benchmark

        decontaminate = recipe.decontaminate.stage_config()
        benchmarks = tuple(parse_benchmark(spec) for spec in recipe.decontaminate.benchmarks)
    return CorpusGraph(inputs=recipe.inputs, extract=Extract(recipe.extract), stages=tuple(stages),
                       dedup=recipe.dedup, output=recipe.output.path, shards=recipe.output.shards,
                       write_dropped=recipe.output.write_dropped, reader=reader, pre_extract=pre_extract,
                       perplexity=perplexity, quality=quality, decontaminate=decontaminate,
                       benchmarks=benchmarks)


#: The steps of `dataprep run`, in order: the quality model (when the recipe trains one), the
#: corpus; the tokenizer and tokens steps are named by their folders.
QUALITY_MODEL = "quality_model"
LM_MODEL = "lm_model"
CORPUS = "corpus"


def owned_outputs(recipe) -> dict[str, list[str]]:
    """What each step writes, relative to the output folder: removed before the step is redone."""
    from dataprep.cli.tokenize import TOKENIZER_DIR, TOKENS_DIR

    from dataprep.cli.recipe import LM_MODEL_DIR, QUALITY_MODEL_DIR

    corpus = list(dict.fromkeys(item.source for item in recipe.inputs)) + [
        "dropped", "stats.json", "perplexity_stats.json", "quality_stats.json", "dedup_stats.json",
        "contamination.json"]
    owned = {}
    if recipe.perplexity is not None and recipe.perplexity.train is not None:
        owned[LM_MODEL] = [LM_MODEL_DIR]
    if recipe.quality is not None and recipe.quality.train is not None:
        owned[QUALITY_MODEL] = [QUALITY_MODEL_DIR]
    owned[CORPUS] = corpus
    if recipe.tokenizer is not None:
        owned.update({TOKENIZER_DIR: [TOKENIZER_DIR], TOKENS_DIR: [TOKENS_DIR]})
    return owned


def recipe_record(recipe) -> dict:
    """recipe.json: the validated recipe next to its outputs, what produced these files."""
    return {"config_hash": recipe.config_hash(), "recipe": recipe.identity()}


def run_recipe(recipe, beam_flags: list[str]) -> dict:
    """Run the recipe to completion with the given Beam flags; returns its output paths.

    The output folder is claimed first (recipe.json written under its lock; another recipe is
    refused before any work). Then the corpus graph; a recipe with a `tokenizer` then trains it
    on the written corpus and writes token shards with the Beam tokenize stage on the same runner
    flags. Each step ends with its marker in `_done/`: a rerun skips the steps whose marker is
    valid and redoes the rest from a clean slate, so a killed run resumes with the same bytes.
    """
    from dataprep.cli.beam import run_pipeline
    from dataprep.cli.recipe import LM_MODEL_DIR
    from dataprep.cli.tokenize import VOLATILE, train_and_tokenize
    from dataprep.outputs import RECIPE_FILE, Steps, claim
    from pipelines.graph import build

    output = recipe.output.path
    owned = owned_outputs(recipe)
    # The n-gram model's own tokenizer has a training.json too: its time and RSS vary by run.
    steps = Steps(output, recipe.config_hash(), owned, VOLATILE + (f"{LM_MODEL_DIR}/{VOLATILE[0]}",))
    with claim(output, recipe.config_hash(), recipe_record(recipe),
               tuple(name for names in owned.values() for name in names)):
        paths = {"stats": None, "recipe": fs.join(output, RECIPE_FILE)}
        if LM_MODEL in owned:
            paths["lm_model"] = _train_lm_model(recipe, steps, beam_flags)
        if QUALITY_MODEL in owned:
            paths["quality_model"] = _train_quality_model(recipe, steps, beam_flags)
        done = steps.done(CORPUS)
        if done is None:
            steps.begin(CORPUS)
            graph = corpus_graph(recipe)
            done = run_pipeline(lambda pipeline: build(pipeline, graph), beam_flags)
            steps.commit(CORPUS, done)
        paths.update(done)
        if recipe.tokenizer is not None:
            corpus = [paths[item.source] for item in recipe.inputs]
            paths["tokenizer"], paths["tokens"] = train_and_tokenize(
                corpus, output, recipe.tokenizer, recipe.tokenize, beam_flags, steps=steps)
    return paths


def training_inputs(source: str, paths: tuple[str, ...]) -> list:
    """A training corpus (`quality.train` sides, `perplexity.train`) as inputs, read as the
    standalone commands read their arguments (a folder is its Parquet shards)."""
    import argparse

    from dataprep.cli.corpus import input_configs

    return input_configs(argparse.Namespace(inputs=list(paths), format="auto", source=source, text_field="text",
                                            url_field="url", id_field="id"))


def _model_step(steps, step: str, folder: str, train) -> str:
    """A model the recipe trains before the corpus step, into `folder`: skipped while its marker
    is valid, else trained from a clean folder and committed."""
    done = steps.done(step)
    if done is not None:
        return done["model"]
    steps.begin(step)
    train(folder)
    steps.commit(step, {"model": folder})
    return folder


def _train_lm_model(recipe, steps, beam_flags: list[str]) -> str:
    """The recipe's `perplexity.train` step: the n-gram model the corpus step then scores with."""
    import argparse

    from dataprep.cli.recipe import LM_MODEL_DIR
    from dataprep.cli.train_lm import train_lm

    train = recipe.perplexity.train
    return _model_step(steps, LM_MODEL, fs.join(recipe.output.path, LM_MODEL_DIR), lambda folder: train_lm(
        argparse.Namespace(inputs=list(train.corpus), output=folder, order=train.order, tokenizer=None,
                           vocab_size=train.vocab_size, prune=train.prune, gzip=False, format="auto", source="lm",
                           text_field="text", url_field="url", id_field="id"), beam_flags))


def _train_quality_model(recipe, steps, beam_flags: list[str]) -> str:
    """The recipe's `quality.train` step: the classifier the corpus step then applies."""
    from dataprep.cli.recipe import QUALITY_MODEL_DIR
    from dataprep.cli.train_quality import train_quality_model

    train = recipe.quality.train
    return _model_step(steps, QUALITY_MODEL, fs.join(recipe.output.path, QUALITY_MODEL_DIR), lambda folder:
                       train_quality_model(training_inputs("positive", train.positive),
                                           training_inputs("negative", train.negative), folder, train.fasttext,
                                           beam_flags))


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
