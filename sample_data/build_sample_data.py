#!/usr/bin/env python3
"""Build dataprep's committed sample data from Debian's documentation packages.

Usage (from the repository root)::

    python sample_data/build_sample_data.py [--debs DIR] [--keep-tmp] [--out DIR]

What it does
------------
1. Downloads a fixed list of Debian (bookworm) documentation packages with
   ``apt-get download PKG=VERSION`` into a temporary directory (falling back to
   the current candidate version, after one ``apt-get update``, when a pinned
   version has left the mirror) and unpacks each with ``dpkg-deb -x``.
   Nothing is installed and nothing is written outside the temporary
   directory and ``sample_data/``.  ``--debs DIR`` reuses (and fills) a cache
   directory of ``.deb`` files instead of a throw-away one.
2. Reads the real HTML pages they ship (debian-handbook in 26 locales, the
   installation guide in 19 languages, Debian Reference, the Debian FAQ, the
   New Maintainers' Guide, and the Python 3.11 documentation), picks ~600 of
   them with a seeded RNG, and writes them as Common-Crawl-like WARC/1.0 files
   (one gzip member per record; warcinfo, then request / response /
   sometimes metadata per page) under the pages' real public URLs.  A handful
   of pages are re-encoded into legacy charsets (declared in the HTTP header
   only, in a ``<meta>`` tag only, or not at all).
3. Writes ``broken.warc.gz`` (synthetic defects mixed with good records),
   ``html/`` (plain HTML files), ``jsonl/`` and ``parquet/`` (curated plain
   text cut from the packages' text renderings and Python's reST sources),
   and ``MANIFEST.json`` describing every file and record.

Determinism: given the same package versions (pinned below, recorded in the
manifest), a rerun produces byte-identical outputs: fixed WARC-Date values,
record ids derived from hashes of type/URL/content, sorted file lists, one
seeded ``random.Random``, gzip members with mtime 0, fixed zstd level.

Needs: apt-get and dpkg-deb (Debian), lxml, pyarrow, zstandard (all in the
project's virtualenv).
"""

from __future__ import annotations

import argparse
import base64
import collections
import email.utils
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zlib

import lxml.html
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240520

# Package -> version the committed outputs were built from (bookworm).
PACKAGES = {
    "debian-handbook": "11.20220922",
    "installation-guide-amd64": "20230508+deb12u1",
    "debian-faq": "11.1",
    "debian-faq-de": "11.1",
    "debian-faq-fr": "11.1",
    "debian-faq-it": "11.1",
    "debian-faq-ja": "11.1",
    "debian-faq-ko": "11.1",
    "debian-faq-nl": "11.1",
    "debian-faq-pt": "11.1",
    "debian-faq-ru": "11.1",
    "debian-faq-zh-cn": "11.1",
    "maint-guide": "1.2.53",
    "maint-guide-ca": "1.2.53",
    "maint-guide-de": "1.2.53",
    "maint-guide-es": "1.2.53",
    "maint-guide-fr": "1.2.53",
    "maint-guide-it": "1.2.53",
    "maint-guide-ja": "1.2.53",
    "maint-guide-ru": "1.2.53",
    "maint-guide-vi": "1.2.53",
    "maint-guide-zh-cn": "1.2.53",
    "maint-guide-zh-tw": "1.2.53",
    "debian-reference-en": "2.100",
    "debian-reference-de": "2.100",
    "debian-reference-es": "2.100",
    "debian-reference-fr": "2.100",
    "debian-reference-id": "2.100",
    "debian-reference-it": "2.100",
    "debian-reference-ja": "2.100",
    "debian-reference-pt": "2.100",
    "debian-reference-pt-br": "2.100",
    "debian-reference-zh-cn": "2.100",
    "debian-reference-zh-tw": "2.100",
    "python3.11-doc": "3.11.2-6+deb12u9",
}

LICENSES = {
    "debian-handbook": "GPL-2.0+ or CC-BY-SA-3.0",
    "installation-guide-amd64": "GPL-2.0",
    "debian-faq": "Debian FAQ permissive verbatim/modified-copies licence (SPI)",
    "maint-guide": "GPL-2.0+",
    "debian-reference": "GPL-2.0+",
    "python3.11-doc": "PSF-2.0 (Python Software Foundation License Version 2)",
}

# --------------------------------------------------------------------------
# Fetching packages
# --------------------------------------------------------------------------


def _run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def fetch_packages(deb_dir: str, root: str) -> dict:
    """Download (if not cached) and unpack every package; return name -> info."""
    os.makedirs(deb_dir, exist_ok=True)
    updated = False
    info = {}
    for name, version in sorted(PACKAGES.items()):
        have = sorted(f for f in os.listdir(deb_dir) if f.startswith(name + "_") and f.endswith(".deb"))
        if not have:
            r = _run(["apt-get", "download", f"{name}={version}"], cwd=deb_dir)
            if r.returncode != 0 and not updated:
                _run(["apt-get", "update"])
                updated = True
                r = _run(["apt-get", "download", f"{name}={version}"], cwd=deb_dir)
            if r.returncode != 0:
                print(f"warning: {name}={version} not available, using the current candidate", file=sys.stderr)
                r = _run(["apt-get", "download", name], cwd=deb_dir)
            if r.returncode != 0:
                raise SystemExit(f"apt-get download {name} failed:\n{r.stdout}")
            have = sorted(f for f in os.listdir(deb_dir) if f.startswith(name + "_") and f.endswith(".deb"))
        deb = os.path.join(deb_dir, have[-1])
        dest = os.path.join(root, name)
        if not os.path.isdir(dest):
            os.makedirs(dest)
            r = _run(["dpkg-deb", "-x", deb, dest])
            if r.returncode != 0:
                raise SystemExit(f"dpkg-deb -x {deb} failed:\n{r.stdout}")
        got_version = _run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
        if got_version != version:
            print(f"warning: {name}: built from {got_version}, pinned {version}; output bytes will differ", file=sys.stderr)
        info[name] = {"version": got_version, "deb": os.path.basename(deb), "root": dest}
    return info


# --------------------------------------------------------------------------
# Page discovery and analysis
# --------------------------------------------------------------------------

ISO = {  # locale/lang code used by the sources -> (ISO 639-1, locale tag)
    "ar-MA": ("ar", "ar-MA"), "ca-ES": ("ca", "ca-ES"), "cs-CZ": ("cs", "cs-CZ"), "da-DK": ("da", "da-DK"),
    "de-DE": ("de", "de-DE"), "el-GR": ("el", "el-GR"), "en-US": ("en", "en-US"), "es-ES": ("es", "es-ES"),
    "fa-IR": ("fa", "fa-IR"), "fr-FR": ("fr", "fr-FR"), "hr-HR": ("hr", "hr-HR"), "id-ID": ("id", "id-ID"),
    "it-IT": ("it", "it-IT"), "ja-JP": ("ja", "ja-JP"), "ko-KR": ("ko", "ko-KR"), "nb-NO": ("nb", "nb-NO"),
    "nl-NL": ("nl", "nl-NL"), "pl-PL": ("pl", "pl-PL"), "pt-BR": ("pt", "pt-BR"), "ro-RO": ("ro", "ro-RO"),
    "ru-RU": ("ru", "ru-RU"), "sv-SE": ("sv", "sv-SE"), "tr-TR": ("tr", "tr-TR"), "vi-VN": ("vi", "vi-VN"),
    "zh-CN": ("zh", "zh-CN"), "zh-TW": ("zh", "zh-TW"),
    "ca": ("ca", "ca"), "cs": ("cs", "cs"), "da": ("da", "da"), "de": ("de", "de"), "el": ("el", "el"),
    "en": ("en", "en"), "es": ("es", "es"), "fr": ("fr", "fr"), "id": ("id", "id"), "it": ("it", "it"),
    "ja": ("ja", "ja"), "ko": ("ko", "ko"), "nl": ("nl", "nl"), "pt": ("pt", "pt"), "pt-br": ("pt", "pt-BR"),
    "ro": ("ro", "ro"), "ru": ("ru", "ru"), "sv": ("sv", "sv"), "vi": ("vi", "vi"), "zh_CN": ("zh", "zh-CN"),
    "zh-cn": ("zh", "zh-CN"), "zh-tw": ("zh", "zh-TW"),
}

