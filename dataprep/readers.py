"""Record readers: one input file in, Documents (HTML pages with their `payload` still undecoded) / ReadFailures out.

Plain Python over an open binary file object, so the same code runs in tests, in `bench/`
and inside Beam (where `pipelines/read.py` opens the file through `FileSystems`, which is
what makes gs:// and s3:// paths work). A broken record never ends the file: it becomes a
`ReadFailure` with a reason, and reading resumes at the next record boundary.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zlib
from typing import IO, Iterator, Union

from dataprep.document import ARROW_SCHEMA, Document, Drop, document_id
from dataprep.stage import Stage

FORMATS = ("warc", "html", "jsonl", "parquet")

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_RESYNC_CHUNK = 1 << 20
_OWN_ID = re.compile(r"[0-9a-f]{32}")  # document_id(): 32 hex digits


@dataclasses.dataclass(frozen=True)
class ReadFailure:
    """A record that could not be read; counted in the stats as a `read` drop."""

    id: str
    source: str
    url: str | None
    reason: str  # read_<what>, e.g. read_corrupt_gzip
    detail: str


Record = Union[Document, ReadFailure]


class ReadOutcome(Stage):
    """The `read` stage: a record that parsed goes on, a ReadFailure becomes its counted drop."""

    name = "read"

    def apply(self, record: Record) -> Document | Drop:
        if isinstance(record, ReadFailure):
            return Drop(record.reason, record.detail)
        return record


@dataclasses.dataclass(frozen=True)
class ReaderOptions:
    text_field: str = "text"
    url_field: str = "url"
    id_field: str = "id"
    # Payloads above this are not read into memory at all. Common Crawl truncates
    # response bodies at 1 MiB, so 10 MB only ever stops pathological inputs.
    max_payload_bytes: int = 10_000_000
    # Parquet in our own schema: keep each row's `source` (standalone `dataprep dedup` over a
    # multi-source corpus) instead of the input's source name (a recipe input).
    keep_source: bool = False


def read_records(
    fileobj: IO[bytes], path: str, location: str, source: str, fmt: str, options: ReaderOptions
) -> Iterator[Record]:
    """Every record of one input file. `location` is `path` relative to the input root."""
    if fmt == "warc":
        yield from read_warc(fileobj, path, location, source, options)
    elif fmt == "html":
        yield from read_html_file(fileobj, location, source, options)
    elif fmt == "jsonl":
        yield from read_jsonl(fileobj, path, location, source, options)
    elif fmt == "parquet":
        yield from read_parquet(fileobj, location, source, options)
    else:
        raise ValueError(f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)}")


# --- WARC --------------------------------------------------------------------------


def read_warc(
    fileobj: IO[bytes], path: str, location: str, source: str, options: ReaderOptions
) -> Iterator[Record]:
    """Response records of a WARC or per-record-gzipped WARC.gz; other record types skipped.

    warcio stops at the first bad gzip member or header block. We then scan forward from the
    bad record's offset to the next gzip member (or `WARC/1.` line when uncompressed) and
    start a fresh iterator there, so one corrupt record costs one record, not the file.
    """
    from warcio.archiveiterator import ArchiveIterator

    gzipped = path.endswith(".gz")
    magic = _GZIP_MAGIC if gzipped else _WARC_MAGIC
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()  # to tell a whole file from one that ends inside a record
    start = 0
    while start is not None:
        fileobj.seek(start)
        iterator = ArchiveIterator(fileobj, check_digests=False)
        offset, url = start, None
        try:
            for record in iterator:
                offset, url = iterator.offset, record.rec_headers.get_header("WARC-Target-URI")
                # Content-Length is mandatory in WARC; without it warcio reads to the end of
                # the member or file. Seen when a member is cut inside the header block.
                if not hasattr(record.raw_stream, "limit"):
                    raise _BadRecord("read_bad_headers", "no Content-Length header")
                result = _warc_response(record, offset, location, source, options) \
                    if record.rec_type == "response" else None
                # warcio does not notice a member that stops decompressing half-way (it logs
                # to stderr and returns b""): the record just ends early and the iterator then
                # ends as if the file did. Measured on a 120 KB member with one flipped byte:
                # a silently short page, and every later record of the file lost.
                if not _read_to_end(record):
                    raise _BadRecord("read_truncated", "record ends before its Content-Length")
                if result is not None:
                    yield result
            if iterator.offset >= size:
                return
            # warcio also ends quietly (EOFError inside) on a last record cut mid-header.
            offset, url = iterator.offset, None
            raise _BadRecord("read_truncated", f"{size - offset} bytes after the last whole record")
        except Exception as error:  # noqa: BLE001 - any parse failure is a counted drop
            if not isinstance(error, _BadRecord):
                offset, url = iterator.offset, None
            yield ReadFailure(
                id=document_id(source, location, offset),
                source=source,
                url=url,
                reason=_warc_failure_reason(error, fileobj, offset if gzipped else None),
                detail=f"{location}@{offset}: {type(error).__name__}: {error}"[:500],
            )
        start = _find_next(fileobj, magic, offset + 1)


class _BadRecord(Exception):
    """A record warcio let through whole that is not: cut short, or without a length."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def _read_to_end(record) -> bool:
    """Drain the record; False when it ended before its WARC Content-Length."""
    while record.raw_stream.read(_RESYNC_CHUNK):
        pass
    return record.raw_stream.limit == 0


