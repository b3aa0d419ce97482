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

Default lists live in `dataprep/resources/harmful/` (sources and licences in its README.md):
LDNOOBW bad words (CC-BY-4.0; only English by default: this stage runs before language ID,
and other languages' lists hold common English words such as Turkish "am"), URLhaus malware
hosts and page URLs (CC0-1.0) and a small hand-made adult-domain seed list.

Speed: the text is tokenized once and whole-word entries are looked up with C-level set
operations on the document's vocabulary, so the cost does not grow with the list; only
documents that hold a listed word, or every word of a listed phrase, are scanned in Python
to count occurrences. Substring entries are one compiled regex. Measured with
`python -m dataprep.harmful --bench` (default lists, 10 KB pages of English prose, one core
of the 2-core dev box, best runs): ~5,000 docs/s (50 MB/s) for ASCII pages, ~2,000 docs/s for
pages with typographic quotes (NFKC + regex tokenizer path); about half that while the box was
busy. A 5,400-entry list on 100 KB pages: ~630 docs/s (63 MB/s). Setup: ~40 ms.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import io
import ipaddress
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from dataprep.document import Document, Drop
from dataprep.stage import Stage

RESOURCES = Path(__file__).resolve().parent / "resources" / "harmful"
BADWORDS_DIR = RESOURCES / "badwords"
URL_BLOCKLIST_DIR = RESOURCES / "url_blocklist"

#: What "default" expands to. Bad words: English only, the C4 choice (see module docstring).
DEFAULT_BADWORDS = ("en",)
DEFAULT_URL_BLOCKLISTS = ("urlhaus_hosts", "urlhaus_urls", "adult_handmade")

REASON_URL = "harmful_url_blocklist"
REASON_BADWORDS = "harmful_badwords"


# --- config ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HarmfulConfig:
    url_blocklist: list[str] | None = dataclasses.field(
        default_factory=lambda: ["default"],
        metadata={
            "help": "Domain/URL blocklist files (local or any Beam filesystem path, .gz allowed). "
            "'default' = all bundled lists (URLhaus malware hosts + page URLs, hand-made adult seed); "
            "'default:NAME' = one bundled list (urlhaus_hosts, urlhaus_urls, adult_handmade). "
            "One entry per line: a host (blocks it and its subdomains), a bare IP, or host/path (blocks "
            "that URL). '#'/'!' comments, hosts-file lines ('0.0.0.0 host') and '||host^' are accepted. "
            "null disables the URL check."
        },
    )
    badwords: list[str] | None = dataclasses.field(
        default_factory=lambda: ["default"],
        metadata={
            "help": "Bad-words list files, one entry (word or phrase) per line. 'default' = the bundled "
            "LDNOOBW English list (C4's); 'default:LANG' = another bundled LDNOOBW language (ar cs da de en "
            "eo es fa fi fil fr fr-CA-u-sd-caqc hi hu it ja kab ko nl no pl pt ru sv th tlh tr zh). "
            "All listed files are applied to every document (this stage runs before language ID). "
            "null disables the bad-words check."
        },
    )
    badwords_max_hits: int = dataclasses.field(
        default=0,
        metadata={
            "help": "Drop a page when it has more than this many bad-word matches. 0 = C4: any match "
            "drops the page. Every occurrence counts, and a phrase that contains a listed word counts "
            "both."
        },
    )
    badwords_max_fraction: float | None = dataclasses.field(
        default=None,
        metadata={
            "help": "If set, a page over badwords_max_hits is dropped only when its matches are also more "
            "than this fraction of its words, so a long page with a stray word survives (e.g. 0.001). "
            "null = count alone decides. Words are tokens; each Han/kana/Thai character counts as one."
        },
    )

    def __post_init__(self) -> None:
        # YAML `badwords: default` gives a str: accept it as a one-item list.
        for name in ("url_blocklist", "badwords"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, [value])
            elif value is not None:
                if not all(isinstance(v, str) for v in value):
                    raise ValueError(f"harmful.{name} must be a list of paths, 'default' or null; got {value!r}")
                object.__setattr__(self, name, list(value))
        if not isinstance(self.badwords_max_hits, int) or self.badwords_max_hits < 0:
            raise ValueError(f"harmful.badwords_max_hits must be an int >= 0; got {self.badwords_max_hits!r}")
        f = self.badwords_max_fraction
        if f is not None and not (0.0 <= f <= 1.0):
            raise ValueError(f"harmful.badwords_max_fraction must be in [0, 1] or null; got {f!r}")


# --- reading list files ------------------------------------------------------------------

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def read_list_file(path: str, what: str = "list") -> list[str]:
    """The lines of a list file: local path, `file://`, or any Beam filesystem (gs://, s3://, …).

    Comment lines (`#`, `!`) and blank lines are dropped. `.gz` files are decompressed.
    Errors name the file and what it was for.
    """
    path = str(path)
    try:
        if _SCHEME.match(path) and not path.startswith("file://"):
            from apache_beam.io.filesystems import FileSystems  # only remote paths need Beam

            if not FileSystems.exists(path):
                raise FileNotFoundError(f"harmful: {what} file not found: {path}")
            with FileSystems.open(path) as f:  # compression AUTO: .gz is decompressed
                data = f.read()
        else:
            local = path[len("file://"):] if path.startswith("file://") else path
            opener = gzip.open if local.endswith(".gz") else open
            with opener(local, "rb") as f:
                data = f.read()
    except FileNotFoundError as e:
        if str(e).startswith("harmful:"):
            raise
        raise FileNotFoundError(f"harmful: {what} file not found: {path}") from e
    except OSError as e:
        raise OSError(f"harmful: cannot read {what} file {path}: {e}") from e
    except Exception as e:  # Beam filesystem errors (BeamIOError, missing plugin…)
        raise OSError(f"harmful: cannot read {what} file {path}: {e}") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"harmful: {what} file {path} is not UTF-8 text: {e}") from e
    out = []
    for line in io.StringIO(text):
        line = line.strip()
        if line and line[0] not in "#!":
            out.append(line)
    return out


