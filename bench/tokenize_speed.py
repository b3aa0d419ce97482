"""Benchmark: `dataprep tokenize` end to end against raw sentencepiece, and training cost.

    .venv/bin/python bench/tokenize_speed.py [--mb 50] [--threads 2] [--repeats 2] [--vocab-size 32000]

1. Corpus. --mb MB of real text found offline, assembled deterministically (sorted paths): the
   Python standard library's sources (code, docstrings) interleaved with /usr/share/doc
   (copyright files and changelogs, decompressed), cut into documents of at most 8 kB at
   line ends, written as Parquet in the Document schema (8 files).
2. Training. `train_tokenizer` (LLaMA settings, vocab --vocab-size) on all of it, in a child
   process, against the baseline: sentencepiece's own trainer with the same settings on the
   same text from a plain file, also in a child. Time is wall clock; peak RSS is the child's
   ru_maxrss (os.wait4), so neither pays for this process's memory.
3. Tokenize. `tokenize_corpus` (read Parquet, encode, spill, shuffle, write shards + manifest)
   against the baseline: `SentencePieceProcessor.encode(batch, num_threads=T)` on the same
   texts, already in memory, in the same batches, at the same thread count. MB/s = UTF-8 MB of text / wall seconds.
   Goal: ratio ≥ 0.90. Each is run --repeats times, alternating; the medians are compared.

Ratios are computed against the baselines measured in this same run; nothing is asserted.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, where this file would shadow the
# standard library's `tokenize` (which linecache and pandas import): use the repository instead.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") != os.path.join(ROOT, "bench")]

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sysconfig  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

DOC_LIMIT = 8_000
SHARDS = 8


# --- corpus --------------------------------------------------------------------------


def _stdlib_files() -> list[str]:
    base = sysconfig.get_paths()["stdlib"]
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "test", "tests", "__pycache__", "idlelib"))
        found.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".py"))
    return found


def _doc_files() -> list[str]:
    found = []
    for folder, dirs, files in os.walk("/usr/share/doc"):
        dirs.sort()
        for name in sorted(files):
            if name == "copyright" or name.startswith(("changelog", "NEWS", "README")):
                found.append(os.path.join(folder, name))
    return found


def _read_text(path: str) -> str:
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except (OSError, EOFError):
        return ""


def _documents(text: str):
    """The text cut at line ends into pieces of at most DOC_LIMIT characters."""
    while text:
        if len(text) <= DOC_LIMIT:
            yield text
            return
        cut = text.rfind("\n", 0, DOC_LIMIT)
        cut = DOC_LIMIT if cut <= 0 else cut + 1
        yield text[:cut]
        text = text[cut:]


def build_corpus(folder: str, megabytes: float) -> tuple[list[str], int]:
    """Write the Parquet corpus; returns the documents' texts and their UTF-8 size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dataprep.document import ARROW_SCHEMA, Document, document_id

    budget = int(megabytes * 1e6)
    code, prose = _stdlib_files(), _doc_files()
    sources = []
    for i in range(max(len(code), len(prose))):  # interleave code and prose
        if i < len(code):
            sources.append(("code", code[i]))
        if i < len(prose):
            sources.append(("docs", prose[i]))
    docs, total = [], 0
    for source, path in sources:
        for position, text in enumerate(_documents(_read_text(path))):
            size = len(text.encode("utf-8"))
            if total + size > budget:
                break
            docs.append(Document(id=document_id(source, path, position), text=text, source=source))
            total += size
        if total >= budget * 0.999:
            break
    os.makedirs(folder, exist_ok=True)
    for shard in range(SHARDS):
        part = docs[shard::SHARDS]
        table = pa.Table.from_pylist([d.to_row() for d in part], schema=ARROW_SCHEMA)
        pq.write_table(table, os.path.join(folder, f"bench-{shard:05d}-of-{SHARDS:05d}.parquet"))
    return [d.text for d in docs], total


# --- training ------------------------------------------------------------------------

_TRAIN_OURS = """
import json, sys
from tokenizer.train import TrainConfig, train_tokenizer
corpus, out, vocab, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
train_tokenizer([corpus], out, TrainConfig(vocab_size=vocab, threads=threads, sample_bytes=10**12),
                log=lambda _: None)
"""

_TRAIN_RAW = """
import io, sys
import sentencepiece as spm
from tokenizer.train import TrainConfig
text_file, out, vocab, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
args = TrainConfig(vocab_size=vocab).trainer_args(threads)
spm.SentencePieceTrainer.train(input=text_file, model_prefix=out, minloglevel=2, **args)
"""


def _child(code: str, *args: str) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of a Python child running `code`."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": ROOT})
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if process.returncode:
        raise SystemExit(f"child failed with status {process.returncode}")
    return seconds, usage.ru_maxrss * 1024


def bench_training(corpus: str, texts: list[str], work: str, vocab: int, threads: int) -> dict:
    text_file = os.path.join(work, "train.txt")
    with open(text_file, "w", encoding="utf-8") as handle:
        for text in texts:  # what our trainer feeds: every non-empty line
            handle.writelines(line + "\n" for line in text.split("\n") if line)
    raw_seconds, raw_rss = _child(_TRAIN_RAW, text_file, os.path.join(work, "raw"), str(vocab), str(threads))
    ours_seconds, ours_rss = _child(_TRAIN_OURS, corpus, os.path.join(work, "tok"), str(vocab), str(threads))
    with open(os.path.join(work, "tok", "training.json")) as handle:
        report = json.load(handle)
    return {"raw_seconds": raw_seconds, "raw_rss": raw_rss, "ours_seconds": ours_seconds, "ours_rss": ours_rss,
            "report": report}