def _warc_response(record, offset: int, location: str, source: str, options: ReaderOptions) -> Record:
    url = record.rec_headers.get_header("WARC-Target-URI")
    doc_id = document_id(source, location, offset)
    metadata = {"source_file": location, "offset": offset}
    warc_date = record.rec_headers.get_header("WARC-Date")
    if warc_date:
        metadata["warc_date"] = warc_date
    if record.rec_headers.get_header("WARC-Truncated"):
        metadata["warc_truncated"] = record.rec_headers.get_header("WARC-Truncated")
    content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
    stream = record.content_stream()
    payload = stream.read(options.max_payload_bytes + 1)
    if len(payload) > options.max_payload_bytes:
        return ReadFailure(
            doc_id, source, url, "read_payload_too_large",
            f"{location}@{offset}: payload over {options.max_payload_bytes} bytes",
        )
    # Drain the rest so the iterator can move to the next record (it must have been read).
    while stream.read(_RESYNC_CHUNK):
        pass
    return Document(doc_id, "", source, url, metadata, payload=payload, content_type=content_type)


def _warc_failure_reason(error: Exception, fileobj: IO[bytes], gzip_offset: int | None) -> str:
    # The exception alone misleads: warcio reads a member that fails to inflate on the first
    # block as uncompressed, so a corrupt member surfaces as "Invalid WARC record". Inflating
    # the member on its own tells a bad gzip from a bad record inside a good one.
    member = _gzip_member_state(fileobj, gzip_offset) if gzip_offset is not None else "ok"
    if member == "corrupt":
        return "read_corrupt_gzip"
    if member == "truncated":
        return "read_truncated"
    if isinstance(error, _BadRecord):
        return error.reason
    name = type(error).__name__
    text = str(error).lower()
    if isinstance(error, (zlib.error, EOFError)) or "gzip" in text or "decompress" in text:
        return "read_corrupt_gzip"
    if "header" in text or name == "StatusAndHeadersParserException":
        return "read_bad_headers"
    return "read_bad_record"


def _gzip_member_state(fileobj: IO[bytes], offset: int) -> str:
    """'ok', 'corrupt' or 'truncated': what inflating the gzip member at `offset` alone gives."""
    fileobj.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while not inflater.eof:
        data = fileobj.read(_RESYNC_CHUNK)
        if not data:
            return "truncated"
        try:
            # Bounded output per call: the member may be a gzip bomb.
            while data and not inflater.eof:
                inflater.decompress(data, _RESYNC_CHUNK)
                data = inflater.unconsumed_tail
        except zlib.error:
            return "corrupt"
    return "ok"


