"""Parquet shards: one record with a lone surrogate cannot fail a shard (real pyarrow writes)."""

from __future__ import annotations

import json
import textwrap

import pyarrow.parquet as pq
import pytest

from dataprep.cli import main
from dataprep.document import Document
from pipelines.write import write_parquet

ENGLISH = ("The river valley was settled early because the soil was rich and the water was close to the "
           "fields. Farmers learned to rotate their crops, and the villages traded grain for tools.")


def test_lone_surrogates_in_url_and_metadata_are_written_as_replacement_characters(tmp_path):
    docs = [
        Document(id="a" * 32, text=ENGLISH, source="web", url="https://example.org/\ud800x",
                 metadata={"title": "bad \udfff title"}),
        Document(id="b" * 32, text=ENGLISH + " \U0001F600", source="web", url="https://example.org/ok"),
    ]
    path = tmp_path / "web-00000-of-00001.parquet"
    write_parquet(str(path), docs)
    rows = pq.read_table(path).to_pylist()
    assert [row["url"] for row in rows] == ["https://example.org/\ufffdx", "https://example.org/ok"]
    assert json.loads(rows[0]["metadata"]) == {"title": "bad \ufffd title"}
    assert rows[1]["text"].endswith("\U0001F600")  # a valid astral character is untouched


@pytest.mark.slow
def test_jsonl_with_surrogate_escapes_runs_to_the_end(tmp_path, capsys):
    """A real run: the surrogate text is dropped by language ID (real fastText) and counted; the
    document whose url alone has one is kept, written with U+FFFD; nothing else is lost."""
    lines = [
        {"id": "1", "text": ENGLISH, "url": "https://example.org/\ud800"},
        {"id": "2", "text": ENGLISH.replace("fields.", "fields \ud83d."), "url": "https://example.org/two"},
        {"id": "3", "text": ENGLISH + " Visitors walk along the old towpath.", "url": "https://example.org/3"},
    ]
    # json.dumps writes the lone surrogates as the escapes "\ud800" and "\ud83d", as a crawler would.
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="ascii")
    (tmp_path / "r.yaml").write_text(textwrap.dedent(f"""\
        name: surrogates
        inputs: [{{source: curated, format: jsonl, paths: [docs.jsonl]}}]
        output: {{path: {tmp_path / "out"}, shards: 1}}
        langid: {{languages: [en]}}
    """))
    assert main(["run", str(tmp_path / "r.yaml"), "--quiet"]) == 0
    stats = {entry["stage"]: entry for entry in json.loads((tmp_path / "out" / "stats.json").read_text())["stages"]}
    assert stats["langid"]["dropped"] == {"langid_invalid_unicode": {"docs": 1, "chars": len(lines[1]["text"])}}
    kept = pq.read_table(tmp_path / "out" / "curated" / "curated-00000-of-00001.parquet").to_pylist()
    assert sorted(row["url"] for row in kept) == ["https://example.org/3", "https://example.org/\ufffd"]
    (dropped,) = pq.read_table(tmp_path / "out" / "dropped" / "dropped-00000-of-00001.parquet").to_pylist()
    assert json.loads(dropped["metadata"])["drop_reason"] == "langid_invalid_unicode"
    assert "fields \ufffd." in dropped["text"]  # the audit row keeps the text, made writable
