"""Text utilities shared by the heuristic filters, dedup and the bad-words matcher: scripts, words,
lines, sentences.

Everything here runs on every document, so the regexes are compiled once at import and the
functions stay allocation-light.

Words in scripts written without spaces. Han, Hiragana/Katakana, Thai, Lao, Khmer and Myanmar
text has no spaces between words, so splitting on whitespace makes a whole Chinese paragraph one
"word" and every such page "too short". Here each character of those scripts, together with the
combining marks that follow it (Thai vowel signs and tone marks, Myanmar medials, ...), counts as
one word. That over-counts words (a Chinese word is ~1.5 characters) rather than under-counting
them, so word-count floors stay lenient for these languages; rules that assume multi-letter words
(mean word length, words per line) get per-language overrides in `dataprep.heuristics`.
Segmentation is decided by script, not by the language tag, so mixed pages (Japanese with English
terms) and untagged pages split the same way.

Character classes come from `unicodedata` (Python 3.11 ships Unicode 14.0): a newer Python may
classify a handful of newly assigned characters differently. Segmentation is deterministic for a
given Python version.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# --- character classes ----------------------------------------------------------------


class ScriptRange(NamedTuple):
    first: int  # inclusive code points
    last: int
    script: str
    char_words: bool  # each character is a word in `split_words` / `split_tokens`
    badwords_substring: bool  # dataprep.harmful: bad-words entries match inside words, tokens per character


# The one table of scripts written without spaces between words. Word splitting covers the
# scripts whose words run together (Han, kana, Thai, Lao, Khmer, Myanmar); the bad-words matcher
# also treats Hangul (Korean spaces separate phrases: particles attach to the word) and Tibetan
# (a tsheg separates syllables, not words) this way, so their entries match inside a phrase.
# Columns: first, last, script, char_words, badwords_substring.
SPACELESS_SCRIPTS: tuple[ScriptRange, ...] = tuple(map(ScriptRange._make, (
    (0x0E00, 0x0E7F, "Thai", True, True),
    (0x0E80, 0x0EFF, "Lao", True, True),
    (0x0F00, 0x0FFF, "Tibetan", False, True),
    (0x1000, 0x109F, "Myanmar", True, True),
    (0x1100, 0x11FF, "Hangul Jamo", False, True),
    (0x1780, 0x17FF, "Khmer", True, True),
    (0x19E0, 0x19FF, "Khmer symbols", True, False),
    (0x2E80, 0x2FDF, "CJK radicals supplement, Kangxi radicals", True, True),
    (0x3005, 0x3007, "々 〆 〇", True, False),
    (0x3021, 0x3029, "Hangzhou numerals", True, False),
    (0x3031, 0x3035, "vertical kana repeat marks", True, False),
    (0x3038, 0x303C, "〸〹〺〻〼", True, False),
    (0x3040, 0x309F, "Hiragana", True, True),
    (0x30A0, 0x30FF, "Katakana", True, True),
    (0x3100, 0x318F, "Bopomofo, Hangul compatibility Jamo", False, True),
    (0x31A0, 0x31EF, "Bopomofo extended, CJK strokes", False, True),
    (0x31F0, 0x31FF, "Katakana phonetic extensions", True, True),
    (0x3400, 0x4DBF, "CJK unified ideographs extension A", True, True),
    (0x4E00, 0x9FFF, "CJK unified ideographs", True, True),
    (0xA960, 0xA97F, "Hangul Jamo extended-A", False, True),
    (0xA9E0, 0xA9FF, "Myanmar extended-B", True, False),
    (0xAA60, 0xAA7F, "Myanmar extended-A", True, False),
    (0xAC00, 0xD7FF, "Hangul syllables, Hangul Jamo extended-B", False, True),
    (0xF900, 0xFAFF, "CJK compatibility ideographs", True, True),
    (0xFF66, 0xFF9F, "halfwidth Katakana", True, True),
    (0x1AFF0, 0x1B16F, "Kana extended-A/B, Kana supplement, small Kana extension", True, False),
    (0x20000, 0x2FA1F, "CJK extensions B-F, compatibility supplement", True, True),
    (0x2FA20, 0x2FFFF, "rest of the supplementary ideographic plane", False, True),
    (0x30000, 0x323AF, "CJK extensions G-H", True, True),
    (0x323B0, 0x3FFFF, "rest of the tertiary ideographic plane", False, True),
)))
_SPACELESS_BLOCKS = tuple((r.first, r.last) for r in SPACELESS_SCRIPTS if r.char_words)

# Sentence-final punctuation per language (ISO 639-1, plus the lid.176 codes yue/wuu), beyond
# the ASCII . ! ? every language here also uses. Closing quotes/brackets that commonly end a
# CJK sentence (」』”) are included, as C4 includes the ASCII double quote.
SENTENCE_END_BY_LANG: dict[str, str] = {
    **dict.fromkeys(("zh", "ja", "yue", "wuu"), "。！？｡．」』”"),
    **dict.fromkeys(("hi", "mr", "ne", "sa", "bn", "as", "pa", "or", "bh", "mai"), "।॥"),
    **dict.fromkeys(("ar", "fa", "ps", "sd", "ug", "ckb", "arz"), "؟۔"),
    "ur": "؟۔",
    "hy": "։",
    "el": "\u037e;",  # the Greek question mark; NFC turns it into the ASCII semicolon
    **dict.fromkeys(("am", "ti"), "።፧"),
    "my": "။",
    "km": "។៕",
    "bo": "།༎",
}

ELLIPSES: tuple[str, ...] = ("...", "…")


def _class(points) -> str:
    """A regex character-class body (no brackets) for a set of code points, as ranges."""
    points = sorted(points)
    parts = []
    start = prev = None
    for cp in points:
        if prev is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            parts.append(_range(start, prev))
        start = prev = cp
    if start is not None:
        parts.append(_range(start, prev))
    return "".join(parts)


def _range(lo: int, hi: int) -> str:
    esc = lambda cp: f"\\U{cp:08x}"  # noqa: E731 - always a valid escape inside a class
    return esc(lo) if lo == hi else f"{esc(lo)}-{esc(hi)}"


def char_class(ranges) -> str:
    """A regex character-class body (no brackets) for inclusive (first, last) code point ranges."""
    return "".join(_range(lo, hi) for lo, hi in ranges)


def _build_classes() -> tuple[str, str, str, str]:
    # Only the BMP is scanned: a class with ranges above U+FFFF is matched by a linear scan of
    # those ranges in `re`, which made word splitting 3x slower. Punctuation outside the BMP
    # (historic scripts) therefore counts as word characters; the supplementary ideograph planes
    # are added below as two ranges.
    punct, marks = set(), set()
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] == "P":
            punct.add(cp)
        elif cat[0] == "M":
            marks.add(cp)
    spaceless = set()
    for lo, hi in _SPACELESS_BLOCKS:
        spaceless.update(cp for cp in range(lo, min(hi, 0xFFFF) + 1) if cp not in punct and cp not in marks)
    supplementary = char_class((lo, hi) for lo, hi in _SPACELESS_BLOCKS if lo > 0xFFFF)
    return _class(punct), _class(marks), _class(spaceless), supplementary


_P, MARKS_BMP, _SL_BMP, _SL_ASTRAL = _build_classes()
_SL = _SL_BMP + _SL_ASTRAL
# Combining marks; ideographic variation selectors (U+E0100-E01EF) follow Han characters.
_M = MARKS_BMP + _range(0xE0100, 0xE01EF)
#: Class body of the scripts whose bad-words entries match inside words (`dataprep.harmful`).
BADWORDS_SUBSTRING_CLASS = char_class((r.first, r.last) for r in SPACELESS_SCRIPTS if r.badwords_substring)

# One spaceless-script character with its combining marks.
_SL_CHAR = f"[{_SL}][{_M}]*"
# A character that belongs to a word in a spaced script: not whitespace, not punctuation (Unicode
# P*), not a spaceless-script base. Symbols (S*: $ + | © emoji) and digits are word characters,
# so `|`-separated menus count as non-alphabetic words, as whitespace tokens do in Gopher.
_WCH = f"[^\\s{_P}{_SL}]"
# Apostrophes and hyphens join word parts ("don't", "state-of-the-art" are one word each), and
# so do a point or comma between digits ("3.14", "10,000").
_JOIN = "(?:['\u2019\\-\u2010]|(?<=\\d)[.,](?=\\d))"

# Possessive quantifiers: a word never needs backtracking, and `re` runs faster without it.
_SPACED_WORD_RE = re.compile(f"{_WCH}++(?:{_JOIN}{_WCH}++)*+")
_WORD_RE = re.compile(f"{_SPACED_WORD_RE.pattern}|{_SL_CHAR}")
# Punctuation next to a spaceless character sticks to it ("园。" is one token), as "park." is one
# whitespace token: punctuation alone never counts as a word.
_TOKEN_RE = re.compile(f"[{_P}]*{_SL_CHAR}[{_P}]*|[^\\s{_SL}]+")
# Scanning for a class with ranges above U+FFFF is slow, so the BMP part is searched first and
# the astral ranges only when the text has astral characters at all.
_SPACELESS_BMP_RE = re.compile(f"[{_SL_BMP}]")
_ASTRAL_RE = re.compile("[\\U00010000-\\U0010ffff]")
_SPACELESS_ASTRAL_RE = re.compile(f"[{_SL_ASTRAL}]")
_HAS_WORD_CHAR = re.compile(f"{_WCH}|[{_SL}]")
_HAS_LETTER = re.compile(r"[^\W\d_]")

# --- words -----------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    """Word tokens of `text`, punctuation removed.

    Spaced scripts split on whitespace and punctuation (`"Hello, world!"` → `["Hello", "world"]`;
    `don't` and `e-mail` stay whole); each Han/Kana/Thai/Lao/Khmer/Myanmar character (with its
    combining marks) is one word. Segmentation is by script, not by language tag, so a wrong or
    missing tag changes nothing.
    """
    # Most pages have no spaceless character: the one-branch pattern is much faster on them.
    if has_spaceless_chars(text):
        return _WORD_RE.findall(text)
    return _SPACED_WORD_RE.findall(text)


def split_tokens(text: str) -> list[str]:
    """Whitespace tokens, except that each spaceless-script character is its own token.

    For text without such characters this is exactly `text.split()` (the tokenization of the
    TFDS C4 code, punctuation included), so C4's words-per-line and word-length rules keep their
    reference meaning and only gain a sensible one for Chinese, Japanese, Thai...
    """
    if has_spaceless_chars(text):
        return _TOKEN_RE.findall(text)
    return text.split()


def has_spaceless_chars(text: str) -> bool:
    """True when `text` has a character of a script written without spaces."""
    if text.isascii():
        return False
    if _SPACELESS_BMP_RE.search(text) is not None:
        return True
    return _ASTRAL_RE.search(text) is not None and _SPACELESS_ASTRAL_RE.search(text) is not None


def has_letter(word: str) -> bool:
    """True when `word` contains an alphabetic character (any script)."""
    return word.isalpha() or _HAS_LETTER.search(word) is not None


# --- lines and paragraphs ----------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """Non-blank lines (`str.splitlines` boundaries), stripped."""
    return [s for s in map(str.strip, text.splitlines()) if s]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: runs of non-blank lines separated by blank lines; lines stripped, joined by "\\n"."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in map(str.strip, text.splitlines()):
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


# --- sentences --------------------------------------------------------------------------

# Marks that end a sentence only before whitespace or the end (so 3.14 and example.com do not).
_SPACED_TERMINALS = ".!?…" + "।॥؟۔։\u037e።፧။។៕།༎"
# Full-width CJK marks end a sentence wherever they are: no space follows them.
_CJK_TERMINALS = "。！？｡"
_CLOSERS = "\"'”’»)\\]}」』】）"
# One character class first, so `re` can skip quickly to candidate marks. Group 1: the mark run;
# group 2: whitespace or the end follows; group 3: the first character after that whitespace.
_TERMINAL_RE = re.compile(
    f"([{re.escape(_SPACED_TERMINALS + _CJK_TERMINALS)}]+)[{_CLOSERS}]*(\\s+(?=(\\S))|\\s*$)?"
)


def count_sentences(text: str) -> int:
    """Approximate number of sentences: terminal punctuation runs that end a segment with words.

    A stand-in for NLTK's Punkt (which C4 used): a mark followed by a lowercase word is not a
    boundary ("e.g. the"), nor is a mark inside a token ("3.14"); full-width CJK marks need no
    following space. Known-abbreviation handling is not attempted ("Mr. Smith" counts two).
    Trailing text without a final mark is one sentence.
    """
    count = 0
    start = 0
    for match in _TERMINAL_RE.finditer(text):
        if match.group(1)[-1] not in _CJK_TERMINALS:
            if match.group(2) is None:
                continue  # "3.14", "example.com"
            following = match.group(3)
            if following is not None and following.islower():
                continue  # "e.g. the"
        if _HAS_WORD_CHAR.search(text, start, match.start()):
            count += 1
        start = match.end()
    if _HAS_WORD_CHAR.search(text, start):
        count += 1
    return count


# --- writing systems ----------------------------------------------------------------------

#: From this fraction of a text's letters in scripts written without spaces on, the text is judged
#: by character-word rules, whatever its language tag. Why 0.15: with English words of 4.7 letters
#: on average, a text whose letters are a fraction f Han/kana has a mean word length of
#: 1 / (f + (1 - f) / 4.7) (each such character is a word), under Gopher's floor of 3 from f = 0.15
#: on: past that share, word-length rules measure the script mix, not the text.
CHAR_WORD_SHARE = 0.15

_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACELESS_RE = re.compile(f"[{_SL}]")
_KANA_RE = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\U0001aff0-\U0001b16f]")
# Hangul syllables and jamo: Korean is written with spaces between words (eojeol), but one
# syllable block holds 2-3 letters, so its words look short to a letter-based rule.
_HANGUL_RE = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af]")
# Spaceless scripts that are not Han/kana, by the language whose rules fit them.
_SOUTHEAST_ASIAN_RE = tuple((lang, re.compile(f"[{cls}]")) for lang, cls in (
    ("th", "\u0e00-\u0e7f"),
    ("lo", "\u0e80-\u0eff"),
    ("km", "\u1780-\u17ff\u19e0-\u19ff"),
    ("my", "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"),
))


def script_language(text: str, share: float = CHAR_WORD_SHARE) -> str | None:
    """The language whose word rules fit `text`'s script mix, or None for spaced scripts.

    "zh" or "ja" (Han/kana, "ja" when kana are at least a tenth of those characters), "th", "lo",
    "km" or "my" when at least `share` of the letters are in scripts written without spaces; else
    "ko" when at least `share` of them are Hangul; else None (Latin, Cyrillic, Arabic, ...). Word
    splitting goes by script, so rules that depend on what a word is (its length, words per
    line, n-gram sizes) must too: a language tag can be wrong or missing (a Chinese page with
    English terms tagged en; text without language ID).
    """
    if text.isascii():
        return None
    letters = len(_LETTER_RE.findall(text))
    if not letters:
        return None
    spaceless = len(_SPACELESS_RE.findall(text)) if has_spaceless_chars(text) else 0
    if spaceless and spaceless >= share * letters:
        counts = [(len(pattern.findall(text)), lang) for lang, pattern in _SOUTHEAST_ASIAN_RE]
        cjk = spaceless - sum(n for n, _ in counts)
        best, lang = max(counts)
        if best > cjk:
            return lang
        return "ja" if len(_KANA_RE.findall(text)) * 10 >= cjk else "zh"
    if len(_HANGUL_RE.findall(text)) >= share * letters:
        return "ko"
    return None
