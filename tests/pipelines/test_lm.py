"""The LM on Beam: n-gram counting equals the in-memory lmplz steps, and computed per-language
cut-offs split a corpus 30/30/40 within the quantile combiner's error."""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from dataprep.document import Document
from dataprep.lm.kn import adjust_counts, counts_of_counts
from dataprep.lm.stage import PerplexityConfig
from pipelines.lm import QUANTILE_RANK_ERROR, CountNgrams, CountsOfCounts, PerplexityFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lm_fixture import CORPUS, make_lm_folder, raw_counts, train_tokenizer  # noqa: E402

pytestmark = pytest.mark.slow  # whole Beam pipelines


def corpus_docs() -> list[Document]:
    lines = CORPUS.read_text().splitlines()
    return [Document(id=f"d{i}", text="\n".join(lines[i:i + 5]), source="c") for i in range(0, len(lines), 5)]


def test_count_ngrams_equals_in_memory_adjusted_counts(tmp_path):
    tokenizer = train_tokenizer(tmp_path)
    docs = corpus_docs()
    levels = adjust_counts(raw_counts([d.text for d in docs], tokenizer, 4), 4)
    expected = [item for level in levels for item in level.items()]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        counts = pipeline | beam.Create(docs) | CountNgrams(4, str(tokenizer))
        assert_that(counts, equal_to(expected), label="Counts")
        t = counts | CountsOfCounts()
        assert_that(t, equal_to([(n, [len(level), *counts_of_counts(level.values())])
                                 for n, level in enumerate(levels, start=1)]), label="CountsOfCounts")


@pytest.fixture(scope="module")
def lm_folder(tmp_path_factory):
    return make_lm_folder(tmp_path_factory.mktemp("lm"))


def random_docs(count: int, lang: str) -> list[Document]:
    """Lines of corpus words in a seeded random order: a spread of perplexities."""
    words = CORPUS.read_text().split()
    rng = random.Random(lang)
    docs = []
    for i in range(count):
        start = rng.randrange(len(words) - 20)
        line = words[start:start + rng.randint(4, 16)]
        for _ in range(rng.randint(0, len(line))):  # shuffle some words: less likely text
            a, b = rng.randrange(len(line)), rng.randrange(len(line))
            line[a], line[b] = line[b], line[a]
        docs.append(Document(id=f"{lang}{i}", text=" ".join(line), source="web", metadata={"lang": lang}))
    return docs


def check_split(docs: list[Document], cutoffs: dict):
    """Per language: head/middle/tail shares within the rank error (+ documents tied at a cut-off)."""
    by_lang: dict[str, list[Document]] = {}
    for doc in docs:
        by_lang.setdefault(doc.metadata["lang"], []).append(doc)
    assert set(by_lang) == {"en", "fr"}
    for lang, group in by_lang.items():
        n = len(group)
        buckets = Counter(d.metadata["perplexity_bucket"] for d in group)
        values = [d.metadata["perplexity"] for d in group]
        for share, name, cutoff in ((0.3, "head", cutoffs[lang][0]), (0.6, None, cutoffs[lang][1])):
            below = buckets["head"] if name else buckets["head"] + buckets["middle"]
            ties = values.count(cutoff)
            assert abs(below / n - share) <= QUANTILE_RANK_ERROR + (ties + 1) / n, (lang, buckets, ties)
        for doc in group:  # the bucket agrees with the cut-offs
            value, bucket = doc.metadata["perplexity"], doc.metadata["perplexity_bucket"]
            assert bucket == ("head" if value < cutoffs[lang][0] else "middle" if value < cutoffs[lang][1] else "tail")


def test_computed_cutoffs_split_each_language_30_30_40(lm_folder):
    docs = random_docs(1500, "en") + random_docs(600, "fr")
    config = PerplexityConfig(models={"*": lm_folder})
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        result = pipeline | beam.Create(docs) | PerplexityFilter(config)
        assert_that(result.cutoffs | beam.Map(lambda kv: kv[0]), equal_to(["en", "fr"]), label="Langs")
        assert_that(result.dropped, equal_to([]), label="NoDrops")
        all_cut = result.cutoffs | "CutList" >> beam.combiners.ToList()
        kept = result.kept | "KeptList" >> beam.combiners.ToList()

        def check(pair):
            (kept_docs,), (cuts,) = pair
            check_split(kept_docs, dict(cuts))  # raises (failing the pipeline) on a wrong split
            return len(kept_docs)

        checked = ((kept | "K" >> beam.Map(lambda k: ("x", k)), all_cut | "C" >> beam.Map(lambda c: ("x", c)))
                   | beam.CoGroupByKey() | beam.MapTuple(lambda _, pair: check((pair[0], pair[1]))))
        assert_that(checked, equal_to([len(docs)]), label="Split")


def test_keep_head_and_middle_drops_the_tail_with_a_counted_reason(lm_folder):
    docs = random_docs(400, "en") + random_docs(200, "fr")
    config = PerplexityConfig(models={"*": lm_folder}, keep=("head", "middle"))
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        result = pipeline | beam.Create(docs) | PerplexityFilter(config)
        reasons = result.dropped | beam.Map(lambda d: (d.metadata["drop_reason"], d.metadata["perplexity_bucket"]))
        assert_that(reasons | "Distinct" >> beam.Distinct(), equal_to([("perplexity_bucket", "tail")]), label="Why")
        stats = (result.stats | beam.Map(lambda kv: (kv[0], kv[1][0])) | beam.CombinePerKey(sum)
                 | beam.Map(lambda kv: (kv[0][0], kv[0][1], 0.35 < kv[1] / 600 < 0.45 or 0.55 < kv[1] / 600 < 0.65)))
        assert_that(stats, equal_to([("perplexity", "kept", True), ("perplexity", "perplexity_bucket", True)]),
                    label="Stats")
