"""Wikipedia: MediaWiki XML dumps (`pages-articles*.xml[.bz2]`) → one plain-text Document per article.

LLaMA-1 took 20 languages' Wikipedia dumps and removed "hyperlinks, comments and other formatting
boilerplate". Wikitext is parsed with mwparserfromhell (a maintained parser, not regexes) and:
templates, <ref> references, tables, categories, files/images, galleries, math and HTML comments
are removed; links keep their visible text; section headings stay as lines of their own.

Only articles become documents: pages outside namespace 0 (talk, user, templates, Wikipedia:
project pages, …) and redirects are skipped while reading. They are not documents that a rule
rejects (a redirect is a one-line pointer; enwiki's dump has ~11M of them beside ~6.8M articles),
so they are not written to `dropped/` either. A page whose wikitext cannot be parsed is a
`read_bad_wikitext` failure; a cut or corrupt dump keeps every page before the break.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import IO, Iterator

import mwparserfromhell
from mwparserfromhell.nodes import Argument, Comment, Tag, Template, Text, Wikilink

from dataprep.document import Document, document_id
from dataprep.readers.base import ReaderOptions, Record, failure, shown
from dataprep.sources import xmldump

ARTICLE_NAMESPACE = 0
# Namespace numbers are fixed across wikis; their names are localized (vi: "Tập tin", "Thể loại"),
# so a dump's own <namespaces> give the prefixes, with the English and canonical ones always on.
_FILE_NS, _CATEGORY_NS = 6, 14
_ALWAYS_REMOVED_PREFIXES = ("file", "image", "media", "category")
# Tags whose content is not prose: footnotes, tables (wiki `{|` markup parses as <table>),
# galleries, formulas and other extension markup.
_REMOVED_TAGS = frozenset({
    "ref", "references", "table", "gallery", "math", "chem", "ce", "score", "timeline", "imagemap",
    "graph", "mapframe", "maplink", "templatestyles", "indicator", "hiero", "noinclude", "syntaxhighlight",
    "source", "inputbox", "categorytree",
})
_MAGIC_WORD = re.compile(r"__[A-Z]+__")  # __NOTOC__, __NOEDITSECTION__: behaviour switches
_BLANK_LINES = re.compile(r"\n{3,}")
# dbname suffixes of Wikimedia projects: "viwiki" → "vi", "zh_yuewiki" → "zh-yue".
_PROJECT_SUFFIXES = ("wiktionary", "wikibooks", "wikinews", "wikiquote", "wikisource", "wikiversity",
                     "wikivoyage", "wiki")


def wikitext_to_text(wikitext: str, removed_prefixes: tuple[str, ...] = _ALWAYS_REMOVED_PREFIXES) -> str:
    """Plain text of one page's wikitext. `removed_prefixes` are the lowercase link prefixes
    (file and category namespaces, localized) whose links are dropped with their captions."""
    code = mwparserfromhell.parse(wikitext)
    for node in code.filter(recursive=True):
        if _removed(node, removed_prefixes):
            try:
                code.remove(node)
            except ValueError:
                pass  # inside a node removed before it
    for heading in code.filter_headings(recursive=True):
        try:
            code.replace(heading, Text("\n" + heading.title.strip_code(normalize=True).strip() + "\n"))
        except ValueError:
            pass
    text = _MAGIC_WORD.sub("", code.strip_code(normalize=True, collapse=False))
    lines = [line.strip() for line in text.replace("\xa0", " ").splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _removed(node, prefixes: tuple[str, ...]) -> bool:
    if isinstance(node, (Template, Comment, Argument)):
        return True
    if isinstance(node, Tag):
        return str(node.tag).strip().lower() in _REMOVED_TAGS
    if isinstance(node, Wikilink):
        # [[:Category:X|label]] (leading colon) is an ordinary visible link, kept.
        title = str(node.title).strip()
        return not title.startswith(":") and title.split(":", 1)[0].strip().lower() in prefixes \
            if ":" in title else False
    return False


def language_of(lang_attr: str | None, dbname: str | None) -> str | None:
    """The dump's language: <mediawiki xml:lang="vi">, else from the dbname ("viwiki")."""
    if lang_attr:
        return lang_attr
    if dbname:
        for suffix in _PROJECT_SUFFIXES:
            if dbname.endswith(suffix) and len(dbname) > len(suffix):
                return dbname[: -len(suffix)].replace("_", "-")
    return None


