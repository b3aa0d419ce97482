"""Token shards: one writer for both paths, memmap readers, and the manifest.

Each shard `tokens-0000i-of-0000N` is three files:
    .bin          the documents' tokens, concatenated, little-endian `dtype`, no header.
                  This is Megatron's .bin and also nanoGPT's flat `train.bin`.
    .idx          Megatron's indexed-dataset index (Megatron-LM, NeMo, GPT-NeoX read it):
                    b"MMIDIDX\\x00\\x00"   9-byte magic
                    <Q  version = 1
                    <B  dtype code (uint16 = 8, int32 = 4)
                    <Q  sequence count S (one sequence per document: S = N)
                    <Q  document count N + 1 (the document index holds N + 1 entries)
                    int32[S]    sequence lengths in tokens
                    int64[S]    sequence byte offsets into .bin
                    int64[N+1]  document index: 0, 1, ..., N (document d = sequences [d, d+1))
    .offsets.npy  the flat format's document index: int64[N + 1] token offsets, offsets[0] = 0,
                  document d = bin[offsets[d]:offsets[d + 1]] (`numpy.load(..., mmap_mode="r")`).
dtype follows Megatron's rule: uint16 while the vocabulary is < 65,500, else int32 (for ids
< 2**31 the int32 bytes equal uint32's, so a nanoGPT reader may view them as either).

A shard is written to temporary names and renamed, then a `.done` marker records its counts;
the manifest (`manifest.json`) is assembled from the markers, which are then removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import struct
from typing import Iterator, Sequence

import numpy as np

from dataprep import fs
from dataprep.fs import write_atomic
from tokenizer import TokenizerError

INDEX_HEADER = b"MMIDIDX\x00\x00"
INDEX_VERSION = 1
# Megatron's DType codes (megatron/core/datasets/indexed_dataset.py).
MEGATRON_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64,
                   6: np.float64, 7: np.float32, 8: np.uint16}
DTYPES = {"uint16": (np.dtype("<u2"), 8), "int32": (np.dtype("<i4"), 4)}
# Megatron switches to int32 at 65,500 (best_fitting_dtype / DType.optimal_dtype); we follow it
# so that `auto` gives the files Megatron's own preprocess_data.py would.
MEGATRON_UINT16_LIMIT = 65_500

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "dataprep-token-shards"
MANIFEST_VERSION = 1
SUFFIXES = (".bin", ".idx", ".offsets.npy")
MARKER_SUFFIX = ".done"


def choose_dtype(vocab_size: int, requested: str = "auto") -> str:
    """The token dtype for a vocabulary; a vocabulary that does not fit is an error."""
    if requested == "auto":
        return "uint16" if vocab_size < MEGATRON_UINT16_LIMIT else "int32"
    if requested == "uint16":
        if vocab_size > 1 << 16:
            raise TokenizerError(f"the tokenizer's vocabulary ({vocab_size:,} pieces) does not fit dtype uint16 "
                                 f"(ids up to 65,535); use --dtype int32 or auto")
        return "uint16"
    if requested == "int32":
        return "int32"
    raise TokenizerError(f"unknown dtype {requested!r}: expected auto, uint16 or int32")


def numpy_dtype(name: str) -> np.dtype:
    return DTYPES[name][0]


# --- writing -------------------------------------------------------------------------


def index_bytes(lengths: np.ndarray, dtype: str) -> bytes:
    """The Megatron .idx for one sequence per document with these token lengths."""
    np_dtype, code = DTYPES[dtype]
    count = len(lengths)
    if count and int(lengths.max()) >= 1 << 31:
        raise TokenizerError("a document has ≥ 2**31 tokens: more than a Megatron .idx length can hold")
    pointers = np.zeros(count, dtype="<i8")
    if count > 1:
        np.cumsum(lengths[:-1], out=pointers[1:])
    pointers *= np_dtype.itemsize
    header = INDEX_HEADER + struct.pack("<Q", INDEX_VERSION) + struct.pack("<B", code)
    header += struct.pack("<Q", count) + struct.pack("<Q", count + 1)
    return b"".join([
        header,
        np.asarray(lengths, dtype="<i4").tobytes(),
        pointers.tobytes(),
        np.arange(count + 1, dtype="<i8").tobytes(),
    ])


def offsets_bytes(lengths: np.ndarray) -> bytes:
    offsets = np.zeros(len(lengths) + 1, dtype="<i8")
    np.cumsum(lengths, out=offsets[1:])
    buffer = io.BytesIO()
    np.save(buffer, offsets, allow_pickle=False)
    return buffer.getvalue()


def json_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_shard(folder: str, name: str, tokens: np.ndarray, lengths: np.ndarray, sources: Sequence[str],
                dtype: str, config_hash: str) -> dict:
    """Write one shard (.bin, .idx, .offsets.npy, then its .done marker); returns its record.

    `tokens` holds the documents' tokens in shard order (already `dtype`), `lengths` each
    document's token count, `sources` each document's source. Both the CLI and the Beam stage
    call this, which is what makes their bytes equal.
    """
    np_dtype = numpy_dtype(dtype)
    tokens = np.ascontiguousarray(tokens, dtype=np_dtype)
    lengths = np.asarray(lengths, dtype=np.int64)
    if int(lengths.sum()) != len(tokens) or len(lengths) != len(sources):
        raise AssertionError(f"{name}: {len(tokens)} tokens but lengths sum to {int(lengths.sum())}")
    data = memoryview(tokens).cast("B")
    write_atomic(fs.join(folder, name + ".bin"), data)
    write_atomic(fs.join(folder, name + ".idx"), index_bytes(lengths, dtype))
    write_atomic(fs.join(folder, name + ".offsets.npy"), offsets_bytes(lengths))
    per_source: dict[str, list[int]] = {}
    for source, length in zip(sources, lengths.tolist()):
        entry = per_source.setdefault(source, [0, 0])
        entry[0] += 1
        entry[1] += length
    record = {
        "name": name,
        "documents": len(lengths),
        "tokens": len(tokens),
        "bin_sha256": hashlib.sha256(data).hexdigest(),
        "documents_per_source": {s: v[0] for s, v in sorted(per_source.items())},
        "tokens_per_source": {s: v[1] for s, v in sorted(per_source.items())},
    }
    write_atomic(fs.join(folder, name + MARKER_SUFFIX), json_bytes({"config_hash": config_hash, **record}))
    return record


def read_marker(folder: str, name: str, config_hash: str) -> dict | None:
    """The record of a finished shard of this config, or None when it must be (re)written."""
    path = fs.join(folder, name + MARKER_SUFFIX)
    if not fs.exists(path):
        return None
    record = json.loads(fs.read_bytes(path).decode("utf-8"))
    if record.pop("config_hash", None) != config_hash:
        return None
    if not all(fs.exists(fs.join(folder, name + suffix)) for suffix in SUFFIXES):
        return None
    return record


def build_manifest(identity: dict, config_hash: str, tokenizer: dict, dtype: str, shards: list[dict],
                   skipped_empty: int) -> dict:
    """The manifest: what produced the shards and what they hold. No time or place in it:
    the same input, tokenizer and config give the same bytes."""
    shards = sorted(shards, key=lambda record: record["name"])
    documents_per_source: dict[str, int] = {}
    tokens_per_source: dict[str, int] = {}
    for record in shards:
        for source, count in record["documents_per_source"].items():
            documents_per_source[source] = documents_per_source.get(source, 0) + count
        for source, count in record["tokens_per_source"].items():
            tokens_per_source[source] = tokens_per_source.get(source, 0) + count
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "config_hash": config_hash,
        "config": identity["config"],
        "inputs": identity["inputs"],
        "tokenizer": tokenizer,
        "dtype": dtype,
        "megatron_dtype_code": DTYPES[dtype][1],
        "files": {"megatron": [".bin", ".idx"], "flat": [".bin", ".offsets.npy"]},
        "documents": sum(record["documents"] for record in shards),
        "tokens": sum(record["tokens"] for record in shards),
        "skipped_empty_documents": skipped_empty,
        "documents_per_source": dict(sorted(documents_per_source.items())),
        "tokens_per_source": dict(sorted(tokens_per_source.items())),
        "shards": shards,
    }


# --- reading -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MegatronIndex:
    dtype: np.dtype
    dtype_code: int
    sequence_lengths: np.ndarray  # int32[S]
    sequence_pointers: np.ndarray  # int64[S], bytes into .bin
    document_indices: np.ndarray  # int64[N + 1]

    @property
    def num_documents(self) -> int:
        return len(self.document_indices) - 1


def read_index(path: str) -> MegatronIndex:
    """Parse a Megatron .idx (any dtype, any number of sequences per document)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(34)
    except OSError as error:
        raise TokenizerError(f"cannot read {path}: {error.strerror}") from None
    if len(head) < 34 or head[:9] != INDEX_HEADER:
        raise TokenizerError(f"{path}: not a Megatron indexed-dataset index (bad magic)")
    (version,) = struct.unpack("<Q", head[9:17])
    (code,) = struct.unpack("<B", head[17:18])
    sequences, documents = struct.unpack("<QQ", head[18:34])
    if version != INDEX_VERSION:
        raise TokenizerError(f"{path}: index version {version}, expected {INDEX_VERSION}")
    if code not in MEGATRON_DTYPES:
        raise TokenizerError(f"{path}: unknown dtype code {code}")
    expected = 34 + sequences * 4 + sequences * 8 + documents * 8
    if size < expected:
        raise TokenizerError(f"{path}: truncated ({size} bytes, header promises {expected})")
    memory = np.memmap(path, mode="r", dtype=np.uint8) if size else np.zeros(0, np.uint8)
    lengths = memory[34: 34 + sequences * 4].view("<i4")
    pointers = memory[34 + sequences * 4: 34 + sequences * 12].view("<i8")
    document_indices = memory[34 + sequences * 12: expected].view("<i8")
    return MegatronIndex(np.dtype(MEGATRON_DTYPES[code]).newbyteorder("<"), code, lengths, pointers,
                         document_indices)


