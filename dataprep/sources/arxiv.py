"""arXiv preparer: LaTeX sources in every shape arXiv ships them (the `arxiv` input format) and
RedPajama-v1's cleaning, which LLaMA-1 used (§2 "ArXiv": "removed everything before the first
section, as well as the bibliography… removed the comments from the .tex files, and inline-expanded
definitions and macros written by users").

An e-print is one of: a `.tar.gz` (or plain `.tar`) of a paper's folder, the same tar.gz named
`<id>.gz` (arXiv's bulk `src` files), a single gzipped `.tex` named `<id>.gz`, or a plain `.tex`
in a folder. The kind is decided by magic bytes, never by the name. Archives are untrusted: they
are read as a stream (`tarfile` mode `r|`), no member is ever written to disk, so absolute names,
`..` and links cannot reach outside anything; links and non-regular members are skipped; a `.tex`
member over `max_member_bytes` fails the paper and the decompressed archive is capped at
`max_archive_bytes` while it streams, so a gzip bomb costs a bounded read, never the worker.
macOS `._*` resource forks and `__MACOSX/` are skipped. The main file is a `.tex` with both
`\\documentclass` (or LaTeX 2.09's `\\documentstyle`) and `\\begin{document}`; with several (unused
drafts beside the paper), the one no other candidate `\\input`s, then the longest once inlined,
then the first by name. In a folder of plain `.tex` files every main file is its own paper and
its `\\input`s resolve against its folder; a `.tex` without `\\documentclass` read on its own is a
part of a paper (`read_arxiv_not_main`, counted, its text is in the main file that inputs it).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import tarfile
import zlib
from typing import IO, Iterator

from dataprep import fs
from dataprep.config import option
from dataprep.document import Document, Drop, document_id
from dataprep.readers.base import (
    ReaderOptions, Record, compression_of, decompressed_chunks, failure, peek, shown, stream_errors,
)
from dataprep.stage import Stage

ARXIV_NO_SECTION = "arxiv_no_section"
ARXIV_EMPTY = "arxiv_empty"


@dataclasses.dataclass(frozen=True)
class ArxivLimits:
    # arXiv refuses submissions over 50 MB; the longest .tex files of real papers are ~1-2 MB.
    max_member_bytes: int = 8 << 20
    max_archive_bytes: int = 256 << 20  # decompressed bytes streamed, figures included
    max_depth: int = 10  # \input nesting


LIMITS = ArxivLimits()


class _TooLarge(Exception):
    pass


# --- comments, inputs, main file ------------------------------------------------------------

_COMMENT_ENV = re.compile(r"\\begin\{comment\}.*?\\end\{comment\}", re.DOTALL)
_INLINE_COMMENT = re.compile(r"(?<!\\)%.*$")


def strip_comments(tex: str) -> str:
    """Lines that are only a comment go (newline included); a trailing `%…` is cut (`\\%` stays)."""
    tex = _COMMENT_ENV.sub("", tex)
    out = []
    for line in tex.split("\n"):
        if line.lstrip().startswith("%"):
            continue
        out.append(_INLINE_COMMENT.sub("", line).rstrip() if "%" in line else line)
    return "\n".join(out)


_INPUT = re.compile(r"\\(?:input|include)\s*(?:\{([^{}]+)\}|([^\s{}\\]+))")
_MAIN = (re.compile(r"\\document(?:class|style)\b"), re.compile(r"\\begin\s*\{document\}"))


def is_main(tex: str) -> bool:
    return all(p.search(tex) for p in _MAIN)


def _resolve(name: str, folder: str, files: dict[str, str]) -> str | None:
    name = name.strip().strip('"')
    for candidate in (name, name + ".tex"):
        path = posixpath.normpath(posixpath.join(folder, candidate))
        if path in files:
            return path
    return None


def inline_inputs(path: str, files: dict[str, str], budget: int, depth: int = 10) -> str:
    """`files[path]` with every `\\input{x}` / `\\include{x}` replaced by x's text (comments
    stripped first, so a commented-out input is not followed), resolved against the main file's
    folder as LaTeX does. A missing file inlines as nothing; a cycle or nesting beyond `depth`
    stops there; output over `budget` characters raises _TooLarge (a file inputting itself twice
    per level would otherwise grow exponentially)."""
    root = posixpath.dirname(path)
    used = [0]

    def expand(current: str, stack: tuple[str, ...]) -> str:
        text = strip_comments(files[current])

        def replace(match: re.Match) -> str:
            target = _resolve(match.group(1) or match.group(2), root, files)
            if target is None or target in stack or len(stack) > depth:
                return ""
            inner = expand(target, stack + (target,))
            used[0] += len(inner)
            if used[0] > budget:
                raise _TooLarge(f"inlined text over {budget} characters")
            return inner

        return _INPUT.sub(replace, text)

    return expand(path, (path,))


def inputs_of(tex: str, folder: str, files: dict[str, str]) -> set[str]:
    return {t for m in _INPUT.finditer(strip_comments(tex))
            if (t := _resolve(m.group(1) or m.group(2), folder, files)) is not None}


def choose_main(files: dict[str, str], budget: int) -> tuple[str, str] | None:
    """(main file, its inlined text) among an archive's .tex files, or None without a main file."""
    candidates = sorted(p for p, t in files.items() if is_main(strip_comments(t)))
    if not candidates:
        return None
    included = set()
    for p in candidates:
        included |= inputs_of(files[p], posixpath.dirname(p), files) - {p}
    top = [p for p in candidates if p not in included] or candidates
    inlined = {p: inline_inputs(p, files, budget) for p in top}
    best = max(top, key=lambda p: (len(inlined[p]), [-ord(c) for c in p]))
    return best, inlined[best]


