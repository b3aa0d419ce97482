"""Readers on real files: WARCs written by warcio, JSONL plain/gzip/zstd, Parquet, HTML.

Every file is built here in tmp_path with the library that writes that format in the wild
(warcio for WARC, pyarrow for Parquet), then damaged byte by byte where a test needs it.
"""

from __future__ import annotations

import gzip
import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dataprep.document import Document, document_id
from dataprep.readers import ReaderOptions, ReadFailure, read_records


def is_page(record) -> bool:
    """An HTML page as read: a Document whose payload is not yet extracted."""
    return isinstance(record, Document) and record.payload is not None and record.text == ""


def kind(record) -> str:
    return "page" if is_page(record) else type(record).__name__

SOURCE = "web"


# --- WARC fixtures -----------------------------------------------------------------------


class _FixedWARCWriter(WARCWriter):
    """warcio's writer with fixed record ids and dates, so the bytes (and offsets) repeat."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._serial = 0

    def _make_warc_id(self):
        self._serial += 1
        return f"<urn:uuid:00000000-0000-0000-0000-{self._serial:012d}>"

    def curr_warc_date(self):
        return "2024-01-02T03:04:05Z"


def _html(i: int, words: int) -> bytes:
    rnd = random.Random(i)
    # Random hex words barely compress, so a large `words` gives a gzip member far bigger
    # than warcio's 16 KiB read block.
    body = " ".join(f"{rnd.getrandbits(32):08x}" for _ in range(words))
    return f"<html><body><h1>Page {i}</h1><p>{body}</p></body></html>".encode()


def write_warc(path, n_pages: int = 3, gzipped: bool = True, words: int = 30,
               content_type: str = "text/html; charset=utf-8") -> list[dict]:
    """A crawl-shaped WARC: warcinfo, then request/response/metadata per page.

    Returns, per page, the response's url, payload, start offset and end offset.
    """
    pages = []
    with open(path, "wb") as handle:
        writer = _FixedWARCWriter(handle, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "dataprep-tests"}))
        for i in range(n_pages):
            url = f"http://example.com/page/{i}"
            request = writer.create_warc_record(
                url, "request",
                http_headers=StatusAndHeaders(f"GET /page/{i} HTTP/1.1", [("Host", "example.com")],
                                              is_http_request=True),
            )
            writer.write_record(request)
            start = handle.tell()
            payload = _html(i, words)
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                          http_headers=http))
            end = handle.tell()
            writer.write_record(writer.create_warc_record(
                url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                warc_content_type="application/warc-fields"))
            pages.append({"url": url, "payload": payload, "start": start, "end": end})
    return pages


def read(path, fmt: str, location: str | None = None, options: ReaderOptions | None = None) -> list:
    with open(path, "rb") as handle:
        return list(read_records(handle, str(path), location or path.name, SOURCE, fmt,
                                 options or ReaderOptions()))


# --- WARC ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, gzipped", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_yields_only_responses_as_raw_pages(tmp_path, name, gzipped):
    path = tmp_path / name
    pages = write_warc(path, n_pages=3, gzipped=gzipped)

    records = read(path, "warc", location=f"cc/{name}")

    assert [kind(r) for r in records] == ["page"] * 3  # warcinfo, request, metadata skipped
    for record, page in zip(records, pages):
        assert record.url == page["url"]
        assert record.payload == page["payload"]
        assert record.content_type == "text/html; charset=utf-8"
        assert record.source == SOURCE
        assert record.metadata["source_file"] == f"cc/{name}"
        assert record.metadata["offset"] == page["start"]
        assert record.metadata["warc_date"] == "2024-01-02T03:04:05Z"
        assert record.id == document_id(SOURCE, f"cc/{name}", page["start"])


def test_warc_large_payload_read_whole(tmp_path):
    # 40,000 words ≈ 360 KB: many warcio read blocks, and many zlib calls per member.
    path = tmp_path / "big.warc.gz"
    pages = write_warc(path, n_pages=2, words=40_000)
    records = read(path, "warc")
    assert [r.payload for r in records] == [p["payload"] for p in pages]


def test_warc_ids_stable_across_reads_and_distinct_per_location(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, n_pages=4)

    first = [r.id for r in read(path, "warc", location="part-1/a.warc.gz")]
    second = [r.id for r in read(path, "warc", location="part-1/a.warc.gz")]
    moved = [r.id for r in read(path, "warc", location="part-2/a.warc.gz")]

    assert first == second
    assert len(set(first)) == 4
    assert not set(first) & set(moved)


def _damage(data: bytes, start: int, end: int) -> bytes:
    """Overwrite 16 bytes in the middle of the deflate data of the gzip member [start, end)."""
    assert data[start:start + 3] == b"\x1f\x8b\x08"  # really a member boundary
    middle = (start + 10 + end - 8) // 2  # past the 10-byte header, before the 8-byte trailer
    return data[:middle] + b"\xa5" * 16 + data[middle + 16:]


@pytest.mark.parametrize("words", [30, 20_000], ids=["small-member", "member-over-read-block"])
def test_warc_corrupt_gzip_member_costs_one_record(tmp_path, words):
    # Two ways warcio meets a bad member: a small one fails on its first block (warcio then
    # reads it as uncompressed and reports a bad WARC line); a big one inflates for a while,
    # then stops, which warcio itself only logs to stderr.
    good = tmp_path / "good.warc.gz"
    pages = write_warc(good, n_pages=4, words=words)
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(_damage(good.read_bytes(), pages[1]["start"], pages[1]["end"]))

    records = read(bad, "warc")

    failures = [r for r in records if isinstance(r, ReadFailure)]
    assert len(failures) == 1
    (failure,) = failures
    assert failure.reason == "read_corrupt_gzip"
    assert failure.id == document_id(SOURCE, "bad.warc.gz", pages[1]["start"])
    assert failure.source == SOURCE
    assert "bad.warc.gz@" in failure.detail
    # The pages before and after the damage come out whole, in order.
    kept = [r for r in records if is_page(r)]
    assert [r.url for r in kept] == [pages[i]["url"] for i in (0, 2, 3)]
    assert [r.payload for r in kept] == [pages[i]["payload"] for i in (0, 2, 3)]
    assert records.index(failure) == 1


@pytest.mark.parametrize("words", [30, 20_000], ids=["small-member", "member-over-read-block"])
def test_warc_gz_truncated_inside_last_response(tmp_path, words):
    path = tmp_path / "cut.warc.gz"
    pages = write_warc(path, n_pages=3, words=words)
    last = pages[-1]
    # Cut the file in the middle of the last response member (its metadata record goes too).
    path.write_bytes(path.read_bytes()[: (last["start"] + last["end"]) // 2])

    records = read(path, "warc")

    assert [r.payload for r in records[:2]] == [p["payload"] for p in pages[:2]]
    assert len(records) == 3
    failure = records[2]
    assert isinstance(failure, ReadFailure)  # not a silently shortened page
    assert failure.reason == "read_truncated"
    assert failure.id == document_id(SOURCE, "cut.warc.gz", last["start"])


def test_warc_uncompressed_truncated_inside_last_response(tmp_path):
    path = tmp_path / "cut.warc"
    pages = write_warc(path, n_pages=3, gzipped=False)
    last = pages[-1]
    path.write_bytes(path.read_bytes()[: last["end"] - 20])  # inside the HTML payload

    records = read(path, "warc")

    assert [r.payload for r in records[:2]] == [p["payload"] for p in pages[:2]]
    assert len(records) == 3
    assert isinstance(records[2], ReadFailure)
    assert records[2].reason == "read_truncated"
    assert records[2].url == last["url"]


def test_warc_truncated_after_last_response_keeps_every_page(tmp_path):
    # Only the trailing metadata record is cut: every response is whole; the damage is still
    # reported, once.
    path = tmp_path / "cut.warc.gz"
    pages = write_warc(path, n_pages=2)
    data = path.read_bytes()
    path.write_bytes(data[: (pages[-1]["end"] + len(data)) // 2])

    records = read(path, "warc")

    assert [r.payload for r in records if is_page(r)] == [p["payload"] for p in pages]
    assert [r.reason for r in records if isinstance(r, ReadFailure)] == ["read_truncated"]


def test_warc_uncompressed_bad_record_line_costs_one_record(tmp_path):
    path = tmp_path / "bad.warc"
    pages = write_warc(path, n_pages=3, gzipped=False)
    data = bytearray(path.read_bytes())
    start = pages[1]["start"]
    assert data[start:start + 8] == b"WARC/1.0"
    data[start:start + 8] = b"WARX/9.9"
    path.write_bytes(bytes(data))

    records = read(path, "warc")

    assert [kind(r) for r in records] == ["page", "ReadFailure", "page"]
    # A record whose first line is not `WARC/1.` is no record: the bytes up to the next one are
    # skipped as one `read_garbage` drop, where the request record before them ends.
    assert records[1].reason == "read_garbage"
    assert records[1].id == document_id(SOURCE, "bad.warc", start)
    assert [r.url for r in records[::2]] == [pages[0]["url"], pages[2]["url"]]


def test_warc_payload_over_limit_is_a_failure_and_reading_goes_on(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, n_pages=3, words=200)  # payloads ≈ 1.8 KB

    records = read(path, "warc", options=ReaderOptions(max_payload_bytes=1_000))

    assert [r.reason for r in records] == ["read_payload_too_large"] * 3
    assert all(r.url.startswith("http://example.com/page/") for r in records)
    # Exactly at the limit is still read.
    exact = len(_html(0, 200))
    records = read(path, "warc", options=ReaderOptions(max_payload_bytes=exact))
    assert is_page(records[0]) and len(records[0].payload) == exact


# --- HTML files ---------------------------------------------------------------------------


def test_html_file_is_one_raw_page(tmp_path):
    path = tmp_path / "page.html"
    payload = "<html><body><p>Grüße aus Köln</p></body></html>".encode("utf-8")
    path.write_bytes(payload)

    (record,) = read(path, "html", location="site/page.html")

    assert is_page(record)
    assert record.payload == payload
    assert record.content_type is None  # the charset is decided by extract, from the bytes
    assert record.url is None
    assert record.id == document_id(SOURCE, "site/page.html", 0)
    assert record.metadata == {"source_file": "site/page.html"}


def test_html_file_over_limit(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<p>" + b"x" * 5_000 + b"</p>")
    (record,) = read(path, "html", options=ReaderOptions(max_payload_bytes=1_000))
    assert isinstance(record, ReadFailure)
    assert record.reason == "read_payload_too_large"


# --- JSONL --------------------------------------------------------------------------------


def _jsonl_lines() -> list[bytes]:
    return [
        json.dumps({"text": "first document", "url": "http://a/1", "id": "doc-1"}).encode(),
        json.dumps({"text": "second document", "id": 2}).encode(),
        b"{not json at all",
        json.dumps({"body": "no text field", "url": "http://a/4"}).encode(),
        b"",  # blank lines are skipped but still counted in line numbers
        json.dumps({"text": "last document", "url": 7}).encode(),  # a non-string url is ignored
        json.dumps(["a", "list"]).encode(),
    ]


def _compress(data: bytes, suffix: str) -> bytes:
    if suffix == ".gz":
        return gzip.compress(data)
    if suffix == ".zst":
        return zstandard.ZstdCompressor().compress(data)
    return data


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_jsonl_records_and_failures(tmp_path, suffix):
    path = tmp_path / f"docs.jsonl{suffix}"
    path.write_bytes(_compress(b"\n".join(_jsonl_lines()) + b"\n", suffix))
    location = f"books/docs.jsonl{suffix}"

    records = read(path, "jsonl", location=location)

    assert [type(r).__name__ for r in records] == [
        "Document", "Document", "ReadFailure", "ReadFailure", "Document", "ReadFailure"]
    first, second, bad_json, no_text, last, a_list = records
    assert (first.text, first.url, first.source) == ("first document", "http://a/1", SOURCE)
    assert first.metadata == {"source_file": location, "line": 1, "source_id": "doc-1"}
    assert second.url is None and second.metadata["source_id"] == "2"  # the input's id, as a string
    assert bad_json.reason == "read_bad_json" and f"{location}:3" in bad_json.detail
    assert no_text.reason == "read_missing_text" and no_text.url == "http://a/4"
    assert last.url is None and "source_id" not in last.metadata and last.metadata["line"] == 6
    assert a_list.reason == "read_bad_json"
    # Our id is position-derived: the input's own ids may collide between files.
    assert first.id == document_id(SOURCE, location, "line1")
    assert no_text.id == document_id(SOURCE, location, "line4")
    assert len({r.id for r in records}) == len(records)


def test_jsonl_custom_fields(tmp_path):
    path = tmp_path / "code.jsonl"
    path.write_bytes(json.dumps({"content": "print(1)", "repo": "x/y", "sha": "abc"}).encode() + b"\n")
    options = ReaderOptions(text_field="content", url_field="repo", id_field="sha")
    (doc,) = read(path, "jsonl", options=options)
    assert (doc.text, doc.url, doc.metadata["source_id"]) == ("print(1)", "x/y", "abc")


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_jsonl_long_line_and_no_final_newline(tmp_path, suffix):
    # A book is one line of megabytes: it spans many read chunks and must come out whole.
    book = " ".join(f"word{i}" for i in range(400_000))  # ≈ 4 MB
    raw = b"\n".join(json.dumps({"text": t}).encode() for t in ("before", book, "after"))  # no final \n
    path = tmp_path / f"books.jsonl{suffix}"
    path.write_bytes(_compress(raw, suffix))
    assert [r.text for r in read(path, "jsonl")] == ["before", book, "after"]


def _many_lines(n: int) -> bytes:
    rnd = random.Random(0)
    return b"".join(
        json.dumps({"text": f"doc {i} " + " ".join(f"{rnd.getrandbits(24):06x}" for _ in range(30))}).encode()
        + b"\n" for i in range(n)
    )


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_jsonl_truncated_stream_keeps_earlier_lines(tmp_path, suffix):
    raw = _many_lines(3_000)  # ≈ 0.8 MB: under the 1 MiB that a buffered reader asks for
    compressed = _compress(raw, suffix)
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(compressed[: len(compressed) // 2])

    records = read(path, "jsonl")

    docs, failure = records[:-1], records[-1]
    assert all(isinstance(d, Document) for d in docs)
    # About half the lines survive (the compression ratio is even across the file).
    assert 1_000 < len(docs) < 2_000
    assert [d.text for d in docs] == [json.loads(line)["text"] for line in raw.splitlines()[: len(docs)]]
    assert isinstance(failure, ReadFailure)
    assert failure.reason == "read_corrupt_stream"
    assert failure.id == document_id(SOURCE, path.name, f"line{len(docs) + 1}")


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_jsonl_concatenated_members_are_one_stream(tmp_path, suffix):
    # `cat a.jsonl.gz b.jsonl.gz` is a valid .gz (and likewise for zstd frames).
    path = tmp_path / f"cat.jsonl{suffix}"
    path.write_bytes(_compress(b'{"text": "one"}\n', suffix) + _compress(b'{"text": "two"}\n', suffix))
    records = read(path, "jsonl")
    assert [r.text for r in records] == ["one", "two"]
    assert [r.metadata["line"] for r in records] == [1, 2]


def test_jsonl_corrupt_gzip_in_the_middle(tmp_path):
    raw = _many_lines(2_000)
    compressed = bytearray(gzip.compress(raw))
    middle = len(compressed) // 2
    compressed[middle:middle + 32] = b"\x00" * 32
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(bytes(compressed))

    records = read(path, "jsonl")

    assert records[-1].reason == "read_corrupt_stream"
    # Deflate has no per-block check: bytes just before the point where zlib gives up may
    # inflate to garbage (counted as read_bad_json). Everything in the first third is intact.
    expected = [json.loads(line)["text"] for line in raw.splitlines()]
    assert [r.text for r in records[:600]] == expected[:600]
    assert len(records) < 2_000


# --- Parquet ------------------------------------------------------------------------------


def test_parquet_rows(tmp_path):
    path = tmp_path / "wiki.parquet"
    table = pa.table({
        "id": ["w1", None, "w3"],
        "url": ["https://en.wikipedia.org/wiki/A", None, "https://en.wikipedia.org/wiki/C"],
        "text": ["Article A", "Article B", None],
        "extra": [1, 2, 3],  # columns beyond text/url/id are not read
    })
    pq.write_table(table, path, row_group_size=2)  # two row groups

    records = read(path, "parquet", location="wiki/wiki.parquet")

    a, b, c = records
    assert (a.text, a.url, a.metadata) == (
        "Article A", "https://en.wikipedia.org/wiki/A",
        {"source_file": "wiki/wiki.parquet", "row": 0, "source_id": "w1"})
    assert (b.text, b.url, b.metadata) == ("Article B", None, {"source_file": "wiki/wiki.parquet", "row": 1})
    assert isinstance(c, ReadFailure) and c.reason == "read_missing_text"
    assert c.url == "https://en.wikipedia.org/wiki/C"
    assert [r.id for r in records] == [document_id(SOURCE, "wiki/wiki.parquet", f"row{i}") for i in range(3)]


def test_parquet_without_optional_columns(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["only text"]}), path)
    (doc,) = read(path, "parquet")
    assert (doc.text, doc.url, doc.metadata) == ("only text", None, {"source_file": "t.parquet", "row": 0})


def test_unknown_format_is_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(ValueError, match="unknown input format 'csv'"):
        read(path, "csv")


def test_a_pathological_json_line_costs_only_itself(tmp_path):
    path = tmp_path / "odd.jsonl"
    lines = [
        json.dumps({"text": "first"}),
        '{"text": ' + "[" * 200_000 + "]" * 200_000 + "}",  # RecursionError in json.loads
        '{"text": "big", "n": ' + "9" * 5000 + "}",  # over Python's 4,300-digit int limit
        json.dumps({"text": "last"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    records = read(path, "jsonl")
    assert [r.text for r in records if isinstance(r, Document)] == ["first", "last"]
    assert [r.reason for r in records if isinstance(r, ReadFailure)] == ["read_bad_json", "read_bad_json"]


def test_a_corrupt_parquet_file_is_a_counted_failure(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    (failure,) = read(path, "parquet")
    assert isinstance(failure, ReadFailure) and failure.reason == "read_corrupt_parquet"


def test_parquet_with_our_columns_but_foreign_ids_is_read_safely(tmp_path):
    path = tmp_path / "foreign.parquet"
    rows = [
        {"id": "doc-1", "text": "kept text", "source": "commoncrawl", "url": None, "metadata": "{}"},
        {"id": "doc-2", "text": None, "source": "commoncrawl", "url": None, "metadata": "{}"},
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)
    doc, failure = read(path, "parquet")
    assert doc.source == SOURCE and doc.id == document_id(SOURCE, "foreign.parquet", "row0")
    assert doc.metadata["source_id"] == "doc-1"
    assert isinstance(failure, ReadFailure) and failure.reason == "read_missing_text"


def test_our_own_parquet_keeps_ids_and_metadata(tmp_path):
    path = tmp_path / "ours.parquet"
    own = Document(id="ab" * 16, text="t", source="books", url=None, metadata={"lang": "en"})
    pq.write_table(pa.Table.from_pylist([own.to_row()]), path)
    (doc,) = read(path, "parquet")
    assert (doc.id, doc.source, doc.metadata) == (own.id, SOURCE, {"lang": "en"})
    (kept,) = read(path, "parquet", options=ReaderOptions(keep_source=True))
    assert kept.source == "books"


# --- Real files of every WARC shape (tests/data/readers, see its README) -------------------

import hashlib  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

from dataprep.readers import sniff_format  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"


def _example_payload() -> bytes:
    (page,) = read(DATA / "example.warc.gz", "warc")
    return page.payload


@pytest.mark.parametrize("name, offset", [
    ("example.warc.gz", 784),  # one gzip member per record
    ("example.warc", 1197),
    ("example-one-stream.warc.gz", 1197),  # `gzip example.warc`: offsets count decompressed bytes
    ("example-bad-non-chunked.warc.gz", 1197),  # warcio's own one-stream example
    ("example.arc", 151),
    ("example.arc.gz", 171),
])
def test_real_warc_shapes_give_the_same_page(name, offset):
    records = read(DATA / name, "warc")
    assert [kind(r) for r in records] == ["page"]
    (page,) = records
    assert page.url == "http://example.com/"
    assert page.payload == _example_payload()  # byte for byte, whatever the container
    assert page.payload.startswith(b"<!doctype html>")
    assert page.metadata["offset"] == offset
    assert page.id == document_id(SOURCE, name, offset)
    assert page.metadata.get("gzip_stream", False) == ("stream" in name or "non-chunked" in name)


def test_real_resource_record_is_a_page():
    (page,) = read(DATA / "example-resource.warc.gz", "warc")
    assert is_page(page) and page.url == "http://example.com/"
    assert page.content_type == "text/html; charset=utf-8"
    assert page.payload.startswith(b"<!DOCTYPE html>") and len(page.payload) == 1303


def test_wet_conversion_records_are_text_documents():
    first, second = read(DATA / "example.warc.wet.gz", "warc")
    for doc in (first, second):
        assert isinstance(doc, Document) and doc.payload is None  # extract passes it on unchanged
        assert doc.metadata["warc_refers_to"] == "<urn:uuid:6d058047-ede2-4a13-be79-90c17c631dd4>"
        assert doc.metadata["warc_date"] == "2014-01-03T03:03:21Z"
        assert doc.metadata["source_file"] == "example.warc.wet.gz"
    assert first.text.startswith("Example Domain\nThis domain is established")
    assert second.text == "Beispiel-Domäne\nDiese Domain dient als Beispiel.\n"
    assert (first.url, second.url) == ("http://example.com/", "http://example.com/?lang=de")
    assert (first.metadata["warc_language"], second.metadata["warc_language"]) == ("eng", "deu")


def test_one_stream_gzip_with_a_damaged_record_keeps_the_others(tmp_path):
    pages = write_warc(tmp_path / "plain.warc", n_pages=4, gzipped=False)
    data = bytearray((tmp_path / "plain.warc").read_bytes())
    data[pages[1]["start"]:pages[1]["start"] + 8] = b"WARX/9.9"
    path = tmp_path / "stream.warc.gz"
    path.write_bytes(gzip.compress(bytes(data), mtime=0))

    records = read(path, "warc")

    assert [kind(r) for r in records] == ["page", "ReadFailure", "page", "page"]
    assert [r.payload for r in records if is_page(r)] == [pages[i]["payload"] for i in (0, 2, 3)]


def _set_content_length(record: bytes, delta: int) -> bytes:
    head, sep, body = record.partition(b"\r\n\r\n")
    lines = [(b"Content-Length: %d" % (int(line.split(b":")[1]) + delta)) if line.startswith(b"Content-Length:")
             else line for line in head.split(b"\r\n")]
    return b"\r\n".join(lines) + sep + body


def test_uncompressed_content_length_too_long_keeps_the_next_record(tmp_path):
    path = tmp_path / "long.warc"
    pages = write_warc(path, n_pages=3, gzipped=False)
    data = path.read_bytes()
    first = pages[0]
    # The first response claims 300 bytes more: its block runs into the metadata record after it.
    path.write_bytes(data[:first["start"]] + _set_content_length(data[first["start"]:first["end"]], 300)
                     + data[first["end"]:])

    records = read(path, "warc")

    assert [kind(r) for r in records] == ["ReadFailure", "page", "page"]
    assert records[0].reason == "read_bad_record" and "Content-Length too long" in records[0].detail
    assert records[0].url == first["url"]
    assert [r.payload for r in records[1:]] == [pages[1]["payload"], pages[2]["payload"]]


def test_gzip_named_warc_with_a_corrupt_member(tmp_path):
    good = tmp_path / "good.warc.gz"
    pages = write_warc(good, n_pages=3)
    bad = tmp_path / "misnamed.warc"  # gzip inside, whatever the name says
    bad.write_bytes(_damage(good.read_bytes(), pages[1]["start"], pages[1]["end"]))

    records = read(bad, "warc")

    assert [kind(r) for r in records] == ["page", "ReadFailure", "page"]
    assert records[1].reason == "read_corrupt_gzip"
    assert [records[0].payload, records[2].payload] == [pages[0]["payload"], pages[2]["payload"]]


def test_per_record_gzip_content_length_too_short_is_dropped_not_kept_short(tmp_path):
    path = tmp_path / "short.warc.gz"
    pages = write_warc(path, n_pages=3, words=200)
    data = path.read_bytes()
    middle = pages[1]
    record = gzip.decompress(data[middle["start"]:middle["end"]])
    member = gzip.compress(_set_content_length(record, -400), mtime=0)
    path.write_bytes(data[:middle["start"]] + member + data[middle["end"]:])

    records = read(path, "warc")

    assert [kind(r) for r in records] == ["page", "ReadFailure", "page"]
    assert records[1].reason == "read_bad_record" and "Content-Length does not match" in records[1].detail
    assert records[1].url == middle["url"]
    assert [records[0].payload, records[2].payload] == [pages[0]["payload"], pages[2]["payload"]]


@pytest.mark.parametrize("gzipped", [False, True], ids=["warc", "warc.gz"])
def test_garbage_between_records_is_one_drop(tmp_path, gzipped):
    path = tmp_path / ("g.warc.gz" if gzipped else "g.warc")
    pages = write_warc(path, n_pages=3, gzipped=gzipped)
    data = path.read_bytes()
    cut = pages[1]["end"]  # after the second response, before its metadata record
    path.write_bytes(data[:cut] + b"this is not a record\r\n" * 50 + data[cut:])

    records = read(path, "warc")

    assert [r.payload for r in records if is_page(r)] == [p["payload"] for p in pages]
    failures = [r for r in records if isinstance(r, ReadFailure)]
    assert len(failures) == 1  # one run of garbage, one drop (not one per line)
    assert failures[0].reason == ("read_corrupt_gzip" if gzipped else "read_garbage")
    if not gzipped:
        assert "1100 bytes" in failures[0].detail


# --- JSONL / Parquet breakage ---------------------------------------------------------------


def test_jsonl_zst_corrupt_mid_stream_keeps_earlier_lines(tmp_path):
    raw = _many_lines(3_000)
    compressed = bytearray(zstandard.ZstdCompressor().compress(raw))
    middle = len(compressed) // 2
    compressed[middle:middle + 64] = b"\xff" * 64
    path = tmp_path / "bad.jsonl.zst"
    path.write_bytes(bytes(compressed))

    records = read(path, "jsonl")

    assert records[-1].reason == "read_corrupt_stream"
    expected = [json.loads(line)["text"] for line in raw.splitlines()]
    docs = [r for r in records if isinstance(r, Document)]
    assert len(docs) > 500 and [d.text for d in docs[:500]] == expected[:500]


def test_gzip_file_named_zst_is_read_by_its_magic(tmp_path):
    path = tmp_path / "docs.jsonl.zst"
    path.write_bytes(gzip.compress(b'{"text": "one"}\n{"text": "two"}\n'))
    assert [r.text for r in read(path, "jsonl")] == ["one", "two"]


@pytest.mark.parametrize("metadata", [5, [1, 2]], ids=["int", "list"])
def test_own_schema_parquet_with_non_string_metadata(tmp_path, metadata):
    path = tmp_path / "odd.parquet"
    rows = [{"id": "ab" * 16, "text": t, "source": "web", "url": None, "metadata": m}
            for t, m in (("good one", metadata), ("bad one", metadata))]
    pq.write_table(pa.Table.from_pylist(rows), path)
    records = read(path, "parquet")
    assert [r.reason for r in records] == ["read_bad_json"] * 2
    assert "not a JSON string" in records[0].detail


def test_jsonl_line_over_max_record_bytes_is_skipped_and_neighbours_kept(tmp_path):
    path = tmp_path / "big.jsonl"
    big = json.dumps({"text": "x" * 5_000})
    path.write_text("\n".join([json.dumps({"text": "before"}), big, json.dumps({"text": "after"})]) + "\n")

    records = read(path, "jsonl", options=ReaderOptions(max_record_bytes=1_000))

    assert [kind(r) for r in records] == ["Document", "ReadFailure", "Document"]
    assert records[1].reason == "read_record_too_large" and f"{len(big) + 1} bytes" in records[1].detail
    assert (records[0].text, records[2].text) == ("before", "after")
    assert records[2].metadata["line"] == 3


_BOMB_READER = """
import resource, sys
from dataprep.readers import ReaderOptions, read_records
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as handle:
    records = [(type(r).__name__, getattr(r, "reason", None), getattr(r, "text", None))
               for r in read_records(handle, sys.argv[1], "bomb.jsonl.gz", "web", "jsonl", ReaderOptions())]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(records)
