"""`dataprep train-tokenizer`: a sentencepiece BPE tokenizer with the LLaMA settings, lossless.

LLaMA's tokenizer (DESIGN §5): BPE, 32,000 pieces, numbers split into digits (`split_digits`),
UTF-8 bytes for characters outside the vocabulary (`byte_fallback`), so no text is ever <unk>.

Lossless by default. sentencepiece's default normalization `nmt_nfkc` and its whitespace
collapsing (`remove_extra_whitespaces`) change text before it is encoded, so decode(encode(x))
is not x: NFKC maps 𝔘 (U+1D518) to U and ﬁ to fi, and two spaces, leading and trailing spaces
become one or none. Code (indentation), tables and math lose meaning that way, and a model
cannot learn to produce what it never saw. So the default is `identity` normalization without
collapsing (what LLaMA does): the trade-off is a few more pieces spent on compatibility
variants of characters and on runs of spaces. `--normalization nmt_nfkc --collapse-whitespace`
gives sentencepiece's defaults back.

Training text. sentencepiece keeps every training sentence in memory, so the text is a sample:
documents in the order of a seeded hash of their id, up to `sample_bytes` of UTF-8. The
corpus is streamed twice (ids and sizes, then the chosen texts), never loaded whole; when it
is within the budget, every document is used. Each line of a chosen document is one
sentence (sentencepiece never sees the newline; it becomes the byte piece <0x0A>).

The run writes, into the output folder: tokenizer.model, tokenizer.vocab (piece, score per
line), training.json (the config, time, peak RSS, the sample's size and the character
coverage the vocabulary reached on it), and tokenizer.json, tokenizer_config.json and
special_tokens_map.json, so that `transformers.AutoTokenizer.from_pretrained(output)` gives
the same ids (tokenizer/hf.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import resource
import sys
import time
from typing import Callable, Iterator

import numpy as np

from dataprep import fs
from dataprep.config import ConfigError, option, validate
from dataprep.fs import write_atomic
from dataprep.inputs import InputFile
from tokenizer import TokenizerError, plan
from tokenizer.corpus import expand_corpus, read_batches
from tokenizer.hf import export_hf
from tokenizer.shards import json_bytes

MODEL_FILE = "tokenizer.model"
BYTE_PIECES = 256
VOCAB_FILE = "tokenizer.vocab"
REPORT_FILE = "training.json"
#: training.json fields that differ between two runs of the same training (wall time, peak RSS):
#: kept for the reader, never part of what must be byte-identical (`report_identity`).
VOLATILE_FIELDS = ("seconds", "peak_rss_bytes")
NORMALIZATIONS = ("identity", "nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf")
_SAMPLE_PURPOSE = b"dataprep-tokenizer-sample"
# The code points counted for the coverage figure go through numpy this many at a time.
_COUNT_CHUNK_CHARS = 1 << 22


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    vocab_size: int = option(32_000, "Pieces in the vocabulary, special and byte pieces included (LLaMA: 32,000).",
                             range=(1, None))
    sample_bytes: int = option(
        500_000_000, "UTF-8 bytes of training text sampled from the corpus (sentencepiece holds them in memory: "
        "~8x this in RSS).", range=(1, None))
    seed: int = option(0, "Seed of the sample (a hash of seed and document id).", range=(0, None))
    # Exclusive lower bound (0, 1]: checked in __post_init__, as `range` is inclusive.
    character_coverage: float = option(
        0.99995, "Share of the sample's characters that get their own piece; the rarest rest are bytes "
        "(LLaMA: 0.99995); in (0, 1].")
    normalization: str = option(
        "identity", f"sentencepiece normalization rule: {', '.join(NORMALIZATIONS)}. Anything but identity loses "
        "text (nmt_nfkc: 𝔘 → U).", choices=NORMALIZATIONS)
    collapse_whitespace: bool = option(False, "Collapse runs of spaces and strip them at the ends (lossy; off in LLaMA).")
    unk_piece: str = option("<unk>", "The unknown piece (id 0; required).")
    bos_piece: str = option("<s>", "Beginning of document; empty: none.")
    eos_piece: str = option("</s>", "End of document; empty: none.")
    pad_piece: str = option("", "Padding piece; empty (the default): none.")
    user_symbols: tuple[str, ...] = option((), "Extra special pieces, never split (e.g. <|fim|>), after the ones above.")
    max_sentence_bytes: int = option(4192, "Longer lines are cut into pieces of at most this many bytes for training.",
                                     range=(16, None))
    threads: int = option(0, "Trainer threads; 0: every CPU.", range=(0, None))

    def __post_init__(self):
        validate(self, "tokenizer")
        if not 0 < self.character_coverage <= 1:
            raise ConfigError(f"tokenizer.character_coverage: must be in (0, 1], got {self.character_coverage}")
        if not self.unk_piece:
            raise ConfigError("tokenizer.unk_piece: cannot be empty (sentencepiece needs one)")
        specials = [p for p in (self.unk_piece, self.bos_piece, self.eos_piece, self.pad_piece) if p]
        specials += list(self.user_symbols)
        if len(set(specials)) != len(specials):
            raise ConfigError(f"tokenizer: special pieces must differ from each other: {specials}")
        # byte_fallback reserves one piece per byte value: a smaller vocabulary fails only inside
        # sentencepiece, after the whole corpus run.
        least = BYTE_PIECES + len(specials) + 1
        if self.vocab_size < least:
            raise ConfigError(f"tokenizer.vocab_size: must be ≥ {least} ({BYTE_PIECES} byte pieces, "
                              f"{len(specials)} special pieces and one more), got {self.vocab_size}")

    def special_ids(self) -> dict[str, int]:
        """unk = 0, then bos, eos, pad in that order for those that are set; -1 for unset."""
        ids, next_id = {}, 0
        for name in ("unk", "bos", "eos", "pad"):
            if getattr(self, f"{name}_piece"):
                ids[name] = next_id
                next_id += 1
            else:
                ids[name] = -1
        return ids

    def trainer_args(self, threads: int) -> dict:
        ids = self.special_ids()
        return {
            "model_type": "bpe",
            "vocab_size": self.vocab_size,
            "character_coverage": self.character_coverage,
            "byte_fallback": True,
            "split_digits": True,
            "split_by_unicode_script": True,
            "split_by_whitespace": True,
            "allow_whitespace_only_pieces": True,
            "normalization_rule_name": self.normalization,
            "remove_extra_whitespaces": self.collapse_whitespace,
            "add_dummy_prefix": True,
            "max_sentence_length": self.max_sentence_bytes,
            # We sample ourselves; 0 = use every sentence given, in the order given.
            "input_sentence_size": 0,
            "shuffle_input_sentence": False,
            "unk_id": ids["unk"], "bos_id": ids["bos"], "eos_id": ids["eos"], "pad_id": ids["pad"],
            "unk_piece": self.unk_piece,
            "bos_piece": self.bos_piece or "<s>",
            "eos_piece": self.eos_piece or "</s>",
            "pad_piece": self.pad_piece or "<pad>",
            "user_defined_symbols": list(self.user_symbols),
            "num_threads": threads,
        }


@dataclasses.dataclass
class _Sample:
    documents: int = 0
    sentences: int = 0
    bytes: int = 0
    corpus_documents: int = 0
    corpus_bytes: int = 0
    char_counts: np.ndarray | None = None


def _sample_key(seed: int):
    return plan.keyer(seed, _SAMPLE_PURPOSE)


def choose_threshold(keys: np.ndarray, sizes: np.ndarray, budget: int) -> int | None:
    """The largest key to keep: documents in key order while their sizes fit the budget.

    None keeps everything (the corpus fits); at least one document is always kept.
    """
    if int(sizes.sum()) <= budget:
        return None
    order = np.argsort(keys, kind="stable")
    cumulative = np.cumsum(sizes[order])
    keep = max(1, int(np.searchsorted(cumulative, budget, side="right")))
    return int(keys[order[keep - 1]])


def _scan(files: list[InputFile], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pass 1: (sample key, UTF-8 size) of every document; only these two numbers are kept."""
    key_of = _sample_key(seed)
    keys, sizes = [], []
    for corpus_file in files:
        for batch in read_batches(corpus_file):
            keys.append(np.fromiter(map(key_of, batch.ids), dtype=np.uint64, count=len(batch.ids)))
            sizes.append(np.fromiter((len(t.encode("utf-8")) for t in batch.texts), dtype=np.int64,
                                     count=len(batch.texts)))
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(sizes)