def _memmap(path: str, dtype: np.dtype) -> np.ndarray:
    try:
        if os.path.getsize(path) == 0:
            return np.zeros(0, dtype=dtype)
        return np.memmap(path, mode="r", dtype=dtype)
    except OSError as error:
        raise TokenizerError(f"cannot read {path}: {error.strerror}") from None


def strip_suffix(path: str) -> str:
    for suffix in SUFFIXES + (MARKER_SUFFIX,):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


class IndexedShard:
    """A Megatron .bin/.idx pair by its prefix, read through numpy memmaps."""

    format = "megatron"

    def __init__(self, prefix: str):
        self.prefix = strip_suffix(prefix)
        self.index = read_index(self.prefix + ".idx")
        self.dtype = self.index.dtype
        self.tokens = _memmap(self.prefix + ".bin", self.dtype)
        pointers = self.index.sequence_pointers
        if len(pointers):
            end = int(pointers[-1]) // self.dtype.itemsize + int(self.index.sequence_lengths[-1])
            if end > len(self.tokens):
                raise TokenizerError(f"{self.prefix}.bin: {len(self.tokens)} tokens, the index needs {end}")

    def __len__(self) -> int:
        return self.index.num_documents

    @property
    def num_tokens(self) -> int:
        return int(self.index.sequence_lengths.sum(dtype=np.int64))

    def document_lengths(self) -> np.ndarray:
        index = self.index
        if len(index.document_indices) and index.document_indices[-1] == len(index.sequence_lengths) and \
                np.array_equal(index.document_indices, np.arange(len(index.document_indices))):
            return index.sequence_lengths.astype(np.int64)
        cumulative = np.concatenate([[0], np.cumsum(index.sequence_lengths, dtype=np.int64)])
        return cumulative[index.document_indices[1:]] - cumulative[index.document_indices[:-1]]

    def document(self, i: int) -> np.ndarray:
        if not 0 <= i < len(self):
            raise IndexError(f"document {i} of {len(self)}")
        first, last = int(self.index.document_indices[i]), int(self.index.document_indices[i + 1])
        if last == first:
            return self.tokens[:0]
        start = int(self.index.sequence_pointers[first]) // self.dtype.itemsize
        end = int(self.index.sequence_pointers[last - 1]) // self.dtype.itemsize + \
            int(self.index.sequence_lengths[last - 1])
        return self.tokens[start:end]


