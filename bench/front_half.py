"""Front-half throughput: `dataprep run` on Beam vs the same libraries in a plain loop.

Both sides do the same work on the same documents: read the WARC/JSONL/Parquet records,
extract with trafilatura, run the harmful-content filter, fastText language ID and the
heuristic presets of the quickstart recipe. The loop calls trafilatura in-process (no
isolation, no time limit), so the ratio also prices our child-process isolation.

Each measurement runs in its own process so peak RSS is its own. The sample data is small
(~800 records), so it is repeated (--repeat copies of the input files, distinct ids) to
make Beam's fixed start-up cost a fair share of the run, as it is on real inputs.

    python bench/front_half.py [--repeat 4]

Prints documents/s for the loop and for the pipeline in-process (the default local runner),
with 1 and with 2 SDK worker processes (multi_processing), the ratios (goal: in-process/loop
≥ 0.90; 2 worker processes ≥ 1.8× one), and peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPE = os.path.join(ROOT, "recipes", "quickstart.yaml")


def replicate_inputs(workdir: str, repeat: int) -> None:
    """`repeat` copies of each quickstart input file under workdir/input/<source>/."""
    from dataprep.cli.recipe import load_recipe
    from pipelines.read import expand_input

    for item in load_recipe(RECIPE).inputs:
        folder = os.path.join(workdir, "input", item.source)
        os.makedirs(folder)
        for file in expand_input(item):
            for copy in range(repeat):
                shutil.copy(file.path, os.path.join(folder, f"{copy}-{file.location.replace('/', '_')}"))


def recipe_over(workdir: str):
    """The quickstart recipe's front half (no dedup, no tokenizer) reading the replicated inputs."""
    from dataprep.cli.recipe import load_recipe

    recipe = load_recipe(RECIPE)
    inputs = tuple(
        dataclasses.replace(item, paths=(os.path.join(workdir, "input", item.source, "*"),)) for item in recipe.inputs
    )
    return dataclasses.replace(recipe, inputs=inputs, dedup=None, tokenizer=None)


def plain_loop(recipe) -> int:
    """The same libraries called directly: warcio/json/pyarrow, trafilatura, fastText, filters."""
    from dataprep.cli.run import corpus_graph
    from dataprep.document import Drop
    from dataprep.extract import ExtractError, extract_text
    from dataprep.readers import ReaderOptions, ReadFailure, read_records
    from pipelines.read import expand_input

    stages = corpus_graph(recipe).stages
    for stage in stages:
        stage.setup()
    config = dataclasses.replace(recipe.extract, isolate=False)
    records = 0
    for item in recipe.inputs:
        for file in expand_input(item):
            path, location = file.path, file.location
            with open(path, "rb") as handle:
                for record in read_records(handle, path, location, item.source, item.format, ReaderOptions()):
                    records += 1
                    if isinstance(record, ReadFailure):
                        continue
                    if record.payload is not None:
                        try:
                            text = extract_text(record.payload, record.content_type, record.url, config)["text"]
                        except ExtractError:
                            continue
                        record = dataclasses.replace(record, text=text, payload=None, content_type=None)
                    for stage in stages:
                        record = stage.apply(record)
                        if isinstance(record, Drop):
                            break
    return records


def pipeline(recipe, output: str, workers: int) -> int:
    """workers 0: the default in-process runner; N ≥ 1: N SDK worker processes."""
    from dataprep.cli.run import run_recipe

    recipe = dataclasses.replace(recipe, output=dataclasses.replace(recipe.output, path=output))
    flags = [] if workers == 0 else [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]
    paths = run_recipe(recipe, flags)
    with open(paths["stats"]) as handle:
        return json.load(handle)["stages"][0]["docs_in"]


def _child(kind: str, workdir: str, workers: int) -> None:
    import logging

    logging.disable(logging.WARNING)
    recipe = recipe_over(workdir)
    start = time.perf_counter()
    if kind == "loop":
        records = plain_loop(recipe)
    else:
        records = pipeline(recipe, os.path.join(workdir, f"out-{workers}"), workers)
    seconds = time.perf_counter() - start
    print(json.dumps({"records": records, "seconds": seconds}))


def _measure(kind: str, workdir: str, workers: int = 1) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--workdir", workdir, "--workers", str(workers)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest single descendant (KiB on Linux).
    result["peak_rss_mb"] = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=4, help="Copies of the sample inputs (default 4).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.workdir, args.workers)
        return

    workdir = tempfile.mkdtemp(prefix="dataprep-bench-")
    try:
        replicate_inputs(workdir, args.repeat)
        loop = _measure("loop", workdir)
        in_process = _measure("pipeline", workdir, workers=0)
        one = _measure("pipeline", workdir, workers=1)
        two = _measure("pipeline", workdir, workers=2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def rate(result):
        return result["records"] / result["seconds"]

    print(f"records: {loop['records']} (sample_data × {args.repeat}); cores: {os.cpu_count()}")
    print(f"{'run':<30} {'docs/s':>8} {'seconds':>8} {'peak RSS MB':>12}")
    runs = (("plain loop", loop), ("pipeline, in-process", in_process),
            ("pipeline, 1 worker process", one), ("pipeline, 2 worker processes", two))
    for name, result in runs:
        print(f"{name:<30} {rate(result):>8.1f} {result['seconds']:>8.1f} {result['peak_rss_mb']:>12.0f}")
    print(f"pipeline in-process / loop:          {rate(in_process) / rate(loop):.2f}   (goal ≥ 0.90)")
    print(f"2 worker processes / 1 (same mode):  {rate(two) / rate(one):.2f}   (goal ≥ 1.8)")
    print(f"2 worker processes / in-process:     {rate(two) / rate(in_process):.2f}")


if __name__ == "__main__":
    main()
