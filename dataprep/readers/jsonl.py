"""JSONL: one JSON object per line, plain or gzip/zstd (decided by magic bytes, not the name)."""

from __future__ import annotations

import json
from typing import IO, Iterator

from dataprep.document import Document
from dataprep.readers.base import (
    ReaderOptions, Record, compression_of, decompressed_chunks, failure, peek, shown, stream_errors,
)


class _TooLong(int):
    """A line over the size cap, as its byte count: it was streamed past, never held."""


def lines(chunks: Iterator[bytes], limit: int) -> Iterator[bytes | _TooLong]:
    """Lines (with their newline) of a chunk stream; a last line without one is yielded too.

    A line longer than `limit` bytes is dropped piece by piece as it streams by and comes out
    as its length (`_TooLong`), so memory stays at one chunk plus `limit`.
    """
    # The pieces of a line that spans chunks are joined once at its end: a books line of
    # 50 MB must not be re-copied with every chunk.
    pending: list[bytes] = []
    held = 0  # bytes in `pending`
    skipped = -1  # bytes of an over-long line streamed past; -1 when not skipping
    for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end + 1]
            if skipped >= 0:
                skipped += len(piece)
            elif held + len(piece) > limit:
                skipped, pending, held = held + len(piece), [], 0
            elif piece:
                pending.append(piece)
                held += len(piece)
            if end < 0:
                break
            if skipped >= 0:
                yield _TooLong(skipped)
            else:
                yield b"".join(pending)
            pending, held, skipped = [], 0, -1
            start = end + 1
    if skipped >= 0:
        yield _TooLong(skipped)
    elif pending:
        yield b"".join(pending)


def read_jsonl(
    fileobj: IO[bytes], path: str, location: str, source: str, options: ReaderOptions
) -> Iterator[Record]:
    """One JSON object per line; gzip and zstd are decompressed as a stream."""
    line_number = 0
    chunks = decompressed_chunks(fileobj, compression_of(peek(fileobj)))
    try:
        for line_number, line in enumerate(lines(chunks, options.max_record_bytes), start=1):
            if isinstance(line, _TooLong):
                yield failure(source, location, f"line{line_number}", None, "read_record_too_large",
                              f":{line_number}: {int(line)} bytes, over max_record_bytes={options.max_record_bytes}")
            elif line.strip():
                yield _json_record(line, line_number, location, source, options)
    except stream_errors() as error:
        # A truncated or corrupt compressed stream: what was read stays, the rest is counted.
        yield failure(source, location, f"line{line_number + 1}", None, "read_corrupt_stream",
                      f" after line {line_number}: {type(error).__name__}: {error}")


def _json_record(line: bytes, line_number: int, location: str, source: str, options: ReaderOptions) -> Record:
    position = f"line{line_number}"
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as error:
        # ValueError covers bad JSON, bad UTF-8 and integers over Python's 4,300-digit limit;
        # RecursionError a line of deeply nested brackets. Either costs this line only.
        return failure(source, location, position, None, "read_bad_json",
                       f":{line_number}: {type(error).__name__}: {error}")
    if not isinstance(row, dict):
        return failure(source, location, position, None, "read_bad_json", f":{line_number}: not a JSON object")
    return row_to_document(row, source, location, position, f":{line_number}",
                           {"source_file": shown(location), "line": line_number}, options)


def row_to_document(row: dict, source: str, location: str, position: str, where: str, metadata: dict,
                    options: ReaderOptions) -> Record:
    from dataprep.document import document_id

    url = row.get(options.url_field)
    url = url if isinstance(url, str) else None
    text = row.get(options.text_field)
    if not isinstance(text, str):
        return failure(source, location, position, url, "read_missing_text",
                       f"{where}: no string field {options.text_field!r}")
    if len(text) > options.max_record_bytes:
        return failure(source, location, position, url, "read_record_too_large",
                       f"{where}: {len(text)} characters, over max_record_bytes={options.max_record_bytes}")
    if options.id_field in row and row[options.id_field] is not None:
        # The input's own id is kept for joins back to it; ours stays position-derived
        # because ids from different inputs can collide.
        metadata = {**metadata, "source_id": str(row[options.id_field])}
    return Document(id=document_id(source, location, position), text=text, source=source, url=url,
                    metadata=metadata)



