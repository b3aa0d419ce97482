"""`dataprep train-lm`: a 5-gram Kneser-Ney language model for CCNet's perplexity buckets.

    dataprep train-lm sample_data/parquet/curated-00000.parquet --output out/lm --order 5 --vocab-size 2000

KenLM's trainer (`lmplz`) is a C++ binary no wheel ships, so the model is trained here: Beam
counts the n-grams and their continuation counts (pipelines/lm.py: CombinePerKey, so it scales
with the workers), and this process estimates interpolated modified Kneser-Ney from the counts
exactly as `lmplz -o ORDER --discount_fallback [--prune 0 0 1]` does (dataprep/lm/kn.py: the
ARPA's probabilities equal lmplz's to 7e-7 in log10 on tests/data/lm) and writes a standard
ARPA file that the `kenlm` module or our own scorer reads. The estimation holds every n-gram in
memory: measured 550 bytes per n-gram at peak (tracemalloc, 88k n-grams), so ~5 GB for 10^7
n-grams, a Wikipedia sample; a whole English Wikipedia's 5-grams (~10^9) need the estimation
itself moved into Beam (per-order joins on context and suffix), which is not done.

The text is tokenized as CCNet did: each line normalized (lowercase, no accents, digits → 0)
and cut into SentencePiece pieces, with --tokenizer MODEL, or a tokenizer trained here
(--vocab-size N, dataprep's trainer: BPE, byte fallback).

OUTPUT gets model.arpa (model.arpa.gz with --gzip), tokenizer.model, and lm.json (the settings,
n-gram counts, counts of counts and discounts per order): what the `perplexity` stage's
`models` entry names.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from dataprep import fs
from dataprep.cli.corpus import add_input_arguments, input_configs
from dataprep.cli.errors import UsageError
from dataprep.lm.stage import TOKENIZER_FILE

SETTINGS_FILE = "lm.json"
_COUNTS = ".counts"  # Beam's n-gram counts, read back and removed


def register(subparsers) -> None:
    """Add `train-lm` to the `dataprep` subcommands; sets `handler` to `run_command`."""
    parser = subparsers.add_parser(
        "train-lm",
        help="Train an n-gram Kneser-Ney LM (KenLM-compatible ARPA) for perplexity filtering.",
        description="Count n-grams of SentencePiece-tokenized text in Beam and estimate an interpolated modified "
        "Kneser-Ney model as `lmplz --discount_fallback` does; writes model.arpa[.gz], tokenizer.model, lm.json.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="CORPUS",
                        help="Parquet or JSONL files or globs, or folders of Parquet shards (local, gs://, s3://).")
    parser.add_argument("--output", required=True, help="Output folder: model.arpa[.gz], tokenizer.model, lm.json.")
    parser.add_argument("--order", type=int, default=5, help="N-gram order (CCNet: 5; default: 5).")
    tokenizer = parser.add_mutually_exclusive_group(required=True)
    tokenizer.add_argument("--tokenizer", metavar="MODEL", help="A SentencePiece model (e.g. the project's tokenizer).")
    tokenizer.add_argument("--vocab-size", type=int, metavar="N",
                           help="Train a SentencePiece BPE tokenizer of N pieces on CORPUS first.")
    parser.add_argument("--prune", action="store_true", help="Prune singletons of order ≥ 3 (lmplz --prune 0 0 1).")
    parser.add_argument("--gzip", action="store_true", help="Write model.arpa.gz.")
    add_input_arguments(parser)
    parser.set_defaults(handler=run_command)


def _check(args, beam_flags: list[str]) -> None:
    from dataprep.cli.beam import check_beam_flags, check_paths_reach_workers

    check_beam_flags(beam_flags, "train-lm")
    if not 1 <= args.order <= 10:
        raise UsageError(f"--order must be in [1, 10], got {args.order}")
    if args.tokenizer is not None and not fs.exists(args.tokenizer):
        raise UsageError(f"--tokenizer: no such file: {args.tokenizer}")
    if args.tokenizer is not None:
        import sentencepiece

        try:
            sentencepiece.SentencePieceProcessor(model_proto=fs.read_bytes(args.tokenizer))
        except RuntimeError:
            raise UsageError(f"--tokenizer: {args.tokenizer} is not a SentencePiece model") from None
    check_paths_reach_workers([*args.inputs, args.output], beam_flags)


def _tokenizer(args) -> str:
    """The tokenizer in OUTPUT: copied from --tokenizer, or trained on the corpus."""
    target = fs.join(args.output, TOKENIZER_FILE)
    if args.tokenizer is not None:
        fs.write_atomic(target, fs.read_bytes(args.tokenizer))
        return target
    from dataprep.config import ConfigError
    from tokenizer.train import TrainConfig, train_tokenizer

    try:
        config = TrainConfig(vocab_size=args.vocab_size, threads=1)
    except ConfigError as error:
        raise UsageError(f"--vocab-size: {str(error).partition(': ')[2]}") from None
    folder = fs.join(args.output, "tokenizer")
    print(f"dataprep: training a {args.vocab_size}-piece tokenizer → {folder}", file=sys.stderr)
    train_tokenizer(list(args.inputs), folder, config)  # a TokenizerError is one line, via cli.main
    fs.write_atomic(target, fs.read_bytes(fs.join(folder, TOKENIZER_FILE)))
    return target


def read_counts(folder: str, order: int) -> list[dict]:
    """Beam's `count\\tngram` lines → adjusted counts per order, inserted in sorted order so the
    estimator's float sums (and the ARPA bytes) do not depend on the runner's output order."""
    rows = []
    for path, _ in fs.match(fs.join(folder, "counts-*")):
        for line in fs.read_bytes(path).decode("utf-8").splitlines():
            count, _, gram = line.partition("\t")
            rows.append((tuple(gram.split(" ")), int(count)))
    levels: list[dict] = [{} for _ in range(order)]
    for gram, count in sorted(rows):
        levels[len(gram) - 1][gram] = count
    return levels


def train_lm(args, beam_flags: list[str]) -> dict:
    """Count in Beam, estimate here, write the ARPA and lm.json; returns lm.json's content."""
    import apache_beam as beam

    from dataprep.cli.beam import run_pipeline
    from dataprep.lm.arpa import arpa_bytes
    from dataprep.lm.kn import counts_of_counts, estimate
    from pipelines.lm import CountNgrams
    from pipelines.standalone import read_corpus

    tokenizer = _tokenizer(args)
    counts = fs.join(args.output, _COUNTS)
    stale = [path for path, _ in fs.match(fs.join(counts, "*"))]
    if stale:
        fs.delete(stale)

    def build(pipeline):
        docs, _, _ = read_corpus(pipeline, input_configs(args))
        (docs
         | "CountNgrams" >> CountNgrams(args.order, tokenizer)  # (ngram, adjusted count)
         | "Format" >> beam.MapTuple(lambda gram, count: f"{count}\t{' '.join(gram)}")
         | "WriteCounts" >> beam.io.WriteToText(fs.join(counts, "counts"), shard_name_template="-SSSSS-of-NNNNN"))

    print(f"dataprep: counting {args.order}-grams", file=sys.stderr)
    run_pipeline(build, beam_flags)
    levels = read_counts(counts, args.order)
    fs.delete([path for path, _ in fs.match(fs.join(counts, "*"))])
    if not fs.is_remote(counts):
        os.rmdir(counts)  # object stores have no folders to remove
    if not levels[0]:
        raise UsageError("the corpus has no text to train on")
    model = estimate(levels, prune=args.prune)
    name = "model.arpa.gz" if args.gzip else "model.arpa"
    fs.write_atomic(fs.join(args.output, name), arpa_bytes(model, compress=args.gzip))
    other = fs.join(args.output, "model.arpa" if args.gzip else "model.arpa.gz")
    if fs.exists(other):  # an earlier run's other form would be the one the perplexity stage loads
        fs.delete([other])
    settings = {
        "model": name,
        "tokenizer": TOKENIZER_FILE,
        "order": args.order,
        "prune": args.prune,
        "estimator": "interpolated modified Kneser-Ney (lmplz --discount_fallback)",
        "ngrams": model.counts(),
        "counts_of_counts": [counts_of_counts(level.values()) for level in levels],
        "discounts": [[round(d, 6) for d in ds] for ds in model.discounts],
    }
    fs.write_atomic(fs.join(args.output, SETTINGS_FILE), (json.dumps(settings, indent=2) + "\n").encode("utf-8"))
    return settings


def run_command(args, beam_flags: list[str]) -> int:
    _check(args, beam_flags)
    settings = train_lm(args, beam_flags)
    counts = ", ".join(f"{n}-grams {c}" for n, c in enumerate(settings["ngrams"], start=1))
    print(f"{'model':>9}: {fs.join(args.output, settings['model'])} ({counts})")
    print(f"{'tokenizer':>9}: {fs.join(args.output, TOKENIZER_FILE)}")
    print(f"{'settings':>9}: {fs.join(args.output, SETTINGS_FILE)}")
    return 0
