"""The Gopher presets: `gopher_quality` and `gopher_repetition` (Rae et al. 2021, App. A)."""

from __future__ import annotations

import dataclasses
import typing
from collections import Counter
from itertools import accumulate, compress, filterfalse

from dataprep.config import ConfigError, option
from dataprep.heuristics.base import (
    CHAR_WORD_LANGS,
    CJK_LANGS,
    DEFAULT_LANG_HELP,
    HANGUL_LANGS,
    PER_LANGUAGE_HELP,
    SOUTHEAST_ASIAN_LANGS,
    Heuristic,
    repeats,
)
from dataprep.text import ELLIPSES, has_letter, split_lines, split_paragraphs, split_words

# --- reasons ----------------------------------------------------------------------------

GOPHER_SHORT_DOC = "gopher_short_doc"
GOPHER_LONG_DOC = "gopher_long_doc"
GOPHER_MEAN_WORD_LENGTH = "gopher_mean_word_length"
GOPHER_SYMBOL_RATIO = "gopher_symbol_ratio"
GOPHER_BULLET_LINES = "gopher_bullet_lines"
GOPHER_ELLIPSIS_LINES = "gopher_ellipsis_lines"
GOPHER_ALPHA_WORDS = "gopher_alpha_words"
GOPHER_STOP_WORDS = "gopher_stop_words"

GOPHER_DUP_LINE_FRAC = "gopher_dup_line_frac"
GOPHER_DUP_PARA_FRAC = "gopher_dup_para_frac"
GOPHER_DUP_LINE_CHAR_FRAC = "gopher_dup_line_char_frac"
GOPHER_DUP_PARA_CHAR_FRAC = "gopher_dup_para_char_frac"


def gopher_top_ngram_reason(n: int) -> str:
    return f"gopher_top_{n}gram_char_frac"


def gopher_dup_ngram_reason(n: int) -> str:
    return f"gopher_dup_{n}gram_char_frac"


# --- Gopher quality -----------------------------------------------------------------------

# Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
# App. A (MassiveWeb quality filters): "at least two of the following English words".
GOPHER_STOP_WORDS_EN = ("the", "be", "to", "of", "and", "that", "have", "with")

# What counts as a bullet at the start of a line. The paper says "bullet point" without a list;
# these are the bullet glyphs plus the ASCII list markers that HTML-to-text extraction emits.
# Dashes (– —) are left out: they open dialogue lines in several languages.
BULLETS = ("•", "‣", "◦", "▪", "▫", "●", "○", "■", "□", "➢", "►", "▶", "*", "-")


def _gopher_quality_per_language() -> dict[str, dict]:
    # Words are single characters in these scripts, so a mean word length of 3-10 cannot hold.
    overrides: dict[str, dict] = {
        lang: {"min_mean_word_length": None, "max_mean_word_length": None} for lang in CHAR_WORD_LANGS
    }
    # A Hangul syllable block holds 2.5 letters (jamo) on average (measured: 868 jamo in 345
    # syllables of two real Korean news pages), so Gopher's 3-10 letters are 1.2-4.0 blocks.
    # With the reference bounds real ko pages dropped at 2.6-2.95 blocks per word.
    for lang in HANGUL_LANGS:
        overrides[lang] = {"min_mean_word_length": 1.2, "max_mean_word_length": 4.0}
    # The stop-word rule is English-specific: it applies only to languages given a list here, so
    # German or Chinese pages are not dropped for lacking "the". Recipes add lists per language,
    # e.g. per_language: {de: {stop_words: [der, die, und, ...]}}.
    overrides["en"] = {"stop_words": GOPHER_STOP_WORDS_EN}
    return overrides