BLOCK_XPATH = '//p|//div[@class="para"]|//li|//td|//dt|//dd|//h1|//h2|//h3|//h4'


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def analyse(raw: bytes) -> dict:
    """Text statistics used for selection: blocks, prose chars, link ratio."""
    doc = lxml.html.fromstring(raw)
    for bad in doc.xpath("//script|//style"):
        bad.drop_tree()
    body = doc.find("body")
    body = body if body is not None else doc
    text = _norm(body.text_content())
    link_chars = sum(len(_norm(a.text_content())) for a in body.iter("a"))
    for pre in body.xpath("//pre"):
        pre.drop_tree()
    blocks = [_norm(e.text_content()) for e in body.xpath(BLOCK_XPATH)]
    blocks = [b for b in blocks if len(b) > 20]
    prose = sum(len(_norm(e.text_content())) for e in body.xpath('//p|//div[@class="para"]'))
    return {
        "blocks": blocks,
        "text_chars": len(text),
        "prose_chars": prose,
        "link_ratio": (link_chars / len(text)) if text else 1.0,
    }


class Page:
    __slots__ = ("source", "package", "path", "url", "lang", "locale", "en_path", "raw", "mtime",
                 "stats", "translated", "kind", "rel")

    def __init__(self, source, package, path, rel, url, code, en_path):
        self.source, self.package, self.path, self.rel, self.url = source, package, path, rel, url
        self.lang, self.locale = ISO[code]
        self.en_path = en_path
        with open(path, "rb") as f:
            self.raw = f.read()
        self.mtime = int(os.stat(path).st_mtime)
        self.stats = None
        self.translated = None
        self.kind = None

    @property
    def content_lang(self):
        if self.lang == "en" or self.translated is None:
            return self.lang
        return self.lang if self.translated >= 0.5 else "en"


def discover(pk: dict) -> list:
    pages = []

    def add(source, package, path, url, code, en_path):
        rel = os.path.relpath(path, pk[package]["root"])
        pages.append(Page(source, package, path, rel, url, code, en_path))

    # debian-handbook: html/<locale>/<page>.html
    hb = os.path.join(pk["debian-handbook"]["root"], "usr/share/doc/debian-handbook/html")
    for loc in sorted(os.listdir(hb)):
        d = os.path.join(hb, loc)
        if not os.path.isdir(d) or loc not in ISO:
            continue
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".html"):
                add("debian-handbook", "debian-handbook", os.path.join(d, fn),
                    f"https://debian-handbook.info/browse/{loc}/stable/{fn}", loc,
                    None if loc == "en-US" else os.path.join(hb, "en-US", fn))
    # installation guide: <lang>/<page>.html, served as <page>.<lang>.html
    ig = os.path.join(pk["installation-guide-amd64"]["root"], "usr/share/doc/installation-guide-amd64")
    for lang in sorted(os.listdir(ig)):
        d = os.path.join(ig, lang)
        if not os.path.isdir(d):
            continue
        web = lang.lower().replace("_", "-")
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".html"):
                stem = fn[:-5]
                add("installation-guide", "installation-guide-amd64", os.path.join(d, fn),
                    f"https://www.debian.org/releases/bookworm/amd64/{stem}.{web}.html", lang,
                    None if lang == "en" else os.path.join(ig, "en", fn))
    # Debian FAQ: FAQ/<page>.en.html and FAQ/<lang>/<page>.<lang>.html
    faq_en = os.path.join(pk["debian-faq"]["root"], "usr/share/doc/debian/FAQ")
    for name in sorted(n for n in PACKAGES if n.startswith("debian-faq")):
        base = os.path.join(pk[name]["root"], "usr/share/doc/debian/FAQ")
        for dirpath, _dirs, files in sorted(os.walk(base)):
            for fn in sorted(files):
                m = re.match(r"^(.+)\.([a-z]{2}(?:-[a-z]{2})?)\.html$", fn)
                if not m or os.path.islink(os.path.join(dirpath, fn)):
                    continue
                stem, code = m.groups()
                add("debian-faq", name, os.path.join(dirpath, fn),
                    f"https://www.debian.org/doc/manuals/debian-faq/{stem}.{code}.html", code,
                    None if code == "en" else os.path.join(faq_en, f"{stem}.en.html"))
    # New Maintainers' Guide
    mg_en = os.path.join(pk["maint-guide"]["root"], "usr/share/doc/maint-guide/html")
    for name in sorted(n for n in PACKAGES if n.startswith("maint-guide")):
        d = os.path.join(pk[name]["root"], f"usr/share/doc/{name}/html")
        for fn in sorted(os.listdir(d)):
            m = re.match(r"^(.+)\.([a-z]{2}(?:-[a-z]{2})?)\.html$", fn)
            if m:
                stem, code = m.groups()
                add("maint-guide", name, os.path.join(d, fn),
                    f"https://www.debian.org/doc/manuals/maint-guide/{stem}.{code}.html", code,
                    None if code == "en" else os.path.join(mg_en, f"{stem}.en.html"))
    # Debian Reference
    ref_en = os.path.join(pk["debian-reference-en"]["root"], "usr/share/debian-reference")
    for name in sorted(n for n in PACKAGES if n.startswith("debian-reference")):
        d = os.path.join(pk[name]["root"], "usr/share/debian-reference")
        for fn in sorted(os.listdir(d)):
            m = re.match(r"^(.+)\.([a-z]{2}(?:-[a-z]{2})?)\.html$", fn)
            if m:
                stem, code = m.groups()
                add("debian-reference", name, os.path.join(d, fn),
                    f"https://www.debian.org/doc/manuals/debian-reference/{stem}.{code}.html", code,
                    None if code == "en" else os.path.join(ref_en, f"{stem}.en.html"))
    # Python 3.11 documentation
    py = os.path.join(pk["python3.11-doc"]["root"], "usr/share/doc/python3.11/html")
    for dirpath, dirs, files in os.walk(py):
        dirs[:] = sorted(d for d in dirs if not d.startswith("_"))
        for fn in sorted(files):
            if fn.endswith(".html"):
                rel = os.path.relpath(os.path.join(dirpath, fn), py)
                add("python-docs", "python3.11-doc", os.path.join(dirpath, fn),
                    f"https://docs.python.org/3.11/{rel}", "en", None)
    pages.sort(key=lambda p: p.url)
    return pages


def annotate(pages: list) -> None:
    """Fill stats, translated fraction (vs. the English original) and kind."""
    en_blocks = {}
    for p in pages:
        p.stats = analyse(p.raw)
    by_path = {p.path: p for p in pages}
    for p in pages:
        if p.en_path is None:
            continue
        if p.en_path not in en_blocks:
            q = by_path.get(p.en_path)
            if q is not None:
                en_blocks[p.en_path] = set(q.stats["blocks"])
            elif os.path.exists(p.en_path):
                en_blocks[p.en_path] = set(analyse(open(p.en_path, "rb").read())["blocks"])
            else:
                en_blocks[p.en_path] = set()
        ens = en_blocks[p.en_path]
        tot = sum(len(b) for b in p.stats["blocks"])
        same = sum(len(b) for b in p.stats["blocks"] if b in ens)
        p.translated = round(1 - same / tot, 3) if tot else 1.0
    for p in pages:
        base = os.path.basename(p.path)
        is_index = base.split(".")[0] in ("index", "contents", "py-modindex", "genindex", "search")
        if is_index or p.stats["link_ratio"] > 0.45 or p.stats["prose_chars"] < 800:
            p.kind = "nav"
        else:
            p.kind = "prose"


# --------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------

MAX_BYTES = {"python-docs": 70_000, "debian-handbook": 45_000, "installation-guide": 40_000,
             "debian-faq": 45_000, "maint-guide": 50_000, "debian-reference": 40_000}


def _prose_rank(p):
    return (-(p.stats["prose_chars"] / len(p.raw)), p.url)


def _pick(rng, cands, n, pool_factor=3):
    cands = sorted(cands, key=_prose_rank)[: max(n * pool_factor, n)]
    cands.sort(key=lambda p: p.url)
    return rng.sample(cands, min(n, len(cands)))


