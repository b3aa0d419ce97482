"""`dataprep tokenize`, and the recipe's last step: train a tokenizer on the corpus, then tokenize it.

    dataprep tokenize out/quickstart --tokenizer out/tok/tokenizer.model --output out/tokens
    dataprep tokenize … --beam --direct_num_workers=2 --direct_running_mode=multi_processing

On one machine the work is `tokenizer.tokenize.tokenize_corpus`. With --beam (and always in
`dataprep run`) the job is prepared and its output folder claimed here, the graph comes from
`pipelines.tokenize.build`, and `dataprep.cli.beam.run_pipeline` runs it: the same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re

from dataprep import fs
from dataprep.cli.errors import UsageError
from dataprep.outputs import Steps
from tokenizer import TokenizerError
from tokenizer.job import DTYPES, TokenizeConfig, check_output, prepare, read_json, start_output
from tokenizer.shards import MANIFEST
from tokenizer.tokenize import tokenize_corpus
from tokenizer.train import MODEL_FILE, REPORT_FILE, TrainConfig, train_tokenizer

#: `train_and_tokenize` writes the tokenizer and the shards into these folders of the output.
TOKENIZER_DIR = "tokenizer"
TOKENS_DIR = "tokens"
#: Differs between two equal trainings (time, peak RSS): its size is not part of the marker.
VOLATILE = (f"{TOKENIZER_DIR}/{REPORT_FILE}",)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def size(text: str) -> int:
    """'50M' → 50,000,000; '1.5G', '200k', '4096' (decimal units; a trailing B is allowed)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 4096, 200k, 50M, 1G)")
    return int(float(match.group(1)) * _SCALE[match.group(2).lower()])


def add_corpus_command(subparsers, name: str, help: str, description: str, epilog: str) -> argparse.ArgumentParser:
    """A subcommand reading CORPUS… as `tokenizer.corpus` does (`train-tokenizer`, `tokenize`)."""
    parser = subparsers.add_parser(name, help=help, description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="+", metavar="CORPUS",
                        help="Parquet (Document schema) or JSONL files, globs or folders; a folder skips dropped/.")
    return parser


