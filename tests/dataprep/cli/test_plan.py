"""`dataprep plan`: budgets for the LLaMA-1 sizes, per-source plans from flags and from a real
token manifest, JSON output, and one-line errors with the numbers."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.cli import EXIT_USAGE, main
from dataprep.document import ARROW_SCHEMA, Document
from dataprep.mixture import LLAMA1_MIXTURE

# Source sizes that imply LLaMA-1's epochs at 1.4T: share × 1.4T / epochs, to 0.1B.
LLAMA1_SIZES = ",".join(f"{name}={share * 1400 / epochs:.1f}B" for name, (share, epochs) in LLAMA1_MIXTURE.items())


def test_a_budget_for_7b(capsys):
    assert main(["plan", "--params", "7B"]) == 0
    out = capsys.readouterr().out
    assert "Chinchilla (~20 tokens/parameter): 140,000,000,000 tokens" in out
    assert "LLaMA-1 7B (6.7B parameters): 1,000,000,000,000 tokens (1.0T)" in out


def test_llama1_weights_at_65b_give_the_table(capsys):
    assert main(["plan", "--params", "65B", "--llama1", "--source-tokens", LLAMA1_SIZES, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["budget"]["llama1_tokens"] == 1_400_000_000_000
    plan = result["plan"]
    assert plan["total_tokens"] == 1_400_000_000_000
    for name, (share, epochs) in LLAMA1_MIXTURE.items():
        assert abs(plan["sources"][name]["target_tokens"] / plan["total_tokens"] - share) < 0.005
        assert abs(plan["sources"][name]["epochs"] - epochs) < 0.01
    assert main(["plan", "--params", "65B", "--llama1", "--source-tokens", LLAMA1_SIZES]) == 0
    table = capsys.readouterr().out.splitlines()
    wikipedia = next(line for line in table if line.startswith("wikipedia"))
    assert wikipedia.split()[1:5] == ["25,700,000,000", "63,000,000,000", "4.50", "2.451"]


def test_chinchilla_budget_and_mixed_epochs(capsys):
    assert main(["plan", "--params", "1B", "--budget", "chinchilla", "--weights", "web=0.9",
                 "--epochs", "wiki=2", "--source-tokens", "web=30B,wiki=1B", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    # 20B total: wiki's 2 epochs fix 2B, web takes the other 18B.
    assert plan["total_tokens"] == 20_000_000_000
    assert plan["sources"]["web"]["target_tokens"] == 18_000_000_000
    assert plan["sources"]["web"]["epochs"] == 0.6


def test_source_sizes_from_a_finished_runs_token_manifest(tmp_path, capsys):
    from tokenizer.tokenize import tokenize_corpus
    from tokenizer.train import TrainConfig, train_tokenizer

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    docs = [Document(f"w{i}", f"The valley had {i} farms and a mill by the river.", "web") for i in range(40)] + \
           [Document(f"k{i}", f"def f{i}(x):\n\treturn x * {i}", "code") for i in range(20)]
    pq.write_table(pa.Table.from_pylist([d.to_row() for d in docs], schema=ARROW_SCHEMA), corpus / "docs.parquet")
    out = tmp_path / "out"
    train_tokenizer([str(corpus)], str(out / "tokenizer"), TrainConfig(vocab_size=300, threads=1), log=lambda _: None)
    manifest = tokenize_corpus([str(corpus)], str(out / "tokenizer" / "tokenizer.model"), str(out / "tokens"),
                               progress=False, log=lambda _: None)
    counts = manifest["tokens_per_source"]
    assert main(["plan", "--epochs", "web=1,code=2", "--corpus", str(out), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert {name: s["source_tokens"] for name, s in plan["sources"].items()} == counts
    assert plan["total_tokens"] == counts["web"] + 2 * counts["code"]


@pytest.mark.parametrize("argv, message", [
    (["--params", "7B", "--llama1", "--source-tokens", LLAMA1_SIZES.replace("wikipedia=25.7B", "wikipedia=5B")],
     "mixture.sources.wikipedia: weight 0.045 of 1,000,000,000,000 tokens is 45,000,000,000 tokens, 9.00 epochs "
     "of its 5,000,000,000 tokens > max_epochs 4.0"),
    (["--weights", "web=0.5,c4=0.6", "--total-tokens", "1T", "--source-tokens", "web=1T,c4=1T"],
     "mixture.sources: weights sum to 1.1, not 1"),
    (["--llama1", "--params", "7B"], "needs the sources' sizes: --source-tokens"),
    (["--weights", "web=lots", "--source-tokens", "web=1T"], "--weights: 'lots' is not a number"),
    (["--params", "many"], "--params: expected a count such as 1.4T"),
    (["--epochs", "web=1", "--corpus", "nowhere"], "no manifest.json"),
    ([], "give --params"),
])
def test_errors_are_one_line_with_the_numbers(argv, message, capsys):
    assert main(["plan", *argv]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("dataprep: error: ") and message in err and err.count("\n") == 1
