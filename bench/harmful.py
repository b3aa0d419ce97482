"""Harmful-content filter throughput: our matcher vs the TFDS C4 bad-words regex on the same pages.

The pages are ~10 KB of real English prose: the docstrings of the Python standard library
(read with `ast`, nothing is imported), cut into pages and cycled to --docs for a stable timing.
The same pages are run a second time with typographic quotes (’ “ ”), which takes the non-ASCII
path (NFKC + regex tokenizer).

The baseline is the bad-words check as TFDS `c4_utils` writes it: one regex alternation of every
list entry between non-word boundaries, searched in the lowercased page (it stops at the first
match; ours counts matches and also checks the URL blocklist, so the ratio is conservative).

    python bench/harmful.py [--docs 2000] [--kb 10]

Prints the setup time and list sizes, then documents/s and MB/s for the baseline and for the
stage, and the ratio stage / baseline for each kind of page.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sysconfig
import time
from pathlib import Path

from dataprep.document import Document, Drop
from dataprep.harmful import DEFAULT_BADWORDS, BadWordsFilter, UrlBlocklistFilter
from dataprep.harmful.lists import read_lists


def prose_pages(n_docs: int, kb: int) -> tuple[list[str], int]:
    """`n_docs` pages of `kb` KB cut from the standard library's docstrings, and how many are distinct."""
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
    return [distinct[i % len(distinct)] for i in range(n_docs)], len(distinct)


def c4_regex(words: list[str]) -> re.Pattern:
    """TFDS c4_utils' bad-words regex: any entry between non-word characters or the text's ends."""
    return re.compile(r"(?:\W|^)({})(?:\W|$)".format("|".join(map(re.escape, words))))


def timed(fn, items) -> tuple[float, int]:
    """(seconds, how many items `fn` flagged)."""
    start = time.perf_counter()
    flagged = sum(1 for item in items if fn(item))
    return time.perf_counter() - start, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000, help="Pages per run (default 2000).")
    parser.add_argument("--kb", type=int, default=10, help="Page size in KB (default 10).")
    args = parser.parse_args()

    pages, distinct = prose_pages(args.docs, args.kb)
    urls, words = UrlBlocklistFilter(), BadWordsFilter()
    start = time.perf_counter()
    urls.setup()
    words.setup()
    setup_ms = (time.perf_counter() - start) * 1000
    baseline = c4_regex(read_lists(["default"], "badwords"))
    print(f"setup {setup_ms:.0f} ms: {len(urls._urls)} URL entries, {len(words.matcher_for('en')[1])} bad words "
          f"({', '.join(DEFAULT_BADWORDS)}); {len(pages)} pages of {args.kb} KB ({distinct} distinct); "
          f"cores: {os.cpu_count()}")
    print(f"{'pages':<26} {'run':<22} {'docs/s':>8} {'MB/s':>6} {'flagged':>8}")
    curly = [p.replace("'", "\u2019").replace('"', "\u201c") for p in pages]
    for label, texts in (("ASCII", pages), ("with ’ “ ” quotes", curly)):
        docs = [Document(id=str(i), text=t, source="web", url=f"https://www{i % 50}.example.org/p/{i}?q=1")
                for i, t in enumerate(texts)]
        runs = {
            "TFDS C4 regex": timed(lambda d: baseline.search(d.text.lower()) is not None, docs),
            "harmful stages": timed(lambda d: isinstance(urls.apply(d), Drop) or isinstance(words.apply(d), Drop), docs),
        }
        for name, (seconds, flagged) in runs.items():
            mb_s = len(docs) * args.kb * 1000 / seconds / 1e6
            print(f"{label:<26} {name:<22} {len(docs) / seconds:>8.0f} {mb_s:>6.1f} {flagged:>8}")
        print(f"{label:<26} {'stage / baseline':<22} {runs['TFDS C4 regex'][0] / runs['harmful stages'][0]:>8.2f}")


if __name__ == "__main__":
    main()
