"""Dedup logic without Beam: normalization, shingles, signatures equal to datasketch's, LSH,
keep rules, union-find, line units and config parsing."""

from __future__ import annotations

import math

import datasketch
import numpy as np
import pytest

from dataprep import dedup
from dataprep.config import ConfigError
from dataprep.document import Document
from dataprep.dedup import (
    DedupConfig,
    LinesConfig,
    MinHashConfig,
    MinHasher,
    normalize_text,
    parse_dedup_config,
    shingles,
    text_shingles,
)

ENGLISH = ("The Debian project was founded in 1993 by Ian Murdock. It's a free operating system, "
           "built by volunteers around the world; version 12.4 shipped in December 2023!")
CHINESE = "这是一个必须的文件，它的特殊格式在 Debian Policy Manual 中有详细的描述。"
JAPANESE = "本文書だけに頼らず自分で答えを見出す努力をしっかりすることを期待します。"
LONG = " ".join(f"word{chr(97 + i % 26)}{chr(97 + (i // 26) % 26)}{chr(97 + (i // 676) % 26)}" for i in range(5000))
TEXTS = [ENGLISH, CHINESE, JAPANESE, LONG, "two words", "exactly five words here now", "!!! ???", ""]


# --- normalization and shingles ---------------------------------------------------------------


def test_normalization_lowercases_strips_punctuation_and_folds_numbers():
    assert normalize_text("Hello, World!  Version 3.14 (2023)") == "hello world version 0 0"
    assert normalize_text("ＦＵＬＬ－width") == normalize_text("FULL-width")  # NFKC
    assert normalize_text("Don't  panic\n\tnow") == "don't panic now"


def test_text_without_spaces_is_shingled_by_character():
    words = dedup.normalized_words("日本語のテキスト")
    assert words == list("日本語のテキスト")
    assert shingles(words, 5)[0] == "日 本 語 の テ"


def test_short_text_is_one_shingle_and_empty_text_none():
    assert shingles(["a", "b"], 5) == ["a b"]
    assert shingles(list("abcde"), 5) == ["a b c d e"]
    assert len(shingles(list("abcdef"), 5)) == 2
    assert text_shingles("!!! ...", 5) == []


# --- signatures --------------------------------------------------------------------------------


def test_permutations_are_datasketchs():
    for num_perm, seed in ((112, 1), (256, 42)):
        a, b = dedup.permutations(num_perm, seed)
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed).permutations
        assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


@pytest.mark.parametrize("num_perm,seed", [(112, 1), (128, 7), (256, 12345)])
def test_sha1_signature_equals_datasketch_default(num_perm, seed):
    hasher = MinHasher(MinHashConfig(num_perm=num_perm, seed=seed, hash="sha1", bands=2, rows=4))
    for text in TEXTS:
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed)
        reference.update_batch(text_shingles(text, 5))
        signature = hasher.signature(text)
        if signature is None:
            assert reference.is_empty()
        else:
            assert np.array_equal(signature, reference.hashvalues), text[:30]


@pytest.mark.parametrize("num_perm,seed,ngram", [(112, 1, 5), (128, 7, 3), (256, 12345, 1)])
def test_fast_signature_equals_datasketch_with_the_same_hash(num_perm, seed, ngram):
    hasher = MinHasher(MinHashConfig(num_perm=num_perm, seed=seed, ngram=ngram, bands=2, rows=4))
    for text in TEXTS:
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=dedup.shingle_hash32)
        reference.update_batch(text_shingles(text, ngram))
        signature = hasher.signature(text)
        if signature is None:
            assert reference.is_empty()
        else:
            assert np.array_equal(signature, reference.hashvalues), text[:30]


def test_fast_shingle_hashes_are_the_reference_hash_of_each_shingle():
    hasher = MinHasher(MinHashConfig())
    expected = [dedup.shingle_hash32(s) for s in text_shingles(ENGLISH, 5)]
    assert hasher.shingle_hashes(ENGLISH).tolist() == expected


def test_batched_signatures_equal_one_by_one():
    hasher = MinHasher(MinHashConfig())
    texts = TEXTS + [" ".join(LONG.split()[:3000])] + [ENGLISH[i:] for i in range(0, 60, 3)] * 40
    batched = hasher.signatures(texts)
    for text, signature in zip(texts, batched):
        single = hasher.signature(text)
        assert (signature is None and single is None) or np.array_equal(signature, single)


def agreement(left: np.ndarray, right: np.ndarray) -> float:
    """Fraction of equal positions: the MinHash estimate of Jaccard similarity."""
    return float(np.count_nonzero(left == right)) / len(left)


def test_signature_estimates_jaccard():
    words = LONG.split()
    a, b = " ".join(words[:1000]), " ".join(words[200:1200])
    exact = dedup.jaccard(text_shingles(a, 5), text_shingles(b, 5))
    hasher = MinHasher(MinHashConfig(num_perm=512, bands=2, rows=4))
    estimate = agreement(hasher.signature(a), hasher.signature(b))
    assert abs(estimate - exact) < 0.08
    sketches = [np.frombuffer(dedup.sketch_of(hasher.signature(text)), dtype="<u2") for text in (a, b)]
    sketch_estimate = agreement(*sketches)
    assert sketch_estimate == pytest.approx(estimate, abs=0.01)


