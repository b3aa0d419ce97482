"""`dataprep tokenize` on one machine: corpus → token shards + manifest.json.

    A. encode    each corpus file's documents into a spill under <output>/_work, resumable
                 per file (`tokenizer.encode`).
    B. plan      sort every document by (shuffle key, id) and cut shards (`tokenizer.plan`).
    C. write     each shard from the spills with `shards.write_shard`; finished shards carry
                 a .done marker and are skipped on a rerun.
    D. manifest  from the markers; then the markers, _config.json and _work are removed.

The Beam stage (`pipelines/tokenize.py`) shares the job and its output folder
(`tokenizer.job`), the plan and `write_shard`, and writes the same bytes.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import time
from typing import Callable

import numpy as np

from dataprep import fs
from tokenizer import TokenizerError, plan
from tokenizer.encode import Progress, encode_files, load_spill, spill_paths
from tokenizer.job import (Job, TokenizeConfig, check_output, finalize, no_documents_error, prepare, read_json,
                           start_output)
from tokenizer.shards import MANIFEST, numpy_dtype, read_marker, write_shard

WORK_DIR = "_work"


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
    spills = [load_spill(work, index) for index in range(len(job.files))]
    skipped = sum(spill.skipped_empty for spill in spills)
    if not any(len(spill.counts) for spill in spills):
        raise no_documents_error(job, skipped)
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
        path = spill_paths(work, index)[0]
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
        manifest = read_json(fs.join(output, MANIFEST))
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
