"""Harmful-content filter: URL/domain blocklist and bad-words list (runs right after extract).

Two checks, each a drop reason:
- `harmful_url_blocklist`: the document's host, or any parent domain of it, is listed
  (`a.b.example.com` is blocked by `example.com`, never by `ample.com`); bare-IP hosts match
  IP entries exactly; list entries with a path block that exact URL (scheme, fragment, default
  port and a trailing slash ignored; compared lowercased, as URLhaus and UT1 publish them).
- `harmful_badwords`: C4's bad-words rule. Entries are matched whole-word and case-insensitively
  (NFKC + casefold on both sides); a multi-word entry matches the same words in a row; an entry
  in a script written without spaces (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar, Tibetan) or
  with no word characters at all (an emoji) matches as a substring, as C4 did for zh/ja/th.

Modules: `lists` (bundled defaults, reading list files), `badwords` (the matcher), `urls` (the
blocklist); this module holds the config and the stage.

Default lists live in `dataprep/resources/harmful/` (sources and licences in its README.md):
LDNOOBW bad words (CC-BY-4.0; only English by default: this stage runs before language ID,
and other languages' lists hold common English words such as Turkish "am"), URLhaus malware
hosts and page URLs (CC0-1.0) and a small hand-made adult-domain seed list.

Speed: the text is tokenized once and whole-word entries are looked up with C-level set
operations on the document's vocabulary, so the cost does not grow with the list; only
documents that hold a listed word, or every word of a listed phrase, are scanned in Python
to count occurrences. Substring entries are one compiled regex. Measured with
`python bench/harmful.py` (default lists, 10 KB pages of English prose, one core
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
    read_list_file,
    read_lists,
)
from dataprep.harmful.urls import UrlBlocklist
from dataprep.stage import Stage

__all__ = [
    "BADWORDS_DIR", "DEFAULT_BADWORDS", "DEFAULT_URL_BLOCKLISTS", "REASON_BADWORDS", "REASON_URL",
    "URL_BLOCKLIST_DIR", "BadWordsMatcher", "HarmfulConfig", "HarmfulContentFilter", "UrlBlocklist",
    "read_list_file",
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
        help="Bad-words list files, one entry (word or phrase) per line. 'default' = the bundled "
        "LDNOOBW English list (C4's); 'default:LANG' = another bundled LDNOOBW language (ar cs da de en "
        "eo es fa fi fil fr fr-CA-u-sd-caqc hi hu it ja kab ko nl no pl pt ru sv th tlh tr zh). "
        "All listed files are applied to every document (this stage runs before language ID). "
        "null disables the bad-words check.",
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


# --- the stage ------------------------------------------------------------------------------


class HarmfulContentFilter(Stage):
    """Drops pages from blocklisted hosts/URLs and pages with bad words; keeps the rest unchanged."""

    name = "harmful"

    def __init__(self, config: HarmfulConfig | None = None):
        self.config = config or HarmfulConfig()
        self._urls: UrlBlocklist | None = None
        self._badwords: BadWordsMatcher | None = None
        self._loaded = False

    def setup(self) -> None:
        cfg = self.config
        if cfg.url_blocklist:
            self._urls = UrlBlocklist(read_lists(cfg.url_blocklist, "url_blocklist"))
        if cfg.badwords:
            self._badwords = BadWordsMatcher(read_lists(cfg.badwords, "badwords"))
        self._loaded = True

    def apply(self, doc: Document) -> Document | Drop:
        if not self._loaded:
            self.setup()
        if self._urls is not None and self._urls.blocked(doc.url):
            return Drop(REASON_URL)
        if self._badwords is not None and self.is_bad(doc.text):
            return Drop(REASON_BADWORDS)
        return doc

    def is_bad(self, text: str) -> bool:
        cfg = self.config
        stop = cfg.badwords_max_hits if cfg.badwords_max_fraction is None else None
        hits, n_words = self._badwords.count(text, stop_after=stop)
        if hits <= cfg.badwords_max_hits:
            return False
        if cfg.badwords_max_fraction is None:
            return True
        return hits > cfg.badwords_max_fraction * max(n_words, 1)

    # Loaded lists are not pickled: each Beam worker loads its own in setup().
    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])