def select_pages(pages: list, rng: random.Random) -> list:
    groups = collections.defaultdict(list)
    for p in pages:
        groups[(p.source, p.locale)].append(p)
    chosen = {}  # url -> Page

    def take(ps, role):
        for p in ps:
            chosen.setdefault(p.url, (p, role))

    def fits(p):
        return len(p.raw) <= MAX_BYTES[p.source]

    # Python documentation (English): prose pages, plus a few navigation pages.
    py = [p for p in groups[("python-docs", "en")] if fits(p)]
    take(_pick(rng, [p for p in py if p.kind == "prose"], 95), "prose")
    nav_urls = {"https://docs.python.org/3.11/index.html", "https://docs.python.org/3.11/tutorial/index.html",
                "https://docs.python.org/3.11/howto/index.html", "https://docs.python.org/3.11/faq/index.html"}
    take([p for p in groups[("python-docs", "en")] if p.url in nav_urls], "nav")

    # Handbook: English original, then each translation.
    hb_en = [p for p in groups[("debian-handbook", "en-US")] if fits(p)]
    take(_pick(rng, [p for p in hb_en if p.kind == "prose"], 30), "prose")
    take([p for p in groups[("debian-handbook", "en-US")] if p.url.endswith("/index.html")], "nav")
    en_chosen = {os.path.basename(p.path) for p, _ in chosen.values() if p.source == "debian-handbook"}
    hb_locales = sorted({loc for (src, loc) in groups if src == "debian-handbook" and loc != "en-US"})
    for i, loc in enumerate(hb_locales):
        cands = [p for p in groups[("debian-handbook", loc)] if fits(p)]
        good = [p for p in cands if p.kind == "prose" and p.translated >= 0.8]
        if len(good) < 10:
            ok = sorted((p for p in cands if p.kind == "prose" and 0.5 <= p.translated < 0.8),
                        key=lambda p: (-p.translated, p.url))
            good += ok[: 10 - len(good)]
        take(_pick(rng, good, 10), "prose")
        # Untranslated pages that fall back to English: near-duplicates of en-US pages in the sample.
        fb = [p for p in cands if p.translated < 0.2 and p.kind == "prose" and os.path.basename(p.path) in en_chosen]
        take(_pick(rng, fb, 2, pool_factor=10), "fallback")
        if i % 2 == 0:
            take([p for p in groups[("debian-handbook", loc)] if p.url.endswith("/index.html")], "nav")

    # Installation guide.
    for (src, loc), ps in sorted(groups.items()):
        if src != "installation-guide":
            continue
        cands = [p for p in ps if fits(p)]
        n = 15 if loc == "en" else 6
        good = [p for p in cands if p.kind == "prose" and (loc == "en" or p.translated >= 0.8)]
        take(_pick(rng, good, n), "prose")
        if loc in ("en", "de", "ja", "ru", "zh-CN", "el"):
            take([p for p in cands if os.path.basename(p.path) == "index.html"], "nav")
    # FAQ / maint-guide / reference.
    for (src, loc), ps in sorted(groups.items()):
        if src == "debian-faq":
            n = 8 if loc == "en" else 4
            good = [p for p in ps if fits(p) and p.kind == "prose" and (loc == "en" or p.translated >= 0.8)]
            take(_pick(rng, good, n), "prose")
            if loc in ("en", "ko"):
                take([p for p in ps if os.path.basename(p.path).startswith("index.")], "nav")
        elif src == "maint-guide":
            n = 3 if loc == "en" else 2
            good = [p for p in ps if fits(p) and p.kind == "prose" and (loc == "en" or p.translated >= 0.8)]
            take(_pick(rng, good, n), "prose")
        elif src == "debian-reference":
            take([p for p in ps if os.path.basename(p.path).split(".")[0] in ("pr01", "apa")], "prose")
    return [chosen[u] for u in sorted(chosen)]


# --------------------------------------------------------------------------
# Charset variants
# --------------------------------------------------------------------------

XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
META_CHARSET_RE = re.compile(r"<meta\b[^>]*\bcharset\s*=[^>]*>\s*", re.I)
HEAD_RE = re.compile(r"<head\b[^>]*>", re.I)

# (declared how, codec, WHATWG/IANA label, ISO 639-1, locale prefix, how many)
LEGACY_PLAN = [
    ("header", "iso-8859-1", "ISO-8859-1", "de", "de", 2),
    ("header", "iso-8859-1", "ISO-8859-1", "es", "es", 1),
    ("header", "windows-1252", "windows-1252", "fr", "fr", 2),
    ("header", "windows-1252", "windows-1252", "pt", "pt", 1),
    ("header", "windows-1250", "windows-1250", "cs", "cs", 1),
    ("meta-http-equiv", "koi8-r", "KOI8-R", "ru", "ru", 1),
    ("meta-charset", "windows-1251", "windows-1251", "ru", "ru", 2),
    ("meta-http-equiv", "iso-8859-7", "ISO-8859-7", "el", "el", 1),
    ("meta-charset", "euc-jp", "EUC-JP", "ja", "ja", 1),
    ("none", "shift_jis", "Shift_JIS", "ja", "ja", 2),
    ("none", "gb18030", "GB18030", "zh", "zh-CN", 2),
    ("none", "big5", "Big5", "zh", "zh-TW", 1),
    ("none", "euc-kr", "EUC-KR", "ko", "ko", 1),
]
CJK_CODECS = {"shift_jis", "cp932", "euc-jp", "gb2312", "gbk", "gb18030", "big5", "cp950", "big5hkscs", "euc-kr", "cp949"}
EQUIV_CANDIDATES = ["utf-8", "iso-8859-1", "windows-1252", "iso-8859-15", "iso-8859-2", "windows-1250",
                    "koi8-r", "koi8-u", "windows-1251", "iso-8859-5", "iso-8859-7", "windows-1253",
                    "shift_jis", "cp932", "euc-jp", "gb2312", "gbk", "gb18030", "big5", "cp950",
                    "big5hkscs", "euc-kr", "cp949"]


def split_head(html: str):
    i = html.lower().find("</head>")
    return (html, "") if i < 0 else (html[:i], html[i:])


def declarations(payload: bytes) -> dict:
    m = XML_DECL_RE.match(payload)
    xml = None
    if m:
        mm = re.search(rb'encoding=["\']([^"\']+)', m.group(0))
        xml = mm.group(1).decode("ascii") if mm else None
    head = payload[:4096].decode("ascii", "replace")
    meta = None
    mm = re.search(r"<meta\b[^>]*\bcharset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", head, re.I)
    if mm:
        meta = mm.group(1)
    return {"xml_decl": xml, "meta": meta}


def strip_declarations(raw: bytes) -> str | None:
    """UTF-8 page -> text with the XML declaration and meta charset tags removed."""
    body = XML_DECL_RE.sub(b"", raw, count=1)
    html = body.decode("utf-8")
    head, rest = split_head(html)
    head = META_CHARSET_RE.sub("", head)
    if re.search(r"charset", head, re.I) or not HEAD_RE.search(head):
        return None
    return head + rest


def legacy_encode(raw: bytes, how: str, codec: str, label: str) -> bytes | None:
    html = strip_declarations(raw)
    if html is None:
        return None
    if how == "meta-http-equiv":
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
        html = HEAD_RE.sub(lambda m: m.group(0) + meta, html, count=1)
    elif how == "meta-charset":
        meta = f'<meta charset="{label}">'
        html = HEAD_RE.sub(lambda m: m.group(0) + meta, html, count=1)
    if codec in ("iso-8859-1",) and re.search("[\x80-\x9f]", html):
        return None
    if codec in CJK_CODECS:
        # Codecs without NO-BREAK SPACE (the CJK ones): write it as the &nbsp; entity, the way legacy
        # pages do.  The parsed document is unchanged; nothing else is ever substituted.
        html = html.replace("\u00a0", "&nbsp;")
    try:
        out = html.encode(codec, errors="strict")
    except UnicodeEncodeError:
        return None
    if out.decode(codec) != html:
        return None
    return out


def equivalent_charsets(payload: bytes, text: str) -> list:
    eq = []
    for c in EQUIV_CANDIDATES:
        try:
            if payload.decode(c) == text:
                eq.append(c)
        except (UnicodeDecodeError, LookupError):
            pass
    return eq


