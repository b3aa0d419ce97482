"""The Beam stage writes the same bytes as the CLI: FnApiRunner, 2 worker processes, Fn API."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

from dataprep.document import Document
from dataprep.cli.tokenize import tokenize_on_beam as run
from tokenizer import TokenizerError
from tokenizer.tokenize import TokenizeConfig

pytestmark = pytest.mark.slow

CONFIG = TokenizeConfig(shard_tokens=3000, seed=7)  # the `tokens` fixture's config


def same_files(a: Path, b: Path) -> bool:
    names = sorted(os.listdir(a))
    return names == sorted(os.listdir(b)) and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


@pytest.mark.parametrize("flags", [
    [],
    ["--direct_num_workers=2", "--direct_running_mode=multi_processing"],
    # Everything pickles and crosses the Fn API, as on Dataflow, Spark or Flink.
    ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"],
], ids=["fnapi", "two-processes", "portable"])
def test_beam_writes_the_cli_bytes(corpus, model, tokens, tmp_path, flags):
    manifest = run([str(corpus)], str(model), str(tmp_path / "beam"), CONFIG, flags)
    assert len(manifest["shards"]) > 3
    assert same_files(tmp_path / "beam", tokens)


def test_beam_resumes_and_refuses_mixed_outputs(corpus, model, tokens, tmp_path):
    # A finished output of the same config is left alone; another seed is refused.
    assert run([str(corpus)], str(model), str(tokens), CONFIG)["documents"] == 300
    with pytest.raises(TokenizerError, match="another config"):
        run([str(corpus)], str(model), str(tokens), TokenizeConfig(shard_tokens=3000, seed=1))


def test_worker_errors_come_back_as_one_line(tmp_path, model, kit):
    docs = kit.make_docs("web", 10, 0) + [Document(id=kit.our_id("blank"), text="", source="web")]
    kit.write_parquet(tmp_path / "c" / "web.parquet", docs)
    with pytest.raises(TokenizerError, match=f"^document {kit.our_id('blank')} has empty text") as error:
        run([str(tmp_path / "c")], str(model), str(tmp_path / "o"), CONFIG)
    assert "\n" not in str(error.value)
    manifest = run([str(tmp_path / "c")], str(model), str(tmp_path / "o2"), TokenizeConfig(skip_empty=True))
    assert manifest["skipped_empty_documents"] == 1 and manifest["documents"] == 10
