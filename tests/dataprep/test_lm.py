"""The n-gram LM core: our Kneser-Ney estimator against KenLM's lmplz, our ARPA scorer against
the kenlm module, and the perplexity stage's buckets and drop reasons on literal documents."""

from __future__ import annotations

import gzip
import math
import sys
from collections import Counter
from pathlib import Path

import kenlm
import pytest

from dataprep.config import ConfigError
from dataprep.document import Document, Drop
from dataprep.lm.arpa import ArpaError, ArpaScorer, arpa_bytes, parse_arpa, read_arpa
from dataprep.lm.kn import FALLBACK_DISCOUNTS, adjust_counts, estimate, sentence_ngrams
from dataprep.lm.stage import Perplexity, PerplexityConfig, perplexity
from dataprep.lm.text import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lm_fixture import make_lm_folder  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "lm"
# lmplz keeps float32 values and prints ~8 digits; we print 7: measured max |Δ log10| 7e-7.
LOG10_TOLERANCE = 1e-6


def train(path: Path, order: int = 5, prune: bool = False):
    raw = Counter()
    for line in path.read_text().splitlines():
        raw.update(sentence_ngrams(line.split(), order))
    return estimate(adjust_counts(raw, order), prune=prune)


def assert_same_model(ours: bytes, reference: Path):
    order, probs, backoffs = parse_arpa(ours.decode())
    ref_order, ref_probs, ref_backoffs = read_arpa(str(reference))
    assert order == ref_order
    assert set(probs) == set(ref_probs)
    assert max(abs(probs[g] - ref_probs[g]) for g in probs) < LOG10_TOLERANCE
    assert set(backoffs) == set(ref_backoffs)
    assert max(abs(backoffs[g] - ref_backoffs[g]) for g in backoffs) < LOG10_TOLERANCE


@pytest.mark.parametrize("prune, reference", [(False, "lmplz-o5.arpa.gz"), (True, "lmplz-o5-prune.arpa.gz")])
def test_arpa_probabilities_equal_lmplz(prune, reference):
    model = train(DATA / "corpus.txt", prune=prune)
    assert_same_model(arpa_bytes(model), DATA / reference)
    # Enough data for real discounts at every order (none is the fallback).
    assert FALLBACK_DISCOUNTS not in model.discounts


def test_tiny_data_takes_lmplz_fallback_discounts():
    model = train(DATA / "tiny.txt")
    # lmplz: "Substituting fallback discounts for order 3 … order 4" (0-based: the 4- and 5-grams).
    assert model.discounts[3] == model.discounts[4] == FALLBACK_DISCOUNTS
    assert FALLBACK_DISCOUNTS not in model.discounts[:3]
    assert model.discounts[2][2] == 3.0  # no 3-gram with count 4: D(3+) = 3, in range, kept as lmplz does
    assert_same_model(arpa_bytes(model), DATA / "lmplz-tiny-o5.arpa")


def test_gzipped_arpa_is_deterministic_and_reads_back(tmp_path):
    model = train(DATA / "tiny.txt")
    first, second = arpa_bytes(model, compress=True), arpa_bytes(train(DATA / "tiny.txt"), compress=True)
    assert first == second
    path = tmp_path / "model.arpa.gz"
    path.write_bytes(first)
    assert gzip.decompress(first) == arpa_bytes(model)
    assert ArpaScorer.load(str(path)).score("the cat sat".split()) == \
        ArpaScorer(*parse_arpa(arpa_bytes(model).decode())).score("the cat sat".split())


def test_scorer_equals_kenlm_on_seen_and_unseen_text():
    path = str(DATA / "lmplz-o5.arpa.gz")
    reference, ours = kenlm.Model(path), ArpaScorer.load(path)
    lines = (DATA / "corpus.txt").read_text().splitlines()
    unseen = ["the quick brown fox jumps over the lazy dog", "debian packages are installed with apt",
              "zz qq the the the", "a"]
    for line in lines + unseen:
        expected = reference.score(line, bos=True, eos=True)
        assert ours.score(line.split()) == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_unreadable_arpa_is_one_clear_error():
    with pytest.raises(ArpaError, match="line 3 is not an ARPA n-gram"):
        parse_arpa("\\data\\\nngram 1=2\nnot-a-number\tfoo\n", "bad.arpa")
    with pytest.raises(ArpaError, match="no <unk> unigram"):
        parse_arpa("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\tthe\n\n\\end\\\n")


def test_normalize_is_ccnet_style():
    assert normalize("  Café  Über 2024\tÉTÉ ") == "cafe uber 0000 ete"


# --- the stage -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lm_folder(tmp_path_factory):
    return make_lm_folder(tmp_path_factory.mktemp("lm"))


