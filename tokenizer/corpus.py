"""A corpus to train on or tokenize: Parquet in the Document schema, or JSON lines.

CORPUS arguments are files, globs or folders (local, or gs://, s3://, … through `dataprep.fs`),
expanded by `dataprep.inputs.expand` as every command expands its inputs: a folder means the
files below it, and a `dropped/` folder below a folder or a glob's fixed part is skipped
(`dataprep run` writes the documents it rejected there, next to the kept ones, and those must
not be trained on or tokenized; name its files explicitly, `out/dropped/*`, to read them).
Only .parquet and .jsonl (.gz, .zst) files are a corpus: a folder or glob skips the rest
(`dataprep run` writes stats.json and recipe.json beside its shards); a file named explicitly
with another extension is an error.

Each file is read by `dataprep.readers.read_records`, the one reader, so a document has the id
every other command gives it:
  - Parquet in our schema: the row's own id (ours: 32 hex digits, as `dataprep run` writes
    them) and its `source`. Another tool's Parquet, or ids that are not ours: position-derived
    ids (`document_id(source, file, "row<n>")`), the foreign id kept as metadata.source_id.
  - JSONL: `document_id(source, file, "line<n>")`.
Without a source of its own, a document's source is its file's folder name, as `dataprep run`
lays out `<output>/<source>/`. A record that cannot be read is a TokenizerError naming the file
and the reason: a tokenizer never drops text silently. The file list is sorted, so the reading
order is the same on every run.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from typing import Iterator

from dataprep import fs
from dataprep.inputs import FORMAT_SUFFIXES, InputFile, expand
from dataprep.readers import ReaderOptions, ReadFailure, read_records
from tokenizer import TokenizerError

#: .json and .ndjson are left out: in a `dataprep run` folder they are its reports, not documents.
CORPUS_SUFFIXES = FORMAT_SUFFIXES["parquet"] + tuple(s for s in FORMAT_SUFFIXES["jsonl"] if s.startswith(".jsonl"))
BATCH_ROWS = 1024
# Parquet in our schema keeps each row's `source` (a multi-source corpus in one folder).
_READER_OPTIONS = ReaderOptions(keep_source=True)


@dataclasses.dataclass
class DocBatch:
    """Up to BATCH_ROWS documents of one file, as parallel lists."""

    ids: list[str]
    sources: list[str]
    texts: list[str]


def is_corpus_file(path: str) -> bool:
    return path.lower().endswith(CORPUS_SUFFIXES)


def expand_corpus(patterns: list[str] | tuple[str, ...]) -> list[InputFile]:
    """Sorted corpus files (`InputFile`: path, location, size, format).

    A pattern that matches nothing is an `InputError` (from `dataprep.inputs.expand`) naming it.
    """
    files = expand(list(patterns), what="corpus")
    named = {raw if fs.is_remote(raw) else os.path.abspath(raw): raw for raw in patterns}
    for item in files:
        if item.path in named and not is_corpus_file(item.path):
            raise TokenizerError(f"{named[item.path]}: not a corpus file (expected {', '.join(CORPUS_SUFFIXES)})")
    files = [item for item in files if is_corpus_file(item.path)]
    if not files:
        raise TokenizerError(f"corpus {' '.join(map(str, patterns))}: no Parquet or JSONL files found")
    return files


def source_of(item: InputFile) -> str:
    """The source of a document that has none of its own: its file's folder name."""
    return posixpath.basename(posixpath.dirname(item.path)) or "corpus"


def read_batches(item: InputFile) -> Iterator[DocBatch]:
    """The documents of one file, in file order, BATCH_ROWS at a time."""
    batch = DocBatch([], [], [])
    # Opened as stored: the readers decompress .gz/.zst themselves and report a cut stream.
    with fs.open_read(item.path) as handle:
        for record in read_records(handle, item.path, item.location, source_of(item), item.format, _READER_OPTIONS):
            if isinstance(record, ReadFailure):
                raise TokenizerError(f"{item.path}: {record.reason}: {record.detail}")
            if item.format == "jsonl":  # Parquet strings are valid UTF-8 by construction
                try:
                    record.text.encode("utf-8")
                except UnicodeEncodeError:
                    # JSON may escape a lone surrogate ("\\ud800"); no tokenizer can encode it.
                    raise TokenizerError(f"{item.path}:{record.metadata.get('line')}: document {record.id} "
                                         "has text that is not valid Unicode (a lone surrogate)") from None
            batch.ids.append(record.id)
            batch.sources.append(record.source)
            batch.texts.append(record.text)
            if len(batch.ids) == BATCH_ROWS:
                yield batch
                batch = DocBatch([], [], [])
    if batch.ids:
        yield batch
