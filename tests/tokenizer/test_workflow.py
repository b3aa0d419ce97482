"""train_and_tokenize (the recipe's last step) on a folder laid out as `dataprep run` writes it."""

from __future__ import annotations

import json

from dataprep.cli.tokenize import train_and_tokenize
from tokenizer.tokenize import TokenizeConfig
from tokenizer.train import TrainConfig


def test_train_and_tokenize_a_run_output(tmp_path, kit):
    out = tmp_path / "quickstart"
    for source in ("web", "curated"):
        kit.write_parquet(out / source / f"{source}-00000-of-00002.parquet", kit.make_docs(source, 40, 0))
        kit.write_parquet(out / source / f"{source}-00001-of-00002.parquet", [])  # shards may be empty
    kit.write_parquet(out / "dropped" / "dropped-00000-of-00001.parquet", kit.make_docs("junk", 30, 0))
    (out / "stats.json").write_text("{}")

    model, tokens = train_and_tokenize(str(out), str(out), TrainConfig(vocab_size=600, threads=1),
                                       TokenizeConfig(shard_tokens=3000))
    assert model == str(out / "tokenizer" / "tokenizer.model")
    assert tokens == str(out / "tokens")
    manifest = json.loads((out / "tokens" / "manifest.json").read_text())
    training = (out / "tokenizer" / "training.json").read_bytes()
    assert manifest["documents_per_source"] == {"curated": 40, "web": 40}  # dropped/ is not tokenized
    assert json.loads(training)["corpus"]["documents"] == 80

    again = train_and_tokenize(str(out), str(out), TrainConfig(vocab_size=600, threads=1),
                               TokenizeConfig(shard_tokens=3000))
    assert again == (model, tokens)
    # Not retrained (training.json would record another time and peak RSS), not re-tokenized.
    assert json.loads((out / "tokens" / "manifest.json").read_text()) == manifest
    assert (out / "tokenizer" / "training.json").read_bytes() == training