@dataclasses.dataclass(frozen=True)
class GopherQualityConfig:
    # All numbers: Rae et al. 2021 (Gopher), App. A, MassiveWeb quality filters; null disables a rule.
    min_doc_words: int | None = option(50, "Drop documents with fewer words (Gopher: 50).", range=(0, None))
    max_doc_words: int | None = option(
        100_000, "Drop documents with more words (Gopher: 100,000).", range=(0, None)
    )
    min_mean_word_length: float | None = option(
        3.0, "Drop when the mean word length is below (Gopher: 3).", range=(0, None)
    )
    max_mean_word_length: float | None = option(
        10.0, "Drop when the mean word length is above (Gopher: 10).", range=(0, None)
    )
    max_symbol_word_ratio: float | None = option(
        0.1, "Drop when '#' per word, or ellipses ('...', '…') per word, exceeds this (Gopher: 0.1).",
        range=(0, None),
    )
    max_bullet_lines_ratio: float | None = option(
        0.9, "Drop when more than this fraction of non-blank lines start with a bullet (Gopher: 0.9).",
        range=(0, 1),
    )
    max_ellipsis_lines_ratio: float | None = option(
        0.3, "Drop when more than this fraction of non-blank lines end with an ellipsis (Gopher: 0.3).",
        range=(0, 1),
    )
    min_alpha_words_ratio: float | None = option(
        0.8, "Drop when fewer than this fraction of words contain a letter (Gopher: 0.8).", range=(0, 1)
    )
    min_stop_words: int | None = option(
        2, "Drop when fewer stop-word occurrences than this (Gopher: 2); only where stop_words is set.",
        range=(0, None),
    )
    stop_words: tuple[str, ...] = option(
        (), "Stop words (case-insensitive). Empty by default; per_language.en sets Gopher's 8 English words."
    )
    bullets: tuple[str, ...] = option(BULLETS, "Line prefixes that count as a bullet.")
    default_lang: str | None = option("en", DEFAULT_LANG_HELP)
    per_language: dict[str, dict] = option(factory=_gopher_quality_per_language, help=PER_LANGUAGE_HELP)


# --- Gopher repetition --------------------------------------------------------------------


_GOPHER_TOP_NGRAMS = {2: 0.20, 3: 0.18, 4: 0.16}
_GOPHER_DUP_NGRAMS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}


def _scaled_ngrams(limits: dict[int, float], chars_per_word: int) -> dict[int, float | None]:
    """The same limits at n × chars_per_word, the reference n switched off (None)."""
    return {**dict.fromkeys(limits), **{n * chars_per_word: limit for n, limit in limits.items()}}


def _gopher_repetition_per_language() -> dict[str, dict]:
    # Where each character is a word, n characters span fewer words than n words do, and short
    # character n-grams repeat in normal prose. Measured on the quickstart sample (after langid):
    # with the reference n this preset dropped 59 of 87 Chinese/Japanese pages (52 for duplicated
    # 5-grams) against 76 of 531 pages in other languages; with the limits moved to 2n characters
    # (about n Chinese/Japanese words) it drops 11 of 87 (13%, others 14%). Thai/Lao/Khmer/Myanmar
    # words run ~3 letters, hence 3n (by analogy, not measured). Reasons then name the character
    # n: gopher_dup_10gram_char_frac for zh is the 5-word rule.
    overrides: dict[str, dict] = {}
    for langs, scale in ((CJK_LANGS, 2), (SOUTHEAST_ASIAN_LANGS, 3)):
        for lang in langs:
            overrides[lang] = {
                "max_top_ngram_char_frac": _scaled_ngrams(_GOPHER_TOP_NGRAMS, scale),
                "max_dup_ngram_char_frac": _scaled_ngrams(_GOPHER_DUP_NGRAMS, scale),
            }
    return overrides


@dataclasses.dataclass(frozen=True)
class GopherRepetitionConfig:
    # All numbers: Rae et al. 2021 (Gopher), App. A, MassiveWeb repetition removal, Table A1.
    max_dup_line_frac: float | None = option(
        0.3, "Drop when more than this fraction of non-blank lines repeat an earlier line (Gopher: 0.30).",
        range=(0, 1),
    )
    max_dup_para_frac: float | None = option(
        0.3, "Drop when more than this fraction of paragraphs repeat an earlier one (Gopher: 0.30).", range=(0, 1)
    )
    max_dup_line_char_frac: float | None = option(
        0.2, "Drop when repeated lines hold more than this fraction of line characters (Gopher: 0.20).",
        range=(0, 1),
    )
    max_dup_para_char_frac: float | None = option(
        0.2, "Drop when repeated paragraphs hold more than this fraction of characters (Gopher: 0.20).",
        range=(0, 1),
    )
    max_top_ngram_char_frac: dict[int, float | None] = option(
        factory=lambda: dict(_GOPHER_TOP_NGRAMS),
        help="{n: max}: drop when the most frequent repeated word n-gram covers more than max of the "
        "word characters (Gopher: 2: 0.20, 3: 0.18, 4: 0.16).",
    )
    max_dup_ngram_char_frac: dict[int, float | None] = option(
        factory=lambda: dict(_GOPHER_DUP_NGRAMS),
        help="{n: max}: drop when word n-grams occurring more than once cover more than max of the word "
        "characters, overlaps counted once (Gopher: 5: 0.15 … 10: 0.10).",
    )
    default_lang: str | None = option("en", DEFAULT_LANG_HELP)
    per_language: dict[str, dict] = option(factory=_gopher_repetition_per_language, help=PER_LANGUAGE_HELP)


