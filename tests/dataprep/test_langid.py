"""Language ID with the real bundled fastText model (dataprep/resources/lid.176.ftz)."""

from __future__ import annotations

import pickle

import pytest

from dataprep.document import Document, Drop
from dataprep.langid import LangId, LangIdConfig, load_model

TEXTS = {
    "en": "The quick brown fox jumps over the lazy dog. This sentence is written in plain English "
          "so that the model has enough words to be sure about it.",
    "de": "Die Straße führt über die Brücke nach Köln. Größere Städte haben schönere Häuser und "
          "viele Menschen wohnen dort gern.",
    "zh": "北京是中华人民共和国的首都，也是全国的政治和文化中心。这座城市有着悠久的历史和丰富的文化遗产。",
    "ja": "日本語のテキストです。東京は日本の首都であり、世界最大級の都市圏を形成しています。",
}


@pytest.fixture(scope="module")
def model():
    return load_model()  # the bundled lid.176.ftz, loaded once for the module


def doc(text: str) -> Document:
    return Document(id="d1", text=text, source="web", url="http://example.com/", metadata={"offset": 7})


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_labels_with_scores(model, lang):
    result = LangId(LangIdConfig(), model=model).apply(doc(TEXTS[lang]))
    assert isinstance(result, Document)
    assert result.metadata["lang"] == lang
    assert 0.65 <= result.metadata["lang_score"] <= 1.0
    # The score is stored rounded, so it is the same bytes on every platform.
    assert result.metadata["lang_score"] == round(result.metadata["lang_score"], 4)
    # Everything else about the document is kept.
    assert (result.id, result.text, result.url, result.metadata["offset"]) == (
        "d1", TEXTS[lang], "http://example.com/", 7)


def test_languages_filter(model):
    stage = LangId(LangIdConfig(languages=("en", "de")), model=model)
    assert stage.apply(doc(TEXTS["de"])).metadata["lang"] == "de"
    assert stage.apply(doc(TEXTS["en"])).metadata["lang"] == "en"
    assert stage.apply(doc(TEXTS["zh"])) == Drop("langid_unwanted_language")
    assert stage.apply(doc(TEXTS["ja"])) == Drop("langid_unwanted_language")


def test_threshold_both_sides(model):
    stage = LangId(LangIdConfig(), model=model)
    lang, score = stage.predict(TEXTS["en"])
    assert lang == "en" and 0.7 < score < 1.0
    # Keep at exactly the score (≥), drop just above it.
    at = LangId(LangIdConfig(threshold=score), model=model)
    above = LangId(LangIdConfig(threshold=min(score + 0.01, 1.0)), model=model)
    assert isinstance(at.apply(doc(TEXTS["en"])), Document)
    assert above.apply(doc(TEXTS["en"])) == Drop("langid_low_score")


def test_gibberish_is_low_score(model):
    stage = LangId(LangIdConfig(), model=model)
    assert stage.apply(doc("zxq vbnm qwpl 8831 kkdj")) == Drop("langid_low_score")


def test_per_language_thresholds_override_the_default(model):
    _, zh_score = LangId(model=model).predict(TEXTS["zh"])
    assert zh_score < 0.999  # measured 0.9956: room for a stricter bar within [0, 1]
    config = LangIdConfig(threshold=0.5, thresholds={"zh": zh_score + 0.001})
    stage = LangId(config, model=model)
    assert stage.apply(doc(TEXTS["zh"])) == Drop("langid_low_score")  # zh: its own, stricter bar
    assert isinstance(stage.apply(doc(TEXTS["en"])), Document)  # en: the default 0.5
    # Thresholds are in [0, 1]; 1.0 drops all but certain text (German scores 0.9927 here).
    strict_default = LangId(LangIdConfig(threshold=1.0, thresholds={"en": 0.1}), model=model)
    assert strict_default.apply(doc(TEXTS["en"])).metadata["lang"] == "en"
    assert strict_default.apply(doc(TEXTS["de"])) == Drop("langid_low_score")


def test_language_filter_is_checked_before_the_score(model):
    # A confident but unwanted language is counted as unwanted, not as uncertain.
    stage = LangId(LangIdConfig(languages=("en",), threshold=1.0), model=model)  # German scores 0.9927
    assert stage.apply(doc(TEXTS["de"])) == Drop("langid_unwanted_language")


def test_multi_line_text(model):
    # fastText's predict() raises on "\n"; extracted pages are full of them.
    stage = LangId(LangIdConfig(), model=model)
    text = "Erste Zeile eines deutschen Textes.\n\nZweite Zeile mit mehr Wörtern über die Stadt.\r\n  Dritte Zeile.\n"
    result = stage.apply(doc(text))
    assert result.metadata["lang"] == "de"
    assert result.text == text  # the document keeps its line breaks
    assert stage.predict(text) == stage.predict(" ".join(text.split()))


def test_setup_loads_the_bundled_model_by_default():
    stage = LangId()
    stage.setup()
    assert stage.predict(TEXTS["de"])[0] == "de"


def test_missing_model_path_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-model.bin"
    with pytest.raises(FileNotFoundError, match="language ID model not found: .*no-such-model.bin"):
        LangId(LangIdConfig(model=str(missing))).setup()


def test_model_path_in_config(model, tmp_path):
    # A model named by path works the same as "default" (here: the bundled file, copied).
    from importlib import resources

    copy = tmp_path / "lid.ftz"
    copy.write_bytes((resources.files("dataprep") / "resources" / "lid.176.ftz").read_bytes())
    assert LangId(LangIdConfig(model=str(copy))).predict(TEXTS["ja"])[0] == "ja"


def test_pickles_without_the_model(model):
    stage = LangId(LangIdConfig(languages=("de",)), model=model)
    copy = pickle.loads(pickle.dumps(stage))
    assert copy._model is None and copy.config == stage.config
    assert copy.apply(doc(TEXTS["de"])).metadata["lang"] == "de"  # loads its own on first use


def test_empty_text_has_its_own_reason():
    from dataprep.document import Document
    from dataprep.langid import LangId

    assert LangId().apply(Document(id="e", text=" \n\t", source="web")).reason == "langid_empty_text"


def test_text_fasttext_cannot_take_is_a_counted_drop(model):
    # JSON "\ud800" decodes to a lone surrogate: not UTF-8, so fastText's predict() raises
    # TypeError, which used to fail the bundle (and with it the run).
    text = TEXTS["en"] + " \ud800 and more words"
    result = LangId(LangIdConfig(), model=model).apply(doc(text))
    assert isinstance(result, Drop) and result.reason == "langid_invalid_unicode"
    # A valid astral character (a surrogate pair in JSON) is ordinary text.
    kept = LangId(LangIdConfig(), model=model).apply(doc(TEXTS["en"] + " \U0001F600"))
    assert isinstance(kept, Document) and kept.metadata["lang"] == "en"



def test_thresholds_outside_zero_one_are_config_errors():
    from dataprep.config import ConfigError

    # A bar above 1 silently dropped every document; NaN compares false, so it did the same.
    with pytest.raises(ConfigError, match=r"^threshold: must be in \[0, 1\], got 1.01$"):
        LangIdConfig(threshold=1.01)
    with pytest.raises(ConfigError, match=r"^thresholds.zh: must be in \[0, 1\], got nan$"):
        LangIdConfig(thresholds={"zh": float("nan")})
