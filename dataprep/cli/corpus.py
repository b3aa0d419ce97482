"""What the standalone corpus commands share (`dedup`, `decontaminate`, `quality`,
`train-quality`): the corpus arguments, the inputs they name, and running a family's graph into
the usual layout (kept/ and dropped/ Parquet shards, stats.json, the settings file).
"""

from __future__ import annotations

import dataclasses
import json
import sys

from dataprep import fs
from dataprep.cli.errors import UsageError
from dataprep.inputs import InputConfig, format_of

_BEAM_EPILOG = """\
Beam flags pass through (write them as --flag=value): e.g. --direct_num_workers=4
--direct_running_mode=multi_processing locally, or --runner=DataflowRunner --project=P --region=R
--temp_location=gs://B/tmp --setup_file=./pyproject.toml. Without --runner it runs on the local FnApiRunner.
"""


def add_input_arguments(parser) -> None:
    """How to read files not in our Document schema (what `input_configs` reads)."""
    parser.add_argument("--format", choices=("auto", "parquet", "jsonl"), default="auto",
                        help="Input format; auto decides by file extension (default).")
    parser.add_argument("--source", default="corpus",
                        help="Source name of documents read from files not in our Document schema (default: corpus).")
    parser.add_argument("--text-field", default="text", help="JSONL/Parquet text column (default: text).")
    parser.add_argument("--url-field", default="url", help="JSONL/Parquet URL column (default: url).")
    parser.add_argument("--id-field", default="id", help="Input id column, kept as metadata.source_id (default: id).")


def add_corpus_arguments(parser) -> None:
    """INPUT…, --output and the output options of a command that writes the usual layout."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="Parquet or JSONL (.jsonl, .jsonl.gz, .jsonl.zst) files or globs, or folders of Parquet "
                        "shards (what dataprep run writes per source); local, gs://, s3://.")
    parser.add_argument("--output", required=True, help="Output folder (local, gs://, s3://).")
    add_input_arguments(parser)
    parser.add_argument("--shards", type=int, default=4, help="Output Parquet shards (default: 4).")
    parser.add_argument("--no-dropped", action="store_true", help="Do not write the dropped documents.")
    parser.add_argument("--quiet", action="store_true", help="Print only the output paths.")


def epilog(outputs: str) -> str:
    """A corpus command's --help epilog: what it writes, then how Beam flags pass."""
    return f"{outputs.rstrip()}\n\n{_BEAM_EPILOG}"


def input_configs(args) -> list[InputConfig]:
    """One InputConfig per input format (patterns grouped by extension when --format auto)."""
    by_format: dict[str, list[str]] = {}
    for pattern in args.inputs:
        if pattern.endswith("/") or fs.is_folder(pattern):
            # A folder is a corpus `dataprep run` wrote: its Parquet shards.
            pattern = pattern.rstrip("/") + "/*.parquet"
        fmt = args.format if args.format != "auto" else format_of(pattern)
        if fmt not in ("parquet", "jsonl"):
            raise UsageError(f"cannot tell the format of {pattern!r} from its extension; pass --format parquet|jsonl")
        by_format.setdefault(fmt, []).append(pattern)
    return [
        InputConfig(source=args.source, format=fmt, paths=tuple(patterns), text_field=args.text_field,
                    url_field=args.url_field, id_field=args.id_field)
        for fmt, patterns in sorted(by_format.items())
    ]


def prepare(args, beam_flags: list[str], command: str, other_paths: tuple[str, ...] = ()) -> list[InputConfig]:
    """Check the flags and paths before any work; the inputs to read."""
    from dataprep.cli.beam import check_beam_flags, check_paths_reach_workers

    check_beam_flags(beam_flags, command)
    if args.shards < 1:
        raise UsageError(f"--shards must be ≥ 1, got {args.shards}")
    check_paths_reach_workers([*args.inputs, *other_paths, args.output], beam_flags)
    return input_configs(args)


def run(args, beam_flags: list[str], banner: str, build, settings: dict, tables=()) -> int:
    """Run `build(pipeline) → paths`, write the settings file, print the tables and paths."""
    from dataprep.cli.beam import run_pipeline
    from dataprep.report import format_stats_table

    print(f"dataprep: {banner}", file=sys.stderr)
    paths = run_pipeline(build, beam_flags)
    fs.write_atomic(paths["settings"], (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    if not args.quiet:
        print(format_stats_table(json.loads(fs.read_bytes(paths["stats"]))))
        print()
        for key, format_table in tables:
            print(format_table(json.loads(fs.read_bytes(paths[key]))))
            print()
    width = max(len(name) for name in paths)
    for name, path in paths.items():
        print(f"{name:>{width}}: {path}")
    return 0


def inputs_record(inputs: list[InputConfig]) -> list[dict]:
    return [dataclasses.asdict(item) for item in inputs]
