"""`dataprep tokenize` on one machine: corpus → token shards + manifest.json.

    A. encode    each corpus file's documents (batched, sentencepiece's own threads; EOS after
                 every document, BOS optional) into a spill file under <output>/_work, with
                 (shuffle key, id, token count, source) per document; a file is marked done
                 when its spill is whole, so an interrupted run re-encodes only unfinished files.
    B. plan      sort every document by (shuffle key, id) and cut shards (`tokenizer.plan`).
    C. write     each shard from the spills with `shards.write_shard`; finished shards carry
                 a .done marker and are skipped on a rerun.
    D. manifest  from the markers; then the markers, _config.json and _work are removed.

The Beam stage (`pipelines/tokenize.py`) shares `prepare`, `check_output`, `start_output`,
the plan and `write_shard`/`finalize`, and writes the same bytes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import hashlib
import itertools
import json
import os
import queue
import shutil
import sys
import threading
import time
from typing import Callable, Iterator

import numpy as np

from tokenizer import TokenizerError, fs, plan
from tokenizer.corpus import CorpusFile, DocBatch, expand_corpus, read_batches
from tokenizer.shards import (MANIFEST, MARKER_SUFFIX, SUFFIXES, build_manifest, choose_dtype, json_bytes,
                              numpy_dtype, read_marker, write_atomic, write_shard)

TOKENIZER_FILE = "tokenizer.model"
CONFIG_FILE = "_config.json"
WORK_DIR = "_work"
IDENTITY_VERSION = 1
# One sentencepiece call encodes about this much text: enough for its thread pool to stay busy,
# small enough that reading the next batch overlaps with it.
ENCODE_BATCH_BYTES = 4 << 20
ENCODE_BATCH_DOCS = 8192


@dataclasses.dataclass(frozen=True)
class TokenizeConfig:
    """What decides the shards' bytes (besides the corpus and the tokenizer)."""

    seed: int = dataclasses.field(
        default=0, metadata={"help": "Seed of the global document shuffle (and so of the shard assignment)."})
    shard_tokens: int = dataclasses.field(
        default=100_000_000,
        metadata={"help": "Tokens per shard: a document goes to the shard whose window holds its first token."})
    bos: bool = dataclasses.field(
        default=False, metadata={"help": "Put BOS before every document (EOS always follows every document)."})
    dtype: str = dataclasses.field(
        default="auto", metadata={"help": "Token dtype: auto (uint16 below 65,500 pieces, else int32), uint16, int32."})
    skip_empty: bool = dataclasses.field(
        default=False, metadata={"help": "Drop documents with empty text (counted in the manifest) instead of failing."})

    def validate(self) -> None:
        if self.seed < 0:
            raise TokenizerError(f"seed must be ≥ 0, got {self.seed}")
        if self.shard_tokens < 1:
            raise TokenizerError(f"shard_tokens must be ≥ 1, got {self.shard_tokens}")
        if self.dtype not in ("auto", "uint16", "int32"):
            raise TokenizerError(f"unknown dtype {self.dtype!r}: expected auto, uint16 or int32")


@dataclasses.dataclass(frozen=True)
class Job:
    """Everything decided before any document is read; shared by the CLI and Beam paths."""

    files: tuple[CorpusFile, ...]
    output: str
    config: TokenizeConfig
    model: bytes
    tokenizer: dict  # the manifest's tokenizer record
    dtype: str
    identity: dict
    config_hash: str

    @property
    def eos_id(self) -> int:
        return self.tokenizer["eos_id"]


def tokenizer_record(model: bytes, where: str) -> dict:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(model)
    except Exception:  # sentencepiece raises RuntimeError/OSError with a C++ message
        raise TokenizerError(f"{where}: not a sentencepiece model") from None
    return {
        "file": TOKENIZER_FILE,
        "sha256": hashlib.sha256(model).hexdigest(),
        "vocab_size": processor.get_piece_size(),
        "unk_id": processor.unk_id(),
        "bos_id": processor.bos_id(),
        "eos_id": processor.eos_id(),
        "pad_id": processor.pad_id(),
    }


