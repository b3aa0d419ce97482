from dataprep.text import (
    SENTENCE_END_BY_LANG,
    count_sentences,
    has_letter,
    has_spaceless_chars,
    split_lines,
    split_paragraphs,
    split_tokens,
    split_words,
)


# --- split_words ---------------------------------------------------------------------------


def test_split_words_english_drops_punctuation():
    assert split_words("Hello, world! (Really?) -- yes; \"quoted\" — done.") == [
        "Hello", "world", "Really", "yes", "quoted", "done",
    ]


def test_split_words_keeps_contractions_hyphens_and_numbers_whole():
    assert split_words("Don't stop: state-of-the-art, 3.14 and 10,000 people.") == [
        "Don't", "stop", "state-of-the-art", "3.14", "and", "10,000", "people",
    ]
    assert split_words("it’s") == ["it’s"]  # right single quotation mark as apostrophe


def test_split_words_splits_on_inner_punctuation_and_keeps_symbols():
    assert split_words("end.Next a/b foo_bar") == ["end", "Next", "a", "b", "foo", "bar"]
    # Symbols are words (so menus of them count as non-alphabetic words); '#' is punctuation.
    assert split_words("Home | News © 2024 #tag $5") == ["Home", "|", "News", "©", "2024", "tag", "$5"]


def test_split_words_each_han_and_kana_character_is_a_word():
    assert split_words("我们去公园。") == ["我", "们", "去", "公", "园"]
    assert split_words("日本語のテキスト") == ["日", "本", "語", "の", "テ", "キ", "ス", "ト"]


def test_split_words_mixed_scripts():
    assert split_words("我用iPhone拍照, ok?") == ["我", "用", "iPhone", "拍", "照", "ok"]


def test_split_words_thai_characters_keep_their_marks():
    # ง่ = NGO NGU + MAI EK (a tone mark, category Mn): one word, not two.
    words = split_words("ง่าย")
    assert words == ["ง่", "า", "ย"]


def test_split_words_devanagari_vowel_signs_stay_inside_words():
    # Python's \w does not match Devanagari vowel signs; a naive \w+ would cut these words apart.
    assert split_words("हिन्दी भाषा है।") == ["हिन्दी", "भाषा", "है"]


def test_split_words_chinese_page_is_not_one_word():
    text = "今天天气很好，我们一起去公园散步，然后在湖边吃了午饭。" * 3
    assert len(text.split()) == 1
    assert len(split_words(text)) == 3 * 24  # 6 + 9 + 9 characters, punctuation excluded


def test_split_words_empty():
    assert split_words("") == []
    assert split_words(" \n\t ... !!! ") == []


# --- split_tokens --------------------------------------------------------------------------


def test_split_tokens_is_str_split_for_spaced_scripts():
    for text in ["Hello , world!", "  a\tb\nc  ", "Привет, мир! Как дела?", "x — y ... z", ""]:
        assert split_tokens(text) == text.split()


def test_split_tokens_splits_spaceless_characters_with_punctuation_attached():
    assert split_tokens("「我们」去了公园。 ok") == ["「我", "们」", "去", "了", "公", "园。", "ok"]


def test_has_spaceless_chars():
    assert has_spaceless_chars("abc 日本")
    assert has_spaceless_chars("ภาษา")
    assert not has_spaceless_chars("Привет 한국어 abc")  # Hangul is written with spaces


# --- lines and paragraphs ------------------------------------------------------------------


def test_split_lines_strips_and_drops_blank_lines():
    text = "  one \n\n\t\ntwo\r\nthree  "
    assert split_lines(text) == ["one", "two", "three"]


def test_split_paragraphs_on_blank_lines():
    text = "a\nb\n\n  c  \n \t \n\nd\r\n\r\ne\n"
    assert split_paragraphs(text) == ["a\nb", "c", "d", "e"]
    assert split_paragraphs("single line") == ["single line"]
    assert split_paragraphs("\n\n") == []


# --- sentences -----------------------------------------------------------------------------


def test_sentence_end_marks_cover_cjk_devanagari_arabic():
    assert ";" in SENTENCE_END_BY_LANG["el"]  # a sentence end only in Greek
    assert "؟" in SENTENCE_END_BY_LANG["ar"]
    assert "。" in SENTENCE_END_BY_LANG["ja"] and "।" in SENTENCE_END_BY_LANG["hi"]


def test_count_sentences():
    assert count_sentences("One here. Two here! Three here?") == 3
    assert count_sentences("Pi is 3.14 and example.com is a site.") == 1
    assert count_sentences("Use e.g. the first one. Then stop.") == 2
    assert count_sentences('He said "Hi." Then he left.') == 2
    assert count_sentences("No final mark here") == 1
    assert count_sentences("Two. And a tail") == 2
    assert count_sentences("") == 0
    assert count_sentences("...") == 0


def test_count_sentences_multilingual():
    assert count_sentences("我们去了。你们呢？他们也去！") == 3  # no space after CJK marks
    assert count_sentences("नमस्ते। आप कैसे हैं?") == 2
    assert count_sentences("هل أنت بخير؟ نعم.") == 2


def test_has_letter():
    assert has_letter("abc1") and has_letter("日") and has_letter("x")
    assert not has_letter("123") and not has_letter("|") and not has_letter("_")