# --- tokenize ------------------------------------------------------------------------


def bench_tokenize(corpus: str, texts: list[str], text_bytes: int, model: str, work: str, threads: int,
                   repeats: int) -> dict:
    import shutil

    import sentencepiece as spm

    from tokenizer.encode import ENCODE_BATCH_BYTES, ENCODE_BATCH_DOCS
    from tokenizer.tokenize import TokenizeConfig, tokenize_corpus

    processor = spm.SentencePieceProcessor(model_file=model)
    # The baseline encodes in the batches tokenize_corpus uses (≥ 4 MB or 8,192 documents):
    # one call on everything would hold every id as a Python int at once (17M ints for 50 MB,
    # ~0.6 GB), and that slows the baseline down rather than measuring encoding.
    batches, batch, batch_bytes = [], [], 0
    for text in texts:
        batch.append(text)
        batch_bytes += len(text.encode("utf-8"))
        if batch_bytes >= ENCODE_BATCH_BYTES or len(batch) >= ENCODE_BATCH_DOCS:
            batches.append(batch)
            batch, batch_bytes = [], 0
    if batch:
        batches.append(batch)
    raw, ours, raw_cpu, ours_cpu, manifest = [], [], [], [], None
    for attempt in range(repeats):
        started, cpu = time.monotonic(), time.process_time()
        for batch in batches:
            processor.encode(batch, num_threads=threads)
        raw.append(time.monotonic() - started)
        raw_cpu.append(time.process_time() - cpu)
        out = os.path.join(work, f"tokens-{attempt}")
        started, cpu = time.monotonic(), time.process_time()
        manifest = tokenize_corpus([corpus], model, out, TokenizeConfig(), threads=threads, progress=False,
                                   log=lambda _: None)
        ours.append(time.monotonic() - started)
        ours_cpu.append(time.process_time() - cpu)
        shutil.rmtree(out)
    # Medians: on a shared machine one lucky or unlucky run should not decide the ratio.
    return {"raw_mbs": text_bytes / 1e6 / statistics.median(raw), "ours_mbs": text_bytes / 1e6 / statistics.median(ours),
            "raw_runs": raw, "ours_runs": ours, "raw_cpu": statistics.median(raw_cpu),
            "ours_cpu": statistics.median(ours_cpu),
            "tokens": manifest["tokens"], "documents": manifest["documents"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50, help="Megabytes of text (default: %(default)s).")
    parser.add_argument("--threads", type=int, default=2, help="Threads for both sides (default: %(default)s).")
    parser.add_argument("--repeats", type=int, default=5, help="Tokenize runs per side (default: %(default)s).")
    parser.add_argument("--vocab-size", type=int, default=32_000, help="Tokenizer size (default: %(default)s).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-tokenize-") as work:
        corpus = os.path.join(work, "corpus")
        started = time.monotonic()
        texts, text_bytes = build_corpus(corpus, args.mb)
        print(f"corpus: {len(texts):,} documents, {text_bytes / 1e6:.1f} MB of text "
              f"(stdlib sources + /usr/share/doc), built in {time.monotonic() - started:.1f} s")

        training = bench_training(corpus, texts, work, args.vocab_size, args.threads)
        report = training["report"]
        print(f"\ntrain-tokenizer, vocab {args.vocab_size:,}, {args.threads} threads, "
              f"{report['sample']['bytes'] / 1e6:.1f} MB sample:")
        print(f"  sentencepiece alone: {training['raw_seconds']:6.1f} s  peak RSS {training['raw_rss'] / 1e6:6.0f} MB")
        print(f"  dataprep:            {training['ours_seconds']:6.1f} s  peak RSS {training['ours_rss'] / 1e6:6.0f} MB"
              f"   (ratio {training['ours_seconds'] / training['raw_seconds']:.2f}x time, "
              f"{training['ours_rss'] / training['raw_rss']:.2f}x RSS; in-process figures: "
              f"{report['seconds']:.1f} s, {report['peak_rss_bytes'] / 1e6:.0f} MB)")
        print(f"  character coverage {report['character_coverage']['covered']:.5f} "
              f"(configured {report['character_coverage']['configured']})")
        print("  issue's measured baseline: 7.7 s, 414 MB on 2 threads")

        result = bench_tokenize(corpus, texts, text_bytes, os.path.join(work, "tok", "tokenizer.model"), work,
                                args.threads, args.repeats)
        print(f"\ntokenize, {args.threads} threads, {result['documents']:,} documents → {result['tokens']:,} tokens:")
        print(f"  SentencePieceProcessor.encode: {result['raw_mbs']:6.2f} MB/s (median)  runs "
              f"{', '.join(f'{s:.1f}' for s in result['raw_runs'])} s")
        print(f"  dataprep tokenize end to end:  {result['ours_mbs']:6.2f} MB/s (median)  runs "
              f"{', '.join(f'{s:.1f}' for s in result['ours_runs'])} s")
        print(f"  ratio {result['ours_mbs'] / result['raw_mbs']:.3f} (goal ≥ 0.90)")
        print(f"  CPU seconds (all threads, median run): sentencepiece {result['raw_cpu']:.1f}, dataprep "
              f"{result['ours_cpu']:.1f}: ratio {result['raw_cpu'] / result['ours_cpu']:.3f} (less sensitive to "
              "other load on the machine than wall time)")


if __name__ == "__main__":
    main()
