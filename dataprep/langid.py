"""Language identification with fastText lid.176 (176 languages).

The default model is `resources/lid.176.ftz` (917 KB quantized, CC BY-SA 3.0, see
`resources/NOTICE.md`); `lid.176.bin` (126 MB, slightly more accurate) or any fastText LID
model with `__label__xx` labels can be named in the recipe instead.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from importlib import resources

from dataprep import fs
from dataprep.config import ConfigError, check_field, option, validate
from dataprep.document import Document, Drop
from dataprep.stage import Stage

DEFAULT_MODEL = "default"
_LABEL_PREFIX = "__label__"
# fastText predicts on one line; it refuses text containing "\n".
_NEWLINES = re.compile(r"\s*\n\s*")


@dataclasses.dataclass(frozen=True)
class LangIdConfig:
    model: str = option(
        DEFAULT_MODEL, "fastText LID model: 'default' (bundled lid.176.ftz) or a path (local or gs://, s3://).")
    languages: tuple[str, ...] = option(
        (), "Codes to keep, as the model labels them (lid.176: ISO 639 en, de, zh, als, ...). "
        "Empty keeps every language and only records it.")
    threshold: float = option(
        0.65, "Minimum top-label score to keep a document (FineWeb/DCLM use 0.65, CCNet 0.5).", range=(0, 1))
    # Typed so that the recipe loader checks the scores (a str here failed only mid-pipeline).
    thresholds: dict[str, float] = option(
        factory=dict, help="Per-language minimum score in [0, 1], e.g. {zh: 0.5}; overrides threshold.")

    def __post_init__(self) -> None:
        # Checked here too, not only in config.build: stages are also built in code.
        validate(self)
        # Each per-language score has the range of `threshold` (a score > 1 would drop every
        # document of that language, NaN every one: NaN compares false).
        (field,) = [f for f in dataclasses.fields(self) if f.name == "threshold"]
        for lang, value in self.thresholds.items():
            check_field(field, value, f"thresholds.{lang}")


def model_languages(model) -> frozenset[str]:
    """The language codes a loaded fastText LID model can predict."""
    return frozenset(label[len(_LABEL_PREFIX):] for label in model.get_labels())


# English names users write instead of codes, for the hint only; the codes are the model's.
_NAME_HINTS = {
    "arabic": "ar", "bulgarian": "bg", "catalan": "ca", "chinese": "zh", "croatian": "hr", "czech": "cs",
    "danish": "da", "dutch": "nl", "english": "en", "french": "fr", "german": "de", "greek": "el",
    "hindi": "hi", "hungarian": "hu", "italian": "it", "japanese": "ja", "korean": "ko", "polish": "pl",
    "portuguese": "pt", "romanian": "ro", "russian": "ru", "serbian": "sr", "slovenian": "sl",
    "spanish": "es", "swedish": "sv", "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}


def check_languages(languages, known: frozenset[str], model: str, where: str = "languages") -> None:
    """A `ConfigError` naming the first code the model never predicts (every document would be
    dropped as langid_unwanted_language), with a close match when there is one."""
    for code in languages:
        if code in known:
            continue
        lowered = code.strip().lower()
        # 'EN', 'en-US', 'zh_Hant' → the code before the region/script; 'english' → 'en'.
        guesses = [c for c in (lowered, re.split(r"[-_]", lowered)[0], _NAME_HINTS.get(lowered)) if c in known]
        # No edit-distance guess: among 2-3 letter codes it misleads ('deu' → 'eu', Basque).
        hint = f" (did you mean {guesses[0]!r}?)" if guesses else ""
        name = "the bundled lid.176.ftz" if model == DEFAULT_MODEL else model
        raise ConfigError(f"{where}: {code!r} is not a language of {name}{hint}; "
                          f"it knows {len(known)} codes, e.g. {', '.join(sorted(known)[:8])}, ...")


def _local_model_path(model: str) -> str:
    """A local file for fastText, which only loads from disk: copies remote models once."""
    if model == DEFAULT_MODEL:
        return str(resources.files("dataprep") / "resources" / "lid.176.ftz")
    try:
        return fs.local_copy(model)
    except FileNotFoundError:
        raise FileNotFoundError(f"language ID model not found: {model}") from None


_LOADED: dict[str, object] = {}
_LOAD_LOCK = threading.Lock()


def load_model(model: str = DEFAULT_MODEL):
    """The fastText model, loaded once per process and shared by every thread's stage.

    A Dataflow worker runs a DoFn instance per thread (12 by default); lid.176.bin is 126 MB,
    so one copy per thread would cost 1.5 GB. fastText's predict only reads the model.
    """
    with _LOAD_LOCK:
        if model not in _LOADED:
            import fasttext

            # fastText prints a deprecation warning to stderr on every load_model; it is noise.
            fasttext.FastText.eprint = lambda *args, **kwargs: None
            _LOADED[model] = fasttext.load_model(_local_model_path(model))
        return _LOADED[model]


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class LangId(Stage):
    """Writes `metadata.lang` and `metadata.lang_score`; drops unwanted or uncertain text."""

    name = "langid"

    def __init__(self, config: LangIdConfig | None = None, model=None):
        self.config = config or LangIdConfig()
        self._model = model  # a loaded model may be shared between stages of one process

    def setup(self) -> None:
        if self._model is None:
            self._model = load_model(self.config.model)

    def __getstate__(self) -> dict:
        return {"config": self.config, "_model": None}

    def predict(self, text: str) -> tuple[str, float]:
        if self._model is None:
            self.setup()
        labels, scores = self._model.predict(_NEWLINES.sub(" ", text.strip()), k=1)
        if not labels:
            return "unknown", 0.0
        return labels[0][len(_LABEL_PREFIX):], float(min(scores[0], 1.0))

    def apply(self, doc: Document) -> Document | Drop:
        if not doc.text.strip():
            return Drop("langid_empty_text")  # not "low score": there is nothing to identify
        try:
            lang, score = self.predict(doc.text)
        except (TypeError, UnicodeEncodeError):
            # fastText takes UTF-8 only: a lone surrogate (JSON "\\ud800") makes its predict()
            # raise TypeError. Such text cannot be written to Parquet either, so it stops here,
            # counted. Any other TypeError is a bug and stays one.
            if _encodes(doc.text):
                raise
            return Drop("langid_invalid_unicode", "text holds a lone surrogate, which is not valid Unicode")
        # Rounded so that the stored score is the same bytes on every platform's float printing,
        # and the threshold compares that same number, so the record explains the decision.
        score = round(score, 4)
        doc = doc.with_metadata(lang=lang, lang_score=score)
        if self.config.languages and lang not in self.config.languages:
            return Drop("langid_unwanted_language")
        if score < self.config.thresholds.get(lang, self.config.threshold):
            return Drop("langid_low_score")
        return doc