def _sentences(text: str, limit: int) -> list[str]:
    """A document's non-empty lines, long ones cut so that none exceeds `limit` UTF-8 bytes."""
    lines = [line for line in text.split("\n") if line]
    if max(map(len, lines), default=0) * 4 <= limit:
        return lines
    out = []
    step = limit // 4  # UTF-8 has ≤ 4 bytes a character: `step` characters always fit
    for line in lines:
        if len(line) * 4 <= limit or len(line.encode("utf-8")) <= limit:
            out.append(line)
        else:
            out.extend(line[start: start + step] for start in range(0, len(line), step))
    return out


def sample_sentences(files: list[InputFile], config: TrainConfig, sample: _Sample) -> Iterator[str]:
    """Pass 2: the lines of the chosen documents, in corpus order; fills `sample` as it goes."""
    keys, sizes = _scan(files, config.seed)
    sample.corpus_documents, sample.corpus_bytes = len(keys), int(sizes.sum())
    if sample.corpus_bytes == 0:
        raise TokenizerError(f"the corpus has no text to train on ({len(files)} files, {len(keys)} documents)")
    threshold = choose_threshold(keys, sizes, config.sample_bytes)
    key_of = _sample_key(config.seed)
    counts = np.zeros(0x110000, dtype=np.int64)
    pending: list[str] = []
    pending_chars = 0

    def count_chars():
        nonlocal pending, pending_chars
        if pending:
            points = np.frombuffer("".join(pending).encode("utf-32-le"), dtype="<u4")
            counts[:] += np.bincount(points, minlength=0x110000)
        pending, pending_chars = [], 0

    for corpus_file in files:
        for batch in read_batches(corpus_file):
            for doc_id, text in zip(batch.ids, batch.texts):
                if not text or (threshold is not None and key_of(doc_id) > threshold):
                    continue
                sample.documents += 1
                sample.bytes += len(text.encode("utf-8"))
                sentences = _sentences(text, config.max_sentence_bytes)
                sample.sentences += len(sentences)
                pending.append(text)
                pending_chars += len(text)
                if pending_chars >= _COUNT_CHUNK_CHARS:
                    count_chars()
                yield from sentences
    count_chars()
    counts[ord("\n")] = 0  # newlines separate sentences; the trainer never sees them
    sample.char_counts = counts


