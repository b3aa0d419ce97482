"""The mixture's core: the planner's arithmetic and refusals, the deterministic sampler, the
rehydration weights and the report, on literal corpora with known token counts."""

from __future__ import annotations

import math

import pytest

from dataprep.config import ConfigError, build
from dataprep.document import Document
from dataprep.mixture import (FINEWEB2_REHYDRATION, LLAMA1_MIXTURE, MixtureConfig, SourceMix, copies,
                              format_report, llama1_config, mixture_report, parse_count, plan_mixture,
                              rehydration_weight, token_budget)


def corpus(sizes: dict[str, tuple[int, int]]) -> dict[str, list[Document]]:
    """source → that many documents of that many tokens each (metadata.tokens)."""
    return {source: [Document(f"{source}-{i}", "x", source, metadata={"tokens": tokens}) for i in range(count)]
            for source, (count, tokens) in sizes.items()}


def sample(docs: dict[str, list[Document]], plan) -> dict[str, dict]:
    """The sampler applied in a plain loop: realised documents and tokens per source."""
    realised = {}
    for source, items in docs.items():
        epochs = plan.sources[source].epochs
        drawn = [copies(doc.id, plan.seed, epochs) for doc in items]
        realised[source] = {"documents": sum(drawn),
                            "tokens": sum(n * doc.metadata["tokens"] for n, doc in zip(drawn, items))}
    return realised


def token_counts(docs):
    return {source: sum(d.metadata["tokens"] for d in items) for source, items in docs.items()}


# --- planner: weights and epochs realised exactly ----------------------------------------------


def test_weights_and_epochs_are_realised_exactly_with_whole_epochs():
    # web 400 docs × 10 tokens = 4,000; wiki 100 × 20 = 2,000; books 50 × 40 = 2,000.
    docs = corpus({"web": (400, 10), "wiki": (100, 20), "books": (50, 40)})
    config = MixtureConfig(total_tokens=12_000, sources={"web": SourceMix(weight=0.4),
                                                         "wiki": SourceMix(epochs=2),
                                                         "books": SourceMix(weight=0.2)})
    plan = plan_mixture(config, token_counts(docs))
    # wiki is fixed at 2 × 2,000 = 4,000; web and books share the other 8,000 as 2 : 1.
    assert {n: s.target_tokens for n, s in plan.sources.items()} == {"web": 5_333, "wiki": 4_000, "books": 2_667}
    assert plan.total_tokens == 12_000
    whole = MixtureConfig(total_tokens=14_000, sources={"web": SourceMix(weight=0.2), "wiki": SourceMix(epochs=2),
                                                        "books": SourceMix(weight=0.3)})
    plan = plan_mixture(whole, token_counts(docs))
    assert {n: s.epochs for n, s in plan.sources.items()} == {"books": 3.0, "web": 1.0, "wiki": 2.0}
    realised = sample(docs, plan)
    assert realised == {"web": {"documents": 400, "tokens": 4_000}, "wiki": {"documents": 200, "tokens": 4_000},
                        "books": {"documents": 150, "tokens": 6_000}}
    report = mixture_report(plan, realised)
    assert report["total"] == {"target_tokens": 14_000, "realised_tokens": 14_000, "documents": 750}
    assert report["sources"]["books"]["realised_share"] == pytest.approx(3 / 7)
    assert report["sources"]["wiki"]["realised_epochs"] == 2.0


def test_plan_total_is_derived_from_the_epochs_sources():
    config = MixtureConfig(total_tokens="plan", sources={"wiki": SourceMix(epochs=2.5), "web": SourceMix(weight=0.75)})
    plan = plan_mixture(config, {"wiki": 1_000, "web": 10_000})
    # wiki: 2,500 tokens are the 25% the weights leave → total 10,000, web 7,500 = 0.75 epochs.
    assert plan.total_tokens == 10_000
    assert plan.sources["web"].target_tokens == 7_500 and plan.sources["web"].epochs == 0.75


