"""A small `dataprep train-lm`-shaped folder for the LM tests: a SentencePiece model trained on
tests/data/lm/corpus.txt and an n-gram model over its pieces (estimated in memory)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sentencepiece as spm

from dataprep.lm.arpa import arpa_bytes
from dataprep.lm.kn import adjust_counts, estimate, sentence_ngrams
from dataprep.lm.text import PieceTokenizer

DATA = Path(__file__).resolve().parent / "data" / "lm"
CORPUS = DATA / "corpus.txt"


def train_tokenizer(folder: Path) -> Path:
    spm.SentencePieceTrainer.train(input=str(CORPUS), model_prefix=str(folder / "tokenizer"), vocab_size=300,
                                   model_type="bpe", num_threads=1, minloglevel=2)
    return folder / "tokenizer.model"


def raw_counts(texts, tokenizer: Path, order: int) -> Counter:
    pieces = PieceTokenizer(str(tokenizer))
    raw = Counter()
    for text in texts:
        for sentence in pieces.sentences(text):
            raw.update(sentence_ngrams(sentence, order))
    return raw


def make_lm_folder(folder: Path, order: int = 3) -> str:
    tokenizer = train_tokenizer(folder)
    raw = raw_counts(CORPUS.read_text().splitlines(), tokenizer, order)
    (folder / "model.arpa").write_bytes(arpa_bytes(estimate(adjust_counts(raw, order))))
    return str(folder)
