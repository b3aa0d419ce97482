"""The trainer: lossless round trip, digits split, byte fallback, sampling, report, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sentencepiece as spm

from dataprep.config import ConfigError
from dataprep.document import Document
from dataprep.inputs import InputError
from tokenizer import TokenizerError
from tokenizer.train import TrainConfig, _sentences, choose_threshold, train_tokenizer


def quiet(_message):
    pass


def test_round_trip_is_exact_on_multilingual_text(processor, kit):
    texts = kit.SENTENCES + [kit.UNSEEN, "\n".join(kit.SENTENCES), " leading space", "", " ", "\t", "\n"]
    for text in texts:
        ids = processor.encode(text)
        assert processor.decode(ids) == text, repr(text)
        assert processor.unk_id() not in ids, repr(text)


def test_digits_are_split_one_per_piece(processor):
    pieces = processor.encode("In 2024 we sold 1234567890 units", out_type=str)
    digit_pieces = [p for p in pieces if any(c.isdigit() for c in p) and not p.startswith("<0x")]
    assert "".join(digit_pieces) == "20241234567890"
    assert all(len(p) == 1 for p in digit_pieces)
    # No piece of the vocabulary holds two digits.
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    assert not [p for p in vocabulary if sum(c.isdigit() for c in p) > 1 and not p.startswith("<0x")]


def test_unseen_characters_become_their_utf8_bytes(processor):
    for char in ("𠮷", "🦩", "𝔘"):
        pieces = processor.encode(char, out_type=str)
        byte_pieces = [p for p in pieces if p.startswith("<0x")]
        assert bytes(int(p[3:5], 16) for p in byte_pieces) == char.encode("utf-8")
        assert all(processor.is_byte(processor.piece_to_id(p)) for p in byte_pieces)


def test_default_is_lossless_where_nfkc_and_collapsing_are_not(corpus, tmp_path):
    lossy = TrainConfig(vocab_size=600, threads=1, normalization="nmt_nfkc", collapse_whitespace=True)
    train_tokenizer([str(corpus)], str(tmp_path), lossy, log=quiet)
    nfkc = spm.SentencePieceProcessor(model_file=str(tmp_path / "tokenizer.model"))
    # The measured failure the default avoids: 𝔘 → U, and runs of spaces collapse.
    assert nfkc.decode(nfkc.encode("𝔘")) == "U"
    assert nfkc.decode(nfkc.encode("a   b  ")) == "a b"


def test_training_report_and_files(model):
    folder = model.parent
    report = json.loads((folder / "training.json").read_text())
    assert report["vocab_size"] == 600
    assert report["special_ids"] == {"unk": 0, "bos": 1, "eos": 2, "pad": -1}
    assert report["trainer_args"]["byte_fallback"] and report["trainer_args"]["split_digits"]
    assert report["trainer_args"]["normalization_rule_name"] == "identity"
    assert report["seconds"] > 0 and report["peak_rss_bytes"] > 10_000_000
    coverage = report["character_coverage"]
    assert coverage["configured"] == TrainConfig().character_coverage
    assert 0.99 <= coverage["covered"] <= 1 and coverage["characters"] > 0
    assert report["sample"]["documents"] == report["corpus"]["documents"] == 300  # all fit the budget
    assert len((folder / "tokenizer.vocab").read_text(encoding="utf-8").splitlines()) == 600
    processor = spm.SentencePieceProcessor(model_file=str(model))
    assert processor.id_to_piece(0) == "<unk>" and processor.id_to_piece(2) == "</s>"


def test_sample_is_deterministic_and_within_the_budget(corpus, tmp_path):
    config = TrainConfig(vocab_size=600, threads=1, sample_bytes=20_000, seed=3)
    reports = []
    for name in ("a", "b"):
        reports.append(train_tokenizer([str(corpus)], str(tmp_path / name), config, log=quiet))
    assert reports[0]["sample"] == reports[1]["sample"]
    assert 0 < reports[0]["sample"]["bytes"] <= 20_000
    assert reports[0]["sample"]["documents"] < reports[0]["corpus"]["documents"]
    assert (tmp_path / "a" / "tokenizer.model").read_bytes() == (tmp_path / "b" / "tokenizer.model").read_bytes()


def test_threshold_keeps_documents_in_key_order_up_to_the_budget():
    keys = np.array([50, 10, 40, 20, 30], dtype=np.uint64)
    sizes = np.array([5, 5, 5, 5, 5], dtype=np.int64)
    assert choose_threshold(keys, sizes, 25) is None  # everything fits
    assert choose_threshold(keys, sizes, 12) == 20  # keys 10 and 20: 10 bytes
    assert choose_threshold(keys, sizes, 3) == 10  # never nothing


def test_special_pieces_are_configurable(corpus, tmp_path):
    config = TrainConfig(vocab_size=600, threads=1, bos_piece="", pad_piece="<pad>", user_symbols=("<|fim|>",))
    report = train_tokenizer([str(corpus)], str(tmp_path), config, log=quiet)
    assert report["special_ids"] == {"unk": 0, "bos": -1, "eos": 1, "pad": 2}
    processor = spm.SentencePieceProcessor(model_file=str(tmp_path / "tokenizer.model"))
    assert processor.bos_id() == -1 and processor.eos_id() == 1 and processor.pad_id() == 2
    fim = processor.piece_to_id("<|fim|>")
    assert fim == 3 and fim in processor.encode("a<|fim|>b")


def test_a_corpus_without_text_is_an_error(tmp_path, kit):
    kit.write_parquet(tmp_path / "c" / "empty.parquet", [Document(id="a", text="", source="web")])
    with pytest.raises(TokenizerError, match="no text to train on"):
        train_tokenizer([str(tmp_path / "c")], str(tmp_path / "out"), TrainConfig(vocab_size=600), log=quiet)


def test_sentencepiece_failures_are_one_line_errors(corpus, tmp_path):
    # 256 byte pieces + specials + the corpus's characters do not fit in 262 pieces.
    with pytest.raises(TokenizerError, match=r"^sentencepiece: .*") as error:
        train_tokenizer([str(corpus)], str(tmp_path), TrainConfig(vocab_size=262, threads=1), log=quiet)
    assert "\n" not in str(error.value)


def test_a_vocabulary_without_room_for_the_byte_pieces_is_refused_when_configured():
    # Before any corpus is read: 256 byte pieces + unk, bos, eos need at least 260.
    with pytest.raises(ConfigError, match=r"tokenizer.vocab_size: must be ≥ 260 .* got 10"):
        TrainConfig(vocab_size=10)
    assert TrainConfig(vocab_size=260).vocab_size == 260
    with pytest.raises(ConfigError, match="must be ≥ 262"):
        TrainConfig(vocab_size=261, user_symbols=("<|fim|>", "<|sep|>"))


def test_bad_config_and_missing_corpus(tmp_path):
    with pytest.raises(ConfigError, match="normalization"):
        train_tokenizer([str(tmp_path)], str(tmp_path / "o"), TrainConfig(normalization="nfd"), log=quiet)
    with pytest.raises(InputError, match="no files match .*nowhere"):
        train_tokenizer([str(tmp_path / "nowhere")], str(tmp_path / "o"), TrainConfig(), log=quiet)


def test_long_lines_are_cut_to_the_sentence_limit():
    text = "short\n\n" + "ü" * 5000 + "\n" + "x" * 100
    sentences = _sentences(text, 4192)
    assert sentences[0] == "short" and sentences[-1] == "x" * 100
    assert "".join(sentences[1:-1]) == "ü" * 5000
    assert all(len(s.encode("utf-8")) <= 4192 for s in sentences)


def test_the_vocabulary_does_not_depend_on_the_thread_count(corpus, model, tmp_path):
    train_tokenizer([str(corpus)], str(tmp_path), TrainConfig(vocab_size=600, threads=2), log=quiet)
    # The .model records num_threads in its trainer spec; the pieces and scores are the same.
    assert (tmp_path / "tokenizer.vocab").read_bytes() == (model.parent / "tokenizer.vocab").read_bytes()
