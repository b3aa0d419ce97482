"""The harmful-content filter's list files: the bundled defaults and reading any list file.

A list is read through `dataprep.fs`, so a local path, `file://` and any Beam filesystem
(gs://, s3://, …) work alike; `.gz` files are decompressed. Errors name the file and what it
was for.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Sequence

from dataprep import fs
from dataprep.config import ConfigError

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "harmful"
BADWORDS_DIR = RESOURCES / "badwords"
URL_BLOCKLIST_DIR = RESOURCES / "url_blocklist"

#: What "default" expands to. Bad words: the English list, applied to English pages only (C4's
#: rule); other languages are opt-in ('default:de'). Measured on 60 real zh/ja pages (chardet's
#: GB2312/Big5/EUC-JP/Shift_JIS test pages): the zh and ja lists, matched as substrings as C4
#: would, dropped 30, for 性 ("-ness"), 女の子 ("girl"), 嫌い ("dislike"), 支配, 人種 and "13".
DEFAULT_BADWORDS = ("en",)
DEFAULT_URL_BLOCKLISTS = ("urlhaus_hosts", "urlhaus_urls", "adult_handmade")

# what → (folder of the bundled lists, the names 'default' stands for)
_BUNDLED = {
    "url_blocklist": (URL_BLOCKLIST_DIR, DEFAULT_URL_BLOCKLISTS),
    "badwords": (BADWORDS_DIR, DEFAULT_BADWORDS),
}


def read_list_file(path: str, what: str = "list") -> list[str]:
    """The lines of a list file, without comment lines (`#`, `!`) and blank lines."""
    path = str(path)
    try:
        if not fs.exists(path):
            raise FileNotFoundError(path)
        data = fs.read_bytes(path)
        if path.endswith(".gz"):
            data = gzip.decompress(data)
    except FileNotFoundError:
        raise FileNotFoundError(f"harmful: {what} file not found: {path}") from None
    except Exception as e:  # OSError, Beam filesystem errors (BeamIOError, missing plugin…), bad gzip
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


def _resolve_named(entries: Sequence[str], what: str) -> list[tuple[str | None, str]]:
    """(bundled name, path) per file: 'default' and 'default:NAME' give bundled files, other
    entries are paths (name None)."""
    bundled_dir, defaults = _BUNDLED[what]
    named: list[tuple[str | None, str]] = []
    for entry in entries:
        if entry == "default":
            named.extend((name, str(bundled_dir / f"{name}.txt")) for name in defaults)
        elif entry.startswith("default:"):
            name = entry[len("default:"):]
            p = bundled_dir / f"{name}.txt"
            if not p.is_file():
                known = sorted(q.stem for q in bundled_dir.glob("*.txt"))
                raise ConfigError(f"harmful: no bundled {what} named {name!r} ({entry!r}); bundled: {', '.join(known)}")
            named.append((name, str(p)))
        else:
            named.append((None, entry))
    return named


def _resolve(entries: Sequence[str], what: str) -> list[str]:
    return [path for _, path in _resolve_named(entries, what)]


# Language ID tags (lid.176) → the LDNOOBW file that covers them, where the names differ.
_BADWORDS_LANG_ALIASES = {"tl": "fil", "nb": "no", "nn": "no"}


def badwords_language(tag: str) -> str:
    """The bad-words language key of a language tag or list name: 'zh-Hant' → 'zh', 'tl' → 'fil',
    'fr-CA-u-sd-caqc' (the Quebec list) → 'fr'."""
    key = tag.replace("_", "-").split("-", 1)[0].lower()
    return _BADWORDS_LANG_ALIASES.get(key, key)


def badwords_by_language(entries: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The bad-words entries by the language whose pages they apply to, and those that apply to
    every page: a bundled list ('default', 'default:LANG') covers its own language only; a list
    file given by path covers every language."""
    by_lang: dict[str, list[str]] = {}
    everywhere: list[str] = []
    for name, path in _resolve_named(entries, "badwords"):
        lines = read_list_file(path, "badwords")
        if name is None:
            everywhere.extend(lines)
        else:
            by_lang.setdefault(badwords_language(name), []).extend(lines)
    return by_lang, everywhere


def read_lists(entries: Sequence[str], what: str) -> list[str]:
    """Every line of the `what` lists ('url_blocklist' or 'badwords') that `entries` name."""
    lines: list[str] = []
    for path in _resolve(entries, what):
        lines.extend(read_list_file(path, what))
    return lines
