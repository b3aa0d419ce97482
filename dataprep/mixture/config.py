"""What a mixture asks for: a token total, and per source a weight or a number of epochs."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Mapping

from dataprep.config import ConfigError, coerce, option, validate

#: FineWeb-2's rehydration: a kept document whose duplicate cluster had `dup_cluster_size`
#: members is repeated by the weight of the first key ≥ that size (1 → 1, 2 → 2, 3 → 3, 4–5 → 5,
#: 6–100 → 8, 101–1000 and beyond → 1): mid-sized clusters are upsampled, huge ones (boilerplate,
#: spam) are not.
FINEWEB2_REHYDRATION = {1: 1.0, 2: 2.0, 3: 3.0, 5: 5.0, 100: 8.0, 1000: 1.0}

_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)


def parse_count(value: Any, where: str) -> int:
    """A token or parameter count: 1400000000000, 1.4e12, "1.4e12", "1.4T", "6.7B", "500M"."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a count such as 1.4T or 6.7B, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _COUNT.match(str(value))
        if match is None:
            raise ConfigError(f"{where}: expected a count such as 1.4T, 6.7B or 2.5e9, got {value!r}")
        number = float(match.group(1)) * _SUFFIXES[match.group(2).upper()]
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{where}: expected a count ≥ 0, got {value!r}")
    return round(number)


@dataclasses.dataclass(frozen=True)
class SourceMix:
    """One source's part: a weight (share of the mixture's tokens) or epochs (passes over it)."""

    weight: float | None = option(None, "Share of the mixture's tokens (LLaMA-1 web: 0.67); 0 leaves the "
                                  "source out. Give weight or epochs, not both.", range=(0.0, 1.0))
    epochs: float | None = option(None, "Passes over this source (LLaMA-1 Wikipedia: 2.45 = every document "
                                  "twice plus a 45% sample). Its tokens are then fixed; weighted sources "
                                  "share the rest.", range=(0.0, None))

    def __post_init__(self):
        validate(self)
        if (self.weight is None) == (self.epochs is None):
            raise ConfigError(f"give weight or epochs, not {'both' if self.weight is not None else 'neither'}")


@dataclasses.dataclass(frozen=True)
class MixtureConfig:
    """The mixture: total tokens, per-source weight or epochs, and the guards around them."""

    total_tokens: Any = option("plan", "Tokens in the mixture: a count (1.4T, 1.4e12) or `plan`: derived "
                               "from the epochs sources (weighted sources then fill the rest of the total). "
                               "`dataprep plan --params 7B` suggests a count.")
    sources: dict[str, SourceMix] = option(factory=dict, help="Per source (by name): weight or epochs.")
    # Muennighoff et al. 2023 (Scaling Data-Constrained Language Models): up to ~4 epochs of
    # repeated data train about as well as unique data; beyond that returns fall off fast.
    max_epochs: float = option(4.0, "Refuse a plan that repeats any source more often than this.",
                               range=(0.0, None))
    seed: int = option(0, "Seed of the sample: which documents fill a fractional epoch.", range=(0, None))
    rehydrate: Any = option(None, "Upsample deduplicated documents by metadata.dup_cluster_size: true for "
                            "FineWeb-2's weights {1: 1, 2: 2, 3: 3, 5: 5, 100: 8, 1000: 1} (sizes up to each "
                            "key get its weight), a mapping of your own, or null (off).")

    def __post_init__(self):
        validate(self)
        if self.total_tokens != "plan":
            object.__setattr__(self, "total_tokens", parse_count(self.total_tokens, "total_tokens"))
        object.__setattr__(self, "rehydrate", _rehydration(self.rehydrate))
        if not self.sources:
            raise ConfigError("sources: name at least one source with a weight or epochs")


def _rehydration(value: Any) -> dict[int, float] | None:
    if value is None or value is False:
        return None
    if value is True:
        return dict(FINEWEB2_REHYDRATION)
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"rehydrate: expected true, null or a mapping of cluster size to weight, got {value!r}")
    weights = coerce(dict[int, float], dict(value), "rehydrate")
    for size, weight in weights.items():
        if size < 1 or not (weight >= 0 and math.isfinite(weight)):
            raise ConfigError(f"rehydrate: cluster size {size} → weight {weight}: sizes must be ≥ 1, weights ≥ 0")
    return dict(sorted(weights.items()))