print((after - before) // 1024)
"""


def test_gzip_bomb_of_one_huge_line_keeps_memory_bounded(tmp_path):
    # 400 MiB of one JSON line compresses to ~0.4 MB: over the 64 MiB default cap, it must be
    # streamed past, not joined (peak RSS growth measured at 64 MB with readers on Python 3.11:
    # about the cap; joining the line would take 400+ MB).
    path = tmp_path / "bomb.jsonl.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"a" * (1 << 20)
    with open(path, "wb") as handle:
        handle.write(packer.compress(b'{"text": "small"}\n{"text": "'))
        for _ in range(400):
            handle.write(packer.compress(block))
        handle.write(packer.compress(b'"}\n{"text": "tail"}\n') + packer.flush())
    assert path.stat().st_size < 1_000_000

    result = subprocess.run([sys.executable, "-c", _BOMB_READER, str(path)], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    records_line, growth_mb = result.stdout.strip().splitlines()
    assert records_line == str([("Document", None, "small"), ("ReadFailure", "read_record_too_large", None),
                                ("Document", None, "tail")])
    assert int(growth_mb) < 300, growth_mb


def test_file_name_that_is_not_utf8(tmp_path):
    raw_name = b"caf\xe9.jsonl"
    with open(os.path.join(os.fsencode(tmp_path), raw_name), "wb") as handle:
        handle.write(b'{"text": "bonjour"}\n{"text": ')  # the second line is bad JSON
    (name,) = os.listdir(tmp_path)  # "caf\udce9.jsonl": a surrogate escape
    doc, bad = read(tmp_path / name, "jsonl", location=name)
    assert doc.text == "bonjour" and bad.reason == "read_bad_json"
    assert doc.id == document_id(SOURCE, name, "line1") != document_id(SOURCE, "caf\xe9.jsonl", "line1")
    assert doc.metadata["source_file"] == "caf\\xe9.jsonl"  # storable in Parquet/JSON
    json.dumps(doc.metadata, ensure_ascii=False).encode("utf-8")
    assert "caf\\xe9.jsonl" in bad.detail


def test_document_id_of_a_utf8_name_is_unchanged():
    key = "web\x00dir/Grüße.warc.gz\x00784".encode("utf-8")
    assert document_id("web", "dir/Grüße.warc.gz", 784) == hashlib.sha256(key).hexdigest()[:32]


# --- Files that are not what the recipe says ------------------------------------------------


@pytest.mark.parametrize("name, declared, looks", [
    ("page.warc", "warc", "html"),
    ("docs.parquet", "parquet", "jsonl"),
    ("crawl.jsonl", "jsonl", "warc"),
    ("crawl.jsonl.gz", "jsonl", "warc"),
])
def test_a_file_that_is_another_format_is_one_counted_failure(tmp_path, name, declared, looks):
    contents = {
        "html": b"<!DOCTYPE html>\n<html><body><p>hello</p></body></html>",
        "jsonl": b'{"text": "a"}\n',
        "warc": (DATA / "example.warc").read_bytes(),
    }[looks]
    path = tmp_path / name
    path.write_bytes(gzip.compress(contents) if name.endswith(".gz") else contents)
    (failure,) = read(path, declared)  # one counted drop for the file; `dataprep run` refuses it before work
    assert isinstance(failure, ReadFailure) and failure.reason == "read_wrong_format"
    message = failure.detail
    assert "\n" not in message and name in message
    assert f"declared {declared}" in message and f"look like {looks}" in message


def test_sniff_format_on_real_heads():
    assert sniff_format((DATA / "example.warc.gz").read_bytes()[:4096]) == "warc"
    assert sniff_format((DATA / "example.arc").read_bytes()[:4096]) == "warc"
    assert sniff_format(b"PAR1\x15\x04") == "parquet"
    assert sniff_format(zstandard.ZstdCompressor().compress(b'{"text": 1}\n')) == "jsonl"
    assert sniff_format(b"plain words, no telling") is None


# --- Issue 14's reader defects, each on a real file changed in one way -----------------------


def _example_records(data: bytes) -> list[bytes]:
    """warcio's example.warc split into its records (each starts with a `WARC/1.0` line)."""
    starts = [i for i in range(len(data)) if data.startswith(b"WARC/1.0\r\n", i) and (i == 0 or data[i - 1] == 10)]
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]