def read_bytes(path: str) -> bytes:
    try:
        return fs.read_bytes(path)
    except FileNotFoundError:
        raise TokenizerError(f"cannot read {path}: no such file") from None
    except Exception as error:  # OSError locally; BeamIOError remotely
        raise TokenizerError(f"cannot read {path}: {str(error).splitlines()[0]}") from None


def prepare(corpus: list[str], tokenizer_path: str, output: str, config: TokenizeConfig) -> Job:
    config.validate()
    files = tuple(expand_corpus(corpus))
    model = read_bytes(tokenizer_path)
    record = tokenizer_record(model, tokenizer_path)
    if record["eos_id"] < 0:
        raise TokenizerError(f"{tokenizer_path}: the tokenizer has no EOS piece (it goes after every document)")
    if config.bos and record["bos_id"] < 0:
        raise TokenizerError(f"{tokenizer_path}: --bos asked for, but the tokenizer has no BOS piece")
    dtype = choose_dtype(record["vocab_size"], config.dtype)
    identity = {
        "version": IDENTITY_VERSION,
        "config": dataclasses.asdict(config),
        "inputs": [{"path": f.path, "bytes": f.size} for f in files],
        "tokenizer_sha256": record["sha256"],
    }
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8")
    config_hash = hashlib.sha256(canonical).hexdigest()[:16]
    return Job(files, output, config, model, record, dtype, identity, config_hash)


# --- the output folder: fresh, resumable, complete, or someone else's -----------------


def _describe(tokenizer: dict) -> str:
    return f"sha256 {tokenizer.get('sha256', '?')[:12]}…, {tokenizer.get('vocab_size', '?')} pieces"


def _read_json(path: str) -> dict | None:
    if not fs.exists(path):
        return None
    return json.loads(fs.read_bytes(path).decode("utf-8"))


def check_output(job: Job) -> str:
    """'fresh', 'resume' or 'complete'; an output of another tokenizer or config is an error."""
    for name in (MANIFEST, CONFIG_FILE):
        previous = _read_json(fs.join(job.output, name))
        if previous is None:
            continue
        theirs = previous.get("tokenizer", {})
        if theirs.get("sha256") != job.tokenizer["sha256"]:
            raise TokenizerError(
                f"{job.output} holds shards of another tokenizer ({_describe(theirs)}; this run: "
                f"{_describe(job.tokenizer)}): choose another --output or delete it")
        if previous.get("config_hash") != job.config_hash:
            raise TokenizerError(
                f"{job.output} holds shards of another config (hash {previous.get('config_hash')}, this run "
                f"{job.config_hash}: seed, shard size, BOS, dtype or the corpus differ): choose another --output "
                f"or delete it")
        return "complete" if name == MANIFEST else "resume"
    existing = [path for path, _ in fs.match(fs.join(job.output, "*"))]
    foreign = sorted(p for p in existing if p.endswith(SUFFIXES + (MARKER_SUFFIX,)))
    if foreign:
        raise TokenizerError(f"{job.output} already holds token shards without a manifest or _config.json "
                             f"({foreign[0].rsplit('/', 1)[-1]}, …): choose an empty --output")
    return "fresh"


def start_output(job: Job) -> None:
    """Record the run's identity (and copy the tokenizer) before the first shard is written."""
    fs.mkdirs(job.output)
    write_atomic(fs.join(job.output, TOKENIZER_FILE), job.model)
    record = {"config_hash": job.config_hash, "tokenizer": job.tokenizer, "identity": job.identity}
    write_atomic(fs.join(job.output, CONFIG_FILE), json_bytes(record))


def finalize(job: Job, shard_records: list[dict], skipped_empty: int) -> dict:
    """Write manifest.json from the shards' records, then remove markers and _config.json."""
    if not shard_records:
        raise TokenizerError(f"the corpus has no documents to tokenize ({len(job.files)} files"
                             f"{f', {skipped_empty} empty documents skipped' if skipped_empty else ''})")
    manifest = build_manifest(job.identity, job.config_hash, job.tokenizer, job.dtype, shard_records, skipped_empty)
    write_atomic(fs.join(job.output, MANIFEST), json_bytes(manifest))
    leftovers = [fs.join(job.output, record["name"] + MARKER_SUFFIX) for record in shard_records]
    leftovers.append(fs.join(job.output, CONFIG_FILE))
    existing = [path for path in leftovers if fs.exists(path)]
    if existing:
        fs.delete(existing)
    return manifest


