"""Benchmark: mixture sampling (`pipelines.mixture.SampleMixture` on Beam) against reading the
same Parquet in a plain loop, and its peak RSS when the corpus grows 10×.

    .venv/bin/python bench/mixture.py [--docs 20000] [--files 8]

1. Corpus. --docs documents of ~600 characters each (synthetic: the sampler reads only ids,
   sources and metadata.tokens), three sources, written as Document Parquet in --files files;
   a second corpus 10× larger.
2. Loop. pyarrow reads every file batch by batch and builds each Document (what any reader of
   the corpus pays), then the same plus `copies()` per document (the sampler's own cost).
3. Beam. The pinned local runner: the file list → read → SampleMixture (LLaMA-like epochs:
   web 1.1, wiki 2.45, code 0.64) → realised counts per source.
Each measurement runs in its own child process; peak RSS is the child's ru_maxrss (os.wait4).
Prints documents/s and the ratios Beam/loop and RSS(10×)/RSS(1×); nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SOURCES = {"web": 1.1, "wiki": 2.45, "code": 0.64}
SENTENCE = "The river valley was settled early because the soil was rich and the water close. "


def write_corpus(folder: str, docs: int, files: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dataprep.document import ARROW_SCHEMA, Document

    os.makedirs(folder, exist_ok=True)
    names = list(SOURCES)
    per_file = -(-docs // files)
    for index in range(files):
        rows = []
        for i in range(index * per_file, min(docs, (index + 1) * per_file)):
            text = f"{i}: " + SENTENCE * 7
            rows.append(Document(f"doc-{i:09d}", text, names[i % 3], metadata={"tokens": 120 + i % 50}).to_row())
        table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
        pq.write_table(table, os.path.join(folder, f"part-{index:03d}.parquet"))


def _files(folder: str) -> list[str]:
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".parquet"))


def _read(path: str):
    import pyarrow.parquet as pq

    from dataprep.document import Document

    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            yield Document.from_row(row)


def _plan(seed: int = 0):
    from dataprep.mixture import MixturePlan, SourcePlan

    # Epochs are what the sampler uses; the token columns do not matter here.
    return MixturePlan(0, {name: SourcePlan(0, 0, epochs, None) for name, epochs in SOURCES.items()}, seed, 4.0, None)


def child(mode: str, folder: str, result: str) -> None:
    # Imports first: the clock measures the work (and Beam's pipeline start-up), not Python's imports.
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from dataprep.mixture import copies
    from pipelines.mixture import SampleMixture
    from pipelines.options import make_runner

    start = time.perf_counter()
    docs = sampled = 0
    if mode in ("loop", "loop+copies"):
        plan = _plan()
        for path in _files(folder):
            for doc in _read(path):
                docs += 1
                if mode == "loop+copies":
                    sampled += copies(doc.id, plan.seed, plan.sources[doc.source].epochs)
    else:
        counts = os.path.join(os.path.dirname(result), "counts.json")

        def save(rows):
            with open(counts, "w") as handle:
                json.dump(rows, handle)

        options = PipelineOptions([])
        with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
            (pipeline | "Files" >> beam.Create(_files(folder)) | "Spread" >> beam.Reshuffle()
             | "Read" >> beam.FlatMap(_read) | "Mix" >> SampleMixture(_plan())
             ).realised | beam.combiners.ToList() | beam.Map(save)
        with open(counts) as handle:
            realised = json.load(handle)
        sampled = sum(documents for _, (documents, _) in realised)
    seconds = time.perf_counter() - start
    with open(result, "w") as handle:
        json.dump({"seconds": seconds, "docs": docs, "sampled": sampled}, handle)


def measure(mode: str, folder: str, work: str) -> dict:
    result = os.path.join(work, f"{mode}.json")
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", mode, folder, result])
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} child failed: {status}")
    with open(result) as handle:
        out = json.load(handle)
    out["rss_mb"] = usage.ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as work:
        small, large = os.path.join(work, "small"), os.path.join(work, "large")
        write_corpus(small, args.docs, args.files)
        write_corpus(large, 10 * args.docs, args.files)
        results = {}
        for name, folder, count in (("1x", small, args.docs), ("10x", large, 10 * args.docs)):
            for mode in ("loop", "loop+copies", "beam"):
                out = measure(mode, folder, work)
                out["docs_per_s"] = count / out["seconds"]
                results[(name, mode)] = out
                print(f"{name:>4} {mode:<12} {count:>9,} docs  {out['seconds']:7.2f} s  "
                      f"{out['docs_per_s']:>10,.0f} docs/s  sampled {out['sampled']:>9,}  "
                      f"peak RSS {out['rss_mb']:7.1f} MB", flush=True)
        for name in ("1x", "10x"):
            speed = {mode: results[(name, mode)]["docs_per_s"] for mode in ("loop", "loop+copies", "beam")}
            print(f"{name}: beam / loop = {speed['beam'] / speed['loop']:.2f}  "
                  f"(loop+copies / loop = {speed['loop+copies'] / speed['loop']:.2f})")
        print(f"peak RSS 10x / 1x: beam {results[('10x', 'beam')]['rss_mb'] / results[('1x', 'beam')]['rss_mb']:.2f}, "
              f"loop {results[('10x', 'loop')]['rss_mb'] / results[('1x', 'loop')]['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
