"""`dataprep`: the command line.

    dataprep run RECIPE [--output DIR] [Beam flags…]   run a recipe (local, Dataflow, Spark, Flink)
    dataprep recipe-help                                every recipe key with its help and default
    dataprep dedup | train-tokenizer | tokenize | inspect   (dataprep/dedup_commands.py, tokenizer/commands.py)

Errors a user can fix (bad recipe, missing input, unknown flag) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from dataprep.errors import EXIT_USAGE, UsageError


_RUN_EPILOG = """\
Beam flags pass through to the runner. Examples:
  local, 2 processes:  --direct_num_workers 2 --direct_running_mode multi_processing
  Dataflow:            --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
                       --setup_file ./pyproject.toml   (builds and ships this package to workers)
  Spark / Flink:       --runner PortableRunner --job_endpoint localhost:8099 --environment_type LOOPBACK
Without --runner the pipeline runs on the local FnApiRunner (the DirectRunner's engine),
which needs no network; DirectRunner itself would try to download Prism first.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dataprep",
        description="Pretraining-data pipeline on Apache Beam: web crawl and curated text to clean, "
        "filtered, deduplicated Parquet, a trained tokenizer and token shards for GPU trainers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="Run a recipe: read, extract, filter; write Parquet shards and stats.json.",
        description="Run a YAML recipe end to end and print a per-stage table of documents in/out and "
        "the top drop reasons. Outputs: <output>/<source>/*.parquet, <output>/dropped/*.parquet, "
        "<output>/stats.json, <output>/recipe.json.",
        epilog=_RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("recipe", help="Path to the recipe YAML (see `dataprep recipe-help`).")
    run.add_argument("--output", help="Output folder (local, gs://, s3://); overrides the recipe's output.path.")
    run.add_argument("--quiet", action="store_true", help="Print only the output paths, not the stage table.")

    commands.add_parser(
        "recipe-help",
        help="List every recipe key with its meaning and default.",
        description="List every recipe key with its meaning and default, then the heuristic presets' options.",
    )
    from dataprep.dedup_commands import register as register_dedup
    from tokenizer.commands import register as register_tokenizer

    register_dedup(commands)
    register_tokenizer(commands)
    return parser


def _configure_logging() -> None:
    """Warnings on stderr, minus one Beam prints at import whenever the optional GCP client
    libraries are absent (always, offline): it says nothing about the user's run."""
    import logging

    class _DropApitoolsNotice(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith("apitools not found")

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropApitoolsNotice())


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    try:
        if args.command == "run":
            return _run(args, extra)
        if hasattr(args, "handler"):
            return args.handler(args, extra)
        if extra:
            raise UsageError(f"unknown arguments: {' '.join(extra)}")
        if args.command == "recipe-help":
            return _recipe_help()
    except UsageError as error:
        print(f"dataprep: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _check_beam_flags(flags: list[str]) -> None:
    from pipelines.options import unknown_beam_flags

    unknown = unknown_beam_flags(flags)
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (not a dataprep or Beam flag; see dataprep run --help)")


def _check_paths_reach_workers(recipe, beam_flags: list[str]) -> None:
    """Dataflow workers cannot see this machine's disk: local paths would fail there, minutes in."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    if (PipelineOptions(beam_flags).view_as(StandardOptions).runner or "").lower() not in ("dataflow", "dataflowrunner"):
        return
    paths = [path for item in recipe.inputs for path in item.paths] + [recipe.output.path]
    local = [path for path in paths if "://" not in path]
    if local:
        raise UsageError(f"{local[0]} is a local path, which Dataflow workers cannot read or write: "
                         "use gs:// paths for inputs and --output")


def _run(args, beam_flags: list[str]) -> int:
    import dataclasses

    from dataprep.recipe import RecipeError, load_recipe
    from dataprep.report import format_stats_table
    from pipelines.graph import OutputConflict
    from pipelines.read import InputNotFound

    _check_beam_flags(beam_flags)
    try:
        recipe = load_recipe(args.recipe)
    except RecipeError as error:
        raise UsageError(str(error)) from None
    if args.output:
        recipe = dataclasses.replace(recipe, output=dataclasses.replace(recipe.output, path=args.output))
    _check_paths_reach_workers(recipe, beam_flags)

    from apache_beam.io.filesystems import FileSystems

    from pipelines.graph import run

    print(f"dataprep: running recipe {recipe.name!r} → {recipe.output.path}", file=sys.stderr)
    if not args.quiet:
        _show_progress()
        if recipe.dedup is not None and recipe.dedup.minhash is not None:
            from dataprep.dedup import describe_lsh

            print("\n".join(describe_lsh(recipe.dedup.minhash)), file=sys.stderr)
    try:
        paths = run(recipe, beam_flags)
    except (InputNotFound, OutputConflict) as error:
        raise UsageError(str(error)) from None
    if not args.quiet:
        with FileSystems.open(paths["stats"]) as handle:
            print(format_stats_table(json.load(handle)))
        print()
    width = max(len(name) for name in paths)
    for name, path in paths.items():
        print(f"{name:>{width}}: {path}")
    return 0


def _show_progress() -> None:
    """dataprep's own progress lines on stderr; Beam's INFO chatter stays hidden."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dataprep: %(message)s"))
    logger = logging.getLogger("dataprep")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _recipe_help() -> int:
    # `dataprep recipe-help | head` should end quietly, as other command-line tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    from dataprep.heuristics import PRESETS
    from dataprep.recipe import Recipe, describe

    print("Recipe keys (YAML):")
    for line in describe(Recipe):
        print(f"  {line}")
    for name, preset in PRESETS.items():
        print(f"\nheuristics preset {name!r} options:")
        for line in describe(preset.config_cls):
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
