"""A corpus to train on or tokenize: Parquet in the Document schema, or JSON lines.

CORPUS arguments are files, globs or folders (local, or gs://, s3://, … through Beam's
`FileSystems`; see `tokenizer.fs`). A folder means every .parquet / .jsonl / .jsonl.gz /
.jsonl.zst file below it. A `dropped/` folder below a folder or a glob's fixed part is skipped:
`dataprep run` writes the documents it rejected there, next to the kept ones, and those must
not be trained on or tokenized (name it explicitly, `out/dropped`, to read it).

Each document is (id, source, text):
  - Parquet: the `id`, `source` and `text` columns of `dataprep.document.ARROW_SCHEMA`. A file
    without `id` gets position-derived ids (`document_id(source, file, "row<n>")`, as
    `dataprep.readers` does); without `source`, the source is the file's folder name.
  - JSONL: `dataprep.readers.read_jsonl` (its ids: `document_id(source, file, "line<n>")`);
    the source is the file's folder name, as `dataprep run` lays out `<output>/<source>/`.
The file list is sorted, so reading order is the same on every run.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from typing import Iterator

from tokenizer import TokenizerError, fs

PARQUET_SUFFIXES = (".parquet",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd")
EXCLUDED_FOLDERS = ("dropped",)
_GLOB_CHARS = re.compile(r"[*?\[]")
BATCH_ROWS = 1024


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    path: str
    location: str  # the path below the inputs' common root: what derived ids hash
    size: int  # bytes on storage (compressed), for progress and the config identity
    format: str  # "parquet" or "jsonl"
    default_source: str  # used when a record carries no source: the folder name


@dataclasses.dataclass
class DocBatch:
    """Up to BATCH_ROWS documents of one file, as parallel lists."""

    ids: list[str]
    sources: list[str]
    texts: list[str]


def file_format(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def _normalize(path: str) -> str:
    return path if fs.is_remote(path) else os.path.abspath(path)


def _root_of(pattern: str) -> str:
    """The folder above the first glob character (or the folder itself): ids are relative to it."""
    head = _GLOB_CHARS.split(pattern, 1)[0]
    return head if head.endswith("/") else posixpath.dirname(head) + "/"


def expand_corpus(patterns: list[str] | tuple[str, ...]) -> list[CorpusFile]:
    """Sorted corpus files; a pattern that matches no readable file is an error that names it."""
    if not patterns:
        raise TokenizerError("no corpus given: pass Parquet/JSONL files, globs or folders")
    found: dict[str, int] = {}
    roots = []
    for raw in patterns:
        pattern = _normalize(raw)
        if _GLOB_CHARS.search(pattern):
            root = _root_of(pattern)
            matches = [(p, s) for p, s in fs.match(pattern) if not _excluded(p, root)]
        elif fs.is_folder(pattern):
            root = pattern.rstrip("/") + "/"
            matches = [(p, s) for p, s in fs.match(root + "**") if not _excluded(p, root)]
        else:
            matches = fs.match(pattern)
            if matches and file_format(pattern) is None:
                raise TokenizerError(f"{raw}: not a corpus file (expected {', '.join(PARQUET_SUFFIXES + JSONL_SUFFIXES)})")
            root = posixpath.dirname(pattern) + "/"
        matches = [(p, s) for p, s in matches if file_format(p) is not None]
        if not matches:
            raise TokenizerError(f"corpus {raw}: no Parquet or JSONL files found")
        found.update(matches)
        roots.append(root)
    root = posixpath.commonprefix(roots)
    root = root[: root.rfind("/") + 1]
    files = []
    for path in sorted(found):
        location = path[len(root):] if path.startswith(root) else path
        folder = posixpath.basename(posixpath.dirname(path)) or "corpus"
        files.append(CorpusFile(path, location, found[path], file_format(path), folder))
    return files


def _excluded(path: str, root: str) -> bool:
    """True below a `dropped/` folder under the pattern's root (rejected documents)."""
    below = path[len(root):] if path.startswith(root) else path
    parts = below.split("/")[:-1]
    return any(part in EXCLUDED_FOLDERS for part in parts)


def read_batches(corpus_file: CorpusFile) -> Iterator[DocBatch]:
    """The documents of one file, in file order, BATCH_ROWS at a time."""
    if corpus_file.format == "parquet":
        yield from _parquet_batches(corpus_file)
    else:
        yield from _jsonl_batches(corpus_file)


def _parquet_batches(corpus_file: CorpusFile) -> Iterator[DocBatch]:
    import pyarrow.parquet as pq

    from dataprep.document import document_id

    with fs.open_read(corpus_file.path) as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except Exception as error:  # pyarrow.ArrowInvalid and friends
            raise TokenizerError(f"{corpus_file.path}: not a readable Parquet file ({error})") from None
        names = parquet.schema_arrow.names
        if "text" not in names:
            raise TokenizerError(f"{corpus_file.path}: no 'text' column (columns: {', '.join(names)})")
        columns = [name for name in ("id", "source", "text") if name in names]
        row = 0
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            texts = batch.column("text").to_pylist()
            count = len(texts)
            if "id" in names:
                ids = [str(value) if value is not None else None for value in batch.column("id").to_pylist()]
            else:
                ids = [None] * count
            ids = [value if value is not None else
                   document_id(corpus_file.default_source, corpus_file.location, f"row{row + i}")
                   for i, value in enumerate(ids)]
            if "source" in names:
                sources = [value or corpus_file.default_source for value in batch.column("source").to_pylist()]
            else:
                sources = [corpus_file.default_source] * count
            for i, text in enumerate(texts):
                if not isinstance(text, str):
                    raise TokenizerError(f"{corpus_file.path}: row {row + i} (id {ids[i]}) has no text (null)")
            row += count
            yield DocBatch(ids, sources, texts)


def _jsonl_batches(corpus_file: CorpusFile) -> Iterator[DocBatch]:
    from dataprep.document import Document
    from dataprep.readers import ReaderOptions, read_jsonl

    batch = DocBatch([], [], [])
    # Opened as stored: read_jsonl decompresses .gz/.zst itself and reports a cut stream.
    with fs.open_read(corpus_file.path) as handle:
        for record in read_jsonl(handle, corpus_file.path, corpus_file.location, corpus_file.default_source,
                                 ReaderOptions()):
            if not isinstance(record, Document):
                raise TokenizerError(f"{corpus_file.path}: {record.reason}: {record.detail}")
            try:
                record.text.encode("utf-8")
            except UnicodeEncodeError:
                # JSON may escape a lone surrogate ("\\ud800"); no tokenizer can encode it.
                raise TokenizerError(f"{corpus_file.path}:{record.metadata.get('line')}: document {record.id} "
                                     "has text that is not valid Unicode (a lone surrogate)") from None
            batch.ids.append(record.id)
            batch.sources.append(record.source)
            batch.texts.append(record.text)
            if len(batch.ids) == BATCH_ROWS:
                yield batch
                batch = DocBatch([], [], [])
    if batch.ids:
        yield batch
