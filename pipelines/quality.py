"""Beam side of classifier-based quality filtering: the `quality_classifier` stage, the per-source
top-fraction cut, the score statistics, and the training-set sampler.

    result = docs | "Quality" >> QualityFilter(config)   # QualityResult(kept, dropped, stats, score_stats)

The model loads once per worker process in `setup()` (`dataprep.quality` shares it between the
threads' DoFns). `min_score` and `pareto` decide per document inside the stage;
`keep_top_fraction` first scores everything, computes each source's cut-off with Beam's
`ApproximateQuantiles` (MRL98) and then filters, so the decision depends on the whole source.
"""

from __future__ import annotations

import dataclasses
import typing

import apache_beam as beam
from apache_beam.transforms.stats import ApproximateQuantiles

from dataprep import fs
from dataprep.document import Document, Drop
from dataprep.quality.stage import REASON_NOT_TOP, QualityClassifier, QualityConfig, get_score, unit_hash
from dataprep.quality.train import sample_key
from pipelines import standalone
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage, Router
from pipelines.write import WriteJson, WriteShards, WriteStats

# 1001 quantiles = every 0.1% of a source's ranks. Beam states the combiner's rank error as
# 1/num_quantiles, so the cut-off sits within N/1001 documents (+1, the cut-off's own rank) of
# its exact rank: keep_top_fraction 0.1 keeps 10% ± 0.1% of a large source. Keys are
# (score, hash) pairs, so tied scores do not widen that.
NUM_QUANTILES = 1001
QUANTILE_RANK_ERROR = 1 / NUM_QUANTILES
HISTOGRAM_BINS = 20
_KEEP_NONE = (2.0, 0.0)  # above every (score, tie-break) key: a fraction that rounds to 0 documents


class QualityResult(typing.NamedTuple):
    kept: beam.PCollection  # Document, with metadata.quality.<name>
    dropped: beam.PCollection  # Document (audit form: drop_reason, the score)
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out, kept_digest))
    score_stats: beam.PCollection  # (source, {count, mean, histogram, [cut-off]}), one per source


def rank_key(doc: Document, config: QualityConfig) -> tuple[float, float]:
    """(score, tie-break): a total order, so a top fraction is a fraction even when many
    documents share a score (a confident model gives many exactly 1.0)."""
    return get_score(doc, config.name), unit_hash("top", config.seed, doc.id)


def cutoff_of(quantiles: list, fraction: float) -> tuple[float, float]:
    """The smallest (score, tie-break) key that is kept, from `ApproximateQuantiles` output:
    1001 evenly ranked keys (a source with fewer documents gets its keys repeated, measured
    on Beam 2.77, so the same index works for every size)."""
    if fraction == 0:
        return _KEEP_NONE
    return tuple(quantiles[round((1 - fraction) * (len(quantiles) - 1))])


