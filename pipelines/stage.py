"""One Beam wrapper for every `dataprep` stage: run it, count it, route its drops.

Each stage yields three outputs:
- main: the kept Documents;
- `dropped`: the dropped record as a Document whose metadata says `drop_stage`, `drop_reason`;
- `stats`: one `((stage, outcome), (docs, chars_in, chars_out))` per input, where outcome is
  `kept` or the drop reason. The stats table is summed from these, so it is exact and the
  same on every runner; the Beam Metrics counters alongside are for watching a live job.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from dataprep.document import Document, Drop, RawPage
from dataprep.readers import ReadFailure
from dataprep.stage import Stage

DROPPED = "dropped"
STATS = "stats"
KEPT = "kept"


def size_of(record) -> int:
    """Characters of text, or bytes of an undecoded HTML payload."""
    if isinstance(record, RawPage):
        return len(record.payload)
    if isinstance(record, Document):
        return len(record.text)
    return 0


def dropped_document(record, stage: str, reason: str, detail: str | None = None) -> Document:
    """The audit form of a dropped record; undecoded payloads are not kept (their size is)."""
    text = record.text if isinstance(record, Document) else ""
    metadata = dict(getattr(record, "metadata", {}) or {})
    metadata.update(drop_stage=stage, drop_reason=reason)
    if detail:
        metadata["drop_detail"] = detail
    return Document(id=record.id, text=text, source=record.source, url=record.url, metadata=metadata)


class _Counters:
    def __init__(self, stage: str):
        self.stage = stage
        self.docs_in = Metrics.counter(stage, "docs_in")
        self.docs_out = Metrics.counter(stage, "docs_out")
        self.by_reason: dict[str, object] = {}

    def dropped(self, reason: str) -> None:
        if reason not in self.by_reason:
            self.by_reason[reason] = Metrics.counter(self.stage, reason)
        self.by_reason[reason].inc()


class StageDoFn(beam.DoFn):
    def __init__(self, stage: Stage):
        self.stage = stage

    def setup(self):
        self._counters = _Counters(self.stage.name)
        self.stage.setup()

    def teardown(self):
        self.stage.teardown()

    def process(self, record):
        counters = self._counters
        counters.docs_in.inc()
        chars_in = size_of(record)
        result = self.stage.apply(record)
        if isinstance(result, Drop):
            counters.dropped(result.reason)
            yield beam.pvalue.TaggedOutput(DROPPED, dropped_document(record, self.stage.name, result.reason))
            yield beam.pvalue.TaggedOutput(STATS, ((self.stage.name, result.reason), (1, chars_in, 0)))
            return
        counters.docs_out.inc()
        yield beam.pvalue.TaggedOutput(STATS, ((self.stage.name, KEPT), (1, chars_in, size_of(result))))
        yield result


class ApplyStage(beam.PTransform):
    """`records | ApplyStage(stage)` → a DoOutputsTuple with main, `dropped` and `stats`."""

    def __init__(self, stage: Stage):
        super().__init__(label=_camel(stage.name))
        self.stage = stage

    def expand(self, records):
        return records | "Run" >> beam.ParDo(StageDoFn(self.stage)).with_outputs(DROPPED, STATS, main="kept")


class SplitReadFailures(beam.DoFn):
    """Read output → records that parsed, plus read failures as drops and stats."""

    def setup(self):
        self._counters = _Counters("read")

    def process(self, record):
        self._counters.docs_in.inc()
        if isinstance(record, ReadFailure):
            self._counters.dropped(record.reason)
            yield beam.pvalue.TaggedOutput(DROPPED, dropped_document(record, "read", record.reason, record.detail))
            yield beam.pvalue.TaggedOutput(STATS, (("read", record.reason), (1, 0, 0)))
            return
        self._counters.docs_out.inc()
        size = size_of(record)
        yield beam.pvalue.TaggedOutput(STATS, (("read", KEPT), (1, size, size)))
        yield record


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
