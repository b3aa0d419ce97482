"""Decontaminate on the direct runner: the side-input and shuffle-join paths give identical
kept/dropped/stats/report; the document-frequency cut; the report rows."""

from __future__ import annotations

import os
import pickle
import sys

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from decontaminate_planting import humaneval, planted_corpus, sample_texts  # noqa: E402

from dataprep.decontaminate import DecontaminateConfig, contamination_document
from dataprep.document import Document
from pipelines.decontaminate import Decontaminate

pytestmark = pytest.mark.slow


def _save(values, path):
    with open(path, "wb") as handle:
        pickle.dump(sorted(values, key=repr), handle)


def run(docs, configs: dict, folder) -> dict:
    benchmarks = [humaneval()]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        source = pipeline | "Docs" >> beam.Create(docs)
        for name, config in configs.items():
            result = source | f"Decontaminate[{name}]" >> Decontaminate(config, benchmarks)
            for part in result._fields:
                (getattr(result, part) | f"Collect[{name}][{part}]" >> beam.combiners.ToList()
                 | f"Save[{name}][{part}]" >> beam.Map(_save, str(folder / f"{name}-{part}.pickle")))
    out = {}
    for name in configs:
        out[name] = {}
        for part in ("kept", "dropped", "stats", "report_rows"):
            with open(folder / f"{name}-{part}.pickle", "rb") as handle:
                out[name][part] = pickle.load(handle)
    return out


def corpus() -> list[Document]:
    planted = [doc for doc, _ in planted_corpus(examples=12)]
    clean = [Document(f"{i:032x}", text, "books") for i, text in enumerate(sample_texts()[:10])]
    # One document cut into many pieces and one with the same id as another but other text.
    many = Document("f" * 32, "\n\n".join(humaneval().examples[i].texts[0] + sample_texts()[i] for i in range(12)),
                    "web")
    twin = Document(planted[0].id, sample_texts()[20], "curated")
    return planted + clean + [many, twin]


def test_side_input_and_shuffle_join_give_identical_output(tmp_path):
    docs = corpus()
    configs = {
        "side": DecontaminateConfig(join="side_input"),
        "shuffle": DecontaminateConfig(join="shuffle"),
        "auto_shuffle": DecontaminateConfig(side_input_max_ngrams=10),
        "side_df": DecontaminateConfig(join="side_input", max_document_frequency=3),
        "shuffle_df": DecontaminateConfig(join="shuffle", max_document_frequency=3),
    }
    out = run(docs, configs, tmp_path)
    assert out["side"]["kept"] == out["shuffle"]["kept"] == out["auto_shuffle"]["kept"]
    assert out["side"]["dropped"] == out["shuffle"]["dropped"] and out["side"]["stats"] == out["shuffle"]["stats"]
    for part in ("kept", "dropped", "stats"):
        assert out["side_df"][part] == out["shuffle_df"][part]

    def strip_settings(rows):
        return [row for row in rows if row[0] != "settings"]

    assert strip_settings(out["side"]["report_rows"]) == strip_settings(out["shuffle"]["report_rows"])
    assert strip_settings(out["side_df"]["report_rows"]) == strip_settings(out["shuffle_df"]["report_rows"])

    assert len(out["side"]["dropped"]) == 1 and out["side"]["dropped"][0].metadata["drop_reason"] == \
        "decontaminate_too_many_pieces"
    report = contamination_document(out["side"]["report_rows"])["benchmarks"]["humaneval"]
    # HumanEval/7 and /29 share the 13-gram "str list str filter an input list of strings only
    # for ones that": planting /7 finds /29 too, as it should.
    planted = {f"HumanEval/{i}" for i in range(12)}
    assert set(report["dirty_ids"]) == planted | {"HumanEval/29"} and report["examples_found"] == 13
    assert report["documents_hit"] == 4 * 12 + 1 and report["documents_dropped"] == 1
    assert len(report["clean_ids"]) == 164 - 13
    assert sum("contamination" in doc.metadata for doc in out["side"]["kept"]) == 48
    assert len(out["side"]["kept"]) == len(docs) - 1  # the twin with a planted doc's id is kept whole too
    # Prompts that share lines ("from typing import List ...") are in > 3 documents: the cut
    # keeps them, and lists them in the report.
    frequent = [row for row in out["side_df"]["report_rows"] if row[0] == "ignored_document_frequency"]
    assert frequent and all(count > 3 for _, _, count in frequent)
