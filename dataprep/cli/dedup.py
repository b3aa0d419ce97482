"""`dataprep dedup`: deduplicate any Parquet/JSONL corpus on Beam, outside a recipe.

    dataprep dedup 'out/quickstart/web/*.parquet' --output out/web-dedup
    dataprep dedup 'books/*.jsonl.zst' --preset books --output out/books-dedup --direct_num_workers=8 \\
        --direct_running_mode=multi_processing

Parquet written by `dataprep run` (our Document schema) keeps its ids, sources and metadata;
any other Parquet or JSONL needs only a text field (ids then derive from file and position).
`register(subparsers)` adds the command; `dataprep.cli.main` dispatches to `args.handler(args, extra)`
with the unparsed (Beam) flags.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from dataprep.cli import corpus
from dataprep.dedup import (
    COMPONENT_METHODS,
    HASHES,
    KEEP_RULES,
    LINE_UNITS,
    PRESETS,
    DedupConfig,
    LinesConfig,
    config_to_dict,
    describe_lsh,
)
from dataprep.cli.errors import UsageError


_EPILOG = corpus.epilog("""\
Outputs under --output: kept/kept-0000i-of-0000N.parquet (one document per duplicate group,
metadata.dup_cluster_size = documents it stands for), dropped/… (metadata.drop_reason:
dedup_exact_duplicate, dedup_url_duplicate, dedup_minhash_duplicate with dup_of, dedup_lines_emptied),
stats.json (documents/characters per stage and reason), dedup_stats.json (cluster sizes, largest
bucket, connected-components rounds) and dedup.json (the settings).
""")


def register(subparsers) -> None:
    """Add `dedup` to the `dataprep` subcommands; sets `handler` to `run_command`."""
    parser = subparsers.add_parser(
        "dedup",
        help="Deduplicate a Parquet/JSONL corpus: exact, URL, MinHash near-duplicates, lines.",
        description="Deduplicate Parquet or JSONL documents on Beam: exact normalized-text and URL "
        "duplicates, MinHash LSH near-duplicates clustered by distributed connected components, and "
        "optionally lines/paragraphs repeated across documents. Prints the stage table and the LSH curve.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpus.add_corpus_arguments(parser)

    group = parser.add_argument_group("what to deduplicate (on top of --preset)")
    group.add_argument("--preset", choices=tuple(PRESETS), default="default",
                       help="default: exact + URL + MinHash at ≈0.72; books: exact + MinHash at Jaccard ≥ 0.9.")
    group.add_argument("--no-exact", action="store_true", help="Skip exact (normalized text) dedup.")
    group.add_argument("--no-url", action="store_true", help="Skip URL dedup.")
    group.add_argument("--no-minhash", action="store_true", help="Skip MinHash near-duplicate dedup.")
    group.add_argument("--lines", action="store_true", help="Also remove lines repeated across documents (CCNet).")
    group.add_argument("--line-unit", choices=LINE_UNITS, help="With --lines: line (default) or paragraph.")
    group.add_argument("--line-min-chars", type=int, help="With --lines: units shorter than this are never removed.")
    group.add_argument("--keep", choices=KEEP_RULES, help="Which duplicate stays (default: min_id).")
    group.add_argument("--score-field", help="Metadata field for --keep max_score (default: quality_score).")

    group = parser.add_argument_group("MinHash")
    group.add_argument("--num-perm", type=int, help="Permutations per signature (default 112).")
    group.add_argument("--bands", type=int, help="LSH bands (default 14; give --rows too).")
    group.add_argument("--rows", type=int, help="Rows per band (default 8; give --bands too).")
    group.add_argument("--threshold", type=float, help="Target Jaccard: verification cut; derives bands × rows "
                       "unless given.")
    group.add_argument("--ngram", type=int, help="Words per shingle (default 5).")
    group.add_argument("--seed", type=int, help="Permutation seed (default 1).")
    group.add_argument("--hash", choices=HASHES, help="Shingle hash (default xxh3).")
    group.add_argument("--no-verify", action="store_true", help="Link every LSH candidate without checking the "
                       "signatures' Jaccard estimate.")
    group.add_argument("--max-bucket-size", type=int, help="Salt buckets larger than this (default 100000).")
    group.add_argument("--components", choices=COMPONENT_METHODS,
                       help="beam (large-star/small-star, default) or union_find (one worker; small corpora).")
    group.add_argument("--max-rounds", type=int, help="Large-star/small-star rounds unrolled (default 12).")
    parser.set_defaults(handler=run_command)


def config_from_args(args) -> DedupConfig:
    """The preset with the command-line overrides applied; ValueError on impossible settings."""
    config = PRESETS[args.preset]
    changes: dict = {}
    if args.no_exact:
        changes["exact"] = None
    if args.no_url:
        changes["url"] = None
    if args.keep:
        changes["keep"] = args.keep
    if args.score_field:
        changes["score_field"] = args.score_field
    if args.lines or args.line_unit or args.line_min_chars is not None:
        lines = config.lines or LinesConfig()
        line_changes = {}
        if args.line_unit:
            line_changes["unit"] = args.line_unit
        if args.line_min_chars is not None:
            line_changes["min_chars"] = args.line_min_chars
        changes["lines"] = dataclasses.replace(lines, **line_changes)
    if args.no_minhash:
        changes["minhash"] = None
    elif config.minhash is not None:
        minhash_changes = {
            name: getattr(args, name)
            for name in ("num_perm", "bands", "rows", "threshold", "ngram", "seed", "hash", "max_bucket_size",
                         "components", "max_rounds")
            if getattr(args, name) is not None
        }
        if args.no_verify:
            minhash_changes["verify"] = False
        if minhash_changes:
            changes["minhash"] = dataclasses.replace(config.minhash, **minhash_changes)
    return dataclasses.replace(config, **changes)


def run_command(args, beam_flags: list[str]) -> int:
    """The `dataprep dedup` handler: run, print the stage table."""
    inputs = corpus.prepare(args, beam_flags, "dedup")
    try:
        config = config_from_args(args)
    except ValueError as error:  # the configs' cross-field checks
        raise UsageError(str(error)) from None

    from pipelines.dedup import build_standalone

    if config.minhash is not None and not args.quiet:
        print("\n".join(describe_lsh(config.minhash)), file=sys.stderr)
    return corpus.run(
        args, beam_flags, f"deduplicating {' '.join(args.inputs)} → {args.output}",
        lambda pipeline: build_standalone(pipeline, inputs, config, args.output, args.shards,
                                          write_dropped=not args.no_dropped),
        {"dedup": config_to_dict(config), "inputs": corpus.inputs_record(inputs)})