# --------------------------------------------------------------------------
# WARC writing
# --------------------------------------------------------------------------

BASE_TS = 1716192000  # 2024-05-20T08:00:00Z
NS = uuid.UUID("6f1b1c51-3a6e-4c8e-9d55-2f3d4a0b8e10")


def warc_date(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def http_date(ts: int) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def rec_id(*parts) -> str:
    return f"<urn:uuid:{uuid.uuid5(NS, '|'.join(str(p) for p in parts))}>"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_record(headers: list, block: bytes) -> bytes:
    hs = list(headers) + [("Content-Length", str(len(block)))]
    out = [b"WARC/1.0\r\n"]
    for k, v in hs:
        out.append(f"{k}: {v}\r\n".encode("utf-8"))
    out.append(b"\r\n")
    out.append(block)
    out.append(b"\r\n\r\n")
    return b"".join(out)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def ip_for(url: str) -> str:
    host = url.split("/")[2]
    h = hashlib.sha1(host.encode()).digest()
    return f"{(192, 198, 203)[h[0] % 3]}.{(0, 51, 0)[h[0] % 3]}.{(2, 100, 113)[h[0] % 3]}.{1 + h[1] % 250}"


def server_for(url: str) -> str:
    host = url.split("/")[2]
    return {"docs.python.org": "nginx", "debian-handbook.info": "nginx/1.22.1"}.get(host, "Apache")


class WarcBuilder:
    def __init__(self, filename: str, description: str):
        self.filename = filename
        self.members = []  # (kind, bytes)
        self.info_id = rec_id("warcinfo", filename)
        self.ts = BASE_TS
        fields = (
            "software: dataprep sample_data/build_sample_data.py\r\n"
            "format: WARC File Format 1.0\r\n"
            "conformsTo: http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf\r\n"
            f"description: {description}\r\n"
            "isPartOf: dataprep-sample-data\r\n"
            "operator: dataprep project (synthetic crawl built from Debian documentation packages)\r\n"
            "robots: not applicable\r\n"
        ).encode("utf-8")
        self.add_raw("warcinfo", gz(warc_record([
            ("WARC-Type", "warcinfo"), ("WARC-Date", warc_date(self.ts)), ("WARC-Filename", filename),
            ("WARC-Record-ID", self.info_id), ("Content-Type", "application/warc-fields"),
        ], fields)))

    def add_raw(self, kind, member: bytes):
        self.members.append((kind, member))

    def next_ts(self):
        self.ts += 7
        return self.ts

    def request(self, url, ts) -> tuple:
        host = url.split("/")[2]
        path = "/" + url.split("/", 3)[3]
        block = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                 "User-Agent: dataprep-sample-builder/1.0 (+https://www.debian.org/doc/)\r\n"
                 "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                 "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
                 ).encode("ascii")
        rid = rec_id("request", url)
        return rid, warc_record([
            ("WARC-Type", "request"), ("WARC-Date", warc_date(ts)), ("WARC-Record-ID", rid),
            ("Content-Type", "application/http; msgtype=request"), ("WARC-Warcinfo-ID", self.info_id),
            ("WARC-IP-Address", ip_for(url)), ("WARC-Target-URI", url), ("WARC-Block-Digest", sha1_b32(block)),
        ], block)

    def response_block(self, url, payload, content_type, mtime, ts, extra_http=None, status="200 OK"):
        lines = [f"HTTP/1.1 {status}", f"Date: {http_date(ts)}", f"Server: {server_for(url)}"]
        if mtime:
            lines.append(f"Last-Modified: {http_date(mtime)}")
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(payload)}"]
        lines += extra_http or []
        lines += ["Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload

    def response(self, url, block, payload, ts, concurrent=None, ident_type="text/html", rid=None):
        rid = rid or rec_id("response", url, hashlib.sha1(block).hexdigest())
        hs = [("WARC-Type", "response"), ("WARC-Date", warc_date(ts)), ("WARC-Record-ID", rid),
              ("Content-Type", "application/http; msgtype=response"), ("WARC-Warcinfo-ID", self.info_id)]
        if concurrent:
            hs.append(("WARC-Concurrent-To", concurrent))
        hs += [("WARC-IP-Address", ip_for(url)), ("WARC-Target-URI", url),
               ("WARC-Payload-Digest", sha1_b32(payload)), ("WARC-Block-Digest", sha1_b32(block))]
        if ident_type:
            hs.append(("WARC-Identified-Payload-Type", ident_type))
        return rid, warc_record(hs, block)

    def metadata(self, url, resp_id, ts, charset, fetch_ms):
        block = f"fetchTimeMs: {fetch_ms}\r\ncharset-detected: {charset}\r\n".encode("ascii")
        rid = rec_id("metadata", url, resp_id)
        return rid, warc_record([
            ("WARC-Type", "metadata"), ("WARC-Date", warc_date(ts)), ("WARC-Record-ID", rid),
            ("WARC-Warcinfo-ID", self.info_id), ("WARC-Concurrent-To", resp_id), ("WARC-Refers-To", resp_id),
            ("WARC-Target-URI", url), ("Content-Type", "application/warc-fields"),
            ("WARC-Block-Digest", sha1_b32(block)),
        ], block)

    def write(self, path):
        with open(path, "wb") as f:
            for _kind, m in self.members:
                f.write(m)


# --------------------------------------------------------------------------
# Main build steps
# --------------------------------------------------------------------------


def make_variants(selected, pages, rng):
    """Return list of entries: dict(page, payload, charset, declared, ...)."""
    entries = []
    chosen_urls = {p.url for p, _ in selected}
    for p, role in selected:
        entries.append({"page": p, "role": role, "payload": p.raw, "charset": "utf-8", "declared": "header",
                        "header_charset": "utf-8", "url": p.url})
    # Legacy charsets: pick unselected, translated prose pages of the language and re-encode them.
    used = set()
    for how, codec, label, lang, locpref, n in LEGACY_PLAN:
        cands = [p for p in pages if p.lang == lang and p.locale.startswith(locpref)
                 and p.url not in used and p.kind == "prose" and p.lang != "en" and (p.translated or 0) >= 0.8
                 and len(p.raw) <= 40_000 and p.stats["prose_chars"] >= 1500]
        cands.sort(key=lambda p: p.url)
        rng.shuffle(cands)
        # Prefer pages not already in the sample; else convert a sampled page in place.
        cands.sort(key=lambda p: p.url in chosen_urls)
        got = 0
        for p in cands:
            out = legacy_encode(p.raw, how, codec, label)
            if out is None:
                continue
            used.add(p.url)
            entries = [e for e in entries if e["url"] != p.url]
            entries.append({"page": p, "role": "legacy-charset", "payload": out, "charset": codec,
                            "declared": "header" if how == "header" else ("meta" if how.startswith("meta") else "none"),
                            "header_charset": label if how == "header" else None, "url": p.url,
                            "meta_form": how if how.startswith("meta") else None})
            got += 1
            if got == n:
                break
        if got < n:
            print(f"warning: only {got}/{n} pages encodable as {codec} for {lang}", file=sys.stderr)
    # UTF-8 pages declared only by meta (no charset in HTTP header) or not at all.
    pool = [e for e in entries if e["role"] == "prose" and e["page"].lang != "en" and e["charset"] == "utf-8"]
    pool.sort(key=lambda e: e["url"])
    rng.shuffle(pool)
    langs_meta, langs_none = set(), set()
    for e in pool:
        lang = e["page"].lang
        if len(langs_meta) < 4 and lang not in langs_meta and declarations(e["payload"])["meta"]:
            e["declared"], e["header_charset"] = "meta", None
            langs_meta.add(lang)
        elif len(langs_none) < 4 and lang not in langs_none and lang not in langs_meta:
            s = strip_declarations(e["payload"])
            if s is not None:
                e["payload"] = s.encode("utf-8")
                e["declared"], e["header_charset"] = "none", None
                langs_none.add(lang)
    # Exact duplicates under a second URL (content negotiation / directory index).
    dups = []
    for e in entries:
        p = e["page"]
        if e["role"] != "prose" or e["charset"] != "utf-8" or e["declared"] != "header":
            continue
        if p.source == "debian-faq" and p.lang == "en" and len([d for d in dups if "faq" in d["url"]]) < 3:
            dups.append(dict(e, role="exact-duplicate", url=p.url.replace(".en.html", ".html"), duplicate_of=p.url))
    for e in entries:
        if e["url"] in ("https://docs.python.org/3.11/tutorial/index.html", "https://docs.python.org/3.11/index.html"):
            dups.append(dict(e, role="exact-duplicate", url=e["url"][: -len("index.html")], duplicate_of=e["url"]))
    entries += dups
    return entries


def write_web_warcs(entries, rng, outdir, nfiles=3):
    order = sorted(entries, key=lambda e: e["url"])
    rng.shuffle(order)
    en_urls = {}
    for e in entries:
        if e["page"].lang == "en" and e["role"] in ("prose", "nav"):
            en_urls[e["page"].path] = e["url"]
    manifests = []
    for k in range(nfiles):
        chunk = order[k::nfiles]
        fname = f"web-{k:05d}.warc.gz"
        wb = WarcBuilder(fname, f"dataprep sample crawl, part {k} of {nfiles}: real pages from Debian documentation "
                                "packages and the Python 3.11 docs, served under their public URLs")
        recs = []
        counts = collections.Counter({"warcinfo": 1})
        for e in chunk:
            p = e["page"]
            ts = wb.next_ts()
            req_id, req = wb.request(e["url"], ts)
            wb.add_raw("request", gz(req))
            counts["request"] += 1
            ct = "text/html" + (f"; charset={e['header_charset']}" if e["header_charset"] else "")
            block = wb.response_block(e["url"], e["payload"], ct, p.mtime, ts)
            rid, resp = wb.response(e["url"], block, e["payload"], ts, concurrent=req_id)
            wb.add_raw("response", gz(resp))
            counts["response"] += 1
            has_meta = rng.random() < 0.6
            if has_meta:
                _mid, meta = wb.metadata(e["url"], rid, ts, e["charset"].upper(), 40 + rng.randrange(900))
                wb.add_raw("metadata", gz(meta))
                counts["metadata"] += 1
            decl = declarations(e["payload"])
            text = e["payload"].decode(e["charset"])
            near = None
            if p.lang != "en" and p.translated is not None and p.translated < 0.2 and p.en_path in en_urls:
                near = en_urls[p.en_path]
            rec = {
                "record_id": rid,
                "url": e["url"],
                "lang": p.lang,
                "locale": p.locale,
                "content_lang": p.content_lang,
                "translated_fraction": p.translated,
                "charset": e["charset"],
                "charset_declared": e["declared"],
                "http_content_type": ct,
                "meta_charset": decl["meta"],
                "xml_decl_encoding": decl["xml_decl"],
                "kind": "nav" if p.kind == "nav" else "prose",
                "role": e["role"],
                "payload_bytes": len(e["payload"]),
                "payload_sha1": hashlib.sha1(e["payload"]).hexdigest(),
                "text_sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(),
                "has_metadata_record": has_meta,
                "source_package": p.package,
                "source_path": p.rel,
            }
            if e["charset"] != "utf-8":
                rec["equivalent_charsets"] = equivalent_charsets(e["payload"], text)
            if e.get("duplicate_of"):
                rec["exact_duplicate_of"] = e["duplicate_of"]
            if near:
                rec["near_duplicate_of"] = near
            recs.append(rec)
        path = os.path.join(outdir, fname)
        wb.write(path)
        manifests.append({
            "file": f"warc/{fname}",
            "bytes": os.path.getsize(path),
            "record_counts": dict(sorted(counts.items())),
            "response_records": counts["response"],
            "records": recs,
        })
    return manifests


# ---- broken.warc.gz -------------------------------------------------------


def body_inner(raw: bytes) -> str:
    html = raw.decode("utf-8")
    m = re.search(r"<body\b[^>]*>(.*)</body>", html, re.S | re.I)
    return m.group(1) if m else html


def write_broken(pages, pk, outdir, rng, used_urls):
    fname = "broken.warc.gz"
    wb = WarcBuilder(fname, "dataprep sample: deliberately defective WARC (synthetic defects) mixed with good records")
    recs = []
    by_url = {p.url: p for p in pages}
    offset = len(wb.members[0][1])

    def emit(kind, member, info):
        nonlocal offset
        wb.add_raw(kind, member)
        info["gzip_member_offset"] = offset
        info["gzip_member_length"] = len(member)
        offset += len(member)
        recs.append(info)

    def good(url, defect="none", expect="read normally; text/html page"):
        p = by_url[url]
        ts = wb.next_ts()
        block = wb.response_block(url, p.raw, "text/html; charset=utf-8", p.mtime, ts)
        rid, r = wb.response(url, block, p.raw, ts)
        return rid, r, {"record_id": rid, "warc_type": "response", "url": url, "lang": p.lang,
                        "content_lang": p.content_lang, "charset": "utf-8", "charset_declared": "header",
                        "defect": defect, "expected": expect, "payload_bytes": len(p.raw),
                        "payload_sha1": hashlib.sha1(p.raw).hexdigest()}

    def fresh(pred):
        cands = sorted((p for p in pages if pred(p) and p.url not in used_urls), key=lambda p: p.url)
        p = rng.choice(cands)
        used_urls.add(p.url)
        return p.url

    # 1. warcinfo is already there. 2. A good page.
    rid, r, info = good(fresh(lambda p: p.source == "python-docs" and p.kind == "prose" and len(p.raw) < 40_000))
    emit("response", gz(r), info)

    # 3. Declared UTF-8, but the body contains invalid UTF-8 byte sequences.
    url = fresh(lambda p: p.locale == "de-DE" and p.kind == "prose" and (p.translated or 0) > 0.9
                and len(p.raw) < 40_000 and p.raw.count("ä".encode()) > 10)
    p = by_url[url]
    payload = bytearray(p.raw)
    bad_offsets = []
    # a) the first five 'ä' (C3 A4) in the body become a bare Latin-1 byte E4
    start = p.raw.find(b"<body")
    pos = start
    for _ in range(5):
        pos = payload.find("ä".encode(), pos)
        payload[pos:pos + 2] = b"\xe4"
        bad_offsets.append(pos)
        pos += 1
    # b) a stray 0xFF 0xFE pair, an overlong '/', and a truncated 3-byte sequence inside paragraph text
    for junk in (b"\xff\xfe", b"\xc0\xaf", b"\xe2\x82"):
        pos = payload.find(b"<p", pos + 200)
        pos = payload.find(b">", pos) + 1
        payload[pos:pos] = junk
        bad_offsets.append(pos)
    payload = bytes(payload)
    ts = wb.next_ts()
    block = wb.response_block(url, payload, "text/html; charset=utf-8", p.mtime, ts)
    rid, r = wb.response(url, block, payload, ts)
    emit("response", gz(r), {"record_id": rid, "warc_type": "response", "url": url, "lang": "de",
                             "content_lang": "de", "charset": "utf-8", "charset_declared": "header",
                             "defect": "invalid-utf8",
                             "detail": "declared utf-8 (header and meta) but 5 'ä' were replaced by the bare Latin-1 "
                                       "byte 0xE4 and the sequences FF FE, C0 AF (overlong) and E2 82 (truncated) "
                                       "were inserted; byte offsets in the payload: " + ", ".join(map(str, bad_offsets)),
                             "invalid_byte_offsets": bad_offsets,
                             "expected": "decode with errors='replace' (or similar) and keep the page; strict utf-8 "
                                         "decoding raises UnicodeDecodeError",
                             "payload_bytes": len(payload), "payload_sha1": hashlib.sha1(payload).hexdigest()})

    # 4. Empty body.
    url = "https://www.debian.org/doc/manuals/debian-faq/empty.en.html"
    ts = wb.next_ts()
    block = wb.response_block(url, b"", "text/html; charset=utf-8", None, ts)
    rid, r = wb.response(url, block, b"", ts)
    emit("response", gz(r), {"record_id": rid, "warc_type": "response", "url": url, "defect": "empty-body",
                             "detail": "HTTP 200, Content-Type text/html, Content-Length: 0, no payload",
                             "expected": "skip (no text)", "payload_bytes": 0})

    # 5. A multi-MB page: the bodies of the English Debian Reference chapters and handbook pages in one document.
    ref_en = os.path.join(pk["debian-reference-en"]["root"], "usr/share/debian-reference")
    parts = []
    size = 0
    hb_en = os.path.join(pk["debian-handbook"]["root"], "usr/share/doc/debian-handbook/html/en-US")
    srcs = [os.path.join(ref_en, f) for f in sorted(os.listdir(ref_en)) if re.match(r"ch\d\d\.en\.html$", f)]
    srcs += [os.path.join(hb_en, f) for f in sorted(os.listdir(hb_en)) if f.endswith(".html") and f != "index.html"]
    for path in srcs:
        inner = body_inner(open(path, "rb").read())
        parts.append(f'<div class="chapter-source" data-src="{os.path.basename(path)}">\n{inner}\n</div>')
        size += len(inner.encode("utf-8"))
        if size > 3_300_000:
            break
    huge = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>Debian Reference and Debian Administrator's Handbook — everything on one page</title>\n"
            "</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n").encode("utf-8")
    url = "https://www.debian.org/doc/manuals/debian-reference/all-in-one.en.html"
    ts = wb.next_ts()
    block = wb.response_block(url, huge, "text/html; charset=utf-8", None, ts)
    rid, r = wb.response(url, block, huge, ts)
    emit("response", gz(r), {"record_id": rid, "warc_type": "response", "url": url, "lang": "en",
                             "content_lang": "en", "charset": "utf-8", "charset_declared": "header",
                             "defect": "oversized-page",
                             "detail": f"{len(huge)} bytes of HTML: the <body> contents of {len(parts)} real "
                                       "English pages (all Debian Reference chapters, then Debian Administrator's "
                                       "Handbook pages) concatenated inside one html/body",
                             "expected": "reader/extractor must cope with (or cap) a multi-MB payload",
                             "payload_bytes": len(huge), "payload_sha1": hashlib.sha1(huge).hexdigest()})

    # 6. Non-HTML payloads (real files from the packages).
    png = open(os.path.join(pk["python3.11-doc"]["root"], "usr/share/doc/python3.11/html/_images/tk_msg.png"), "rb").read()
    pdf = gzip.decompress(open(os.path.join(pk["debian-handbook"]["root"],
                                            "usr/share/doc/debian-handbook/html/nb-NO/images/ssh-L.pdf.gz"), "rb").read())
    for url, data, ctype in (("https://docs.python.org/3.11/_images/tk_msg.png", png, "image/png"),
                             ("https://debian-handbook.info/browse/nb-NO/stable/images/ssh-L.pdf", pdf, "application/pdf")):
        ts = wb.next_ts()
        block = wb.response_block(url, data, ctype, None, ts)
        rid, r = wb.response(url, block, data, ts, ident_type=ctype)
        emit("response", gz(r), {"record_id": rid, "warc_type": "response", "url": url, "defect": "non-html",
                                 "detail": f"{ctype} payload ({len(data)} bytes, real file from the packages)",
                                 "expected": "skip (not text/html)", "payload_bytes": len(data),
                                 "content_type": ctype})

    # 7. A gzip member with a valid header but garbage deflate data, then two good records.
    url = fresh(lambda p: p.locale == "fr-FR" and p.kind == "prose" and (p.translated or 0) >= 0.8
                and len(p.raw) < 30_000)
    _rid, r, info = good(url)
    member = bytearray(gz(r))
    keep = 10 + 40  # gzip header + the first 40 bytes of real deflate data
    salt = 0
    while True:
        g = hashlib.sha256(f"garbage-{salt}".encode()).digest()
        garbage = bytearray()
        i = 0
        while len(garbage) < len(member) - keep - 8:
            garbage += hashlib.sha256(g + i.to_bytes(4, "big")).digest()
            i += 1
        garbage = bytes(garbage[: len(member) - keep - 8])
        cand = bytes(member[:keep]) + garbage + bytes(member[-8:])
        if b"\x1f\x8b" not in cand[2:]:
            try:
                zlib.decompressobj(31).decompress(cand)
            except zlib.error as exc:
                err = str(exc)
                break
        salt += 1
    info.update({"defect": "corrupt-gzip-member",
                 "detail": "gzip member with a valid 10-byte gzip header (1f 8b 08 ...) whose deflate data is "
                           f"garbage after its first 40 bytes; zlib raises '{err}'. The record inside was a normal "
                           "response for this URL; it cannot be read",
                 "expected": "reading fails here (warcio 1.7 ArchiveIterator raises ArchiveLoadFailed 'Invalid WARC "
                             "record'; gzip/zlib raise zlib.error). The next gzip member starts right after this "
                             "one (gzip_member_offset + gzip_member_length) and holds a good record, so a reader "
                             "that resynchronises there can read the rest of the file",
                 "zlib_error": err})
    info.pop("payload_sha1", None)
    emit("corrupt", cand, info)
    for _ in range(2):
        url = fresh(lambda p: p.source == "installation-guide" and p.kind == "prose" and p.lang != "en"
                    and (p.translated or 0) > 0.9)
        rid, r, info = good(url, expect="read normally (follows the corrupt member)")
        emit("response", gz(r), info)

    # 8. A response whose HTTP header block is malformed.
    url = fresh(lambda p: p.source == "debian-faq" and p.lang == "it" and p.kind == "prose")
    p = by_url[url]
    head = ("HTPP/1.1 200 OK\r\n"                         # protocol misspelt
            f"Date: {http_date(wb.next_ts())}\r\n"
            "Content-Type text/html; charset=utf-8\r\n"   # no colon
            "Content-Length: 99999999\r\n"                # wrong length
            "\x00\x07\x1b[31mgarbage line without a colon\r\n"
            "Connection: close\r\n\r\n").encode("latin-1")
    block = head + p.raw
    ts = wb.ts
    rid, r = wb.response(url, block, p.raw, ts)
    emit("response", gz(r), {"record_id": rid, "warc_type": "response", "url": url, "lang": "it",
                             "defect": "malformed-http-headers",
                             "detail": "status line starts 'HTPP/1.1' instead of 'HTTP/1.1'; 'Content-Type' line "
                                       "has no colon (so there is no usable Content-Type); Content-Length claims "
                                       "99999999; a header line holds control bytes and no colon. The WARC record "
                                       "itself is well-formed and the HTML body after the blank line is intact",
                             "expected": "skip as malformed (warcio with verify_http=True raises "
                                         "StatusAndHeadersParserException; with the default verify_http=False the "
                                         "status line parses leniently, protocol 'HTPP/1.1', no Content-Type)",
                             "payload_bytes": len(p.raw)})

    # 9. A good record, then a final record whose gzip member is truncated.
    url = fresh(lambda p: p.source == "maint-guide" and p.lang == "ja" and p.kind == "prose")
    rid, r, info = good(url)
    emit("response", gz(r), info)
    url = fresh(lambda p: p.locale == "es-ES" and p.kind == "prose" and (p.translated or 0) > 0.9
                and len(p.raw) < 30_000)
    _rid, r, info = good(url)
    member = gz(r)
    cut = len(member) * 3 // 5
    info.update({"defect": "truncated-gzip-member",
                 "detail": f"last gzip member cut after {cut} of {len(member)} bytes (file ends mid-member); "
                           "the WARC record and its payload are incomplete",
                 "expected": "must not be treated as a complete page. warcio 1.7 does NOT raise: it yields the "
                             "record with a short payload (fewer bytes than the HTTP/WARC Content-Length), even "
                             "with check_digests; Python's gzip module raises EOFError on this member",
                 "full_member_length": len(member)})
    info.pop("payload_sha1", None)
    emit("truncated", member[:cut], info)
    path = os.path.join(outdir, fname)
    wb.write(path)
    return {"file": f"warc/{fname}", "bytes": os.path.getsize(path),
            "synthetic_defects": True,
            "response_records_written": len(recs),
            "readable_good_html_responses": sum(1 for r_ in recs if r_["defect"] == "none"),
            "records": [{"order": i + 2, **r_} for i, r_ in enumerate(recs)],
            "note": "order 1 is the warcinfo record; 'gzip_member_offset' is the byte offset of the record's gzip "
                    "member in the file"}


