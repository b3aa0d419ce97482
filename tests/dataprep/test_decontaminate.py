"""Decontamination core: the normalization, real HumanEval examples planted in real documents
(all cut, the rest kept byte for byte), n-gram length, the GPT-3 piece/fragment thresholds on
both sides, benchmark loading and the report."""

from __future__ import annotations

import gzip
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from decontaminate_planting import VARIANTS, humaneval, planted_corpus, sample_texts  # noqa: E402

from dataprep.config import ConfigError
from dataprep.decontaminate import (
    REASON_CONTAMINATED,
    REASON_EMPTIED,
    REASON_TOO_MANY_PIECES,
    Benchmark,
    BenchmarkConfig,
    DecontaminateConfig,
    Example,
    build_index,
    contamination_document,
    decontaminate,
    find_hits,
    load_benchmark,
    normalized_words,
    parse_benchmark,
)
from dataprep.document import Document, Drop
from dataprep.inputs import InputError

SENTENCE = "the quick brown fox jumps over the lazy dog while seven wizards quietly judge every box"  # 16 words


def run(text: str, benchmarks, config=DecontaminateConfig()):
    index = build_index(benchmarks, config)
    return decontaminate(Document("d", text, "web"), find_hits(text, index), config, index.examples)


def bench(*texts: str, name="b") -> Benchmark:
    return Benchmark(name, tuple(Example(str(i), (text,)) for i, text in enumerate(texts)))


def test_normalization_ignores_case_punctuation_symbols_and_whitespace():
    assert normalized_words(">>> Don’t  STOP,\n3,000 e-mail!") == ["dont", "stop", "3000", "email"]
    assert normalized_words("don't stop 3000 email") == normalized_words("DON'T — stop; 3.000 e‐mail")


def test_every_planted_humaneval_prompt_is_cut_and_the_rest_kept_byte_for_byte():
    config = DecontaminateConfig()
    index = build_index([humaneval()], config)
    planted = planted_corpus(examples=164)
    assert {info["variant"] for _, info in planted} == set(VARIANTS) and len(planted) == 4 * 164
    for doc, info in planted:
        result, report = decontaminate(doc, find_hits(doc.text, index), config, index.examples)
        assert isinstance(result, Document), info
        assert find_hits(result.text, index) == [], info  # recall: nothing of the example is left
        head, tail = doc.text[:info["start"] - config.window], doc.text[info["end"] + config.window:]
        assert result.text == head + "\n" + tail, info  # exactly the match ± 200 characters is gone
        assert [entry.benchmark for entry in report] == ["humaneval"] and info["example"] in report[0].example_ids
        assert result.metadata["contamination"]["chars_removed"] == len(doc.text) - len(result.text)


def test_a_clean_sample_document_is_untouched():
    index = build_index([humaneval()], DecontaminateConfig())
    assert all(find_hits(text, index) == [] for text in sample_texts())


def test_overlaps_shorter_than_n_words_are_not_cut():
    words = SENTENCE.split()
    host = sample_texts()[0]
    twelve = f"{host}\n{' '.join(words[:12])}\n{host}"
    thirteen = f"{host}\n{' '.join(words[:13])}\n{host}"
    assert run(twelve, [bench(SENTENCE)])[0].text == twelve
    assert run(thirteen, [bench(SENTENCE)])[0].text != thirteen


def test_short_eval_texts_are_matched_whole_from_min_words_and_ignored_below():
    host = sample_texts()[1]
    eight = "the capital of france is the city of"  # 8 words < 13
    seven = "the capital of france is the city"
    assert run(f"{host}\n{eight.upper()}\n{host}", [bench(eight)])[1]
    assert not run(f"{host}\n{seven}\n{host}", [bench(seven)])[1]
    with pytest.raises(ConfigError, match="min_words"):
        DecontaminateConfig(min_words=14)


def _with_plants(fragment_lengths: list[int], window: int = 200) -> str:
    """Real text fragments of the given lengths separated by SENTENCE padded to its window."""
    filler = "".join(sample_texts())
    pieces, offset = [], 0
    for length in fragment_lengths:
        pieces.append(filler[offset:offset + length])
        offset += length
    pad = " " * window  # whitespace: the sentence stays its own words
    return f"{pad}{SENTENCE}{pad}".join(pieces)


@pytest.mark.parametrize("length, kept", [(200, True), (199, False)])
def test_min_fragment_threshold(length, kept):
    text = _with_plants([1000, length])
    result, _ = run(text, [bench(SENTENCE)])
    assert result.text == (text[:1000] + "\n" + text[-length:] if kept else text[:1000])


