"""The planner: per source target tokens and epochs from a MixtureConfig and the sources' sizes.

Rules (checked before any expensive work, each failure a one-line ConfigError with the numbers):
- an `epochs` source contributes epochs × its tokens, fixed;
- `weight` sources are shares of the mixture's total. With a numeric total and no epochs
  sources the weights must sum to 1; with epochs sources they must sum to < 1 and are scaled to
  fill whatever the epochs sources leave (the total minus their tokens). With `total_tokens: plan`
  the total is what makes the weights exact: epochs tokens / (1 − Σ weights);
- every source in the mixture has tokens, no source repeats more than `max_epochs` times, and
  every source with tokens is named (weight 0 leaves one out on purpose).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

from dataprep.config import ConfigError
from dataprep.mixture.config import MixtureConfig, SourceMix

#: LLaMA-1 (Touvron et al. 2023, Table 1): source → (share of the 1.4T tokens, epochs), under the
#: source names of this project.
LLAMA1_MIXTURE = {
    "web": (0.670, 1.10),  # CommonCrawl
    "c4": (0.150, 1.06),
    "code": (0.045, 0.64),  # GitHub
    "wikipedia": (0.045, 2.45),
    "books": (0.045, 2.23),
    "arxiv": (0.025, 1.06),
    "stackexchange": (0.020, 1.03),
}
LLAMA1_TOTAL_TOKENS = 1_400_000_000_000

#: LLaMA-1's models (the seed table): name → (parameters, training tokens).
LLAMA1_MODELS = {
    "7B": (6.7e9, 1.0e12),
    "13B": (13.0e9, 1.0e12),
    "33B": (32.5e9, 1.4e12),
    "65B": (65.2e9, 1.4e12),
}
#: Chinchilla (Hoffmann et al. 2022): compute-optimal training uses ≈ 20 tokens per parameter.
CHINCHILLA_TOKENS_PER_PARAM = 20

# Weights are written by hand to 3 decimals (0.670 + 0.150 + … = 1.000); a sum within this of 1 is 1.
_WEIGHT_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class SourcePlan:
    source_tokens: int  # tokens in the cleaned source (rehydrated when the config rehydrates)
    target_tokens: int
    epochs: float  # target / source tokens: what the sampler repeats each document by
    weight: float | None  # the config's weight, or None for an epochs source


@dataclasses.dataclass(frozen=True)
class MixturePlan:
    total_tokens: int
    sources: dict[str, SourcePlan]
    seed: int
    max_epochs: float
    rehydrate: dict[int, float] | None

    def to_dict(self) -> dict:
        return {
            "total_tokens": self.total_tokens,
            "seed": self.seed,
            "max_epochs": self.max_epochs,
            "rehydrate": None if self.rehydrate is None else {str(k): v for k, v in self.rehydrate.items()},
            "sources": {name: dataclasses.asdict(plan) for name, plan in self.sources.items()},
        }


def llama1_config(total_tokens=LLAMA1_TOTAL_TOKENS, **overrides) -> MixtureConfig:
    """The LLaMA-1 weights as a MixtureConfig (web, c4, code, wikipedia, books, arxiv, stackexchange)."""
    sources = {name: SourceMix(weight=share) for name, (share, _) in LLAMA1_MIXTURE.items()}
    return MixtureConfig(total_tokens=total_tokens, sources=sources, **overrides)


def token_budget(params: float) -> dict:
    """Training tokens for a model of `params` parameters: Chinchilla's 20 per parameter, and the
    choice LLaMA-1 made for the model of its table nearest in size (log scale)."""
    if not params > 0:
        raise ConfigError(f"params: expected a parameter count > 0, got {params!r}")
    name, (llama_params, llama_tokens) = min(
        LLAMA1_MODELS.items(), key=lambda item: abs(math.log(item[1][0] / params)))
    return {
        "params": int(params),
        "chinchilla_tokens": int(round(CHINCHILLA_TOKENS_PER_PARAM * params)),
        "llama1_model": name,
        "llama1_params": int(llama_params),
        "llama1_tokens": int(llama_tokens),
    }


def plan_mixture(config: MixtureConfig, source_tokens: Mapping[str, int]) -> MixturePlan:
    """Per source target tokens and epochs; a ConfigError naming the numbers if infeasible."""
    tokens = {name: int(count) for name, count in source_tokens.items()}
    unnamed = sorted(name for name, count in tokens.items() if count > 0 and name not in config.sources)
    if unnamed:
        raise ConfigError(f"mixture.sources: source {unnamed[0]!r} has {tokens[unnamed[0]]:,} tokens but no weight "
                          f"or epochs (give it one, or weight: 0 to leave it out)")
    for name, mix in config.sources.items():
        wanted = mix.epochs if mix.epochs is not None else mix.weight
        if wanted and tokens.get(name, 0) <= 0:
            what = f"weight {mix.weight}" if mix.epochs is None else f"epochs {mix.epochs}"
            having = ", ".join(sorted(n for n, c in tokens.items() if c > 0)) or "none"
            raise ConfigError(f"mixture.sources.{name}: {what}, but the source has 0 tokens "
                              f"(sources with tokens: {having})")
        if mix.epochs is not None and mix.epochs > config.max_epochs:
            raise ConfigError(f"mixture.sources.{name}: epochs {mix.epochs} > max_epochs {config.max_epochs}")
    fixed = {name: round(mix.epochs * tokens.get(name, 0)) for name, mix in config.sources.items()
             if mix.epochs is not None}
    weights = {name: mix.weight for name, mix in config.sources.items() if mix.weight is not None}
    fixed_total = sum(fixed.values())
    weight_sum = math.fsum(weights.values())
    total = _total(config, fixed, fixed_total, weights, weight_sum)
    rest = total - fixed_total
    targets = dict(fixed)
    for name, weight in weights.items():
        if fixed:
            targets[name] = round(rest * weight / weight_sum) if weight_sum > 0 else 0
        else:
            targets[name] = round(total * weight)
    sources = {}
    for name in sorted(config.sources):
        count = tokens.get(name, 0)
        epochs = targets[name] / count if count else 0.0
        if epochs > config.max_epochs * (1 + 1e-9):
            mix = config.sources[name]
            raise ConfigError(
                f"mixture.sources.{name}: weight {mix.weight} of {total:,} tokens is {targets[name]:,} tokens, "
                f"{epochs:.2f} epochs of its {count:,} tokens > max_epochs {config.max_epochs} (needs ≥ "
                f"{math.ceil(targets[name] / config.max_epochs):,} source tokens, or a smaller weight or total)")
        sources[name] = SourcePlan(count, targets[name], epochs, config.sources[name].weight)
    return MixturePlan(sum(targets.values()), sources, config.seed, config.max_epochs, config.rehydrate)


def _total(config: MixtureConfig, fixed: dict, fixed_total: int, weights: dict, weight_sum: float) -> int:
    names = ", ".join(sorted(fixed))
    if fixed and weights and weight_sum >= 1 - _WEIGHT_TOLERANCE:
        raise ConfigError(f"mixture.sources: weights sum to {weight_sum:g} ≥ 1, leaving nothing for the epochs "
                          f"sources ({names}: {fixed_total:,} tokens); weights are shares of the total")
    if config.total_tokens == "plan":
        if not fixed:
            raise ConfigError("mixture.total_tokens: `plan` derives the total from epochs sources and there are "
                              "none; give a count (`dataprep plan --params 7B` suggests one)")
        return round(fixed_total / (1 - weight_sum)) if weights else fixed_total
    total = config.total_tokens
    if not fixed and abs(weight_sum - 1) > _WEIGHT_TOLERANCE:
        raise ConfigError(f"mixture.sources: weights sum to {weight_sum:g}, not 1 (shares of the "
                          f"{total:,}-token total)")
    if fixed_total > total:
        raise ConfigError(f"mixture.total_tokens: {total:,} < the {fixed_total:,} tokens the epochs sources take "
                          f"({names})")
    if fixed and weights and fixed_total == total and weight_sum > 0:
        raise ConfigError(f"mixture.total_tokens: the epochs sources ({names}) take all {total:,} tokens, "
                          f"leaving nothing for the weighted ones")
    if fixed and not weights and fixed_total != total:
        raise ConfigError(f"mixture.total_tokens: {total:,}, but the epochs sources ({names}) give {fixed_total:,} "
                          f"(use total_tokens: plan, or a weighted source to fill the rest)")
    return total