def _resolve(entries: Sequence[str], bundled_dir: Path, defaults: Sequence[str], what: str) -> list[str]:
    """Expand 'default' and 'default:NAME' to bundled files; other entries are paths."""
    paths: list[str] = []
    for entry in entries:
        if entry == "default":
            paths.extend(str(bundled_dir / f"{name}.txt") for name in defaults)
        elif entry.startswith("default:"):
            name = entry[len("default:"):]
            p = bundled_dir / f"{name}.txt"
            if not p.is_file():
                known = sorted(q.stem for q in bundled_dir.glob("*.txt"))
                raise ValueError(f"harmful: no bundled {what} named {name!r} ({entry!r}); bundled: {', '.join(known)}")
            paths.append(str(p))
        else:
            paths.append(entry)
    return paths


# --- text normalisation and tokens ----------------------------------------------------------

# Scripts written without spaces between words: their entries match as substrings, and in text
# each of their characters is its own token (so a Latin word inside a Chinese run is still a word).
_NO_SPACE = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul Jamo
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u318f"  # Bopomofo, Hangul compatibility Jamo
    "\u31a0-\u31ff"  # Bopomofo ext, CJK strokes, Katakana ext
    "\u3400-\u4dbf"  # CJK ext A
    "\u4e00-\u9fff"  # CJK unified
    "\ua960-\ua97f"  # Hangul Jamo ext A
    "\uac00-\ud7ff"  # Hangul syllables, Jamo ext B
    "\uf900-\ufaff"  # CJK compatibility
    "\uff66-\uff9f"  # halfwidth Katakana
    "\U00020000-\U0003ffff"  # CJK ext B…
)
_NO_SPACE_RE = re.compile(f"[{_NO_SPACE}]")


@functools.lru_cache(maxsize=1)
def _mark_chars() -> str:
    """A regex class body for combining marks (Mn/Mc/Me) in the BMP, plus ZWNJ/ZWJ.

    Python's `\\w` leaves out combining marks (Devanagari vowel signs, Arabic harakat…), which
    would split Indic words in two. Astral-plane marks (historic scripts) are left out: every
    range past the BMP is one more linear check per non-word character, which halved the speed.
    Built on first use (a scan of the BMP, ~15 ms), not at import.
    """
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return body + "\u200c\u200d"


@functools.lru_cache(maxsize=1)
def _word_re() -> re.Pattern:
    """Runs of word characters (`\\w` plus combining marks)."""
    return re.compile(f"[\\w{_mark_chars()}]+")


@functools.lru_cache(maxsize=1)
def _word_re_no_space() -> re.Pattern:
    """As `_word_re`, but each character of a no-space script is a token of its own."""
    return re.compile(f"[{_NO_SPACE}]|(?:[^\\W{_NO_SPACE}]|[{_mark_chars()}])+")


