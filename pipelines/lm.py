"""Beam side of the n-gram LM: counting for `dataprep train-lm`, and the `perplexity` stage with
per-language percentile buckets.

Counting (the part that grows with the corpus; the lmplz steps of dataprep/lm/kn.py):

    docs | CountNgrams(order, tokenizer) → (ngram, adjusted count), every order

Raw counts of the n-grams `sentence_ngrams` yields are summed with CombinePerKey; the adjusted
(continuation) count of a lower-order n-gram is the number of distinct n-grams one longer that
end with it, so each order is one more CombinePerKey over the distinct keys of the order above.
No GroupByKey holds a key's values, so a Wikipedia's ~10^8 distinct 5-grams only cost shuffle.
`CountsOfCounts` gives each order's t1…t4 (the KN discounts' inputs) and n-gram total.

Buckets: with `cutoffs` given, the stage buckets each document by itself. Otherwise every
document is scored first, each language's cut-offs come from `ApproximateQuantiles` (MRL98,
1001 quantiles: rank error ≤ 0.1%, so a 30/30/40 split is exact to ±0.1% of the documents plus
ties), and `_BucketFn` applies the same `bucket_of` and `verdict` the stage uses.
"""

from __future__ import annotations

import dataclasses
import typing

import apache_beam as beam
from apache_beam.transforms.stats import ApproximateQuantiles
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from dataprep.document import Document, Drop
from dataprep.lm.kn import counts_of_counts, sentence_ngrams
from dataprep.lm.stage import BUCKETS, Perplexity, PerplexityConfig, bucket_of, verdict
from dataprep.lm.text import PieceTokenizer
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage, Router

NUM_QUANTILES = 1001
QUANTILE_RANK_ERROR = 1 / NUM_QUANTILES


class _RawNgramsFn(beam.DoFn):
    """Documents → (ngram, count in this bundle) for every n-gram lmplz counts in their paragraphs.

    Counted in a dict per bundle and emitted at its end (or every MAX_BUNDLE_NGRAMS distinct
    n-grams, bounding memory): one element per distinct n-gram instead of one per token, since
    Beam's cost per element (µs) exceeds a dict update's. bench/lm.py, 5,000 documents (3.1M
    tokens), one process: 272k tokens/s for the whole CountNgrams graph, SentencePiece included.
    """

    MAX_BUNDLE_NGRAMS = 1_000_000  # ~200 MB of tuples at most

    def __init__(self, order: int, tokenizer: str):
        self.order = order
        self.tokenizer = tokenizer

    def setup(self):
        self._pieces = PieceTokenizer(self.tokenizer)

    def start_bundle(self):
        self._counts: dict = {}

    def process(self, doc: Document):
        counts = self._counts
        for sentence in self._pieces.sentences(doc.text):
            for gram in sentence_ngrams(sentence, self.order):
                counts[gram] = counts.get(gram, 0) + 1
        if len(counts) >= self.MAX_BUNDLE_NGRAMS:
            yield from self._flush()

    def finish_bundle(self):
        for item in self._flush():
            yield WindowedValue(item, MIN_TIMESTAMP, [GlobalWindow()])

    def _flush(self):
        counts, self._counts = self._counts, {}
        yield from counts.items()


class CountNgrams(beam.PTransform):
    """Documents → (ngram tuple, adjusted count) for orders 1…order."""

    def __init__(self, order: int, tokenizer: str, label: str | None = None):
        super().__init__(label=label)
        self.order = order
        self.tokenizer = tokenizer

    def expand(self, docs):
        raw = (docs
               | "Ngrams" >> beam.ParDo(_RawNgramsFn(self.order, self.tokenizer))  # (ngram, count in a bundle)
               | "RawCounts" >> beam.CombinePerKey(sum))  # (ngram, raw count)
        top = raw | f"Raw{self.order}" >> beam.Filter(lambda kv, n=self.order: len(kv[0]) == n)
        levels = [top]
        for n in range(self.order - 1, 0, -1):
            # Below the top order, raw n-grams all start with <s> (no suffix does): keys never clash.
            starts = raw | f"Raw{n}" >> beam.Filter(lambda kv, n=n: len(kv[0]) == n)  # (<s> …, raw count)
            continuation = (levels[-1]
                            | f"Suffix{n}" >> beam.Map(lambda kv: (kv[0][1:], 1))  # (suffix, 1)
                            | f"Continuation{n}" >> beam.CombinePerKey(sum))  # (ngram, distinct left words)
            levels.append((starts, continuation) | f"Adjusted{n}" >> beam.Flatten())
        return levels | "AllOrders" >> beam.Flatten()  # (ngram, adjusted count)


