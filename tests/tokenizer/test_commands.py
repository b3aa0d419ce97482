"""The three subcommands: help, a train → tokenize → inspect session, one-line errors."""

from __future__ import annotations

import argparse

import pytest

from dataprep.cli import EXIT_USAGE, main
from dataprep.cli.tokenize import size

OPTIONS = {
    "train-tokenizer": ("--output", "--vocab-size", "--sample-bytes", "--seed", "--character-coverage",
                        "--normalization", "--collapse-whitespace", "--unk", "--bos", "--eos", "--pad",
                        "--user-symbols", "--max-sentence-bytes", "--threads", "--verbose"),
    "tokenize": ("--tokenizer", "--output", "--shard-tokens", "--seed", "--bos", "--dtype", "--skip-empty",
                 "--threads", "--no-progress", "--work-dir", "--keep-work", "--beam"),
    "inspect": ("--tokenizer", "--document", "--format", "--max-chars"),
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_lists_every_option(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS[command]:
        assert option in text


def test_train_tokenize_inspect(corpus, tmp_path, capsys, kit):
    assert main(["train-tokenizer", str(corpus), "--output", str(tmp_path / "tok"), "--vocab-size", "600",
                 "--threads", "1", "--sample-bytes", "10M"]) == 0
    out = capsys.readouterr().out
    assert "pieces: 600" in out and "coverage:" in out and "peak RSS" in out
    assert main(["tokenize", str(corpus), "--tokenizer", str(tmp_path / "tok" / "tokenizer.model"),
                 "--output", str(tmp_path / "tokens"), "--shard-tokens", "3k", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "documents: 300" in out and "(uint16)" in out
    assert main(["inspect", str(tmp_path / "tokens"), "--document", "0"]) == 0
    out = capsys.readouterr().out
    assert "documents: 300" in out and "dtype: uint16 (Megatron dtype code 8)" in out
    assert "source: web: 180 documents" in out and "source: code: 120 documents" in out
    decoded = out.split("-" * 72 + "\n", 1)[1].rstrip("\n")
    assert decoded and all(line in kit.SENTENCES or line.startswith(("\t", "}", "1\t")) for line in decoded.split("\n"))
    shard = sorted((tmp_path / "tokens").glob("*.idx"))[0]
    assert main(["inspect", str(shard), "--format", "megatron"]) == 0
    assert "Megatron .bin/.idx" in capsys.readouterr().out


def test_errors_are_one_line_with_status_2(corpus, tmp_path, capsys):
    cases = [
        ["inspect", str(tmp_path)],
        ["tokenize", str(corpus), "--tokenizer", str(tmp_path / "missing.model"), "--output", str(tmp_path / "o")],
        ["tokenize", str(tmp_path / "nothing"), "--tokenizer", "x", "--output", str(tmp_path / "o")],
        ["train-tokenizer", str(corpus), "--output", str(tmp_path / "t"), "--vocab-size", "50"],
        ["inspect", str(tmp_path), "--bogus"],
        ["tokenize", str(corpus), "--tokenizer", "x", "--output", "o", "--beam", "--no_such_beam_flag"],
    ]
    for argv in cases:
        assert main(argv) == EXIT_USAGE, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("dataprep: error: "), (argv, err)


def test_sizes():
    assert size("4096") == 4096 and size("200k") == 200_000 and size("50M") == 50_000_000
    assert size("1.5G") == 1_500_000_000 and size("100MB") == 100_000_000
    with pytest.raises(argparse.ArgumentTypeError):
        size("lots")
