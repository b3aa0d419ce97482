"""Training a fastText quality classifier on one machine: balanced classes, a held-out split
chosen by document-id hash, reproducible with a seed and one thread.

The data is 10^5–10^6 documents (RedPajama-v1: ~300k reference pages per side), which fastText
trains in minutes on one core; sampling them out of a large corpus is a Beam job
(`pipelines.quality.SampleTrainingSet`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from typing import Iterable

from dataprep import fs
from dataprep.config import option, validate
from dataprep.quality.metrics import binary_metrics
from dataprep.quality.stage import LABEL_PREFIX, MODEL_FILE, NEGATIVE, POSITIVE, QualityClassifier, \
    QualityConfig, unit_hash
from dataprep.quality.text import normalize

METRICS_FILE = "metrics.json"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    word_ngrams: int = option(2, "Word n-grams (DCLM: bigrams; RedPajama: fastText's default 1).", range=(1, 5))
    dim: int = option(64, "Vector size (fastText default 100).", range=(2, 1000))
    epoch: int = option(5, "Passes over the training set (fastText default 5).", range=(1, 1000))
    lr: float = option(0.1, "Learning rate (fastText default 0.1).", range=(1e-6, 10))
    # The input matrix is (words + bucket) × dim floats: fastText's bucket 2,000,000 × dim 100
    # is an 800 MB model; 200,000 × 64 is ~51 MB, and n-grams beyond the bucket only collide.
    bucket: int = option(200_000, "Hash buckets of word n-grams (fastText default 2,000,000).", range=(1, None))
    min_count: int = option(1, "Minimum count of a word to get its own vector.", range=(1, None))
    quantize: bool = option(False, "Also quantize the model (product quantization, retrained: "
                            "KB-sized instead of MB, slightly less accurate).")
    heldout_fraction: float = option(0.1, "Fraction of documents held out for the metrics, by id hash.",
                                     range=(0.01, 0.5))
    max_per_side: int = option(500_000, "At most this many documents per class (sampled by id hash).",
                               range=(1, None))
    max_chars: int = option(20_000, "Characters of each document used (its beginning); fastText's lines "
                            "stay bounded.", range=(100, None))
    seed: int = option(1, "Seed of fastText and of the held-out split and the sampling.")

    def __post_init__(self) -> None:
        validate(self)


def is_heldout(doc_id: str, config: TrainConfig) -> bool:
    """Whether a document is in the held-out split: a hash of (seed, id), not arrival order."""
    return unit_hash("heldout", config.seed, doc_id) < config.heldout_fraction


def sample_key(doc_id: str, seed: int) -> float:
    """The order in which documents are sampled (the smallest keys win): a hash of (seed, id)."""
    return unit_hash("sample", seed, doc_id)


def balance(positives: list[tuple[str, str]], negatives: list[tuple[str, str]], config: TrainConfig):
    """Both classes cut to the same size (the smaller one's, at most max_per_side), keeping the
    documents with the smallest sample keys, in key order: a fixed order for fastText."""
    def first(docs):
        return sorted(docs, key=lambda doc: (sample_key(doc[0], config.seed), doc[0]))
    positives, negatives = first(positives), first(negatives)
    size = min(len(positives), len(negatives), config.max_per_side)
    return positives[:size], negatives[:size]


def fasttext_line(label: str, text: str, max_chars: int) -> str:
    return f"{LABEL_PREFIX}{label} {normalize(text[:max_chars])}\n"


def _interleave(positives: list, negatives: list) -> Iterable[tuple[str, tuple[str, str]]]:
    # Alternating classes: fastText's SGD sees both throughout an epoch, not one class last.
    for pos, neg in zip(positives, negatives):
        yield POSITIVE, pos
        yield NEGATIVE, neg


def _fit_main() -> None:
    """`python -c` entry of the training child: argv = train file, model file, config JSON."""
    import fasttext

    train_file, model_file, config = sys.argv[1], sys.argv[2], TrainConfig(**json.loads(sys.argv[3]))
    try:
        model = fasttext.train_supervised(
            input=train_file, wordNgrams=config.word_ngrams, dim=config.dim, epoch=config.epoch, lr=config.lr,
            bucket=config.bucket, minCount=config.min_count, thread=1, seed=config.seed, verbose=0)
    except RuntimeError as error:  # "Encountered NaN.": SGD diverged
        sys.exit(f"fastText: {error}")
    model.save_model(model_file)


def _fit_in_child(train_file: str, model_file: str, config: TrainConfig) -> None:
    """Train in a fresh process. fastText 0.9.2 (fasttext-numpy2-wheel) trained the same file
    to the same model in a fresh process every time, but after a few trainings in one process
    it stopped with "Encountered NaN." (measured: 2 of 6 runs, then all of them, on the sample
    set), so each training gets a clean interpreter (~0.5 s of start-up)."""
    command = [sys.executable, "-c", "from dataprep.quality.train import _fit_main; _fit_main()", train_file,
               model_file, json.dumps(dataclasses.asdict(config))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        error = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise ValueError(f"fastText training failed ({error}) with dim {config.dim}, bucket {config.bucket}, "
                         f"lr {config.lr}: try a lower lr or another dim")


def train(positives: list[tuple[str, str]], negatives: list[tuple[str, str]], output: str,
          config: TrainConfig | None = None) -> dict:
    """Train on (id, text) pairs of each class; write `model.bin` (and `model.ftz` when
    quantized) and `metrics.json` under `output`; return the metrics.

    Same inputs and config → the same model and metrics: one thread, a fixed seed and a
    training order decided by id hashes.
    """
    import fasttext

    config = config or TrainConfig()
    positives, negatives = balance(positives, negatives, config)
    if not positives:
        raise ValueError("training needs documents of both classes; one side is empty")
    split = {"train": {POSITIVE: [], NEGATIVE: []}, "heldout": {POSITIVE: [], NEGATIVE: []}}
    for label, (doc_id, text) in _interleave(positives, negatives):
        split["heldout" if is_heldout(doc_id, config) else "train"][label].append((doc_id, text))
    heldout = split["heldout"]
    if not heldout[POSITIVE] or not heldout[NEGATIVE]:
        raise ValueError(f"the held-out split has {len(heldout[POSITIVE])} positive and {len(heldout[NEGATIVE])} "
                         "negative documents: give more documents or a larger heldout_fraction")
    fs.mkdirs(output)
    with tempfile.TemporaryDirectory() as tmp:
        train_file = os.path.join(tmp, "train.txt")
        with open(train_file, "w", encoding="utf-8") as handle:
            for label, (_, text) in _interleave(split["train"][POSITIVE], split["train"][NEGATIVE]):
                handle.write(fasttext_line(label, text, config.max_chars))
            # The hash split can leave one class a few documents longer than the other.
            shared = min(len(split["train"][POSITIVE]), len(split["train"][NEGATIVE]))
            for label in (POSITIVE, NEGATIVE):
                for _, text in split["train"][label][shared:]:
                    handle.write(fasttext_line(label, text, config.max_chars))
        local_model = os.path.join(tmp, MODEL_FILE)
        _fit_in_child(train_file, local_model, config)
        model = fasttext.load_model(local_model)
        files = {MODEL_FILE: local_model}
        if config.quantize:
            # Product quantization of the trained matrices, no retraining: fastText's retrain pass
            # diverged (NaN) on the 127-document sample set; without it the sample model's held-out
            # AUC went 0.8144 → 0.8139 at a fifth of the size (bucket 20,000, dim 32: 4.9 → 0.95 MB).
            model.quantize(input=train_file, retrain=False, thread=1, verbose=0)
            files["model.ftz"] = os.path.join(tmp, "model.ftz")
            model.save_model(files["model.ftz"])
        scorer = QualityClassifier(QualityConfig(model=local_model, mode="score"), model=model)
        metrics = binary_metrics([scorer.score(text[:config.max_chars]) for _, text in heldout[POSITIVE]],
                                 [scorer.score(text[:config.max_chars]) for _, text in heldout[NEGATIVE]])
        metrics.update({
            "scored_with": "model.ftz" if config.quantize else MODEL_FILE,
            "model_bytes": {name: os.path.getsize(path) for name, path in files.items()},
            "documents": {part: {label: len(docs) for label, docs in split[part].items()} for part in split},
            "config": dataclasses.asdict(config),
        })
        for name, path in files.items():
            with open(path, "rb") as handle:
                fs.write_atomic(fs.join(output, name), handle.read())
    fs.write_atomic(fs.join(output, METRICS_FILE), (json.dumps(metrics, indent=2) + "\n").encode("utf-8"))
    return metrics
