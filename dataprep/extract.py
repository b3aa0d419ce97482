"""HTML → text with trafilatura, keeping line breaks, under a per-document time limit.

Charset: BOM, then the HTTP header, then a <meta> tag, then strict UTF-8, then UTF-8 with
replacement characters if the page is mostly valid UTF-8, then detection (charset_normalizer),
and only then UTF-8 with replacement characters. The decision is
written to `metadata.charset` / `metadata.charset_source` so it can be audited.

Isolation: lxml can take minutes on adversarial markup and, rarely, crash the process. A
Python thread cannot be stopped, and `signal.alarm` only works on the main thread (Beam
runs DoFns on worker threads), so extraction runs in a child process (`python -m
dataprep.extract`) that we kill and restart when it overruns or dies. The cost is one pipe
round trip per page: measured by `bench/front_half.py` against in-process trafilatura.
"""

from __future__ import annotations

import codecs
import dataclasses
import pickle
import re
import select
import struct
import subprocess
import sys
from typing import Any

from dataprep.config import ConfigError, option, validate
from dataprep.document import Document, Drop
from dataprep.stage import Stage

# text/plain is not here: trafilatura returns nothing for it, and "no text" would misreport it.
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# WHATWG: a page labelled latin-1 or ascii is decoded as windows-1252, as browsers do.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}
_META_SNIFF_BYTES = 4096
# Importing trafilatura takes ~0.4 s here; a cold worker disk can take far longer.
_CHILD_START_TIMEOUT_S = 120


# One day: a page that takes longer is a hang, and select() refuses an infinite or huge
# timeout (measured: OverflowError "timestamp out of range" for inf and 1e12 s), which would
# fail every page instead of one.
_MAX_TIMEOUT_S = 86_400.0


@dataclasses.dataclass(frozen=True)
class ExtractConfig:
    timeout_s: float = option(
        10.0, "Seconds one page may take before it is dropped as extract_timeout (> 0, at most a day).",
        range=(None, _MAX_TIMEOUT_S))
    max_html_bytes: int = option(
        5_000_000, "Pages larger than this are dropped as extract_too_large without parsing.", range=(1, None))
    favor_precision: bool = option(False, "trafilatura favor_precision: less boilerplate, less text.")
    include_tables: bool = option(
        True, "Keep text inside <table>: one line per row, cells separated by a tab (no '|' markup).")
    isolate: bool = option(
        True, "Run trafilatura in a child process so timeouts and crashes cost one page. "
        "false runs it in-process with no time limit.")

    def __post_init__(self) -> None:
        # Checked here too, not only in config.build: stages are also built in code.
        validate(self)
        # Exclusive bound, which `range` cannot say: 0 would time out and drop every page.
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s: must be > 0, got {self.timeout_s!r}")


class ExtractError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


# --- charset --------------------------------------------------------------------------


def _codec(label: bytes | str | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(canonical, canonical)


def decode_html(payload: bytes, content_type: str | None) -> tuple[str, str, str]:
    """Decode an HTML payload; returns (text, codec, where the codec came from)."""
    for bom, codec in _BOMS:
        if payload.startswith(bom):
            return payload.decode(codec, errors="replace"), codec, "bom"
    header = _CHARSET_PARAM.search(content_type.encode("latin-1", "ignore")) if content_type else None
    meta = _META_CHARSET.search(payload[:_META_SNIFF_BYTES])
    candidates = [
        (_codec(header.group(1)) if header else None, "header"),
        (_codec(meta.group(1)) if meta else None, "meta"),
        ("utf-8", "utf8"),
    ]
    for codec, where in candidates:
        if codec:
            try:
                return payload.decode(codec), codec, where
            except (UnicodeDecodeError, LookupError):
                # LookupError: labels such as "base64" or "hex" name codecs, but not text ones.
                continue
    # UTF-8 with a few stray bytes (a latin-1 byte pasted into a UTF-8 template) is common, and
    # detection then picks a single-byte codec that garbles every other non-ASCII letter
    # (measured: a German UTF-8 page with one bad byte came back as cp1250, "über" → "ĂĽber").
    # Valid multi-byte sequences outnumbering the bad bytes mean UTF-8; replace just those.
    lenient = payload.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd") - payload.count("\ufffd".encode("utf-8"))
    non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore")) - lenient.count("\ufffd")
    if non_ascii > bad:
        return lenient, "utf-8", "replaced"
    from charset_normalizer import from_bytes

    best = from_bytes(payload).best()
    if best is not None:
        return str(best), best.encoding, "detected"
    fallback = next(codec for codec, _ in candidates if codec)
    return payload.decode(fallback, errors="replace"), fallback, "replaced"


# --- extraction (runs in the child, or in-process when isolate is false) ----------------


def _is_html(payload: bytes, content_type: str | None) -> bool:
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        return media in _HTML_TYPES
    # No header (HTML files, some WARCs): binary payloads have NUL bytes early on, but so
    # does UTF-16 text, which decode_html reads by its BOM.
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return b"\x00" not in payload[:1024]


def extract_text(payload: bytes, content_type: str | None, url: str | None, config: ExtractConfig) -> dict:
    """Decode and extract one page. Returns {'text', 'charset', 'charset_source'}."""
    import trafilatura

    if not payload.strip():
        raise ExtractError("extract_empty_payload")
    if not _is_html(payload, content_type):
        raise ExtractError("extract_not_html", f"content type {content_type!r}")
    if len(payload) > config.max_html_bytes:
        raise ExtractError("extract_too_large", f"{len(payload)} bytes > {config.max_html_bytes}")
    html, charset, charset_source = decode_html(payload, content_type)
    text = trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=config.include_tables,
        favor_precision=config.favor_precision,
        deduplicate=False,
        with_metadata=False,
    )
    if not text or not text.strip():
        raise ExtractError("extract_no_text")
    if "|" in text:
        text = plain_tables(text)
    return {"text": text, "charset": charset, "charset_source": charset_source}


