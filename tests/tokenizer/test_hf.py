"""The trained tokenizer loads in transformers (AutoTokenizer) and gives sentencepiece's ids.

Real text: sample_data's curated JSONL/Parquet documents (150, ~400 KB; sources and licences
in sample_data/README.md), their paragraphs, and variants with leading spaces and tabs; a small
tokenizer (2,000 pieces) is trained on them by `train_tokenizer`, which writes the export.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sentencepiece as spm
import zstandard

from tokenizer import TokenizerError
from tokenizer.hf import HF_FILES, export_hf, load_model
from tokenizer.train import TrainConfig, train_tokenizer

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
# Never seen in training: math letters, ligature, emoji, rare CJK, NUL, zero-width, combining, CRLF.
UNSEEN = ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﬁ ①②③ 𠮷野家 🦩🪐 Ω≈ç√∫ \x00 zero\u200bwidth, e\u0301 combining, "
          "CRLF\r\nline, trailing spaces   \n\n\n  \t\t")


def _jsonl_texts(handle) -> list[str]:
    texts = []
    for line in handle:
        try:
            texts.append(json.loads(line)["text"])
        except (ValueError, KeyError, TypeError):
            continue  # the sample files hold 2 deliberately bad lines each
    return texts


def real_texts() -> list[str]:
    with gzip.open(SAMPLE / "jsonl/curated-00000.jsonl.gz", "rt", encoding="utf-8") as handle:
        texts = _jsonl_texts(handle)
    with open(SAMPLE / "jsonl/curated-00001.jsonl.zst", "rb") as raw:
        texts += _jsonl_texts(io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), encoding="utf-8"))
    texts += pq.read_table(SAMPLE / "parquet/curated-00000.parquet", columns=["text"]).column("text").to_pylist()
    return [t for t in texts if isinstance(t, str) and t]


def documents() -> list[str]:
    """The real documents, their paragraphs, and paragraphs behind spaces, tabs, newlines, emoji."""
    texts = real_texts()
    paragraphs = [p for t in texts for p in t.split("\n\n") if p.strip()]
    rng = random.Random(8)
    variants = [rng.choice(["  ", " ", "\t", "\n\n", "   \t ", "🦩 "]) + p + rng.choice(["", "  ", "\n", "\t"])
                for p in rng.sample(paragraphs, 100)]
    return texts + paragraphs + variants + [UNSEEN, "", " ", "   ", "</s> and <s>, <unk>: literal text"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("hf-corpus") / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in real_texts()),
                      encoding="utf-8")
    out = tmp_path_factory.mktemp("hf-tokenizer")
    train_tokenizer([str(corpus)], str(out), TrainConfig(vocab_size=2000, threads=1), log=lambda _: None)
    return out


def _check_same_ids(folder: Path, texts: list[str], lossless: bool = True) -> None:
    from transformers import AutoTokenizer

    sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    hf = AutoTokenizer.from_pretrained(str(folder))
    assert len(hf) == sp.get_piece_size()
    wrong = [t for t in texts if hf.encode(t, add_special_tokens=False) != sp.encode(t)]
    assert not wrong, f"{len(wrong)} of {len(texts)} differ, e.g. {wrong[0][:60]!r}"
    for text in texts:
        ids = sp.encode(text)
        assert hf.decode(ids) == sp.decode(ids)
        if lossless:
            assert hf.decode(ids) == text


def test_autotokenizer_gives_sentencepiece_ids_on_real_documents(trained):
    docs = documents()
    sp = spm.SentencePieceProcessor(model_file=str(trained / "tokenizer.model"))
    # The sample covers what the issue names: digits, leading and repeated spaces, newlines,
    # tabs, CJK, and characters that only byte fallback encodes.
    assert len(docs) >= 200
    assert sum(any(c.isdigit() for c in d) for d in docs) > 100
    assert sum(d.startswith((" ", "\t")) for d in docs) >= 30 and sum("  " in d for d in docs) > 50
    assert sum("\n" in d for d in docs) > 100 and sum("\t" in d for d in docs) >= 20
    assert sum(any("\u4e00" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" for c in d) for d in docs) >= 5
    assert sum(any(sp.is_byte(i) for i in sp.encode(d)) for d in docs) >= 20
    _check_same_ids(trained, docs)


def test_runs_of_spaces_digits_and_symbols(trained):
    texts = []
    for char in (" ", "\t", "\n", "0", "7", "=", "-", "a", "ー"):
        for n in range(1, 40):
            texts += [char * n, f"x{char * n}y", f"{char * n}end"]
    rng = random.Random(0)
    texts += ["".join(rng.choice("      ae.=_0123456789\t\n") for _ in range(rng.randint(1, 30))) for _ in range(500)]
    _check_same_ids(trained, texts)


def test_special_tokens_add_bos_and_literal_markup_stays_text(trained):
    from transformers import AutoTokenizer

    sp = spm.SentencePieceProcessor(model_file=str(trained / "tokenizer.model"))
    hf = AutoTokenizer.from_pretrained(str(trained))
    assert (hf.unk_token_id, hf.bos_token_id, hf.eos_token_id) == (sp.unk_id(), sp.bos_id(), sp.eos_id())
    text = "Ends here </s> or not <s>"
    # A document's literal "</s>" is characters in our token shards, never an end of document.
    assert hf.encode(text, add_special_tokens=False) == sp.encode(text)
    assert sp.eos_id() not in sp.encode(text)
    assert hf.encode(text) == [sp.bos_id()] + sp.encode(text)  # LLaMA's add_bos_token
    assert hf.decode([sp.bos_id()] + sp.encode("hi"), skip_special_tokens=True) == "hi"


def test_llama_tokenizer_fast_differs_only_on_a_leading_space(trained):
    """transformers 5's LlamaTokenizerFast rebuilds its pipeline (Metaspace): no dummy prefix
    before a text that starts with a space. tokenizer/README.md says so; AutoTokenizer is exact."""
    from transformers import LlamaTokenizerFast

    sp = spm.SentencePieceProcessor(model_file=str(trained / "tokenizer.model"))
    llama = LlamaTokenizerFast.from_pretrained(str(trained))
    docs = [d for d in documents() if not d.startswith(" ")]
    assert [llama.encode(d, add_special_tokens=False) for d in docs] == [sp.encode(d) for d in docs]
    assert llama.encode(" x", add_special_tokens=False) != sp.encode(" x")


def test_export_is_byte_identical_on_rerun_and_retrain(trained, tmp_path):
    model = (trained / "tokenizer.model").read_bytes()
    assert export_hf(model, str(tmp_path)) == list(HF_FILES)
    for name in HF_FILES:
        assert (tmp_path / name).read_bytes() == (trained / name).read_bytes(), name
    again = tmp_path / "again"
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in real_texts()), encoding="utf-8")
    for folder in (tmp_path / "one", again):
        train_tokenizer([str(corpus)], str(folder), TrainConfig(vocab_size=2000, threads=1), log=lambda _: None)
    for name in HF_FILES:
        assert (tmp_path / "one" / name).read_bytes() == (again / name).read_bytes(), name


def test_lossy_normalization_and_user_symbols(tmp_path):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in real_texts()), encoding="utf-8")
    config = TrainConfig(vocab_size=2000, threads=1, normalization="nmt_nfkc", collapse_whitespace=True,
                         user_symbols=("<|fim|>", "<tab>"), pad_piece="<pad>")
    train_tokenizer([str(corpus)], str(tmp_path / "tok"), config, log=lambda _: None)
    texts = documents()[:200] + ["a<|fim|>b", "<|fim|>x", " <tab>  y<tab>", "x <|fim|> 12 <tab>  "]
    _check_same_ids(tmp_path / "tok", texts, lossless=False)


def test_model_reader_matches_sentencepiece(trained):
    sp = spm.SentencePieceProcessor(model_file=str(trained / "tokenizer.model"))
    parsed = load_model((trained / "tokenizer.model").read_bytes())
    assert [p for p, _, _ in parsed.pieces] == [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    assert [s for _, s, _ in parsed.pieces] == [sp.get_score(i) for i in range(sp.get_piece_size())]
    assert [i for i, (_, _, kind) in enumerate(parsed.pieces) if kind == 6] == \
        [i for i in range(sp.get_piece_size()) if sp.is_byte(i)]
    trainer, spec = parsed.trainer_spec, parsed.normalizer_spec
    assert (trainer.model_type, trainer.byte_fallback, trainer.pad_id) == (2, True, -1)
    assert (spec.name, spec.add_dummy_prefix, spec.remove_extra_whitespaces) == ("identity", True, False)


def test_not_a_model_is_a_clear_error(tmp_path):
    with pytest.raises(TokenizerError, match="not a sentencepiece model"):
        export_hf(b"\x0a\xff\xff\xff", str(tmp_path))
