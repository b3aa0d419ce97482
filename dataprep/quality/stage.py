"""The `quality_classifier` stage: a fastText model's positive-label probability per document,
written once as `metadata.quality.<name>`, and the keep rules applied to that written number.

Scores are kept apart from thresholds (dolma): `mode: score` never drops, and a later run can
re-threshold the stored scores without the model. The keep rules:
- `min_score`: keep if score ≥ X (RedPajama-v1's LLaMA reproduction drops `wiki_prob < 0.25`);
- `pareto`: keep if score > 1 − pareto(α) (GPT-3, α = 9; NeMo α = 3). The noise is drawn from a
  hash of (seed, id), so the same document gets the same verdict on every run and runner;
- `keep_top_fraction`: keep the best fraction of each source (DCLM: top 10%). It needs every
  score of the source first, so it lives in `pipelines.quality`; the stage only scores then.

Any fastText model works (`label` names the positive class, e.g. DCLM's `hq`); ours come from
`dataprep train-quality` (labels `positive` / `negative`).
"""

from __future__ import annotations

import dataclasses
import hashlib

from dataprep import fs
from dataprep.config import ConfigError, option, validate
from dataprep.document import Document, Drop
from dataprep.langid import load_model as load_fasttext
from dataprep.quality.text import normalize
from dataprep.stage import Stage

MODEL_FILE = "model.bin"  # what `dataprep train-quality` writes into its output folder
LABEL_PREFIX = "__label__"
POSITIVE, NEGATIVE = "positive", "negative"
METADATA_KEY = "quality"  # scores live in metadata.quality.<name>
MODES = ("filter", "score")
# Six decimals: DCLM's top-10% cut-off is 0.018112, so four (langid's) would blur the cut.
SCORE_DECIMALS = 6

REASON_LOW_SCORE = "quality_low_score"
REASON_PARETO = "quality_pareto"
REASON_NOT_TOP = "quality_not_top_fraction"


@dataclasses.dataclass(frozen=True)
class QualityConfig:
    model: str = option(help="fastText model: a file, or a folder holding model.bin (what `dataprep "
                        "train-quality` writes); local, gs://, s3://.")
    name: str = option("fasttext", "Score name: written as metadata.quality.<name>, so several classifiers "
                       "can score one document.")
    label: str = option(POSITIVE, "The model's positive label, with or without __label__ (ours: positive; "
                        "DCLM's: hq). Its probability is the score.")
    mode: str = option("filter", "filter: apply the keep rule; score: write scores only, never drop.",
                       choices=MODES)
    min_score: float | None = option(None, "Keep if score ≥ this (RedPajama-v1: 0.25).", range=(0, 1))
    keep_top_fraction: float | None = option(
        None, "Keep this best fraction of each source (DCLM: 0.1); the cut-off is an approximate quantile "
        "over the whole source (rank error ≤ 0.1%), recorded in quality_stats.", range=(0, 1))
    pareto: float | None = option(None, "α: keep if score > 1 − pareto(α) (GPT-3: 9; NeMo: 3); noise from "
                                  "a hash of (seed, id).", range=(1e-9, None))
    seed: int = option(0, "Seed of the Pareto noise and of the top-fraction tie-break.")

    def __post_init__(self) -> None:
        validate(self)
        if not self.model:
            raise ConfigError("model: a fastText model path is required")
        if not self.name or "." in self.name:
            raise ConfigError(f"name: {self.name!r} must be non-empty without '.' (it is metadata.quality.<name>)")
        rules = [rule for rule in ("min_score", "keep_top_fraction", "pareto") if getattr(self, rule) is not None]
        if self.mode == "score" and rules:
            raise ConfigError(f"{rules[0]}: mode score writes scores only and never drops; remove it or use "
                              "mode filter")
        if self.mode == "filter" and len(rules) != 1:
            raise ConfigError("mode filter needs exactly one of min_score, keep_top_fraction, pareto"
                              + (f" (got {', '.join(rules)})" if rules else "; or use mode score"))

    @property
    def fasttext_label(self) -> str:
        return self.label if self.label.startswith(LABEL_PREFIX) else LABEL_PREFIX + self.label