# --- reading ---------------------------------------------------------------------------------

class _Stream:
    """A read-only file object over decompressed chunks that raises _TooLarge past `cap` bytes.
    Reads advance an offset into the current chunk: slicing the rest off on every 10 KB read
    (tarfile's block size) would copy each 1 MiB chunk ~100 times. Measured: a 200 MiB figure
    member is streamed past in 0.12 s."""

    def __init__(self, chunks: Iterator[bytes], cap: int):
        self.chunks, self.cap, self.total, self.buffer, self.pos = chunks, cap, 0, b"", 0

    def unread(self, data: bytes) -> None:
        self.buffer, self.pos = data + self.buffer[self.pos:], 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) - self.pos < size:
            chunk = next(self.chunks, b"")
            if not chunk:
                break
            self.total += len(chunk)
            if self.total > self.cap:
                raise _TooLarge(f"archive over {self.cap} bytes decompressed")
            self.buffer, self.pos = self.buffer[self.pos:] + chunk, 0
        end = len(self.buffer) if size < 0 else self.pos + size
        out, self.pos = self.buffer[self.pos:end], min(end, len(self.buffer))
        return out


def _skipped_name(name: str) -> str | None:
    parts = name.split("/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute"
    if ".." in parts:
        return "parent"
    if parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        return "macos"
    return None


def tar_tex_files(stream, limits: ArxivLimits = LIMITS) -> tuple[dict[str, str], dict[str, int]]:
    """The .tex members of a tar stream by normalised name, and how many members were skipped
    per reason. Members are read into memory only; nothing is extracted."""
    files: dict[str, str] = {}
    skipped: dict[str, int] = {}
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            why = _skipped_name(member.name)
            if why is None and not member.isreg():
                why = "link" if member.issym() or member.islnk() else ("folder" if member.isdir() else "special")
            if why is None and not member.name.lower().endswith(".tex"):
                why = "not_tex"
            if why is None and member.size > limits.max_member_bytes:
                raise _TooLarge(f"member {member.name} is {member.size} bytes, over {limits.max_member_bytes}")
            if why is not None:
                if why != "folder":
                    skipped[why] = skipped.get(why, 0) + 1
                continue
            data = archive.extractfile(member).read(limits.max_member_bytes + 1)
            files[posixpath.normpath(member.name)] = _decode(data)
    return files, skipped


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # pre-2010 sources are often Latin-1; never fails


_ARXIV_ID = re.compile(r"((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/?\d{7}))(v\d+)?")


def arxiv_id(location: str) -> str | None:
    base = posixpath.basename(location)
    match = _ARXIV_ID.match(base)
    return match.group(1) if match else None


def read_arxiv(fileobj: IO[bytes], path: str, location: str, source: str, options: ReaderOptions,
               limits: ArxivLimits = LIMITS) -> Iterator[Record]:
    """One e-print (tar, tar.gz, tar.gz named .gz, gzipped .tex, or a .tex in a folder) → one Document
    holding its main file with every input inlined; the LaTeX is cleaned by the `arxiv` stage."""
    head = peek(fileobj)
    compression = compression_of(head)
    stream = _Stream(decompressed_chunks(fileobj, compression), limits.max_archive_bytes)
    metadata = {"source_file": shown(location), "arxiv_id": arxiv_id(location)}
    try:
        first = stream.read(512)
        stream.unread(first)
        if len(first) >= 262 and first[257:262] == b"ustar":
            files, skipped = tar_tex_files(stream, limits)
            metadata.update(container="tar.gz" if compression else "tar",
                            skipped_members=dict(sorted(skipped.items())))
            chosen = choose_main(files, limits.max_archive_bytes)
            if chosen is None:
                yield failure(source, location, 0, None, "read_arxiv_no_main",
                              f": no .tex with \\documentclass and \\begin{{document}} among {len(files)}")
                return
            main, text = chosen
            metadata.update(main_file=main, tex_files=len(files))
        else:
            data = stream.read(limits.max_member_bytes + 1)
            if len(data) > limits.max_member_bytes:
                raise _TooLarge(f"over {limits.max_member_bytes} bytes")
            tex = _decode(data)
            if not is_main(strip_comments(tex)):
                yield failure(source, location, 0, None, "read_arxiv_not_main",
                              ": no \\documentclass and \\begin{document} (a part of a paper, or not LaTeX)")
                return
            if compression:
                files, main = {"main.tex": tex}, "main.tex"
                metadata.update(container="gzip")
            else:
                files = _FolderFiles(posixpath.dirname(path), limits.max_member_bytes)
                main = posixpath.basename(path)
                files[main] = tex
                metadata.update(container="folder")
            text = inline_inputs(main, files, limits.max_archive_bytes)
            metadata.update(main_file=main, tex_files=len(files))
    except _TooLarge as error:
        yield failure(source, location, 0, None, "read_arxiv_too_large", f": {error}")
        return
    except (tarfile.TarError, zlib.error) + stream_errors() as error:
        yield failure(source, location, 0, None, "read_corrupt_stream", f": {type(error).__name__}: {error}")
        return
    yield Document(document_id(source, location, 0), text, source, None, metadata)


class _FolderFiles:
    """The .tex files a plain .tex file's `\\input`s name, read from its folder when asked for
    (listing the folder instead made a folder of n papers cost n² reads). Names that leave the
    folder (`..`, absolute) are never found."""

    def __init__(self, folder: str, cap: int):
        self.folder, self.cap, self.cache = folder, cap, {}

    def __contains__(self, name: str) -> bool:
        if name in self.cache:
            return True
        if name.startswith(("../", "/")) or name == "..":
            return False
        path = fs.join(self.folder, name)
        if not fs.exists(path) or fs.is_folder(path):
            return False
        with fs.open_read(path) as handle:
            data = handle.read(self.cap + 1)
        if len(data) > self.cap:
            raise _TooLarge(f"{name} over {self.cap} bytes")
        self.cache[name] = _decode(data)
        return True

    def __getitem__(self, name: str) -> str:
        return self.cache[name]

    def __setitem__(self, name: str, text: str) -> None:
        self.cache[name] = text

    def __len__(self) -> int:
        return len(self.cache)


# --- cleaning --------------------------------------------------------------------------------

_SECTION = re.compile(r"\\(?:chapter|part|section|subsection|subsubsection|paragraph|subparagraph)\b\*?")
_BIBLIOGRAPHY = re.compile(r"\\begin\s*\{(?:thebibliography|references)\}|\\bibliography\s*\{|\\printbibliography\b"
                           r"|\\bibliographystyle\s*\{|\\end\s*\{document\}")
_DEFINITION = re.compile(r"\\(?:(?:re)?newcommand|providecommand)\*?\s*(?:\{\s*\\([A-Za-z@]+)\s*\}|\\([A-Za-z@]+))"
                         r"|\\def\s*\\([A-Za-z@]+)")


def _braced(text: str, start: int) -> int | None:
    """The index after the `}` matching the `{` at `start` (escaped braces skipped), or None."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def take_macros(tex: str) -> tuple[str, dict[str, str]]:
    """(tex without its argument-less macro definitions, {name: body}). A definition with
    arguments (`[n]` or `#1`) stays in place and is not expanded, as in RedPajama-v1."""
    macros: dict[str, str] = {}
    out, pos = [], 0
    for match in _DEFINITION.finditer(tex):
        if match.start() < pos:
            continue
        name = match.group(1) or match.group(2) or match.group(3)
        body_start = match.end()
        while body_start < len(tex) and tex[body_start] in " \t":
            body_start += 1
        if body_start >= len(tex) or tex[body_start] != "{":
            continue  # arguments ([n] or #1) or an odd form: left as written
        end = _braced(tex, body_start)
        if end is None:
            continue
        body = tex[body_start + 1:end - 1]
        if "#" in body:
            continue
        macros[name] = body
        out.append(tex[pos:match.start()])
        pos = end
    out.append(tex[pos:])
    return "".join(out), macros


def expand_macros(tex: str, macros: dict[str, str], rounds: int = 3) -> str:
    """Every `\\name` (not followed by a letter; with its `{}` space guard) replaced by its body;
    a few rounds, so a macro defined through another expands fully, without looping on a
    self-referencing one."""
    if not macros:
        return tex
    names = "|".join(re.escape(n) for n in sorted(macros, key=len, reverse=True))
    pattern = re.compile(r"\\(" + names + r")(?![A-Za-z@])(?:\{\})?")
    for _ in range(rounds):
        expanded = pattern.sub(lambda m: macros[m.group(1)], tex)
        if expanded == tex:
            break
        tex = expanded
    return tex


def clean_latex(tex: str) -> str | None:
    """RedPajama-v1's arXiv cleaning: comments out, argument-less user macros expanded, everything
    before the first section-like command and from the bibliography on removed, runs of blank lines
    made one. None when the text has no section."""
    tex = strip_comments(tex)
    tex, macros = take_macros(tex)
    first = _SECTION.search(tex)
    if first is None:
        return None
    tex = tex[first.start():]
    end = _BIBLIOGRAPHY.search(tex)
    if end is not None:
        tex = tex[:end.start()]
    tex = expand_macros(tex, macros)
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", tex).strip()


@dataclasses.dataclass(frozen=True)
class ArxivConfig:
    min_chars: int = option(1, "Drop a paper whose cleaned text is shorter than this.", range=(0, None))


class ArxivClean(Stage):
    name = "arxiv"

    def __init__(self, config: ArxivConfig = ArxivConfig()):
        self.config = config

    def apply(self, doc: Document) -> Document | Drop:
        text = clean_latex(doc.text)
        if text is None:
            return Drop(ARXIV_NO_SECTION)
        if len(text) < max(self.config.min_chars, 1):
            return Drop(ARXIV_EMPTY, str(len(text)))
        return dataclasses.replace(doc, text=text)
