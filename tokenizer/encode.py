"""Phase A of `dataprep tokenize` on one machine: corpus files → encoded spills.

Each corpus file's documents are encoded in batches (sentencepiece's own threads; EOS after
every document, BOS optional) into a spill file under <output>/_work, with (shuffle key, id,
token count, source) per document; a file is marked done when its spill is whole, so an
interrupted run re-encodes only unfinished files. `tokenizer.tokenize` then plans the shards
from the spills and writes them.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import itertools
import json
import os
import queue
import sys
import threading
import time
from typing import Callable, Iterator

import numpy as np

from dataprep.inputs import InputFile
from tokenizer import plan
from tokenizer.corpus import DocBatch, read_batches
from tokenizer.job import Job, empty_document_error
from tokenizer.shards import numpy_dtype

# One sentencepiece call encodes about this much text: enough for its thread pool to stay busy,
# small enough that reading the next batch overlaps with it.
ENCODE_BATCH_BYTES = 4 << 20
ENCODE_BATCH_DOCS = 8192


# --- progress ------------------------------------------------------------------------


class Progress:
    """One status line on stderr: documents/s and MB/s of text; redrawn on a terminal."""

    def __init__(self, total_files: int, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total_files = total_files
        self.files = self.docs = self.bytes = 0
        self.start = self.last = time.monotonic()

    def update(self, docs: int = 0, text_bytes: int = 0, files: int = 0) -> None:
        self.docs += docs
        self.bytes += text_bytes
        self.files += files
        now = time.monotonic()
        if self.enabled and now - self.last >= 0.5:
            self.last = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        return (f"tokenize: {self.files}/{self.total_files} files  {self.docs:,} docs  "
                f"{self.docs / elapsed:,.0f} docs/s  {self.bytes / 1e6 / elapsed:,.1f} MB/s  "
                f"{self.bytes / 1e6:,.1f} MB")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()


def _prefetch(iterator: Iterator, depth: int = 4) -> Iterator:
    """Run `iterator` in a thread, `depth` items ahead (reading overlaps encoding)."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(("done", done))
        except BaseException as error:  # re-raised in the consumer
            items.put(("error", error))

    thread = threading.Thread(target=produce, name="tokenize-read", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = items.get()
            if kind == "item":
                yield item
            elif kind == "done":
                return
            else:
                raise item
    finally:
        stop.set()


# --- encode --------------------------------------------------------------------------


@dataclasses.dataclass
class Spill:
    """The encoded documents of one corpus file, in file order."""

    keys: np.ndarray  # uint64
    ids: np.ndarray  # S (UTF-8)
    counts: np.ndarray  # int64, tokens per document with BOS/EOS
    sources: np.ndarray  # int32 codes into source_names
    source_names: list[str]
    skipped_empty: int


def spill_paths(work: str, index: int) -> tuple[str, str, str]:
    base = os.path.join(work, f"file-{index:05d}")
    return base + ".tokens", base + ".npz", base + ".done"


class Encoder:
    """sentencepiece batch encoding into numpy, with the job's BOS/EOS and dtype."""

    def __init__(self, job: Job, threads: int):
        import sentencepiece as spm

        self.processor = spm.SentencePieceProcessor()
        self.processor.LoadFromSerializedProto(job.model)
        self.bos = job.config.bos
        self.threads = threads
        self.dtype = numpy_dtype(job.dtype)

    def encode(self, texts: list[str]) -> list[list[int]]:
        return self.processor.encode(texts, add_bos=self.bos, add_eos=True, num_threads=self.threads)

    def to_numpy(self, pieces: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens of all texts concatenated, tokens per text)."""
        counts = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        tokens = np.fromiter(itertools.chain.from_iterable(pieces), dtype=self.dtype, count=int(counts.sum()))
        return tokens, counts


def _batches_of_pending(files: list[tuple[int, InputFile]]) -> Iterator[tuple[int, DocBatch | None]]:
    for index, corpus_file in files:
        for batch in read_batches(corpus_file):
            yield index, batch
        yield index, None  # end of file


def encode_files(job: Job, work: str, threads: int, progress: Progress) -> None:
    """Phase A: a spill per corpus file not already spilled by an earlier run of this config."""
    os.makedirs(work, exist_ok=True)
    pending = []
    for index, corpus_file in enumerate(job.files):
        _, _, done = spill_paths(work, index)
        if os.path.exists(done):
            with open(done, encoding="utf-8") as handle:
                if json.load(handle).get("config_hash") == job.config_hash:
                    progress.update(files=1)
                    continue
        pending.append((index, corpus_file))
    if not pending:
        return
    encoder = Encoder(job, threads)
    keyer = plan.keyer(job.config.seed)
    state = None
    chunk: list[tuple[str, str, str]] = []
    chunk_bytes = 0
    # One batch is encoded (by sentencepiece's `threads` threads, without the GIL) while the
    # one before it becomes numpy and is spilled here: that fills the idle tail of each call.
    in_flight: collections.deque = collections.deque()

    def finish_oldest():
        spill, ids, sources, size, future = in_flight.popleft()
        if future is None:  # the end of a file: every batch before it is spilled
            spill.finish()
            progress.update(files=1)
            return
        tokens, counts = encoder.to_numpy(future.result())
        spill.add(ids, sources, tokens, counts, keyer)
        progress.update(docs=len(ids), text_bytes=size)

    def flush():
        nonlocal chunk, chunk_bytes
        if chunk:
            ids, sources, texts = zip(*chunk)
            in_flight.append((state, ids, sources, chunk_bytes, pool.submit(encoder.encode, list(texts))))
            while sum(entry[4] is not None for entry in in_flight) > 1:
                finish_oldest()
        chunk, chunk_bytes = [], 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenize-encode") as pool:
        try:
            for index, batch in _prefetch(_batches_of_pending(pending)):
                if state is None:
                    state = _SpillWriter(work, index, job)
                if batch is None:
                    flush()
                    in_flight.append((state, None, None, 0, None))  # finished once its batches are
                    state = None
                    continue
                for doc_id, source, text in zip(batch.ids, batch.sources, batch.texts):
                    if not text:
                        if not job.config.skip_empty:
                            raise empty_document_error(job.files[index].path, doc_id)
                        state.skipped_empty += 1
                        continue
                    chunk.append((doc_id, source, text))
                    chunk_bytes += len(text.encode("utf-8"))
                if chunk_bytes >= ENCODE_BATCH_BYTES or len(chunk) >= ENCODE_BATCH_DOCS:
                    flush()
            while in_flight:
                finish_oldest()
        finally:
            for *_, future in in_flight:
                if future is not None:
                    future.cancel()


class _SpillWriter:
    def __init__(self, work: str, index: int, job: Job):
        self.paths = spill_paths(work, index)
        self.job = job
        self.handle = open(self.paths[0] + ".tmp", "wb")
        self.keys: list[int] = []
        self.ids: list[bytes] = []
        self.counts: list[np.ndarray] = []
        self.sources: list[int] = []
        self.source_codes: dict[str, int] = {}
        self.skipped_empty = 0

    def add(self, ids, sources, tokens: np.ndarray, counts: np.ndarray, keyer: Callable[[str], int]) -> None:
        tokens.tofile(self.handle)
        self.keys.extend(map(keyer, ids))
        self.ids.extend(doc_id.encode("utf-8") for doc_id in ids)
        self.counts.append(counts)
        codes = self.source_codes
        self.sources.extend(codes.setdefault(source, len(codes)) for source in sources)

    def finish(self) -> None:
        tokens_path, meta_path, done_path = self.paths
        self.handle.close()
        os.replace(tokens_path + ".tmp", tokens_path)
        counts = np.concatenate(self.counts) if self.counts else np.zeros(0, np.int64)
        with open(meta_path + ".tmp", "wb") as handle:
            np.savez(handle, keys=np.array(self.keys, dtype=np.uint64), ids=np.array(self.ids, dtype="S"),
                     counts=counts, sources=np.array(self.sources, dtype=np.int32),
                     source_names=np.array(list(self.source_codes), dtype="U"),
                     skipped_empty=np.array(self.skipped_empty, dtype=np.int64))
        os.replace(meta_path + ".tmp", meta_path)
        with open(done_path + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"config_hash": self.job.config_hash, "documents": len(self.ids),
                       "tokens": int(counts.sum())}, handle)
        os.replace(done_path + ".tmp", done_path)


def load_spill(work: str, index: int) -> Spill:
    _, meta_path, _ = spill_paths(work, index)
    with np.load(meta_path, allow_pickle=False) as meta:
        ids = meta["ids"]
        if ids.dtype.kind != "S":  # an empty file saves a float array
            ids = ids.astype("S1")
        return Spill(meta["keys"].astype(np.uint64), ids, meta["counts"].astype(np.int64),
                      meta["sources"].astype(np.int32), [str(s) for s in meta["source_names"]],
                      int(meta["skipped_empty"]))
