"""`dataprep`: the command line, the face of the project.

    dataprep run RECIPE [--output DIR] [Beam flags…]   run a recipe (local, Dataflow, Spark, Flink)
    dataprep recipe-help                                every recipe key with its help and default
    dataprep dedup | train-tokenizer | tokenize | inspect

This package is the only code that parses argv, loads a recipe or constructs and runs a
`beam.Pipeline`; one module per command, each with `register(subparsers)` setting a
`handler(args, beam_flags)`. Errors a user can fix (bad recipe, missing input, unknown flag)
print one line and exit 2, caught here once.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dataprep.cli.errors import EXIT_USAGE, UsageError, user_errors

__all__ = ["EXIT_USAGE", "UsageError", "main"]

_COMMANDS = ("run", "recipe_help", "dedup", "train_tokenizer", "tokenize", "inspect")


def _parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="dataprep",
        description="Pretraining-data pipeline on Apache Beam: web crawl and curated text to clean, "
        "filtered, deduplicated Parquet, a trained tokenizer and token shards for GPU trainers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"dataprep.cli.{name}").register(commands)
    return parser


def _configure_logging() -> None:
    """Warnings on stderr, minus one Beam prints at import whenever the optional GCP client
    libraries are absent (always, offline): it says nothing about the user's run."""

    class _DropApitoolsNotice(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith("apitools not found")

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropApitoolsNotice())


def show_progress() -> None:
    """dataprep's own progress lines on stderr; Beam's INFO chatter stays hidden."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dataprep: %(message)s"))
    logger = logging.getLogger("dataprep")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    try:
        return args.handler(args, extra)
    except user_errors() as error:
        print(f"dataprep: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