class FlatShard:
    """A flat .bin (no header) with its .offsets.npy document index; the dtype comes from the manifest."""

    format = "flat"

    def __init__(self, prefix: str, dtype: str | np.dtype):
        self.prefix = strip_suffix(prefix)
        self.dtype = numpy_dtype(dtype) if isinstance(dtype, str) else np.dtype(dtype)
        self.tokens = _memmap(self.prefix + ".bin", self.dtype)
        try:
            self.offsets = np.load(self.prefix + ".offsets.npy", mmap_mode="r")
        except OSError as error:
            raise TokenizerError(f"cannot read {self.prefix}.offsets.npy: {error}") from None
        if len(self.offsets) == 0 or int(self.offsets[-1]) != len(self.tokens):
            raise TokenizerError(f"{self.prefix}: offsets end at {int(self.offsets[-1]) if len(self.offsets) else None},"
                                 f" .bin holds {len(self.tokens)} tokens")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def num_tokens(self) -> int:
        return len(self.tokens)

    def document_lengths(self) -> np.ndarray:
        return np.diff(np.asarray(self.offsets, dtype=np.int64))

    def document(self, i: int) -> np.ndarray:
        if not 0 <= i < len(self):
            raise IndexError(f"document {i} of {len(self)}")
        return self.tokens[int(self.offsets[i]): int(self.offsets[i + 1])]


