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

#: What "default" expands to. Bad words: English only, the C4 choice (see `dataprep.harmful`).
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


def _resolve(entries: Sequence[str], what: str) -> list[str]:
    """Expand 'default' and 'default:NAME' to bundled files; other entries are paths."""
    bundled_dir, defaults = _BUNDLED[what]
    paths: list[str] = []
    for entry in entries:
        if entry == "default":
            paths.extend(str(bundled_dir / f"{name}.txt") for name in defaults)
        elif entry.startswith("default:"):
            name = entry[len("default:"):]
            p = bundled_dir / f"{name}.txt"
            if not p.is_file():
                known = sorted(q.stem for q in bundled_dir.glob("*.txt"))
                raise ConfigError(f"harmful: no bundled {what} named {name!r} ({entry!r}); bundled: {', '.join(known)}")
            paths.append(str(p))
        else:
            paths.append(entry)
    return paths


def read_lists(entries: Sequence[str], what: str) -> list[str]:
    """Every line of the `what` lists ('url_blocklist' or 'badwords') that `entries` name."""
    lines: list[str] = []
    for path in _resolve(entries, what):
        lines.extend(read_list_file(path, what))
    return lines
