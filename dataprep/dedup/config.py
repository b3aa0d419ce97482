"""Dedup settings: reasons and stage names, the config dataclasses, presets and recipe parsing.

Fields are declared with `dataprep.config.option` (help text, choices, ranges), so the YAML
docs, `--help` and validation come from one place; cross-field rules (bands and rows together,
bands × rows ≤ num_perm) are checked in `__post_init__`, which also runs for presets and
command-line overrides applied with `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from dataprep.config import ConfigError, option, override, validate
from dataprep.dedup.lsh import curve_midpoint, optimal_bands_rows

# --- reasons and stage names -------------------------------------------------------------

STAGE_EXACT = "dedup_exact"
STAGE_URL = "dedup_url"
STAGE_MINHASH = "dedup_minhash"
STAGE_LINES = "dedup_lines"

REASON_EXACT = "dedup_exact_duplicate"
REASON_URL = "dedup_url_duplicate"
REASON_MINHASH = "dedup_minhash_duplicate"
REASON_LINES_EMPTIED = "dedup_lines_emptied"

#: Written into every kept document: how many input documents it stands for (itself plus the
#: duplicates removed in its favour, each counted with its own `dup_cluster_size`), so that a
#: mixture can upsample by it.
CLUSTER_SIZE_FIELD = "dup_cluster_size"
#: Written into documents dropped as MinHash near-duplicates: the id of the document kept.
DUP_OF_FIELD = "dup_of"
#: Written into documents dropped as exact/URL duplicates: the hex key they share with the kept one.
DUP_KEY_FIELD = "dup_key"

KEEP_RULES = ("min_id", "max_score")
HASHES = ("xxh3", "sha1")
COMPONENT_METHODS = ("beam", "union_find")
LINE_UNITS = ("line", "paragraph")

# --- configuration -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExactConfig:
    normalize: bool = option(True, "Hash the normalized text (lowercase, NFKC, numbers → 0, punctuation removed, "
                             "whitespace collapsed) rather than the raw text.")


@dataclasses.dataclass(frozen=True)
class UrlConfig:
    normalize: bool = option(True, "Compare URLs with scheme and host lowercased and a default port removed; false "
                             "compares the URL strings as they are. Documents without a URL are kept.")


@dataclasses.dataclass(frozen=True)
class LinesConfig:
    unit: str = option("line", "line (CCNet) or paragraph (blank-line separated): the unit compared across "
                       "documents.", choices=LINE_UNITS)
    min_chars: int = option(0, "Units whose normalized text is shorter than this are never removed (e.g. 10 spares "
                            "'Home', 'Next'); 0 treats every non-empty unit alike, as CCNet does.", range=(0, None))

    def __post_init__(self):
        validate(self, "lines")


@dataclasses.dataclass(frozen=True)
class MinHashConfig:
    num_perm: int = option(112, "Hash functions per signature. bands × rows ≤ num_perm; the rest only sharpen the "
                           "verification estimate. 112 = 14 × 8 as FineWeb.", range=(1, None))
    bands: int | None = option(None, "LSH bands b. Default 14 (FineWeb), or derived from `threshold` when that is "
                               "set and bands/rows are not.", range=(1, None))
    rows: int | None = option(None, "Rows r per band. Default 8, or derived from `threshold`.", range=(1, None))
    # Exclusive bounds (0, 1): checked in __post_init__, as `range` is inclusive.
    threshold: float | None = option(None, "Target Jaccard similarity. Sets the verification cut and, unless "
                                     "bands/rows are given, the b × r for it (favouring recall when verify is on). "
                                     "Default: (1/b)^(1/r) (≈ 0.72 for 14 × 8).")
    ngram: int = option(5, "Words per shingle (characters in scripts written without spaces).", range=(1, None))
    seed: int = option(1, "Seed of the permutations (numpy RandomState, as datasketch): same seed, same signatures "
                       "on every worker.")
    hash: str = option("xxh3", "Shingle hash: xxh3 (fast: xxh3-64 per word, combined per shingle) or sha1 (the "
                       "datasketch default; one SHA-1 per shingle, 2-6× slower). Signatures equal "
                       "datasketch.MinHash's with that hashfunc (dataprep.dedup.shingle_hash32 or its default).",
                       choices=HASHES)
    verify: bool = option(True, "Link two documents of a bucket only when their signatures' estimated Jaccard "
                          "reaches the threshold (every pair among a bucket's 16 smallest members, then each other "
                          "member against those anchors, as NeMo Curator); false links every LSH candidate.")
    max_bucket_size: int = option(100_000, "Buckets estimated larger than this are salted into sub-buckets of about "
                                  "this size, processed on different workers and joined by their anchors.",
                                  range=(1, None))
    components: str = option("beam", "beam: connected components by large-star/small-star rounds on the cluster; "
                             "union_find: gather every edge on one worker (small corpora only). Same clusters.",
                             choices=COMPONENT_METHODS)
    max_rounds: int = option(12, "Large-star/small-star rounds unrolled in the graph (a random path of 10^4 "
                             "documents needs ~10). The pipeline fails, naming this key, if they do not converge.",
                             range=(1, None))

    def __post_init__(self):
        validate(self, "minhash")
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"minhash.threshold must be in (0, 1), got {self.threshold}")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("minhash.bands and minhash.rows are set together (or both left to the threshold)")
        # Derived (b, r) always fit num_perm; only given ones are checked (deriving costs ~0.3 s).
        if self.bands is not None and self.bands * self.rows > self.num_perm:
            raise ConfigError(f"minhash: bands × rows = {self.bands} × {self.rows} must be ≥ 1 and "
                              f"≤ num_perm {self.num_perm}")
        if self.bands is None and self.threshold is None and 14 * 8 > self.num_perm:
            raise ConfigError(f"minhash: the default 14 bands × 8 rows need num_perm ≥ 112, got {self.num_perm}; "
                              "set bands/rows or threshold")

    def bands_rows(self) -> tuple[int, int]:
        if self.bands is not None:
            return self.bands, self.rows
        if self.threshold is None:
            return 14, 8
        return optimal_bands_rows(self.threshold, self.num_perm, 0.9 if self.verify else 0.5)

    def cut(self) -> float:
        """The Jaccard threshold used for verification (and reported in stats)."""
        if self.threshold is not None:
            return self.threshold
        return curve_midpoint(*self.bands_rows())


@dataclasses.dataclass(frozen=True)
class DedupConfig:
    exact: ExactConfig | None = option(help="Exact duplicates of the normalized text; null disables.",
                                       factory=ExactConfig)
    url: UrlConfig | None = option(help="One document per URL; null disables.", factory=UrlConfig)
    minhash: MinHashConfig | None = option(help="MinHash LSH near-duplicates; null disables.", factory=MinHashConfig)
    lines: LinesConfig | None = option(None, "Remove a line (or paragraph) seen in several documents from all but "
                                       "one, corpus-wide (CCNet/C4); runs last. null (default) disables.")
    keep: str = option("min_id", "Which duplicate stays: min_id (smallest document id) or max_score (highest "
                       "metadata[score_field], ties by smallest id; a missing score ranks last).", choices=KEEP_RULES)
    score_field: str = option("quality_score", "Metadata field read by keep: max_score.")

    def __post_init__(self):
        validate(self, "dedup")

    def stage_names(self) -> list[str]:
        """Stage names in the order `Deduplicate` runs them (for the stats table order)."""
        names = []
        if self.exact is not None:
            names.append(STAGE_EXACT)
        if self.url is not None:
            names.append(STAGE_URL)
        if self.minhash is not None:
            names.append(STAGE_MINHASH)
        if self.lines is not None:
            names.append(STAGE_LINES)
        return names


#: Named starting points; a recipe or the CLI overrides single fields on top.
PRESETS: dict[str, DedupConfig] = {
    "default": DedupConfig(),
    # Books: LLaMA-1 "removed books with more than 90% content overlap". Books have no URL, and
    # line dedup would strip chapter headings and front matter shared by editions.
    "books": DedupConfig(url=None, lines=None, minhash=MinHashConfig(threshold=0.9)),
}


def parse_dedup_config(data: Any, where: str = "dedup") -> DedupConfig | None:
    """A recipe's `dedup:` value → DedupConfig. None/false disables; true or {} is the default.

    `preset: books` starts from a preset; every other key overrides it. A sub-config may be
    null/false (off), true (the preset's or the default), or a mapping of overrides. Unknown
    keys raise ConfigError naming the key and the valid ones.
    """
    if data is None or data is False:
        return None
    if data is True:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, true or null, got {type(data).__name__}")
    data = dict(data)
    preset_name = data.pop("preset", "default")
    if preset_name not in PRESETS:
        raise ConfigError(f"{where}.preset: unknown preset {preset_name!r} (valid: {', '.join(PRESETS)})")
    return override(PRESETS[preset_name], data, where, extra_keys=("preset",))