# ---- html/ ------------------------------------------------------------------

HTML_DIR_PICKS = [
    ("python-docs", "en", lambda p: "/tutorial/" in p.url and p.kind == "prose" and len(p.raw) <= 60_000),
    ("python-docs", "en", lambda p: "/howto/" in p.url and p.kind == "prose" and len(p.raw) <= 60_000),
    ("debian-handbook", "de-DE", None), ("debian-handbook", "fr-FR", None), ("debian-handbook", "ja-JP", None),
    ("debian-handbook", "ar-MA", None), ("debian-handbook", "zh-CN", None), ("debian-faq", "ko", None),
    ("installation-guide", "es", None), ("maint-guide", "vi", None),
]


def write_html_dir(pages, outdir, rng, used_urls):
    os.makedirs(outdir, exist_ok=True)
    files = []
    for i, (src, loc, pred) in enumerate(HTML_DIR_PICKS):
        cands = [p for p in pages if p.source == src and p.locale == loc and p.kind == "prose"
                 and len(p.raw) <= 40_000 and (p.lang == "en" or (p.translated or 0) >= 0.8)]
        if pred:
            cands = [p for p in pages if p.source == src and pred(p)]
        cands.sort(key=lambda p: p.url)
        p = rng.choice([c for c in cands if c.url not in used_urls] or cands)
        used_urls.add(p.url)
        stem = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"(\.[a-z]{2}(-[a-z]{2})?)?\.html$", "", os.path.basename(p.path))).strip("-")
        name = f"{i:02d}-{src}-{stem}.{p.locale}.html"
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(p.raw)
        files.append({"file": f"html/{name}", "url": p.url, "lang": p.lang, "locale": p.locale,
                      "charset": "utf-8", "charset_declared": "meta" if declarations(p.raw)["meta"] else "none",
                      "bytes": len(p.raw),
                      "source_package": p.package, "source_path": p.rel})
    # one legacy-charset file: Russian in windows-1251, declared by <meta charset>
    cands = sorted((p for p in pages if p.lang == "ru" and p.kind == "prose" and (p.translated or 0) >= 0.9
                    and p.url not in used_urls and len(p.raw) <= 30_000 and p.stats["prose_chars"] >= 2000),
                   key=lambda p: p.url)
    rng.shuffle(cands)
    for p in cands:
        out = legacy_encode(p.raw, "meta-charset", "windows-1251", "windows-1251")
        if out is None:
            continue
        used_urls.add(p.url)
        stem = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"(\.[a-z]{2}(-[a-z]{2})?)?\.html$", "", os.path.basename(p.path))).strip("-")
        name = f"{len(files):02d}-{p.source}-{stem}.{p.locale}.cp1251.html"
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(out)
        files.append({"file": f"html/{name}", "url": p.url, "lang": p.lang, "locale": p.locale,
                      "charset": "windows-1251", "charset_declared": "meta", "bytes": len(out),
                      "source_package": p.package, "source_path": p.rel})
        break
    return files