def test_band_keys_are_per_band_and_equal_for_equal_signatures():
    hasher = MinHasher(MinHashConfig())
    keys = hasher.band_keys(hasher.signature(ENGLISH))
    assert len(keys) == 14 and len(set(keys)) == 14
    assert hasher.band_keys(hasher.signature(ENGLISH.upper() + " ...")) == keys
    other = hasher.band_keys(hasher.signature(ENGLISH.replace("Murdock", "Anderson")))
    assert other != keys


# --- the LSH curve -------------------------------------------------------------------------------


def test_default_is_fineweb_14_by_8_with_midpoint_072():
    config = MinHashConfig()
    assert config.bands_rows() == (14, 8)
    assert config.cut() == pytest.approx(0.719, abs=0.001)
    assert dedup.match_probability(0.8, 14, 8) == pytest.approx(1 - (1 - 0.8 ** 8) ** 14)
    lines = dedup.describe_lsh(config)
    assert "14 bands × 8 rows" in lines[0] and any("J = 0.70  P = 0.565" in line for line in lines)


def test_bands_and_rows_derived_from_a_threshold_fit_num_perm_and_favour_recall():
    config = MinHashConfig(threshold=0.9)
    bands, rows = config.bands_rows()
    assert bands * rows <= 112
    assert dedup.match_probability(0.95, bands, rows) > 0.99
    assert dedup.match_probability(0.6, bands, rows) < 0.05
    assert config.cut() == 0.9
    equal_weights = dedup.optimal_bands_rows(0.9, 112, 0.5)
    assert dedup.curve_midpoint(*equal_weights) > dedup.curve_midpoint(bands, rows)


def test_books_preset_removes_books_with_90_percent_overlap():
    books = dedup.PRESETS["books"]
    assert books.minhash.cut() == 0.9 and books.url is None and books.lines is None
    assert books.exact is not None


# --- config ----------------------------------------------------------------------------------------


def test_config_fields_all_have_help():
    for cls in (DedupConfig, MinHashConfig, LinesConfig, dedup.ExactConfig, dedup.UrlConfig):
        for field in cls.__dataclass_fields__.values():
            assert field.metadata.get("help"), f"{cls.__name__}.{field.name}"


def test_parse_dedup_config_presets_and_overrides():
    assert parse_dedup_config(None) is None and parse_dedup_config(False) is None
    assert parse_dedup_config(True) == DedupConfig()
    config = parse_dedup_config({"preset": "books", "minhash": {"threshold": 0.95}, "lines": {"min_chars": 10}})
    assert config.minhash.threshold == 0.95 and config.url is None and config.lines == LinesConfig(min_chars=10)
    config = parse_dedup_config({"url": None, "minhash": {"bands": 20, "rows": 5}, "keep": "max_score"})
    assert config.url is None and config.minhash.bands_rows() == (20, 5) and config.keep == "max_score"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"minhas": {}}, "unknown key 'minhas'"),
        ({"minhash": {"band": 3}}, "dedup.minhash: unknown key 'band'"),
        ({"preset": "nope"}, "unknown preset 'nope'"),
        ({"minhash": {"bands": 20}}, "set together"),
        ({"minhash": {"bands": 20, "rows": 8}}, "must be ≥ 1 and ≤ num_perm 112"),
        ({"minhash": {"threshold": 1.5}}, "threshold must be in (0, 1)"),
        ({"minhash": {"ngram": "5"}}, "expected int"),
        ({"keep": "largest"}, "dedup.keep: 'largest' is not one of"),
        ({"lines": {"unit": "sentence"}}, "dedup.lines.unit: 'sentence' is not one of"),
        ({"lines": {"min_chars": -1}}, "dedup.lines.min_chars: must be ≥ 0"),
    ],
)
def test_parse_dedup_config_errors_name_the_key(data, message):
    with pytest.raises(ConfigError) as error:
        parse_dedup_config(data)
    assert message in str(error.value)


def test_stage_names_follow_the_run_order():
    config = DedupConfig(lines=LinesConfig())
    assert config.stage_names() == ["dedup_exact", "dedup_url", "dedup_minhash", "dedup_lines"]
    assert DedupConfig(exact=None, url=None).stage_names() == ["dedup_minhash"]


# --- keep rule and union-find --------------------------------------------------------------------------


def test_keep_rule_orders_nodes_by_id_or_best_score():
    docs = [Document(id=i, text="", source="s", metadata=m) for i, m in
            [("b", {"quality_score": 0.9}), ("a", {"quality_score": 0.1}), ("c", {}), ("d", {"quality_score": 0.9})]]
    by_id = DedupConfig()
    assert min(dedup.node_of(d, by_id) for d in docs)[1] == "a"
    by_score = DedupConfig(keep="max_score")
    ordered = sorted(dedup.node_of(d, by_score) for d in docs)
    assert [node[1] for node in ordered] == ["b", "d", "a", "c"]  # ties by id; missing score last
    assert dedup.node_of(Document("x", "", "s", metadata={"dup_cluster_size": 3}), by_id)[2] == 3


