"""Shard formats: the .idx field by field from the spec, flat offsets, dtype, manifest, readers."""

from __future__ import annotations

import hashlib
import json
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tokenizer import TokenizerError
from tokenizer.shards import FlatShard, IndexedShard, TokenShards, choose_dtype


def read_idx_from_spec(path: Path) -> dict:
    """An independent reader of Megatron's .idx, written from DESIGN.md §5 with struct only."""
    data = path.read_bytes()
    position = 0

    def take(fmt: str):
        nonlocal position
        values = struct.unpack_from(fmt, data, position)
        position += struct.calcsize(fmt)
        return values

    magic = data[:9]
    position = 9
    (version,) = take("<Q")
    (dtype_code,) = take("<B")
    (sequence_count,) = take("<Q")
    (document_count,) = take("<Q")
    lengths = take(f"<{sequence_count}i")
    pointers = take(f"<{sequence_count}q")
    document_indices = take(f"<{document_count}q")
    return {
        "magic": magic, "version": version, "dtype_code": dtype_code, "sequence_count": sequence_count,
        "document_count": document_count, "lengths": list(lengths), "pointers": list(pointers),
        "document_indices": list(document_indices), "trailing_bytes": len(data) - position,
    }


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_idx_fields_match_the_spec(tokens, processor):
    manifest = manifest_of(tokens)
    assert len(manifest["shards"]) > 3
    eos = processor.eos_id()
    for record in manifest["shards"]:
        idx = read_idx_from_spec(tokens / f"{record['name']}.idx")
        n = record["documents"]
        assert idx["magic"] == b"MMIDIDX\x00\x00"
        assert idx["version"] == 1
        assert idx["dtype_code"] == 8  # uint16: the vocabulary is < 65,500
        assert idx["sequence_count"] == n  # one sequence per document
        assert idx["document_count"] == n + 1  # the document index holds N + 1 entries
        assert idx["document_indices"] == list(range(n + 1))
        assert idx["trailing_bytes"] == 0
        assert sum(idx["lengths"]) == record["tokens"]
        expected_pointers = np.concatenate([[0], np.cumsum(idx["lengths"])[:-1]]) * 2
        assert idx["pointers"] == expected_pointers.tolist()
        bin_bytes = (tokens / f"{record['name']}.bin").read_bytes()
        assert len(bin_bytes) == 2 * record["tokens"]
        assert hashlib.sha256(bin_bytes).hexdigest() == record["bin_sha256"]
        raw = np.frombuffer(bin_bytes, dtype="<u2")
        for length, pointer in zip(idx["lengths"], idx["pointers"]):
            document = raw[pointer // 2: pointer // 2 + length]
            assert document[-1] == eos and eos not in document[:-1].tolist()


def test_flat_offsets_and_both_readers_agree(tokens):
    manifest = manifest_of(tokens)
    for record in manifest["shards"]:
        prefix = str(tokens / record["name"])
        offsets = np.load(prefix + ".offsets.npy")
        assert offsets.dtype == np.int64 and offsets[0] == 0 and offsets[-1] == record["tokens"]
        megatron, flat = IndexedShard(prefix), FlatShard(prefix, manifest["dtype"])
        assert len(megatron) == len(flat) == record["documents"] == len(offsets) - 1
        for i in range(len(flat)):
            assert np.array_equal(megatron.document(i), flat.document(i))
        assert np.array_equal(megatron.document_lengths(), np.diff(offsets))


def test_manifest_counts_equal_the_shards_and_an_independent_count(tokens, corpus_docs, processor):
    manifest = manifest_of(tokens)
    shards = TokenShards(str(tokens))
    assert manifest["documents"] == len(shards) == len(corpus_docs)
    assert manifest["tokens"] == shards.num_tokens == sum(record["tokens"] for record in manifest["shards"])
    tokens_per_source, documents_per_source = Counter(), Counter()
    for doc in corpus_docs:
        tokens_per_source[doc.source] += len(processor.encode(doc.text)) + 1  # + EOS
        documents_per_source[doc.source] += 1
    assert manifest["tokens_per_source"] == dict(tokens_per_source)
    assert manifest["documents_per_source"] == dict(documents_per_source)
    for record in manifest["shards"]:
        idx = read_idx_from_spec(tokens / f"{record['name']}.idx")
        assert (record["documents"], record["tokens"]) == (idx["sequence_count"], sum(idx["lengths"]))
        assert sum(record["tokens_per_source"].values()) == record["tokens"]
    tokenizer = manifest["tokenizer"]
    model_bytes = (tokens / "tokenizer.model").read_bytes()
    assert tokenizer["sha256"] == hashlib.sha256(model_bytes).hexdigest()
    assert tokenizer["vocab_size"] == processor.get_piece_size()
    assert manifest["dtype"] == "uint16" and manifest["megatron_dtype_code"] == 8
    assert manifest["config"]["seed"] == 7 and len(manifest["config_hash"]) == 16


def test_megatron_reads_the_shards(tokens):
    from megatron.core.datasets import indexed_dataset

    for record in manifest_of(tokens)["shards"]:
        prefix = str(tokens / record["name"])
        theirs = indexed_dataset.IndexedDataset(prefix)
        ours = IndexedShard(prefix)
        assert len(theirs) == record["documents"]
        assert theirs.index.dtype == np.uint16
        assert np.array_equal(theirs.sequence_lengths, ours.index.sequence_lengths)
        assert list(theirs.document_indices) == list(range(record["documents"] + 1))
        for i in range(len(theirs)):
            assert np.array_equal(theirs[i], ours.document(i))


def test_dtype_follows_megatron_and_refuses_overflow():
    assert choose_dtype(32_000) == "uint16"
    assert choose_dtype(65_499) == "uint16"
    assert choose_dtype(65_500) == "int32"  # Megatron's threshold
    assert choose_dtype(65_536, "uint16") == "uint16"  # ids 0…65,535 fit
    assert choose_dtype(250_000, "int32") == "int32"
    with pytest.raises(TokenizerError, match="does not fit dtype uint16"):
        choose_dtype(65_537, "uint16")


def test_readers_reject_damaged_files(tokens, tmp_path):
    record = manifest_of(tokens)["shards"][0]
    idx = (tokens / f"{record['name']}.idx").read_bytes()
    (tmp_path / "bad.idx").write_bytes(b"NOTANIDX!" + idx[9:])
    (tmp_path / "bad.bin").write_bytes(b"")
    with pytest.raises(TokenizerError, match="bad magic"):
        IndexedShard(str(tmp_path / "bad"))
    (tmp_path / "cut.idx").write_bytes(idx[:-8])
    (tmp_path / "cut.bin").write_bytes((tokens / f"{record['name']}.bin").read_bytes())
    with pytest.raises(TokenizerError, match="truncated"):
        IndexedShard(str(tmp_path / "cut"))
    (tmp_path / "short.idx").write_bytes(idx)
    (tmp_path / "short.bin").write_bytes((tokens / f"{record['name']}.bin").read_bytes()[:-2])
    with pytest.raises(TokenizerError, match="the index needs"):
        IndexedShard(str(tmp_path / "short"))
