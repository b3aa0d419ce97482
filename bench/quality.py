"""Quality classifier throughput: the `quality_classifier` stage vs `model.predict` in a plain loop
on the same texts, and the model's size on disk.

The texts are sample_data/quality's 188 real pages (≤ 4,000 characters each), cycled to --docs.
The model is trained here by `dataprep.quality.train` with the default TrainConfig (bigrams,
dim 64, bucket 200,000) unless --bucket/--dim say otherwise. The baseline is what a user would
write: `model.predict(text.replace("\\n", " "), k=-1)` (fastText refuses newlines); the stage also
lowercases, folds digits, rounds and writes metadata.quality.<name>. A third line runs the
stage inside Beam (ApplyStage on the FnApiRunner), to show what the runner adds, and a fourth
line the plain loop on normalized text, the input the model needs (the normalization is most of
the stage's cost: measured ~75 µs of a 3 KB page vs ~76 µs for predict itself).

    python bench/quality.py [--docs 20000] [--repeats 3]

Prints documents/s for each and the ratio stage / baseline (goal ≥ 0.9).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time

from dataprep.document import Document
from dataprep.quality import QualityClassifier, QualityConfig, TrainConfig, normalize, train
from dataprep.langid import load_model

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample_data", "quality")


def load(side: str) -> list[tuple[str, str]]:
    with gzip.open(os.path.join(SAMPLE, f"{side}.jsonl.gz"), "rt", encoding="utf-8") as handle:
        return [(row["id"], row["text"]) for row in map(json.loads, handle)]


def best_rate(run, count: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bucket", type=int, default=TrainConfig.bucket)
    parser.add_argument("--dim", type=int, default=TrainConfig.dim)
    args = parser.parse_args()

    positives, negatives = load("positive"), load("negative")
    pages = positives + negatives
    docs = [Document(id=f"{i}", text=pages[i % len(pages)][1], source="web") for i in range(args.docs)]
    texts = [doc.text for doc in docs]
    with tempfile.TemporaryDirectory() as folder:
        metrics = train(positives, negatives, folder, TrainConfig(bucket=args.bucket, dim=args.dim))
        size = os.path.getsize(os.path.join(folder, "model.bin"))
        model = load_model(os.path.join(folder, "model.bin"))
        stage = QualityClassifier(QualityConfig(model=folder, mode="score"))
        stage.setup()
        print(f"model: bucket {args.bucket}, dim {args.dim}: {size / 1e6:.1f} MB on disk; "
              f"held-out ROC AUC {metrics['roc_auc']}")

        def plain():
            for text in texts:
                model.predict(text.replace("\n", " "), k=-1)

        def plain_normalized():
            for text in texts:
                model.predict(normalize(text), k=-1)

        def through_stage():
            for doc in docs:
                stage.apply(doc)

        def through_beam():
            import apache_beam as beam
            from apache_beam.runners.portability.fn_api_runner import FnApiRunner

            from pipelines.stage import ApplyStage

            with beam.Pipeline(runner=FnApiRunner()) as pipeline:
                _ = pipeline | beam.Create(docs) | ApplyStage(QualityClassifier(stage.config))

        base = best_rate(plain, len(texts), args.repeats)
        fair = best_rate(plain_normalized, len(texts), args.repeats)
        ours = best_rate(through_stage, len(docs), args.repeats)
        beam_rate = best_rate(through_beam, len(docs), 1)
    chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} documents, {chars:.0f} characters on average")
    print(f"model.predict loop : {base:10.0f} docs/s")
    print(f"predict(normalize) : {fair:10.0f} docs/s   (the same input the model was trained on)")
    print(f"stage.apply loop   : {ours:10.0f} docs/s   ratio {ours / base:.2f} vs predict, "
          f"{ours / fair:.2f} vs predict(normalize) (goal ≥ 0.9)")
    print(f"Beam ApplyStage    : {beam_rate:10.0f} docs/s   ratio {beam_rate / base:.2f} (FnApiRunner, 1 worker)")


if __name__ == "__main__":
    main()
