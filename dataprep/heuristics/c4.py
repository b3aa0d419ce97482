"""The `c4` preset: TFDS c4_utils.clean_page, a line modifier and a page filter."""

from __future__ import annotations

import dataclasses
import re

from dataprep.config import option
from dataprep.document import Document, Drop
from dataprep.heuristics.base import (
    CJK_LANGS,
    DEFAULT_LANG_HELP,
    NO_END_MARK_LANGS,
    PER_LANGUAGE_HELP,
    SOUTHEAST_ASIAN_LANGS,
    Heuristic,
    with_marks,
)
from dataprep.text import SENTENCE_END_BY_LANG, count_sentences, split_tokens

C4_LOREM_IPSUM = "c4_lorem_ipsum"
C4_CURLY_BRACKET = "c4_curly_bracket"
C4_TOO_FEW_SENTENCES = "c4_too_few_sentences"


# tensorflow/datasets tensorflow_datasets/text/c4_utils.py: _END_MARKS, _POLICY_SUBSTRINGS.
C4_END_MARKS = (".", "?", "!", '"')
C4_POLICY_SUBSTRINGS = (
    "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies",
)
# c4_utils.get_clean_page_fn: Wikipedia-style citation markers, removed from every line.
_C4_CITATION = re.compile(r"\[\d*\]|\[edit\]|\[citation needed\]")


def _c4_per_language() -> dict[str, dict]:
    overrides: dict[str, dict] = {}
    for lang, marks in SENTENCE_END_BY_LANG.items():
        overrides[lang] = {"end_marks": with_marks(C4_END_MARKS, marks)}
    # "Words" are characters here: ~10 Chinese/Japanese characters or ~15 Thai/Lao/Khmer/Myanmar
    # letters make about the 5 words C4 asks of a line (rough averages, tune per corpus).
    for lang in CJK_LANGS:
        overrides.setdefault(lang, {})["min_words_per_line"] = 10
    for lang in SOUTHEAST_ASIAN_LANGS:
        overrides.setdefault(lang, {})["min_words_per_line"] = 15
    for lang in NO_END_MARK_LANGS:
        overrides[lang]["require_end_mark"] = False
    return overrides


@dataclasses.dataclass(frozen=True)
class C4Config:
    # Numbers and order of checks: TFDS c4_utils.clean_page (Raffel et al. 2020, §2.2), which the
    # C4 dataset was built with; the bad-words rule is the separate harmful-content stage.
    min_words_per_line: int = option(
        5, "Remove lines with fewer whitespace tokens (each Han/Kana/Thai/... character is one) (C4: 5).",
        range=(0, None),
    )
    min_sentences: int = option(
        3, "Drop the page if the kept lines hold fewer sentences (C4: 3).", range=(0, None)
    )
    max_word_length: int = option(
        1000, "Remove lines with a token longer than this many characters (C4: 1000).", range=(0, None)
    )
    end_marks: tuple[str, ...] = option(
        C4_END_MARKS, "Keep only lines ending with one of these (and not with '...') (C4: . ? ! \")."
    )
    require_end_mark: bool = option(True, "Apply the end-mark rule (off for Thai/Lao, which use none).")
    remove_citations: bool = option(True, "Strip [1], [edit], [citation needed] from lines (C4).")
    remove_javascript_lines: bool = option(True, "Remove lines containing 'javascript' (C4).")
    policy_substrings: tuple[str, ...] = option(
        C4_POLICY_SUBSTRINGS, "Remove lines containing any of these, lowercased (C4 policy lines)."
    )
    drop_lorem_ipsum: bool = option(True, "Drop the page if a kept line contains 'lorem ipsum' (C4).")
    drop_curly_bracket: bool = option(True, "Drop the page if a kept line contains '{' (C4: likely code).")
    default_lang: str | None = option("en", DEFAULT_LANG_HELP)
    per_language: dict[str, dict] = option(factory=_c4_per_language, help=PER_LANGUAGE_HELP)


class C4(Heuristic):
    """C4's clean_page (TFDS c4_utils): removes lines, may drop the page; a modifier and a filter.

    Per line, in the TFDS order: strip; remove it if a token is longer than max_word_length
    (tokens as `text.split_tokens`: for spaced text exactly `str.split`); strip citation markers;
    remove it unless it ends with an end mark (a line ending with '...' is removed too); remove it
    if it has fewer than min_words_per_line tokens; drop the page on 'lorem ipsum'; remove it if it
    mentions 'javascript'; drop the page on '{'; remove policy lines. The page-level checks see
    only lines that passed the line rules before them, as in TFDS ('{' in an unpunctuated line does
    not drop the page). Then drop the page if the kept lines hold fewer than min_sentences
    sentences. TFDS counts sentences with NLTK Punkt; `text.count_sentences` approximates it.

    The kept document has the kept lines joined by newlines and `metadata.c4_lines_removed`, the
    number of non-blank lines removed (blank lines are not counted).
    """

    name = "c4"
    config_cls = C4Config

    def apply(self, doc: Document) -> Document | Drop:
        c: C4Config = self._rules_for(doc)
        kept: list[str] = []
        removed = 0
        sentences = 0
        for line in doc.text.splitlines():
            line = line.strip()
            if not line:
                continue
            if len(line) > c.max_word_length and any(len(t) > c.max_word_length for t in split_tokens(line)):
                removed += 1
                continue
            if c.remove_citations:
                line = _C4_CITATION.sub("", line)
            if c.require_end_mark and (not line.endswith(c.end_marks) or line.endswith("...")):
                removed += 1
                continue
            if len(split_tokens(line)) < c.min_words_per_line:
                removed += 1
                continue
            lower = line.lower()
            if c.drop_lorem_ipsum and "lorem ipsum" in lower:
                return Drop(C4_LOREM_IPSUM)
            if c.remove_javascript_lines and "javascript" in lower:
                removed += 1
                continue
            if c.drop_curly_bracket and "{" in line:
                return Drop(C4_CURLY_BRACKET)
            if any(p in lower for p in c.policy_substrings):
                removed += 1
                continue
            if sentences < c.min_sentences:  # only the threshold matters: stop counting there
                sentences += count_sentences(line)
            kept.append(line)
        if sentences < c.min_sentences:
            return Drop(C4_TOO_FEW_SENTENCES)
        text = "\n".join(kept).strip()
        return dataclasses.replace(doc, text=text, metadata={**doc.metadata, "c4_lines_removed": removed})
