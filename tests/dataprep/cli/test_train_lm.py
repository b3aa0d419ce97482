"""`dataprep train-lm`: the Beam-counted model equals the in-memory estimate, byte for byte on 1
or 2 workers, and the usage errors are one line."""

from __future__ import annotations

import pytest

import gzip
import json
import sys
from pathlib import Path

from dataprep.cli import main
from dataprep.lm.arpa import ArpaScorer, arpa_bytes
from dataprep.lm.kn import adjust_counts, estimate
from dataprep.lm.stage import LanguageModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lm_fixture import CORPUS, raw_counts, train_tokenizer  # noqa: E402

pytestmark = pytest.mark.slow  # runs train-lm's Beam counting


def write_corpus(path: Path) -> list[str]:
    lines = CORPUS.read_text().splitlines()
    texts = ["\n".join(lines[i:i + 5]) for i in range(0, len(lines), 5)]
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    return texts


def test_train_lm_equals_in_memory_estimate_and_is_identical_on_two_workers(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    texts = write_corpus(corpus)
    tokenizer = train_tokenizer(tmp_path)
    args = [str(corpus), "--order", "4", "--tokenizer", str(tokenizer), "--gzip", "--prune"]
    assert main(["train-lm", *args, "--output", str(tmp_path / "one")]) == 0
    assert main(["train-lm", *args, "--output", str(tmp_path / "two"), "--direct_num_workers=2",
                 "--direct_running_mode=multi_processing"]) == 0
    # The Fn API smoke test: everything pickles and crosses it, as on Dataflow/Spark/Flink.
    assert main(["train-lm", *args, "--output", str(tmp_path / "portable"), "--runner=PortableRunner",
                 "--job_endpoint=embed", "--environment_type=LOOPBACK"]) == 0
    one, two = tmp_path / "one", tmp_path / "two"
    assert (tmp_path / "portable" / "model.arpa.gz").read_bytes() == (one / "model.arpa.gz").read_bytes()
    assert sorted(p.name for p in one.iterdir()) == ["lm.json", "model.arpa.gz", "tokenizer.model"]
    for name in ("model.arpa.gz", "lm.json", "tokenizer.model"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    expected = estimate(adjust_counts(raw_counts(texts, tokenizer, 4), 4), prune=True)
    assert gzip.decompress((one / "model.arpa.gz").read_bytes()) == arpa_bytes(expected)
    settings = json.loads((one / "lm.json").read_text())
    assert settings["ngrams"] == expected.counts() and settings["order"] == 4 and settings["prune"] is True
    # The folder is what the perplexity stage loads.
    ours, kenlm = LanguageModel(str(one), "ours"), LanguageModel(str(one), "kenlm")
    assert isinstance(ours.scorer, ArpaScorer) and 1 < ours.perplexity(texts[0]) < 1000
    assert [ours.perplexity(t) for t in texts] == [kenlm.perplexity(t) for t in texts]
    assert "model.arpa.gz" in capsys.readouterr().out


def test_train_lm_trains_its_own_tokenizer(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus)
    assert main(["train-lm", str(corpus), "--order", "3", "--vocab-size", "400", "--output", str(tmp_path / "lm")]) == 0
    assert (tmp_path / "lm" / "model.arpa").read_bytes().startswith(b"\\data\\\nngram 1=")
    assert (tmp_path / "lm" / "tokenizer" / "tokenizer.model").read_bytes() == \
        (tmp_path / "lm" / "tokenizer.model").read_bytes()


def test_usage_errors_are_one_line(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus)
    not_a_model = tmp_path / "x.model"
    not_a_model.write_bytes(b"nope")
    cases = [
        (["--tokenizer", str(tmp_path / "missing.model")], "--tokenizer: no such file"),
        (["--tokenizer", str(not_a_model)], "is not a SentencePiece model"),
        (["--vocab-size", "10"], "--vocab-size: must be ≥"),
        (["--order", "0", "--vocab-size", "400"], "--order must be in [1, 10]"),
    ]
    for extra, message in cases:
        assert main(["train-lm", str(corpus), "--output", str(tmp_path / "out"), *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("dataprep: error: ") and message in err[0], err
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "a", "text": " \n "}) + "\n")
    tokenizer = train_tokenizer(tmp_path)
    assert main(["train-lm", str(empty), "--tokenizer", str(tokenizer), "--output", str(tmp_path / "e")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "dataprep: error: the corpus has no text to train on"


def test_rerun_with_gzip_replaces_the_plain_model(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus)
    tokenizer = train_tokenizer(tmp_path)
    args = ["train-lm", str(corpus), "--order", "2", "--tokenizer", str(tokenizer), "--output", str(tmp_path / "lm")]
    assert main(args) == 0 and main([*args, "--gzip"]) == 0
    assert not (tmp_path / "lm" / "model.arpa").exists() and (tmp_path / "lm" / "model.arpa.gz").exists()
