"""What to read: input declarations, the one extension → format table, and glob expansion.

Every command that reads a corpus (`run`, `dedup`, `train-tokenizer`, `tokenize`) expands its
patterns here, so a file gets the same location (the path below the inputs' common root, which
document ids hash) and the same format whichever command reads it. The file list is sorted,
so the graph and the reading order are the same on every run.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import posixpath
import re

from dataprep import fs
from dataprep.config import option
from dataprep.sources.code import CODE_SUFFIXES

#: Extensions per input format; jsonl files may also be .gz / .zst / .zstd compressed.
FORMAT_SUFFIXES = {
    "warc": (".warc", ".warc.gz", ".wet", ".wet.gz", ".arc", ".arc.gz"),
    "html": (".html", ".htm"),
    "jsonl": tuple(base + packed for base in (".jsonl", ".json", ".ndjson") for packed in ("", ".gz", ".zst", ".zstd")),
    "parquet": (".parquet",),
    # Before mediawiki: both are .xml, and format_of takes the first match.
    "stackexchange": tuple(base + packed for base in ("/posts.xml", "-posts.xml") for packed in ("", ".bz2", ".gz", ".zst")),
    "mediawiki": tuple(".xml" + packed for packed in ("", ".bz2", ".gz", ".zst")),
    # Per-source preparers (dataprep/sources/): a checkout's code files, Gutenberg books, arXiv
    # e-prints (after jsonl/warc/mediawiki, so `.json.gz` or `.xml.gz` never reads as an e-print:
    # arXiv names its files `<id>.gz` whatever they hold). code_export is JSONL/Parquet by content.
    "code_tree": CODE_SUFFIXES,
    "code_export": (),
    "gutenberg": (".txt", ".txt.gz", ".txt.zst"),
    "arxiv": (".tex", ".tex.gz", ".tar", ".tar.gz", ".tgz", ".gz"),
}
FORMATS = tuple(FORMAT_SUFFIXES)
#: `dataprep run` writes rejected documents here, beside the kept ones: never read as a corpus
#: when a folder or glob is given (name it explicitly to read it).
EXCLUDED_FOLDERS = ("dropped",)
_GLOB_CHARS = re.compile(r"[*?\[]")


class InputError(ValueError):
    """An input that cannot be read: nothing matches, a folder where files are needed; one line."""


@dataclasses.dataclass(frozen=True)
class InputConfig:
    source: str = option(help="Source name (web, wikipedia, books, ...): output folder and mixture key.")
    format: str = option(help=f"One of {', '.join(FORMATS)}.", choices=FORMATS)
    paths: tuple[str, ...] = option(
        help="Files or globs (local, gs://, s3://). warc: .warc/.warc.gz; html: .html files; "
        "jsonl: .jsonl/.jsonl.gz/.jsonl.zst; parquet: .parquet.")
    text_field: str = option("text", "jsonl/parquet: the text column.")
    url_field: str = option("url", "jsonl/parquet: the URL column.")
    id_field: str = option("id", "jsonl/parquet: the input's own id, kept as metadata.source_id.")


@dataclasses.dataclass(frozen=True)
class InputFile:
    path: str
    location: str  # the path below the inputs' common root: what document ids hash
    size: int  # bytes on storage (compressed)
    format: str | None  # from the extension; None when it says nothing


def format_of(path: str) -> str | None:
    lower = path.lower()
    for fmt, suffixes in FORMAT_SUFFIXES.items():
        if lower.endswith(suffixes):
            return fmt
    return None


def glob_root(pattern: str) -> str:
    """The folder above the first glob character: locations are relative to it."""
    head = _GLOB_CHARS.split(pattern, 1)[0]
    return head if head.endswith("/") else posixpath.dirname(head) + "/"


def _excluded(path: str, root: str) -> bool:
    below = path[len(root):] if path.startswith(root) else path
    return any(part in EXCLUDED_FOLDERS for part in below.split("/")[:-1])


def _broken_links(pattern: str) -> list[tuple[str, int]]:
    """Dangling symlinks and symlink loops a local glob matches, as (path, 0). `fs.match`
    keeps files only, so these vanished from the input without a trace; listed, they fail
    to open in the reader and are counted there (`read_unreadable_file`), one per link."""
    if fs.is_remote(pattern):
        return []  # object stores have no links
    return [(p, 0) for p in glob.glob(pattern, recursive=True) if os.path.islink(p) and not os.path.exists(p)]


def expand(patterns, what: str = "input", folders: bool = True) -> list[InputFile]:
    """Sorted files of `patterns` (files, globs with `**`, and folders when `folders`).

    A folder means every file below it whose extension names a format, except `dropped/`.
    A pattern that matches nothing is an `InputError` that names it.
    """
    if not patterns:
        raise InputError(f"{what}: no inputs given")
    found: dict[str, int] = {}
    roots = []
    for raw in patterns:
        pattern = raw if fs.is_remote(raw) else os.path.abspath(raw)
        if _GLOB_CHARS.search(pattern):
            root = glob_root(pattern)
            matches = [(p, s) for p, s in fs.match(pattern) + _broken_links(pattern) if not _excluded(p, root)]
        elif fs.is_folder(pattern):
            if not folders:
                raise InputError(f"{what}: {raw} is a folder; name its files, e.g. {raw.rstrip('/')}/*")
            root = pattern.rstrip("/") + "/"
            matches = [(p, s) for p, s in fs.match(root + "**") + _broken_links(root + "**")
                       if not _excluded(p, root) and format_of(p) is not None]
        else:
            root = posixpath.dirname(pattern) + "/"
            matches = fs.match(pattern)
        if not matches:
            raise InputError(f"{what}: no files match {raw}")
        found.update(matches)
        roots.append(root)
    root = posixpath.commonprefix(roots)
    root = root[: root.rfind("/") + 1]
    return [InputFile(path, path[len(root):] if path.startswith(root) else path, found[path], format_of(path))
            for path in sorted(found)]