def read_manifest(folder: str) -> dict:
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise TokenizerError(f"{folder}: no {MANIFEST} (not a finished `dataprep tokenize` output)") from None
    except json.JSONDecodeError as error:
        raise TokenizerError(f"{path}: not valid JSON ({error})") from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise TokenizerError(f"{path}: not a dataprep token-shard manifest")
    return manifest


class TokenShards:
    """Every shard of a `dataprep tokenize` output folder, in manifest order, as one corpus.

    `format` picks the index read: "megatron" (.idx) or "flat" (.offsets.npy); the tokens are
    the same .bin either way. Documents are numbered across shards in order.
    """

    def __init__(self, folder: str, format: str = "megatron"):
        if format not in ("megatron", "flat"):
            raise TokenizerError(f"unknown shard format {format!r}: expected megatron or flat")
        self.folder = folder
        self.manifest = read_manifest(folder)
        self.dtype = numpy_dtype(self.manifest["dtype"])
        self.shards = []
        for record in self.manifest["shards"]:
            prefix = os.path.join(folder, record["name"])
            shard = IndexedShard(prefix) if format == "megatron" else FlatShard(prefix, self.dtype)
            if len(shard) != record["documents"] or shard.num_tokens != record["tokens"]:
                raise TokenizerError(f"{prefix}: {len(shard)} documents / {shard.num_tokens} tokens on disk, "
                                     f"manifest says {record['documents']} / {record['tokens']}")
            self.shards.append(shard)
        self._doc_starts = np.cumsum([0] + [len(s) for s in self.shards])
        self._token_starts = np.cumsum([0] + [s.num_tokens for s in self.shards], dtype=np.int64)

    def __len__(self) -> int:
        return int(self._doc_starts[-1])

    @property
    def num_tokens(self) -> int:
        return int(self._token_starts[-1])

    def document(self, i: int) -> np.ndarray:
        if not 0 <= i < len(self):
            raise IndexError(f"document {i} of {len(self)}")
        shard = int(np.searchsorted(self._doc_starts, i, side="right")) - 1
        return self.shards[shard].document(i - int(self._doc_starts[shard]))

    def documents(self) -> Iterator[np.ndarray]:
        for shard in self.shards:
            for i in range(len(shard)):
                yield shard.document(i)

    def tokens(self, start: int, end: int) -> np.ndarray:
        """Tokens [start, end) of all shards concatenated (a copy when it spans shards)."""
        start, end = max(0, start), min(end, self.num_tokens)
        if end <= start:
            return np.zeros(0, dtype=self.dtype)
        first = int(np.searchsorted(self._token_starts, start, side="right")) - 1
        pieces = []
        shard = first
        while start < end:
            base = int(self._token_starts[shard])
            stop = min(end, int(self._token_starts[shard + 1]))
            pieces.append(self.shards[shard].tokens[start - base: stop - base])
            start = stop
            shard += 1
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