class _GopherQualityRules(typing.NamedTuple):
    config: GopherQualityConfig
    stop_words: frozenset


class GopherQuality(Heuristic):
    """Gopher quality filters (Rae et al. 2021, App. A).

    Words are `dataprep.text.split_words` (punctuation removed; one word per Han/Kana/Thai/...
    character); lines are the non-blank lines, stripped. Checked in this order: word count, mean
    word length, '#' and ellipsis per word, bullet lines, ellipsis lines, words with a letter,
    stop words.
    """

    name = "gopher_quality"
    config_cls = GopherQualityConfig

    def _prepare(self, config):
        return _GopherQualityRules(config, frozenset(w.lower() for w in config.stop_words))

    def check(self, text: str, rules: _GopherQualityRules) -> str | None:
        c = rules.config
        words = split_words(text)
        n_words = len(words)
        if c.min_doc_words is not None and n_words < c.min_doc_words:
            return GOPHER_SHORT_DOC
        if c.max_doc_words is not None and n_words > c.max_doc_words:
            return GOPHER_LONG_DOC
        if n_words:
            mean = sum(map(len, words)) / n_words
            if (c.min_mean_word_length is not None and mean < c.min_mean_word_length) or (
                c.max_mean_word_length is not None and mean > c.max_mean_word_length
            ):
                return GOPHER_MEAN_WORD_LENGTH
            # "symbol-to-word ratio greater than 0.1 for either the hash symbol or the ellipsis".
            if c.max_symbol_word_ratio is not None:
                hashes = text.count("#")
                ellipses = text.count("...") + text.count("…")
                if max(hashes, ellipses) / n_words > c.max_symbol_word_ratio:
                    return GOPHER_SYMBOL_RATIO
        lines = split_lines(text)
        if lines:
            if c.max_bullet_lines_ratio is not None and c.bullets:
                bullets = sum(1 for line in lines if line.startswith(c.bullets))
                if bullets / len(lines) > c.max_bullet_lines_ratio:
                    return GOPHER_BULLET_LINES
            if c.max_ellipsis_lines_ratio is not None:
                ellipsis_lines = sum(1 for line in lines if line.endswith(ELLIPSES))
                if ellipsis_lines / len(lines) > c.max_ellipsis_lines_ratio:
                    return GOPHER_ELLIPSIS_LINES
        if n_words and c.min_alpha_words_ratio is not None:
            # Most words are all letters (str.isalpha, in C); only the rest need the regex.
            no_letter = sum(1 for w in filterfalse(str.isalpha, words) if not has_letter(w))
            if (n_words - no_letter) / n_words < c.min_alpha_words_ratio:
                return GOPHER_ALPHA_WORDS
        # Occurrences, not distinct words: "the ... the" counts two (as the datatrove and Dolma
        # implementations do); case-insensitive ("The" counts). Stops as soon as enough are seen.
        if c.min_stop_words is not None and rules.stop_words:
            needed = c.min_stop_words
            stop_words = rules.stop_words
            for word in words:
                if needed <= 0:
                    break
                if word.lower() in stop_words:
                    needed -= 1
            if needed > 0:
                return GOPHER_STOP_WORDS
        return None


