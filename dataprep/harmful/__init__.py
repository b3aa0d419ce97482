"""Harmful-content filters: the URL/domain blocklist (first, language-free) and bad words (after
language ID, with each document's own language list).

Two stages, each with one drop reason:
- stage `harmful_urls`, reason `harmful_url_blocklist`: the document's host, or any parent
  domain of it, is listed (`a.b.example.com` is blocked by `example.com`, never by `ample.com`); bare-IP hosts
  match IP entries exactly; list entries with a path block that exact URL (scheme, fragment,
  default port and a trailing slash ignored; compared lowercased, as URLhaus and UT1 publish
  them). It needs only the URL, so the corpus graph runs it right after reading, before
  extraction: a blocked page costs no trafilatura call (5 ms for a small page, measured in
  `dataprep.extract`; far more for a large one).
- stage `harmful_words`, reason `harmful_badwords`: C4's bad-words rule, with the list of the
  document's own language (`metadata.lang`; `badwords_default_lang` where there is none). C4 applied the
  English list to English pages; run on every page before language ID, the English list dropped
  German "dick glasierte Gebäck" and French "domination absolue" (12 of 186 real pages). A
  language without a list is not word-filtered (kept, with `metadata.badwords_unchecked`).
  Entries are matched whole-word and case-insensitively (NFKC + casefold on both sides); a
  multi-word entry matches the same words in a row; an entry in a script written without spaces
  (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar, Tibetan) or with no word characters at all (an
  emoji) matches as a substring, as C4 did for zh/ja/th. The drop's detail names the matched
  entries (`drop_detail`), its `badwords_lang` field the list's language.

Modules: `lists` (bundled defaults, reading list files), `badwords` (the matcher), `urls` (the
blocklist); this module holds the config (the recipe's `harmful:` key, shared by both stages)
and the stages.

Default lists live in `dataprep/resources/harmful/` (sources and licences in its README.md):
LDNOOBW bad words in 28 languages (CC-BY-4.0; English by default: `lists.DEFAULT_BADWORDS`),
URLhaus malware hosts and page URLs (CC0-1.0) and a small hand-made adult-domain seed list.

Speed: the text is tokenized once and whole-word entries are looked up with C-level set
operations on the document's vocabulary, so the cost does not grow with the list; only
documents that hold a listed word, or every word of a listed phrase, are scanned in Python
to count occurrences. Substring entries are one compiled regex. Measured with
`python bench/harmful.py` (English list, 10 KB pages of English prose, one core
of the 2-core dev box, best runs): ~5,000 docs/s (50 MB/s) for ASCII pages, ~2,000 docs/s for
pages with typographic quotes (NFKC + regex tokenizer path); about half that while the box was
busy. A 5,400-entry list on 100 KB pages: ~630 docs/s (63 MB/s). Setup: ~40 ms.
"""

from __future__ import annotations

import dataclasses
import typing

from dataprep.config import coerce, option, validate
from dataprep.document import Document, Drop
from dataprep.harmful.badwords import BadWordsMatcher
from dataprep.harmful.lists import (
    BADWORDS_DIR,
    DEFAULT_BADWORDS,
    DEFAULT_URL_BLOCKLISTS,
    URL_BLOCKLIST_DIR,
    badwords_by_language,
    badwords_language,
    read_list_file,
    read_lists,
)
from dataprep.harmful.urls import UrlBlocklist
from dataprep.stage import Stage

__all__ = [
    "BADWORDS_DIR", "DEFAULT_BADWORDS", "DEFAULT_URL_BLOCKLISTS", "REASON_BADWORDS", "REASON_URL",
    "URL_BLOCKLIST_DIR", "BadWordsFilter", "BadWordsMatcher", "HarmfulConfig", "UrlBlocklist",
    "UrlBlocklistFilter", "read_list_file",
]

REASON_URL = "harmful_url_blocklist"
REASON_BADWORDS = "harmful_badwords"


