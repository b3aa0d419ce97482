"""The one record type that flows through every stage, and its Arrow schema.

A `Document` is immutable: stages return a new one with `dataclasses.replace`, so a
record seen by one stage can never be changed under another (the TFDS C4 habit).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Mapping

import pyarrow as pa

# `metadata` is stored as one JSON string (sorted keys) so that any stage can add a
# field without a schema migration, and so that equal metadata is equal bytes.
ARROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=True),
        pa.field("metadata", pa.string(), nullable=False),
    ]
)


@dataclasses.dataclass(frozen=True)
class Document:
    id: str
    text: str
    source: str
    url: str | None = None
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # An HTML page before extraction: its undecoded bytes (the charset is decided later) and
    # the HTTP Content-Type, if the container had one. `extract` turns them into `text`; they
    # are never written to Parquet.
    payload: bytes | None = None
    content_type: str | None = None

    def size(self) -> int:
        """Characters of text, or bytes of a payload not yet extracted."""
        return len(self.payload) if self.payload is not None else len(self.text)

    def with_metadata(self, **fields: Any) -> "Document":
        return dataclasses.replace(self, metadata={**self.metadata, **fields})

    def to_row(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "url": self.url,
            "metadata": json.dumps(self.metadata, sort_keys=True, ensure_ascii=False),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Document":
        metadata = row.get("metadata") or "{}"
        return cls(
            id=row["id"],
            text=row["text"],
            source=row["source"],
            url=row.get("url"),
            metadata=json.loads(metadata) if isinstance(metadata, str) else dict(metadata),
        )


@dataclasses.dataclass(frozen=True)
class Drop:
    """A stage's verdict that a document goes no further, with a machine-readable reason.

    Reasons are `<stage>_<what>` in snake case (`gopher_short_doc`, `langid_low_score`), so a
    reason alone tells where it came from in the stats table.
    """

    reason: str
    detail: str | None = None  # free text for the audit row: what matched, where it broke
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # metadata for the audit row


def document_id(source: str, location: str, position: int | str) -> str:
    """A content-free, order-free id: the hash of where the record sits in its input.

    `location` is the file path relative to the input root, so moving a corpus to another
    bucket keeps every id; `position` is the record's byte offset or line number.
    """
    key = f"{source}\x00{location}\x00{position}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(key).hexdigest()[:32]
