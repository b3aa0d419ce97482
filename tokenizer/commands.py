"""The `train-tokenizer`, `tokenize` and `inspect` subcommands of `dataprep`.

`register(subparsers)` adds them to the `dataprep` parser; each sets `handler(args, extra)`,
which returns the exit status. What a user can fix raises `TokenizerError`, a
`dataprep.errors.UsageError`, which `dataprep.cli.main` prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re

from tokenizer import TokenizerError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def size(text: str) -> int:
    """'50M' → 50,000,000; '1.5G', '200k', '4096' (decimal units; a trailing B is allowed)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 4096, 200k, 50M, 1G)")
    return int(float(match.group(1)) * _SCALE[match.group(2).lower()])


_TRAIN_EPILOG = """\
Lossless by default: identity normalization and no whitespace collapsing, so
decode(encode(text)) == text for any text (sentencepiece's default nmt_nfkc turns 𝔘 into U and
collapses spaces; --normalization nmt_nfkc --collapse-whitespace gives it back, lossy).
Writes OUTPUT/tokenizer.model, OUTPUT/tokenizer.vocab and OUTPUT/training.json (time, peak RSS,
sample size, character coverage). Example:
  dataprep train-tokenizer out/quickstart --output out/tok --vocab-size 8000 --sample-bytes 100M
"""

_TOKENIZE_EPILOG = """\
Output, in OUTPUT: tokens-0000i-of-0000N.bin (tokens, no header), .idx (Megatron indexed
dataset: Megatron-LM, NeMo, GPT-NeoX), .offsets.npy (flat, nanoGPT-style document offsets),
tokenizer.model, and manifest.json (tokenizer sha256, dtype, counts per shard and source,
config and its hash). Documents are shuffled globally by a hash of (seed, id): the same corpus,
tokenizer and config give byte-identical files. Rerun the same command to resume.
With --beam, the rest of the command line is Beam flags, e.g.
  --direct_num_workers 2 --direct_running_mode multi_processing
  --runner DataflowRunner --project P --region R --temp_location gs://B/tmp --setup_file ./pyproject.toml
"""


