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
import contextlib
import logging
import os
import signal
import sys
import threading

from dataprep.cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, user_errors

__all__ = ["EXIT_INTERRUPTED", "EXIT_USAGE", "UsageError", "main"]

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


@contextlib.contextmanager
def _exit_on_interrupt():
    """Ctrl-C prints one line and exits 130 (128 + SIGINT, the shell convention).

    A KeyboardInterrupt cannot be caught cleanly: it arrives inside whichever DoFn is running,
    Beam logs it with a traceback and re-raises it as a RuntimeError (measured on the quickstart:
    three tracebacks, exit 1). So the handler leaves at once instead; outputs are written to a
    temporary name and renamed, so what a killed run leaves never looks complete, and the
    extraction children exit on the end of their input pipe.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (an embedding caller)
        return

    def interrupted(signum, frame):
        sys.stdout.flush()
        print("dataprep: interrupted", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    args, extra = _parser().parse_known_args(argv)
    with _exit_on_interrupt():
        try:
            return args.handler(args, extra)
        except user_errors() as error:
            print(f"dataprep: error: {error}", file=sys.stderr)
            return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