# ---- curated plain text -------------------------------------------------------

SECTION_RE = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+\S.*$", re.M)


def text_sections(txt: str, min_chars=600, max_chars=6000):
    """Split a DocBook text rendering into (number, text) sections."""
    marks = list(SECTION_RE.finditer(txt))
    out = []
    for a, b in zip(marks, marks[1:] + [None]):
        chunk = txt[a.start(): b.start() if b else len(txt)]
        title, _, body = chunk.partition("\n\n")  # a long title wraps onto several lines
        body = tidy_paragraphs(body)
        if len(body) < min_chars:
            continue
        out.append((a.group(1), clip(title.strip() + "\n\n" + body, max_chars)))
    return out


def tidy_paragraphs(body: str) -> str:
    """Undo the text renderings' indentation: prose paragraphs are flush left, tables/code keep theirs (less 4)."""
    out = []
    for para in re.split(r"\n\s*\n", body):
        lines = para.split("\n")
        stripped = [ln.strip() for ln in lines]
        codeish = any(ln[:1] in "+|" or ln.startswith(("$ ", "# ", "* ")) for ln in stripped) or \
            any(re.match(r" {0,3}\S", ln) for ln in lines[1:] if ln.strip()) and not re.match(r" {0,3}\S", lines[0])
        if codeish:
            out.append("\n".join(re.sub(r"^ {1,4}", "", ln) for ln in lines).rstrip())
        else:
            out.append("\n".join(stripped))
    return "\n\n".join(p for p in out if p.strip()).strip()


