"""The quality stage on Beam: identical scores on every runner, the per-source top-fraction cut,
and re-thresholding written scores (a real fastText model trained on sample_data/quality)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from dataprep.document import ARROW_SCHEMA, Document
from dataprep.inputs import InputConfig
from dataprep.quality import QualityConfig, TrainConfig, get_score, keep_verdict, train
from pipelines.options import make_runner
from pipelines.quality import NUM_QUANTILES, SampleTrainingSet, build_standalone

pytestmark = pytest.mark.slow  # whole Beam pipelines

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "sample_data", "quality")


def sample_docs() -> list[Document]:
    docs = []
    for side in ("positive", "negative"):
        with gzip.open(os.path.join(SAMPLE, f"{side}.jsonl.gz"), "rt", encoding="utf-8") as handle:
            docs += [Document(id=row["id"], text=row["text"], source=side, url=row["url"]) for row in map(json.loads, handle)]
    return docs


def paragraphs(docs: list[Document]) -> list[Document]:
    """Every line of ≥ 20 characters as its own document (~2,900 real texts in one source): more
    than NUM_QUANTILES, so the approximate quantile path is the one taken."""
    out = []
    for doc in docs:
        for index, line in enumerate(line for line in doc.text.split("\n") if len(line) >= 20):
            out.append(Document(id=f"{doc.id}-{index}", text=line, source="lines"))
    return out


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    docs = sample_docs()
    train([(d.id, d.text) for d in docs if d.source == "positive"],
          [(d.id, d.text) for d in docs if d.source == "negative"], str(folder),
          TrainConfig(bucket=20_000, dim=32, heldout_fraction=0.25))
    return str(folder)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The sample documents (two sources) and their lines (a third), as our Document Parquet."""
    folder = tmp_path_factory.mktemp("corpus")
    docs = sample_docs() + paragraphs(sample_docs())
    pq.write_table(pa.Table.from_pylist([d.to_row() for d in docs], schema=ARROW_SCHEMA), folder / "docs.parquet")
    return [InputConfig(source="corpus", format="parquet", paths=(str(folder / "docs.parquet"),))], docs


def run(inputs, config, output, flags=()):
    options = PipelineOptions(list(flags))
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        paths = build_standalone(pipeline, inputs, config, str(output), shards=2)
    return paths


def read(folder) -> list[Document]:
    return [Document.from_row(row) for row in pq.read_table(str(folder)).to_pylist()] if os.path.isdir(folder) else []


def digests(folder) -> dict:
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


def test_scores_are_byte_identical_on_one_and_two_workers_and_the_portable_runner(model, corpus, tmp_path):
    inputs, docs = corpus
    config = QualityConfig(model=model, keep_top_fraction=0.1)
    run(inputs, config, tmp_path / "one")
    run(inputs, config, tmp_path / "two", ["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    run(inputs, config, tmp_path / "portable",
        ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"])
    one = digests(tmp_path / "one")
    assert one == digests(tmp_path / "two") == digests(tmp_path / "portable")
    assert "kept/kept-00001-of-00002.parquet" in one and "quality_stats.json" in one


def test_keep_top_fraction_keeps_a_tenth_of_each_source_within_the_quantile_error(model, corpus, tmp_path):
    inputs, docs = corpus
    paths = run(inputs, QualityConfig(model=model, keep_top_fraction=0.1), tmp_path)
    kept, dropped = read(tmp_path / "kept"), read(tmp_path / "dropped")
    assert len(kept) + len(dropped) == len(docs)  # nothing lost
    stats = json.loads(open(paths["quality_stats"]).read())["sources"]
    for source in ("positive", "negative", "lines"):
        total = sum(d.source == source for d in docs)
        n_kept = sum(d.source == source for d in kept)
        # The stated error: rank error 1/1001 of the source, plus the cut-off's own rank.
        assert abs(n_kept - 0.1 * total) <= total / NUM_QUANTILES + 1, (source, n_kept, total)
        cutoff = stats[source]["cutoff"]
        assert all(get_score(d, "fasttext") >= cutoff for d in kept if d.source == source)
        assert stats[source]["count"] == total and sum(stats[source]["histogram"]) == total
    assert sum(d.source == "lines" for d in docs) > NUM_QUANTILES
    assert {d.metadata["drop_reason"] for d in dropped} == {"quality_not_top_fraction"}
    assert all(isinstance(get_score(d, "fasttext"), float) for d in dropped)


def test_score_mode_drops_nothing_and_rethresholding_matches_filtering(model, corpus, tmp_path):
    inputs, docs = corpus
    run(inputs, QualityConfig(model=model, mode="score"), tmp_path / "scored")
    scored = read(tmp_path / "scored" / "kept")
    assert len(scored) == len(docs) and not read(tmp_path / "scored" / "dropped")
    for rule in ({"min_score": 0.5}, {"pareto": 9.0}):
        config = QualityConfig(model=model, **rule)
        run(inputs, config, tmp_path / str(rule))
        direct = {d.id for d in read(tmp_path / str(rule) / "kept")}
        later = {d.id for d in scored if keep_verdict(config, d.id, get_score(d, "fasttext")) is None}
        assert direct == later and 0 < len(direct) < len(docs), rule


def test_training_set_sampler_balances_both_sides_by_hash():
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from dataprep.quality.train import sample_key

    pos = [Document(id=f"p{i}", text="good", source="p") for i in range(50)]
    neg = [Document(id=f"n{i}", text="bad", source="n") for i in range(30)]
    expected_pos = sorted(pos, key=lambda d: (sample_key(d.id, 7), d.id))[:20]
    expected_neg = sorted(neg, key=lambda d: (sample_key(d.id, 7), d.id))[:20]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        sides = (pipeline | "P" >> beam.Create(pos), pipeline | "N" >> beam.Create(neg))
        got_pos, got_neg = sides | SampleTrainingSet(max_per_side=20, seed=7)
        assert_that(got_pos | "PId" >> beam.Map(lambda d: d.id), equal_to([d.id for d in expected_pos]), label="Pos")
        assert_that(got_neg | "NId" >> beam.Map(lambda d: d.id), equal_to([d.id for d in expected_neg]), label="Neg")
