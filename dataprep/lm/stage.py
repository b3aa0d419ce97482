"""The `perplexity` stage: CCNet's n-gram LM score per document and its head/middle/tail bucket.

Perplexity = 10^(−Σ log10 P / Σ tokens) over a document's paragraphs (each paragraph one
sentence: its pieces plus `</s>`), rounded to 0.1 as CCNet wrote it; `metadata.perplexity`.
Buckets (DESIGN §5, CCNet): head below the 30th percentile of the language's perplexities,
middle below the 60th, tail above. The cut-offs are given (`cutoffs`, like CCNet's cutoff.csv)
or computed over the corpus by `pipelines.lm` (an approximate quantile per language), in which
case this stage only scores and the pipeline buckets with the same `bucket_of` and `verdict`.

One model per language (CCNet trained one per language on its Wikipedia): `models` maps a
language (metadata.lang) to a `dataprep train-lm` folder; `*` serves every other language. A
document whose language has no model is kept unscored, with no bucket.
"""

from __future__ import annotations

import dataclasses
import json

from dataprep import fs
from dataprep.config import ConfigError, option, validate
from dataprep.document import Document, Drop
from dataprep.lm.arpa import ArpaScorer
from dataprep.lm.text import PieceTokenizer
from dataprep.stage import Stage

BUCKETS = ("head", "middle", "tail")
SCORERS = ("auto", "kenlm", "ours")
ANY_LANGUAGE = "*"
# What `dataprep train-lm` writes into its output folder.
MODEL_FILES = ("model.arpa", "model.arpa.gz")
TOKENIZER_FILE = "tokenizer.model"

REASON_BUCKET = "perplexity_bucket"
REASON_TOO_HIGH = "perplexity_too_high"
REASON_EMPTY = "perplexity_no_text"


@dataclasses.dataclass(frozen=True)
class PerplexityConfig:
    models: dict[str, str] = option(factory=dict, help="Language (metadata.lang) → a `dataprep train-lm` folder "
                                    "(model.arpa[.gz] + tokenizer.model); `*` serves every other language.")
    percentiles: tuple[float, ...] = option((30.0, 60.0), "Head/middle and middle/tail cut-offs as percentiles of "
                                            "each language's perplexities (CCNet: 30, 60).")
    cutoffs: dict[str, list[float]] = option(factory=dict, help="Given cut-offs per language, [head/middle, "
                                             "middle/tail] perplexities (CCNet's cutoff.csv); computed over the "
                                             "corpus when empty.")
    keep: tuple[str, ...] = option(BUCKETS, "Buckets to keep (LLaMA-style: [head, middle]).")
    max_perplexity: float | None = option(None, "Drop a document above this perplexity.", range=(0, None))
    scorer: str = option("auto", "auto: the kenlm module if installed, else our own ARPA scorer (same values to "
                         "2e-6 relative, slower); kenlm or ours to insist.", choices=SCORERS)

    def __post_init__(self) -> None:
        validate(self)
        if not self.models:
            raise ConfigError("models: at least one language → train-lm folder is required (`*` for all)")
        if len(self.percentiles) != 2 or not 0 < self.percentiles[0] < self.percentiles[1] < 100:
            raise ConfigError(f"percentiles: need two increasing values in (0, 100), got {list(self.percentiles)}")
        for lang, pair in self.cutoffs.items():
            if len(pair) != 2 or pair[0] > pair[1]:
                raise ConfigError(f"cutoffs.{lang}: need [head/middle, middle/tail] with the first ≤ the second")
        unknown = [name for name in self.keep if name not in BUCKETS]
        if unknown:
            raise ConfigError(f"keep: {unknown[0]!r} is not one of {', '.join(BUCKETS)}")


def model_files(folder: str) -> tuple[str, str]:
    """(ARPA path, tokenizer path) of a train-lm folder; ConfigError if either is missing."""
    folder = folder.rstrip("/")
    arpa = [fs.join(folder, name) for name in MODEL_FILES if fs.exists(fs.join(folder, name))]
    tokenizer = fs.join(folder, TOKENIZER_FILE)
    if not arpa or not fs.exists(tokenizer):
        raise ConfigError(f"models: {folder} is not a `dataprep train-lm` folder (needs model.arpa[.gz] and "
                          f"{TOKENIZER_FILE})")
    return arpa[0], tokenizer


def perplexity(log10_prob: float, tokens: int) -> float:
    """CCNet's pp(): 10^(−log10 P / tokens)."""
    return 10.0 ** (-log10_prob / tokens)