def register(subparsers) -> None:
    """Add train-tokenizer, tokenize and inspect to an argparse subparsers object."""
    from tokenizer.train import NORMALIZATIONS, TrainConfig
    from tokenizer.tokenize import TokenizeConfig

    train_defaults, tokenize_defaults = TrainConfig(), TokenizeConfig()

    train = subparsers.add_parser(
        "train-tokenizer",
        help="Train a sentencepiece BPE tokenizer (LLaMA settings, lossless) on a sample of a corpus.",
        description="Train a sentencepiece BPE tokenizer with byte fallback and digits split (the LLaMA "
        "tokenizer's settings) on a deterministic sample of CORPUS.",
        epilog=_TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("corpus", nargs="+", metavar="CORPUS",
                       help="Parquet (Document schema) or JSONL files, globs or folders; a folder skips dropped/.")
    train.add_argument("--output", required=True, help="Folder for tokenizer.model, tokenizer.vocab, training.json.")
    train.add_argument("--vocab-size", type=int, default=train_defaults.vocab_size,
                       help="Pieces, special and 256 byte pieces included (default: %(default)s, as LLaMA).")
    train.add_argument("--sample-bytes", type=size, default=train_defaults.sample_bytes,
                       help="Training text to sample, in UTF-8 bytes; 50M, 1G, … (default: %(default)s). "
                       "sentencepiece holds it in memory, ~8x in RSS.")
    train.add_argument("--seed", type=int, default=train_defaults.seed, help="Seed of the sample (default: %(default)s).")
    train.add_argument("--character-coverage", type=float, default=train_defaults.character_coverage,
                       help="Share of characters with their own piece; the rarest rest become bytes "
                       "(default: %(default)s).")
    train.add_argument("--normalization", choices=NORMALIZATIONS, default=train_defaults.normalization,
                       help="sentencepiece normalization; only identity is lossless (default: %(default)s).")
    train.add_argument("--collapse-whitespace", action="store_true",
                       help="Collapse runs of spaces and strip them at the ends (lossy; off by default).")
    train.add_argument("--unk", default=train_defaults.unk_piece, help="Unknown piece, id 0 (default: %(default)s).")
    train.add_argument("--bos", default=train_defaults.bos_piece,
                       help="Beginning-of-document piece; '' for none (default: %(default)s).")
    train.add_argument("--eos", default=train_defaults.eos_piece,
                       help="End-of-document piece; '' for none (default: %(default)s).")
    train.add_argument("--pad", default=train_defaults.pad_piece,
                       help="Padding piece, e.g. '<pad>'; '' for none (default: none).")
    train.add_argument("--user-symbols", default="",
                       help="Comma-separated extra special pieces that are never split, e.g. '<|fim|>,<|sep|>'.")
    train.add_argument("--max-sentence-bytes", type=int, default=train_defaults.max_sentence_bytes,
                       help="Longer lines are cut to this many bytes for training (default: %(default)s).")
    train.add_argument("--threads", type=int, default=0, help="Trainer threads (default: every CPU).")
    train.add_argument("--verbose", action="store_true", help="Show sentencepiece's own training log.")
    train.set_defaults(handler=_train)

    tokenize = subparsers.add_parser(
        "tokenize",
        help="Tokenize a corpus into Megatron .bin/.idx and flat token shards with a manifest.",
        description="Encode every document of CORPUS with the tokenizer (EOS after each, BOS optional), "
        "shuffle documents globally by a seed and write shards of about --shard-tokens tokens.",
        epilog=_TOKENIZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tokenize.add_argument("corpus", nargs="+", metavar="CORPUS",
                          help="Parquet (Document schema) or JSONL files, globs or folders; a folder skips dropped/.")
    tokenize.add_argument("--tokenizer", required=True, help="The sentencepiece .model file.")
    tokenize.add_argument("--output", required=True, help="Folder for the shards and manifest.json.")
    tokenize.add_argument("--shard-tokens", type=size, default=tokenize_defaults.shard_tokens,
                          help="Tokens per shard; 100M, 1G, … (default: %(default)s).")
    tokenize.add_argument("--seed", type=int, default=tokenize_defaults.seed,
                          help="Seed of the global document shuffle (default: %(default)s).")
    tokenize.add_argument("--bos", action="store_true", help="Put BOS before every document (EOS always follows).")
    tokenize.add_argument("--dtype", choices=("auto", "uint16", "int32"), default=tokenize_defaults.dtype,
                          help="Token dtype; auto: uint16 below 65,500 pieces, else int32 (default: %(default)s).")
    tokenize.add_argument("--skip-empty", action="store_true",
                          help="Drop documents with empty text (counted in the manifest) instead of failing.")
    tokenize.add_argument("--threads", type=int, default=0, help="Encoding threads (default: every CPU).")
    tokenize.add_argument("--no-progress", action="store_true", help="No progress line on stderr.")
    tokenize.add_argument("--work-dir", help="Local folder for the encoded spill (default: OUTPUT/_work).")
    tokenize.add_argument("--keep-work", action="store_true", help="Keep the spill after success.")
    tokenize.add_argument("--beam", action="store_true",
                          help="Run the Beam stage instead (same bytes); the remaining flags go to Beam.")
    tokenize.set_defaults(handler=_tokenize)

    inspect = subparsers.add_parser(
        "inspect",
        help="Show token shards: counts, dtype, tokenizer, and a decoded sample document.",
        description="Print document and token counts, dtype and tokenizer of a `dataprep tokenize` output "
        "folder (checking each shard against the manifest), or of one Megatron .bin/.idx pair, and decode a "
        "document.",
    )
    inspect.add_argument("shards", metavar="SHARDS",
                         help="A `dataprep tokenize` output folder, or one shard (PREFIX, PREFIX.bin or PREFIX.idx).")
    inspect.add_argument("--tokenizer", help="Tokenizer to decode with (default: the folder's tokenizer.model).")
    inspect.add_argument("--document", type=int, default=0, help="Which document to decode (default: %(default)s).")
    inspect.add_argument("--format", choices=("megatron", "flat"), default="megatron",
                         help="Which index to read: .idx or .offsets.npy (default: %(default)s).")
    inspect.add_argument("--max-chars", type=int, default=1000,
                         help="Print at most this many characters of the document (default: %(default)s).")
    inspect.set_defaults(handler=_inspect)


def _no_extra(extra: list[str]) -> None:
    if extra:
        raise TokenizerError(f"unknown arguments: {' '.join(extra)}")


def _train(args, extra: list[str]) -> int:
    from tokenizer.train import TrainConfig, train_tokenizer

    _no_extra(extra)
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
    print(f"    pieces: {report['vocab_size']:,}  (unk/bos/eos/pad ids: "
          f"{'/'.join(str(v) for v in report['special_ids'].values())})")
    print(f"    sample: {report['sample']['bytes'] / 1e6:,.1f} MB, {report['sample']['documents']:,} of "
          f"{report['corpus']['documents']:,} documents")
    print(f"  coverage: {coverage['covered']:.5f} of characters have a piece ({coverage['byte_fallback_distinct']} "
          f"of {coverage['distinct']} distinct characters become bytes)")
    print(f"      time: {report['seconds']:.1f} s, peak RSS {report['peak_rss_bytes'] / 1e6:,.0f} MB")
    return 0


def _tokenize(args, extra: list[str]) -> int:
    from tokenizer.tokenize import TokenizeConfig, tokenize_corpus

    config = TokenizeConfig(seed=args.seed, shard_tokens=args.shard_tokens, bos=args.bos, dtype=args.dtype,
                            skip_empty=args.skip_empty)
    if args.beam:
        _check_beam_flags(extra)
        from pipelines.tokenize import run

        manifest = run(args.corpus, args.tokenizer, args.output, config, extra)
    else:
        _no_extra(extra)
        manifest = tokenize_corpus(args.corpus, args.tokenizer, args.output, config, threads=args.threads or None,
                                   progress=False if args.no_progress else None, work_dir=args.work_dir,
                                   keep_work=args.keep_work)
    print(f"documents: {manifest['documents']:,}")
    print(f"   tokens: {manifest['tokens']:,} ({manifest['dtype']})")
    print(f"   shards: {len(manifest['shards'])}")
    print(f" manifest: {os.path.join(args.output, 'manifest.json')}")
    return 0


def _check_beam_flags(flags: list[str]) -> None:
    from pipelines.options import unknown_beam_flags

    unknown = unknown_beam_flags(flags)
    if unknown:
        raise TokenizerError(f"unknown option {unknown[0]} (not a dataprep tokenize or Beam flag)")


def _inspect(args, extra: list[str]) -> int:
    from tokenizer.shards import MANIFEST, IndexedShard, TokenShards

    _no_extra(extra)
    path = args.shards
    if os.path.isdir(path) and os.path.exists(os.path.join(path, MANIFEST)):
        shards = TokenShards(path, args.format)
        manifest = shards.manifest
        tokenizer = manifest["tokenizer"]
        print(f"   folder: {path}")
        print(f"   shards: {len(shards.shards)} (checked against manifest.json; reading the {args.format} index)")
        print(f"documents: {len(shards):,}")
        print(f"   tokens: {shards.num_tokens:,}")
        print(f"    dtype: {manifest['dtype']} (Megatron dtype code {manifest['megatron_dtype_code']})")
        print(f"tokenizer: {tokenizer['file']}, sha256 {tokenizer['sha256']}, {tokenizer['vocab_size']:,} pieces, "
              f"eos {tokenizer['eos_id']}, bos {tokenizer['bos_id']}")
        print(f"   config: {json.dumps(manifest['config'], sort_keys=True)} (hash {manifest['config_hash']})")
        for source, tokens in manifest["tokens_per_source"].items():
            print(f"   source: {source}: {manifest['documents_per_source'][source]:,} documents, {tokens:,} tokens")
        model = args.tokenizer or os.path.join(path, tokenizer["file"])
        if args.tokenizer is None:
            _check_sha(model, tokenizer["sha256"])
        reader = shards
    elif os.path.isdir(path):
        raise TokenizerError(f"{path}: no manifest.json (not a `dataprep tokenize` output); name one shard instead")
    else:
        reader = IndexedShard(path)
        print(f"    shard: {reader.prefix} (Megatron .bin/.idx)")
        print(f"documents: {len(reader):,}")
        print(f"   tokens: {reader.num_tokens:,}")
        print(f"    dtype: {reader.dtype.name} (Megatron dtype code {reader.index.dtype_code})")
        model = args.tokenizer
        if model is None:
            folder_model = os.path.join(os.path.dirname(reader.prefix) or ".", "tokenizer.model")
            model = folder_model if os.path.exists(folder_model) else None
    if len(reader) == 0:
        return 0
    if not 0 <= args.document < len(reader):
        raise TokenizerError(f"--document {args.document}: there are {len(reader):,} documents (0…{len(reader) - 1})")
    tokens = reader.document(args.document)
    print(f"document {args.document}: {len(tokens):,} tokens, first ids {tokens[:12].tolist()}")
    if model is None:
        print("(pass --tokenizer MODEL to decode it)")
        return 0
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor()
    try:
        processor.Load(model)
    except Exception:  # sentencepiece raises OSError/RuntimeError with a C++ message
        raise TokenizerError(f"{model}: not a readable sentencepiece model") from None
    if int(tokens.max(initial=0)) >= processor.get_piece_size():
        raise TokenizerError(f"document {args.document} has token id {int(tokens.max())}, beyond the "
                             f"{processor.get_piece_size()} pieces of {model}: wrong tokenizer")
    text = processor.decode(tokens.tolist())
    shown = text if len(text) <= args.max_chars else text[: args.max_chars] + f"… [{len(text) - args.max_chars:,} more characters]"
    print("-" * 72)
    print(shown)
    return 0


def _check_sha(model: str, expected: str) -> None:
    import hashlib

    try:
        with open(model, "rb") as handle:
            actual = hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        raise TokenizerError(f"{model}: missing; pass --tokenizer") from None
    if actual != expected:
        raise TokenizerError(f"{model}: sha256 {actual[:12]}… is not the manifest's {expected[:12]}…")
