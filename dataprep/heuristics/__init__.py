"""Heuristic quality filters: the Gopher, C4 and FineWeb rules as named presets.

Each preset is a `Stage` with a frozen config dataclass whose defaults are the published
numbers (cited next to each field). Every rule that drops a document returns `Drop(reason)`
with a stable reason whose prefix names the preset family (`gopher_`, `c4_`, `fineweb_`):
a reason's meaning never changes; a rule whose semantics change gets a new name.

Languages. Stages read `doc.metadata["lang"]` (ISO 639-1 from language ID). Each config has
`per_language`, a mapping `lang -> {field: value}` of overrides, and `default_lang`, the
language assumed for an untagged document ("en": the reference numbers and the Gopher stop
words were set on English text, so an untagged corpus gets exactly the reference rules).
The default overrides cover scripts written without spaces, where `dataprep.text` counts each
character as a word (zh, ja, yue, wuu, th, lo, km, my): no mean-word-length rule, C4's words per
line and Gopher's repetition n-grams in characters (2x for Chinese/Japanese, 3x for Thai/Lao/
Khmer/Myanmar), a 15-character FineWeb short line for Chinese/Japanese, and no end-mark rules for
Thai/Lao, which end sentences with a space; Korean gets a mean word length of 1.2-4.0 Hangul blocks.
The script of the text overrides a tag of another script (`Heuristic._rules_for`): a Chinese page
tagged en or untagged is judged by zh's rules, a Hangul page by ko's, once at least 15% of its
letters are in that script (`dataprep.text.script_language`). Languages whose sentences end in 。 । ؟ ။ ... get those
marks added to C4's and FineWeb's end marks.

Options (`make_heuristic(name, options)`, the recipe's `heuristics:` entries) are checked
against the config fields: an unknown key, a wrong type or a value out of a field's range is a
`ConfigError` naming the key.
Mapping-valued options merge into the defaults (`per_language: {de: {...}}` adds German and
keeps the zh/ja/... overrides; `max_top_ngram_char_frac: {2: 0.25}` changes only n = 2, and
`{3: null}` switches n = 3 off).

Modules: `base` (language groups, option checking, per-language resolution), `gopher`, `c4`,
`fineweb` (one per preset family, with its reasons and config); this module is the registry.

Cost per 5 KB English page (Python 3.11, one core of a shared 2-vCPU VM, best of 40 x 200 runs;
an extracted Python-docs page / a synthetic prose page): gopher_quality 0.26 / 0.17 ms,
gopher_repetition 0.56 / 0.32 ms, c4 0.09 / 0.07 ms, fineweb 0.02 / 0.01 ms. Splitting words is
about half of the Gopher costs; n-gram statistics are one counting pass at the smallest n.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from dataprep.config import ConfigError
from dataprep.heuristics.base import Heuristic, check_options, merge
from dataprep.heuristics.c4 import (
    C4,
    C4_CURLY_BRACKET,
    C4_END_MARKS,
    C4_LOREM_IPSUM,
    C4_POLICY_SUBSTRINGS,
    C4_TOO_FEW_SENTENCES,
    C4Config,
)
from dataprep.heuristics.fineweb import (
    FINEWEB_DUP_LINE_CHARS,
    FINEWEB_END_MARKS,
    FINEWEB_LINE_PUNCT_RATIO,
    FINEWEB_SHORT_LINES,
    FineWeb,
    FineWebCodeDup,
    FineWebCodeDupConfig,
    FineWebConfig,
)
from dataprep.heuristics.gopher import (
    BULLETS,
    GOPHER_ALPHA_WORDS,
    GOPHER_BULLET_LINES,
    GOPHER_DUP_LINE_CHAR_FRAC,
    GOPHER_DUP_LINE_FRAC,
    GOPHER_DUP_PARA_CHAR_FRAC,
    GOPHER_DUP_PARA_FRAC,
    GOPHER_ELLIPSIS_LINES,
    GOPHER_LONG_DOC,
    GOPHER_MEAN_WORD_LENGTH,
    GOPHER_SHORT_DOC,
    GOPHER_STOP_WORDS,
    GOPHER_STOP_WORDS_EN,
    GOPHER_SYMBOL_RATIO,
    GopherQuality,
    GopherQualityConfig,
    GopherRepetition,
    GopherRepetitionConfig,
    gopher_dup_ngram_reason,
    gopher_top_ngram_reason,
)
from dataprep.stage import Stage

__all__ = [
    "BULLETS", "C4", "C4_CURLY_BRACKET", "C4_END_MARKS", "C4_LOREM_IPSUM", "C4_POLICY_SUBSTRINGS",
    "C4_TOO_FEW_SENTENCES", "C4Config", "FINEWEB_DUP_LINE_CHARS", "FINEWEB_END_MARKS",
    "FINEWEB_LINE_PUNCT_RATIO", "FINEWEB_SHORT_LINES", "FineWeb", "FineWebCodeDup", "FineWebCodeDupConfig",
    "FineWebConfig", "GOPHER_ALPHA_WORDS", "GOPHER_BULLET_LINES", "GOPHER_DUP_LINE_CHAR_FRAC",
    "GOPHER_DUP_LINE_FRAC", "GOPHER_DUP_PARA_CHAR_FRAC", "GOPHER_DUP_PARA_FRAC", "GOPHER_ELLIPSIS_LINES",
    "GOPHER_LONG_DOC", "GOPHER_MEAN_WORD_LENGTH", "GOPHER_SHORT_DOC", "GOPHER_STOP_WORDS",
    "GOPHER_STOP_WORDS_EN", "GOPHER_SYMBOL_RATIO", "GopherQuality", "GopherQualityConfig", "GopherRepetition",
    "GopherRepetitionConfig", "Heuristic", "PRESETS", "gopher_dup_ngram_reason", "gopher_top_ngram_reason",
    "make_heuristic",
]

# --- registry -------------------------------------------------------------------------------

PRESETS: dict[str, type] = {
    cls.name: cls for cls in (GopherQuality, GopherRepetition, C4, FineWeb, FineWebCodeDup)
}


def make_heuristic(name: str, options: Mapping[str, Any] | None = None) -> Stage:
    """The preset `name` with `options` overriding its config fields.

    An unknown preset or option key, a value of the wrong type or out of range raises
    `ConfigError` naming the key (and listing the valid ones for a key). Mapping-valued options
    (per_language, the n-gram thresholds) merge into the defaults key by key; a null n-gram
    threshold switches that n off.
    """
    if name not in PRESETS:
        raise ConfigError(f"unknown heuristic preset {name!r} (valid presets: {', '.join(PRESETS)})")
    cls = PRESETS[name]
    options = {} if options is None else options
    if isinstance(options, Mapping) and isinstance(options.get("per_language"), Mapping):
        # YAML `de:` with nothing under it: no overrides for that language.
        options = {**options, "per_language": {lang: o or {} for lang, o in options["per_language"].items()}}
    defaults = cls.config_cls()
    checked = check_options(cls.config_cls, options, name)
    # Checked again, per language, when the stage is built from the merged config.
    return cls(dataclasses.replace(defaults, **{key: merge(getattr(defaults, key), value)
                                                for key, value in checked.items()}))
