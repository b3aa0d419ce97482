"""Mixture sampling on real Beam runners: the same sample and realised counts on the pinned
direct runner, 2 worker processes and the PortableRunner; exact whole epochs; CountTokens with
rehydration."""

from __future__ import annotations

import json

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from dataprep.document import Document
from dataprep.mixture import FINEWEB2_REHYDRATION, MixtureConfig, SourceMix, copies, plan_mixture
from dataprep.mixture.sample import document_epochs
from pipelines.mixture import CountTokens, SampleMixture
from pipelines.options import make_runner

pytestmark = pytest.mark.slow  # whole Beam pipelines

TWO_WORKERS = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
PORTABLE = ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"]


def documents() -> list[Document]:
    """web: 600 docs of 5–14 tokens, some with duplicate clusters; wiki: 200 docs of 30 tokens."""
    web = [Document(f"web-{i}", f"page {i}", "web",
                    metadata={"tokens": 5 + i % 10, **({"dup_cluster_size": 1 + i % 7} if i % 3 == 0 else {})})
           for i in range(600)]
    wiki = [Document(f"wiki-{i}", f"article {i}", "wiki", metadata={"tokens": 30}) for i in range(200)]
    return web + wiki


def _save(rows, path):
    with open(path, "w") as handle:
        json.dump(rows, handle, sort_keys=True)


def run(docs, plan, path, flags=(), tokens=None) -> dict:
    """The sample's (id, pass, source) rows and realised counts, as a JSON file, read back."""
    options = PipelineOptions(list(flags))
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        result = pipeline | "Docs" >> beam.Create(docs) | "Mix" >> SampleMixture(plan, tokens=tokens)
        rows = result.documents | beam.Map(lambda d: [d.id, d.metadata["pass"], d.source])
        realised = result.realised | beam.Map(lambda kv: [kv[0], list(kv[1])])
        ((rows | "Rows" >> beam.combiners.ToList() | beam.Map(sorted)),
         (realised | "Realised" >> beam.combiners.ToList() | "SortR" >> beam.Map(sorted))) \
            | beam.Flatten() | beam.combiners.ToList() | beam.Map(lambda parts: _save(sorted(parts, key=len), path))
    with open(path) as handle:
        realised, rows = json.load(handle)
    return {"rows": rows, "realised": {source: tuple(counts) for source, counts in realised}}


def plan_for(docs, **sources):
    config = MixtureConfig(total_tokens="plan", seed=11, rehydrate=True, sources=sources)
    tokens = {}
    for doc in docs:
        tokens[doc.source] = tokens.get(doc.source, 0) + doc.metadata["tokens"]
    return plan_mixture(config, tokens)


def test_the_sample_is_identical_on_one_and_two_workers_and_the_portable_runner(tmp_path):
    docs = documents()
    plan = plan_for(docs, web=SourceMix(weight=0.6), wiki=SourceMix(epochs=2.45))
    one = run(docs, plan, tmp_path / "one.json")
    assert one == run(docs, plan, tmp_path / "two.json", TWO_WORKERS)
    assert one == run(docs, plan, tmp_path / "portable.json", PORTABLE)
    # …and it is the core's sampler, document by document, rehydration included.
    expected = sorted([doc.id if p == 0 else f"{doc.id}#{p}", p, doc.source] for doc in docs
                      for p in range(copies(doc.id, 11, document_epochs(doc, plan.sources[doc.source].epochs,
                                                                        FINEWEB2_REHYDRATION))))
    assert one["rows"] == expected
    wiki_docs = sum(1 for _, _, source in one["rows"] if source == "wiki")
    assert 2 * 200 < wiki_docs < 3 * 200  # every article twice, some a third time
    assert one["realised"]["wiki"] == (wiki_docs, 30 * wiki_docs)


def test_whole_epochs_are_realised_exactly_with_a_token_counter(tmp_path):
    docs = documents()
    plan = plan_mixture(MixtureConfig(total_tokens="plan", sources={"web": SourceMix(epochs=1),
                                                                    "wiki": SourceMix(epochs=3)}),
                        {"web": sum(len(d.text) for d in docs if d.source == "web"),
                         "wiki": sum(len(d.text) for d in docs if d.source == "wiki")})
    result = run(docs, plan, tmp_path / "out.json", tokens=lambda doc: len(doc.text))
    assert result["realised"] == {"web": (600, plan.sources["web"].target_tokens),
                                  "wiki": (600, plan.sources["wiki"].target_tokens)}
    assert sum(1 for row in result["rows"] if row[1] == 2) == 200  # the third pass of every article


def test_count_tokens_sums_per_source_with_rehydration(tmp_path):
    docs = documents()
    path = tmp_path / "counts.json"
    options = PipelineOptions([])
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        (pipeline | beam.Create(docs)
         | "Plain" >> CountTokens() | beam.combiners.ToList() | beam.Map(lambda rows: _save(sorted(rows), str(path))))
    assert {source: tuple(counts) for source, counts in json.loads(path.read_text())} == {
        "web": (600, sum(5 + i % 10 for i in range(600))), "wiki": (200, 6000)}
    weights = {1: 1, 2: 2, 3: 3, 4: 5, 5: 5, 6: 8, 7: 8}  # FineWeb-2's, for cluster sizes 1…7
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        (pipeline | beam.Create(docs)
         | "Rehydrated" >> CountTokens(rehydrate=FINEWEB2_REHYDRATION) | beam.combiners.ToList()
         | beam.Map(lambda rows: _save(sorted(rows), str(path))))
    rehydrated = sum((5 + i % 10) * (weights[1 + i % 7] if i % 3 == 0 else 1) for i in range(600))
    assert dict(json.loads(path.read_text()))["web"] == [600, rehydrated]


def test_a_document_without_a_token_count_is_named(tmp_path):
    docs = [Document("w", "text", "web")]
    plan = plan_mixture(MixtureConfig(total_tokens="plan", sources={"web": SourceMix(epochs=1)}), {"web": 1})
    with pytest.raises(Exception, match="document 'w': metadata tokens is None"):
        run(docs, plan, tmp_path / "x.json")
