"""Books preparer on a real Project Gutenberg file (sample_data/books/) and on the older markers."""

from __future__ import annotations

import gzip
import pathlib

from dataprep.document import Document, Drop
from dataprep.readers import ReaderOptions, read_records
from dataprep.sources.books import Gutenberg, GutenbergConfig, strip_gutenberg, unwrap_paragraphs

ROOT = pathlib.Path(__file__).resolve().parents[3]
BOOK = ROOT / "sample_data" / "books" / "pg71688-french-revolution-excerpt.txt"


def read(path, location):
    with open(path, "rb") as handle:
        return list(read_records(handle, str(path), location, "books", "gutenberg", ReaderOptions()))


def test_real_gutenberg_book_header_footer_and_paragraphs():
    (doc,) = read(BOOK, BOOK.name)
    assert {k: doc.metadata[k] for k in ("title", "author", "language", "gutenberg_id")} == {
        "title": "The French Revolution 1789-1795", "author": "Bertha Meriton Cordery Gardiner",
        "language": "English", "gutenberg_id": "71688"}
    out = Gutenberg().apply(doc)
    assert "Gutenberg" not in out.text and "www.gutenberg.org" not in out.text
    assert out.text.startswith("Transcriber’s Notes: Italic text is enclosed in _underscores_; boldface text")
    assert out.text.endswith("unbalanced quotation marks were remedied when the change was obvious, and "
                             "otherwise left unbalanced.")
    paragraphs = out.text.split("\n\n")
    preface = paragraphs[paragraphs.index("PREFACE.") + 1]
    assert preface.startswith("In writing this handbook on the French Revolution, it has been my endeavour to give")
    assert "\n" not in preface and "Professor Von Sybel’s well-known book" in preface
    # The contents page is indented: its line breaks are kept.
    assert "  The Monarchy in France" in out.text and "PAGE\n  The Monarchy" in out.text


def test_compressed_and_latin1_books_are_read(tmp_path):
    text = "Title: Caf\xe9\n\n*** START OF THIS PROJECT GUTENBERG EBOOK CAFE ***\nLe caf\xe9.\n"
    path = tmp_path / "old.txt.gz"
    path.write_bytes(gzip.compress(text.encode("latin-1")))
    (doc,) = read(path, "old.txt.gz")
    assert doc.metadata["title"] == "Café"
    assert Gutenberg().apply(doc).text == "Le café."


def test_older_marker_variants():
    old = ("The Project Gutenberg EBook of Pride and Prejudice, by Jane Austen\n\n"
           "*** START OF THIS PROJECT GUTENBERG EBOOK PRIDE AND PREJUDICE ***\n\n"
           "It is a truth universally acknowledged, that a single man in\npossession of a good fortune, "
           "must be in want of a wife.\n\n"
           "End of the Project Gutenberg EBook of Pride and Prejudice, by Jane Austen\n\n"
           "*** END OF THIS PROJECT GUTENBERG EBOOK PRIDE AND PREJUDICE ***\n\nlicence text\n")
    assert unwrap_paragraphs(strip_gutenberg(old)) == (
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
        "must be in want of a wife.")
    oldest = ("**The Project Gutenberg Etext of Moby Dick**\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS"
              "*Ver.04.29.93*END*\n\nCall me Ishmael.\n\nEnd of Project Gutenberg Etext of Moby Dick\n")
    assert unwrap_paragraphs(strip_gutenberg(oldest)) == "Call me Ishmael."


def test_unwrap_hyphens_dashes_and_verse():
    text = "A well-\nknown book--\nthe best\nof all.\n\n   Tyger Tyger, burning bright,\n   In the forests\n"
    assert unwrap_paragraphs(text) == (
        "A well-known book--the best of all.\n\n   Tyger Tyger, burning bright,\n   In the forests")


def test_markers_required_and_empty_book():
    plain = Document("id", "A book from elsewhere.\nSecond line.", "books")
    assert Gutenberg().apply(plain).text == "A book from elsewhere. Second line."
    assert Gutenberg(GutenbergConfig(require_markers=True)).apply(plain) == Drop("books_no_gutenberg_markers")
    empty = Document("id", "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG "
                     "EBOOK X ***\n", "books")
    assert Gutenberg().apply(empty) == Drop("books_empty")
