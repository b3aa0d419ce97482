"""A small multilingual corpus in the Document schema and a tiny tokenizer trained on it.

The sentences are written for these tests: CJK, Cyrillic, Arabic, emoji, code with tabs,
digits, runs of spaces. Session-scoped, so the whole module trains one tokenizer.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.document import ARROW_SCHEMA, Document, document_id
from tokenizer.train import TrainConfig, train_tokenizer

SENTENCES = [
    "The committee approved 1,234 new proposals on 2024-03-15 after a long debate.",
    "Der Zug nach München fährt um 17:45 Uhr von Gleis 3 ab.",
    "L'été dernier, nous avons visité 12 musées à Paris.",
    "Вчера в библиотеке было 250 посетителей и 3 лекции.",
    "今日は雨が降っていますが、明日は晴れるでしょう。",
    "我们在图书馆里读了三本关于历史的书。",
    "서울의 겨울은 춥지만 공기가 맑습니다.",
    "يحب الطلاب قراءة الكتب في المساء.",
    "Launch day 🚀 went well 🎉, coffee ☕ count: 7.",
    "def area(r):\n\treturn 3.14159 * r ** 2",
    "for (int i = 0; i < 10; i++) {\n\tsum += i;\n}",
    "  indented   with    runs of spaces  ",
    "col1\tcol2\tcol3\n1\t2\t3",
    "Prices rose 4.5% in Q3, from $19.99 to $20.89.",
    "Order #67890 ships in 6 days; call 0800 555 6789.",
]

# Text the tokenizer never saw in training: every character still has to come back.
UNSEEN = ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﬁ ①②③ 𠮷野家 🦩🪐 Ω≈ç√∫ \x00 zero\u200bwidth, e\u0301 combining, "
          "CRLF\r\nline, trailing spaces   \n\n\n  \t\t")


def make_text(rng: random.Random) -> str:
    return "\n".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 6)))


def our_id(name: str) -> str:
    """An id as `dataprep run` writes them (32 hex digits): the corpus reader keeps those as they are."""
    return document_id("tests", "tokenizer", name)


def make_docs(source: str, count: int, seed: int) -> list[Document]:
    rng = random.Random(f"{source}-{seed}")
    return [Document(id=our_id(f"{source}-{seed:02d}-{i:04d}"), text=make_text(rng), source=source)
            for i in range(count)]


def write_parquet(path: Path, docs: list[Document]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([doc.to_row() for doc in docs], schema=ARROW_SCHEMA)
    pq.write_table(table, path)
    return path


def write_jsonl_gz(path: Path, texts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for text in texts:
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    return path


def build_corpus(root: Path) -> Path:
    """`root/<source>/<source>-0000i-of-00002.parquet`, as `dataprep run` lays a corpus out."""
    for source, count in (("web", 90), ("code", 60)):
        for shard in range(2):
            write_parquet(root / source / f"{source}-{shard:05d}-of-00002.parquet", make_docs(source, count, shard))
    return root


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def corpus_docs(corpus) -> list[Document]:
    docs = []
    for path in sorted(corpus.glob("*/*.parquet")):
        docs.extend(Document.from_row(row) for row in pq.read_table(path).to_pylist())
    return docs


TINY = TrainConfig(vocab_size=600, threads=1)


@pytest.fixture(scope="session")
def model(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer([str(corpus)], str(out), TINY, log=lambda _: None)
    return out / "tokenizer.model"


@pytest.fixture(scope="session")
def processor(model):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_file=str(model))


@pytest.fixture(scope="session")
def kit():
    """This module's helpers (make_docs, write_parquet, SENTENCES, …): tests import no conftest."""
    import sys

    return sys.modules[__name__]


SHARD_TOKENS = 3000


@pytest.fixture(scope="session")
def tokens(corpus, model, tmp_path_factory) -> Path:
    """The corpus tokenized by the CLI driver: several shards of about SHARD_TOKENS tokens."""
    from tokenizer.tokenize import TokenizeConfig, tokenize_corpus

    out = tmp_path_factory.mktemp("tokens")
    tokenize_corpus([str(corpus)], str(model), str(out), TokenizeConfig(shard_tokens=SHARD_TOKENS, seed=7),
                    threads=2, log=lambda _: None)
    return out