def _find_next(fileobj: IO[bytes], magic: bytes, position: int) -> int | None:
    """Offset of the next `magic` at or after `position`, or None at end of file."""
    fileobj.seek(position)
    carry = b""
    base = position
    while True:
        chunk = fileobj.read(_RESYNC_CHUNK)
        if not chunk:
            return None
        window = carry + chunk
        found = window.find(magic)
        if found >= 0:
            return base - len(carry) + found
        carry = window[-(len(magic) - 1):]
        base += len(chunk)


# --- HTML files ----------------------------------------------------------------------


def read_html_file(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    doc_id = document_id(source, location, 0)
    payload = fileobj.read(options.max_payload_bytes + 1)
    if len(payload) > options.max_payload_bytes:
        yield ReadFailure(doc_id, source, None, "read_payload_too_large",
                          f"{location}: over {options.max_payload_bytes} bytes")
        return
    yield Document(doc_id, "", source, None, {"source_file": location}, payload=payload)


# --- JSONL ---------------------------------------------------------------------------


# Compressed input is fed to the decompressor this much at a time: it bounds the output of
# one step (zlib inflates at most ~1000:1) while keeping per-call overhead negligible.
_INFLATE_CHUNK = 1 << 16


def _decompressed_chunks(fileobj: IO[bytes], path: str) -> Iterator[bytes]:
    """The decompressed bytes of a plain, .gz or .zst file, in pieces.

    Decompressed here rather than through GzipFile/zstandard's stream reader because those
    lose data at a truncation: GzipFile raised before returning the up to 1 MiB it had
    already inflated (a cut .jsonl.gz under 1 MiB lost every line), and the zstandard reader
    ends a cut stream quietly, as if the file were whole. Concatenated members/frames are
    allowed, as gzip and zstd both define them.
    """
    if path.endswith(".gz"):
        new = lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)  # noqa: E731
    elif path.endswith(".zst") or path.endswith(".zstd"):
        import zstandard

        new = zstandard.ZstdDecompressor().decompressobj
    else:
        while chunk := fileobj.read(_RESYNC_CHUNK):
            yield chunk
        return
    decompressor, started = new(), False
    while data := fileobj.read(_INFLATE_CHUNK):
        started = True
        while data:
            if decompressor.eof:
                decompressor = new()
            out = decompressor.decompress(data)
            data = decompressor.unused_data if decompressor.eof else b""
            if out:
                yield out
    if started and not decompressor.eof:
        raise EOFError("compressed stream ends in the middle of a member/frame")


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines (with their newline) of a chunk stream; a last line without one is yielded too."""
    # The pieces of a line that spans chunks are joined once at its end: a books line of
    # 50 MB must not be re-copied with every chunk.
    pending: list[bytes] = []
    for chunk in chunks:
        *whole, rest = chunk.split(b"\n")
        if whole:
            pending.append(whole[0])
            yield b"".join(pending) + b"\n"
            for line in whole[1:]:
                yield line + b"\n"
            pending = []
        if rest:
            pending.append(rest)
    if pending:
        yield b"".join(pending)


def read_jsonl(
    fileobj: IO[bytes], path: str, location: str, source: str, options: ReaderOptions
) -> Iterator[Record]:
    """One JSON object per line; `.gz` and `.zst` are decompressed as a stream."""
    line_number = 0
    try:
        for line_number, line in enumerate(_lines(_decompressed_chunks(fileobj, path)), start=1):
            if not line.strip():
                continue
            yield _json_record(line, line_number, location, source, options)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        # A truncated or corrupt compressed stream: what was read stays, the rest is counted.
        yield ReadFailure(
            document_id(source, location, f"line{line_number + 1}"), source, None,
            "read_corrupt_stream", f"{location} after line {line_number}: {error}"[:500],
        )


def _json_record(line: bytes, line_number: int, location: str, source: str, options: ReaderOptions) -> Record:
    doc_id = document_id(source, location, f"line{line_number}")
    where = f"{location}:{line_number}"
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as error:
        # ValueError covers bad JSON, bad UTF-8 and integers over Python's 4,300-digit limit;
        # RecursionError a line of deeply nested brackets. Either costs this line only.
        return ReadFailure(doc_id, source, None, "read_bad_json", f"{where}: {type(error).__name__}: {error}"[:500])
    if not isinstance(row, dict):
        return ReadFailure(doc_id, source, None, "read_bad_json", f"{where}: not a JSON object")
    return _row_to_document(row, doc_id, where, source, {"source_file": location, "line": line_number}, options)


def _row_to_document(row: dict, doc_id: str, where: str, source: str, metadata: dict,
                     options: ReaderOptions) -> Record:
    url = row.get(options.url_field)
    url = url if isinstance(url, str) else None
    text = row.get(options.text_field)
    if not isinstance(text, str):
        return ReadFailure(doc_id, source, url, "read_missing_text",
                           f"{where}: no string field {options.text_field!r}")
    if options.id_field in row and row[options.id_field] is not None:
        # The input's own id is kept for joins back to it; ours stays position-derived
        # because ids from different inputs can collide.
        metadata = {**metadata, "source_id": str(row[options.id_field])}
    return Document(id=doc_id, text=text, source=source, url=url, metadata=metadata)


# --- Parquet -------------------------------------------------------------------------


def read_parquet(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """Rows of a Parquet file; a corrupt file or row group is a counted failure, not a crash."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(fileobj)
    except Exception as error:  # noqa: BLE001 - ArrowInvalid, OSError: not a readable Parquet file
        yield ReadFailure(document_id(source, location, "file"), source, None, "read_corrupt_parquet",
                          f"{location}: {type(error).__name__}: {error}"[:500])
        return
    names = set(parquet.schema_arrow.names)
    ours = set(ARROW_SCHEMA.names) <= names
    columns = ARROW_SCHEMA.names if ours else [
        c for c in (options.text_field, options.url_field, options.id_field) if c in names
    ]
    batches = parquet.iter_batches(columns=columns, batch_size=1024)
    row_number = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as error:  # noqa: BLE001 - a corrupt row group ends what can be read
            yield ReadFailure(document_id(source, location, f"row{row_number}"), source, None, "read_corrupt_parquet",
                              f"{location} from row {row_number}: {type(error).__name__}: {error}"[:500])
            return
        for row in batch.to_pylist():
            doc_id = document_id(source, location, f"row{row_number}")
            where = f"{location}#{row_number}"
            if ours:
                yield _own_row(row, doc_id, where, source, options)
            else:
                yield _row_to_document(row, doc_id, where, source, {"source_file": location, "row": row_number},
                                       options)
            row_number += 1


def _own_row(row: dict, doc_id: str, where: str, source: str, options: ReaderOptions) -> Record:
    """A row with our five columns, usually a corpus dataprep wrote (deduplicated or tokenized
    again). Its id and metadata are kept when they are ours; another tool's file with the same
    column names gets a position id like any input, its own id kept as metadata.source_id."""
    url = row["url"] if isinstance(row["url"], str) else None
    if not isinstance(row["text"], str):
        return ReadFailure(doc_id, source, url, "read_missing_text", f"{where}: text is not a string")
    try:
        metadata = json.loads(row["metadata"] or "{}")
    except ValueError as error:
        return ReadFailure(doc_id, source, url, "read_bad_json", f"{where}: metadata: {error}"[:500])
    if not isinstance(metadata, dict):
        return ReadFailure(doc_id, source, url, "read_bad_json", f"{where}: metadata is not a JSON object")
    own_id = row["id"]
    if not (isinstance(own_id, str) and _OWN_ID.fullmatch(own_id)):
        metadata["source_id"] = str(own_id)
        own_id = doc_id
    keep = options.keep_source and isinstance(row["source"], str) and row["source"]
    return Document(id=own_id, text=row["text"], source=row["source"] if keep else source, url=url, metadata=metadata)