# --- tables ----------------------------------------------------------------------------

# trafilatura writes a table as Markdown: "| cell | cell | " per row (cell pipes escaped as "\|")
# and "|---|---|" under a header row. The pipes are markup, not text: each one counted as a
# non-alphabetic word, and table pages were dropped as gopher_alpha_words (34 of 36 such drops on
# 186 real pages, every EUC-JP one among them). A row stays one line, its cells tab-separated, so
# line rules (C4's words per line, FineWeb's short lines) still see one row as one line.
_TABLE_RULE = re.compile(r"\|(?:-{3}\|)+")
_TABLE_ROW = re.compile(r"\| .*\|")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def plain_tables(text: str) -> str:
    """trafilatura's Markdown table rows as plain lines: cells joined by a tab, header rules gone."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if _TABLE_RULE.fullmatch(stripped):
            continue
        if _TABLE_ROW.fullmatch(stripped):
            cells = (cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(stripped[1:-1]))
            line = "\t".join(cell for cell in cells if cell)
            if not line:
                continue
        lines.append(line)
    return "\n".join(lines)


def _child_main() -> None:
    """Serve extraction requests over stdin/stdout: length-prefixed pickles."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything trafilatura prints must not corrupt the reply stream.
    sys.stdout = sys.stderr
    # The first extract() imports trafilatura and loads its modules lazily: measured 0.26 s
    # against 5 ms for the next page, enough to time out the first page of every fresh child
    # (the one after a timeout, too) under a tight timeout_s. Pay it here, before "ready".
    try:
        extract_text(b"<html><body><p>warm up</p></body></html>", "text/html", None, ExtractConfig())
    except ExtractError:
        pass
    _write_frame(stdout, "ready")
    while True:
        request = _read_frame(stdin)
        if request is None:
            return
        payload, content_type, url, config = request
        try:
            reply: Any = ("ok", extract_text(payload, content_type, url, config))
        except ExtractError as error:
            reply = ("drop", error.reason, str(error))
        except Exception as error:  # noqa: BLE001 - reported as a counted drop upstream
            reply = ("drop", "extract_error", f"{type(error).__name__}: {error}")
        _write_frame(stdout, reply)


def _write_frame(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream) -> Any:
    header = _read_exactly(stream, 8)
    if header is None:
        return None
    body = _read_exactly(stream, struct.unpack("<Q", header)[0])
    return None if body is None else pickle.loads(body)


class _ChildProcess:
    """One long-lived extraction child; replaced after a timeout or a crash."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dataprep.extract"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], _CHILD_START_TIMEOUT_S)
        if not ready or _read_frame(self.process.stdout) != "ready":
            self.close()
            raise RuntimeError(f"the extraction child did not start within {_CHILD_START_TIMEOUT_S} s")

    def call(self, request: tuple, timeout_s: float) -> tuple:
        try:
            _write_frame(self.process.stdin, request)
        except (BrokenPipeError, OSError) as error:
            raise ExtractError("extract_crash", f"child gone: {error}") from None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        if not ready:
            raise ExtractError("extract_timeout", f"over {timeout_s} s")
        reply = _read_frame(self.process.stdout)
        if reply is None:
            raise ExtractError("extract_crash", f"child exited with {self.process.wait()}")
        return reply

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


class Extract(Stage):
    """A page (Document with its `payload`) → the Document with its text, or a Drop with an
    `extract_*` reason. A Document that already has text and no payload passes unchanged."""

    name = "extract"

    def __init__(self, config: ExtractConfig | None = None):
        self.config = config or ExtractConfig()
        self._child: _ChildProcess | None = None

    def setup(self) -> None:
        if self.config.isolate and self._child is None:
            self._child = _ChildProcess()

    def teardown(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None

    def __getstate__(self) -> dict:
        return {"config": self.config, "_child": None}

    def apply(self, page: Document) -> Document | Drop:
        if page.payload is None:
            return page
        try:
            result = self._run(page)
        except ExtractError as error:
            return Drop(error.reason)
        return dataclasses.replace(
            page,
            text=result["text"],
            metadata={**page.metadata, "charset": result["charset"], "charset_source": result["charset_source"]},
            payload=None,
            content_type=None,
        )

    def _run(self, page: Document) -> dict:
        if not self.config.isolate:
            try:
                return extract_text(page.payload, page.content_type, page.url, self.config)
            except ExtractError:
                raise
            except Exception as error:  # noqa: BLE001 - as in the child: one page, counted
                raise ExtractError("extract_error", f"{type(error).__name__}: {error}") from None
        if self._child is not None and self._child.process.poll() is not None:
            # It died between pages (OOM killer, ...): not this page's fault, so restart before
            # sending. Writing to it would also raise SIGPIPE, which kills this process where
            # a caller has set SIGPIPE to SIG_DFL (cli.main does, for `| head`).
            self.teardown()
        try:
            self.setup()
        except (RuntimeError, OSError) as error:  # a fresh child did not start (memory pressure): this page only
            raise ExtractError("extract_crash", str(error)) from None
        try:
            reply = self._child.call((page.payload, page.content_type, page.url, self.config), self.config.timeout_s)
        except ExtractError:
            self.teardown()  # the child is stuck or dead: the next page gets a fresh one
            raise
        if reply[0] == "drop":
            raise ExtractError(reply[1], reply[2])
        return reply[1]


if __name__ == "__main__":
    _child_main()
