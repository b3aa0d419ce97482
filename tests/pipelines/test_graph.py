"""The front-half graph on real Beam runners: what is kept, what is dropped and why, and
byte-identical files whatever the runner or worker count."""

from __future__ import annotations

import dataclasses
import json

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from dataprep.cli.run import corpus_graph
from pipelines.graph import front_half

pytestmark = pytest.mark.slow

KEPT_URLS = ["https://example.org/valley", "https://example.org/valley-copy"]


def test_front_half_keeps_good_pages_and_gives_every_drop_a_reason(tiny_recipe):
    recipe = tiny_recipe()
    with test_pipeline.TestPipeline(runner=FnApiRunner()) as pipeline:
        result = front_half(pipeline, corpus_graph(recipe))
        assert_that(result.kept | beam.Map(lambda doc: doc.url), equal_to(KEPT_URLS), label="Kept")
        assert_that(
            result.dropped | beam.Map(lambda doc: (doc.url, doc.metadata["drop_stage"], doc.metadata["drop_reason"])),
            equal_to(
                [
                    (None, "read", "read_corrupt_gzip"),
                    ("https://example.org/logo.png", "extract", "extract_not_html"),
                    ("https://example.org/junk", "langid", "langid_low_score"),
                    ("https://example.de/dorf", "langid", "langid_unwanted_language"),
                ]
            ),
            label="Dropped",
        )
        assert_that(
            result.kept | beam.Map(lambda doc: (doc.metadata["lang"], doc.metadata["charset"])),
            equal_to([("en", "utf-8"), ("en", "utf-8")]),
            label="Metadata",
        )


@pytest.fixture(scope="module")
def default_run(tiny_recipe, tmp_path_factory, run_and_hash):
    """One in-process run of the tiny recipe, shared by the tests that read its outputs."""
    output = tmp_path_factory.mktemp("default") / "run"
    return output, run_and_hash(tiny_recipe(), output)


def test_outputs_are_complete_and_readable(default_run):
    output, digests = default_run
    assert sorted(digests) == [
        "_done/corpus.json",
        "dropped/dropped-00000-of-00002.parquet",
        "dropped/dropped-00001-of-00002.parquet",
        "recipe.json",
        "stats.json",
        "web/web-00000-of-00002.parquet",
        "web/web-00001-of-00002.parquet",
    ]
    table = pq.read_table(output / "web")
    assert sorted(table.column("url").to_pylist()) == KEPT_URLS
    for shard in ("web-00000-of-00002.parquet", "web-00001-of-00002.parquet"):
        ids = pq.read_table(output / "web" / shard).column("id").to_pylist()
        assert ids == sorted(ids)

    stats = {entry["stage"]: entry for entry in json.loads((output / "stats.json").read_text())["stages"]}
    assert list(stats) == ["read", "harmful_urls", "extract", "langid", "harmful_words", "gopher_quality", "c4"]
    assert stats["read"]["docs_in"] == 6 and stats["read"]["dropped"] == {"read_corrupt_gzip": {"docs": 1, "chars": 0}}
    # Every stage's input is the previous stage's output.
    order = list(stats.values())
    for before, after in zip(order, order[1:]):
        assert after["docs_in"] == before["docs_out"]
    assert order[-1]["docs_out"] == 2


def test_datasets_reads_the_shards(default_run):
    import datasets

    output, _ = default_run
    dataset = datasets.load_dataset("parquet", data_dir=str(output / "web"), split="train")
    assert sorted(dataset["url"]) == KEPT_URLS
    assert all(json.loads(m)["lang"] == "en" for m in dataset["metadata"])


def test_two_worker_processes_write_the_same_bytes_as_one(default_run, tiny_recipe, tmp_path, run_and_hash):
    _, one = default_run
    two = run_and_hash(tiny_recipe(), tmp_path / "two",
                        ["--direct_num_workers=2", "--direct_running_mode=multi_processing"])
    assert one == two


def test_portable_runner_writes_the_same_bytes(default_run, tiny_recipe, tmp_path, run_and_hash):
    """The Fn API path Dataflow and Spark use: everything pickles and crosses the runner API."""
    _, direct = default_run
    portable = run_and_hash(
        tiny_recipe(), tmp_path / "portable",
        ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"]
    )
    assert direct == portable


def test_an_output_folder_is_not_shared_by_two_recipes(default_run, tiny_recipe, tmp_path, run_and_hash):
    import shutil

    from dataprep.outputs import OutputError

    output, digests = default_run
    shutil.copytree(output, tmp_path / "run")
    recipe = tiny_recipe()
    assert run_and_hash(recipe, tmp_path / "run", []) == digests  # the same recipe again: allowed
    stricter = dataclasses.replace(recipe, langid=dataclasses.replace(recipe.langid, threshold=0.9))
    with pytest.raises(OutputError, match="another recipe"):
        run_and_hash(stricter, tmp_path / "run", [])


def test_a_folder_given_as_an_input_is_a_clear_error(tiny_corpus):
    from dataprep.inputs import InputConfig, InputError
    from pipelines.read import expand_input

    with pytest.raises(InputError, match="is a folder"):
        expand_input(InputConfig(source="web", format="warc", paths=(str(tiny_corpus),)))


def test_rows_with_equal_ids_are_written_in_one_order(tmp_path):
    from dataprep.document import Document
    from pipelines.write import write_parquet

    twins = [Document(id="ab" * 16, text=text, source="web") for text in ("one", "two")]
    write_parquet(str(tmp_path / "a.parquet"), twins)
    write_parquet(str(tmp_path / "b.parquet"), twins[::-1])
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


@pytest.mark.parametrize("runner,local", [(None, True), ("DirectRunner", True), ("direct", True),
                                          ("SwitchingDirectRunner", True), ("DataflowRunner", False),
                                          ("PortableRunner", False)])
def test_every_spelling_of_the_direct_runner_stays_offline(runner, local):
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.options import is_local

    assert is_local(PipelineOptions([f"--runner={runner}"] if runner else [])) is local
