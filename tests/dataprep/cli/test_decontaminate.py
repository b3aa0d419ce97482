"""`dataprep decontaminate` end to end: byte-identical outputs on 1 vs 2 workers and the
PortableRunner, the contamination table, and one-line usage errors."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from decontaminate_planting import planted_corpus, sample_texts  # noqa: E402

from dataprep.cli import main
from dataprep.document import ARROW_SCHEMA, Document


def write_corpus(folder) -> list[Document]:
    folder.mkdir()
    docs = [doc for doc, _ in planted_corpus(examples=7)]
    docs += [Document(f"{i:032x}", text, "books") for i, text in enumerate(sample_texts()[:12])]
    pq.write_table(pa.Table.from_pylist([doc.to_row() for doc in docs], schema=ARROW_SCHEMA), folder / "c.parquet")
    return docs


def digests(folder) -> dict:
    out = {}
    for path in sorted(glob.glob(str(folder / "**" / "*"), recursive=True)):
        if os.path.isfile(path) and not path.endswith("decontaminate.json"):  # it names the output folder
            with open(path, "rb") as handle:
                data = handle.read()
            if path.endswith("contamination.json"):  # its settings name the join, which differs on purpose
                data = json.dumps({**json.loads(data), "settings": None}).encode()
            out[os.path.relpath(path, folder)] = hashlib.sha256(data).hexdigest()
    return out


@pytest.mark.slow
def test_byte_identical_on_one_and_two_workers_and_the_portable_runner(tmp_path, capsys):
    docs = write_corpus(tmp_path / "in")
    common = ["decontaminate", str(tmp_path / "in"), "--benchmark", "humaneval", "--shards=2"]
    assert main(common + ["--output", str(tmp_path / "one")]) == 0
    out = capsys.readouterr().out
    assert "humaneval" in out and "7/164" in out and "decontaminate" in out
    assert main(common + ["--output", str(tmp_path / "two"), "--direct_num_workers=2",
                          "--direct_running_mode=multi_processing", "--join=shuffle"]) == 0
    assert main(common + ["--output", str(tmp_path / "portable"), "--runner=PortableRunner", "--job_endpoint=embed",
                          "--environment_type=LOOPBACK"]) == 0
    one = digests(tmp_path / "one")
    assert one == digests(tmp_path / "two") == digests(tmp_path / "portable")
    assert {"kept/kept-00000-of-00002.parquet", "contamination.json", "stats.json"} <= set(one)
    kept = pq.read_table(tmp_path / "one" / "kept").to_pylist()
    assert sorted(row["id"] for row in kept) == sorted(doc.id for doc in docs)  # input ids kept, none dropped
    report = json.loads((tmp_path / "one" / "contamination.json").read_text())["benchmarks"]["humaneval"]
    assert report["dirty_ids"] == [f"HumanEval/{i}" for i in range(7)] and report["documents_hit"] == 28
    assert report["by_source"]["curated"]["chars_removed"] == report["chars_removed"] > 0
    stats = json.loads((tmp_path / "one" / "stats.json").read_text())["stages"]
    assert [entry["stage"] for entry in stats] == ["read", "decontaminate"]
    assert stats[1]["chars_out"] < stats[1]["chars_in"]


def test_usage_errors_are_one_line(tmp_path, capsys):
    (tmp_path / "c.jsonl").write_text('{"text": "hello"}\n')
    corpus = str(tmp_path / "c.jsonl")
    assert main(["decontaminate", corpus, "--benchmark", "nosuch", "--output", str(tmp_path / "o")]) == 2
    assert main(["decontaminate", corpus, "--benchmark", f"b={tmp_path}/missing.jsonl",
                 "--output", str(tmp_path / "o")]) == 2
    assert main(["decontaminate", corpus, "--benchmark", "humaneval", "--ngram=0", "--output", str(tmp_path / "o")]) == 2
    assert main(["decontaminate", corpus, "--benchmark", "humaneval", "--benchmark", "humaneval",
                 "--output", str(tmp_path / "o")]) == 2
    assert main(["decontaminate", corpus, "--benchmark", "humaneval", "--output", str(tmp_path / "o"),
                 "--no-such-flag"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("dataprep: error")]
    assert len(errors) == 5
    assert "shipped benchmark" in errors[0] and "no files match" in errors[1] and "--ngram" in errors[2]
    assert "given twice" in errors[3] and "--no-such-flag" in errors[4]
