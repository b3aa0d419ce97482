"""What every heuristic preset shares: language groups, option checking, per-language resolution.

A preset is a `Heuristic` subclass with a frozen config dataclass (fields declared with
`dataprep.config.option`, so `recipe-help` prints their help and ranges). Options are checked
with `dataprep.config.coerce` and the fields' ranges; errors are `ConfigError`s naming the key.
The per-language layer is specific to heuristics: `per_language` maps a language to overrides of
the other fields, and mapping-valued options merge into their defaults key by key (`merge`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from typing import Any, Mapping

from dataprep.config import ConfigError, check_field, coerce
from dataprep.document import Document, Drop
from dataprep.stage import Stage
from dataprep.text import script_language

# --- languages --------------------------------------------------------------------------

# Scripts without spaces: dataprep.text counts one word per character (with its marks).
CJK_LANGS = ("zh", "ja", "yue", "wuu")
SOUTHEAST_ASIAN_LANGS = ("th", "lo", "km", "my")
CHAR_WORD_LANGS = CJK_LANGS + SOUTHEAST_ASIAN_LANGS
# Thai and Lao mark sentence ends with a space, not punctuation: end-mark rules cannot apply.
NO_END_MARK_LANGS = ("th", "lo")
# Korean separates words with spaces, but a Hangul syllable block packs 2-3 letters.
HANGUL_LANGS = ("ko",)
# Languages whose word rules are tied to their script: a text in another script is judged by
# the rules of the language `dataprep.text.script_language` names (and a spaced-script text
# tagged with one of these by the default language's), so a wrong or missing tag cannot put
# character-word thresholds on English or English thresholds on Chinese. The value is the
# script family: languages of one family share word rules (a zh page tagged ja stays ja).
SCRIPT_FAMILY = {**dict.fromkeys(CJK_LANGS, "cjk"), **{lang: lang for lang in SOUTHEAST_ASIAN_LANGS + HANGUL_LANGS}}

DEFAULT_LANG_HELP = (
    "Language assumed when metadata.lang is missing (its per_language overrides apply); "
    "null or '' applies the top-level values only."
)
PER_LANGUAGE_HELP = (
    "Per-language overrides, {lang: {field: value}}, keyed by metadata.lang (ISO 639-1; 'zh-Hant' "
    "falls back to 'zh'). Options given here merge into the defaults language by language."
)


def with_marks(marks: tuple[str, ...], extra: str) -> tuple[str, ...]:
    """`marks` followed by the characters of `extra` it lacks (a language's sentence ends)."""
    return marks + tuple(m for m in extra if m not in marks)


def _language_key(lang: str) -> str:
    return re.split(r"[-_]", lang, maxsplit=1)[0].lower()


# --- option checking ----------------------------------------------------------------------

# Fields that configure the stage as a whole, never one language.
GLOBAL_FIELDS = ("default_lang", "per_language")


@functools.lru_cache(maxsize=None)
def _fields(config_cls) -> tuple[dict[str, dataclasses.Field], dict[str, Any]]:
    return {f.name: f for f in dataclasses.fields(config_cls)}, typing.get_type_hints(config_cls)


def check_options(config_cls, options: Any, where: str, allowed: tuple[str, ...] | None = None) -> dict:
    """`options` checked against the fields `allowed` (default: all) of `config_cls`: known keys,
    types (normalized by `coerce`: lists → tuples, ints → floats) and declared ranges."""
    fields, hints = _fields(config_cls)
    allowed = tuple(fields) if allowed is None else allowed
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: expected a mapping of options, got {options!r}")
    unknown = [key for key in options if key not in allowed]
    if unknown:
        raise ConfigError(f"{where}: unknown option {unknown[0]!r} (valid options: {', '.join(allowed)})")
    checked = {}
    for key, value in options.items():
        at = f"{where}.{key}"
        # A string is not taken as a one-item list here: `end_marks: ".?!"` would silently
        # become the single mark ".?!".
        if isinstance(value, str) and typing.get_origin(hints[key]) is tuple:
            raise ConfigError(f"{at}: expected a list, got {value!r}")
        checked[key] = coerce(hints[key], value, at)
        check_field(fields[key], checked[key], at)
    return checked


def merge(base: Any, value: Any) -> Any:
    """Mapping options merge into the default mapping, key by key; anything else replaces."""
    if isinstance(base, dict) and isinstance(value, dict):
        merged = dict(base)
        for key, item in value.items():
            merged[key] = merge(base.get(key), item)
        return merged
    return value


def repeats(items: list[str]) -> tuple[int, int]:
    """(count, characters) of the items that repeat an earlier item."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


# --- the base stage -------------------------------------------------------------------------


class Heuristic(Stage):
    """Shared plumbing: config checking, per-language resolution.

    Subclasses set `name` and `config_cls` and implement `check(text, rules)` (or `apply`);
    `_prepare(config)` may precompute what `check` needs per language.
    """

    config_cls: type = object

    def __init__(self, config: Any = None):
        if config is None:
            config = self.config_cls()
        if not isinstance(config, self.config_cls):
            raise TypeError(f"{self.name}: expected {self.config_cls.__name__}, got {type(config).__name__}")
        fields = tuple(f.name for f in dataclasses.fields(config))
        checked = check_options(self.config_cls, {name: getattr(config, name) for name in fields}, self.name)
        lang_fields = tuple(name for name in fields if name not in GLOBAL_FIELDS)
        per_language = {
            lang: check_options(self.config_cls, overrides, f"{self.name}.per_language.{lang}", lang_fields)
            for lang, overrides in checked["per_language"].items()
        }
        self.config = dataclasses.replace(config, **{**checked, "per_language": per_language})
        self._base = self._prepare(self.config)
        self._by_lang = {
            lang: self._prepare(
                dataclasses.replace(self.config, **{k: merge(getattr(self.config, k), v) for k, v in overrides.items()})
            )
            for lang, overrides in per_language.items()
        }
        self._resolved = dict(self._by_lang)  # metadata.lang → rules, filled as tags are seen

    def _prepare(self, config):
        """Per-language precomputation; the result is what `_rules_for` returns."""
        return config

    def _rules_for(self, doc: Document):
        """The rules for the document's language tag, unless its text is in another script.

        The tag (or `default_lang`) decides, except where the tag's script family differs from
        the text's (`dataprep.text.script_language`): then the text's script decides, through
        the per-language rules of the language it names (a Chinese page tagged en or untagged
        gets zh's; a Hangul page gets ko's), or the top-level values for a spaced-script text
        tagged zh/ja/ko/th/...
        """
        lang = doc.metadata.get("lang") or self.config.default_lang or ""
        script_lang = script_language(doc.text)
        family = SCRIPT_FAMILY.get(_language_key(lang)) if lang else None
        if script_lang is not None and family != SCRIPT_FAMILY[script_lang]:
            lang = script_lang
        elif script_lang is None and family is not None:
            # Spaced-script text under a zh/ja/ko/th/... tag: the top-level (reference) values,
            # not default_lang's, which may add English stop words to pinyin or romaji.
            lang = ""
        if not lang:
            return self._base
        rules = self._resolved.get(lang)
        if rules is None:
            rules = self._by_lang.get(_language_key(lang), self._base)
            if len(self._resolved) < 4096:  # bounded, whatever the tags look like
                self._resolved[lang] = rules
        return rules

    def apply(self, doc: Document) -> Document | Drop:
        reason = self.check(doc.text, self._rules_for(doc))
        return doc if reason is None else Drop(reason)

    def check(self, text: str, rules) -> str | None:
        raise NotImplementedError