@pytest.mark.parametrize("shortened", [1, 2], ids=["warcinfo", "response"])
def test_uncompressed_content_length_too_short_is_dropped_not_kept_short(tmp_path, shortened):
    records = _example_records((DATA / "example.warc").read_bytes())
    assert [r.split(b"WARC-Type: ")[1].split(b"\r\n")[0] for r in records] == [
        b"warcinfo", b"warcinfo", b"response", b"request", b"revisit", b"request"]
    # Record 1 or 2 claims 100 bytes fewer than it holds: its declared end falls inside its block.
    records[shortened] = _set_content_length(records[shortened], -100)
    path = tmp_path / "short.warc"
    path.write_bytes(b"".join(records))

    read_back = read(path, "warc")

    failures = [r for r in read_back if isinstance(r, ReadFailure)]
    assert len(failures) == 1 and failures[0].reason == "read_bad_record"
    assert "Content-Length does not match" in failures[0].detail
    if shortened == 1:  # the record after the bad one is read whole
        assert [kind(r) for r in read_back] == ["ReadFailure", "page"]
        assert read_back[1].payload == _example_payload()
    else:  # the page is not kept cut short, and its rest is no `read_garbage`
        assert [kind(r) for r in read_back] == ["ReadFailure"]
        assert failures[0].url == "http://example.com/"