_EPILOG = """\
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
    """Add `tokenize` to the `dataprep` subcommands."""
    defaults = TokenizeConfig()
    parser = add_corpus_command(
        subparsers, "tokenize",
        help="Tokenize a corpus into Megatron .bin/.idx and flat token shards with a manifest.",
        description="Encode every document of CORPUS with the tokenizer (EOS after each, BOS optional), "
        "shuffle documents globally by a seed and write shards of about --shard-tokens tokens.",
        epilog=_EPILOG)
    parser.add_argument("--tokenizer", required=True, help="The sentencepiece .model file.")
    parser.add_argument("--output", required=True, help="Folder for the shards and manifest.json.")
    parser.add_argument("--shard-tokens", type=size, default=defaults.shard_tokens,
                        help="Tokens per shard; 100M, 1G, … (default: %(default)s).")
    parser.add_argument("--seed", type=int, default=defaults.seed,
                        help="Seed of the global document shuffle (default: %(default)s).")
    parser.add_argument("--bos", action="store_true", help="Put BOS before every document (EOS always follows).")
    parser.add_argument("--dtype", choices=DTYPES, default=defaults.dtype,
                        help="Token dtype; auto: uint16 below 65,500 pieces, else int32 (default: %(default)s).")
    parser.add_argument("--skip-empty", action="store_true",
                        help="Drop documents with empty text (counted in the manifest) instead of failing.")
    parser.add_argument("--threads", type=int, default=0, help="Encoding threads (default: every CPU).")
    parser.add_argument("--no-progress", action="store_true", help="No progress line on stderr.")
    parser.add_argument("--work-dir", help="Local folder for the encoded spill (default: OUTPUT/_work).")
    parser.add_argument("--keep-work", action="store_true", help="Keep the spill after success.")
    parser.add_argument("--beam", action="store_true",
                        help="Run the Beam stage instead (same bytes); the remaining flags go to Beam.")
    parser.set_defaults(handler=lambda args, extra: tokenize_command(args, extra))


def tokenize_command(args, extra: list[str]) -> int:
    config = TokenizeConfig(seed=args.seed, shard_tokens=args.shard_tokens, bos=args.bos, dtype=args.dtype,
                            skip_empty=args.skip_empty)
    if args.beam:
        from dataprep.cli.beam import check_beam_flags

        check_beam_flags(extra, "tokenize")
        manifest = tokenize_on_beam(args.corpus, args.tokenizer, args.output, config, extra)
    else:
        if extra:
            raise UsageError(f"unknown arguments: {' '.join(extra)}")
        manifest = tokenize_corpus(args.corpus, args.tokenizer, args.output, config, threads=args.threads or None,
                                   progress=False if args.no_progress else None, work_dir=args.work_dir,
                                   keep_work=args.keep_work)
    print(f"documents: {manifest['documents']:,}")
    print(f"   tokens: {manifest['tokens']:,} ({manifest['dtype']})")
    print(f"   shards: {len(manifest['shards'])}")
    print(f" manifest: {os.path.join(args.output, 'manifest.json')}")
    return 0


# --- on Beam -----------------------------------------------------------------------------


def tokenize_on_beam(corpus: list[str], tokenizer: str, output: str, config: TokenizeConfig = TokenizeConfig(),
                     beam_flags: list[str] | None = None) -> dict:
    """Tokenize on a Beam runner (local FnApiRunner by default); returns the manifest.

    The job is prepared and the output folder claimed before the graph is built; a finished
    output of the same job is left alone, one of another tokenizer or config is refused.
    """
    from dataprep.cli.beam import run_pipeline
    from pipelines.tokenize import build

    job = prepare(corpus, tokenizer, output, config)
    state = check_output(job)
    if state != "complete":
        if state == "fresh":
            start_output(job)
        try:
            run_pipeline(lambda pipeline: build(pipeline, job), beam_flags or [])
        except Exception as error:
            clean = _tokenizer_error(error)
            if clean is not None:
                raise clean from None
            raise
    return read_json(fs.join(output, MANIFEST))


def _tokenizer_error(error: BaseException) -> TokenizerError | None:
    """A TokenizerError raised on a worker, from the exception Beam re-raises here (one line)."""
    seen = error
    while seen is not None:
        if isinstance(seen, TokenizerError):
            return TokenizerError(str(seen).split(" [while running", 1)[0].strip().splitlines()[0])
        seen = seen.__cause__ or seen.__context__
    marker = "TokenizerError: "
    text = str(error)
    if marker in text:
        return TokenizerError(text.rsplit(marker, 1)[1].split(" [while running", 1)[0].strip().splitlines()[0])
    return None


# --- the recipe's last step ---------------------------------------------------------------


def train_and_tokenize(corpus_paths: list[str], output: str, train_config: TrainConfig = TrainConfig(),
                       tokenize_config: TokenizeConfig = TokenizeConfig(), beam_args: list[str] | None = None, *,
                       progress: bool | None = False, steps: Steps | None = None) -> tuple[str, str]:
    """Train on the corpus into output/tokenizer, then tokenize it into output/tokens.

    Returns (the tokenizer's .model path, the shards' folder). The corpus is what `dataprep
    run` wrote (`<source>/*.parquet`; a `dropped/` folder is skipped). With `beam_args` the
    tokenization runs as the Beam stage on those flags, else on this machine.

    Each step ends with a marker (`dataprep.outputs.Steps`, `dataprep run`'s own, or one keyed
    by the two configs): a rerun skips a committed step. A retrained tokenizer clears the
    shards (they would not match it); unfinished shards resume from their per-shard markers.
    """
    corpus = [corpus_paths] if isinstance(corpus_paths, str) else list(corpus_paths)
    tokenizer_dir = fs.join(output, TOKENIZER_DIR)
    tokens_dir = fs.join(output, TOKENS_DIR)
    if steps is None:
        identity = {"train": dataclasses.asdict(train_config), "tokenize": dataclasses.asdict(tokenize_config)}
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:16]
        steps = Steps(output, digest, {TOKENIZER_DIR: [TOKENIZER_DIR], TOKENS_DIR: [TOKENS_DIR]}, VOLATILE)
    model = fs.join(tokenizer_dir, MODEL_FILE)
    if steps.done(TOKENIZER_DIR) is None:
        steps.begin(TOKENIZER_DIR)
        train_tokenizer(corpus, tokenizer_dir, train_config)
        steps.commit(TOKENIZER_DIR, {"tokenizer": model})
    if steps.done(TOKENS_DIR) is None:
        steps.begin(TOKENS_DIR, resumable=True)
        if beam_args is not None:
            tokenize_on_beam(corpus, model, tokens_dir, tokenize_config, beam_args)
        else:
            tokenize_corpus(corpus, model, tokens_dir, tokenize_config, progress=progress)
        steps.commit(TOKENS_DIR, {"tokens": tokens_dir})
    return model, tokens_dir
