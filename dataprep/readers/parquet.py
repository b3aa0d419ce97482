"""Parquet: any table with a text column, or a corpus in our own five-column schema."""

from __future__ import annotations

import json
import re
from typing import IO, Iterator

from dataprep.document import ARROW_SCHEMA, Document, document_id
from dataprep.readers.base import ReaderOptions, Record, failure, shown
from dataprep.readers.jsonl import row_to_document

_OWN_ID = re.compile(r"[0-9a-f]{32}")  # document_id(): 32 hex digits


def read_parquet(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """Rows of a Parquet file; a corrupt file or row group is a counted failure, not a crash."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(fileobj)
    except Exception as error:  # noqa: BLE001 - ArrowInvalid, OSError: not a readable Parquet file
        yield failure(source, location, "file", None, "read_corrupt_parquet", f": {type(error).__name__}: {error}")
        return
    names = set(parquet.schema_arrow.names)
    ours = set(ARROW_SCHEMA.names) <= names
    columns = ARROW_SCHEMA.names if ours else [
        c for c in (options.text_field, options.url_field, options.id_field) if c in names
    ]
    # One row group at a time: a batch spanning groups made a corrupt second group cost the good
    # rows of the first and every later group. Row numbers come from the footer's row counts,
    # so `row<n>` ids after a bad group are the ones a good file gives.
    first_row = 0
    for group in range(parquet.num_row_groups):
        batches = parquet.iter_batches(columns=columns, batch_size=1024, row_groups=[group])
        row_number = first_row
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception as error:  # noqa: BLE001 - a corrupt row group costs that group only
                yield failure(source, location, f"row{row_number}", None, "read_corrupt_parquet",
                              f" row group {group} from row {row_number}: {type(error).__name__}: {error}")
                break
            for row in batch.to_pylist():
                position, where = f"row{row_number}", f"#{row_number}"
                if ours:
                    yield _own_row(row, source, location, position, where, options)
                else:
                    yield row_to_document(row, source, location, position, where,
                                          {"source_file": shown(location), "row": row_number}, options)
                row_number += 1
        # max(): a footer that under-counts a group must not make two rows share an id.
        first_row = max(first_row + parquet.metadata.row_group(group).num_rows, row_number)


def _own_row(row: dict, source: str, location: str, position: str, where: str, options: ReaderOptions) -> Record:
    """A row with our five columns, usually a corpus dataprep wrote (deduplicated or tokenized
    again). Its id and metadata are kept when they are ours; another tool's file with the same
    column names gets a position id like any input, its own id kept as metadata.source_id."""
    url = row["url"] if isinstance(row["url"], str) else None
    if not isinstance(row["text"], str):
        return failure(source, location, position, url, "read_missing_text", f"{where}: text is not a string")
    if len(row["text"]) > options.max_record_bytes:
        return failure(source, location, position, url, "read_record_too_large",
                       f"{where}: {len(row['text'])} characters, over max_record_bytes={options.max_record_bytes}")
    raw = row["metadata"]
    # Our schema stores metadata as a JSON string; another tool's int or list column of that
    # name made json.loads raise TypeError and end the run.
    if raw is not None and not isinstance(raw, str):
        return failure(source, location, position, url, "read_bad_json",
                       f"{where}: metadata is {type(raw).__name__}, not a JSON string")
    try:
        metadata = json.loads(raw or "{}")
    except (ValueError, RecursionError) as error:
        return failure(source, location, position, url, "read_bad_json", f"{where}: metadata: {error}")
    if not isinstance(metadata, dict):
        return failure(source, location, position, url, "read_bad_json", f"{where}: metadata is not a JSON object")
    own_id = row["id"]
    if not (isinstance(own_id, str) and _OWN_ID.fullmatch(own_id)):
        metadata["source_id"] = str(own_id)
        own_id = document_id(source, location, position)
    keep = options.keep_source and isinstance(row["source"], str) and row["source"]
    return Document(id=own_id, text=row["text"], source=row["source"] if keep else source, url=url, metadata=metadata)
