"""Real HumanEval examples planted in real documents (sample_data's curated Parquet), for the
decontamination tests and bench/decontaminate.py. Import with tests/ on sys.path."""

from __future__ import annotations

import os
import re

import pyarrow.parquet as pq

from dataprep.decontaminate import SHIPPED, load_benchmark
from dataprep.decontaminate.ngrams import words_with_spans
from dataprep.document import Document

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "sample_data", "parquet", "curated-00000.parquet")


def punctuation_changed(text: str) -> str:
    """Punctuation at word ends removed, brackets and quotes swapped for others."""
    text = re.sub(r"[^\w\s]+(?=\s|$)", "", text)
    return text.translate(str.maketrans({"(": "[", ")": "]", '"': "'", ":": ";"}))


VARIANTS = {
    "verbatim": lambda text: text,
    "case": str.upper,
    "punctuation": punctuation_changed,
    "whitespace": lambda text: re.sub(r"\s+", lambda m: "  \n\t " if "\n" in m.group() else "   ", text),
}


def sample_texts() -> list[str]:
    return pq.read_table(SAMPLE).column("text").to_pylist()


def humaneval():
    return load_benchmark(SHIPPED["humaneval"])


def plant(host: str, example: str) -> tuple[str, int, int]:
    """`example` between the two halves of `host` (cut at a line break); returns the text and
    the character span of the example's first to last word in it."""
    middle = host.find("\n", len(host) // 2)
    middle = len(host) // 2 if middle < 0 else middle
    prefix = host[:middle] + "\n\n"
    text = prefix + example + "\n\n" + host[middle:]
    _, starts, ends = words_with_spans(example)
    return text, len(prefix) + int(starts[0]), len(prefix) + int(ends[-1])


def planted_corpus(examples: int = 40, min_host_chars: int = 1500) -> list[tuple[Document, dict]]:
    """One document per (example, variant), hosts ≥ `min_host_chars`; (Document, what was planted)."""
    hosts = [text for text in sample_texts() if len(text) >= min_host_chars]
    benchmark = humaneval()
    out = []
    for number, example in enumerate(benchmark.examples[:examples]):
        prompt = _prompt(example)
        for variant, change in VARIANTS.items():
            host = hosts[(number * len(VARIANTS) + len(out)) % len(hosts)]
            text, start, end = plant(host, change(prompt))
            doc_id = f"{number:04d}{variant}".encode().hex()[:32].ljust(32, "0")
            out.append((Document(id=doc_id, text=text, source="curated"),
                        {"example": example.id, "variant": variant, "start": start, "end": end}))
    return out


def _prompt(example) -> str:
    # HumanEval rows are (prompt, entry_point, canonical_solution, test) after the id: the prompt first.
    return example.texts[0]
