"""`dataprep train-tokenizer`: a sentencepiece BPE tokenizer (LLaMA settings, lossless) on a corpus sample.

    dataprep train-tokenizer out/quickstart --output out/tok --vocab-size 8000 --sample-bytes 100M

The training itself is `tokenizer.train.train_tokenizer`; this module only turns flags into a
`TrainConfig` and prints the report.
"""

from __future__ import annotations

import os

from dataprep.cli.errors import UsageError
from dataprep.cli.tokenize import add_corpus_command, size

_EPILOG = """\
Lossless by default: identity normalization and no whitespace collapsing, so
decode(encode(text)) == text for any text (sentencepiece's default nmt_nfkc turns 𝔘 into U and
collapses spaces; --normalization nmt_nfkc --collapse-whitespace gives it back, lossy).
Writes OUTPUT/tokenizer.model, OUTPUT/tokenizer.vocab and OUTPUT/training.json (time, peak RSS,
sample size, character coverage), and OUTPUT/tokenizer.json, tokenizer_config.json and
special_tokens_map.json: transformers' AutoTokenizer.from_pretrained(OUTPUT) gives the same ids
as sentencepiece. Example:
  dataprep train-tokenizer out/quickstart --output out/tok --vocab-size 8000 --sample-bytes 100M
"""


def register(subparsers) -> None:
    """Add `train-tokenizer` to the `dataprep` subcommands."""
    from tokenizer.train import NORMALIZATIONS, TrainConfig

    defaults = TrainConfig()
    parser = add_corpus_command(
        subparsers, "train-tokenizer",
        help="Train a sentencepiece BPE tokenizer (LLaMA settings, lossless) on a sample of a corpus.",
        description="Train a sentencepiece BPE tokenizer with byte fallback and digits split (the LLaMA "
        "tokenizer's settings) on a deterministic sample of CORPUS.",
        epilog=_EPILOG)
    parser.add_argument("--output", required=True, help="Folder for tokenizer.model, tokenizer.vocab, training.json and "
                        "the transformers files (tokenizer.json, tokenizer_config.json, special_tokens_map.json).")
    parser.add_argument("--vocab-size", type=int, default=defaults.vocab_size,
                        help="Pieces, special and 256 byte pieces included (default: %(default)s, as LLaMA).")
    parser.add_argument("--sample-bytes", type=size, default=defaults.sample_bytes,
                        help="Training text to sample, in UTF-8 bytes; 50M, 1G, … (default: %(default)s). "
                        "sentencepiece holds it in memory, ~8x in RSS.")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="Seed of the sample (default: %(default)s).")
    parser.add_argument("--character-coverage", type=float, default=defaults.character_coverage,
                        help="Share of characters with their own piece; the rarest rest become bytes "
                        "(default: %(default)s).")
    parser.add_argument("--normalization", choices=NORMALIZATIONS, default=defaults.normalization,
                        help="sentencepiece normalization; only identity is lossless (default: %(default)s).")
    parser.add_argument("--collapse-whitespace", action="store_true",
                        help="Collapse runs of spaces and strip them at the ends (lossy; off by default).")
    parser.add_argument("--unk", default=defaults.unk_piece, help="Unknown piece, id 0 (default: %(default)s).")
    parser.add_argument("--bos", default=defaults.bos_piece,
                        help="Beginning-of-document piece; '' for none (default: %(default)s).")
    parser.add_argument("--eos", default=defaults.eos_piece,
                        help="End-of-document piece; '' for none (default: %(default)s).")
    parser.add_argument("--pad", default=defaults.pad_piece,
                        help="Padding piece, e.g. '<pad>'; '' for none (default: none).")
    parser.add_argument("--user-symbols", default="",
                        help="Comma-separated extra special pieces that are never split, e.g. '<|fim|>,<|sep|>'.")
    parser.add_argument("--max-sentence-bytes", type=int, default=defaults.max_sentence_bytes,
                        help="Longer lines are cut to this many bytes for training (default: %(default)s).")
    parser.add_argument("--threads", type=int, default=0, help="Trainer threads (default: every CPU).")
    parser.add_argument("--verbose", action="store_true", help="Show sentencepiece's own training log.")
    parser.set_defaults(handler=lambda args, extra: train_command(args, extra))


def train_command(args, extra: list[str]) -> int:
    from tokenizer.train import TrainConfig, train_tokenizer

    if extra:
        raise UsageError(f"unknown arguments: {' '.join(extra)}")
    config = TrainConfig(
        vocab_size=args.vocab_size, sample_bytes=args.sample_bytes, seed=args.seed,
        character_coverage=args.character_coverage, normalization=args.normalization,
        collapse_whitespace=args.collapse_whitespace, unk_piece=args.unk, bos_piece=args.bos, eos_piece=args.eos,
        pad_piece=args.pad, user_symbols=tuple(s for s in args.user_symbols.split(",") if s),
        max_sentence_bytes=args.max_sentence_bytes, threads=args.threads,
    )
    report = train_tokenizer(args.corpus, args.output, config, verbose=args.verbose)
    coverage = report["character_coverage"]
    print(f"     model: {os.path.join(args.output, report['model'])}")
    print(f"        hf: AutoTokenizer.from_pretrained({args.output!r})")
    print(f"    pieces: {report['vocab_size']:,}  (unk/bos/eos/pad ids: "
          f"{'/'.join(str(v) for v in report['special_ids'].values())})")
    print(f"    sample: {report['sample']['bytes'] / 1e6:,.1f} MB, {report['sample']['documents']:,} of "
          f"{report['corpus']['documents']:,} documents")
    print(f"  coverage: {coverage['covered']:.5f} of characters have a piece ({coverage['byte_fallback_distinct']} "
          f"of {coverage['distinct']} distinct characters become bytes)")
    print(f"      time: {report['seconds']:.1f} s, peak RSS {report['peak_rss_bytes'] / 1e6:,.0f} MB")
    return 0
