"""`dataprep train-quality`: train a fastText quality classifier on positive and negative corpora.

    dataprep train-quality --positive sample_data/quality/positive.jsonl.gz \\
        --negative sample_data/quality/negative.jsonl.gz --output out/quality-model

Beam samples up to --max-per-side documents of each side by a hash of (seed, id) (the sides
balanced to the smaller one) and writes them under OUTPUT/training/; fastText then trains on
one machine with one thread (reproducible) and the held-out split (by id hash) gives
metrics.json. RedPajama-v1 trained on ~300k pages a side; that is minutes on one core.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from dataprep import fs
from dataprep.cli.corpus import add_input_arguments, input_configs
from dataprep.cli.errors import UsageError
from dataprep.config import ConfigError
from dataprep.quality import TrainConfig, train

_DEFAULTS = TrainConfig()


def register(subparsers) -> None:
    """Add `train-quality` to the `dataprep` subcommands; sets `handler` to `run_command`."""
    parser = subparsers.add_parser(
        "train-quality",
        help="Train a fastText quality classifier: positives vs negatives → model.bin, metrics.json.",
        description="Train a fastText supervised classifier on normalized text (lowercase, digits → 0, "
        "whitespace collapsed: the same normalization `dataprep quality` applies), with balanced classes "
        "and a held-out split by document-id hash; writes model.bin and metrics.json (precision, recall, "
        "F1, ROC AUC, both classes' score distributions).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--positive", nargs="+", required=True, metavar="P",
                        help="Good documents: Parquet/JSONL files, globs or folders of Parquet shards.")
    parser.add_argument("--negative", nargs="+", required=True, metavar="N", help="Bad documents, likewise.")
    parser.add_argument("--output", required=True, help="Output folder: model.bin, metrics.json, training/.")
    add_input_arguments(parser)
    group = parser.add_argument_group("fastText")
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        if field.type in (bool, "bool"):
            group.add_argument(flag, action="store_true", help=field.metadata["help"])
        else:
            kind = {"int": int, "float": float}[field.type if isinstance(field.type, str) else field.type.__name__]
            group.add_argument(flag, type=kind, default=getattr(_DEFAULTS, field.name),
                               help=f"{field.metadata['help']} (default: {getattr(_DEFAULTS, field.name)})")
    parser.set_defaults(handler=run_command)


def _read_side(folder: str) -> list[tuple[str, str]]:
    """(id, text) of the Parquet shards under `folder`, in shard order."""
    import io

    import pyarrow.parquet as pq

    docs = []
    for path, _ in sorted(fs.match(fs.join(folder, "*.parquet"))):
        table = pq.read_table(io.BytesIO(fs.read_bytes(path)), columns=["id", "text"])
        docs.extend(zip(table.column("id").to_pylist(), table.column("text").to_pylist()))
    return docs


def train_quality_model(positives: list, negatives: list, output: str, config: TrainConfig,
                        beam_flags: list[str]) -> dict:
    """Sample both sides on Beam into OUTPUT/training/, train fastText on one machine, write
    model.bin and metrics.json into OUTPUT; returns the metrics. Shared by `dataprep
    train-quality` and a recipe's `quality.train`."""
    from dataprep.cli.beam import run_pipeline
    from pipelines.quality import build_training_set

    training = fs.join(output, "training")
    print(f"dataprep: sampling up to {config.max_per_side} documents a side → {training}", file=sys.stderr)
    paths = run_pipeline(lambda pipeline: build_training_set(pipeline, positives, negatives, config.max_per_side,
                                                             config.seed, training), beam_flags)
    pos, neg = _read_side(paths["positive"]), _read_side(paths["negative"])
    print(f"dataprep: training on {len(pos)} positive and {len(neg)} negative documents", file=sys.stderr)
    try:
        return train(pos, neg, output, config)
    except ValueError as error:  # an empty side, a held-out split without both classes
        raise UsageError(str(error)) from None


def run_command(args, beam_flags: list[str]) -> int:
    from dataprep.cli.beam import check_beam_flags

    check_beam_flags(beam_flags, "train-quality")
    try:
        config = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    except ConfigError as error:
        field, _, rest = str(error).partition(":")
        raise UsageError(f"--{field.replace('_', '-')}:{rest}") from None
    positives = input_configs(argparse.Namespace(**{**vars(args), "inputs": args.positive, "source": "positive"}))
    negatives = input_configs(argparse.Namespace(**{**vars(args), "inputs": args.negative, "source": "negative"}))
    metrics = train_quality_model(positives, negatives, args.output, config, beam_flags)
    summary = {key: metrics[key] for key in ("precision", "recall", "f1", "roc_auc")}
    print(f"held-out {metrics['documents']['heldout']}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    for name in metrics["model_bytes"]:
        print(f"{name:>12}: {fs.join(args.output, name)} ({metrics['model_bytes'][name] / 1e6:.1f} MB)")
    print(f"{'metrics':>12}: {fs.join(args.output, 'metrics.json')}")
    return 0