class _CountsOfCountsFn(beam.CombineFn):
    """Adjusted counts of one order → [n-grams, t1, t2, t3, t4]."""

    def create_accumulator(self):
        return [0, 0, 0, 0, 0]

    def add_input(self, accumulator, count):
        t = counts_of_counts([count])
        return [accumulator[0] + 1] + [a + b for a, b in zip(accumulator[1:], t)]

    def merge_accumulators(self, accumulators):
        return [sum(values) for values in zip(*accumulators)]

    def extract_output(self, accumulator):
        return accumulator


class CountsOfCounts(beam.PTransform):
    """(ngram, adjusted count) → (order, [n-grams, t1, t2, t3, t4])."""

    def expand(self, counts):
        return (counts
                | "ByOrder" >> beam.Map(lambda kv: (len(kv[0]), kv[1]))  # (order, adjusted count)
                | "Combine" >> beam.CombinePerKey(_CountsOfCountsFn()))


# --- perplexity and buckets ----------------------------------------------------------------


class PerplexityResult(typing.NamedTuple):
    kept: beam.PCollection  # Document with metadata.perplexity (and perplexity_bucket)
    dropped: beam.PCollection  # Document (audit form)
    stats: beam.PCollection  # ((stage, outcome), (docs, chars_in, chars_out, kept_digest))
    cutoffs: beam.PCollection  # (lang, [head/middle, middle/tail]); computed or given


def cutoffs_of(quantiles: list, percentiles) -> list[float]:
    """The perplexities at `percentiles` from ApproximateQuantiles' evenly ranked values."""
    last = len(quantiles) - 1
    return [quantiles[round(p / 100 * last)] for p in percentiles]


class _BucketFn(beam.DoFn):
    def __init__(self, config: PerplexityConfig):
        self.config = config

    def setup(self):
        self._router = Router(Perplexity.name)

    def process(self, doc: Document, cutoffs: dict):
        value = doc.metadata.get("perplexity")
        if value is None:  # a language without a model: kept unscored
            yield from self._router.route(doc, doc)
            return
        bucket = bucket_of(value, cutoffs[doc.metadata.get("lang") or ""])
        fields = {"perplexity": value, "perplexity_bucket": bucket}
        result = verdict(self.config, value, bucket)
        yield from self._router.route(doc, doc.with_metadata(**fields) if result is None else Drop(*result, fields))


class PerplexityFilter(beam.PTransform):
    """Documents → `PerplexityResult`: scored, bucketed by given or computed cut-offs, filtered."""

    def __init__(self, config: PerplexityConfig, label: str | None = None):
        super().__init__(label=label)
        self.config = config

    def expand(self, docs):
        config = self.config
        if config.cutoffs:
            result = docs | "Score" >> ApplyStage(Perplexity(config))
            cutoffs = docs.pipeline | "Cutoffs" >> beam.Create(sorted(config.cutoffs.items()))
            return PerplexityResult(result[KEPT], result[DROPPED], result[STATS], cutoffs)
        # Score only (no rule but the empty-text drop), then bucket with the corpus' cut-offs.
        score_only = dataclasses.replace(config, keep=BUCKETS, max_perplexity=None)
        scored = docs | "Score" >> ApplyStage(Perplexity(score_only))
        cutoffs = (
            scored[KEPT]
            | "LangPerplexity" >> beam.FlatMap(
                lambda d: [(d.metadata.get("lang") or "", d.metadata["perplexity"])]
                if "perplexity" in d.metadata else [])  # (lang, perplexity)
            | "Quantiles" >> ApproximateQuantiles.PerKey(NUM_QUANTILES)  # (lang, [perplexity, ...])
            | "Cutoffs" >> beam.MapTuple(lambda lang, q: (lang, cutoffs_of(q, config.percentiles)))  # (lang, [c1, c2])
        )
        bucketed = scored[KEPT] | "Bucket" >> beam.ParDo(
            _BucketFn(config), cutoffs=beam.pvalue.AsDict(cutoffs)).with_outputs(DROPPED, STATS, main=KEPT)
        score_drops = scored[STATS] | "ScoreDrops" >> beam.Filter(lambda kv: kv[0][1] != KEPT)
        stats = (score_drops, bucketed[STATS]) | "AllStats" >> beam.Flatten()
        dropped = (scored[DROPPED], bucketed[DROPPED]) | "AllDropped" >> beam.Flatten()
        return PerplexityResult(bucketed[KEPT], dropped, stats, cutoffs)
