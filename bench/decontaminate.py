"""Decontamination benchmarks (issue 11).

    python bench/decontaminate.py [--docs 4000] [--ngrams 1000000]

throughput  documents/s of the `Decontaminate` stage (side input, FnApiRunner, one worker) against
            a plain Python loop doing the same n-gram lookups (a set of normalized n-gram strings,
            every size the index holds) and the same cuts, over the same texts: sample_data's
            curated documents with every HumanEval prompt planted in 4 variants, repeated. The
            stage's time is the pipeline's minus the same pipeline without the stage (read and
            count only), so Beam's start-up is not charged to it. Goal: ratio ≥ 0.9.
memory      bytes per benchmark n-gram of the index (numpy arrays) and of its pickle (what a side
            input ships), per million n-grams, for a synthetic benchmark of --ngrams n-grams.
report      the contamination table of `dataprep decontaminate` on the sample with the shipped
            benchmark planted in it.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import apache_beam as beam  # noqa: E402
from apache_beam.runners.portability.fn_api_runner import FnApiRunner  # noqa: E402

from dataprep.decontaminate import Benchmark, DecontaminateConfig, Example, build_index  # noqa: E402
from dataprep.decontaminate.cut import cut  # noqa: E402
from dataprep.decontaminate.index import Hit  # noqa: E402
from dataprep.decontaminate.ngrams import words_with_spans  # noqa: E402
from dataprep.document import Document  # noqa: E402
from decontaminate_planting import humaneval, planted_corpus, sample_texts  # noqa: E402
from pipelines.decontaminate import Decontaminate  # noqa: E402


def corpus(count: int) -> list[Document]:
    base = [doc for doc, _ in planted_corpus(examples=164)]
    base += [Document(f"{i:032x}", text, "books") for i, text in enumerate(sample_texts())]
    return [Document(f"{n:032x}", base[n % len(base)].text, "web") for n in range(count)]


def plain_loop(docs, benchmark, config) -> tuple[int, int]:
    """The same lookups with Python strings and a set: n-grams of every eval text, then each doc."""
    table: dict[str, set] = {}
    sizes = set()
    for example in benchmark.examples:
        for text in example.texts:
            words = words_with_spans(text)[0]
            size = config.ngram if len(words) >= config.ngram else (len(words) if len(words) >= config.min_words else 0)
            if size:
                sizes.add(size)
                for i in range(len(words) - size + 1):
                    table.setdefault(" ".join(words[i:i + size]), set()).add(example.id)
    hit_docs = chars = 0
    for doc in docs:
        words, starts, ends = words_with_spans(doc.text)
        hits = []
        for size in sizes:
            for i in range(len(words) - size + 1):
                gram = " ".join(words[i:i + size])
                if gram in table:
                    hits.append(Hit(int(starts[i]), int(ends[i + size - 1]), 0, (), gram))
        if hits:
            hit_docs += 1
            result = cut(doc.text, hits, config)
            chars += len(result) if isinstance(result, str) else 0
    return hit_docs, chars


def _pipeline_seconds(docs, with_stage: bool, benchmark, config) -> float:
    start = time.perf_counter()
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        pc = pipeline | "Docs" >> beam.Create(docs, reshuffle=False)
        if with_stage:
            pc = (pc | "Decontaminate" >> Decontaminate(config, [benchmark])).kept
        pc | "Count" >> beam.combiners.Count.Globally()
    return time.perf_counter() - start


def throughput(count: int) -> None:
    docs, benchmark, config = corpus(count), humaneval(), DecontaminateConfig(join="side_input")
    start = time.perf_counter()
    plain_loop(docs, benchmark, config)
    loop_s = time.perf_counter() - start
    base_s = min(_pipeline_seconds(docs, False, benchmark, config) for _ in range(2))
    stage_s = min(_pipeline_seconds(docs, True, benchmark, config) for _ in range(2)) - base_s
    print(f"throughput: {count} documents, {sum(len(d.text) for d in docs) / count:.0f} chars each on average")
    print(f"  plain Python loop (set of n-gram strings): {count / loop_s:8.0f} docs/s")
    print(f"  Decontaminate stage (FnApiRunner, 1 worker): {count / stage_s:8.0f} docs/s "
          f"(pipeline {base_s + stage_s:.1f} s, of which read+count {base_s:.1f} s)")
    print(f"  ratio stage / loop: {loop_s / stage_s:.2f} (goal ≥ 0.9)")


def memory(ngrams: int) -> None:
    rng = random.Random(11)
    vocabulary = [f"w{n}" for n in range(50_000)]
    per_example = 200 - 13 + 1
    examples = tuple(Example(str(n), (" ".join(rng.choice(vocabulary) for _ in range(200)),))
                     for n in range(ngrams // per_example + 1))
    start = time.perf_counter()
    index = build_index([Benchmark("synthetic", examples)], DecontaminateConfig())
    built = time.perf_counter() - start
    arrays = index.nbytes()
    shipped = len(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    print(f"memory: {len(index)} n-grams from {len(examples)} examples, built in {built:.1f} s")
    print(f"  arrays: {arrays / len(index):.1f} B/n-gram = {arrays / len(index):.1f} MB per million n-grams")
    print(f"  pickle (side input): {shipped / len(index):.1f} B/n-gram = {shipped / len(index):.1f} MB per million "
          "(includes the example-id table)")


def report() -> None:
    with tempfile.TemporaryDirectory() as folder:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from dataprep.document import ARROW_SCHEMA

        docs = [doc for doc, _ in planted_corpus(examples=164)]
        docs += [Document(f"{i:032x}", text, "curated-clean") for i, text in enumerate(sample_texts())]
        pq.write_table(pa.Table.from_pylist([doc.to_row() for doc in docs], schema=ARROW_SCHEMA),
                       os.path.join(folder, "sample-planted.parquet"))
        print(f"report: {len(docs)} documents ({len(docs) - 50} with a HumanEval prompt planted, 50 clean)")
        subprocess.run([sys.executable, "-c", "import sys; from dataprep.cli import main; sys.exit(main(sys.argv[1:]))",
                        "decontaminate",
                        os.path.join(folder, "sample-planted.parquet"), "--benchmark", "humaneval",
                        "--output", os.path.join(folder, "out"), "--shards=1"], check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--ngrams", type=int, default=1_000_000)
    parser.add_argument("--sections", default="throughput,memory,report")
    args = parser.parse_args()
    sections = args.sections.split(",")
    if "throughput" in sections:
        throughput(args.docs)
    if "memory" in sections:
        memory(args.ngrams)
    if "report" in sections:
        report()


if __name__ == "__main__":
    main()
