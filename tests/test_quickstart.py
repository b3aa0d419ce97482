"""The README's quickstart, end to end: `dataprep run recipes/quickstart.yaml` on sample_data/.

Golden per-stage counts and kept digests live in tests/golden/quickstart_stats.json: a digest of
the (id, text) of every document a stage kept, so a change in extracted or cleaned text fails
here, not only a change of counts. When a deliberate change moves them (a new filter, new sample
data, another trafilatura), regenerate with
    DATAPREP_UPDATE_GOLDEN=1 python -m pytest tests/test_quickstart.py
and review the diff: every changed number should be explained by the change.
"""

from __future__ import annotations

import json
import os
import pathlib

import pyarrow.parquet as pq
import pytest

from dataprep.cli import main

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "quickstart_stats.json"
MANIFEST = json.loads((ROOT / "sample_data" / "MANIFEST.json").read_text())


def _counts(stats: dict) -> dict:
    """Documents per stage and per drop reason, and the digest of what each stage kept."""
    return {
        entry["stage"]: {
            "docs_in": entry["docs_in"],
            "docs_out": entry["docs_out"],
            "dropped": {reason: info["docs"] for reason, info in entry["dropped"].items()},
            "kept_digest": entry["kept_digest"],
        }
        for entry in stats["stages"]
    }


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    output = tmp_path_factory.mktemp("quickstart")
    assert main(["run", str(ROOT / "recipes" / "quickstart.yaml"), "--output", str(output)]) == 0
    return output


def test_per_stage_counts_match_golden(quickstart):
    counts = _counts(json.loads((quickstart / "stats.json").read_text()))
    if os.environ.get("DATAPREP_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(counts, indent=2) + "\n")
    assert counts == json.loads(GOLDEN.read_text())


def test_broken_records_are_counted_and_the_rest_is_read(quickstart):
    stats = _counts(json.loads((quickstart / "stats.json").read_text()))
    read_drops = stats["read"]["dropped"]
    assert read_drops.get("read_corrupt_gzip", 0) >= 1
    assert read_drops.get("read_bad_json", 0) >= 1 and read_drops.get("read_missing_text", 0) >= 1
    extract_drops = stats["extract"]["dropped"]
    assert extract_drops.get("extract_not_html", 0) >= 1 and extract_drops.get("extract_empty_payload", 0) >= 1
    # Every good WARC response in the manifest was read: broken records cost only themselves.
    assert stats["extract"]["docs_in"] >= MANIFEST["summary"]["web_pages"]


def test_every_dropped_document_has_a_stage_and_a_reason(quickstart):
    dropped = pq.read_table(quickstart / "dropped").to_pylist()
    stats = json.loads((quickstart / "stats.json").read_text())
    assert len(dropped) == sum(info["docs"] for entry in stats["stages"] for info in entry["dropped"].values())
    for row in dropped:
        metadata = json.loads(row["metadata"])
        assert metadata["drop_reason"].startswith(metadata["drop_stage"].split("_")[0])


def test_kept_documents_carry_language_and_are_in_wanted_languages(quickstart):
    recipe = json.loads((quickstart / "recipe.json").read_text())["recipe"]
    wanted = set(recipe["langid"]["languages"])
    kept = pq.read_table(quickstart / "web").to_pylist()
    assert kept, "the quickstart keeps some web pages"
    languages = {json.loads(row["metadata"])["lang"] for row in kept}
    assert languages <= wanted
    # Multilingual sample data: CJK pages are not all dropped as too short.
    assert {"zh", "ja"} & languages


def test_quickstart_ends_with_token_shards_of_every_kept_document(quickstart):
    from tokenizer.shards import TokenShards

    stats = json.loads((quickstart / "stats.json").read_text())
    manifest = json.loads((quickstart / "tokens" / "manifest.json").read_text())
    assert manifest["documents"] == stats["stages"][-1]["docs_out"]
    shards = TokenShards(str(quickstart / "tokens"))
    assert len(shards) == manifest["documents"]
    assert shards.num_tokens == manifest["tokens"] > 0
    assert (quickstart / "tokenizer" / "tokenizer.model").exists()


def test_the_quickstart_trains_a_quality_model_scores_every_page_and_reports_contamination(quickstart):
    metrics = json.loads((quickstart / "quality_model" / "metrics.json").read_text())
    assert metrics["roc_auc"] >= 0.8  # 0.94 on 18 held-out pages at the quickstart's settings
    kept = pq.read_table(quickstart / "web").to_pylist()
    scores = [json.loads(row["metadata"])["quality"]["sample"] for row in kept]
    assert len(scores) == len(kept) and all(0.0 <= score <= 1.0 for score in scores)
    contamination = json.loads((quickstart / "contamination.json").read_text())
    assert contamination["benchmarks"]["humaneval"]["examples"] == 164


def test_the_quickstart_trains_an_ngram_model_and_buckets_every_page_by_language(quickstart):
    settings = json.loads((quickstart / "lm_model" / "lm.json").read_text())
    assert settings["order"] == 5 and all(count > 0 for count in settings["ngrams"])
    cutoffs = json.loads((quickstart / "perplexity_stats.json").read_text())["cutoffs"]
    kept = [json.loads(row["metadata"]) for row in pq.read_table(quickstart / "web").to_pylist()]
    from dataprep.lm import bucket_of

    assert {metadata["perplexity_bucket"] for metadata in kept} == {"head", "middle", "tail"}
    for metadata in kept:  # every page's bucket follows its language's written cut-offs
        assert metadata["perplexity_bucket"] == bucket_of(metadata["perplexity"], cutoffs[metadata["lang"]])
