"""The quickstart's last step: train a tokenizer on the written corpus, then tokenize it.

    from tokenizer.workflow import train_and_tokenize
    result = train_and_tokenize("out/quickstart", "out/quickstart", TrainConfig(vocab_size=8000))
    # out/quickstart/tokenizer/{tokenizer.model, tokenizer.vocab, training.json}
    # out/quickstart/tokens/{tokens-*.bin, .idx, .offsets.npy, tokenizer.model, manifest.json}

The corpus folder is what `dataprep run` wrote: `<source>/*.parquet` (its `dropped/` folder is
skipped by the corpus reader). With `beam_args`, tokenization runs as the Beam stage.
"""

from __future__ import annotations

import dataclasses
import json

from tokenizer import fs
from tokenizer.tokenize import TokenizeConfig, tokenize_corpus
from tokenizer.train import MODEL_FILE, TrainConfig, train_tokenizer

TOKENIZER_DIR = "tokenizer"
TOKENS_DIR = "tokens"


@dataclasses.dataclass(frozen=True)
class TrainAndTokenizeResult:
    tokenizer: str  # the .model path
    tokens: str  # the shards' folder
    training: dict  # training.json
    manifest: dict  # manifest.json


def train_and_tokenize(corpus: str | list[str], out_dir: str, train: TrainConfig = TrainConfig(),
                       tokenize: TokenizeConfig = TokenizeConfig(), *, beam_args: list[str] | None = None,
                       progress: bool | None = False) -> TrainAndTokenizeResult:
    """Train on `corpus` into out_dir/tokenizer, then tokenize it into out_dir/tokens.

    Rerunning resumes the tokenization (or does nothing when it is complete); the tokenizer is
    retrained only when out_dir/tokenizer has no model, since a new model would not match the
    shards already written.
    """
    corpus = [corpus] if isinstance(corpus, str) else list(corpus)
    tokenizer_dir = fs.join(out_dir, TOKENIZER_DIR)
    tokens_dir = fs.join(out_dir, TOKENS_DIR)
    model = fs.join(tokenizer_dir, MODEL_FILE)
    report_path = fs.join(tokenizer_dir, "training.json")
    if fs.exists(model) and fs.exists(report_path):
        training = json.loads(fs.read_bytes(report_path).decode("utf-8"))
    else:
        training = train_tokenizer(corpus, tokenizer_dir, train)
    if beam_args is not None:
        from pipelines.tokenize import run

        manifest = run(corpus, model, tokens_dir, tokenize, beam_args)
    else:
        manifest = tokenize_corpus(corpus, model, tokens_dir, tokenize, progress=progress)
    return TrainAndTokenizeResult(model, tokens_dir, training, manifest)