def character_coverage(processor, counts: np.ndarray) -> dict:
    """Share of the sample's characters that have a piece of their own (the rest become bytes)."""
    points = np.flatnonzero(counts)
    total = int(counts.sum())
    if total == 0:
        return {"characters": 0, "distinct": 0, "covered": 1.0, "byte_fallback_distinct": 0}
    chars = [chr(int(p)) for p in points]
    encoded = processor.encode(chars)
    uncovered = [i for i, pieces in enumerate(encoded)
                 if any(processor.is_byte(piece) or processor.is_unknown(piece) for piece in pieces)]
    missing = int(counts[points[uncovered]].sum()) if uncovered else 0
    return {
        "characters": total,
        "distinct": len(points),
        "covered": round(1 - missing / total, 8),
        "byte_fallback_distinct": len(uncovered),
    }


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _one_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    # sentencepiece prefixes its C++ location: "INTERNAL: src/trainer_interface.cc(638) [check] message"
    text = re.sub(r"^\w[\w ]*: \S+\(\d+\) \[.*?\] ", "", text)
    return text.replace("--character_coverage option", "--character-coverage")


def report_identity(report: dict) -> dict:
    """training.json without its timing and memory fields: equal for equal trainings."""
    return {key: value for key, value in report.items() if key not in VOLATILE_FIELDS}