def clip(text: str, max_chars: int) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text).strip()
    if len(text) <= max_chars:
        return text
    cut = text.rfind("\n\n", 0, max_chars)
    return text[: cut if cut > max_chars // 3 else max_chars].rstrip()


def read_gz_text(path):
    data = gzip.decompress(open(path, "rb").read())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # installation-guide's ru/install.ru.txt.gz is a KOI8-R file (real legacy data).
        return data.decode("koi8-r" if path.endswith(".ru.txt.gz") else "utf-8")


def curated_records(pk, rng):
    """Return (file0_records, file1_records, parquet_records) of dicts with id/text/url/lang."""
    # Python reST sources (English).
    py_src = os.path.join(pk["python3.11-doc"]["root"], "usr/share/doc/python3.11/html/_sources")
    rst = []
    for dirpath, dirs, files in os.walk(py_src):
        dirs.sort()
        for fn in sorted(files):
            if fn.endswith(".rst.txt") and os.path.getsize(os.path.join(dirpath, fn)) > 3000:
                rel = os.path.relpath(os.path.join(dirpath, fn), py_src)
                if rel.split("/")[0] in ("tutorial", "howto", "faq", "reference", "library", "using", "extending"):
                    rst.append(rel)
    rst.sort()
    f0 = []
    for rel in sorted(rng.sample(rst, 25)):
        text = open(os.path.join(py_src, rel), encoding="utf-8").read()
        f0.append({"id": "python311-rst/" + rel[: -len(".rst.txt")], "lang": "en",
                   "url": f"https://docs.python.org/3.11/_sources/{rel}", "text": clip(text, 6000)})

    def sections_of(paths_langs, total, idprefix, urlfmt):
        per = []
        for path, code in paths_langs:
            secs = text_sections(read_gz_text(path))
            per.append((code, secs))
        out = []
        k = 0
        while len(out) < total and any(secs for _, secs in per):
            code, secs = per[k % len(per)]
            k += 1
            if not secs:
                continue
            num, text = secs.pop(rng.randrange(len(secs)))
            out.append({"id": f"{idprefix}.{code}/{num}", "lang": ISO[code][0], "text": text,
                        "url": urlfmt.format(code=code) + f"#s{num}"})
        return out

    faq = [(os.path.join(pk["debian-faq"]["root"], "usr/share/doc/debian/FAQ/debian-faq.en.txt.gz"), "en")]
    for name in sorted(n for n in PACKAGES if n.startswith("debian-faq-")):
        code = name[len("debian-faq-"):]
        faq.append((os.path.join(pk[name]["root"], f"usr/share/doc/debian/FAQ/debian-faq.{code}.txt.gz"), code))
    f0 += sections_of(faq, 25, "debian-faq", "https://www.debian.org/doc/manuals/debian-faq/debian-faq.{code}.txt")

    ig = os.path.join(pk["installation-guide-amd64"]["root"], "usr/share/doc/installation-guide-amd64")
    igs = []
    for lang in sorted(os.listdir(ig)):
        d = os.path.join(ig, lang)
        if os.path.isdir(d):
            for fn in sorted(os.listdir(d)):
                if fn.endswith(".txt.gz"):
                    igs.append((os.path.join(d, fn), lang))
    f1 = sections_of(igs, 25, "installation-guide", "https://www.debian.org/releases/bookworm/amd64/install.{code}.txt")
    for r in f1:
        r["url"] = r["url"].replace("install.zh_CN.txt", "install.zh-cn.txt")
        r["id"] = r["id"].replace("zh_CN", "zh-cn")
    mg = []
    for name in sorted(n for n in PACKAGES if n.startswith("maint-guide")):
        code = "en" if name == "maint-guide" else name[len("maint-guide-"):]
        mg.append((os.path.join(pk[name]["root"], f"usr/share/doc/{name}/maint-guide.{code}.txt.gz"), code))
    f1 += sections_of(mg, 25, "maint-guide", "https://www.debian.org/doc/manuals/maint-guide/maint-guide.{code}.txt")

    ref = []
    for name in sorted(n for n in PACKAGES if n.startswith("debian-reference-")):
        code = name[len("debian-reference-"):]
        ref.append((os.path.join(pk[name]["root"], f"usr/share/debian-reference/debian-reference.{code}.txt.gz"), code))
    pq_recs = sections_of(ref, 50, "debian-reference",
                          "https://www.debian.org/doc/manuals/debian-reference/debian-reference.{code}.txt")
    return f0, f1, pq_recs


def jsonl_lines(records, bad_at):
    """Serialise records; inject a malformed line and a record without 'text' at the given 1-based lines."""
    lines, info = [], []
    recs = list(records)
    while recs or len(lines) < max(bad_at.values()):
        n = len(lines) + 1
        if n == bad_at["malformed"]:
            lines.append('{"id": "broken-json-line", "text": "this line is not valid JSON because the string never ends, '
                         '"url": "https://example.invalid/broken"')
            info.append({"line": n, "defect": "malformed-json"})
            continue
        if n == bad_at["missing_text"]:
            lines.append(json.dumps({"id": "record-without-text", "url": "https://example.invalid/no-text"},
                                    ensure_ascii=False))
            info.append({"line": n, "defect": "missing-text", "id": "record-without-text"})
            continue
        if not recs:
            break
        r = recs.pop(0)
        lines.append(json.dumps({"id": r["id"], "text": r["text"], "url": r["url"]}, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8"), info


def write_curated(pk, rng, outdir):
    f0, f1, pq_recs = curated_records(pk, rng)
    os.makedirs(os.path.join(outdir, "jsonl"), exist_ok=True)
    os.makedirs(os.path.join(outdir, "parquet"), exist_ok=True)
    man = []
    data, bad = jsonl_lines(f0, {"malformed": 17, "missing_text": 34})
    p0 = os.path.join(outdir, "jsonl", "curated-00000.jsonl.gz")
    with open(p0, "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    data1, bad1 = jsonl_lines(f1, {"malformed": 40, "missing_text": 9})
    p1 = os.path.join(outdir, "jsonl", "curated-00001.jsonl.zst")
    with open(p1, "wb") as f:
        f.write(zstandard.ZstdCompressor(level=19, write_checksum=True).compress(data1))
    for path, recs, bads, comp, nl in ((p0, f0, bad, "gzip", data.count(b"\n")),
                                       (p1, f1, bad1, "zstd", data1.count(b"\n"))):
        man.append({"file": os.path.relpath(path, outdir), "bytes": os.path.getsize(path), "compression": comp,
                    "lines": nl, "valid_records": len(recs), "bad_lines": bads,
                    "records": [{"id": r["id"], "lang": r["lang"], "url": r["url"], "chars": len(r["text"])}
                                for r in recs]})
    table = pa.table({"id": [r["id"] for r in pq_recs], "text": [r["text"] for r in pq_recs],
                      "url": [r["url"] for r in pq_recs]})
    pp = os.path.join(outdir, "parquet", "curated-00000.parquet")
    pq.write_table(table, pp, compression="zstd")
    man.append({"file": os.path.relpath(pp, outdir), "bytes": os.path.getsize(pp), "compression": "zstd (parquet)",
                "columns": ["id", "text", "url"], "rows": len(pq_recs),
                "records": [{"id": r["id"], "lang": r["lang"], "url": r["url"], "chars": len(r["text"])}
                            for r in pq_recs]})
    return man


# --------------------------------------------------------------------------


def dump_json(obj, indent=0) -> str:
    """Pretty JSON, but every record (a dict inside a list) on one line, to keep MANIFEST.json compact."""
    pad, pad1 = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict) and obj:
        items = [f"{pad1}{json.dumps(k)}: {dump_json(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        flat = not any(isinstance(v, list) and v and isinstance(v[0], dict) for x in obj for v in x.values())
        items = [pad1 + (json.dumps(x, ensure_ascii=False) if flat else dump_json(x, indent + 2)) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--debs", help="cache directory for downloaded .deb files (default: inside the temp dir)")
    ap.add_argument("--out", default=HERE, help="output directory (default: this script's directory)")
    ap.add_argument("--keep-tmp", action="store_true", help="do not delete the temporary directory")
    args = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="dataprep-sample-")
    try:
        deb_dir = os.path.abspath(args.debs) if args.debs else os.path.join(tmp, "debs")
        pk = fetch_packages(deb_dir, os.path.join(tmp, "root"))
        rng = random.Random(SEED)
        pages = discover(pk)
        annotate(pages)
        selected = select_pages(pages, rng)
        entries = make_variants(selected, pages, rng)

        out = os.path.abspath(args.out)
        for sub in ("warc", "html", "jsonl", "parquet"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        os.makedirs(os.path.join(out, "warc"))
        web = write_web_warcs(entries, rng, os.path.join(out, "warc"))
        used = {e["page"].url for e in entries}
        broken = write_broken(pages, pk, os.path.join(out, "warc"), rng, used)
        html = write_html_dir(pages, os.path.join(out, "html"), rng, used)
        curated = write_curated(pk, rng, out)

        all_recs = [r for m in web for r in m["records"]]
        per_lang = collections.Counter(r["lang"] for r in all_recs)
        per_content_lang = collections.Counter(r["content_lang"] for r in all_recs)
        per_charset = collections.Counter(f'{r["charset"]}/{r["charset_declared"]}' for r in all_recs)
        manifest = {
            "description": "dataprep sample data; built by sample_data/build_sample_data.py. See README.md.",
            "field_notes": {
                "lang": "ISO 639-1 code of the page's declared language (its locale/URL)",
                "content_lang": "dominant language of the text: lang, or 'en' when less than half of the page "
                                "(by characters of its text blocks) differs from the English original",
                "translated_fraction": "share of text-block characters not identical to the English original "
                                       "page (null for English originals); < 0.2 means an untranslated page that "
                                       "falls back to English",
                "charset": "Python codec the payload is encoded in",
                "charset_declared": "'header' = charset in the HTTP Content-Type (the page may also carry a "
                                    "matching meta tag); 'meta' = only a <meta> tag (and/or XML declaration) in the "
                                    "document declares it; 'none' = no declaration anywhere",
                "equivalent_charsets": "codecs that decode the payload to exactly the same text",
                "near_duplicate_of": "URL of the English original (in the sample) of an untranslated page",
                "exact_duplicate_of": "same payload served under another URL",
                "role": "prose | nav | fallback (untranslated translation page) | legacy-charset | exact-duplicate",
            },
            "sources": {name: {"version": v["version"], "deb": v["deb"]} for name, v in sorted(pk.items())},
            "licenses": LICENSES,
            "summary": {
                "web_pages": len(all_recs),
                "languages": len(per_lang),
                "pages_per_lang": dict(sorted(per_lang.items(), key=lambda kv: (-kv[1], kv[0]))),
                "pages_per_content_lang": dict(sorted(per_content_lang.items(), key=lambda kv: (-kv[1], kv[0]))),
                "pages_per_charset_declared": dict(sorted(per_charset.items())),
                "near_duplicates": sum(1 for r in all_recs if "near_duplicate_of" in r),
                "exact_duplicates": sum(1 for r in all_recs if "exact_duplicate_of" in r),
            },
            "warc": web + [broken],
            "html": {"dir": "html", "files": html},
            "curated": curated,
        }
        with open(os.path.join(out, "MANIFEST.json"), "w", encoding="utf-8") as f:
            f.write(dump_json(manifest) + "\n")
        total = 0
        for dirpath, _d, files in os.walk(out):
            for fn in files:
                if fn.endswith((".py", ".md")) or "__pycache__" in dirpath:
                    continue
                total += os.path.getsize(os.path.join(dirpath, fn))
        print(f"{len(all_recs)} pages in {len(per_lang)} languages; outputs total {total / 1e6:.2f} MB")
    finally:
        if args.keep_tmp:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