def empty_document_error(path: str | None, doc_id: str) -> TokenizerError:
    where = f"{path}: " if path else ""
    return TokenizerError(f"{where}document {doc_id} has empty text (filter it upstream, or pass --skip-empty)")


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


# --- A. encode -----------------------------------------------------------------------


@dataclasses.dataclass
class _Spill:
    """The encoded documents of one corpus file, in file order."""

    keys: np.ndarray  # uint64
    ids: np.ndarray  # S (UTF-8)
    counts: np.ndarray  # int64, tokens per document with BOS/EOS
    sources: np.ndarray  # int32 codes into source_names
    source_names: list[str]
    skipped_empty: int


def _spill_paths(work: str, index: int) -> tuple[str, str, str]:
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


def _batches_of_pending(files: list[tuple[int, CorpusFile]]) -> Iterator[tuple[int, DocBatch | None]]:
    for index, corpus_file in files:
        for batch in read_batches(corpus_file):
            yield index, batch
        yield index, None  # end of file


def encode_files(job: Job, work: str, threads: int, progress: Progress) -> None:
    """Phase A: a spill per corpus file not already spilled by an earlier run of this config."""
    os.makedirs(work, exist_ok=True)
    pending = []
    for index, corpus_file in enumerate(job.files):
        _, _, done = _spill_paths(work, index)
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
        self.paths = _spill_paths(work, index)
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


def _load_spill(work: str, index: int) -> _Spill:
    _, meta_path, _ = _spill_paths(work, index)
    with np.load(meta_path, allow_pickle=False) as meta:
        ids = meta["ids"]
        if ids.dtype.kind != "S":  # an empty file saves a float array
            ids = ids.astype("S1")
        return _Spill(meta["keys"].astype(np.uint64), ids, meta["counts"].astype(np.int64),
                      meta["sources"].astype(np.int32), [str(s) for s in meta["source_names"]],
                      int(meta["skipped_empty"]))


# --- B. plan ---------------------------------------------------------------------------


@dataclasses.dataclass
class ShardPlan:
    """Every document in global order, and where each shard's documents begin and end in it."""

    file_index: np.ndarray  # per document in order: which spill
    spill_offset: np.ndarray  # where its tokens start in that spill
    counts: np.ndarray  # its token count
    source_names: list[str]  # global source names
    sources: np.ndarray  # its source, a code into source_names
    bounds: np.ndarray  # shard s = documents bounds[s]:bounds[s + 1]
    skipped_empty: int

    @property
    def num_shards(self) -> int:
        return len(self.bounds) - 1


def plan_shards(job: Job, work: str) -> ShardPlan:
    spills = [_load_spill(work, index) for index in range(len(job.files))]
    skipped = sum(spill.skipped_empty for spill in spills)
    if not any(len(spill.counts) for spill in spills):
        raise TokenizerError(f"the corpus has no documents to tokenize ({len(job.files)} files"
                             f"{f', {skipped} empty documents skipped' if skipped else ''})")
    names: dict[str, int] = {}
    remapped = []
    for spill in spills:
        table = np.array([names.setdefault(name, len(names)) for name in spill.source_names] or [0], np.int32)
        remapped.append(table[spill.sources] if len(spill.sources) else spill.sources)
    keys = np.concatenate([spill.keys for spill in spills])
    ids = np.concatenate([spill.ids for spill in spills if len(spill.ids)])
    counts = np.concatenate([spill.counts for spill in spills])
    sources = np.concatenate(remapped)
    file_index = np.concatenate([np.full(len(spill.counts), index, np.int32) for index, spill in enumerate(spills)])
    offsets = np.concatenate([plan.exclusive_cumsum(spill.counts) for spill in spills])
    order = plan.order(keys, ids)
    sorted_ids = ids[order]
    twice = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if len(twice):
        first, second = order[twice[0]], order[twice[0] + 1]
        raise TokenizerError(
            f"document id {sorted_ids[twice[0]].decode('utf-8', 'replace')} appears more than once "
            f"({job.files[file_index[first]].path}, {job.files[file_index[second]].path}): ids must be unique")
    counts = counts[order]
    raw = plan.raw_shards(plan.exclusive_cumsum(counts), job.config.shard_tokens)
    _, dense = np.unique(raw, return_inverse=True)
    bounds = np.searchsorted(dense, np.arange(int(dense[-1]) + 2), side="left")
    return ShardPlan(file_index[order], offsets[order], counts, list(names), sources[order], bounds, skipped)