def train_tokenizer(corpus: list[str], output: str, config: TrainConfig = TrainConfig(),
                    log: Callable[[str], None] | None = None, verbose: bool = False) -> dict:
    """Train on a sample of `corpus`; write the model, vocab, training.json and the transformers files to `output`."""
    import sentencepiece as spm

    log = log or (lambda message: print(message, file=sys.stderr))
    started = time.monotonic()
    files = expand_corpus(corpus)
    threads = config.threads or os.cpu_count() or 1
    sample = _Sample()
    model = io.BytesIO()
    args = config.trainer_args(threads)
    failures: list[BaseException] = []

    def sentences():
        # sentencepiece turns an exception in the iterator into RuntimeError("INTERNAL: ..."):
        # keep the original to raise it as itself.
        try:
            yield from sample_sentences(files, config, sample)
        except BaseException as error:
            failures.append(error)
            raise

    try:
        spm.SentencePieceTrainer.train(sentence_iterator=sentences(), model_writer=model,
                                       minloglevel=0 if verbose else 2, **args)
    except RuntimeError as error:
        if failures:
            raise failures[0] from None
        raise TokenizerError(f"sentencepiece: {_one_line(error)}") from None
    if sample.sentences == 0:
        raise TokenizerError("the corpus has no text to train on")
    seconds = time.monotonic() - started
    data = model.getvalue()
    processor = spm.SentencePieceProcessor()
    processor.LoadFromSerializedProto(data)
    coverage = character_coverage(processor, sample.char_counts)
    report = {
        "model": MODEL_FILE,
        "sha256": hashlib.sha256(data).hexdigest(),
        "vocab_size": processor.get_piece_size(),
        "special_ids": config.special_ids(),
        "config": dataclasses.asdict(config),
        "trainer_args": args,
        "sentencepiece_version": spm.__version__,
        "corpus": {"files": len(files), "documents": sample.corpus_documents, "bytes": sample.corpus_bytes},
        "sample": {"documents": sample.documents, "bytes": sample.bytes, "sentences": sample.sentences},
        "character_coverage": {"configured": config.character_coverage, **coverage},
        "seconds": round(seconds, 3),
        "threads": threads,
        # The whole process's peak: in `dataprep train-tokenizer` that is the training itself.
        "peak_rss_bytes": _peak_rss_bytes(),
    }
    fs.mkdirs(output)
    vocab = "".join(f"{processor.id_to_piece(i)}\t{processor.get_score(i):g}\n" for i in range(processor.get_piece_size()))
    write_atomic(fs.join(output, MODEL_FILE), data)
    write_atomic(fs.join(output, VOCAB_FILE), vocab.encode("utf-8"))
    write_atomic(fs.join(output, REPORT_FILE), json_bytes(report))
    # transformers' files (tokenizer.json, …) beside the model: AutoTokenizer.from_pretrained(output)
    export_hf(data, output)
    log(f"train-tokenizer: {report['vocab_size']:,} pieces from {sample.bytes / 1e6:,.1f} MB "
        f"({sample.documents:,} of {sample.corpus_documents:,} documents) in {seconds:.1f} s, "
        f"peak RSS {report['peak_rss_bytes'] / 1e6:,.0f} MB, character coverage {coverage['covered']:.5f} "
        f"→ {fs.join(output, MODEL_FILE)}")
    return json.loads(json_bytes(report))  # as training.json has it (lists, not tuples)