# --- config ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HarmfulConfig:
    url_blocklist: list[str] | None = option(
        factory=lambda: ["default"],
        help="Domain/URL blocklist files (local or any Beam filesystem path, .gz allowed). "
        "'default' = all bundled lists (URLhaus malware hosts + page URLs, hand-made adult seed); "
        "'default:NAME' = one bundled list (urlhaus_hosts, urlhaus_urls, adult_handmade). "
        "One entry per line: a host (blocks it and its subdomains), a bare IP, or host/path (blocks "
        "that URL). '#'/'!' comments, hosts-file lines ('0.0.0.0 host') and '||host^' are accepted. "
        "null disables the URL check.",
    )
    badwords: list[str] | None = option(
        factory=lambda: ["default"],
        help="Bad-words list files, one entry (word or phrase) per line, checked after language ID. "
        "'default' = the bundled LDNOOBW English list on English pages (C4's rule); 'default:LANG' "
        "= another bundled LDNOOBW list, on LANG pages only (ar cs da de en eo es fa fi fil fr "
        "fr-CA-u-sd-caqc hi hu it ja kab ko nl no pl pt ru sv th tlh tr zh; the zh and ja lists "
        "hold everyday words such as 性 and 女の子). A file given by path applies to every "
        "document, whatever its language. Pages in a language without a list are not "
        "word-filtered. null disables the bad-words check.",
    )
    badwords_default_lang: str | None = option(
        "en",
        "Language whose bad-words list applies to documents without metadata.lang (language ID "
        "disabled, or a source that skips it). null = such documents get only the lists given "
        "by path.",
    )
    badwords_max_hits: int = option(
        0,
        "Drop a page when it has more than this many bad-word matches. 0 = C4: any match "
        "drops the page. Every occurrence counts, and a phrase that contains a listed word counts "
        "both.",
        range=(0, None),
    )
    badwords_max_fraction: float | None = option(
        None,
        "If set, a page over badwords_max_hits is dropped only when its matches are also more "
        "than this fraction of its words, so a long page with a stray word survives (e.g. 0.001). "
        "null = count alone decides. Words are tokens; each Han/kana/Thai character counts as one.",
        range=(0, 1),
    )

    def __post_init__(self) -> None:
        # Checked here too, not only in config.build: stages are also built in code. YAML
        # `badwords: default` gives a str: coerce makes it a one-item list.
        hints = typing.get_type_hints(HarmfulConfig)
        for field in dataclasses.fields(self):
            value = coerce(hints[field.name], getattr(self, field.name), f"harmful.{field.name}")
            object.__setattr__(self, field.name, value)
        validate(self, "harmful")


# --- the stages ----------------------------------------------------------------------------


class UrlBlocklistFilter(Stage):
    """Drops documents from blocklisted hosts/URLs; keeps the rest unchanged. Needs only the URL."""

    name = "harmful_urls"

    def __init__(self, config: HarmfulConfig | None = None):
        self.config = config or HarmfulConfig()
        self._urls: UrlBlocklist | None = None
        self._loaded = False

    def setup(self) -> None:
        if self.config.url_blocklist:
            self._urls = UrlBlocklist(read_lists(self.config.url_blocklist, "url_blocklist"))
        self._loaded = True

    def apply(self, doc: Document) -> Document | Drop:
        if not self._loaded:
            self.setup()
        if self._urls is not None and self._urls.blocked(doc.url):
            return Drop(REASON_URL)
        return doc

    # Loaded lists are not pickled: each Beam worker loads its own in setup().
    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])


class BadWordsFilter(Stage):
    """Drops pages with bad words of their own language (`metadata.lang`); keeps the rest unchanged,
    flagging pages whose language has no list with `metadata.badwords_unchecked`."""

    name = "harmful_words"

    def __init__(self, config: HarmfulConfig | None = None):
        self.config = config or HarmfulConfig()
        self._matchers: dict[str, BadWordsMatcher] | None = None
        self._everywhere: BadWordsMatcher | None = None

    def setup(self) -> None:
        by_lang, everywhere = badwords_by_language(self.config.badwords or ())
        # One matcher per language holds its own list plus the lists given by path, so a page
        # is tokenized once. All 28 bundled languages load in 28 ms, once per worker.
        self._matchers = {lang: BadWordsMatcher(entries + everywhere) for lang, entries in by_lang.items()}
        self._everywhere = BadWordsMatcher(everywhere) if everywhere else None

    def matcher_for(self, lang: str | None) -> tuple[str | None, BadWordsMatcher | None]:
        """(the list's language, its matcher) for a language tag; (None, lists given by path)
        when the language has no list."""
        if self._matchers is None:
            self.setup()
        lang = lang or self.config.badwords_default_lang
        key = badwords_language(lang) if lang else None
        if key in self._matchers:
            return key, self._matchers[key]
        return None, self._everywhere

    def apply(self, doc: Document) -> Document | Drop:
        if not self.config.badwords:
            return doc
        lang, matcher = self.matcher_for(doc.metadata.get("lang"))
        if matcher is None:
            return doc.with_metadata(badwords_unchecked=True)
        if not self.is_bad(doc.text, matcher):
            return doc
        return Drop(REASON_BADWORDS, detail=", ".join(matcher.matches(doc.text)),
                    fields={"badwords_lang": lang or "any"})

    def is_bad(self, text: str, matcher: BadWordsMatcher) -> bool:
        cfg = self.config
        stop = cfg.badwords_max_hits if cfg.badwords_max_fraction is None else None
        hits, n_words = matcher.count(text, stop_after=stop)
        if hits <= cfg.badwords_max_hits:
            return False
        if cfg.badwords_max_fraction is None:
            return True
        return hits > cfg.badwords_max_fraction * max(n_words, 1)

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])
