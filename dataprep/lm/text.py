"""The text an n-gram LM sees: CCNet's normalization, SentencePiece pieces, paragraphs.

CCNet (text_normalizer.normalize) lowercases, strips accents, maps digits to 0 and tokenizes each
line with SentencePiece; the LM is trained and scored on the pieces joined by spaces. Training
and scoring call the same functions here, so the two can never disagree.
"""

from __future__ import annotations

import re
import unicodedata

from dataprep import fs

_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def normalize(line: str) -> str:
    """Lowercase, accents removed (NFD, marks dropped), digits → 0, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", line.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", _DIGITS.sub("0", stripped)).strip()


def paragraphs(text: str) -> list[str]:
    """Normalized non-blank lines: CCNet scores each line of a document as one sentence."""
    return [line for line in map(normalize, text.split("\n")) if line]


class PieceTokenizer:
    """SentencePiece pieces of normalized text (the LM's tokens); loads its model lazily, once."""

    def __init__(self, model_path: str):
        self.model_path = model_path
        self._processor = None

    def __getstate__(self) -> dict:
        return {"model_path": self.model_path, "_processor": None}

    def _load(self):
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_proto=fs.read_bytes(self.model_path))
        return self._processor

    def pieces(self, line: str) -> list[str]:
        processor = self._processor or self._load()
        # ARPA fields are whitespace-separated: a piece is never blank (sentencepiece writes ▁).
        return [piece for piece in processor.encode(line, out_type=str) if piece.strip()]

    def sentences(self, text: str) -> list[list[str]]:
        """A document → its paragraphs as piece lists (empty ones dropped)."""
        return [pieces for pieces in map(self.pieces, paragraphs(text)) if pieces]
