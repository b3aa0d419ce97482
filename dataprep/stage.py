"""The contract every document stage keeps, so one Beam wrapper serves them all.

A stage is plain Python: `apply` takes a Document and returns the Document to keep (maybe
changed) or a `Drop` with its reason. Heavy resources (models, word lists) load in
`setup()`, which the Beam wrapper calls once per worker, never at import or pickling.
"""

from __future__ import annotations

from dataprep.document import Document, Drop


class Stage:
    #: Stable snake-case name: the Beam label, the stats key and the prefix of drop reasons.
    name: str = ""

    def setup(self) -> None:
        """Load what `apply` needs. Called once per worker before the first document."""

    def apply(self, doc: Document) -> Document | Drop:
        raise NotImplementedError

    def teardown(self) -> None:
        """Release what `setup` took (child processes, file handles)."""

