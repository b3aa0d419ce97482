"""The one router of kept/dropped/stats, and the Beam wrapper that runs any `dataprep` stage.

Every step that decides about documents (the `read` outcome, each stage, every dedup join)
routes through `Router`, so each yields the same three outputs:
- main: the kept Documents;
- `dropped`: the dropped record as a Document whose metadata says `drop_stage`, `drop_reason`
  (and `drop_detail`, plus the Drop's own fields);
- `stats`: one `((stage, outcome), (docs, chars_in, chars_out, kept_digest))` per input, where
  outcome is `kept` or the drop reason. The stats table is summed from these, so it is exact
  and the same on every runner; `kept_digest` is a 64-bit hash of the kept (id, text) that
  sums to a digest of everything the stage kept, whatever the order. The Beam Metrics
  counters alongside are for watching a live job (Dataflow's console); on a local run with
  progress on, `pipelines.progress` prints the same counts every few seconds.
"""

from __future__ import annotations

import hashlib

import apache_beam as beam
from apache_beam.metrics import Metrics

from dataprep.document import Document, Drop
from dataprep.stage import Stage
from pipelines import progress

DROPPED = "dropped"
STATS = "stats"
KEPT = "kept"


def kept_digest(doc: Document) -> int:
    """A 64-bit hash of (id, text); summed mod 2**64 over a stage's kept documents."""
    key = f"{doc.id}\x00{doc.text}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def dropped_document(record, stage: str, drop: Drop) -> Document:
    """The audit form of a dropped record; undecoded payloads are not kept (their size is)."""
    metadata = dict(getattr(record, "metadata", {}) or {})
    metadata.update(drop.fields)
    metadata.update(drop_stage=stage, drop_reason=drop.reason)
    if drop.detail:
        metadata["drop_detail"] = drop.detail
    text = getattr(record, "text", "")
    return Document(id=record.id, text=text, source=record.source, url=record.url, metadata=metadata)


def _size(record) -> int:
    return record.size() if isinstance(record, Document) else 0


class Router:
    """Counts one stage's outcomes and yields its tagged outputs; built in `DoFn.setup()`."""

    def __init__(self, stage: str):
        self.stage = stage
        self._docs_in = Metrics.counter(stage, "docs_in")
        self._docs_out = Metrics.counter(stage, "docs_out")
        self._by_reason: dict[str, object] = {}
        self._progress = progress.counter(stage)  # None unless a local run asked for progress

    def route(self, record, result: Document | Drop, chars_in: int | None = None):
        """`record` went in, `result` came out: yield the kept doc or the drop, and the stats."""
        self._docs_in.inc()
        if self._progress is not None:
            self._progress.count(not isinstance(result, Drop))
        chars_in = _size(record) if chars_in is None else chars_in
        if isinstance(result, Drop):
            if result.reason not in self._by_reason:
                self._by_reason[result.reason] = Metrics.counter(self.stage, result.reason)
            self._by_reason[result.reason].inc()
            yield beam.pvalue.TaggedOutput(DROPPED, dropped_document(record, self.stage, result))
            yield beam.pvalue.TaggedOutput(STATS, ((self.stage, result.reason), (1, chars_in, 0, 0)))
            return
        self._docs_out.inc()
        stats = (1, chars_in, _size(result), kept_digest(result))
        yield beam.pvalue.TaggedOutput(STATS, ((self.stage, KEPT), stats))
        yield result


class StageDoFn(beam.DoFn):
    def __init__(self, stage: Stage):
        self.stage = stage

    def setup(self):
        self._router = Router(self.stage.name)
        self.stage.setup()

    def teardown(self):
        self.stage.teardown()

    def process(self, record):
        yield from self._router.route(record, self.stage.apply(record))


class ApplyStage(beam.PTransform):
    """`records | ApplyStage(stage)` → a DoOutputsTuple with main (`kept`), `dropped` and `stats`."""

    def __init__(self, stage: Stage, label: str | None = None):
        super().__init__(label=label or camel(stage.name))
        self.stage = stage

    def expand(self, records):
        return records | "Run" >> beam.ParDo(StageDoFn(self.stage)).with_outputs(DROPPED, STATS, main=KEPT)


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
