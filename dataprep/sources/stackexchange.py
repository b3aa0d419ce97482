"""StackExchange: a site's `Posts.xml` → one Document per question, its answers sorted by score.

LLaMA-1 kept the 28 largest sites, removed HTML tags from the text and sorted answers by score,
highest first. Layout: "Q: <title>\\n\\n<question>\\n\\nA: <best answer>\\n\\nA: <next>…"; the site
name (from the dump's folder, `beer.stackexchange.com/Posts.xml`, or archive-style file name,
`beer.stackexchange.com-Posts.xml`) is metadata. Dumps ship as `.7z` archives: extract `Posts.xml`
first (`7z x site.7z Posts.xml`); the one maintained Python 7z library, py7zr, pulls in nine
compiled dependencies and only writes members to a sink, so it does not fit a streaming reader.

Grouping. Posts.xml is sorted by post Id, so a question's answers come after it but anywhere later
(an answer may come years, i.e. millions of rows, after its question). No bounded window of open
questions is safe, so the rows are spilled to an on-disk SQLite table while streaming and read back
grouped, answers ordered by (score desc, id): memory is SQLite's page cache (~2 MB) plus one post,
whatever the dump's size; disk is about the dump's size. It stays a plain file reader (one file =
one unit of work, no shuffle of post bodies), which is what a per-site dump is.
Answers whose question is not in the file (deleted) are `read_orphan_answer` failures.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import tempfile
from typing import IO, Iterator

import lxml.html
from lxml import etree

from dataprep.config import option
from dataprep.document import Document, document_id
from dataprep.readers.base import ReaderOptions, Record, failure, shown
from dataprep.sources import xmldump

QUESTION, ANSWER = "1", "2"  # PostTypeId; others (tag wikis, moderator nominations, …) are not Q&A
_BLOCK_TAGS = frozenset({"p", "pre", "blockquote", "div", "ul", "ol", "table", "hr",
                         "h1", "h2", "h3", "h4", "h5", "h6"})
_LINE_TAGS = frozenset({"li", "tr", "br", "dt", "dd"})
_BLANK_LINES = re.compile(r"\n{3,}")
_TAGS = re.compile(r"<([^<>]+)>|\|([^|]+)")  # "<python><xml>" (older dumps) or "|python|xml|" (2024+)


@dataclasses.dataclass(frozen=True)
class StackExchangeConfig:
    min_score: int | None = option(None, "Answers scoring below this are left out; None keeps every answer. "
                                         "A question is kept even when no answer is left.")
    site: str | None = option(None, "Site name (metadata.site and the URLs); None takes it from the file's "
                                    "folder or name, e.g. beer.stackexchange.com/Posts.xml.")


def html_to_text(body: str) -> str:
    """Text of a post body (an HTML fragment), paragraphs and list items on lines of their own."""
    if not body or not body.strip():
        return ""
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in _BLOCK_TAGS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
        elif tag in _LINE_TAGS:
            if tag == "li":
                element.text = "- " + (element.text or "")
            element.tail = "\n" + (element.tail or "")
        elif tag == "img" and element.get("alt"):
            element.tail = f"[{element.get('alt')}]" + (element.tail or "")
    lines = [line.rstrip() for line in root.text_content().replace("\xa0", " ").splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n").strip()


def site_of(location: str) -> str | None:
    """beer.stackexchange.com from …/beer.stackexchange.com/Posts.xml or beer.stackexchange.com-Posts.xml."""
    parts = location.replace("\\", "/").split("/")
    name = parts[-1].lower()
    if "-posts.xml" in name:
        return parts[-1][: name.index("-posts.xml")] or None
    if len(parts) > 1 and "." in parts[-2]:
        return parts[-2]
    return None


def read_stackexchange(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions,
                       config: StackExchangeConfig = StackExchangeConfig()) -> Iterator[Record]:
    """One Document per question of a Posts.xml (plain, gzip, zstd or bzip2)."""
    site = config.site or site_of(location)
    with tempfile.TemporaryDirectory(prefix="dataprep-se-") as folder:
        db = sqlite3.connect(os.path.join(folder, "posts.sqlite"))
        try:
            failures = list(_spill(fileobj, db, location, source, options))
            yield from failures
            if failures and failures[0].reason == "read_wrong_format":
                return
            yield from _threads(db, site, location, source, config)
        finally:
            db.close()


def _spill(fileobj, db: sqlite3.Connection, location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """Stream the rows into SQLite; yields the failures (a wrong root, a too-large post, a cut file)."""
    # A scratch database: no journal and no fsync (a crash loses nothing that a rerun needs).
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE TABLE question (id INTEGER PRIMARY KEY, score INTEGER, title TEXT, body TEXT, tags TEXT)")
    db.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, parent INTEGER, score INTEGER, body TEXT)")
    last_id = None
    try:
        for name, element in xmldump.elements(fileobj, "posts"):
            if name != "row":
                continue
            row = dict(element.attrib)
            xmldump.release(element)
            last_id = row.get("Id")
            record = _store(db, row, location, source, options)
            if record is not None:
                yield record
    except xmldump.OtherRoot as error:
        yield failure(source, location, "file", None, "read_wrong_format",
                      f": root element <{error}>, not a StackExchange Posts.xml <posts>")
        return
    except xmldump.errors() as error:
        yield failure(source, location, f"after-post{last_id}", None, "read_corrupt_stream",
                      f" after post {last_id}: {type(error).__name__}: {error}")
    db.execute("CREATE INDEX answer_order ON answer (parent, score DESC, id)")
    db.commit()


def _store(db, row: dict, location: str, source: str, options: ReaderOptions) -> Record | None:
    kind = row.get("PostTypeId")
    if kind not in (QUESTION, ANSWER):
        return None
    try:
        post_id, score = int(row["Id"]), int(row.get("Score") or 0)
        parent = int(row["ParentId"]) if kind == ANSWER else None
    except (KeyError, ValueError) as error:
        return failure(source, location, f"post{row.get('Id')}", None, "read_bad_post",
                       f": post {row.get('Id')}: {type(error).__name__}: {error}")
    body = row.get("Body") or ""
    if len(body) > options.max_record_bytes:
        return failure(source, location, f"post{post_id}", None, "read_record_too_large",
                       f": post {post_id} {len(body)} characters, over max_record_bytes={options.max_record_bytes}")
    if kind == QUESTION:
        db.execute("INSERT OR REPLACE INTO question VALUES (?, ?, ?, ?, ?)",
                   (post_id, score, row.get("Title") or "", body, row.get("Tags") or ""))
    else:
        db.execute("INSERT OR REPLACE INTO answer VALUES (?, ?, ?, ?)", (post_id, parent, score, body))
    return None


def _threads(db, site: str | None, location: str, source: str, config: StackExchangeConfig) -> Iterator[Record]:
    min_score = config.min_score
    answers_of = db.cursor()
    for question_id, score, title, body, tags in db.execute("SELECT * FROM question ORDER BY id"):
        position = f"question{question_id}"
        url = f"https://{site}/questions/{question_id}" if site else None
        answers = answers_of.execute(
            "SELECT id, score, body FROM answer WHERE parent = ? AND score >= ? ORDER BY score DESC, id",
            (question_id, min_score if min_score is not None else -(1 << 62)))
        try:
            parts = [f"Q: {title.strip()}\n\n{html_to_text(body)}".rstrip()]
            kept = []
            for answer_id, answer_score, answer_body in answers:
                parts.append(f"A: {html_to_text(answer_body)}".rstrip())
                kept.append(answer_id)
        except (etree.ParserError, ValueError) as error:
            yield failure(source, location, position, url, "read_bad_post",
                          f": question {question_id}: {type(error).__name__}: {error}")
            continue
        metadata = {"source_file": shown(location), "site": site, "question_id": question_id, "score": score,
                    "tags": [a or b for a, b in _TAGS.findall(tags)], "answer_ids": kept}
        yield Document(document_id(source, location, position), "\n\n".join(parts), source, url, metadata)
    orphans = db.execute("SELECT id, parent FROM answer WHERE parent NOT IN (SELECT id FROM question) ORDER BY id")
    for answer_id, parent in orphans:
        yield failure(source, location, f"post{answer_id}", None, "read_orphan_answer",
                      f": answer {answer_id} to question {parent}, which is not in the file")
