"""`dataprep quality`: score any Parquet/JSONL corpus with a fastText quality model, and filter it.

    dataprep quality 'out/quickstart/web/*.parquet' --model out/quality-model --output out/web-quality \\
        --min-score 0.25
    dataprep quality out/quickstart/web --model dclm.bin --label hq --keep-top-fraction 0.1 --output out/top10
    dataprep quality out/quickstart/web --model out/quality-model --mode score --output out/web-scored

Scores land in metadata.quality.<name> of every kept and dropped document, so a later run can
re-threshold them without the model.
"""

from __future__ import annotations

import argparse
import dataclasses

from dataprep.cli import corpus
from dataprep.cli.errors import UsageError
from dataprep.config import ConfigError
from dataprep.quality import QualityConfig, check_model

_EPILOG = corpus.epilog("""\
Outputs under --output: kept/kept-0000i-of-0000N.parquet (metadata.quality.<name> = the positive
label's probability), dropped/… (metadata.drop_reason: quality_low_score, quality_pareto,
quality_not_top_fraction, and the score), stats.json (documents/characters per stage and reason),
quality_stats.json (per source: score histogram, mean and the top-fraction cut-off) and
quality.json (the settings).
""")


def register(subparsers) -> None:
    """Add `quality` to the `dataprep` subcommands; sets `handler` to `run_command`."""
    parser = subparsers.add_parser(
        "quality",
        help="Score a Parquet/JSONL corpus with a fastText quality classifier and filter it.",
        description="Score Parquet or JSONL documents with a fastText quality classifier (ours from "
        "`dataprep train-quality`, or any fastText model) on Beam, and keep them by minimum score, top "
        "fraction per source (DCLM) or Pareto-noised sampling (GPT-3); --mode score only records scores.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpus.add_corpus_arguments(parser)
    parser.add_argument("--model", required=True, help="fastText model file, or a train-quality output folder.")
    group = parser.add_argument_group("scoring")
    group.add_argument("--name", default="fasttext", help="Score name: metadata.quality.<name> (default: fasttext).")
    group.add_argument("--label", default="positive",
                       help="The model's positive label, with or without __label__ (default: positive; DCLM: hq).")
    group.add_argument("--mode", choices=("filter", "score"), default="filter",
                       help="filter (default) applies the keep rule; score writes scores and drops nothing.")
    group.add_argument("--seed", type=int, default=0, help="Seed of the Pareto noise and tie-breaks (default 0).")
    rules = group.add_mutually_exclusive_group()
    rules.add_argument("--min-score", type=float, help="Keep if score ≥ X (RedPajama-v1: 0.25).")
    rules.add_argument("--keep-top-fraction", type=float, help="Keep the best fraction F of each source (DCLM: 0.1).")
    rules.add_argument("--pareto", type=float, metavar="ALPHA",
                       help="Keep if score > 1 − pareto(ALPHA) (GPT-3: 9).")
    parser.set_defaults(handler=run_command)


def config_from_args(args) -> QualityConfig:
    try:
        return QualityConfig(model=args.model, name=args.name, label=args.label, mode=args.mode,
                             min_score=args.min_score, keep_top_fraction=args.keep_top_fraction,
                             pareto=args.pareto, seed=args.seed)
    except ConfigError as error:  # "min_score: must be in [0, 1]" → "--min-score: must be in [0, 1]"
        field, _, rest = str(error).partition(":")
        raise UsageError(f"--{field.replace('_', '-')}:{rest}" if rest else str(error)) from None


def run_command(args, beam_flags: list[str]) -> int:
    """The `dataprep quality` handler: check the model, run, print the stage table."""
    inputs = corpus.prepare(args, beam_flags, "quality", other_paths=(args.model,))
    config = config_from_args(args)
    check_model(config)  # a missing model or label fails here, not on a worker

    from pipelines.quality import build_standalone

    return corpus.run(
        args, beam_flags, f"scoring {' '.join(args.inputs)} with {args.model} → {args.output}",
        lambda pipeline: build_standalone(pipeline, inputs, config, args.output, args.shards,
                                          write_dropped=not args.no_dropped),
        {"quality": dataclasses.asdict(config), "inputs": corpus.inputs_record(inputs)})