def test_counts_are_parsed_with_suffixes_and_from_yaml():
    assert parse_count("1.4T", "x") == 1_400_000_000_000
    assert parse_count("6.7B", "x") == 6_700_000_000
    assert parse_count("1.4e12", "x") == parse_count(1.4e12, "x") == 1_400_000_000_000
    config = build(MixtureConfig, {"total_tokens": "500M", "rehydrate": True,
                                   "sources": {"web": {"weight": 1}}}, "mixture")
    assert config.total_tokens == 500_000_000 and config.rehydrate == FINEWEB2_REHYDRATION
    with pytest.raises(ConfigError, match=r"mixture.sources.web: unknown key 'weigth'"):
        build(MixtureConfig, {"sources": {"web": {"weigth": 1}}}, "mixture")
    with pytest.raises(ConfigError, match="expected a count such as 1.4T"):
        parse_count("lots", "total_tokens")


# --- infeasible targets: refused with the numbers -------------------------------------------


@pytest.mark.parametrize("sources, total, tokens, message", [
    ({"web": SourceMix(weight=0.9), "wiki": SourceMix(weight=0.1)}, 10_000, {"web": 10_000, "wiki": 200},
     r"mixture.sources.wiki: weight 0.1 of 10,000 tokens is 1,000 tokens, 5.00 epochs of its 200 tokens > "
     r"max_epochs 4.0 \(needs ≥ 250 source tokens"),
    ({"web": SourceMix(weight=0.9), "wiki": SourceMix(weight=0.1)}, 10_000, {"web": 10_000, "wiki": 0},
     r"mixture.sources.wiki: weight 0.1, but the source has 0 tokens \(sources with tokens: web\)"),
    ({"web": SourceMix(weight=0.7), "wiki": SourceMix(weight=0.4), "books": SourceMix(epochs=1)}, 10_000,
     {"web": 10_000, "wiki": 5_000, "books": 1_000},
     r"weights sum to 1.1 ≥ 1, leaving nothing for the epochs sources \(books: 1,000 tokens\)"),
    ({"web": SourceMix(weight=0.7), "wiki": SourceMix(weight=0.2)}, 10_000, {"web": 10_000, "wiki": 5_000},
     r"weights sum to 0.9, not 1 \(shares of the 10,000-token total\)"),
    ({"web": SourceMix(weight=0.5), "wiki": SourceMix(epochs=3)}, 10_000, {"web": 10_000, "wiki": 5_000},
     r"total_tokens: 10,000 < the 15,000 tokens the epochs sources take \(wiki\)"),
    ({"web": SourceMix(weight=1.0)}, 10_000, {"web": 10_000, "code": 3},
     r"source 'code' has 3 tokens but no weight or epochs"),
    ({"web": SourceMix(epochs=5)}, "plan", {"web": 10_000}, r"mixture.sources.web: epochs 5 > max_epochs 4.0"),
    ({"web": SourceMix(weight=1.0)}, "plan", {"web": 10_000}, r"`plan` derives the total from epochs sources"),
])
def test_infeasible_targets_are_refused_with_the_numbers(sources, total, tokens, message):
    with pytest.raises(ConfigError, match=message):
        plan_mixture(MixtureConfig(total_tokens=total, sources=sources), tokens)


def test_a_source_needs_a_weight_or_epochs_not_both():
    with pytest.raises(ConfigError, match="give weight or epochs, not both"):
        SourceMix(weight=0.5, epochs=1)
    with pytest.raises(ConfigError, match=r"weight: must be in \[0.0, 1.0\], got 1.5"):
        SourceMix(weight=1.5)


def test_weight_zero_leaves_a_source_out():
    plan = plan_mixture(MixtureConfig(total_tokens=100, sources={"web": SourceMix(weight=1.0),
                                                                 "spam": SourceMix(weight=0)}),
                        {"web": 100, "spam": 50})
    assert plan.sources["spam"].target_tokens == 0 and plan.sources["spam"].epochs == 0
    assert copies("spam-1", 0, plan.sources["spam"].epochs) == 0


# --- the sampler ---------------------------------------------------------------------------