@pytest.mark.parametrize("where", ["end", "start", "both"])
def test_an_empty_gzip_member_is_no_record_and_no_drop(tmp_path, where):
    empty = gzip.compress(b"", mtime=0)  # 20 bytes that inflate to nothing
    real = (DATA / "example.warc.gz").read_bytes()
    path = tmp_path / "empty-member.warc.gz"
    path.write_bytes({"end": real + empty, "start": empty + real, "both": empty + real + empty * 2}[where])

    (page,) = read(path, "warc")  # no read_truncated after the last record

    assert is_page(page) and page.payload == _example_payload()
    alone = tmp_path / "only-empty.warc.gz"
    alone.write_bytes(empty)
    assert read(alone, "warc") == []


def test_a_corrupt_row_group_costs_that_group_only(tmp_path):
    table = pq.read_table(Path(__file__).resolve().parents[2] / "sample_data" / "parquet" / "curated-00000.parquet")
    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    pq.write_table(table, good, row_group_size=10, compression="zstd")  # 50 rows: 5 groups
    data = bytearray(good.read_bytes())
    meta = pq.ParquetFile(good).metadata
    assert meta.num_row_groups == 5
    # Garble the header of group 2's first page (rows 20-29): that group cannot be decoded.
    start = meta.row_group(2).column(0).data_page_offset
    data[start:start + 16] = bytes(random.Random(2).getrandbits(8) for _ in range(16))
    bad.write_bytes(bytes(data))

    whole, broken = read(good, "parquet", location="c.parquet"), read(bad, "parquet", location="c.parquet")

    failures = [r for r in broken if isinstance(r, ReadFailure)]
    assert [(f.reason, f.id) for f in failures] == [("read_corrupt_parquet", document_id(SOURCE, "c.parquet", "row20"))]
    assert "row group 2" in failures[0].detail
    # Every row of the other groups comes out, with the id and text a good file gives it.
    kept = [(r.id, r.text, r.metadata["row"]) for r in broken if isinstance(r, Document)]
    assert kept == [(r.id, r.text, r.metadata["row"]) for r in whole if r.metadata["row"] not in range(20, 30)]
    assert len(kept) == 40
