"""Harmful-content filter on literal mini-documents: URL blocklist, bad words, config, list loading."""

from __future__ import annotations

import gzip
import pickle
import random
import re

import pytest

from dataprep.document import Document, Drop
from dataprep.harmful import (
    BADWORDS_DIR,
    REASON_BADWORDS,
    REASON_URL,
    URL_BLOCKLIST_DIR,
    BadWordsMatcher,
    HarmfulConfig,
    BadWordsFilter,
    UrlBlocklistFilter,
    read_list_file,
)
from dataprep.harmful.badwords import _word_re, nfkc_casefold, tokenize


def doc(text: str = "A perfectly ordinary page about gardening.", url: str | None = "https://garden.example.net/p") -> Document:
    return Document(id="d1", text=text, source="web", url=url)


def write(tmp_path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def url_filter(tmp_path, lines: list[str]) -> UrlBlocklistFilter:
    stage = UrlBlocklistFilter(HarmfulConfig(url_blocklist=[write(tmp_path, "urls.txt", lines)], badwords=None))
    stage.setup()
    return stage


def words_filter(tmp_path, lines: list[str], **kw) -> BadWordsFilter:
    cfg = HarmfulConfig(url_blocklist=None, badwords=[write(tmp_path, "words.txt", lines)], **kw)
    stage = BadWordsFilter(cfg)
    stage.setup()
    return stage


def verdict(stage, d: Document) -> str:
    out = stage.apply(d)
    return out.reason if isinstance(out, Drop) else "kept"


# --- URL blocklist ------------------------------------------------------------------------------


def test_url_host_and_every_subdomain_match(tmp_path):
    stage = url_filter(tmp_path, ["# comment", "example.com"])
    assert verdict(stage, doc(url="https://example.com/")) == REASON_URL
    assert verdict(stage, doc(url="https://a.b.example.com/deep/page?x=1")) == REASON_URL
    assert verdict(stage, doc(url="HTTP://WWW.Example.COM:8080/Page")) == REASON_URL  # case-insensitive
    assert verdict(stage, doc(url="https://example.com./trailing-dot")) == REASON_URL


def test_url_lookalikes_are_kept(tmp_path):
    stage = url_filter(tmp_path, ["example.com"])
    for url in (
        "https://notexample.com/",  # suffix of the name, not a parent domain
        "https://example.com.evil.org/",  # listed name as a subdomain of another site
        "https://example.co/",
        "https://other.org/example.com/page",  # listed name in the path
        "https://user:example.com@other.org/",  # userinfo is not the host
    ):
        assert verdict(stage, doc(url=url)) == "kept", url


def test_url_bare_ip_hosts(tmp_path):
    stage = url_filter(tmp_path, ["192.0.2.7", "2001:db8::1"])
    assert verdict(stage, doc(url="http://192.0.2.7:8080/x.php")) == REASON_URL
    assert verdict(stage, doc(url="http://[2001:DB8:0::1]/")) == REASON_URL  # canonical IPv6
    assert verdict(stage, doc(url="http://192.0.2.70/")) == "kept"
    assert verdict(stage, doc(url="http://10.192.0.2.7.example.net/")) == "kept"


def test_url_full_url_entries_block_only_that_page(tmp_path):
    stage = url_filter(tmp_path, ["files.example.org/bad/Page?id=3"])
    assert verdict(stage, doc(url="https://files.example.org/bad/page?id=3")) == REASON_URL
    assert verdict(stage, doc(url="http://FILES.example.org:80/bad/page/?id=3#top")) == REASON_URL
    assert verdict(stage, doc(url="https://files.example.org/bad/page?id=4")) == "kept"
    assert verdict(stage, doc(url="https://files.example.org/bad/page2?id=3")) == "kept"
    assert verdict(stage, doc(url="https://files.example.org/")) == "kept"


def test_url_list_accepts_hosts_file_adblock_and_wildcard_lines(tmp_path):
    stage = url_filter(tmp_path, ["! adblock comment", "0.0.0.0 hosts.example", "||adblock.example^", "*.wild.example"])
    for url in ("http://hosts.example/", "https://adblock.example/a", "https://x.wild.example/"):
        assert verdict(stage, doc(url=url)) == REASON_URL, url
    assert verdict(stage, doc(url="https://0.0.0.0/")) == "kept"


def test_url_www_entry_blocks_bare_host_and_idn(tmp_path):
    stage = url_filter(tmp_path, ["www.shop.example", "bücher.example"])
    assert verdict(stage, doc(url="https://shop.example/")) == REASON_URL
    assert verdict(stage, doc(url="https://xn--bcher-kva.example/")) == REASON_URL  # punycode of bücher
    assert verdict(stage, doc(url="https://BÜCHER.example/")) == REASON_URL


def test_url_missing_or_unparsable_urls_are_kept(tmp_path):
    stage = url_filter(tmp_path, ["example.com"])
    assert verdict(stage, doc(url=None)) == "kept"
    assert verdict(stage, doc(url="")) == "kept"
    assert verdict(stage, doc(url="http://[not-an-ipv6/")) == "kept"
    assert verdict(stage, doc(url="example.com/no-scheme")) == REASON_URL


# --- bad words --------------------------------------------------------------------------------


def test_badword_whole_word_match_and_case(tmp_path):
    stage = words_filter(tmp_path, ["grunk"])
    assert verdict(stage, doc("Well, GRUNK to that.")) == REASON_BADWORDS
    assert verdict(stage, doc("grunk")) == REASON_BADWORDS
    assert verdict(stage, doc("(grunk)")) == REASON_BADWORDS
    assert verdict(stage, doc("Ｇｒｕｎｋ, in full-width letters.")) == REASON_BADWORDS  # NFKC


def test_badword_inside_longer_word_is_not_a_hit(tmp_path):
    stage = words_filter(tmp_path, ["ass", "cunt", "grunk"])
    for text in (
        "A classic assassin passes the bass.",  # 'ass' inside words
        "Scunthorpe United won at home.",  # 'cunt' inside a town name
        "grunkle grunks regrunk grunk_case grunk2",  # prefix, suffix, underscore and digit joins
    ):
        assert verdict(stage, doc(text)) == "kept", text


def test_badword_phrases_match_words_in_a_row(tmp_path):
    stage = words_filter(tmp_path, ["blue moon pie"])
    assert verdict(stage, doc("They served Blue  Moon\npie again.")) == REASON_BADWORDS
    assert verdict(stage, doc("blue-moon-pie")) == REASON_BADWORDS
    assert verdict(stage, doc("A blue moon; then pie.")) == "kept"  # all words, not in a row
    assert verdict(stage, doc("blue moon pies")) == "kept"  # last word longer
    assert verdict(stage, doc("blue moon")) == "kept"


def test_badword_threshold_both_sides(tmp_path):
    stage = words_filter(tmp_path, ["grunk", "blue moon pie"], badwords_max_hits=2)
    assert verdict(stage, doc("grunk once, grunk twice.")) == "kept"  # 2 hits, not > 2
    assert verdict(stage, doc("grunk once, grunk twice, grunk thrice.")) == REASON_BADWORDS
    assert verdict(stage, doc("grunk and blue moon pie and blue moon pie")) == REASON_BADWORDS
    c0 = words_filter(tmp_path, ["grunk"])  # default 0 = C4: any hit drops
    assert c0.config.badwords_max_hits == 0
    assert verdict(c0, doc("one grunk")) == REASON_BADWORDS
    assert verdict(c0, doc("no hit here")) == "kept"


def test_badword_fraction_lets_long_pages_with_a_stray_word_through(tmp_path):
    stage = words_filter(tmp_path, ["grunk"], badwords_max_fraction=0.01)
    long_page = "grunk " + "plain words here " * 100  # 1 hit in 301 words
    short_page = "grunk plain words here"  # 1 hit in 4 words
    assert verdict(stage, doc(long_page)) == "kept"
    assert verdict(stage, doc(short_page)) == REASON_BADWORDS


def test_badword_no_space_scripts_match_as_substrings(tmp_path):
    stage = words_filter(tmp_path, ["坏词", "grunk"])
    assert verdict(stage, doc("这是一个坏词的例子")) == REASON_BADWORDS
    assert verdict(stage, doc("这是grunk的例子")) == REASON_BADWORDS  # Latin word inside a Han run
    assert verdict(stage, doc("这是一个好词的例子")) == "kept"


def test_badword_combining_marks_stay_inside_the_word(tmp_path):
    # Python's \w excludes the virama in शब्द, which would cut it into 'शब' + 'द'.
    stage = words_filter(tmp_path, ["शब"])
    assert verdict(stage, doc("यह शब्द है")) == "kept"
    assert verdict(stage, doc("यह शब है")) == REASON_BADWORDS


def test_ascii_fast_path_tokenizes_like_the_regex():
    rng = random.Random(7)
    alphabet = "abcXYZ019_ -.,'\"!?()[]{}<>/\\|@#$%^&*+=~`:;\t\n\r\x0b\x0c\x1f\x7f"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        norm = nfkc_casefold(text)
        assert tokenize(norm) == _word_re().findall(norm), repr(text)


def test_matcher_counts_every_occurrence():
    m = BadWordsMatcher(["grunk", "blue moon pie", "坏词"])
    hits, words = m.count("grunk GRUNK blue moon pie 坏词坏词")
    assert hits == 5
    assert words == 9  # grunk grunk blue moon pie 坏 词 坏 词
    assert m.count("grunk grunk grunk", stop_after=0)[0] >= 1


# --- default lists ------------------------------------------------------------------------------


def test_default_lists_load_and_match():
    urls, words = UrlBlocklistFilter(), BadWordsFilter()  # url_blocklist and badwords both "default"
    urls.setup()
    first_host = next(line for line in read_list_file(str(URL_BLOCKLIST_DIR / "urlhaus_hosts.txt")) if not re.fullmatch(r"[\d.]+", line))
    assert verdict(urls, doc(url=f"http://sub.{first_host}/x")) == REASON_URL
    assert verdict(urls, doc(url="https://www.pornhub.com/view")) == REASON_URL  # hand-made adult list
    assert verdict(urls, doc(url="https://anything.xxx/")) == REASON_URL  # adult TLD entry
    assert verdict(words, doc("They watched 2 Girls 1 Cup online.")) == REASON_BADWORDS  # LDNOOBW en phrase
    clean = doc("The committee met on Tuesday to discuss the classic analysis of Scunthorpe's budget.")
    assert urls.apply(clean) is clean and words.apply(clean) is clean  # kept documents are returned unchanged


def test_default_colon_names_a_bundled_language():
    stage = BadWordsFilter(HarmfulConfig(url_blocklist=None, badwords=["default:de"]))
    german = Document(id="d", text="Das ist ein Arschficker.", source="web", metadata={"lang": "de"})
    assert verdict(stage, german) == REASON_BADWORDS  # lazy setup on first apply
    assert (BADWORDS_DIR / "de.txt").is_file()
    with pytest.raises(ValueError, match="default:xx.*bundled: .*en"):
        BadWordsFilter(HarmfulConfig(badwords=["default:xx"])).setup()


# --- disabled lists, config, loading ---------------------------------------------------------------


def test_disabled_lists_keep_everything():
    d = doc("2 girls 1 cup, xxx, anything at all", url="https://www.pornhub.com/")
    for stage in (UrlBlocklistFilter, BadWordsFilter):
        stage = stage(HarmfulConfig(url_blocklist=None, badwords=None))
        stage.setup()
        assert stage.apply(d) is d


def test_config_validation_and_yaml_style_strings():
    cfg = HarmfulConfig(url_blocklist="default", badwords="default")
    assert cfg.url_blocklist == ["default"] and cfg.badwords == ["default"]
    with pytest.raises(ValueError, match="badwords_max_hits"):
        HarmfulConfig(badwords_max_hits=-1)
    with pytest.raises(ValueError, match="badwords_max_fraction"):
        HarmfulConfig(badwords_max_fraction=1.5)
    with pytest.raises(ValueError, match="badwords"):
        HarmfulConfig(badwords=[3])
    assert all("help" in f.metadata for f in HarmfulConfig.__dataclass_fields__.values())


def test_missing_list_file_errors_and_names_the_path(tmp_path):
    missing = str(tmp_path / "no_such_list.txt")
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        UrlBlocklistFilter(HarmfulConfig(url_blocklist=[missing], badwords=None)).setup()
    with pytest.raises(FileNotFoundError, match="badwords.*" + re.escape(missing)):
        BadWordsFilter(HarmfulConfig(url_blocklist=None, badwords=[missing])).apply(doc())


def test_local_gz_file_uri_and_remote_paths(tmp_path, monkeypatch):
    gz = tmp_path / "words.txt.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("# header\ngrunk\n\nblue moon pie\n")
    assert read_list_file(str(gz)) == ["grunk", "blue moon pie"]
    assert read_list_file("file://" + write(tmp_path, "u.txt", ["example.com"])) == ["example.com"]

    # A path with a scheme goes through Beam's FileSystems (gs://, s3://, hdfs://, ...).
    from apache_beam.io.filesystems import FileSystems

    opened = []

    class FakeFile:
        def __init__(self, data: bytes):
            self.data = data

        def read(self):
            return self.data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(FileSystems, "exists", staticmethod(lambda p: p == "gs://bucket/words.txt"))
    monkeypatch.setattr(FileSystems, "open", staticmethod(lambda p, **kw: opened.append(p) or FakeFile(b"\xef\xbb\xbfgrunk\n")))
    assert read_list_file("gs://bucket/words.txt") == ["grunk"]
    assert opened == ["gs://bucket/words.txt"]
    with pytest.raises(FileNotFoundError, match="gs://bucket/other.txt"):
        read_list_file("gs://bucket/other.txt", "url_blocklist")


def test_non_utf8_list_errors_with_path(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9\n")
    with pytest.raises(ValueError, match=re.escape(str(bad))):
        read_list_file(str(bad))


def test_pickles_without_loaded_lists(tmp_path):
    stage = words_filter(tmp_path, ["grunk"])
    assert verdict(stage, doc("grunk")) == REASON_BADWORDS
    clone = pickle.loads(pickle.dumps(stage))
    assert clone._matchers is None  # each worker loads in setup(), lists never travel
    assert verdict(clone, doc("grunk")) == REASON_BADWORDS
    assert clone.name == "harmful_words" and UrlBlocklistFilter.name == "harmful_urls"


# --- language-aware bad words on real pages (tests/data/pages, trafilatura's test pages) -------

PAGES = __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "pages"


def real_page(name: str) -> Document:
    """A saved page, extracted (trafilatura) and tagged by the bundled fastText LID model."""
    from dataprep.extract import ExtractConfig, extract_text
    from dataprep.langid import LangId, LangIdConfig

    text = extract_text((PAGES / name).read_bytes(), None, None, ExtractConfig(isolate=False))["text"]
    stage = LangId(LangIdConfig(languages=[]))
    stage.setup()
    return stage.apply(Document(id=name, text=text, source="web", url=f"https://example.org/{name}"))


@pytest.mark.parametrize("name, english_word", [("de_otto_twoforfashion.html", "xx"), ("de_jolie_adele.html", "hardcore")])
def test_german_pages_are_not_judged_by_the_english_list(name, english_word):
    page = real_page(name)
    assert page.metadata["lang"] == "de"
    words = BadWordsFilter()
    # The English list matches (what dropped these pages when it ran before language ID)...
    assert english_word in words.matcher_for("en")[1].matches(page.text)
    # ...but a German page gets the German list only when asked for, and then keeps its words.
    assert words.apply(page).metadata["badwords_unchecked"] is True
    assert BadWordsFilter(HarmfulConfig(badwords=["default:de"])).apply(page) == page


def test_badwords_follow_the_document_language_and_record_the_word():
    words = BadWordsFilter(HarmfulConfig(badwords=["default:en", "default:de"]))
    german = "Der dick glasierte Gebäck ist lecker und frisch."
    assert words.apply(Document(id="d", text=german, source="web", metadata={"lang": "de"})).text == german
    drop = words.apply(Document(id="e", text="Don't be a dick.", source="web", metadata={"lang": "en"}))
    assert drop == Drop(REASON_BADWORDS, detail="dick", fields={"badwords_lang": "en"})
    # No tag: badwords_default_lang (en) decides; null leaves only the lists given by path.
    assert words.apply(Document(id="f", text=german, source="web")).reason == REASON_BADWORDS
    untagged = BadWordsFilter(HarmfulConfig(badwords=["default:en"], badwords_default_lang=None))
    assert untagged.apply(Document(id="f", text=german, source="web")).metadata == {"badwords_unchecked": True}
    # A region subtag or a LID-only code finds its list: zh-Hant → zh, tl → fil.
    assert BadWordsFilter(HarmfulConfig(badwords=["default:fil"])).matcher_for("tl")[0] == "fil"


def test_a_list_file_given_by_path_applies_to_every_language(tmp_path):
    stage = BadWordsFilter(HarmfulConfig(badwords=[write(tmp_path, "w.txt", ["grunk"])]))
    for lang in ("de", "ja", None):
        d = Document(id="d", text="so much grunk here", source="web", metadata={"lang": lang} if lang else {})
        assert stage.apply(d) == Drop(REASON_BADWORDS, detail="grunk", fields={"badwords_lang": "any"})
