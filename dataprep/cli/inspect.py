"""`dataprep inspect`: what a folder of token shards (or one Megatron shard) holds, and a document.

    dataprep inspect out/tokens                 # counts, dtype, tokenizer, per-source tokens, document 0
    dataprep inspect out/tokens/tokens-00000-of-00004.idx --tokenizer out/tok/tokenizer.model

Operational: it reads what `dataprep tokenize` wrote (checking each shard against the manifest)
and builds no pipeline.
"""

from __future__ import annotations

import json
import os

from dataprep.cli.errors import UsageError


def register(subparsers) -> None:
    """Add `inspect` to the `dataprep` subcommands."""
    parser = subparsers.add_parser(
        "inspect",
        help="Show token shards: counts, dtype, tokenizer, and a decoded sample document.",
        description="Print document and token counts, dtype and tokenizer of a `dataprep tokenize` output "
        "folder (checking each shard against the manifest), or of one Megatron .bin/.idx pair, and decode a "
        "document.",
    )
    parser.add_argument("shards", metavar="SHARDS",
                        help="A `dataprep tokenize` output folder, or one shard (PREFIX, PREFIX.bin or PREFIX.idx).")
    parser.add_argument("--tokenizer", help="Tokenizer to decode with (default: the folder's tokenizer.model).")
    parser.add_argument("--document", type=int, default=0, help="Which document to decode (default: %(default)s).")
    parser.add_argument("--format", choices=("megatron", "flat"), default="megatron",
                        help="Which index to read: .idx or .offsets.npy (default: %(default)s).")
    parser.add_argument("--max-chars", type=int, default=1000,
                        help="Print at most this many characters of the document (default: %(default)s).")
    parser.set_defaults(handler=lambda args, extra: inspect_command(args, extra))


def inspect_command(args, extra: list[str]) -> int:
    from tokenizer.shards import MANIFEST, IndexedShard, TokenShards

    if extra:
        raise UsageError(f"unknown arguments: {' '.join(extra)}")
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
        raise UsageError(f"{path}: no manifest.json (not a `dataprep tokenize` output); name one shard instead")
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
        raise UsageError(f"--document {args.document}: there are {len(reader):,} documents (0…{len(reader) - 1})")
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
        raise UsageError(f"{model}: not a readable sentencepiece model") from None
    if int(tokens.max(initial=0)) >= processor.get_piece_size():
        raise UsageError(f"document {args.document} has token id {int(tokens.max())}, beyond the "
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
        raise UsageError(f"{model}: missing; pass --tokenizer") from None
    if actual != expected:
        raise UsageError(f"{model}: sha256 {actual[:12]}… is not the manifest's {expected[:12]}…")
