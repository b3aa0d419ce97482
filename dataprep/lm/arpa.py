"""ARPA files: the writer for our estimated models, and a reader + backoff scorer of our own.

The scorer is what `kenlm.Model.score(sentence, bos=True, eos=True)` computes (log10 of the
sentence with `</s>`, starting from `<s>`), in plain Python over dicts, so scoring works where
the `kenlm` module cannot be built. Measured on a 5-gram over sample_data's Debian Reference
pieces: sentence log10 scores equal kenlm's to 1.6e-6 relative on 5,256 paragraphs (seen and
unseen text; kenlm keeps float32), so perplexities rounded to 0.1 are the same. It is pure
Python: 0.56x kenlm's documents/s in bench/lm.py, so the stage prefers kenlm when installed.
"""

from __future__ import annotations

import gzip
import io

from dataprep import fs
from dataprep.lm.kn import BOS, EOS, UNK, Model

# 7 significant digits: a float32's precision, what kenlm keeps of an ARPA value anyway.
_FORMAT = "{:.7g}"


def arpa_bytes(model: Model, compress: bool = False) -> bytes:
    """The model as ARPA text (n-grams sorted, so equal models are equal bytes); gzipped if asked
    (mtime 0, so the gzip bytes are deterministic too)."""
    out = io.StringIO()
    out.write("\\data\\\n")
    for n, count in enumerate(model.counts(), start=1):
        out.write(f"ngram {n}={count}\n")
    for n in range(1, model.order + 1):
        out.write(f"\n\\{n}-grams:\n")
        backoffs = model.backoffs[n - 1]
        for gram in sorted(model.probs[n - 1]):
            line = _FORMAT.format(model.probs[n - 1][gram]) + "\t" + " ".join(gram)
            if n < model.order:  # lmplz writes a backoff on every lower-order line, 0 if not a context
                line += "\t" + _FORMAT.format(backoffs.get(gram, 0.0))
            out.write(line + "\n")
    out.write("\n\\end\\\n")
    data = out.getvalue().encode("utf-8")
    return gzip.compress(data, mtime=0) if compress else data


class ArpaError(ValueError):
    """A file that is not a readable ARPA model; the message names the file and line."""


def parse_arpa(text: str, where: str = "model") -> tuple[int, dict, dict]:
    """ARPA text → (order, {ngram: log10 p}, {ngram: log10 backoff})."""
    probs: dict[tuple, float] = {}
    backoffs: dict[tuple, float] = {}
    order, current = 0, 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line == "\\data\\" or line == "\\end\\" or line.startswith("ngram "):
            if line.startswith("ngram "):
                order = max(order, int(line[6:].split("=")[0]))
            continue
        if line.startswith("\\") and line.endswith("-grams:"):
            current = int(line[1:-7])
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        try:
            if "\t" in line:
                gram = tuple(fields[1].split())
                backoff = fields[2] if len(fields) > 2 else None
            else:  # space-separated ARPA: prob, current words, optional backoff
                gram = tuple(fields[1:1 + current])
                backoff = fields[1 + current] if len(fields) > 1 + current else None
            probs[gram] = float(fields[0])
            if backoff is not None:
                backoffs[gram] = float(backoff)
        except (IndexError, ValueError):
            raise ArpaError(f"{where}: line {number} is not an ARPA n-gram: {line[:80]!r}") from None
        if len(gram) != current:
            raise ArpaError(f"{where}: line {number} has {len(gram)} words in the {current}-grams section")
    if not order or (UNK,) not in probs:
        raise ArpaError(f"{where}: not an ARPA model (no \\data\\ header or no <unk> unigram)")
    return order, probs, backoffs


def read_arpa(path: str) -> tuple[int, dict, dict]:
    data = fs.read_bytes(path)
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return parse_arpa(data.decode("utf-8"), path)


class ArpaScorer:
    """log10 probabilities from an ARPA model by the standard backoff rule."""

    def __init__(self, order: int, probs: dict, backoffs: dict):
        self.order = order
        self._probs = probs
        self._backoffs = backoffs

    @classmethod
    def load(cls, path: str) -> "ArpaScorer":
        return cls(*read_arpa(path))

    def word_score(self, context: tuple, word: str) -> float:
        """log10 p(word | context), context the previous ≤ order−1 tokens."""
        probs, backoffs = self._probs, self._backoffs
        if (word,) not in probs:
            word = UNK
        score = 0.0
        for start in range(len(context) + 1):
            gram = context[start:] + (word,)
            found = probs.get(gram)
            if found is not None:
                return score + found
            score += backoffs.get(context[start:], 0.0)
        raise AssertionError("unreachable: every word has a unigram")

    def score(self, tokens: list[str], bos: bool = True, eos: bool = True) -> float:
        """log10 P(tokens [+ </s>]) from `<s>`: what kenlm.Model.score returns."""
        keep = self.order - 1
        context = (BOS,) if bos else ()
        total = 0.0
        for word in (*tokens, EOS) if eos else tokens:
            total += self.word_score(context, word)
            context = (context + (word,))[-keep:] if keep else ()
        return total