class GopherRepetition(Heuristic):
    """Gopher repetition removal (Rae et al. 2021, App. A, Table A1).

    Lines are non-blank stripped lines; paragraphs are separated by blank lines. Character
    fractions of lines/paragraphs are over the characters of all lines/paragraphs. N-gram
    statistics use lowercased words (`dataprep.text.split_words`) and count word characters
    (no spaces): "top n-gram" is the most frequent n-gram that occurs at least twice (ties:
    the longest), weighted by its count; "duplicate n-gram" covers every word inside any
    n-gram that occurs more than once, each word counted once however many n-grams cover it.
    """

    name = "gopher_repetition"
    config_cls = GopherRepetitionConfig

    def _prepare(self, config):
        top = {n: t for n, t in config.max_top_ngram_char_frac.items() if t is not None}
        dup = {n: t for n, t in config.max_dup_ngram_char_frac.items() if t is not None}
        if any(n < 1 for n in (*top, *dup)):
            raise ConfigError(f"{self.name}: n-gram sizes must be ≥ 1, got {sorted({*top, *dup})}")
        for key, limits in (("max_top_ngram_char_frac", top), ("max_dup_ngram_char_frac", dup)):
            for n, limit in limits.items():
                if not 0 <= limit <= 1:  # a fraction of characters; NaN fails too
                    raise ConfigError(f"{self.name}.{key}.{n}: must be in [0, 1], got {limit!r}")
        plan = tuple((n, top.get(n), dup.get(n)) for n in sorted({*top, *dup}))
        return config, plan

    def check(self, text: str, rules) -> str | None:
        c, plan = rules
        lines = split_lines(text)
        paragraphs = split_paragraphs(text)
        line_dups, line_dup_chars = repeats(lines)
        para_dups, para_dup_chars = repeats(paragraphs)
        if lines and c.max_dup_line_frac is not None and line_dups / len(lines) > c.max_dup_line_frac:
            return GOPHER_DUP_LINE_FRAC
        if paragraphs and c.max_dup_para_frac is not None and para_dups / len(paragraphs) > c.max_dup_para_frac:
            return GOPHER_DUP_PARA_FRAC
        if lines and c.max_dup_line_char_frac is not None:
            if line_dup_chars / sum(map(len, lines)) > c.max_dup_line_char_frac:
                return GOPHER_DUP_LINE_CHAR_FRAC
        if paragraphs and c.max_dup_para_char_frac is not None:
            if para_dup_chars / sum(map(len, paragraphs)) > c.max_dup_para_char_frac:
                return GOPHER_DUP_PARA_CHAR_FRAC
        return _ngram_check(split_words(text.lower()), plan) if plan else None


def _ngram_check(words: list[str], plan) -> str | None:
    """The first n-gram rule of `plan` ((n, top limit, dup limit), n ascending) that fails.

    One full count, at the smallest n; after it only the start positions of repeated n-grams are
    visited. That is exact: an n-gram occurring twice starts with an (n-1)-gram occurring twice,
    so every occurrence of a repeated n-gram starts at a position that was repeated before. The
    work after the first n shrinks with the repetition, and stops when nothing repeats.
    """
    lengths = list(map(len, words))
    total = sum(lengths)
    if not total:
        return None
    prefix = [0, *accumulate(lengths)]  # characters of words[i:j] = prefix[j] - prefix[i]
    repeated: list[int] | None = None  # start positions of n-grams that occur more than once
    for n, top_limit, dup_limit in plan:
        last = len(words) - n
        if last < 0:
            break
        if repeated is None:
            grams = list(zip(*[words[i:] for i in range(n)]))
            counts = Counter(grams)
            if len(counts) == len(grams):
                break  # no n-gram repeats, so no longer one does either
            # [i for i in range(len(grams)) if counts[grams[i]] > 1], without a Python-level loop.
            repeated = list(compress(range(len(grams)), map((1).__lt__, map(counts.__getitem__, grams))))
            repeated_grams = list(map(grams.__getitem__, repeated))
        else:
            candidates = [i for i in repeated if i <= last]
            grams = [tuple(words[i : i + n]) for i in candidates]
            counts = Counter(grams)
            repeated, repeated_grams = [], []
            for i, gram in zip(candidates, grams):
                if counts[gram] > 1:
                    repeated.append(i)
                    repeated_grams.append(gram)
            if not repeated:
                break
        if top_limit is not None:
            top = max(map(counts.__getitem__, repeated_grams))
            longest = max(
                prefix[i + n] - prefix[i] for i, gram in zip(repeated, repeated_grams) if counts[gram] == top
            )
            if top * longest / total > top_limit:
                return gopher_top_ngram_reason(n)
        if dup_limit is not None:
            covered = bytearray(len(words))
            run = b"\x01" * n
            for i in repeated:
                covered[i : i + n] = run
            if sum(compress(lengths, covered)) / total > dup_limit:
                return gopher_dup_ngram_reason(n)
    return None