def test_fractional_epochs_take_whole_passes_plus_a_hashed_sample():
    ids = [f"doc-{i}" for i in range(20_000)]
    drawn = [copies(i, 7, 2.45) for i in ids]
    assert set(drawn) == {2, 3}  # every document twice, some a third time
    extra = sum(n - 2 for n in drawn)
    # Binomial(20,000, 0.45): mean 9,000, σ = √(20,000 · 0.45 · 0.55) ≈ 70.4; 4σ ≈ 282.
    assert abs(extra - 9_000) < 4 * math.sqrt(20_000 * 0.45 * 0.55)
    assert drawn == [copies(i, 7, 2.45) for i in ids]  # the same seed, the same sample
    other = [copies(i, 8, 2.45) for i in ids]
    assert other != drawn and abs(sum(other) - sum(drawn)) < 8 * 70.4
    # A larger fraction is a superset: the pass-2 draw is compared with the fraction.
    assert all(copies(i, 7, 2.6) >= n for i, n in zip(ids, drawn))


def test_fractional_epochs_realise_the_target_within_the_binomial_spread():
    docs = corpus({"web": (10_000, 10), "wiki": (2_000, 10)})
    config = MixtureConfig(total_tokens=100_000, sources={"web": SourceMix(weight=0.7), "wiki": SourceMix(weight=0.3)})
    plan = plan_mixture(config, token_counts(docs))
    assert plan.sources["web"].epochs == 0.7 and plan.sources["wiki"].epochs == 1.5
    realised = sample(docs, plan)
    for source, count, fraction in (("web", 10_000, 0.7), ("wiki", 2_000, 0.5)):
        spread = math.sqrt(count * fraction * (1 - fraction))
        assert abs(realised[source]["documents"] - count * plan.sources[source].epochs) < 4 * spread
    report = mixture_report(plan, realised)
    assert abs(report["sources"]["web"]["realised_share"] - 0.7) < 0.005
    table = format_report(report)
    assert table.splitlines()[0].split()[:3] == ["source", "target", "tokens"]
    assert "wiki" in table and table.splitlines()[-1].startswith("total")


# --- rehydration ------------------------------------------------------------------------------


def test_rehydration_weights_follow_fineweb2():
    sizes = (1, 2, 3, 4, 5, 6, 100, 101, 1000, 5000)
    weights = {size: rehydration_weight(size, FINEWEB2_REHYDRATION) for size in sizes}
    assert weights == {1: 1, 2: 2, 3: 3, 4: 5, 5: 5, 6: 8, 100: 8, 101: 1, 1000: 1, 5000: 1}
    assert rehydration_weight(None, FINEWEB2_REHYDRATION) == 1.0  # never deduplicated
    assert rehydration_weight(50, None) == 1.0  # rehydration off
    with pytest.raises(ConfigError, match="rehydrate: cluster size 0"):
        MixtureConfig(sources={"web": SourceMix(epochs=1)}, rehydrate={0: 2})


# --- the LLaMA-1 table and budgets ------------------------------------------------------------


def test_the_llama1_table_is_reproduced_from_source_sizes_that_imply_it():
    # Source sizes as one would measure them: share × 1.4T / epochs, rounded to 0.1B tokens.
    sizes = {name: round(share * 1.4e12 / epochs, -8) for name, (share, epochs) in LLAMA1_MIXTURE.items()}
    plan = plan_mixture(llama1_config(), sizes)
    assert plan.total_tokens == 1_400_000_000_000
    for name, (share, epochs) in LLAMA1_MIXTURE.items():
        assert abs(plan.sources[name].target_tokens / plan.total_tokens - share) < 0.005
        assert plan.sources[name].epochs == pytest.approx(epochs, abs=0.01)  # the table's 2 decimals


def test_token_budgets_for_the_llama1_models():
    assert token_budget(7e9) == {"params": 7_000_000_000, "chinchilla_tokens": 140_000_000_000,
                                 "llama1_model": "7B", "llama1_params": 6_700_000_000,
                                 "llama1_tokens": 1_000_000_000_000}
    assert token_budget(parse_count("65B", "p"))["llama1_tokens"] == 1_400_000_000_000
    assert token_budget(30e9)["llama1_model"] == "33B"
    assert token_budget(13e9)["llama1_tokens"] == 1_000_000_000_000