def model_path(model: str) -> str:
    """The model file: `model` itself, or `model/model.bin` for a `train-quality` folder."""
    if model.endswith("/") or fs.is_folder(model):
        return fs.join(model.rstrip("/"), MODEL_FILE)
    return model


def check_model(config: QualityConfig):
    """Load the model (once per process) and check the label, before any graph is built;
    returns the model. A ConfigError names what is wrong."""
    path = model_path(config.model)
    if not fs.exists(path):
        raise ConfigError(f"model: quality model not found: {path}")
    try:
        model = load_fasttext(path)
    except ValueError as error:  # fastText: "... has wrong file format!"
        raise ConfigError(f"model: {path} is not a fastText model ({error})") from None
    labels = model.get_labels()
    if config.fasttext_label not in labels:
        raise ConfigError(f"label: {config.label!r} is not a label of {path} (it has {', '.join(labels[:8])})")
    return model


def unit_hash(*parts) -> float:
    """A uniform number in [0, 1) from a hash of `parts`: the same on every worker and run."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:7], "big") / float(1 << 56)


def pareto_noise(alpha: float, seed: int, doc_id: str) -> float:
    """numpy's `random.pareto(alpha)` (Lomax: (1 − U)^(−1/α) − 1), U from a hash of (seed, id)."""
    return (1.0 - unit_hash("pareto", seed, doc_id)) ** (-1.0 / alpha) - 1.0


def pareto_keep_probability(score: float, alpha: float) -> float:
    """P(score > 1 − pareto(α)) = (2 − score)^(−α): 1 at score 1, 2^−9 ≈ 0.002 at 0 for α = 9."""
    return (2.0 - score) ** (-alpha)


def get_score(doc: Document, name: str) -> float | None:
    """`metadata.quality.<name>`, or None if the document was not scored under that name."""
    return (doc.metadata.get(METADATA_KEY) or {}).get(name)


def keep_verdict(config: QualityConfig, doc_id: str, score: float) -> tuple[str, str] | None:
    """None to keep, or (reason, detail) to drop, by the `min_score` or `pareto` rule.

    One function for the stage and for re-thresholding written scores, so both always agree.
    """
    if config.mode == "score":
        return None
    if config.min_score is not None and score < config.min_score:
        return REASON_LOW_SCORE, f"score {score} < min_score {config.min_score}"
    if config.pareto is not None:
        noise = pareto_noise(config.pareto, config.seed, doc_id)
        if not score > 1.0 - noise:
            return REASON_PARETO, f"score {score} ≤ 1 − pareto noise {noise:.6f} (α = {config.pareto})"
    return None


class QualityClassifier(Stage):
    """Writes `metadata.quality.<name>`; drops by `min_score` or `pareto` in filter mode."""

    name = "quality_classifier"

    def __init__(self, config: QualityConfig, model=None):
        self.config = config
        self._model = model  # a loaded model may be shared between stages of one process

    def setup(self) -> None:
        if self._model is None:
            # One copy per process, shared by every thread's DoFn (dataprep.langid's loader).
            self._model = load_fasttext(model_path(self.config.model))

    def __getstate__(self) -> dict:
        return {"config": self.config, "_model": None}

    def score(self, text: str) -> float:
        """The positive label's probability for `text` (normalized here), rounded."""
        if self._model is None:
            self.setup()
        # k=-1: every label, so the positive one is found however the model ranks it.
        labels, probs = self._model.predict(normalize(text), k=-1)
        for label, prob in zip(labels, probs):
            if label == self.config.fasttext_label:
                # fastText's softmax can return 1.00001: clamp so that scores stay in [0, 1].
                return round(min(float(prob), 1.0), SCORE_DECIMALS)
        return 0.0

    def apply(self, doc: Document) -> Document | Drop:
        score = self.score(doc.text)
        scores = {**(doc.metadata.get(METADATA_KEY) or {}), self.config.name: score}
        scored = doc.with_metadata(**{METADATA_KEY: scores})
        verdict = keep_verdict(self.config, doc.id, score)
        if verdict is None:
            return scored
        reason, detail = verdict
        return Drop(reason, detail, {METADATA_KEY: scores})
