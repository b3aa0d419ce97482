"""The LSH curve: how bands × rows turn Jaccard similarity into a match probability.

Two documents of Jaccard J share at least one of b bands of r rows with probability
1 − (1 − J^r)^b; (b, r) for a target threshold are chosen as datasketch's MinHashLSH does.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from dataprep.dedup.config import MinHashConfig


def match_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard `similarity` share at least one band."""
    return 1.0 - (1.0 - similarity ** rows) ** bands


def curve_midpoint(bands: int, rows: int) -> float:
    """(1/b)^(1/r): where the S-curve is steepest, the usual "threshold" of b × r."""
    return (1.0 / bands) ** (1.0 / rows)


def _integral(f, lo: float, hi: float, steps: int = 100) -> float:
    width = (hi - lo) / steps
    return sum(f(lo + (i + 0.5) * width) for i in range(steps)) * width


@functools.lru_cache(maxsize=64)
def optimal_bands_rows(threshold: float, num_perm: int, fn_weight: float = 0.5) -> tuple[int, int]:
    """(b, r) with b·r ≤ num_perm minimizing the weighted false-positive + false-negative area.

    The criterion of datasketch's MinHashLSH: (1 − w)·∫₀ᵗ P(s) ds + w·∫ₜ¹ (1 − P(s)) ds, w =
    `fn_weight`. Equal weights put P(t) ≈ 0.5; when candidates are verified, false positives
    only cost a comparison, so `MinHashConfig` weights misses 0.9 (P(t + 0.05) ≈ 0.98).
    """
    best, best_error = (1, num_perm), math.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = ((1.0 - fn_weight) * _integral(lambda s: match_probability(s, bands, rows), 0.0, threshold)
                     + fn_weight * _integral(lambda s: 1.0 - match_probability(s, bands, rows), threshold, 1.0))
            if error < best_error - 1e-12:
                best, best_error = (bands, rows), error
    return best


def probability_table(bands: int, rows: int, steps: Iterable[float] | None = None) -> list[tuple[float, float]]:
    """[(J, P(candidate))] for J = 0.5, 0.55, ..., 1.0 (or `steps`)."""
    steps = steps if steps is not None else [round(0.5 + 0.05 * i, 2) for i in range(11)]
    return [(j, match_probability(j, bands, rows)) for j in steps]


def describe_lsh(config: MinHashConfig) -> list[str]:
    """Human lines: b × r, the cut, and the probability curve it implies."""
    bands, rows = config.bands_rows()
    lines = [f"MinHash LSH: {bands} bands × {rows} rows ({config.num_perm} permutations, {config.ngram}-gram "
             f"shingles, seed {config.seed}, {config.hash}); curve midpoint (1/b)^(1/r) = "
             f"{curve_midpoint(bands, rows):.3f}; verification cut "
             + (f"{config.cut():.3f}" if config.verify else "off"),
             "  P(candidate) = 1 - (1 - J^r)^b:"]
    lines += [f"    J = {j:.2f}  P = {p:.3f}" for j, p in probability_table(bands, rows)]
    return lines