def test_keep_best_counts_and_weights_whatever_the_merge_order():
    nodes = [(0.0, "c", 1), (0.0, "a", 2), (0.0, "b", 1)]
    one = dedup.KeepBest.create()
    for node in nodes:
        one = dedup.KeepBest.add(one, node)
    two = dedup.KeepBest.merge([dedup.KeepBest.add(dedup.KeepBest.create(), n) for n in reversed(nodes)])
    assert one == two == ((0.0, "a", 2), 3, 4)


def test_union_find_roots_are_component_minima():
    edges = [(5, 3), (3, 9), (7, 8), (1, 2), (2, 9)]
    assert dedup.components(edges) == {5: 1, 3: 1, 9: 1, 1: 1, 2: 1, 7: 7, 8: 7}
    assert dedup.star_edges(edges) == [(2, 1), (3, 1), (5, 1), (8, 7), (9, 1)]


def test_link_bucket_links_verified_pairs_and_streams_large_buckets():
    hasher = MinHasher(MinHashConfig())
    words = LONG.split()
    a, b, c = (dedup.sketch_of(hasher.signature(" ".join(words[i:i + 400]))) for i in (0, 20, 40))
    unrelated = dedup.sketch_of(hasher.signature(ENGLISH))
    node = lambda name: (0.0, name, 1)  # noqa: E731
    # c is close to b (J ≈ 0.9) but not to the anchor a (J ≈ 0.8 < 0.85): it links through b.
    members = [(node("b"), b), (node("a"), a), (node("c"), c), (node("d"), unrelated)]
    assert sorted(dedup.link_bucket(members, 0.85)) == [(node("b"), node("a")), (node("c"), node("b"))]
    stats = dedup.BucketStats()
    assert sorted(dedup.link_bucket(members, None, stats)) == [(node(x), node("a")) for x in "bcd"]
    assert stats.size == 4 and stats.edges == 3
    # Past the anchors, each member links to the first anchor it verifies with; read twice, never copied.
    many = [(node(f"m{i:03d}"), a if i % 2 else unrelated) for i in range(100)]

    class Twice:
        reads = 0

        def __iter__(self):
            Twice.reads += 1
            return iter(many)

    edges = list(dedup.link_bucket(Twice(), 0.85, stats := dedup.BucketStats()))
    assert Twice.reads == 2 and stats.size == 100 and len(stats.anchors) == dedup.BUCKET_ANCHORS
    assert len(edges) == 49 + 49  # two groups of 50 identical sketches, both with anchors
    assert set(dedup.components(edges).values()) == {node("m000"), node("m001")}


# --- exact, URL, lines -------------------------------------------------------------------------------


def test_exact_key_ignores_case_punctuation_and_numbers_only_when_normalizing():
    assert dedup.exact_key("Hello, World 2023") == dedup.exact_key("hello world 1999!")
    assert dedup.exact_key("Hello, World", normalize=False) != dedup.exact_key("hello world", normalize=False)
    assert dedup.exact_key("!!!") != dedup.exact_key("???")  # no words: compared as written


def test_url_normalization_keeps_path_query_and_fragment():
    assert dedup.normalize_url("HTTPS://Example.ORG:443/A?b=1#s2") == "https://example.org/A?b=1#s2"
    assert dedup.normalize_url("http://example.org") == "http://example.org/"
    assert dedup.url_key("http://example.org/a#s1") != dedup.url_key("http://example.org/a#s2")
    assert dedup.url_key(None) is None and dedup.url_key("  ") is None


def test_remove_units_keeps_owned_and_short_lines():
    config = LinesConfig(min_chars=5)
    text = "Home\nA line shared by many pages\nA line of its own\n\nNext"
    keys = dedup.unit_keys(text, config)
    assert len(keys) == 2  # "Home", "Next" and the blank line are never removed
    own = dedup.unit_key("A line of its own", 5)
    kept, removed = dedup.remove_units(text, config, {own})
    assert (kept, removed) == ("Home\nA line of its own\n\nNext", 1)
    assert dedup.remove_units(text, config, keys) == (text, 0)


def test_paragraph_units():
    config = LinesConfig(unit="paragraph")
    text = "First paragraph\nstill first.\n\n  \nSecond paragraph.\n\nThird."
    assert dedup.split_units(text, "paragraph") == ["First paragraph\nstill first.", "Second paragraph.", "Third."]
    second = dedup.unit_key("Second paragraph.", 0)
    assert dedup.remove_units(text, config, dedup.unit_keys(text, config) - {second}) == (
        "First paragraph\nstill first.\n\nThird.", 1)


def test_log2_bins():
    assert [dedup.log2_bin(n) for n in (1, 2, 3, 4, 5, 8, 9, 1000)] == ["1", "2", "3-4", "3-4", "5-8", "5-8",
                                                                        "9-16", "513-1024"]
    assert math.isinf(dedup.rank_of({}, "max_score", "s"))
