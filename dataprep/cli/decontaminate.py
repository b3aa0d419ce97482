"""`dataprep decontaminate`: remove benchmark test sets from any Parquet/JSONL corpus on Beam.

    dataprep decontaminate out/quickstart/web --benchmark humaneval --benchmark gsm8k=gsm8k.jsonl \\
        --output out/web-clean

Corpus inputs are read as by `dataprep dedup` (Document-schema Parquet keeps its ids).
`register(subparsers)` adds the command; `dataprep.cli.main` dispatches to `args.handler(args, extra)`
with the unparsed (Beam) flags.
"""

from __future__ import annotations

import argparse
import dataclasses

from dataprep.cli import corpus
from dataprep.cli.errors import UsageError
from dataprep.config import ConfigError, to_dict
from dataprep.decontaminate import SHIPPED, DecontaminateConfig, parse_benchmark
from dataprep.decontaminate.config import JOINS, MODES

_EPILOG = corpus.epilog(f"""\
Benchmarks: NAME=PATH (a .jsonl, .jsonl.gz or .parquet file, a glob or a folder of them; every string
field and list of strings is eval text unless --fields is given) or a shipped one: {', '.join(sorted(SHIPPED))}.

Outputs under --output: kept/kept-0000i-of-0000N.parquet (cut documents carry metadata.contamination),
dropped/… (metadata.drop_reason: decontaminate_too_many_pieces, decontaminate_emptied,
decontaminate_contaminated), stats.json, contamination.json (per benchmark: examples found with their
ids, the clean ids, documents hit, characters removed, documents dropped, per source) and
decontaminate.json (the settings).
""")

_CONFIG_FLAGS = ("mode", "ngram", "min_words", "window", "min_fragment", "max_pieces", "max_example_frequency",
                 "max_document_frequency", "join", "side_input_max_ngrams")


def register(subparsers) -> None:
    """Add `decontaminate` to the `dataprep` subcommands; sets `handler` to `run_command`."""
    parser = subparsers.add_parser(
        "decontaminate",
        help="Remove benchmark test sets from a Parquet/JSONL corpus (13-gram spans, GPT-3 style).",
        description="Find n-grams of benchmark examples in Parquet or JSONL documents on Beam, cut them out with "
        "a window around them (or drop the document), and report per benchmark which examples were found.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpus.add_corpus_arguments(parser)
    parser.add_argument("--benchmark", action="append", required=True, metavar="NAME=PATH",
                        help="A test set (repeatable): NAME=PATH or a shipped name.")
    parser.add_argument("--fields", help="Comma-separated eval-text fields of every benchmark given as NAME=PATH.")
    parser.add_argument("--id-field-of-benchmark", dest="benchmark_id_field",
                        help="Example id field of benchmarks given as NAME=PATH (default: id, else position).")
    group = parser.add_argument_group("matching (defaults: GPT-3)")
    group.add_argument("--mode", choices=MODES, help="spans (GPT-3: cut each match ± --window characters; default) "
                       "or document (drop any document with a match).")
    group.add_argument("--ngram", type=int, help="Words per n-gram (default 13).")
    group.add_argument("--min-words", type=int, help="Shorter eval texts are matched whole from this length (8).")
    group.add_argument("--window", type=int, help="Characters cut on each side of a match (200).")
    group.add_argument("--min-fragment", type=int, help="Fragments shorter than this are dropped (200).")
    group.add_argument("--max-pieces", type=int, help="Documents cut into more fragments are dropped (10).")
    group.add_argument("--max-example-frequency", type=int, help="Ignore n-grams in more benchmark examples.")
    group.add_argument("--max-document-frequency", type=int, help="Ignore n-grams in more training documents.")
    group.add_argument("--join", choices=JOINS, help="side_input, shuffle or auto (default).")
    group.add_argument("--side-input-max-ngrams", type=int, help="auto: largest side-input index (50,000,000).")
    parser.set_defaults(handler=run_command)


def config_from_args(args) -> DecontaminateConfig:
    changes = {name: getattr(args, name) for name in _CONFIG_FLAGS if getattr(args, name) is not None}
    try:
        return DecontaminateConfig(**changes)
    except ConfigError as error:
        raise UsageError(str(error).replace("decontaminate.", "--").replace("_", "-")) from None


def benchmarks_from_args(args) -> list:
    benchmarks = []
    for spec in args.benchmark:
        config = parse_benchmark(spec)
        if "=" in spec:
            changes = {}
            if args.fields:
                changes["fields"] = tuple(name.strip() for name in args.fields.split(",") if name.strip())
            if args.benchmark_id_field:
                changes["id_field"] = args.benchmark_id_field
            config = dataclasses.replace(config, **changes)
        benchmarks.append(config)
    names = [config.name for config in benchmarks]
    if len(set(names)) != len(names):
        raise UsageError(f"--benchmark: the name {sorted(n for n in names if names.count(n) > 1)[0]!r} is given twice")
    return benchmarks


def run_command(args, beam_flags: list[str]) -> int:
    """The `dataprep decontaminate` handler: run, print the stage and contamination tables."""
    inputs = corpus.prepare(args, beam_flags, "decontaminate")
    config = config_from_args(args)
    benchmarks = benchmarks_from_args(args)  # they load when the graph is built, not on workers

    from dataprep.decontaminate import format_contamination_table
    from pipelines.decontaminate import build_standalone

    return corpus.run(
        args, beam_flags, f"decontaminating {' '.join(args.inputs)} → {args.output}",
        lambda pipeline: build_standalone(pipeline, inputs, config, benchmarks, args.output, args.shards,
                                          write_dropped=not args.no_dropped),
        {"decontaminate": to_dict(config), "benchmarks": [to_dict(item) for item in benchmarks],
         "inputs": corpus.inputs_record(inputs)},
        tables=[("contamination", format_contamination_table)])
