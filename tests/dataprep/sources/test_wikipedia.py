"""Wikipedia preparer: a real viwiki dump fragment, and wikitext cleaning on literal snippets."""

from __future__ import annotations

import bz2
import io
import pathlib

from dataprep.document import Document
from dataprep.inputs import format_of
from dataprep.readers import ReaderOptions, ReadFailure, read_records
from dataprep.sources.wikipedia import language_of, wikitext_to_text

SAMPLE = pathlib.Path(__file__).parents[3] / "sample_data" / "wikipedia" / "viwiki-sample-pages-articles.xml.bz2"


def _read(data: bytes, location: str = "viwiki.xml.bz2"):
    return list(read_records(io.BytesIO(data), location, location, "wikipedia", "mediawiki", ReaderOptions()))


def test_real_dump_gives_one_document_per_article_and_skips_redirects_and_other_namespaces():
    records = _read(SAMPLE.read_bytes())
    assert all(isinstance(r, Document) for r in records)
    # 10 pages: 3 redirects and 1 Wikipedia: project page (ns 4) are skipped.
    assert [r.metadata["title"] for r in records] == [
        "Trang Chính", "Internet Society", "Tiếng Việt", "Ohio", "California", "Thụy Điển"]
    isoc = records[1]
    assert isoc.metadata == {"source_file": "viwiki.xml.bz2", "title": "Internet Society", "page_id": "4",
                             "revision_id": "69358207", "wiki_lang": "vi", "wiki": "viwiki"}
    assert isoc.url == "https://vi.wikipedia.org/wiki/Internet_Society"
    assert isoc.text.startswith("Internet Society hay ISOC là một tổ chức quốc tế hoạt động phi lợi nhuận")
    # Headings are lines; the localized category links ([[Thể loại:…]]), infobox, refs are gone.
    assert "\n\nNhiệm vụ và mục đích hoạt động\n\n" in isoc.text
    for leftover in ("Thể loại", "{{", "<ref", "Hộp thông tin", "irseos", "[[", "]]"):
        assert leftover not in isoc.text
    assert "Tập tin:" not in records[2].text  # localized File: links in Tiếng Việt
    # Ids hash (source, file, page id): stable, distinct.
    assert len({r.id for r in records}) == len(records)
    assert [r.id for r in _read(SAMPLE.read_bytes())] == [r.id for r in records]


def test_plain_xml_reads_the_same_and_a_cut_dump_keeps_its_pages_and_counts_the_break():
    xml = bz2.decompress(SAMPLE.read_bytes())
    assert [r.text for r in _read(xml)] == [r.text for r in _read(SAMPLE.read_bytes())]
    cut = _read(bz2.compress(xml[: len(xml) // 2]))
    assert isinstance(cut[-1], ReadFailure) and cut[-1].reason == "read_corrupt_stream"
    assert [r.metadata["title"] for r in cut[:-1]] == ["Trang Chính", "Internet Society", "Tiếng Việt", "Ohio",
                                                       "California"]
    # A bzip2 file cut mid-stream: one failure, no exception (bzip2 emits whole 900 KB blocks, so
    # this 340 KB sample's single block yields no page before the cut).
    (truncated,) = _read(SAMPLE.read_bytes()[:40_000])
    assert truncated.reason == "read_corrupt_stream" and "EOFError" in truncated.detail


def test_multistream_bzip2_is_read_across_streams():
    xml = bz2.decompress(SAMPLE.read_bytes())
    middle = xml.index(b"  <page>", len(xml) // 2)
    two_streams = bz2.compress(xml[:middle]) + bz2.compress(xml[middle:])
    assert len(_read(two_streams)) == 6


def test_a_posts_xml_declared_mediawiki_is_one_wrong_format_failure():
    (record,) = _read(b'<?xml version="1.0"?>\n<posts><row Id="1" PostTypeId="1"/></posts>')
    assert record.reason == "read_wrong_format"


def test_wikitext_cleaning_exact_output():
    wikitext = (
        "{{Infobox person|name=Alan}}'''Alan''' is a [[computer scientist|scientist]].<ref>Cite web</ref>"
        "<!-- hidden --> See [http://example.org the site].__NOTOC__\n"
        "== Early life ==\n"
        "He was born in [[London]].<ref name=\"a\"/> [[File:Alan.jpg|thumb|A [[cat]]]]\n"
        "{| class=\"wikitable\"\n|-\n| a || b\n|}\n"
        "* item one\n* item [[two|2]]\n"
        "=== Later ===\n"
        "Text &amp; more&nbsp;here. [[:Category:People|people list]]\n"
        "[[Category:People]]\n[[Thể loại:Người]]\n"
    )
    assert wikitext_to_text(wikitext, ("category", "file", "image", "media", "thể loại")) == (
        "Alan is a scientist. See the site.\n\n"
        "Early life\n\n"
        "He was born in London.\n\n"
        "item one\n"
        "item 2\n\n"
        "Later\n\n"
        "Text & more here. people list"
    )


def test_language_from_root_attribute_or_dbname_and_suffixes_name_the_format():
    assert language_of("de", "dewiki") == "de"
    assert language_of(None, "zh_yuewiki") == "zh-yue"
    assert language_of(None, "frwiktionary") == "fr"
    assert language_of(None, None) is None
    assert format_of("/d/enwiki-20240101-pages-articles-multistream.xml.bz2") == "mediawiki"
