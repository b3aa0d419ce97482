"""`dataprep dedup`: how the command turns its arguments into inputs (the pipeline itself is
tested in tests/pipelines/test_dedup.py)."""

from __future__ import annotations

import pytest


def test_dedup_command_reads_a_folder_as_its_parquet_shards(tmp_path):
    import argparse

    from dataprep.cli.corpus import input_configs
    from dataprep.cli.errors import UsageError

    args = argparse.Namespace(inputs=[str(tmp_path), "more/*.jsonl.gz"], format="auto", source="corpus",
                              text_field="text", url_field="url", id_field="id")
    configs = {config.format: config.paths for config in input_configs(args)}
    assert configs == {"parquet": (f"{tmp_path}/*.parquet",), "jsonl": ("more/*.jsonl.gz",)}
    args.inputs = ["corpus.txt"]
    with pytest.raises(UsageError, match="--format"):
        input_configs(args)
