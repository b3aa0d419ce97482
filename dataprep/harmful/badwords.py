"""C4's bad-words rule: whole-word, phrase and substring matches of list entries in a text.

Entries and text are compared after NFKC + casefold. Whole-word entries are looked up with
C-level set operations on the document's vocabulary, so the cost does not grow with the list;
only documents that hold a listed word, or every word of a listed phrase, are scanned in Python
to count occurrences. Entries in a script written without spaces (`dataprep.text`'s table, the
`badwords_substring` rows) or with no word characters (an emoji) are one compiled regex.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from typing import Iterable

from dataprep.text import BADWORDS_SUBSTRING_CLASS, MARKS_BMP

# Scripts whose entries match as substrings; in text each of their characters is its own token
# (so a Latin word inside a Chinese run is still a word).
_NO_SPACE = BADWORDS_SUBSTRING_CLASS
_NO_SPACE_RE = re.compile(f"[{_NO_SPACE}]")

# Combining marks (Mn/Mc/Me) in the BMP, plus ZWNJ/ZWJ. Python's `\w` leaves out combining marks
# (Devanagari vowel signs, Arabic harakat…), which would split Indic words in two. Astral-plane
# marks (historic scripts) are left out: every range past the BMP is one more linear check per
# non-word character, which halved the speed.
_MARKS = MARKS_BMP + "\u200c\u200d"


@functools.lru_cache(maxsize=1)
def _word_re() -> re.Pattern:
    """Runs of word characters (`\\w` plus combining marks)."""
    return re.compile(f"[\\w{_MARKS}]+")


@functools.lru_cache(maxsize=1)
def _word_re_no_space() -> re.Pattern:
    """As `_word_re`, but each character of a no-space script is a token of its own."""
    return re.compile(f"[{_NO_SPACE}]|(?:[^\\W{_NO_SPACE}]|[{_MARKS}])+")


# ASCII text (most English pages after NFKC): `\\w` is [A-Za-z0-9_], so mapping every other
# character to a space and splitting gives the same tokens as the regex, 3-4x faster.
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def nfkc_casefold(text: str) -> str:
    """NFKC then casefold: full-width letters, ligatures and case all compare equal."""
    if text.isascii():  # NFKC is the identity on ASCII, and casefold is lower
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def tokenize(normalized: str) -> list[str]:
    """Word tokens of a normalized text (see `_word_re`); one token per Han/kana/Thai/… character."""
    if normalized.isascii():
        return normalized.translate(_ASCII_SEPARATORS).split()
    if _NO_SPACE_RE.search(normalized) is None:
        return _word_re().findall(normalized)
    return _word_re_no_space().findall(normalized)


def _trie_pattern(strings: Iterable[str]) -> str:
    """One regex matching any of `strings`, shaped as a trie (`a(?:b|cd)`), so the engine tries one
    branch per distinct next character instead of one per entry. Longer entries win over their
    prefixes (greedy `?`), and matches do not overlap."""
    trie: dict = {}
    for s in strings:
        node = trie
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # an entry ends here: the rest is optional
            body = f"(?:{body})?"
        return body

    return build(trie)


class BadWordsMatcher:
    """Counts list-entry matches in a text: whole words, phrases, and substrings (no-space scripts)."""

    def __init__(self, entries: Iterable[str]):
        self.words: set[str] = set()
        self.phrases: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        substrings: set[str] = set()
        for entry in entries:
            norm = nfkc_casefold(entry).strip()
            if not norm:
                continue
            tokens = tuple(tokenize(norm))
            if _NO_SPACE_RE.search(norm) or not tokens:
                substrings.add(norm)
            elif len(tokens) == 1:
                self.words.add(tokens[0])
            else:
                self.phrases[tokens[0]].add(tokens)
        self.phrases = dict(self.phrases)
        self.phrase_firsts = frozenset(self.phrases)
        self.substrings = frozenset(substrings)
        self._substring_re = re.compile(_trie_pattern(substrings)) if substrings else None
        # Prefilter: each entry's first non-ASCII character (its first character if it has none).
        # A page holding none of them (an English page, for the CJK lists) cannot match, and a
        # character-class search costs a fraction of the alternation.
        anchors = {next((c for c in s if not c.isascii()), s[0]) for s in substrings}
        self._substring_anchor = re.compile("[" + "".join(map(re.escape, sorted(anchors))) + "]") if anchors else None

    def __len__(self) -> int:
        return len(self.words) + sum(map(len, self.phrases.values())) + len(self.substrings)

    def count(self, text: str, stop_after: int | None = None) -> tuple[int, int]:
        """(matches, words) in `text`. With `stop_after`, may stop counting once matches exceed it."""
        norm = nfkc_casefold(text)
        tokens = tokenize(norm)
        hits = 0
        for _ in self._scan(norm, tokens, stop_early=stop_after == 0):
            hits += 1
            if stop_after is not None and hits > stop_after:
                break
        return hits, len(tokens)

    def matches(self, text: str, limit: int = 5) -> list[str]:
        """The first `limit` distinct entries found in `text`, in the order met (the audit detail
        of a drop: which word decided)."""
        norm = nfkc_casefold(text)
        found: dict[str, None] = {}
        for entry in self._scan(norm, tokenize(norm)):
            found[entry] = None
            if len(found) >= limit:
                break
        return list(found)

    def _scan(self, norm: str, tokens: list[str], stop_early: bool = False):
        """Each match in a normalized text, as the entry it matched: whole words and phrases in
        token order, then substring entries. With `stop_early`, a whole-word hit is yielded
        without the ordered scan (the caller wants to know only that there is one)."""
        vocab = set(tokens)
        hit_words = self.words & vocab
        # A phrase can only occur if all its words do: most pages share "big" or "black" with a
        # phrase but not the rest, and skip the scan below.
        hit_phrases = [
            p for first in self.phrase_firsts & vocab for p in self.phrases[first] if vocab.issuperset(p)
        ]
        if hit_words and stop_early:
            yield min(hit_words)
            return
        if hit_words or hit_phrases:  # rare path: occurrences in order
            starts = hit_words | {p[0] for p in hit_phrases}
            for i, tok in enumerate(tokens):
                if tok not in starts:
                    continue
                if tok in hit_words:
                    yield tok
                for phrase in hit_phrases:
                    if phrase[0] == tok and tuple(tokens[i : i + len(phrase)]) == phrase:
                        yield " ".join(phrase)
        if self._substring_re is not None and self._substring_anchor.search(norm):
            for match in self._substring_re.finditer(norm):
                yield match.group(0)