def test_fragments_all_too_short_drop_the_document():
    result, report = run(_with_plants([150, 150]), [bench(SENTENCE)])
    assert isinstance(result, Drop) and result.reason == REASON_EMPTIED and report[0].dropped


@pytest.mark.parametrize("pieces, dropped", [(10, False), (11, True)])
def test_max_pieces_threshold(pieces, dropped):
    text = _with_plants([300] * pieces)
    result, report = run(text, [bench(SENTENCE)])
    if dropped:
        assert isinstance(result, Drop) and result.reason == REASON_TOO_MANY_PIECES
        assert report[0].chars_removed == len(text)
    else:
        assert result.text == "\n".join(text.split(" " * 200 + SENTENCE + " " * 200))


def test_document_mode_drops_on_any_hit():
    text = _with_plants([1000, 1000])
    result, _ = run(text, [bench(SENTENCE)], DecontaminateConfig(mode="document"))
    assert isinstance(result, Drop) and result.reason == REASON_CONTAMINATED


def test_frequent_benchmark_ngrams_are_ignored_and_listed():
    boilerplate = "the following is a multiple choice question about world history please answer it"
    benchmarks = [bench(*(f"{boilerplate} number {word}" for word in ("one", "two", "three")))]
    index = build_index(benchmarks, DecontaminateConfig(max_example_frequency=2))
    assert (" ".join(boilerplate.split()[:13]), 3) in index.ignored and len(index.ignored) == 2
    assert find_hits(f"{boilerplate}.", index) == []
    assert find_hits(f"{boilerplate}.", build_index(benchmarks, DecontaminateConfig()))


def test_benchmarks_load_from_jsonl_gz_parquet_and_folders(tmp_path):
    rows = [{"question": SENTENCE, "choices": ["a b", "c d"], "meta": {"hint": "e f"}, "n": 3},
            {"id": "q-2", "question": "x", "choices": []}]
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(row) for row in rows) + "\n")
    pq.write_table(pa.Table.from_pylist([{"id": "p", "question": "y"}]), tmp_path / "b.parquet")
    loaded = load_benchmark(BenchmarkConfig(name="t", path=str(tmp_path)))
    assert [(e.id, e.texts) for e in loaded.examples] == [
        ("0", (SENTENCE, "a b", "c d", "e f")), ("q-2", ("x",)), ("p", ("y",))]
    only = load_benchmark(BenchmarkConfig(name="t", path=str(tmp_path / "a.jsonl.gz"), fields=("question",)))
    assert only.examples[0].texts == (SENTENCE,)
    (tmp_path / "bad.jsonl").write_text('{"question": "x"}\nnot json\n')
    with pytest.raises(InputError, match="bad.jsonl:2"):
        load_benchmark(BenchmarkConfig(name="t", path=str(tmp_path / "bad.jsonl")))
    with pytest.raises(InputError, match="no field 'answer'"):
        load_benchmark(BenchmarkConfig(name="t", path=str(tmp_path / "a.jsonl.gz"), fields=("answer",)))
    with pytest.raises(InputError, match="no files match"):
        load_benchmark(BenchmarkConfig(name="t", path=str(tmp_path / "missing.jsonl")))


def test_parse_benchmark_names_shipped_ones_and_rejects_others():
    assert parse_benchmark("humaneval").id_field == "task_id"
    assert parse_benchmark("gsm=/x/test.jsonl") == BenchmarkConfig(name="gsm", path="/x/test.jsonl")
    with pytest.raises(InputError, match="NAME=PATH"):
        parse_benchmark("gsm8k")
    assert len(humaneval().examples) == 164


def test_report_splits_clean_and_dirty_ids_per_benchmark_and_source():
    rows = [("benchmark", "b", ["1", "2", "3"]), ("source", ("b", "web"), (2, 900, 1)),
            ("source", ("b", "books"), (1, 500, 0)), ("example", ("b", "2"), 3),
            ("ignored_document_frequency", "some n gram", 40), ("settings", None, {"ngram": 13})]
    report = contamination_document(rows)
    entry = report["benchmarks"]["b"]
    assert entry["examples_found"] == 1 and entry["dirty_ids"] == ["2"] and entry["clean_ids"] == ["1", "3"]
    assert (entry["documents_hit"], entry["chars_removed"], entry["documents_dropped"]) == (3, 1400, 1)
    assert list(entry["by_source"]) == ["books", "web"]
    assert report["ignored_ngrams"]["document_frequency"] == [{"ngram": "some n gram", "count": 40}]