IN_DOMAIN = "the package system of debian is managed with apt\nand the network services are started"
OFF_DOMAIN = "Zebras quietly juggle xylophones beneath purple volcanoes"


def test_perplexity_is_ccnet_formula_over_paragraphs(lm_folder):
    stage = Perplexity(PerplexityConfig(models={"*": lm_folder}))
    model = stage.model_for("en")
    scores = model.document_scores(IN_DOMAIN)
    assert len(scores) == 2  # one per line
    log10_prob, tokens = sum(s for s, _ in scores), sum(n for _, n in scores)
    doc = stage.apply(Document(id="a", text=IN_DOMAIN, source="web"))
    assert doc.metadata["perplexity"] == round(10 ** (-log10_prob / tokens), 1) == round(perplexity(log10_prob, tokens), 1)
    assert "perplexity_bucket" not in doc.metadata  # cut-offs computed by the pipeline, not here


def test_given_cutoffs_bucket_and_keep(lm_folder):
    good = Perplexity(PerplexityConfig(models={"*": lm_folder})).apply(Document(id="a", text=IN_DOMAIN, source="w"))
    bad = Perplexity(PerplexityConfig(models={"*": lm_folder})).apply(Document(id="b", text=OFF_DOMAIN, source="w"))
    low, high = good.metadata["perplexity"], bad.metadata["perplexity"]
    assert low < high
    config = PerplexityConfig(models={"*": lm_folder}, cutoffs={"en": [low + 0.1, high - 0.1]}, keep=("head", "middle"))
    stage = Perplexity(config)
    kept = stage.apply(Document(id="a", text=IN_DOMAIN, source="w", metadata={"lang": "en"}))
    assert kept.metadata["perplexity_bucket"] == "head"
    dropped = stage.apply(Document(id="b", text=OFF_DOMAIN, source="w", metadata={"lang": "en"}))
    assert isinstance(dropped, Drop) and dropped.reason == "perplexity_bucket"
    assert dropped.fields == {"perplexity": high, "perplexity_bucket": "tail"}
    # No cut-offs and no model for this language: kept as it was.
    other = Document(id="c", text=OFF_DOMAIN, source="w", metadata={"lang": "de"})
    assert Perplexity(PerplexityConfig(models={"en": lm_folder}, cutoffs={"en": [1, 2]})).apply(other) == other


def test_kenlm_and_our_scorer_give_the_same_perplexities(lm_folder):
    texts = [IN_DOMAIN, OFF_DOMAIN, *(DATA / "corpus.txt").read_text().splitlines()[:60]]
    stages = [Perplexity(PerplexityConfig(models={"*": lm_folder}, scorer=name)) for name in ("kenlm", "ours")]
    assert type(stages[0].model_for("en").scorer).__name__ == "KenlmScorer"
    values = [[stage.apply(Document(id="x", text=t, source="w")).metadata["perplexity"] for t in texts]
              for stage in stages]
    assert values[0] == values[1]  # rounded to 0.1 as CCNet writes it


def test_max_perplexity_and_empty_text(lm_folder):
    good = Perplexity(PerplexityConfig(models={"*": lm_folder})).apply(Document(id="a", text=IN_DOMAIN, source="w"))
    stage = Perplexity(PerplexityConfig(models={"*": lm_folder}, max_perplexity=good.metadata["perplexity"]))
    assert not isinstance(stage.apply(Document(id="a", text=IN_DOMAIN, source="w")), Drop)
    assert stage.apply(Document(id="b", text=OFF_DOMAIN, source="w")).reason == "perplexity_too_high"
    assert stage.apply(Document(id="c", text=" \n\t\n", source="w")).reason == "perplexity_no_text"


@pytest.mark.parametrize("kwargs, message", [
    ({}, "models: at least one"),
    ({"models": {"*": "x"}, "keep": ("head", "best")}, "keep: 'best'"),
    ({"models": {"*": "x"}, "percentiles": (60.0, 30.0)}, "percentiles: need two increasing"),
    ({"models": {"*": "x"}, "cutoffs": {"en": [5.0]}}, "cutoffs.en"),
])
def test_config_errors_name_the_key(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        PerplexityConfig(**kwargs)


def test_missing_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not a `dataprep train-lm` folder"):
        Perplexity(PerplexityConfig(models={"*": str(tmp_path)})).setup()


def test_stage_pickles_without_its_models(lm_folder):
    import pickle

    stage = Perplexity(PerplexityConfig(models={"*": lm_folder}))
    stage.setup()
    copy = pickle.loads(pickle.dumps(stage))
    assert copy._models is None
    assert math.isclose(copy.model_for("en").perplexity(IN_DOMAIN), stage.model_for("en").perplexity(IN_DOMAIN))
