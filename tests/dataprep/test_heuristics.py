"""Every rule of every preset on literal mini-documents: just inside and just outside each threshold.

Documents are built so that the rule under test is the only one near its limit; where a rule's
neighbours cannot be kept away by construction, they are switched off through options, which
also exercises option merging.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from dataprep.config import ConfigError
from dataprep.text import script_language
from dataprep.document import Document, Drop
from dataprep.heuristics import (
    C4,
    PRESETS,
    C4Config,
    FineWebCodeDupConfig,
    FineWebConfig,
    GopherQuality,
    GopherQualityConfig,
    GopherRepetitionConfig,
    make_heuristic,
)

# --- helpers ----------------------------------------------------------------------------------


def run(stage_or_name, text: str, lang: str | None = None, **options):
    stage = make_heuristic(stage_or_name, options) if isinstance(stage_or_name, str) else stage_or_name
    metadata = {"lang": lang} if lang else {}
    result = stage.apply(Document(id="d", text=text, source="web", metadata=metadata))
    return result.reason if isinstance(result, Drop) else "kept"


def word(i: int, length: int, prefix: str = "f") -> str:
    """A distinct lowercase word of exactly `length` letters (length ≥ 4)."""
    code = ""
    for _ in range(3):
        code += chr(ord("a") + i % 26)
        i //= 26
    return (prefix + code + "z" * length)[:length]


def fillers(chars: int, start: int = 0) -> list[str]:
    """Distinct words whose lengths add up to exactly `chars` (mostly 5 letters)."""
    count, rest = divmod(chars, 5)
    lengths = [5] * count
    if rest:
        lengths[-1] += rest
    return [word(start + i, n) for i, n in enumerate(lengths)]


def english(n_words: int, stop=("the", "and"), filler="house") -> str:
    return " ".join(list(stop) + [filler] * (n_words - len(stop))) + "."


ZH = "今天天气很好，我们一起去公园散步，然后在湖边吃了午饭。"  # 24 Han characters
JA = "今日はとても良い天気なので、友達と一緒に公園へ散歩に行きました。"
TH = "ภาษาไทยเป็นภาษาที่สวยงามและมีประวัติศาสตร์ยาวนาน"


# --- gopher_quality -------------------------------------------------------------------------


def test_gopher_word_count_bounds():
    assert run("gopher_quality", english(49)) == "gopher_short_doc"
    assert run("gopher_quality", english(50)) == "kept"
    assert run("gopher_quality", english(100_000)) == "kept"
    assert run("gopher_quality", english(100_001)) == "gopher_long_doc"


def test_gopher_mean_word_length_bounds():
    low = ["the", "and"] + ["cat"] * 48  # mean 3.0
    assert run("gopher_quality", " ".join(low)) == "kept"
    low[-1] = "ox"  # mean 2.98
    assert run("gopher_quality", " ".join(low)) == "gopher_mean_word_length"
    high = ["the", "and"] + ["abcdefghij"] * 46 + ["abcdefghijklmnopq"] * 2  # 500 chars / 50 = 10.0
    assert run("gopher_quality", " ".join(high)) == "kept"
    high[-1] += "r"  # mean 10.02
    assert run("gopher_quality", " ".join(high)) == "gopher_mean_word_length"


@pytest.mark.parametrize("symbol", ["#house", "house...", "house…"])
def test_gopher_symbol_ratio(symbol):
    def text(k):  # 50 words, k of them carrying the symbol, never at a line end
        return " ".join(["the", "and"] + [symbol] * k + ["house"] * (48 - k)) + "."

    assert run("gopher_quality", text(5)) == "kept"  # 5 / 50 = 0.1
    assert run("gopher_quality", text(6)) == "gopher_symbol_ratio"


def test_gopher_symbol_ratio_counts_hashes_and_ellipses_separately():
    # 4 '#' and 4 ellipses: each ratio 0.08 ≤ 0.1, though together they would be 0.16.
    words = ["the", "and"] + ["#house"] * 4 + ["house..."] * 4 + ["house"] * 40
    assert run("gopher_quality", " ".join(words) + ".") == "kept"


@pytest.mark.parametrize("bullet", ["-", "•", "*"])
def test_gopher_bullet_lines(bullet):
    def text(k):  # 20 lines of 5 words, k of them bulleted
        return "\n".join((f"{bullet} " if i < k else "") + "the house and the garden" for i in range(20))

    assert run("gopher_quality", text(18)) == "kept"  # 0.9
    assert run("gopher_quality", text(19)) == "gopher_bullet_lines"  # 0.95


def test_gopher_ellipsis_lines():
    def text(k):  # 10 lines of 7 words, k of them ending with an ellipsis
        return "\n".join("the house and the garden is nice" + ("..." if i < k else ".") for i in range(10))

    assert run("gopher_quality", text(3)) == "kept"  # 0.3
    assert run("gopher_quality", text(4)) == "gopher_ellipsis_lines"
    unicode_ellipsis = "\n".join("the house and the garden is nice" + ("…" if i < 4 else ".") for i in range(10))
    assert run("gopher_quality", unicode_ellipsis) == "gopher_ellipsis_lines"


@pytest.mark.parametrize("non_alpha", ["123", "|"])
def test_gopher_alpha_words(non_alpha):
    def text(k):  # 50 words, k without any letter
        return " ".join(["the", "and"] + [non_alpha] * k + ["house"] * (48 - k)) + "."

    assert run("gopher_quality", text(10)) == "kept"  # 40 / 50 = 0.8
    assert run("gopher_quality", text(11)) == "gopher_alpha_words"  # 0.78


def test_gopher_stop_words():
    assert run("gopher_quality", english(60, stop=("the", "and"))) == "kept"
    assert run("gopher_quality", english(60, stop=("the", "the"))) == "kept"  # occurrences count
    assert run("gopher_quality", english(60, stop=("The", "AND"))) == "kept"  # case-insensitive
    assert run("gopher_quality", english(60, stop=("the",))) == "gopher_stop_words"
    assert run("gopher_quality", english(60, stop=())) == "gopher_stop_words"


def test_gopher_stop_words_apply_only_to_languages_with_a_list():
    german = english(60, stop=("der", "und"))
    assert run("gopher_quality", german, lang="en") == "gopher_stop_words"
    assert run("gopher_quality", german, lang="de") == "kept"
    # Untagged documents get default_lang (en), i.e. the reference rules ...
    assert run("gopher_quality", german) == "gopher_stop_words"
    # ... unless default_lang is cleared.
    assert run("gopher_quality", german, default_lang=None) == "kept"
    # A recipe adds a German list: now German pages need two of its words.
    options = {"per_language": {"de": {"stop_words": ["der", "die", "und"]}}}
    assert run("gopher_quality", german, lang="de", **options) == "kept"
    assert run("gopher_quality", english(60, stop=("der",)), lang="de", **options) == "gopher_stop_words"


def test_gopher_quality_cjk_and_thai_are_not_too_short():
    # Whitespace splitting sees one "word" in each; per-character words see dozens.
    assert len((ZH * 3).split()) == 1
    assert run("gopher_quality", ZH * 3, lang="zh") == "kept"  # 72 words
    assert run("gopher_quality", JA * 2, lang="ja") == "kept"
    assert run("gopher_quality", TH * 2, lang="th") == "kept"
    # The word floor still applies, counted in characters.
    assert run("gopher_quality", ZH * 2, lang="zh") == "gopher_short_doc"  # 48 words
    # Without a language tag, or with a wrong one, the script decides: Chinese text gets zh's rules.
    assert run("gopher_quality", ZH * 3) == "kept"
    assert run("gopher_quality", ZH * 3, lang="en") == "kept"


def test_gopher_region_subtag_falls_back_to_language():
    assert run("gopher_quality", ZH * 3, lang="zh-Hant") == "kept"
    assert run("gopher_quality", ZH * 3, lang="zh_TW") == "kept"


def test_gopher_per_language_override():
    short = english(30)
    assert run("gopher_quality", short, lang="de") == "gopher_short_doc"
    options = {"per_language": {"de": {"min_doc_words": 20}}}
    assert run("gopher_quality", short, lang="de", **options) == "kept"
    assert run("gopher_quality", short, lang="en", **options) == "gopher_short_doc"
    # Adding German keeps the default zh override (merge, not replace).
    assert run("gopher_quality", ZH * 3, lang="zh", **options) == "kept"


def test_gopher_rule_can_be_switched_off():
    assert run("gopher_quality", english(10), min_doc_words=None) == "kept"


def test_gopher_quality_natural_english_page_is_kept():
    text = (
        "The history of the city goes back more than two thousand years.\n"
        "Its harbour was one of the busiest in the region, and merchants from many countries "
        "settled there with their families.\n"
        "Today the old town is a protected site that attracts visitors from all over the world, "
        "who come to see the churches, the markets and the narrow streets.\n"
    )
    assert run("gopher_quality", text) == "kept"


# --- gopher_repetition ----------------------------------------------------------------------

NO_NGRAMS = {
    "max_top_ngram_char_frac": {2: None, 3: None, 4: None},
    "max_dup_ngram_char_frac": {n: None for n in range(5, 11)},
}


def unique_lines(count: int, start: int = 0) -> list[str]:
    return [" ".join(fillers(50, start=start + 100 * i)) for i in range(count)]


def test_gopher_dup_line_frac():
    inside = ["----"] * 4 + unique_lines(6)  # 10 lines, 3 repeats: 0.3
    outside = ["----"] * 5 + unique_lines(5)  # 4 repeats: 0.4
    assert run("gopher_repetition", "\n".join(inside)) == "kept"
    assert run("gopher_repetition", "\n".join(outside)) == "gopher_dup_line_frac"


def test_gopher_dup_para_frac():
    options = {"max_dup_line_frac": None, "max_dup_line_char_frac": None}
    inside = ["----"] * 4 + unique_lines(6)
    outside = ["----"] * 5 + unique_lines(5)
    assert run("gopher_repetition", "\n\n".join(inside), **options) == "kept"
    assert run("gopher_repetition", "\n\n".join(outside), **options) == "gopher_dup_para_frac"


def test_gopher_paragraphs_are_separated_by_blank_lines():
    # Consecutive lines form one paragraph: repeated lines inside it are not repeated paragraphs.
    text = "\n".join(["----"] * 5 + unique_lines(5))
    assert run("gopher_repetition", text, max_dup_line_frac=None, max_dup_line_char_frac=None) == "kept"


def test_gopher_dup_line_char_frac():
    def text(repeated: int):  # a punctuation line (no words) twice + three 100-letter lines
        return "\n".join(["-" * repeated] * 2 + [word(i, 100, "u") for i in range(3)])

    assert run("gopher_repetition", text(100)) == "kept"  # 100 / 500 = 0.2
    assert run("gopher_repetition", text(101)) == "gopher_dup_line_char_frac"  # 101 / 502


def test_gopher_dup_para_char_frac():
    def text(repeated: int):
        return "\n\n".join(["-" * repeated] * 2 + [word(i, 100, "u") for i in range(3)])

    options = {"max_dup_line_frac": None, "max_dup_line_char_frac": None}
    assert run("gopher_repetition", text(100), **options) == "kept"
    assert run("gopher_repetition", text(101), **options) == "gopher_dup_para_char_frac"


def interleave(gram: list[str], copies: int, filler_words: list[str]) -> str:
    """`copies` copies of `gram`, each pair separated by at least one filler word."""
    groups = [filler_words[i::copies + 1] for i in range(copies + 1)]
    out: list[str] = []
    for i, group in enumerate(groups):
        out += group
        if i < copies:
            out += gram
    return " ".join(out)


@pytest.mark.parametrize(
    "n, copies, fill_inside, fill_outside",
    [
        # (4 chars × 5) / (20 + 80) = 0.20; with 75 filler chars 20/95 > 0.20
        (2, 5, 80, 75),
        # (6 × 15) / (90 + 410) = 0.18; with 405: 90/495 > 0.18
        (3, 15, 410, 405),
        # (8 × 5) / (40 + 210) = 0.16; with 205: 40/245 > 0.16
        (4, 5, 210, 205),
    ],
)
def test_gopher_top_ngram_char_frac(n, copies, fill_inside, fill_outside):
    gram = ["aa", "bb", "cc", "dd"][:n]  # 2 letters per word: 2n characters
    inside = interleave(gram, copies, fillers(fill_inside))
    outside = interleave(gram, copies, fillers(fill_outside))
    assert run("gopher_repetition", inside) == "kept"
    assert run("gopher_repetition", outside) == f"gopher_top_{n}gram_char_frac"


def test_gopher_top_ngram_is_the_most_frequent_not_the_longest():
    # "aa bb" 5 times (4 letters) and a 20-letter 2-gram twice: the top 2-gram is "aa bb",
    # 5 × 4 / 200 = 0.1. Weighting the longer repeated 2-gram would give 5 × 20 / 200 = 0.5.
    long_gram = [word(0, 10, "l"), word(1, 10, "l")]
    words = fillers(140)
    text = interleave(["aa", "bb"], 5, words[:14]) + " " + interleave(long_gram, 2, words[14:])
    assert run("gopher_repetition", text) == "kept"


def test_gopher_top_ngram_is_case_insensitive():
    gram = ["AA", "bb"]
    text = interleave(["aa", "bb"], 3, fillers(75)) + " " + " ".join(gram) + " " + " ".join(gram)
    assert run("gopher_repetition", text) == "gopher_top_2gram_char_frac"  # 5 × 4 / 95


@pytest.mark.parametrize(
    "n, gram_chars, total",
    # Two copies of an n-word gram of `gram_chars` letters in `total` word characters:
    # 2 × gram_chars / total is exactly the threshold for n.
    [(5, 30, 400), (6, 42, 600), (7, 52, 800), (8, 48, 800), (9, 55, 1000), (10, 50, 1000)],
)
def test_gopher_dup_ngram_char_frac(n, gram_chars, total):
    base, extra = divmod(gram_chars, n)
    gram = [word(i, base + (i < extra), "g") for i in range(n)]
    assert sum(map(len, gram)) == gram_chars

    def text(filler_chars):
        words = fillers(filler_chars)
        third = len(words) // 3
        return " ".join(words[:third] + gram + words[third : 2 * third] + gram + words[2 * third :])

    # Inside: also shows overlaps count once. The gram holds n - 4 overlapping repeated 5-grams;
    # counting each 5-gram's characters separately would exceed 0.15 for every n > 5.
    assert run("gopher_repetition", text(total - 2 * gram_chars)) == "kept"
    assert run("gopher_repetition", text(total - 2 * gram_chars - 5)) == f"gopher_dup_{n}gram_char_frac"


def test_gopher_repetition_repeated_page_is_dropped():
    page = " ".join(fillers(300))
    assert run("gopher_repetition", page) == "kept"
    assert run("gopher_repetition", page + " " + page) == "gopher_dup_5gram_char_frac"


def test_gopher_ngram_thresholds_merge_and_switch_off():
    gram = ["aa", "bb"]
    text = interleave(gram, 5, fillers(75))  # top 2-gram 0.21
    assert run("gopher_repetition", text) == "gopher_top_2gram_char_frac"
    assert run("gopher_repetition", text, max_top_ngram_char_frac={2: 0.25}) == "kept"
    assert run("gopher_repetition", text, max_top_ngram_char_frac={2: None}) == "kept"
    stage = make_heuristic("gopher_repetition", {"max_top_ngram_char_frac": {2: 0.25}})
    assert stage.config.max_top_ngram_char_frac == {2: 0.25, 3: 0.18, 4: 0.16}


def test_gopher_repetition_per_language_override():
    text = interleave(["aa", "bb"], 5, fillers(75))
    options = {"per_language": {"fr": {"max_top_ngram_char_frac": {2: 0.3}}}}
    assert run("gopher_repetition", text, lang="fr", **options) == "kept"
    assert run("gopher_repetition", text, lang="en", **options) == "gopher_top_2gram_char_frac"


def test_gopher_repetition_counts_chinese_ngrams_at_twice_the_characters():
    # A 7-character phrase three times among 99 distinct characters: 21 / 120 = 0.175 of the
    # characters sit in repeated 5-character grams (over 0.15), but no 10-character gram repeats
    # and the top 6-character gram covers 18 / 120 = 0.15 ≤ 0.18.
    phrase = "中华人民共和国"
    chars = [chr(0x4E00 + 7 * i) for i in range(99)]
    text = "".join(chars[:33]) + phrase + "".join(chars[33:66]) + phrase + "".join(chars[66:]) + phrase
    # The script decides, not the tag: an en tag on Chinese text still gets zh's character n-grams.
    assert run("gopher_repetition", text, lang="en") == run("gopher_repetition", text, lang="zh")
    assert run("gopher_repetition", text, lang="zh") == "kept"
    assert run("gopher_repetition", text + text, lang="zh") == "gopher_dup_10gram_char_frac"  # a page twice


def test_gopher_repetition_natural_and_cjk_text_kept():
    assert run("gopher_repetition", ZH + JA + "天高云淡，望断南飞雁。不到长城非好汉，屈指行程二万。", lang="zh") == "kept"
    assert run("gopher_repetition", "") == "kept"


# --- c4 -----------------------------------------------------------------------------------------

GOOD = [
    "The first good line has plenty of words in it.",
    "The second good line is also a full sentence here.",
    "And a third good line closes the little page nicely.",
]


def c4(text: str, lang: str | None = None, **options):
    stage = make_heuristic("c4", options)
    return stage.apply(Document(id="d", text=text, source="web", metadata={"lang": lang} if lang else {}))


def test_c4_line_removal_semantics():
    lines = [
        "The first kept line has plenty of words.",
        "Short line here.",  # 3 words
        "This line has many words but no end mark",
        "Please enable JavaScript in your browser to continue.",
        "By using this site you agree to the Terms of Use.",
        "We use cookies to improve your experience on this site.",
        "The story goes on and on and on and then...",  # ends with '...': removed though it ends with '.'
        "",
        "  A cited fact is still a fact, says the author.[1]  ",
        'He said "this is the best day of my life"',
        "Some claim this is true and well proven.[citation needed]",
        "Five words make a line.",
        "Four words too few.",
        "function init() { return 1; }",  # '{' in a line already removed: the page stays
        "History[edit]",
    ]
    result = c4("\n".join(lines))
    assert isinstance(result, Document)
    assert result.text == "\n".join(
        [
            "The first kept line has plenty of words.",
            "A cited fact is still a fact, says the author.",
            'He said "this is the best day of my life"',
            "Some claim this is true and well proven.",
            "Five words make a line.",
        ]
    )
    assert result.metadata["c4_lines_removed"] == 9  # blank lines are not counted


def test_c4_keeps_metadata_and_reports_zero_removed():
    doc = Document(id="d", text="\n".join(GOOD), source="web", metadata={"lang": "en", "x": 1})
    result = make_heuristic("c4").apply(doc)
    assert result.text == doc.text and result.metadata == {"lang": "en", "x": 1, "c4_lines_removed": 0}
    assert doc.metadata == {"lang": "en", "x": 1}  # the input is not mutated


def test_c4_min_words_per_line_boundary():
    assert c4("\n".join(GOOD + ["One two three four five."])).metadata["c4_lines_removed"] == 0
    assert c4("\n".join(GOOD + ["One two three four."])).metadata["c4_lines_removed"] == 1


@pytest.mark.parametrize("mark", [".", "?", "!", '"'])
def test_c4_end_marks(mark):
    assert c4("\n".join(GOOD + ["This line ends with the mark" + mark])).metadata["c4_lines_removed"] == 0
    assert c4("\n".join(GOOD + ["This line ends with the mark" + mark + ")"])).metadata["c4_lines_removed"] == 1


@pytest.mark.parametrize("phrase", ["terms of use", "privacy policy", "cookie policy", "uses cookies",
                                    "use of cookies", "use cookies", "javascript"])
def test_c4_policy_and_javascript_lines(phrase):
    line = f"Read about {phrase.upper()} on this page today."
    result = c4("\n".join(GOOD + [line]))
    assert result.text == "\n".join(GOOD) and result.metadata["c4_lines_removed"] == 1


def test_c4_lorem_ipsum_drops_the_page():
    assert c4("\n".join(GOOD + ["Lorem ipsum dolor sit amet, consectetur adipiscing."])) == Drop("c4_lorem_ipsum")
    # Only lines that passed the line rules are looked at (TFDS order).
    assert isinstance(c4("\n".join(GOOD + ["lorem ipsum dolor sit amet"])), Document)


def test_c4_curly_bracket_drops_the_page():
    assert c4("\n".join(GOOD + ["Call it with { and then you are done."])) == Drop("c4_curly_bracket")
    assert isinstance(c4("\n".join(GOOD + ["var x = {"])), Document)  # no end mark: line removed first
    # 'javascript' is checked before '{': such a line is removed, the page stays.
    result = c4("\n".join(GOOD + ["In JavaScript you open a block with {."]))
    assert isinstance(result, Document) and result.metadata["c4_lines_removed"] == 1


def test_c4_too_few_sentences():
    assert c4("\n".join(GOOD[:2])) == Drop("c4_too_few_sentences")
    assert isinstance(c4("\n".join(GOOD)), Document)
    three_in_one_line = "One two three four five. Six seven eight nine ten. Eleven twelve thirteen fourteen."
    assert isinstance(c4(three_in_one_line), Document)
    assert c4("One two three four five. Six seven eight nine ten.") == Drop("c4_too_few_sentences")
    assert c4("") == Drop("c4_too_few_sentences")


def test_c4_too_long_word_removes_the_line_not_the_page():
    # TFDS: a line with a word over 1000 characters is removed (counted, not a page drop).
    ok = "This line has a " + "x" * 1000 + " word in it."
    too_long = "This line has a " + "x" * 1001 + " word in it."
    assert c4("\n".join(GOOD + [ok])).metadata["c4_lines_removed"] == 0
    result = c4("\n".join(GOOD + [too_long]))
    assert result.text == "\n".join(GOOD) and result.metadata["c4_lines_removed"] == 1


def test_c4_chinese_lines_counted_in_characters():
    ten = "甲乙丙丁戊己庚辛壬癸。"  # 10 characters
    nine = "甲乙丙丁戊己庚辛壬。"
    page = "\n".join([ten] * 3)
    assert c4(page, lang="zh").metadata["c4_lines_removed"] == 0
    assert c4("\n".join([ten] * 3 + [nine]), lang="zh").metadata["c4_lines_removed"] == 1
    assert c4(page, lang="zh-CN").metadata["c4_lines_removed"] == 0
    # Untagged, the script decides: zh's rules, so "。" still ends a sentence.
    assert c4(page).metadata["c4_lines_removed"] == 0


def test_c4_thai_needs_no_end_mark():
    page = "\n".join([TH] * 3)
    assert c4(page, lang="th").metadata["c4_lines_removed"] == 0
    assert c4(page, lang="en").metadata["c4_lines_removed"] == 0  # Thai script: th's rules


def test_c4_per_language_override():
    page = "\n".join(GOOD + ["Four words too few."])
    options = {"per_language": {"de": {"min_words_per_line": 4}}}
    assert c4(page, lang="de", **options).metadata["c4_lines_removed"] == 0
    assert c4(page, lang="en", **options).metadata["c4_lines_removed"] == 1


# --- fineweb ------------------------------------------------------------------------------------


def line(i: int, length: int, end: str = ".") -> str:
    prefix = f"line {i:04d} "
    return prefix + "a" * (length - len(prefix) - len(end)) + end


def test_fineweb_line_punct_ratio():
    def text(punctuated):  # 100 lines of 40 characters
        return "\n".join(line(i, 40, "." if i < punctuated else "a") for i in range(100))

    assert run("fineweb", text(13)) == "kept"
    assert run("fineweb", text(12)) == "fineweb_line_punct_ratio"  # 0.12 is not above 0.12


@pytest.mark.parametrize("end", [".", "'", '"', "!", "?"])
def test_fineweb_end_marks(end):
    assert run("fineweb", "\n".join(line(i, 40, end) for i in range(5))) == "kept"


def test_fineweb_short_lines():
    def text(short, length=29):
        return "\n".join(line(i, length if i < short else 60) for i in range(100))

    assert run("fineweb", text(66)) == "kept"
    assert run("fineweb", text(67)) == "fineweb_short_lines"  # 0.67 is not below 0.67
    assert run("fineweb", text(67, length=30)) == "kept"  # 30 characters is not "shorter than 30"
    assert run("fineweb", text(67, length=30), short_line_length=31) == "fineweb_short_lines"  # code's <= 30


def test_fineweb_dup_line_chars():
    repeated = line(9999, 50)

    def text(unique_chars):  # the repeated line twice, then unique lines
        lengths = [100] * (unique_chars // 100 - 1) + [100 + unique_chars % 100]
        return "\n".join([repeated, repeated] + [line(i, n) for i, n in enumerate(lengths)])

    assert run("fineweb", text(401)) == "kept"  # 50 / 501
    assert run("fineweb", text(400)) == "fineweb_dup_line_chars"  # 50 / 500 = 0.1


def test_fineweb_code_dup_preset():
    repeated = line(9999, 30)

    def text(unique_chars):
        lengths = [100] * (unique_chars // 100 - 1) + [100 + unique_chars % 100]
        return "\n".join([repeated, repeated] + [line(i, n) for i, n in enumerate(lengths)])

    assert run("fineweb_code_dup", text(2941)) == "kept"  # 30 / 3001
    assert run("fineweb_code_dup", text(2940)) == "fineweb_dup_line_chars"  # 30 / 3000 = 0.01
    assert run("fineweb", text(2940)) == "kept"  # the paper's 0.1


def test_fineweb_ignores_blank_lines():
    text = "\n\n\n\n".join(line(i, 60) for i in range(3))  # 3 lines, 9 blank ones between
    assert run("fineweb", text) == "kept"


def test_fineweb_languages():
    zh_page = "\n".join(f"{ZH[:18]}{i}。" for i in range(10))  # 20 characters, ending in 。
    assert run("fineweb", zh_page, lang="zh") == "kept"
    assert run("fineweb", zh_page, lang="en") == "kept"  # Chinese script: zh's end marks
    th_page = "\n".join(f"{TH} {i}" for i in range(10))  # Thai ends sentences without punctuation
    assert run("fineweb", th_page, lang="th") == "kept"
    assert run("fineweb", th_page, lang="en") == "kept"  # Thai script: th's rules
    options = {"per_language": {"de": {"line_punct_thr": None}}}
    assert run("fineweb", th_page, lang="de", **options) == "kept"


def test_fineweb_empty_document():
    assert run("fineweb", "") == "fineweb_line_punct_ratio"


# --- registry and options ----------------------------------------------------------------------


def test_presets_and_names():
    assert set(PRESETS) == {"gopher_quality", "gopher_repetition", "c4", "fineweb", "fineweb_code_dup"}
    for name, cls in PRESETS.items():
        stage = make_heuristic(name)
        assert isinstance(stage, cls) and stage.name == name


def test_reference_defaults():
    g = GopherQualityConfig()
    assert (g.min_doc_words, g.max_doc_words) == (50, 100_000)
    assert (g.min_mean_word_length, g.max_mean_word_length) == (3, 10)
    assert (g.max_symbol_word_ratio, g.max_bullet_lines_ratio, g.max_ellipsis_lines_ratio) == (0.1, 0.9, 0.3)
    assert (g.min_alpha_words_ratio, g.min_stop_words) == (0.8, 2)
    assert g.per_language["en"]["stop_words"] == ("the", "be", "to", "of", "and", "that", "have", "with")
    r = GopherRepetitionConfig()
    assert (r.max_dup_line_frac, r.max_dup_para_frac, r.max_dup_line_char_frac, r.max_dup_para_char_frac) == (
        0.3, 0.3, 0.2, 0.2,
    )
    assert r.max_top_ngram_char_frac == {2: 0.20, 3: 0.18, 4: 0.16}
    assert r.max_dup_ngram_char_frac == {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    c = C4Config()
    assert (c.min_words_per_line, c.min_sentences, c.max_word_length) == (5, 3, 1000)
    assert c.end_marks == (".", "?", "!", '"')
    f = FineWebConfig()
    assert (f.line_punct_thr, f.short_line_length, f.short_line_thr, f.char_dup_thr) == (0.12, 30, 0.67, 0.1)
    assert FineWebCodeDupConfig().char_dup_thr == 0.01


def test_default_language_overrides():
    g = GopherQualityConfig().per_language
    for lang in ("zh", "ja", "th"):
        assert g[lang] == {"min_mean_word_length": None, "max_mean_word_length": None}
    c = C4Config().per_language
    assert c["zh"]["min_words_per_line"] == 10 and "。" in c["zh"]["end_marks"]
    assert c["th"]["require_end_mark"] is False
    assert "।" in c["hi"]["end_marks"] and "؟" in c["ar"]["end_marks"]
    assert FineWebConfig().per_language["th"]["line_punct_thr"] is None
    zh = GopherRepetitionConfig().per_language["zh"]
    assert zh["max_top_ngram_char_frac"] == {2: None, 3: None, 4: 0.20, 6: 0.18, 8: 0.16}
    assert zh["max_dup_ngram_char_frac"] == {
        5: None, 6: None, 7: None, 8: None, 9: None, 10: 0.15, 12: 0.14, 14: 0.13, 16: 0.12, 18: 0.11, 20: 0.10,
    }
    assert GopherRepetitionConfig().per_language["th"]["max_top_ngram_char_frac"][6] == 0.20


def test_every_option_has_help():
    for cls in PRESETS.values():
        for field in dataclasses.fields(cls.config_cls):
            assert field.metadata.get("help"), f"{cls.name}.{field.name} has no help"


def test_unknown_preset():
    with pytest.raises(ValueError, match=r"unknown heuristic preset 'gopher'.*gopher_quality"):
        make_heuristic("gopher")


def test_unknown_option_key_names_it_and_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown option 'min_words'.*min_doc_words"):
        make_heuristic("gopher_quality", {"min_words": 10})
    with pytest.raises(ValueError, match=r"per_language\.de: unknown option 'min_words'.*min_doc_words"):
        make_heuristic("gopher_quality", {"per_language": {"de": {"min_words": 10}}})
    # default_lang and per_language configure the stage, not one language.
    with pytest.raises(ValueError, match=r"unknown option 'default_lang'"):
        make_heuristic("c4", {"per_language": {"de": {"default_lang": "en"}}})


@pytest.mark.parametrize(
    "name, options",
    [
        ("gopher_quality", {"min_doc_words": "50"}),
        ("gopher_quality", {"min_doc_words": True}),
        ("gopher_quality", {"min_doc_words": 1.5}),
        ("gopher_quality", {"max_symbol_word_ratio": "0.1"}),
        ("gopher_quality", {"stop_words": "the"}),
        ("gopher_quality", {"per_language": {"de": {"stop_words": [1, 2]}}}),
        ("gopher_quality", {"per_language": ["de"]}),
        ("gopher_repetition", {"max_top_ngram_char_frac": {"2": 0.2}}),
        ("c4", {"require_end_mark": "yes"}),
        ("fineweb", {"short_line_length": None}),
    ],
)
def test_option_types_are_checked(name, options):
    with pytest.raises(ConfigError):
        make_heuristic(name, options)


def test_ngram_sizes_must_be_positive():
    with pytest.raises(ValueError, match="n-gram sizes must be ≥ 1"):
        make_heuristic("gopher_repetition", {"max_dup_ngram_char_frac": {0: 0.1}})


def test_option_values_are_normalized():
    stage = make_heuristic("gopher_quality", {"max_symbol_word_ratio": 1, "stop_words": ["a", "b"]})
    assert stage.config.max_symbol_word_ratio == 1.0 and isinstance(stage.config.max_symbol_word_ratio, float)
    assert stage.config.stop_words == ("a", "b")


def test_config_objects_are_checked_too():
    with pytest.raises(ConfigError):
        GopherQuality(GopherQualityConfig(min_doc_words="many"))
    with pytest.raises(ValueError, match="unknown option 'nope'"):
        C4(C4Config(per_language={"de": {"nope": 1}}))


def test_reasons_are_prefixed_by_family():
    import dataprep.heuristics as h

    prefixes = {"GOPHER": "gopher_", "C4": "c4_", "FINEWEB": "fineweb_"}
    reasons = {k: v for k, v in vars(h).items() if k.split("_")[0] in prefixes and isinstance(v, str)}
    assert len(reasons) == 18  # 8 gopher quality, 4 gopher line/paragraph, 3 c4, 3 fineweb
    for key, value in reasons.items():
        assert value.startswith(prefixes[key.split("_")[0]]), (key, value)
    assert h.gopher_top_ngram_reason(3) == "gopher_top_3gram_char_frac"
    assert h.gopher_dup_ngram_reason(10) == "gopher_dup_10gram_char_frac"


def test_stages_pickle_and_are_deterministic():
    text = "\n".join(GOOD)
    for name in PRESETS:
        stage = make_heuristic(name)
        clone = pickle.loads(pickle.dumps(stage))
        doc = Document(id="d", text=text, source="web")
        assert clone.apply(doc) == stage.apply(doc) == stage.apply(doc)


# --- the script decides word rules (item 6) --------------------------------------------------------


def test_a_real_chinese_page_is_judged_by_its_script_whatever_its_tag():
    import pathlib

    from dataprep.extract import ExtractConfig, extract_text

    page = pathlib.Path(__file__).resolve().parent.parent / "data" / "pages" / "zh_xinhuanet.html"
    text = extract_text(page.read_bytes(), None, None, ExtractConfig(isolate=False))["text"]
    for lang in ("zh", "en", None):  # before: en or untagged → gopher_mean_word_length (1.0 < 3)
        assert run("gopher_quality", text, lang=lang) == "kept", lang
    # Mixed text: 10% Han letters keeps the English rules, 20% switches to zh's.
    prose = english(60)
    assert script_language(prose + "中" * (len(prose) // 12)) is None
    assert script_language(prose + "中" * (len(prose) // 4)) == "zh"


def test_korean_mean_word_length_in_hangul_blocks():
    # Eojeol of 2-3 syllable blocks (real ko pages: 2.6-2.95 blocks per word) are not "too short".
    ko = " ".join(["한국어", "문장은", "띄어쓰기를", "합니다", "그리고", "단어는", "짧다"] * 10)
    assert script_language(ko) == "ko"
    for lang in ("ko", "en", None):
        assert run("gopher_quality", ko, lang=lang) == "kept", lang
    one_block_words = " ".join("가나다라마바사아자차" * 8)
    assert run("gopher_quality", one_block_words, lang="ko") == "gopher_mean_word_length"