# --- C. write ----------------------------------------------------------------------------


def write_shards(job: Job, work: str, shard_plan: ShardPlan, log: Callable[[str], None]) -> list[dict]:
    spill_dtype = numpy_dtype(job.dtype)
    spills = []
    for index in range(len(job.files)):
        path = _spill_paths(work, index)[0]
        spills.append(np.memmap(path, mode="r", dtype=spill_dtype) if os.path.getsize(path)
                      else np.zeros(0, spill_dtype))
    records, skipped = [], 0
    count = shard_plan.num_shards
    for shard in range(count):
        name = plan.shard_name(shard, count)
        record = read_marker(job.output, name, job.config_hash)
        if record is not None:
            records.append(record)
            skipped += 1
            continue
        lo, hi = int(shard_plan.bounds[shard]), int(shard_plan.bounds[shard + 1])
        files = shard_plan.file_index[lo:hi].tolist()
        starts = shard_plan.spill_offset[lo:hi].tolist()
        lengths = shard_plan.counts[lo:hi]
        tokens = np.concatenate([spills[f][s: s + n] for f, s, n in zip(files, starts, lengths.tolist())])
        names = shard_plan.source_names
        sources = [names[code] for code in shard_plan.sources[lo:hi].tolist()]
        records.append(write_shard(job.output, name, tokens, lengths, sources, job.dtype, job.config_hash))
    if skipped:
        log(f"tokenize: {skipped} of {count} shards were already written; kept them")
    return records


# --- the driver ------------------------------------------------------------------------


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def tokenize_corpus(corpus: list[str], tokenizer: str, output: str, config: TokenizeConfig = TokenizeConfig(),
                    *, threads: int | None = None, progress: bool | None = None, work_dir: str | None = None,
                    keep_work: bool = False, log: Callable[[str], None] = _stderr) -> dict:
    """Tokenize `corpus` into shards under `output`; returns the manifest (also in manifest.json).

    A rerun of the same config resumes (files already encoded and shards already written are
    kept) or, when the manifest exists, does nothing.
    """
    if "://" in output and work_dir is None:
        raise TokenizerError(f"{output}: a remote --output needs a local --work-dir for the encoded spill "
                             "(or use the Beam stage)")
    job = prepare(corpus, tokenizer, output, config)
    state = check_output(job)
    if state == "complete":
        log(f"tokenize: {output} is already complete for this config ({job.config_hash}); nothing to do")
        manifest = _read_json(fs.join(output, MANIFEST))
        _cleanup(work_dir or os.path.join(output, WORK_DIR), keep_work)
        return manifest
    if state == "fresh":
        start_output(job)
    else:
        log(f"tokenize: resuming the unfinished run in {output} ({job.config_hash})")
    work = work_dir or os.path.join(output, WORK_DIR)
    threads = threads or os.cpu_count() or 1
    started = time.monotonic()
    meter = Progress(len(job.files), enabled=progress)
    try:
        encode_files(job, work, threads, meter)
    finally:
        meter.close()
    shard_plan = plan_shards(job, work)
    records = write_shards(job, work, shard_plan, log)
    manifest = finalize(job, records, shard_plan.skipped_empty)
    _cleanup(work, keep_work)
    elapsed = time.monotonic() - started
    log(f"tokenize: {manifest['documents']:,} documents, {manifest['tokens']:,} tokens ({job.dtype}) in "
        f"{len(records)} shards → {output} ({elapsed:.1f} s; {meter.docs / max(elapsed, 1e-9):,.0f} docs/s, "
        f"{meter.bytes / 1e6 / max(elapsed, 1e-9):,.1f} MB/s this run)")
    return manifest


def _cleanup(work: str, keep: bool) -> None:
    if not keep and os.path.isdir(work):
        shutil.rmtree(work)