# ASCII text (most English pages after NFKC): `\\w` is [A-Za-z0-9_], so mapping every other
# character to a space and splitting gives the same tokens as the regex, 3-4x faster.
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def normalize_text(text: str) -> str:
    """NFKC then casefold: full-width letters, ligatures and case all compare equal."""
    if text.isascii():  # NFKC is the identity on ASCII, and casefold is lower
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def tokenize(normalized: str) -> list[str]:
    """Word tokens of a normalized text (see `_word_re`); one token per Han/kana/Thai/… character."""
    if normalized.isascii():
        return normalized.translate(_ASCII_SEPARATORS).split()
    if _NO_SPACE_RE.search(normalized) is None:
        return _word_re().findall(normalized)
    return _word_re_no_space().findall(normalized)


# --- bad words ---------------------------------------------------------------------------------


def _trie_pattern(strings: Iterable[str]) -> str:
    """One regex matching any of `strings`, shaped as a trie (`a(?:b|cd)`), so the engine tries one
    branch per distinct next character instead of one per entry. Longer entries win over their
    prefixes (greedy `?`), and matches do not overlap."""
    trie: dict = {}
    for s in strings:
        node = trie
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # an entry ends here: the rest is optional
            body = f"(?:{body})?"
        return body

    return build(trie)



class BadWordsMatcher:
    """Counts list-entry matches in a text: whole words, phrases, and substrings (no-space scripts)."""

    def __init__(self, entries: Iterable[str]):
        self.words: set[str] = set()
        self.phrases: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        substrings: set[str] = set()
        for entry in entries:
            norm = normalize_text(entry).strip()
            if not norm:
                continue
            tokens = tuple(tokenize(norm))
            if _NO_SPACE_RE.search(norm) or not tokens:
                substrings.add(norm)
            elif len(tokens) == 1:
                self.words.add(tokens[0])
            else:
                self.phrases[tokens[0]].add(tokens)
        self.phrases = dict(self.phrases)
        self.phrase_firsts = frozenset(self.phrases)
        self.substrings = frozenset(substrings)
        self._substring_re = re.compile(_trie_pattern(substrings)) if substrings else None
        # Prefilter: each entry's first non-ASCII character (its first character if it has none).
        # A page holding none of them (an English page, for the CJK lists) cannot match, and a
        # character-class search costs a fraction of the alternation.
        anchors = {next((c for c in s if not c.isascii()), s[0]) for s in substrings}
        self._substring_anchor = re.compile("[" + "".join(map(re.escape, sorted(anchors))) + "]") if anchors else None

    def __len__(self) -> int:
        return len(self.words) + sum(map(len, self.phrases.values())) + len(self.substrings)

    def count(self, text: str, stop_after: int | None = None) -> tuple[int, int]:
        """(matches, words) in `text`. With `stop_after`, may stop counting once matches exceed it."""
        norm = normalize_text(text)
        tokens = tokenize(norm)
        hits = 0
        vocab = set(tokens)
        hit_words = self.words & vocab
        # A phrase can only occur if all its words do: most pages share "big" or "black" with a
        # phrase but not the rest, and skip the scan below.
        hit_phrases = [
            p for first in self.phrase_firsts & vocab for p in self.phrases[first] if vocab.issuperset(p)
        ]
        if hit_words and stop_after == 0:
            return 1, len(tokens)
        if hit_words or hit_phrases:  # rare path: count occurrences in order
            starts = hit_words | {p[0] for p in hit_phrases}
            for i, tok in enumerate(tokens):
                if tok not in starts:
                    continue
                if tok in hit_words:
                    hits += 1
                for phrase in hit_phrases:
                    if phrase[0] == tok and tuple(tokens[i : i + len(phrase)]) == phrase:
                        hits += 1
                if stop_after is not None and hits > stop_after:
                    return hits, len(tokens)
        if self._substring_re is not None and self._substring_anchor.search(norm):
            for _ in self._substring_re.finditer(norm):
                hits += 1
                if stop_after is not None and hits > stop_after:
                    break
        return hits, len(tokens)


# --- URLs ------------------------------------------------------------------------------------