def bucket_of(value: float, cutoffs) -> str:
    """head if below the first cut-off, middle if below the second, else tail (CCNet)."""
    if value < cutoffs[0]:
        return "head"
    return "middle" if value < cutoffs[1] else "tail"


def verdict(config: PerplexityConfig, value: float, bucket: str | None) -> tuple[str, str] | None:
    """None to keep, or (reason, detail): one rule for the stage and the pipeline's bucketing."""
    if config.max_perplexity is not None and value > config.max_perplexity:
        return REASON_TOO_HIGH, f"perplexity {value} > max_perplexity {config.max_perplexity}"
    if bucket is not None and bucket not in config.keep:
        return REASON_BUCKET, f"bucket {bucket} (perplexity {value}) not in keep {list(config.keep)}"
    return None


class KenlmScorer:
    """The `kenlm` module's query code over the same ARPA (C++: bench/lm.py measures it against
    ours); the same `score(tokens)` as ArpaScorer, which agrees with it to 2e-6 relative."""

    def __init__(self, path: str):
        import kenlm

        config = kenlm.Config()
        config.show_progress = False
        config.arpa_complain = kenlm.ARPALoadComplain.NONE  # no "build a binary file" line per worker
        self._model = kenlm.Model(fs.local_copy(path), config)

    def score(self, tokens: list[str]) -> float:
        return self._model.score(" ".join(tokens), bos=True, eos=True)


def load_scorer(path: str, backend: str = "auto"):
    """kenlm when installed (`auto`) or asked for, else our own ArpaScorer."""
    if backend == "ours":
        return ArpaScorer.load(path)
    try:
        return KenlmScorer(path)
    except ImportError:
        if backend == "kenlm":
            raise ConfigError("scorer: kenlm is not installed (pip install kenlm), use scorer: auto") from None
        return ArpaScorer.load(path)


class LanguageModel:
    """A tokenizer and an ARPA scorer: one train-lm folder."""

    def __init__(self, folder: str, backend: str = "auto"):
        arpa, tokenizer = model_files(folder)
        self.tokenizer = PieceTokenizer(tokenizer)
        self.scorer = load_scorer(arpa, backend)

    def document_scores(self, text: str) -> list[tuple[float, int]]:
        """(log10 P, tokens incl. </s>) per paragraph."""
        return [(self.scorer.score(pieces), len(pieces) + 1) for pieces in self.tokenizer.sentences(text)]

    def perplexity(self, text: str) -> float | None:
        scores = self.document_scores(text)
        if not scores:
            return None
        return round(perplexity(sum(s for s, _ in scores), sum(n for _, n in scores)), 1)


class Perplexity(Stage):
    """Writes metadata.perplexity (and the bucket when cut-offs are given); drops by `keep` or
    `max_perplexity`."""

    name = "perplexity"

    def __init__(self, config: PerplexityConfig, bucket: bool = True):
        self.config = config
        self.bucket = bucket and bool(config.cutoffs)  # computed cut-offs: pipelines.lm buckets
        self._models: dict[str, LanguageModel] | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_models": None}

    def setup(self) -> None:
        if self._models is None:
            self._models = {lang: LanguageModel(folder, self.config.scorer)
                            for lang, folder in sorted(self.config.models.items())}

    def model_for(self, lang: str | None) -> LanguageModel | None:
        if self._models is None:
            self.setup()
        return self._models.get(lang or "") or self._models.get(ANY_LANGUAGE)

    def cutoffs_for(self, lang: str | None):
        cutoffs = self.config.cutoffs
        return cutoffs.get(lang or "") or cutoffs.get(ANY_LANGUAGE)

    def apply(self, doc: Document) -> Document | Drop:
        lang = doc.metadata.get("lang")
        model = self.model_for(lang)
        if model is None:
            return doc
        value = model.perplexity(doc.text)
        if value is None:
            return Drop(REASON_EMPTY, "no paragraph with text to score")
        fields = {"perplexity": value}
        cutoffs = self.cutoffs_for(lang) if self.bucket else None
        if cutoffs is not None:
            fields["perplexity_bucket"] = bucket_of(value, cutoffs)
        result = verdict(self.config, value, fields.get("perplexity_bucket"))
        if result is None:
            return doc.with_metadata(**fields)
        return Drop(*result, fields)


def settings_json(settings: dict) -> bytes:
    return (json.dumps(settings, indent=2, sort_keys=True) + "\n").encode("utf-8")
