"""`dataprep train-quality` and `dataprep quality` end to end on sample_data/quality, and their
one-line errors (the Beam graphs are tested in tests/pipelines/test_quality.py)."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
import pytest

from dataprep.cli import main

pytestmark = pytest.mark.slow  # runs the quality commands' Beam pipelines

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "sample_data", "quality")
POSITIVE, NEGATIVE = os.path.join(SAMPLE, "positive.jsonl.gz"), os.path.join(SAMPLE, "negative.jsonl.gz")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    assert main(["train-quality", "--positive", POSITIVE, "--negative", NEGATIVE, "--output", str(folder),
                 "--bucket", "20000", "--dim", "32", "--heldout-fraction", "0.25"]) == 0
    return folder


def test_train_quality_writes_the_model_metrics_and_the_sampled_training_set(model):
    metrics = json.loads((model / "metrics.json").read_text())
    # Measured: held-out ROC AUC 0.83 (ids from the JSONL reader decide the split).
    assert metrics["roc_auc"] >= 0.75
    assert metrics["documents"]["train"]["positive"] + metrics["documents"]["heldout"]["positive"] == 94
    assert (model / "model.bin").stat().st_size == metrics["model_bytes"]["model.bin"]
    assert pq.read_table(str(model / "training" / "positive")).num_rows == 94


def test_quality_command_filters_and_records_scores(model, tmp_path, capsys):
    assert main(["quality", POSITIVE, NEGATIVE, "--model", str(model), "--min-score", "0.5",
                 "--output", str(tmp_path), "--shards", "2"]) == 0
    assert "quality_classifier" in capsys.readouterr().out
    kept = pq.read_table(str(tmp_path / "kept")).to_pylist()
    dropped = pq.read_table(str(tmp_path / "dropped")).to_pylist()
    assert len(kept) + len(dropped) == 188
    assert all(json.loads(row["metadata"])["quality"]["fasttext"] >= 0.5 for row in kept)
    assert {json.loads(row["metadata"])["drop_reason"] for row in dropped} == {"quality_low_score"}
    stats = json.loads((tmp_path / "quality_stats.json").read_text())["sources"]
    assert sum(stats["corpus"]["histogram"]) == 188
    assert json.loads((tmp_path / "quality.json").read_text())["quality"]["min_score"] == 0.5


def test_score_mode_then_filtering_the_scored_output_gives_the_direct_result(model, tmp_path):
    assert main(["quality", POSITIVE, NEGATIVE, "--model", str(model / "model.bin"), "--mode", "score",
                 "--output", str(tmp_path / "scored"), "--quiet"]) == 0
    assert not pq.read_table(str(tmp_path / "scored" / "dropped")).num_rows if (tmp_path / "scored" / "dropped").exists() else True
    assert pq.read_table(str(tmp_path / "scored" / "kept")).num_rows == 188
    # The scored corpus (our schema: ids kept) filtered again gives what filtering directly gives.
    assert main(["quality", str(tmp_path / "scored" / "kept"), "--model", str(model), "--pareto", "9",
                 "--output", str(tmp_path / "again"), "--quiet"]) == 0
    assert main(["quality", POSITIVE, NEGATIVE, "--model", str(model), "--pareto", "9",
                 "--output", str(tmp_path / "direct"), "--quiet"]) == 0
    ids = {name: sorted(pq.read_table(str(tmp_path / name / "kept")).column("id").to_pylist())
           for name in ("again", "direct")}
    assert ids["again"] == ids["direct"] and 0 < len(ids["direct"]) < 188


@pytest.mark.parametrize("argv, message", [
    (["--min-score", "0.5", "--model", "MISSING"], "quality model not found"),
    (["--min-score", "0.5", "--label", "hq"], "'hq' is not a label"),
    (["--mode", "score", "--min-score", "0.5"], "--min-score: mode score writes scores only"),
    (["--min-score", "1.5"], "--min-score: must be in [0, 1]"),
    ([], "exactly one of min_score, keep_top_fraction, pareto"),
])
def test_quality_command_errors_are_one_line(model, tmp_path, capsys, argv, message):
    args = ["quality", POSITIVE, "--output", str(tmp_path)]
    args += argv if "--model" in argv else ["--model", str(model), *argv]
    args = [str(tmp_path / "missing.bin") if a == "MISSING" else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("dataprep: error: ") and message in err[-1]
    assert not (tmp_path / "kept").exists()
