"""Decontamination settings: stage name, drop reasons, the benchmark and stage configs.

Defaults are GPT-3's (Brown et al. 2020, appendix C), which lm-eval's janitor repeats
(`ngram_n=13, window_to_remove=200, too_dirty_cutoff=10, minimum_slice_length=200`).
"""

from __future__ import annotations

import dataclasses

from dataprep.config import ConfigError, option, validate

STAGE = "decontaminate"

REASON_CONTAMINATED = "decontaminate_contaminated"  # mode: document, any hit
REASON_TOO_MANY_PIECES = "decontaminate_too_many_pieces"  # mode: spans, cut into > max_pieces
REASON_EMPTIED = "decontaminate_emptied"  # mode: spans, every fragment < min_fragment

#: Metadata written into a kept document that was cut: {"benchmarks": [...], "chars_removed": n}.
CONTAMINATION_FIELD = "contamination"

MODES = ("spans", "document")
JOINS = ("auto", "side_input", "shuffle")


@dataclasses.dataclass(frozen=True)
class BenchmarkConfig:
    name: str = option(help="Benchmark name: the key of its row in contamination.json.")
    path: str = option(help="A JSONL, JSONL.gz or Parquet file of examples (one per line/row), a glob, or a folder "
                       "of them; local, gs://, s3://.")
    fields: tuple[str, ...] = option((), "Fields holding eval text. Empty: every string field and every list of "
                                     "strings (nested mappings included), except the id field.")
    id_field: str = option("id", "Field holding an example's id; an example without it is named by its position "
                           "(0, 1, ... over the files in sorted order).")

    def __post_init__(self):
        if not self.name or "=" in self.name:
            raise ConfigError(f"benchmark name {self.name!r}: must be non-empty and without '='")


@dataclasses.dataclass(frozen=True)
class DecontaminateConfig:
    mode: str = option("spans", "spans: cut each matched n-gram plus `window` characters on each side (GPT-3); "
                       "document: drop every document with a match.", choices=MODES)
    ngram: int = option(13, "Words per n-gram (GPT-3 and lm-eval: 13).", range=(1, None))
    min_words: int = option(8, "An eval text with fewer than `ngram` words is matched whole (as one shorter n-gram) "
                            "if it has at least this many words; shorter texts ('Paris', 'True', 'B') are ignored, "
                            "as they would match everywhere. GPT-3 used 8 as its minimum n.", range=(1, None))
    window: int = option(200, "spans: characters removed on each side of a matched n-gram (GPT-3: 200).",
                         range=(0, None))
    min_fragment: int = option(200, "spans: fragments shorter than this many characters are dropped (GPT-3: 200).",
                               range=(0, None))
    max_pieces: int = option(10, "spans: a document cut into more than this many fragments is dropped "
                             "(GPT-3: 10).", range=(1, None))
    max_example_frequency: int | None = option(None, "Ignore n-grams found in more than this many benchmark examples "
                                               "(boilerplate such as licence headers); they are listed in "
                                               "contamination.json. Null: none ignored (GPT-3).", range=(1, None))
    max_document_frequency: int | None = option(None, "Ignore n-grams found in more than this many training "
                                                "documents (e.g. 'the following is a multiple choice question'); "
                                                "listed in contamination.json. Null: none ignored (GPT-3).",
                                                range=(1, None))
    join: str = option("auto", "How documents meet the index: side_input (the index is copied to every worker), "
                       "shuffle (n-grams joined by key, for indexes too big for worker memory) or auto "
                       "(side_input up to side_input_max_ngrams). Both give identical output.", choices=JOINS)
    side_input_max_ngrams: int = option(50_000_000, "auto: the largest index held as a side input. Measured "
                                        "(bench/decontaminate.py): 16 bytes per n-gram, so 50M ≈ 800 MB per "
                                        "worker.", range=(0, None))

    def __post_init__(self):
        validate(self, STAGE)
        if self.min_words > self.ngram:
            raise ConfigError(f"{STAGE}.min_words: must be ≤ ngram ({self.ngram}), got {self.min_words}")

    def uses_shuffle(self, index_ngrams: int) -> bool:
        if self.join == "auto":
            return index_ngrams > self.side_input_max_ngrams
        return self.join == "shuffle"
