"""Record readers: one input file in, Documents (HTML pages with their `payload` still undecoded) / ReadFailures out.

Plain Python over an open binary file object, so the same code runs in tests, in `bench/`
and inside Beam (where `pipelines/read.py` opens the file through `FileSystems`, which is
what makes gs:// and s3:// paths work). A broken record never ends the file: it becomes a
`ReadFailure` with a reason, and reading resumes at the next record boundary. Compression
is decided by a file's magic bytes, never its name; a file whose first bytes show it is not
the declared format is an `InputError` naming both (`sniff_format`).
"""

from __future__ import annotations

import zlib
from typing import IO, Iterator

from dataprep.document import Document, document_id
from dataprep.readers.base import (
    ReaderOptions, ReadFailure, ReadOutcome, Record, compression_of, failure, peek, shown,
)
from dataprep.readers.jsonl import read_jsonl
from dataprep.readers.parquet import read_parquet
from dataprep.readers.warc import read_warc as _read_warc

FORMATS = ("warc", "html", "jsonl", "parquet", "stackexchange", "mediawiki", "code_tree", "code_export", "gutenberg",
           "arxiv")
# Source formats whose files are free text (code, books, LaTeX) and may look like anything to
# sniff_format, or JSONL/Parquet under another name: what each accepts (None: not sniffed).
_SOURCE_SNIFF = {"code_tree": None, "gutenberg": None, "arxiv": None, "code_export": ("jsonl", "parquet")}

__all__ = [
    "FORMATS", "ReadFailure", "ReadOutcome", "ReaderOptions", "Record", "read_html_file", "read_jsonl",
    "format_mismatch", "read_parquet", "read_records", "read_warc", "sniff_format",
]


def read_records(
    fileobj: IO[bytes], path: str, location: str, source: str, fmt: str, options: ReaderOptions
) -> Iterator[Record]:
    """Every record of one input file. `location` is `path` relative to the input root.

    A file whose first bytes show another format than `fmt` is one `read_wrong_format` failure:
    `dataprep run` refuses such a file before any work (`format_mismatch` at preflight); one that
    slipped past (a remote input is sniffed by its first file only) costs that file, not the run.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)}")
    mismatch = format_mismatch(peek(fileobj), fmt)
    if mismatch is not None:
        yield failure(source, location, "file", None, "read_wrong_format", f": {mismatch}")
        return
    if fmt == "warc":
        yield from read_warc(fileobj, path, location, source, options)
    elif fmt == "html":
        yield from read_html_file(fileobj, location, source, options)
    elif fmt == "jsonl":
        yield from read_jsonl(fileobj, path, location, source, options)
    elif fmt == "mediawiki":
        from dataprep.sources.wikipedia import read_mediawiki  # lazy: mwparserfromhell only when used

        yield from read_mediawiki(fileobj, location, source, options)
    elif fmt in ("code_tree", "code_export"):
        from dataprep.sources import code

        reader = code.read_code_tree if fmt == "code_tree" else code.read_code_export
        yield from reader(fileobj, path, location, source, options)
    elif fmt == "gutenberg":
        from dataprep.sources.books import read_gutenberg

        yield from read_gutenberg(fileobj, path, location, source, options)
    elif fmt == "arxiv":
        from dataprep.sources.arxiv import read_arxiv

        yield from read_arxiv(fileobj, path, location, source, options)
    elif fmt == "stackexchange":
        from dataprep.sources.stackexchange import read_stackexchange

        yield from read_stackexchange(fileobj, location, source, options)
    else:
        yield from read_parquet(fileobj, location, source, options)


def read_warc(fileobj: IO[bytes], path: str, location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """Pages (response, HTML resource) and WET texts (conversion) of a WARC/WET/ARC file."""
    return _read_warc(fileobj, location, source, options)


def format_mismatch(first_bytes: bytes, fmt: str) -> str | None:
    """'declared warc but its first bytes look like html', or None when they agree."""
    looks = sniff_format(first_bytes)
    if fmt in _SOURCE_SNIFF and (_SOURCE_SNIFF[fmt] is None or looks in _SOURCE_SNIFF[fmt]):
        return None
    if looks is not None and looks != fmt:
        return f"declared {fmt} but its first bytes look like {looks}"
    return None


def sniff_format(first_bytes: bytes) -> str | None:
    """'warc', 'parquet', 'jsonl' or 'html' when a file's first bytes (a few KB; gzip and zstd
    are looked through) clearly show one of them; None when they do not say."""
    kind = compression_of(first_bytes)
    if kind is not None:
        first_bytes = _inflate_head(first_bytes, kind)
    if first_bytes.startswith(b"PAR1"):
        return "parquet"
    if first_bytes.startswith((b"WARC/1.", b"WARC/0.", b"filedesc://")):
        return "warc"
    text = first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    lower = text[:512].lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
            lower.startswith(b"<") and b"<html" in lower):
        return "html"
    return None


def _inflate_head(data: bytes, kind: str) -> bytes:
    """The first few KB of a compressed head: bounded output, a cut stream is fine."""
    try:
        if kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 4096)
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data[:512])[:4096]
    except Exception:  # noqa: BLE001 - a head that does not inflate says nothing about the format
        return b""


def read_html_file(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    payload = fileobj.read(options.max_payload_bytes + 1)
    if len(payload) > options.max_payload_bytes:
        yield failure(source, location, 0, None, "read_payload_too_large", f": over {options.max_payload_bytes} bytes")
        return
    yield Document(document_id(source, location, 0), "", source, None, {"source_file": shown(location)},
                   payload=payload)
