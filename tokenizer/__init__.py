"""Tokenizer training, token shards that GPU trainers read, and their readers.

    tokenizer.train      sentencepiece BPE trainer (LLaMA settings, lossless by default)
    tokenizer.corpus     reading a corpus (Parquet in the Document schema, or JSONL)
    tokenizer.fs         files: plain os for local paths, Beam's FileSystems for gs://, s3://
    tokenizer.plan       the seeded global shuffle and the shard cut (shared by CLI and Beam)
    tokenizer.shards     shard writer, Megatron .bin/.idx + flat token readers, the manifest
    tokenizer.tokenize   the single-machine driver behind `dataprep tokenize`
    tokenizer.dataset    a PyTorch Dataset of (seq_len + 1)-token windows (imports torch)
    tokenizer.workflow   train_and_tokenize(): the quickstart's last step
    tokenizer.commands   the `train-tokenizer`, `tokenize` and `inspect` subcommands

No module here imports torch or Beam at import time (`pipelines/tokenize.py` is the Beam stage).
"""

from __future__ import annotations

from dataprep.errors import UsageError


class TokenizerError(ValueError, UsageError):
    """Something the user can fix (bad corpus, wrong tokenizer, mixed output); one line."""