class _ScoreStatsFn(beam.CombineFn):
    """Scores → {count, mean, histogram (20 bins over [0, 1])}."""

    def create_accumulator(self):
        return 0, 0.0, [0] * HISTOGRAM_BINS

    def add_input(self, accumulator, score):
        count, total, bins = accumulator
        bins[min(int(score * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
        return count + 1, total + score, bins

    def merge_accumulators(self, accumulators):
        count, total, bins = 0, 0.0, [0] * HISTOGRAM_BINS
        for c, t, b in accumulators:
            count, total, bins = count + c, total + t, [x + y for x, y in zip(bins, b)]
        return count, total, bins

    def extract_output(self, accumulator):
        count, total, bins = accumulator
        # The sum's float order differs by runner; rounded, the mean is the same bytes everywhere.
        return {"count": count, "mean": round(total / count, 6) if count else None, "histogram": bins}


class _KeepTopFn(beam.DoFn):
    """Scored documents + each source's cut-off → kept, or dropped as quality_not_top_fraction."""

    def __init__(self, config: QualityConfig):
        self.config = config

    def setup(self):
        self._router = Router(QualityClassifier.name)

    def process(self, doc: Document, cutoffs: dict):
        cutoff = cutoffs[doc.source]
        if rank_key(doc, self.config) >= cutoff:
            result = doc
        else:
            score = get_score(doc, self.config.name)
            result = Drop(REASON_NOT_TOP, f"score {score} below the top {self.config.keep_top_fraction} of "
                          f"{doc.source} (cut-off {cutoff[0]})")
        yield from self._router.route(doc, result)


def _with_cutoff(source: str, joined: dict, fraction: float = 0.0):
    """(source, {stats: [s], cutoff: [c]}) → (source, s with the cut-off recorded)."""
    (stats,), (cutoff,) = joined["stats"], joined["cutoff"]
    return source, {**stats, "keep_top_fraction": fraction, "cutoff": cutoff[0] if cutoff != _KEEP_NONE else None,
                    "quantile_rank_error": round(QUANTILE_RANK_ERROR, 6)}


class QualityFilter(beam.PTransform):
    """Documents → `QualityResult`: scored by the fastText model, filtered by the config's rule
    (`mode: score` drops nothing)."""

    def __init__(self, config: QualityConfig, label: str | None = None):
        super().__init__(label=label)
        self.config = config

    def expand(self, docs):
        config = self.config
        top = config.mode == "filter" and config.keep_top_fraction is not None
        score_config = dataclasses.replace(config, mode="score", keep_top_fraction=None) if top else config
        scored = docs | "Score" >> ApplyStage(QualityClassifier(score_config))  # Document with its score
        all_scored = (scored[KEPT], scored[DROPPED]) | "AllScored" >> beam.Flatten()  # Document
        score_stats = (
            all_scored
            | "SourceScore" >> beam.Map(lambda d: (d.source, get_score(d, config.name)))  # (source, score)
            | "ScoreStats" >> beam.CombinePerKey(_ScoreStatsFn())  # (source, stats)
        )
        if not top:
            return QualityResult(scored[KEPT], scored[DROPPED], scored[STATS], score_stats)
        fraction = config.keep_top_fraction
        cutoffs = (
            scored[KEPT]
            | "RankKey" >> beam.Map(lambda d: (d.source, rank_key(d, config)))  # (source, (score, tie-break))
            | "Quantiles" >> ApproximateQuantiles.PerKey(NUM_QUANTILES)  # (source, [key, ...])
            | "Cutoff" >> beam.MapTuple(lambda source, q: (source, cutoff_of(q, fraction)))  # (source, key)
        )
        filtered = scored[KEPT] | "KeepTop" >> beam.ParDo(
            _KeepTopFn(config), cutoffs=beam.pvalue.AsDict(cutoffs)).with_outputs(DROPPED, STATS, main=KEPT)
        score_stats = (
            {"stats": score_stats, "cutoff": cutoffs}
            | "JoinCutoff" >> beam.CoGroupByKey()  # (source, {stats: [s], cutoff: [c]})
            | "WithCutoff" >> beam.MapTuple(_with_cutoff, fraction)  # (source, stats with cut-off)
        )
        return QualityResult(filtered[KEPT], filtered[DROPPED], filtered[STATS], score_stats)


def score_stats_document(rows: list) -> dict:
    """[(source, stats)] → {"sources": {source: stats}} in source order (quality_stats.json)."""
    return {"histogram_bins": HISTOGRAM_BINS, "sources": dict(sorted(rows))}


# --- the training set ------------------------------------------------------------------------


def _thresholds(positive_keys: list, negative_keys: list, max_per_side: int):
    """The largest sample key kept on each side: both sides cut to the smaller one's size."""
    size = min(len(positive_keys), len(negative_keys), max_per_side)
    if size == 0:
        return None, None
    return sorted(positive_keys)[size - 1], sorted(negative_keys)[size - 1]


class SampleTrainingSet(beam.PTransform):
    """(positives, negatives) → the same pair, balanced: N documents of each, N = the smaller
    side's size capped at `max_per_side`, chosen by the smallest hashes of (seed, id) — a
    uniform sample that is the same on every runner. Only (key, id) pairs are gathered
    (10^6 of them are ~100 MB), never the documents."""

    def __init__(self, max_per_side: int, seed: int, label: str | None = None):
        super().__init__(label=label)
        self.max_per_side = max_per_side
        self.seed = seed

    def expand(self, sides):
        positives, negatives = sides
        seed, size = self.seed, self.max_per_side

        def smallest(docs, name):
            return (docs
                    | f"{name}Key" >> beam.Map(lambda d: (sample_key(d.id, seed), d.id))  # (key, id)
                    | f"{name}Smallest" >> beam.combiners.Top.Smallest(size))  # [(key, id), ...]

        pos_keys, neg_keys = smallest(positives, "Positive"), smallest(negatives, "Negative")
        thresholds = pos_keys | "Balance" >> beam.Map(_thresholds, beam.pvalue.AsSingleton(neg_keys), size)

        def keep(docs, name, side):
            return docs | f"{name}Sample" >> beam.Filter(
                lambda d, t: t[side] is not None and (sample_key(d.id, seed), d.id) <= t[side],
                beam.pvalue.AsSingleton(thresholds))

        return keep(positives, "Positive", 0), keep(negatives, "Negative", 1)


# --- standalone graphs (`dataprep quality`, `dataprep train-quality`) ------------------------


def build_standalone(pipeline, inputs: list, config: QualityConfig, output: str, shards: int,
                     write_dropped: bool = True) -> dict:
    """Read `inputs`, score and filter, write; returns the output paths.

    Layout (pipelines/standalone.py) plus quality_stats.json (per source: score histogram, mean,
    top-fraction cut-off) and quality.json (the settings, written by the command).
    """
    paths, result = standalone.build(pipeline, inputs, "Quality" >> QualityFilter(config), [QualityClassifier.name],
                                     output, shards, write_dropped,
                                     {"quality_stats": "quality_stats.json", "settings": "quality.json"})
    result.score_stats | "WriteScoreStats" >> WriteJson(paths["quality_stats"], score_stats_document)
    return paths


def build_training_set(pipeline, positives: list, negatives: list, max_per_side: int, seed: int, output: str,
                       shards: int = 4) -> dict:
    """Read both sides, sample them balanced by hash, write them as Parquet shards under
    `output/positive` and `output/negative` (read back in shard order for training)."""
    pos, _, pos_stats = standalone.read_corpus(pipeline, positives, "Positive")
    neg, _, neg_stats = standalone.read_corpus(pipeline, negatives, "Negative")
    pos, neg = (pos, neg) | "Sample" >> SampleTrainingSet(max_per_side, seed)
    paths = {"positive": fs.join(output, "positive"), "negative": fs.join(output, "negative"),
             "stats": fs.join(output, "stats.json")}
    pos | "WritePositive" >> WriteShards(paths["positive"], "positive", shards)
    neg | "WriteNegative" >> WriteShards(paths["negative"], "negative", shards)
    ((*pos_stats, *neg_stats) | "AllStats" >> beam.Flatten() | "WriteStats" >> WriteStats(paths["stats"], ["read"]))
    return paths
