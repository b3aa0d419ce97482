"""Books preparer: Project Gutenberg plain-text books (the `gutenberg` input format) and their cleaning.

LLaMA-1 (§2 "Books"): the Gutenberg Project's public-domain books and Books3, deduplicated at the
book level, removing books with more than 90% content overlap; that near-duplicate rule already
exists as `dedup: {preset: books}`, which the books source lists after these stages.

Gutenberg wraps every book in a header (title, author, release date, the licence's short form)
ending at a `*** START OF THE PROJECT GUTENBERG EBOOK <TITLE> ***` line, and a footer starting at
`*** END OF THE PROJECT GUTENBERG EBOOK <TITLE> ***` followed by the full licence (~18 KB). Files
produced before ~2006 say THIS instead of THE, sometimes `EBOOK`/`ETEXT`/`E-BOOK`, and the oldest end
their header with `*END*THE SMALL PRINT! …*END*` and their text with `End of the Project Gutenberg
Etext of …`. The text itself is hard-wrapped at ~70 characters, paragraphs separated by blank lines.
"""

from __future__ import annotations

import dataclasses
import re
from typing import IO, Iterator

from dataprep.config import option
from dataprep.document import Document, Drop, document_id
from dataprep.readers.base import (
    ReaderOptions, Record, compression_of, decompressed_chunks, failure, peek, shown, stream_errors,
)
from dataprep.stage import Stage

BOOKS_NO_MARKERS = "books_no_gutenberg_markers"
BOOKS_EMPTY = "books_empty"

_START = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)[^\n]*"
    r"|\*END\*THE SMALL PRINT![^\n]*)$", re.IGNORECASE | re.MULTILINE)
_END = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)[^\n]*"
    r"|End of (?:the )?Project Gutenberg(?:'s)?[ \t]+(?:E-?(?:book|text)|Etext)?[^\n]*)$", re.IGNORECASE | re.MULTILINE)
_HEADER_FIELDS = {
    "title": re.compile(r"^Title:[ \t]*(.+)$", re.MULTILINE),
    "author": re.compile(r"^Author:[ \t]*(.+)$", re.MULTILINE),
    "language": re.compile(r"^Language:[ \t]*(.+)$", re.MULTILINE),
    "gutenberg_id": re.compile(r"\[E-?(?:Book|Text) #(\d+)\]", re.IGNORECASE),
}


def header_fields(text: str) -> dict:
    """Title, author, language and eBook number from a Gutenberg header (what is present)."""
    start = _START.search(text)
    head = text[: start.start()] if start else text[:5000]
    found = {}
    for name, pattern in _HEADER_FIELDS.items():
        match = pattern.search(head)
        if match:
            found[name] = match.group(1).strip()
    return found


def strip_gutenberg(text: str) -> str | None:
    """The book between the START and END markers, or None when neither marker is there.
    A file with only one of them (a cut download) keeps the side the marker says is the book."""
    start = _START.search(text)
    body_from = start.end() if start else 0
    end = _END.search(text, body_from)
    if start is None and end is None:
        return None
    return text[body_from: end.start() if end else len(text)]


_WRAP_HYPHEN = re.compile(r"(?<=[A-Za-z])-$")


def unwrap_paragraphs(text: str) -> str:
    """Hard-wrapped lines joined into one line per paragraph; paragraphs apart by one blank line.

    A paragraph with an indented line (verse, tables, a contents page, letters' addresses) is kept
    as it is: its line breaks carry meaning. A line ending in a word hyphen joins the next line
    without a space and keeps the hyphen: Gutenberg's transcribers keep only real compound hyphens
    at line ends ("well-" + "known"), so dropping it would make "wellknown". A line ending in
    Gutenberg's `--` dash also joins without a space.
    """
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if any(line[:1] in (" ", "\t") for line in lines):
            paragraphs.append("\n".join(lines))
            continue
        joined = lines[0]
        for line in lines[1:]:
            glue = "" if _WRAP_HYPHEN.search(joined) or joined.endswith("--") else " "
            joined += glue + line.strip()
        paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def read_gutenberg(fileobj: IO[bytes], path: str, location: str, source: str,
                   options: ReaderOptions) -> Iterator[Record]:
    """One plain-text book (.txt, or gzip/zstd-compressed) → one Document with its header fields."""
    data = bytearray()
    try:
        for chunk in decompressed_chunks(fileobj, compression_of(peek(fileobj))):
            data += chunk
            if len(data) > options.max_record_bytes:
                yield failure(source, location, 0, None, "read_record_too_large",
                              f": over max_record_bytes={options.max_record_bytes}")
                return
    except stream_errors() as error:
        yield failure(source, location, 0, None, "read_corrupt_stream", f": {type(error).__name__}: {error}")
        return
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        # Gutenberg files before ~2010 are ISO-8859-1 or ASCII ("Character set encoding:" in the
        # header); Latin-1 decodes any bytes, so a wrong guess garbles accents but never loses a book.
        text = bytes(data).decode("latin-1")
    yield Document(document_id(source, location, 0), text, source, None,
                   {"source_file": shown(location), **header_fields(text)})


@dataclasses.dataclass(frozen=True)
class GutenbergConfig:
    require_markers: bool = option(False, "Drop a text without Gutenberg START/END markers (true for a pure "
                                   "Gutenberg mirror); false keeps other plain-text books as they are.")
    unwrap: bool = option(True, "Join hard-wrapped lines into one line per paragraph.")


class Gutenberg(Stage):
    """Header and licence footer off, paragraphs unwrapped."""

    name = "books_gutenberg"

    def __init__(self, config: GutenbergConfig = GutenbergConfig()):
        self.config = config

    def apply(self, doc: Document) -> Document | Drop:
        body = strip_gutenberg(doc.text)
        if body is None:
            if self.config.require_markers:
                return Drop(BOOKS_NO_MARKERS)
            body = doc.text
        text = unwrap_paragraphs(body) if self.config.unwrap else body.strip()
        if not text.strip():
            return Drop(BOOKS_EMPTY)
        return dataclasses.replace(doc, text=text)