def read_mediawiki(fileobj: IO[bytes], location: str, source: str, options: ReaderOptions) -> Iterator[Record]:
    """One Document per article (namespace 0, not a redirect) of a MediaWiki XML dump."""
    site = {"lang": None, "dbname": None, "base": None, "prefixes": _ALWAYS_REMOVED_PREFIXES}
    last_page = None
    try:
        for name, element in xmldump.elements(fileobj, "mediawiki"):
            if name == xmldump.ROOT:
                site["lang"] = element.get("{http://www.w3.org/XML/1998/namespace}lang")
            elif name == "siteinfo":
                _read_siteinfo(element, site)
                xmldump.release(element)
            elif name == "page":
                page = _fields(element)
                xmldump.release(element)
                last_page = page.get("id")
                record = _page_record(page, site, location, source, options)
                if record is not None:
                    yield record
    except xmldump.OtherRoot as error:
        yield failure(source, location, "file", None, "read_wrong_format",
                      f": root element <{error}>, not a MediaWiki dump <mediawiki>")
        return
    except xmldump.errors() as error:
        yield failure(source, location, f"after-page{last_page}", None, "read_corrupt_stream",
                      f" after page id {last_page}: {type(error).__name__}: {error}")


def _read_siteinfo(element, site: dict) -> None:
    for child in element:
        name = xmldump.local(child.tag)
        if name == "dbname":
            site["dbname"] = (child.text or "").strip()
        elif name == "base":
            site["base"] = (child.text or "").strip()
        elif name == "namespaces":
            prefixes = set(_ALWAYS_REMOVED_PREFIXES)
            for namespace in child:
                if namespace.get("key") in (str(_FILE_NS), str(_CATEGORY_NS)) and namespace.text:
                    prefixes.add(namespace.text.strip().lower())
            site["prefixes"] = tuple(sorted(prefixes))
    site["lang"] = language_of(site["lang"], site["dbname"])


def _fields(page) -> dict:
    """title, ns, id, redirect, revision id and wikitext of a <page> element."""
    fields = {"redirect": False, "text": None, "revision": None}
    for child in page:
        name = xmldump.local(child.tag)
        if name in ("title", "ns", "id"):
            fields[name] = (child.text or "").strip()
        elif name == "redirect":
            fields["redirect"] = True
        elif name == "revision":
            for part in child:
                part_name = xmldump.local(part.tag)
                if part_name == "id":
                    fields["revision"] = (part.text or "").strip()
                elif part_name == "text":
                    fields["text"] = part.text or ""
    return fields


def _page_record(page: dict, site: dict, location: str, source: str, options: ReaderOptions) -> Record | None:
    if page.get("ns") != str(ARTICLE_NAMESPACE) or page["redirect"]:
        return None
    page_id, title = page.get("id", ""), page.get("title", "")
    position = f"page{page_id}"
    url = _url(site["base"], title)
    wikitext = page["text"] or ""
    if len(wikitext) > options.max_record_bytes:
        return failure(source, location, position, url, "read_record_too_large",
                       f": page {page_id} {len(wikitext)} characters, over max_record_bytes={options.max_record_bytes}")
    try:
        text = wikitext_to_text(wikitext, site["prefixes"])
    except (RecursionError, ValueError, TypeError) as error:
        # RecursionError: pathologically nested templates; the others: parser bugs on odd markup.
        return failure(source, location, position, url, "read_bad_wikitext",
                       f": page {page_id}: {type(error).__name__}: {error}")
    metadata = {"source_file": shown(location), "title": title, "page_id": page_id,
                "revision_id": page["revision"], "wiki_lang": site["lang"], "wiki": site["dbname"]}
    return Document(document_id(source, location, position), text, source, url, metadata)


def _url(base: str | None, title: str) -> str | None:
    """https://vi.wikipedia.org/wiki/Internet_Society from <base> (the main page's URL) and the title."""
    if not base or "/wiki/" not in base:
        return None
    return base[: base.index("/wiki/") + len("/wiki/")] + urllib.parse.quote(title.replace(" ", "_"), safe="/:(),'!")
