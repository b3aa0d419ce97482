"""HTML → text with the real trafilatura, in-process and in the isolated child process."""

from __future__ import annotations

import codecs
import pickle
import threading

import pytest

from dataprep.document import Document, Drop
from dataprep.extract import Extract, ExtractConfig, ExtractError, decode_html, extract_text

IN_PROCESS = ExtractConfig(isolate=False)

GERMAN = ("Die Straße führt über die Brücke nach Köln. Größere Städte haben schönere Häuser.",
          "Zweiter Absatz mit Übermaß an Äpfeln – und „Anführungszeichen“ im Text.")
RUSSIAN = ("Москва - столица России, крупнейший по численности населения город страны.",
           "Второй абзац рассказывает о культуре и истории этого города.")
JAPANESE = ("日本語のテキストです。東京は日本の首都であり、世界最大級の都市圏を形成しています。",
            "二番目の段落では、文化と歴史について説明します。伝統的な祭りが各地で行われています。")
# ≈2.3 MB of paragraphs: about 2.5 s of trafilatura on the dev box.
PATHOLOGICAL = b"<html><body>" + b"<p>Some words in a paragraph that goes on for a while.</p>" * 40_000 + \
    b"</body></html>"


def html_body(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>Titel</title></head><body><article>{body}</article></body></html>"


def html(paragraphs, head: str = "") -> str:
    return html_body("".join(f"<p>{p}</p>" for p in paragraphs), head)


def page(payload: bytes, content_type: str | None = "text/html", url: str | None = "http://example.com/a",
         page_id: str = "p1") -> Document:
    return Document(page_id, "", "web", url, {"source_file": "a.warc.gz", "offset": 0}, payload=payload,
                    content_type=content_type)


@pytest.fixture(scope="module")
def isolated():
    stage = Extract(ExtractConfig(isolate=True))
    stage.setup()
    yield stage
    stage.teardown()


# --- charset ----------------------------------------------------------------------------


def test_charset_from_http_header_latin1_is_read_as_windows_1252():
    # The page says ISO-8859-1 but uses cp1252-only bytes (– „ “), as real pages do; browsers
    # decode latin-1 labels as windows-1252 (WHATWG), and so must we.
    payload = html(GERMAN).encode("cp1252")
    assert b"\x84" in payload and b"\x96" in payload  # „ and – : undefined in ISO-8859-1

    result = extract_text(payload, "text/html; charset=ISO-8859-1", None, IN_PROCESS)

    assert result["text"].split("\n") == list(GERMAN)
    assert (result["charset"], result["charset_source"]) == ("cp1252", "header")


def test_charset_from_meta_only_koi8r():
    head = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    result = extract_text(html(RUSSIAN, head).encode("koi8_r"), "text/html", None, IN_PROCESS)
    assert result["text"].split("\n") == list(RUSSIAN)
    assert (result["charset"], result["charset_source"]) == ("koi8-r", "meta")


def test_charset_html5_meta_charset():
    result = extract_text(html(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"), None, None, IN_PROCESS)
    assert result["text"].split("\n") == list(RUSSIAN)
    assert (result["charset"], result["charset_source"]) == ("cp1251", "meta")


def test_header_beats_meta():
    # The transport's word is final (the meta tag is often a template leftover).
    payload = html(RUSSIAN, '<meta charset="iso-8859-5">').encode("koi8_r")
    result = extract_text(payload, "text/html; charset=KOI8-R", None, IN_PROCESS)
    assert result["text"].split("\n") == list(RUSSIAN)
    assert result["charset_source"] == "header"


def test_undeclared_shift_jis_is_detected():
    payload = html(JAPANESE).encode("shift_jis")
    result = extract_text(payload, "text/html", None, IN_PROCESS)
    assert result["text"].split("\n") == list(JAPANESE)
    assert result["charset_source"] == "detected"
    assert result["charset"] in ("shift_jis", "cp932")


def test_plain_utf8_without_declaration():
    result = extract_text(html(JAPANESE).encode("utf-8"), "text/html", None, IN_PROCESS)
    assert result["text"].split("\n") == list(JAPANESE)
    assert (result["charset"], result["charset_source"]) == ("utf-8", "utf8")


def test_utf8_bom_beats_a_wrong_header():
    payload = codecs.BOM_UTF8 + html(GERMAN).encode("utf-8")
    result = extract_text(payload, "text/html; charset=iso-8859-1", None, IN_PROCESS)
    assert result["text"].split("\n") == list(GERMAN)
    assert result["charset_source"] == "bom"
    assert not result["text"].startswith("\ufeff")


def test_utf16_bom_html_file_without_content_type():
    # An HTML file saved as UTF-16 (Windows editors do): NUL bytes everywhere, yet text.
    payload = codecs.BOM_UTF16_LE + html(GERMAN).encode("utf-16-le")
    result = extract_text(payload, None, None, IN_PROCESS)
    assert result["text"].split("\n") == list(GERMAN)
    assert (result["charset"], result["charset_source"]) == ("utf-16", "bom")


@pytest.mark.parametrize("paragraphs", [1, 2])
@pytest.mark.parametrize("stray", [b"\xf6", b"\xfc", b"\xe9\xe9", b"\x80"])
def test_declared_utf8_with_invalid_bytes_keeps_the_rest_of_the_page(stray, paragraphs):
    # A latin-1 byte pasted into a UTF-8 page: the page is still UTF-8. Only the stray bytes
    # become U+FFFD; every other letter must survive. (Detection used to win here: cp1250
    # turned "über" into "ĂĽber" all over the page, or cp932 into "Brﾃｼcke".)
    text = (GERMAN[0], "Zweiter Absatz mit Übermaß an Äpfeln und Öfen.")[:paragraphs]
    payload = html(text).encode("utf-8").replace("Köln".encode(), b"K" + stray + b"ln")
    result = extract_text(payload, "text/html; charset=utf-8", None, IN_PROCESS)
    assert result["text"].split("\n") == [text[0].replace("Köln", "K" + "\ufffd" * len(stray) + "ln"), *text[1:]]
    assert (result["charset"], result["charset_source"]) == ("utf-8", "replaced")


def test_single_byte_page_mislabelled_utf8_is_detected():
    # No valid multi-byte sequence at all: this is not UTF-8, whatever the header says.
    payload = html(GERMAN[:1]).encode("cp1252")
    result = extract_text(payload, "text/html; charset=utf-8", None, IN_PROCESS)
    assert result["charset_source"] == "detected"
    assert "Größere Städte haben schönere Häuser" in result["text"]


def test_decode_html_unknown_label_falls_through():
    text, codec, source = decode_html("Grüße".encode("utf-8"), "text/html; charset=x-no-such-codec")
    assert (text, codec, source) == ("Grüße", "utf-8", "utf8")


# --- text shape -------------------------------------------------------------------------


def test_paragraphs_and_br_become_separate_lines():
    lines = ["The first line of a short poem is here", "the second line follows on its own",
             "and the third line ends the stanza."]
    paragraph = "A separate paragraph comes after the poem and has enough words to be kept."
    markup = f"<p>{'<br>'.join(lines[:2])}<br/>{lines[2]}</p><p>{paragraph}</p>"
    result = extract_text(html_body(markup).encode(), "text/html", None, IN_PROCESS)
    assert result["text"].split("\n") == lines + [paragraph]


# --- drops ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, content_type, config, reason",
    [
        (b"", "text/html", IN_PROCESS, "extract_empty_payload"),
        (b"  \r\n\t ", "text/html", IN_PROCESS, "extract_empty_payload"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", IN_PROCESS, "extract_not_html"),
        (b"%PDF-1.7 <p>not html</p>", "application/pdf", IN_PROCESS, "extract_not_html"),
        (b"PK\x03\x04\x14\x00\x00\x00<p>zip</p>", None, IN_PROCESS, "extract_not_html"),  # NUL bytes, no header
        (html(GERMAN).encode() * 10, "text/html", ExtractConfig(isolate=False, max_html_bytes=1_000),
         "extract_too_large"),
        (b"<html><head><script>var x = 1;</script></head><body><script>f()</script></body></html>",
         "text/html", IN_PROCESS, "extract_no_text"),
    ],
    ids=["empty", "whitespace", "png", "pdf", "binary-no-header", "too-large", "no-text"],
)
def test_drop_reasons(payload, content_type, config, reason):
    with pytest.raises(ExtractError) as error:
        extract_text(payload, content_type, None, config)
    assert error.value.reason == reason
    assert Extract(config).apply(page(payload, content_type)) == Drop(reason)


def test_content_type_parameters_and_case_are_ignored():
    result = extract_text(html(GERMAN).encode(), "Application/XHTML+XML ; charset=UTF-8", None, IN_PROCESS)
    assert result["text"].split("\n") == list(GERMAN)


# --- the stage, isolated and not ------------------------------------------------------------


def test_stage_output_document(isolated):
    raw = page(html(GERMAN).encode("cp1252"), "text/html; charset=windows-1252", page_id="abc")
    doc = isolated.apply(raw)
    assert isinstance(doc, Document)
    assert (doc.id, doc.source, doc.url) == ("abc", "web", "http://example.com/a")
    assert doc.text.split("\n") == list(GERMAN)
    assert doc.metadata == {"source_file": "a.warc.gz", "offset": 0, "charset": "cp1252",
                            "charset_source": "header"}


def test_isolated_and_in_process_give_the_same_text(isolated):
    pages = [
        page(html(GERMAN).encode("cp1252"), "text/html; charset=iso-8859-1"),
        page(html(RUSSIAN, '<meta charset="koi8-r">').encode("koi8_r")),
        page(html(JAPANESE).encode("shift_jis")),
        page(b"<html><body><div><h2>Heading</h2><p>Text under the heading with some words in it.</p>"
             b"<table><tr><td>cell one</td><td>cell two</td></tr></table></div></body></html>"),
        page(b"", "text/html"),
    ]
    in_process = Extract(IN_PROCESS)
    for raw in pages:
        assert isolated.apply(raw) == in_process.apply(raw)
    assert isolated.apply(pages[-1]) == Drop("extract_empty_payload")


def test_timeout_drops_the_page_and_the_next_page_gets_a_fresh_child():
    # PATHOLOGICAL takes about 2.5 s on the dev box, 5× the limit; the normal page after it
    # takes ~5 ms, 100× under it.
    normal = page(html(GERMAN).encode("utf-8"), "text/html; charset=utf-8")
    stage = Extract(ExtractConfig(timeout_s=0.5))
    try:
        stage.setup()
        first_child = stage._child.process
        assert stage.apply(page(PATHOLOGICAL)) == Drop("extract_timeout")
        assert first_child.poll() is not None  # the stuck child was killed, not left running
        doc = stage.apply(normal)  # 5 ms of work: a fresh, warmed-up child does it in time
        assert isinstance(doc, Document)
        assert doc.text.split("\n") == list(GERMAN)
        assert stage._child.process.pid != first_child.pid
    finally:
        stage.teardown()
    assert first_child.returncode is not None


def test_first_page_of_a_fresh_child_is_not_billed_for_warm_up():
    # trafilatura's first extract() in a process costs ~0.3 s of lazy loading; the child pays
    # it before saying "ready", so a tight limit does not drop the first page of every child.
    stage = Extract(ExtractConfig(timeout_s=0.15))
    try:
        assert isinstance(stage.apply(page(html(GERMAN).encode())), Document)
    finally:
        stage.teardown()


def test_child_crash_costs_one_page():
    stage = Extract(ExtractConfig(timeout_s=60))
    stage.setup()
    child = stage._child.process
    # Kill the child while it works on a slow page, as a segfault in lxml would.
    killer = threading.Timer(0.3, child.kill)
    killer.start()
    try:
        assert stage.apply(page(PATHOLOGICAL)) == Drop("extract_crash")
        assert child.poll() is not None
        doc = stage.apply(page(html(GERMAN).encode()))  # a fresh child takes the next page
        assert isinstance(doc, Document) and doc.text.split("\n") == list(GERMAN)
    finally:
        killer.cancel()
        stage.teardown()


def test_child_that_died_between_pages_is_replaced_without_a_drop():
    stage = Extract(ExtractConfig(timeout_s=30))
    try:
        stage.setup()
        stage._child.process.kill()  # e.g. the OOM killer, while the child was idle
        stage._child.process.wait()
        assert isinstance(stage.apply(page(html(GERMAN).encode())), Document)
    finally:
        stage.teardown()


def test_stage_pickles_without_its_child(isolated):
    copy = pickle.loads(pickle.dumps(isolated))
    assert copy._child is None and copy.config == isolated.config
    try:
        assert copy.apply(page(html(GERMAN).encode())).text.split("\n") == list(GERMAN)  # starts its own
    finally:
        copy.teardown()


def test_a_charset_label_naming_a_non_text_codec_is_ignored():
    page = '<html><head><meta charset="base64"></head><body><p>Grüße aus Köln.</p></body></html>'.encode()
    text, codec, where = decode_html(page, "text/html; charset=hex")
    assert "Grüße" in text and codec == "utf-8" and where == "utf8"


def test_tables_become_tab_separated_lines_and_a_table_page_keeps_its_words():
    # trafilatura's Markdown rows: pipes are markup, the header rule goes, escaped pipes stay text.
    from dataprep.extract import plain_tables

    text = "Intro.\n| Name | Price | \n|---|---|\n| Apple pie | 3 EUR | \n| a \\| b |  | \n| | |\nHome | About"
    assert plain_tables(text) == "Intro.\nName\tPrice\nApple pie\t3 EUR\na | b\nHome | About"
    # A real page of tables (tests/data/pages): 125 pipes before, none now, and gopher_quality no
    # longer finds too few alphabetic words (it dropped this page as gopher_alpha_words).
    import pathlib

    from dataprep.heuristics import make_heuristic

    page = pathlib.Path(__file__).resolve().parent.parent / "data" / "pages" / "de_adac_kindersitze_table.html"
    extracted = extract_text(page.read_bytes(), None, None, ExtractConfig(isolate=False))["text"]
    assert "|" not in extracted and "Britax Römer Baby-Safe 2 i-Size + i-Size Base\t350 €\tja\t1,7" in extracted
    doc = Document(id="adac", text=extracted, source="web", metadata={"lang": "de"})
    assert make_heuristic("gopher_quality").apply(doc) == doc
