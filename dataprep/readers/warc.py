"""WARC, WET and ARC files: plain, one gzip member per record (Common Crawl), or one gzip stream.

Kept: `response` records (HTML pages, payload undecoded), `resource` records whose Content-Type
is HTML (pages saved whole, e.g. by Webrecorder), and `conversion` records (WET plain text: a
Document with `text` and no payload, so extraction passes it on unchanged). Other record
types (warcinfo, request, metadata, revisit) are skipped. Compression is decided by the magic
bytes, not the name. A broken record never ends the file: it becomes a ReadFailure and
reading resumes at the next record boundary.
"""

from __future__ import annotations

import io
import re
import tempfile
import zlib
from typing import IO, Iterator

from dataprep.document import Document, document_id
from dataprep.readers.base import (
    CHUNK, ReaderOptions, ReadFailure, Record, _GZIP_MAGIC, compression_of, decompressed_chunks, peek, shown,
    stream_errors,
)

_WARC_MAGIC = b"WARC/1."
_ARC_MAGIC = b"filedesc://"
_CONTENT_LENGTH = re.compile(rb"\r?\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
# WARC (ISO 28500 §4) closes every record's block with two CRLFs; extra blank lines are tolerated.
_SEPARATOR = b"\r\n\r\n"
# What may follow a record inside its own gzip member: the two CRLFs WARC puts after a block.
# Read at most this much of it; more means a record that did not end where it says.
_MEMBER_TAIL = 1 << 16


def read_warc(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    head = peek(fileobj)
    compression = compression_of(head)
    if compression == "zstd":
        # warcio cannot read .warc.zst (a dictionary in a skippable frame); say so once.
        yield _failure(source, location, 0, None, "read_unsupported", ": zstd-compressed WARC is not supported")
        return
    gzipped = compression == "gzip"
    arc = _first_bytes(head, gzipped).startswith(_ARC_MAGIC)
    if gzipped and not arc and _first_member_holds_more(fileobj):
        yield from _read_one_stream(fileobj, location, source, options)
        return
    yield from _read_records(fileobj, location, source, options, gzipped, arc)


def _first_bytes(head: bytes, gzipped: bool) -> bytes:
    if not gzipped:
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
    except zlib.error:
        return b""


def _first_member_holds_more(fileobj: IO[bytes]) -> bool:
    """True for a WARC gzipped as one stream (`gzip file.warc`): the first member goes on
    after its first record. Inflates only as far as that record's end (plus a little)."""
    fileobj.seek(0)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    header, total, record_end, after = b"", 0, None, b""
    try:
        while not inflater.eof:
            data = fileobj.read(1 << 16)
            if not data:
                break
            while data and not inflater.eof:
                out = inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
                if record_end is None:
                    header += out
                    end = header.find(b"\r\n\r\n")
                    if end < 0:
                        if len(header) > _MEMBER_TAIL:
                            return False
                        continue
                    length = _CONTENT_LENGTH.search(header[:end + 2])
                    if not length:
                        return False
                    record_end = end + 4 + int(length.group(1))
                    out, piece_start, total = header, 0, len(header)
                else:
                    piece_start, total = total, total + len(out)
                if total > record_end:
                    after += out[max(0, record_end - piece_start):]
                    if after.strip():
                        return True
                    if len(after) > 64:
                        return False
    except zlib.error:
        return False
    finally:
        fileobj.seek(0)
    return False


def _read_one_stream(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """A one-stream .warc.gz cannot be entered in the middle, so it is inflated once into a local
    temporary file (disk, not memory) and read as an uncompressed WARC with full resync; ids
    and `offset` then count decompressed bytes (metadata.gzip_stream says so)."""
    error = None
    with tempfile.TemporaryFile() as plain:
        try:
            for chunk in decompressed_chunks(fileobj, "gzip"):
                plain.write(chunk)
        except stream_errors() as caught:
            error = caught  # what inflated before the damage is still read
        yield from _read_records(plain, location, source, options, gzipped=False, arc=False, one_stream=True)
        if error is not None:
            yield _failure(source, location, f"gzip@{plain.tell()}", None, "read_corrupt_gzip",
                           f": gzip stream unreadable after {plain.tell()} decompressed bytes: "
                           f"{type(error).__name__}: {error}")


class _BadRecord(Exception):
    """A record warcio let through whole that is not: cut short, without a length, mis-sized."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def _read_records(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions, gzipped: bool,
                  arc: bool, one_stream: bool = False) -> Iterator[Record]:
    """warcio stops at the first bad gzip member or header block. We then scan forward from the
    bad record's offset to the next gzip member (or `WARC/1.` line when uncompressed) and start
    a fresh iterator there, so one corrupt record costs one record, not the file."""
    from warcio.archiveiterator import ArchiveIterator

    magic = _GZIP_MAGIC if gzipped else _WARC_MAGIC
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()  # to tell a whole file from one that ends inside a record
    start = 0
    while start is not None:
        fileobj.seek(start)
        iterator = ArchiveIterator(fileobj, check_digests=False, arc2warc=arc)
        offset, url, restart = start, None, None
        try:
            for record in iterator:
                offset, url = iterator.offset, record.rec_headers.get_header("WARC-Target-URI")
                # Content-Length is mandatory in WARC; without it warcio reads to the end of
                # the member or file. Seen when a member is cut inside the header block.
                if not hasattr(record.raw_stream, "limit"):
                    raise _BadRecord("read_bad_headers", "no Content-Length header")
                result = _convert(record, offset, location, source, options, one_stream)
                # warcio does not notice a member that stops decompressing half-way (it logs
                # to stderr and returns b""): the record just ends early and the iterator then
                # ends as if the file did. Measured on a 120 KB member with one flipped byte:
                # a silently short page, and every later record of the file lost.
                if not _read_to_end(record):
                    raise _BadRecord("read_truncated", "record ends before its Content-Length")
                garbage = None
                if gzipped and not arc:
                    _check_member_tail(iterator.reader)
                elif not arc:
                    garbage = _check_next_start(fileobj, iterator.reader, offset, size)
                if result is not None:
                    yield result
                if garbage is not None:
                    end, restart = garbage
                    upto = size if restart is None else restart
                    # Bytes between records that are no record: skipped to the next record
                    # start as ONE counted drop, whatever their length.
                    yield _failure(source, location, end, None, "read_garbage",
                                   f"@{end}: {upto - end} bytes that are not a WARC record")
                    break
            else:
                # warcio stops before a trailing gzip member of nothing (`gzip` of an empty
                # file): no record, nothing lost, so no drop.
                if iterator.offset >= size or (gzipped and _only_empty_members(fileobj, iterator.offset, size)):
                    return
                # warcio also ends quietly (EOFError inside) on a last record cut mid-header.
                offset, url = iterator.offset, None
                raise _BadRecord("read_truncated", f"{size - offset} bytes after the last whole record")
            if restart is None:
                return
            start = restart
            continue
        except Exception as error:  # noqa: BLE001 - any parse failure is a counted drop
            if not isinstance(error, _BadRecord):
                offset, url = iterator.offset, None
            yield _failure(source, location, offset, url, _failure_reason(error, fileobj, offset if gzipped else None),
                           f"@{offset}: {type(error).__name__}: {error}")
        if arc and not gzipped:
            return  # an ARC record start has no fixed magic to resync on
        start = _find_next(fileobj, magic, offset + 1)


def _check_member_tail(reader) -> None:
    """In a per-record gzip WARC, a member holds one record and its two closing CRLFs. Anything
    else means the record's Content-Length is wrong (too short: the rest of its text would be
    lost, and the leftover read as a bogus record), or several records share one member."""
    tail, ended = b"", False
    while len(tail) <= _MEMBER_TAIL:
        piece = reader.read(1 << 12)  # warcio's reader stops at the member's end
        if not piece:
            ended = True
            break
        tail += piece
        if tail.lstrip(b"\r\n"):
            break
    if _past_separator(tail, ended):
        raise _BadRecord("read_bad_record", "its gzip member goes on after the record's closing CRLFs "
                                            "(several records in one member?)")


def _past_separator(after: bytes, at_end: bool) -> bytes:
    """What follows a record past its closing CRLFs, given the bytes from its declared end
    (`at_end`: they run to the end of its file or gzip member). Without the CRLFs right there,
    the block does not end where its Content-Length says: the record is dropped whole rather
    than kept cut short (a too-short length kept 3/4 of a text as a good document)."""
    if after.startswith(_SEPARATOR) or (at_end and _SEPARATOR.startswith(after)):
        return after.lstrip(b"\r\n")
    raise _BadRecord("read_bad_record", "Content-Length does not match: no blank line (CRLF CRLF) at the "
                                        f"record's declared end but {after[:20]!r}")


def _check_next_start(fileobj: IO[bytes], reader, offset: int, size: int) -> tuple[int, int | None] | None:
    """In an uncompressed WARC, the record's declared end must be followed by its two CRLFs and
    the next `WARC/1.` (or the end of the file). Otherwise either its Content-Length is wrong
    (raises: drop it; if too long it swallowed the start of the next record, and resync finds
    that record inside it), or garbage follows it: returns (garbage start, next record or None)."""
    here = fileobj.tell()
    end = here - reader.rem_length()
    fileobj.seek(end)
    raw = fileobj.read(256)
    fileobj.seek(here)
    try:
        after, problem = _past_separator(raw, end + len(raw) >= size), None
        if not after or after.startswith(_WARC_MAGIC) or (
                len(after) < len(_WARC_MAGIC) and _WARC_MAGIC.startswith(after)):
            return None
    except _BadRecord as error:
        after, problem = b"", error
    inside = _find_next(fileobj, b"\n" + _WARC_MAGIC, offset + 1, limit=end)
    fileobj.seek(here)
    if inside is not None:
        raise _BadRecord("read_bad_record",
                         f"Content-Length too long: a record starts at {inside + 1}, inside this one")
    if problem is not None:
        raise problem
    gap = end + len(raw) - len(after)  # where the garbage starts, past the blank lines
    following = _find_next(fileobj, _WARC_MAGIC, gap)
    fileobj.seek(here)
    return gap, following


def _read_to_end(record) -> bool:
    """Drain the record; False when it ended before its WARC Content-Length."""
    while record.raw_stream.read(CHUNK):
        pass
    return record.raw_stream.limit == 0


def _convert(record, offset: int, location: str, source: str, options: ReaderOptions, one_stream: bool):
    """A Document or ReadFailure for the record types we keep; None for the others."""
    rec_type = record.rec_type
    headers = record.rec_headers
    if rec_type == "response":
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
    elif rec_type == "resource":
        content_type = headers.get_header("Content-Type")
        if "html" not in (content_type or "").lower():
            return None
    elif rec_type == "conversion":
        content_type = headers.get_header("Content-Type")
        if content_type and not content_type.lower().startswith("text/"):
            return None
    else:
        return None
    url = headers.get_header("WARC-Target-URI")
    metadata = {"source_file": shown(location), "offset": offset}
    if one_stream:
        metadata["gzip_stream"] = True  # offset counts decompressed bytes
    for name, key in (("WARC-Date", "warc_date"), ("WARC-Truncated", "warc_truncated"),
                      ("WARC-Refers-To", "warc_refers_to"),
                      ("WARC-Identified-Content-Language", "warc_language")):
        if headers.get_header(name):
            metadata[key] = headers.get_header(name)
    limit = options.max_record_bytes if rec_type == "conversion" else options.max_payload_bytes
    stream = record.content_stream()
    payload = stream.read(limit + 1)
    if len(payload) > limit:
        name = "max_record_bytes" if rec_type == "conversion" else "max_payload_bytes"
        return _failure(source, location, offset, url,
                        "read_record_too_large" if rec_type == "conversion" else "read_payload_too_large",
                        f"@{offset}: {rec_type} over {name}={limit} bytes")
    # Drain the rest so the iterator can move to the next record (it must have been read).
    while stream.read(CHUNK):
        pass
    doc_id = document_id(source, location, offset)
    if rec_type == "conversion":
        # WET text is UTF-8 by Common Crawl's definition; a stray bad byte costs that character only.
        return Document(doc_id, payload.decode("utf-8", "replace"), source, url, metadata)
    return Document(doc_id, "", source, url, metadata, payload=payload, content_type=content_type)


def _failure(source: str, location: str, position, url, reason: str, detail: str) -> ReadFailure:
    return ReadFailure(document_id(source, location, position), source, url, reason,
                       f"{shown(location)}{detail}"[:500])


def _failure_reason(error: Exception, fileobj: IO[bytes], gzip_offset: int | None) -> str:
    # The exception alone misleads: warcio reads a member that fails to inflate on the first
    # block as uncompressed, so a corrupt member surfaces as "Invalid WARC record". Inflating
    # the member on its own tells a bad gzip from a bad record inside a good one.
    member = _inflate_member(fileobj, gzip_offset)[0] if gzip_offset is not None else "ok"
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


def _only_empty_members(fileobj: IO[bytes], offset: int, size: int) -> bool:
    """True when all from `offset` to the end are gzip members that inflate to nothing."""
    while offset < size:
        state, offset = _inflate_member(fileobj, offset)
        if state != "empty":
            return False
    return True


def _inflate_member(fileobj: IO[bytes], offset: int) -> tuple[str, int]:
    """('ok' | 'empty' | 'corrupt' | 'truncated', where the member ends) for the gzip member at
    `offset`, inflated alone ('empty': whole, and inflates to no bytes)."""
    fileobj.seek(max(offset, 0))
    if fileobj.read(len(_GZIP_MAGIC)) != _GZIP_MAGIC:
        return "corrupt", offset  # garbage where a member should start
    fileobj.seek(max(offset, 0))
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    empty = True
    while not inflater.eof:
        data = fileobj.read(CHUNK)
        if not data:
            return "truncated", offset
        try:
            # Bounded output per call: the member may be a gzip bomb.
            while data and not inflater.eof:
                if inflater.decompress(data, CHUNK):
                    empty = False
                data = inflater.unconsumed_tail
        except zlib.error:
            return "corrupt", offset
    return "empty" if empty else "ok", fileobj.tell() - len(inflater.unused_data)


def _find_next(fileobj: IO[bytes], magic: bytes, position: int, limit: int | None = None) -> int | None:
    """Offset of the next `magic` at or after `position` (and before `limit`), or None."""
    fileobj.seek(position)
    carry = b""
    base = position
    while limit is None or base < limit:
        chunk = fileobj.read(CHUNK)
        if not chunk:
            return None
        window = carry + chunk
        found = window.find(magic)
        if found >= 0:
            at = base - len(carry) + found
            return at if limit is None or at + len(magic) <= limit else None
        carry = window[-(len(magic) - 1):]
        base += len(chunk)
    return None
