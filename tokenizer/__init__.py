"""Tokenizer training, token shards that GPU trainers read, and their readers.

    tokenizer.train      sentencepiece BPE trainer (LLaMA settings, lossless by default)
    tokenizer.corpus     reading a corpus (Parquet in the Document schema, or JSONL) through
                         dataprep.inputs / dataprep.readers, as every other command reads
    (files go through dataprep.fs: plain os locally, Beam's FileSystems for gs://, s3://)
    tokenizer.plan       the seeded global shuffle and the shard cut (shared by CLI and Beam)
    tokenizer.job        TokenizeConfig, the job decided before any document is read, and the
                         output folder's state (fresh, resume, complete), shared by CLI and Beam
    tokenizer.encode     phase A of the single-machine driver: batched encoding into spills
    tokenizer.shards     shard writer, Megatron .bin/.idx + flat token readers, the manifest
    tokenizer.tokenize   the single-machine driver behind `dataprep tokenize`
    tokenizer.dataset    a PyTorch Dataset of (seq_len + 1)-token windows (imports torch)
    tokenizer.hf         the `transformers` files (tokenizer.json, …) written beside every trained model

No module here imports torch or Beam at import time, nor parses argv: the commands live in
`dataprep/cli/` (train_tokenizer, tokenize, inspect) and the Beam stage in `pipelines/tokenize.py`.
"""

from __future__ import annotations


class TokenizerError(ValueError):
    """Something the user can fix (bad corpus, wrong tokenizer, mixed output); one line."""