def normalize_host(host: str) -> str:
    """Lowercase, no trailing dot or brackets, IDNA (punycode) for non-ASCII, canonical IPs."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def split_url(url: str) -> tuple[str, str | None] | None:
    """(host, url_key) of a URL, or None when it has no host. url_key is None for a bare host.

    url_key is `host[:port]/path[?query]` lowercased, without scheme, fragment, default port or a
    trailing slash, so the same page written two ways compares equal.
    """
    s = url.strip()
    if not _SCHEME.match(s):
        s = "http://" + s.lstrip("/")
    try:
        parts = urlsplit(s)
        host = parts.hostname
        port = parts.port
    except ValueError:  # bad IPv6 literal or port
        return None
    if not host:
        return None
    host = normalize_host(host)
    netloc = host if ":" not in host else f"[{host}]"
    if port and port not in (80, 443):
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    if not path and not parts.query:
        return host, None
    key = netloc + (path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, key.lower()


def parse_blocklist_line(line: str) -> tuple[str, str | None] | None:
    """A list line → (host, url_key|None). Accepts hosts-file and simple adblock (`||x^`) forms."""
    line = line.strip()
    fields = line.split()
    if len(fields) >= 2 and fields[0] in ("0.0.0.0", "127.0.0.1", "::", "::1"):
        line = fields[1]
    elif len(fields) != 1:
        return None
    if line.startswith("||"):
        line = line[2:].split("^", 1)[0]
    line = line.removeprefix("*.").removeprefix(".")
    if _is_ip(line.strip("[]")):  # a bare IPv6 address is no URL: "http://2001:db8::1" won't parse
        return normalize_host(line), None
    return split_url(line) if line else None


class UrlBlocklist:
    def __init__(self, lines: Iterable[str]):
        hosts: set[str] = set()
        urls: set[str] = set()
        for line in lines:
            parsed = parse_blocklist_line(line)
            if parsed is None:
                continue
            host, key = parsed
            if key is None:
                hosts.add(host)
            else:
                urls.add(key)
        self.hosts = frozenset(hosts)
        self.urls = frozenset(urls)

    def __len__(self) -> int:
        return len(self.hosts) + len(self.urls)

    def blocked(self, url: str | None) -> bool:
        if not url:
            return False
        parsed = split_url(url)
        if parsed is None:
            return False
        host, key = parsed
        if key is not None and key in self.urls:
            return True
        hosts = self.hosts
        if _is_ip(host):
            return host in hosts
        # The host and every parent domain: a.b.example.com, b.example.com, example.com, com.
        name = host
        while True:
            if name in hosts:
                return True
            dot = name.find(".")
            if dot < 0:
                break
            name = name[dot + 1 :]
        # A list that names only www.example.com still blocks example.com itself.
        return not host.startswith("www.") and ("www." + host) in hosts


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
            lines: list[str] = []
            for path in _resolve(cfg.url_blocklist, URL_BLOCKLIST_DIR, DEFAULT_URL_BLOCKLISTS, "url_blocklist"):
                lines.extend(read_list_file(path, "url_blocklist"))
            self._urls = UrlBlocklist(lines)
        if cfg.badwords:
            words: list[str] = []
            for path in _resolve(cfg.badwords, BADWORDS_DIR, DEFAULT_BADWORDS, "badwords"):
                words.extend(read_list_file(path, "badwords"))
            self._badwords = BadWordsMatcher(words)
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


# --- bench -----------------------------------------------------------------------------------


def _bench(n_docs: int = 2000, kb: int = 10) -> None:  # pragma: no cover - manual tool
    """`python -m dataprep.harmful --bench`: docs/s on ~10 KB pages of real English prose.

    The prose is the docstrings of the Python standard library (read with `ast`, nothing is
    imported), cut into pages; the same pages are run a second time with typographic quotes
    (’ “ ”), which takes the non-ASCII path (NFKC + regex tokenizer).
    """
    import ast
    import sysconfig
    import time

    prose: list[str] = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if "test" in path.parts or "site-packages" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 200:
                    prose.append(doc)
    corpus = "\n\n".join(prose)
    size = kb * 1000
    distinct = [corpus[i * size : (i + 1) * size] for i in range(len(corpus) // size)]
    pages = [distinct[i % len(distinct)] for i in range(n_docs)]  # cycled to n_docs for a stable timing
    curly = [p.replace("'", "\u2019").replace('"', "\u201c") for p in pages]

    stage = HarmfulContentFilter()
    t0 = time.perf_counter()
    stage.setup()
    print(f"setup {(time.perf_counter() - t0) * 1000:.0f} ms: {len(stage._urls)} URL entries, "
          f"{len(stage._badwords)} bad words; {len(pages)} pages of {kb} KB ({len(distinct)} distinct)")
    for label, texts in (("ASCII pages", pages), ("pages with ’ “ ” quotes", curly)):
        docs = [Document(id=str(i), text=t, source="web", url=f"https://www{i % 50}.example.org/p/{i}?q=1")
                for i, t in enumerate(texts)]
        t0 = time.perf_counter()
        dropped = sum(isinstance(stage.apply(d), Drop) for d in docs)
        dt = time.perf_counter() - t0
        print(f"{label}: {len(docs) / dt:.0f} docs/s, {len(docs) * size / dt / 1e6:.1f} MB/s, "
              f"{dropped} dropped by the default lists")


if __name__ == "__main__":  # pragma: no cover
    if "--bench" in sys.argv:
        _bench()
