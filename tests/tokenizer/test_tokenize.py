"""`dataprep tokenize` on one machine: content, order, determinism, resume, bad input."""

from __future__ import annotations

import filecmp
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import tokenizer.encode as encode_module
import tokenizer.tokenize as tokenize_module
from dataprep.document import Document
from tokenizer import TokenizerError, plan
from tokenizer.shards import TokenShards
from tokenizer.tokenize import Progress, TokenizeConfig, tokenize_corpus
from tokenizer.train import TrainConfig, train_tokenizer


def quiet(_message):
    pass


def run(corpus, model, out, **config):
    threads = config.pop("threads", 1)
    return tokenize_corpus([str(c) for c in (corpus if isinstance(corpus, list) else [corpus])], str(model), str(out),
                           TokenizeConfig(**{"shard_tokens": 3000, **config}), threads=threads, log=quiet)


def same_files(a: Path, b: Path) -> bool:
    names = sorted(os.listdir(a))
    return names == sorted(os.listdir(b)) and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def test_every_document_once_with_eos_in_shuffled_order(tokens, corpus_docs, processor):
    shards = TokenShards(str(tokens))
    written = [tuple(doc.tolist()) for doc in shards.documents()]
    expected = [tuple(processor.encode(doc.text) + [processor.eos_id()]) for doc in corpus_docs]
    assert Counter(written) == Counter(expected)
    assert written != expected  # shuffled, not in corpus order
    # The order is the seeded hash order of the ids.
    key = plan.keyer(7)
    by_key = sorted(corpus_docs, key=lambda doc: plan.sort_key(key(doc.id), doc.id))
    assert written == [tuple(processor.encode(doc.text) + [processor.eos_id()]) for doc in by_key]
    # Finished: shards, tokenizer.model and manifest.json; no markers, spill or temporary files.
    assert not [n for n in os.listdir(tokens) if n.endswith((".done", ".tmp")) or n.startswith("_")]


