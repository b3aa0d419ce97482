"""What every reader shares: the record types, the options, and the size-bounded byte streams."""

from __future__ import annotations

import dataclasses
import zlib
from typing import IO, Iterator, Union

from dataprep.document import Document, Drop, document_id
from dataprep.stage import Stage

_GZIP_MAGIC = b"\x1f\x8b\x08"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Plain bytes are read, and compressed output handed on, at most this much at a time.
CHUNK = 1 << 20


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
    # Any one record (a JSONL line, a WET text, a Parquet text) above this is skipped while it
    # is read, never held whole: a gzip bomb of one 4 GiB line costs one drop, not the worker.
    # 64 MiB is far above real documents (the longest Gutenberg book is ~20 MB of text).
    max_record_bytes: int = 64 << 20
    # Parquet in our own schema: keep each row's `source` (standalone `dataprep dedup` over a
    # multi-source corpus) instead of the input's source name (a recipe input).
    keep_source: bool = False


def failure(source: str, location: str, position, url, reason: str, detail: str) -> ReadFailure:
    return ReadFailure(document_id(source, location, position), source, url, reason,
                       f"{shown(location)}{detail}"[:500])


def shown(location: str) -> str:
    """`location` printable and storable: a file name that is not UTF-8 (surrogate escapes from
    the OS) would make Parquet and JSON writers raise, so its odd bytes are shown as \\xNN."""
    return location.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def compression_of(head: bytes) -> str | None:
    """'gzip', 'zstd' or None from a file's first bytes: names lie (a gzip file named .zst)."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    return None


def peek(fileobj: IO[bytes], size: int = 4096) -> bytes:
    """The first `size` bytes; the file is left at offset 0."""
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


# zstd's worst case is an RLE block: 4 input bytes → 128 KiB. 1 KiB of input per call bounds
# one call's output at 32 MiB (zlib's bound is set directly through max_length).
_ZSTD_INPUT = 1 << 10
_GZIP_INPUT = 1 << 16


def decompressed_chunks(fileobj: IO[bytes], compression: str | None) -> Iterator[bytes]:
    """The decompressed bytes of a plain, gzip or zstd file, in pieces of at most CHUNK bytes.

    Decompressed here rather than through GzipFile/zstandard's stream reader because those
    lose data at a truncation: GzipFile raised before returning the up to 1 MiB it had
    already inflated (a cut .jsonl.gz under 1 MiB lost every line), and the zstandard reader
    ends a cut stream quietly, as if the file were whole. Concatenated members/frames are
    allowed, as gzip and zstd both define them. Output is bounded per step, so a bomb never
    sits in memory whole. Raises EOFError (cut), zlib.error or zstandard.ZstdError (corrupt).
    """
    if compression is None:
        while chunk := fileobj.read(CHUNK):
            yield chunk
        return
    if compression == "gzip":
        new = lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)  # noqa: E731
        step = _GZIP_INPUT
    else:
        import zstandard

        new = zstandard.ZstdDecompressor().decompressobj
        step = _ZSTD_INPUT
    decompressor, started = new(), False
    while data := fileobj.read(step):
        started = True
        while data:
            if decompressor.eof:
                decompressor = new()
            if compression == "gzip":
                out = decompressor.decompress(data, CHUNK)
                data = decompressor.unconsumed_tail or (decompressor.unused_data if decompressor.eof else b"")
            else:
                out = decompressor.decompress(data)
                data = decompressor.unused_data if decompressor.eof else b""
            for start in range(0, len(out), CHUNK):
                yield out[start:start + CHUNK]
    if started and not decompressor.eof:
        raise EOFError("compressed stream ends in the middle of a member/frame")


def stream_errors() -> tuple[type[BaseException], ...]:
    """What a truncated or corrupt compressed stream raises."""
    import zstandard

    return (OSError, EOFError, zlib.error, zstandard.ZstdError)
