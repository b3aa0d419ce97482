"""The one router: kept, dropped and stats outputs of any stage, and the kept digest."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from dataprep.document import Document, Drop
from dataprep.stage import Stage
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage, kept_digest
from pipelines.write import stats_document, sum_stats


class DropsShort(Stage):
    name = "short"

    def apply(self, doc):
        if len(doc.text) < 5:
            return Drop("short_text", detail=f"{len(doc.text)} chars", fields={"length": len(doc.text)})
        return doc.with_metadata(checked=True)


DOCS = [Document(id=f"{i:032x}", text=text, source="web") for i, text in enumerate(["tiny", "long enough", "x"])]


def run_stage(docs):
    with test_pipeline.TestPipeline(runner=FnApiRunner()) as pipeline:
        result = pipeline | beam.Create(docs) | ApplyStage(DropsShort())
        assert_that(result[KEPT] | beam.Map(lambda d: (d.text, d.metadata["checked"])),
                    equal_to([("long enough", True)]), label="Kept")
        assert_that(
            result[DROPPED] | beam.Map(lambda d: (d.text, d.metadata["drop_stage"], d.metadata["drop_reason"],
                                                  d.metadata["drop_detail"], d.metadata["length"])),
            equal_to([("tiny", "short", "short_text", "4 chars", 4), ("x", "short", "short_text", "1 chars", 1)]),
            label="Dropped")
        totals = result[STATS] | beam.CombinePerKey(sum_stats)
        assert_that(totals, equal_to([(("short", "kept"), (1, 11, 11, kept_digest(DOCS[1].with_metadata()))),
                                      (("short", "short_text"), (2, 5, 0, 0))]), label="Stats")


def test_router_routes_kept_dropped_and_stats():
    run_stage(DOCS)


def test_kept_digest_is_order_free_and_sees_every_text_change():
    rows = lambda docs: [(("s", "kept"), (1, 0, 0, kept_digest(doc))) for doc in docs]  # noqa: E731
    digest = lambda docs: stats_document(["s"], rows(docs))["stages"][0]["kept_digest"]  # noqa: E731
    assert digest(DOCS) == digest(DOCS[::-1])
    changed = [DOCS[0], Document(DOCS[1].id, "long enough.", "web"), DOCS[2]]
    assert digest(changed) != digest(DOCS)
    renamed = [DOCS[0], Document("f" * 32, DOCS[1].text, "web"), DOCS[2]]
    assert digest(renamed) != digest(DOCS)