def test_shards_are_cut_where_each_document_starts(tokens):
    manifest = json.loads((tokens / "manifest.json").read_text())
    shards = TokenShards(str(tokens))
    start, windows = 0, []
    for shard in shards.shards:
        lengths = shard.document_lengths()
        starts = start + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        raw = set((starts // manifest["config"]["shard_tokens"]).tolist())
        assert len(raw) == 1  # every document of a shard starts in the same window
        windows.append(raw.pop())
        start += int(lengths.sum())
    assert windows == sorted(set(windows))  # one shard per window, in order


def test_byte_identical_across_runs_threads_and_argument_order(corpus, model, tokens, tmp_path):
    files = sorted(corpus.glob("*/*.parquet"))
    run(files[::-1], model, tmp_path / "a", seed=7, threads=1)
    run(corpus, model, tmp_path / "b", seed=7, threads=2)
    assert same_files(tmp_path / "a", tmp_path / "b")
    assert same_files(tmp_path / "a", tokens)  # the session fixture's run


def test_another_seed_reorders_the_same_documents(corpus, model, tokens, tmp_path):
    run(corpus, model, tmp_path / "seed8", seed=8)
    a, b = TokenShards(str(tokens)), TokenShards(str(tmp_path / "seed8"))
    assert a.num_tokens == b.num_tokens
    first = [tuple(d.tolist()) for d in a.documents()]
    second = [tuple(d.tolist()) for d in b.documents()]
    assert Counter(first) == Counter(second) and first != second


def test_bos_is_optional(corpus, model, processor, tmp_path):
    run(corpus, model, tmp_path / "bos", bos=True, shard_tokens=10**9)
    shards = TokenShards(str(tmp_path / "bos"))
    assert len(shards.shards) == 1
    for doc in shards.documents():
        assert doc[0] == processor.bos_id() and doc[-1] == processor.eos_id()


def test_an_interrupted_run_resumes_without_redoing_finished_work(corpus, model, tokens, tmp_path, monkeypatch):
    out = tmp_path / "resume"
    real_write = tokenize_module.write_shard
    calls = []

    def crash_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(args[1])
        return real_write(*args, **kwargs)

    monkeypatch.setattr(tokenize_module, "write_shard", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        run(corpus, model, out, seed=7)
    assert not (out / "manifest.json").exists() and (out / "_work").is_dir()
    finished = {name: (out / f"{name}.bin").stat().st_mtime_ns for name in calls}

    rewritten = []

    def record(*args, **kwargs):
        rewritten.append(args[1])
        return real_write(*args, **kwargs)

    monkeypatch.setattr(tokenize_module, "write_shard", record)

    class NoEncoding:  # every corpus file was encoded before the interruption
        def __init__(self, *args):
            raise AssertionError("re-encoded a file that was already spilled")

    monkeypatch.setattr(encode_module, "Encoder", NoEncoding)
    run(corpus, model, out, seed=7)
    assert not set(rewritten) & set(calls) and rewritten
    assert all((out / f"{name}.bin").stat().st_mtime_ns == mtime for name, mtime in finished.items())
    assert same_files(out, tokens)
    # Complete: a third run does nothing.
    monkeypatch.setattr(tokenize_module, "write_shard", None)
    assert run(corpus, model, out, seed=7)["tokens"] == TokenShards(str(tokens)).num_tokens


def test_an_output_of_another_tokenizer_or_config_is_refused(corpus, tokens, tmp_path):
    other = tmp_path / "other"
    train_tokenizer([str(corpus)], str(other), TrainConfig(vocab_size=500, threads=1), log=quiet)
    with pytest.raises(TokenizerError, match="holds shards of another tokenizer"):
        run(corpus, other / "tokenizer.model", tokens, seed=7)
    with pytest.raises(TokenizerError, match="holds shards of another config"):
        run(corpus, tokens / "tokenizer.model", tokens, seed=8)
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "mine.bin").write_bytes(b"\x00\x00")
    with pytest.raises(TokenizerError, match="already holds token shards"):
        run(corpus, other / "tokenizer.model", stray)


def test_a_vocabulary_too_big_for_the_dtype_is_refused(corpus, model, tmp_path):
    # Append 70,000 user-defined pieces to the model proto (repeated field 1 of ModelProto).
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def piece(text: str) -> bytes:
        raw = text.encode()
        body = b"\x0a" + varint(len(raw)) + raw + b"\x15" + bytes(4) + b"\x18" + varint(4)
        return b"\x0a" + varint(len(body)) + body

    big = tmp_path / "big.model"
    big.write_bytes(model.read_bytes() + b"".join(piece(f"<extra_{i}>") for i in range(70_000)))
    with pytest.raises(TokenizerError, match=r"vocabulary \(70,600 pieces\) does not fit dtype uint16"):
        run(corpus, big, tmp_path / "o1", dtype="uint16")
    manifest = run(corpus, big, tmp_path / "o2", shard_tokens=10**9)  # auto: int32
    assert manifest["dtype"] == "int32" and manifest["megatron_dtype_code"] == 4
    assert (tmp_path / "o2" / "tokens-00000-of-00001.bin").stat().st_size == 4 * manifest["tokens"]


def test_empty_documents_fail_or_are_skipped_and_counted(tmp_path, model, kit):
    docs = kit.make_docs("web", 20, 0)
    docs[5] = Document(id=kit.our_id("the-empty-one"), text="", source="web")
    kit.write_parquet(tmp_path / "c" / "web" / "web.parquet", docs)
    with pytest.raises(TokenizerError, match=f"document {kit.our_id('the-empty-one')} has empty text"):
        run(tmp_path / "c", model, tmp_path / "o1")
    manifest = run(tmp_path / "c", model, tmp_path / "o2", skip_empty=True)
    assert manifest["documents"] == 19 and manifest["skipped_empty_documents"] == 1


def test_a_corpus_with_no_text_is_an_error(tmp_path, model, kit):
    kit.write_parquet(tmp_path / "none" / "web.parquet", [])
    with pytest.raises(TokenizerError, match="no documents to tokenize"):
        run(tmp_path / "none", model, tmp_path / "o1")
    kit.write_parquet(tmp_path / "blank" / "web.parquet", [Document(id="a", text="", source="web")])
    with pytest.raises(TokenizerError, match="no documents to tokenize .*1 empty documents skipped"):
        run(tmp_path / "blank", model, tmp_path / "o2", skip_empty=True)
    (tmp_path / "notext").mkdir()
    (tmp_path / "notext" / "stats.json").write_text("{}")
    with pytest.raises(TokenizerError, match="no Parquet or JSONL files"):
        run(tmp_path / "notext", model, tmp_path / "o3")


def test_duplicate_ids_are_an_error(tmp_path, model, kit):
    docs = kit.make_docs("web", 10, 0)
    kit.write_parquet(tmp_path / "c" / "a.parquet", docs)
    kit.write_parquet(tmp_path / "c" / "b.parquet", docs[:1])
    with pytest.raises(TokenizerError, match=f"document id {docs[0].id} appears more than once"):
        run(tmp_path / "c", model, tmp_path / "o")


def test_jsonl_input_and_the_dropped_folder(tmp_path, model, processor, kit):
    texts = kit.SENTENCES[:5]
    kit.write_jsonl_gz(tmp_path / "c" / "books" / "part-0.jsonl.gz", texts)
    kit.write_parquet(tmp_path / "c" / "dropped" / "dropped-00000-of-00001.parquet", kit.make_docs("web", 5, 0))
    manifest = run(tmp_path / "c", model, tmp_path / "o")
    assert manifest["documents_per_source"] == {"books": 5}  # the folder names the source; dropped/ skipped
    written = Counter(tuple(d.tolist()) for d in TokenShards(str(tmp_path / "o")).documents())
    assert written == Counter(tuple(processor.encode(t) + [processor.eos_id()]) for t in texts)


def test_a_tokenizer_without_eos_is_refused(corpus, tmp_path):
    train_tokenizer([str(corpus)], str(tmp_path / "t"), TrainConfig(vocab_size=600, threads=1, eos_piece=""),
                    log=quiet)
    with pytest.raises(TokenizerError, match="no EOS piece"):
        run(corpus, tmp_path / "t" / "tokenizer.model", tmp_path / "o")


def test_progress_line_shows_documents_and_megabytes_per_second():
    class Terminal:
        text = ""

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    meter = Progress(4, enabled=True, stream=terminal)
    meter.last -= 1
    meter.update(docs=1000, text_bytes=5_000_000, files=1)
    meter.close()
    assert "1/4 files" in terminal.text and "docs/s" in terminal.text and "MB/s" in terminal.text
    assert terminal.text.endswith("\n")
