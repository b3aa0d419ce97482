"""`dataprep`: the command line, the face of the project.

    dataprep run RECIPE [--output DIR] [Beam flags…]   run a recipe (local, Dataflow, Spark, Flink)
    dataprep recipe-help                                every recipe key with its help and default
    dataprep dedup | train-tokenizer | tokenize | inspect

This package is the only code that parses argv, loads a recipe or constructs and runs a
`beam.Pipeline`; one module per command, each with `register(subparsers)` setting a
`handler(args, beam_flags)`. Errors a user can fix (bad recipe, missing input, unknown flag)
print one line and exit 2, caught here once; Ctrl-C prints one line and exits 130.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dataprep.cli import terminal
from dataprep.cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, user_errors

__all__ = ["EXIT_INTERRUPTED", "EXIT_USAGE", "UsageError", "main"]

_COMMANDS = ("run", "recipe_help", "dedup", "decontaminate", "train_tokenizer", "tokenize", "inspect", "train_quality", "quality", "train_lm", "plan")


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



# A progress line per active stage at least this often on a local run (issue 8: 5,016 pages ran
# 159 s without a line).
PROGRESS_INTERVAL_S = 5.0


def _configure_logging() -> None:
    """Warnings on stderr, minus Beam's apitools notice."""

    class _DropApitoolsNotice(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith(terminal.APITOOLS_NOTICE)

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_DropApitoolsNotice())


def show_progress(interval_s: float | None = None) -> None:
    """dataprep's own lines on stderr (`dataprep: …`): per-stage progress every `interval_s`
    seconds (default PROGRESS_INTERVAL_S), in worker processes too; Beam's INFO chatter stays hidden."""
    from pipelines.progress import configure

    configure(PROGRESS_INTERVAL_S if interval_s is None else interval_s)


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    with terminal.exit_on_interrupt(), terminal.quiet_worker_output(extra):
        try:
            return args.handler(args, extra)
        except user_errors() as error:
            print(f"dataprep: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            from pipelines.progress import configure

            configure(None)  # a later main() in this process (a test, an embedding caller) starts quiet


if __name__ == "__main__":
    sys.exit(main())
