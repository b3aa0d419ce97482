"""Streaming XML dumps (MediaWiki pages-articles, StackExchange Posts.xml): decompression and iterparse.

Both dumps are one huge XML document (enwiki pages-articles: ~100 GB of XML; stackoverflow.com
Posts.xml: ~95 GB), so they are parsed as a stream of elements, each cleared after use, and memory
stays at one element whatever the file size. Compression is decided by magic bytes, like every
other reader: bzip2 (how Wikimedia ships dumps, multistream included), gzip, zstd or plain.
"""

from __future__ import annotations

import bz2
from typing import IO, Iterator

from lxml import etree

from dataprep.readers.base import CHUNK, compression_of, decompressed_chunks, peek, stream_errors

_BZIP2_MAGIC = b"BZh"


class ChunkStream:
    """A read(n)-only file over an iterator of byte chunks: what lxml's iterparse pulls from."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _bzip2_chunks(fileobj: IO[bytes]) -> Iterator[bytes]:
    """Every stream of a (multistream) bzip2 file, decompressed in bounded pieces.

    Wikimedia's `-multistream` dumps are ~100 pages per bzip2 stream, concatenated; a
    BZ2Decompressor ends at the first stream's end, so a new one takes over on `unused_data`.
    """
    decompressor, started = bz2.BZ2Decompressor(), False
    while data := fileobj.read(1 << 16):
        started = True
        while data:
            if decompressor.eof:
                decompressor = bz2.BZ2Decompressor()
            # max_length bounds each step's output: a bzip2 bomb never sits in memory whole.
            yield decompressor.decompress(data, CHUNK)
            while not decompressor.eof and not decompressor.needs_input:
                yield decompressor.decompress(b"", CHUNK)
            data = decompressor.unused_data if decompressor.eof else b""
    if started and not decompressor.eof:
        raise EOFError("compressed stream ends in the middle of a bzip2 stream")


def decompressed(fileobj: IO[bytes]) -> ChunkStream:
    head = peek(fileobj)
    if head.startswith(_BZIP2_MAGIC):
        return ChunkStream(_bzip2_chunks(fileobj))
    return ChunkStream(decompressed_chunks(fileobj, compression_of(head)))


def errors() -> tuple[type[BaseException], ...]:
    """What a cut or corrupt dump raises mid-stream: the records read so far stay."""
    return stream_errors() + (etree.XMLSyntaxError,)


def iterparse(stream: ChunkStream) -> Iterator[tuple[str, etree._Element]]:
    # No entity expansion and no network: a dump is untrusted input (billion laughs, XXE).
    # huge_tree: a single page's text can pass libxml2's 10 MB text-node limit (enwiki's
    # longest pages are ~1.5 MB of wikitext today; lists and tables grow).
    return etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True,
                           huge_tree=True, remove_comments=True, remove_pis=True)


class OtherRoot(Exception):
    """The dump's root element is not the one the reader expects; its name is the message."""


#: What `elements` yields first: the root element at its start tag (attributes only).
ROOT = ""


def elements(fileobj: IO[bytes], root: str) -> Iterator[tuple[str, etree._Element]]:
    """(ROOT, the root element) first, then (local name, element) of every element as it
    closes; OtherRoot when the dump's root is not <root> (a file declared as the wrong format)."""
    root_seen = False
    for event, element in iterparse(decompressed(fileobj)):
        name = local(element.tag)
        if event == "start":
            if not root_seen:
                root_seen = True
                if name != root:
                    raise OtherRoot(name)
                yield ROOT, element
            continue
        yield name, element


def local(tag) -> str:
    """'page' of '{http://www.mediawiki.org/xml/export-0.11/}page' (the namespace version varies)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def release(element: etree._Element) -> None:
    """Free an element that was handled, and its earlier siblings: memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
