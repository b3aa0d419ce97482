"""Dedup on real Beam runners: reasons, precision/recall against exact Jaccard, clusters equal
between the distributed and the union-find components and on 1 vs 2 workers, salted buckets,
the convergence check, real near-duplicates in sample_data/, and `dataprep dedup`."""

from __future__ import annotations

import glob
import hashlib
import itertools
import json
import os
import pickle
import random

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from dataprep import dedup
from dataprep.dedup import DedupConfig, LinesConfig, MinHashConfig
from dataprep.document import Document
from pipelines.dedup import ComponentsNotConverged, ConnectedComponents, Deduplicate, cluster_stats_document
from pipelines.write import write_parquet

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MINHASH_ONLY = dict(exact=None, url=None)


# --- helpers ------------------------------------------------------------------------------------


def _save(values, path):
    with open(path, "wb") as handle:
        pickle.dump(values, handle)


def run_dedup(docs: list[Document], configs: dict[str, DedupConfig], folder) -> dict:
    """Run each config on the same documents in one pipeline; {name: {kept, dropped, stats, cluster}}."""
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        source = pipeline | "Docs" >> beam.Create(docs)
        for name, config in configs.items():
            result = source | f"Dedup[{name}]" >> Deduplicate(config)
            for part in ("kept", "dropped", "stats", "cluster_stats"):
                (getattr(result, part)
                 | f"Collect[{name}][{part}]" >> beam.combiners.ToList()
                 | f"Save[{name}][{part}]" >> beam.Map(_save, str(folder / f"{name}-{part}.pickle")))
    results = {}
    for name, config in configs.items():
        loaded = {}
        for part in ("kept", "dropped", "stats", "cluster_stats"):
            with open(folder / f"{name}-{part}.pickle", "rb") as handle:
                loaded[part] = pickle.load(handle)
        summed: dict = {}
        for key, value in loaded["cluster_stats"]:
            total, largest = summed.get(key, (0, 0))
            summed[key] = (total + value, max(largest, value))
        loaded["cluster"] = cluster_stats_document(sorted(summed.items()), config)
        results[name] = loaded
    return results


def stage_table(stats) -> dict:
    table: dict = {}
    for (stage, outcome), (docs, chars_in, chars_out, _) in stats:  # (…, kept_digest)
        row = table.setdefault(stage, {}).setdefault(outcome, [0, 0, 0])
        row[0] += docs
        row[1] += chars_in
        row[2] += chars_out
    return table


def cluster_of(result) -> dict[str, str]:
    """doc id → id of the document kept for its MinHash cluster."""
    clusters = {doc.id: doc.id for doc in result["kept"]}
    for doc in result["dropped"]:
        clusters[doc.id] = doc.metadata.get("dup_of", doc.id)
    return clusters


def reasons_by_id(result) -> dict[str, str]:
    return {doc.id: doc.metadata["drop_reason"] for doc in result["dropped"]}


def random_vocabulary(rng: random.Random, size: int = 50_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def doc_id(*parts) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]


def shingle_set(text: str) -> set[bytes]:
    return set(dedup.text_shingles(text, 5))


# --- every kind of duplicate ---------------------------------------------------------------------

PARAGRAPH = ("Debian is a free operating system developed by volunteers. It ships thousands of packages, "
             "each maintained by people who care about quality, stability and security of the whole system. "
             "Releases are named after characters from a famous animated film about toys that come to life. ")


def mini_corpus() -> list[Document]:
    body = PARAGRAPH * 3
    near = body.replace("thousands of packages", "many thousands of packages, all free,", 1)
    footer = "Copyright 2024 Software in the Public Interest, all rights reserved."
    return [
        Document("a1", body, "web", "https://example.org/debian"),
        Document("a2", body.upper().replace(".", "!"), "web", "https://mirror.example.net/debian"),  # exact
        Document("a3", near, "web", "https://example.com/near"),  # near-duplicate of a1
        Document("b1", "A page about apples and pears in the autumn orchard.", "web", "HTTPS://EXAMPLE.ORG/fruit"),
        Document("b2", "A different page, same address, about plums and figs.", "web", "https://example.org/fruit"),
        Document("c1", f"Lemons grow in warm places near the sea, all year long.\n{footer}", "web", None),
        Document("c2", f"Oranges ripen in the winter sun of southern valleys.\n{footer}", "web", None),
        Document("c3", footer, "web", None),  # nothing left once the shared footer goes
    ]


def test_every_kind_of_duplicate_is_dropped_with_its_reason(tmp_path):
    config = DedupConfig(lines=LinesConfig(min_chars=10), minhash=MinHashConfig(max_rounds=3))
    result = run_dedup(mini_corpus(), {"all": config}, tmp_path)["all"]
    kept = {doc.id: doc for doc in result["kept"]}
    assert sorted(kept) == ["a1", "b1", "c1", "c2"]
    dropped = {doc.id: (doc.metadata["drop_stage"], doc.metadata["drop_reason"]) for doc in result["dropped"]}
    assert dropped == {
        "a2": ("dedup_exact", "dedup_exact_duplicate"),
        "b2": ("dedup_url", "dedup_url_duplicate"),
        "a3": ("dedup_minhash", "dedup_minhash_duplicate"),
        "c3": ("dedup_lines", "dedup_lines_emptied"),
    }
    by_id = {doc.id: doc for doc in result["dropped"]}
    assert by_id["a3"].metadata["dup_of"] == "a1"
    assert by_id["a2"].text == mini_corpus()[1].text  # the audit copy keeps its text
    # a1 stands for itself, its exact copy and its near-duplicate.
    assert kept["a1"].metadata["dup_cluster_size"] == 3
    assert kept["b1"].metadata["dup_cluster_size"] == 2
    assert kept["c1"].metadata["dup_cluster_size"] == 1
    # c1 owns the shared footer (smallest id); c2 loses it.
    assert "Copyright" in kept["c1"].text and kept["c2"].text == "Oranges ripen in the winter sun of southern valleys."

    table = stage_table(result["stats"])
    assert set(table) == {"dedup_exact", "dedup_url", "dedup_minhash", "dedup_lines"}
    assert table["dedup_exact"]["dedup_exact_duplicate"][0] == 1
    assert sum(row[0] for row in table["dedup_url"].values()) == table["dedup_exact"]["kept"][0] == 7
    assert table["dedup_lines"]["kept"][1] - table["dedup_lines"]["kept"][2] == len(
        "\nCopyright 2024 Software in the Public Interest, all rights reserved.")
    cluster = result["cluster"]
    assert cluster["exact"]["cluster_sizes"] == {"2": 1}
    assert cluster["minhash"]["clusters"] == 1 and cluster["minhash"]["max_bucket_size"] == 2
    assert cluster["minhash"]["cc_rounds_to_converge"] == 0
    assert cluster["lines"]["duplicate_units"] == 1 and cluster["lines"]["units_removed"] == 2


def test_keep_max_score_keeps_the_best_document(tmp_path):
    docs = [Document(f"d{i}", PARAGRAPH * 2, "web", None, {"quality_score": score})
            for i, score in enumerate([0.2, 0.9, 0.5])]
    docs.append(Document("d3", PARAGRAPH * 2 + " A short addition.", "web", None, {"quality_score": 0.95}))
    config = DedupConfig(keep="max_score", url=None, minhash=MinHashConfig(max_rounds=2))
    result = run_dedup(docs, {"score": config}, tmp_path)["score"]
    assert [doc.id for doc in result["kept"]] == ["d3"]
    assert result["kept"][0].metadata["dup_cluster_size"] == 4
    assert {doc.id: doc.metadata["drop_reason"] for doc in result["dropped"]} == {
        "d0": "dedup_exact_duplicate", "d2": "dedup_exact_duplicate", "d1": "dedup_minhash_duplicate"}


# --- precision and recall against exact Jaccard ------------------------------------------------------

LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def pair_corpus(pairs_per_level: int = 40, length: int = 150, seed: int = 7):
    """Document pairs whose shingle sets have Jaccard ≈ each level (a middle segment replaced)."""
    rng = random.Random(seed)
    vocabulary = random_vocabulary(rng)
    docs = []
    for level, index in itertools.product(LEVELS, range(pairs_per_level)):
        words = [rng.choice(vocabulary) for _ in range(length)]
        # Replacing m interior words breaks m + 4 of the L − 4 5-gram shingles: J = (L − m − 8) / (L + m).
        m = max(0, round((length - 8 - level * length) / (1 + level)))
        start = rng.randint(5, length - m - 5)
        other = words[:start] + [rng.choice(vocabulary) for _ in range(m)] + words[start + m:]
        text_b = " ".join(other) if level < 1 else " ".join(w.upper() for w in words) + "."
        docs.append(Document(doc_id(level, index, "a"), " ".join(words), "gen"))
        docs.append(Document(doc_id(level, index, "b"), text_b, "gen"))
    return docs


def precision_recall(docs, clusters, threshold):
    shingles = {doc.id: shingle_set(doc.text) for doc in docs}
    truth, predicted = set(), set()
    members: dict[str, list] = {}
    for doc_id_, root in clusters.items():
        members.setdefault(root, []).append(doc_id_)
    for group in members.values():
        predicted.update(frozenset(p) for p in itertools.combinations(group, 2))
    for a, b in zip(docs[::2], docs[1::2]):  # other pairs share no shingle: their Jaccard is 0
        if dedup.jaccard(shingles[a.id], shingles[b.id]) >= threshold:
            truth.add(frozenset((a.id, b.id)))
    true_positives = len(truth & predicted)
    return true_positives / max(len(predicted), 1), true_positives / max(len(truth), 1)


def test_precision_and_recall_against_exact_jaccard_and_identical_union_find_clusters(tmp_path):
    docs = pair_corpus()
    levels = [dedup.jaccard(shingle_set(a.text), shingle_set(b.text)) for a, b in zip(docs[::2], docs[1::2])]
    assert min(levels) == pytest.approx(0.5, abs=0.01) and max(levels) == 1.0
    minhash = MinHashConfig(threshold=0.75, num_perm=256, max_rounds=4)
    configs = {
        "beam": DedupConfig(**MINHASH_ONLY, minhash=minhash),
        "union_find": DedupConfig(**MINHASH_ONLY, minhash=MinHashConfig(threshold=0.75, num_perm=256,
                                                                        components="union_find")),
    }
    results = run_dedup(docs, configs, tmp_path)
    clusters = cluster_of(results["beam"])
    assert clusters == cluster_of(results["union_find"])
    precision, recall = precision_recall(docs, clusters, 0.75)
    print(f"precision {precision:.3f} recall {recall:.3f} at Jaccard ≥ 0.75 ({minhash.bands_rows()})")
    assert precision >= 0.95 and recall >= 0.95
    cluster = results["beam"]["cluster"]["minhash"]
    assert cluster["settings"]["verify_cut"] == 0.75 and cluster["rejected_links"] > 0


# --- chains and connected components -------------------------------------------------------------------


def shifted_chain(length: int, shift: int, count: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    vocabulary = random_vocabulary(rng, 5000)
    words = [rng.choice(vocabulary) for _ in range(length + shift * count)]
    return [Document(doc_id("chain", seed, i), " ".join(words[i * shift:i * shift + length]), "gen")
            for i in range(count)]


def test_a_chain_of_near_duplicates_is_one_cluster(tmp_path):
    config = DedupConfig(**MINHASH_ONLY, minhash=MinHashConfig(threshold=0.88, num_perm=256, max_rounds=6))
    a, b, c = triple = shifted_chain(length=200, shift=8, count=3, seed=3)
    nodes = {doc.id: dedup.node_of(doc, config) for doc in triple}
    edges = {frozenset((u[1], v[1])) for u, v in dedup.minhash_edges(triple, config)}
    # The premise: A~B and B~C are verified edges, A–C (Jaccard 0.85 < 0.88) is not.
    assert dedup.jaccard(shingle_set(a.text), shingle_set(c.text)) < 0.88
    assert frozenset((a.id, c.id)) not in edges and len(edges) == 2, edges
    # A path of 24 (neighbours at Jaccard 0.96, far ends at 0.36): needs several rounds.
    path = shifted_chain(length=200, shift=4, count=24, seed=4)
    results = run_dedup(triple + path, {"chain": config}, tmp_path)["chain"]
    clusters = cluster_of(results)
    assert len({clusters[doc.id] for doc in triple}) == 1
    assert clusters[a.id] == min(nodes.values())[1]
    assert len({clusters[doc.id] for doc in path}) == 1
    assert dedup.jaccard(shingle_set(path[0].text), shingle_set(path[-1].text)) < 0.4
    rounds = results["cluster"]["minhash"]["cc_rounds_to_converge"]
    assert 1 <= rounds <= 6


def random_graph(seed: int) -> list[tuple[str, str]]:
    """Random labels; components: stars, cliques, long paths, random trees, isolated pairs."""
    rng = random.Random(seed)
    label = lambda: doc_id("node", rng.random())  # noqa: E731
    edges = []
    for _ in range(30):  # paths of 2..120 nodes
        nodes = [label() for _ in range(rng.randint(2, 120))]
        edges += list(zip(nodes, nodes[1:]))
    for _ in range(30):  # random trees and cliques
        nodes = [label() for _ in range(rng.randint(3, 40))]
        edges += [(nodes[i], rng.choice(nodes[:i])) for i in range(1, len(nodes))]
        edges += [(rng.choice(nodes), rng.choice(nodes)) for _ in range(len(nodes))]
    edges = [(max(u, v), min(u, v)) for u, v in edges if u != v]
    return sorted(set(edges))


def test_beam_components_equal_union_find_and_report_rounds():
    edges = random_graph(seed=11)
    expected = dedup.star_edges(edges)
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        graph = pipeline | beam.Create(edges)
        beam_result = graph | "Beam" >> ConnectedComponents(max_rounds=12)
        union_find = graph | "UnionFind" >> ConnectedComponents(method="union_find")
        assert_that(beam_result.edges, equal_to(expected), label="BeamEqualsUnionFind")
        assert_that(union_find.edges, equal_to(expected), label="UnionFindEqualsReference")

        def check_rounds(rows):
            unconverged = dict(((b, v) for (_, m, b), v in rows if m == "cc_unconverged_nodes"))
            assert unconverged["00"] > 0 and unconverged["12"] == 0
            assert 3 <= min(int(r) for r, v in unconverged.items() if v == 0) <= 10
        assert_that(beam_result.stats | beam.combiners.ToList(), lambda rows: check_rounds(rows[0]), label="Rounds")


def test_too_few_rounds_fail_loudly_naming_the_bound():
    rng = random.Random(5)
    nodes = [doc_id("p", i, rng.random()) for i in range(300)]
    path = [(max(u, v), min(u, v)) for u, v in zip(nodes, nodes[1:])]
    with pytest.raises(Exception, match=r"did not converge within 2 large-star/small-star rounds.*minhash.max_rounds"):
        with beam.Pipeline(runner=FnApiRunner()) as pipeline:
            pipeline | beam.Create(path) | ConnectedComponents(max_rounds=2)
    assert issubclass(ComponentsNotConverged, RuntimeError)


def test_oversized_buckets_are_salted_with_the_same_clusters(tmp_path):
    rng = random.Random(9)
    vocabulary = random_vocabulary(rng, 5000)
    base = [rng.choice(vocabulary) for _ in range(120)]
    docs = [Document(doc_id("copy", i), " ".join(base), "gen") for i in range(40)]  # one bucket of 40 per band
    docs += shifted_chain(length=150, shift=4, count=10, seed=10)
    docs += [Document(doc_id("other", i), " ".join(rng.choice(vocabulary) for _ in range(100)), "gen")
             for i in range(20)]
    salted = MinHashConfig(max_bucket_size=8, verify=False, max_rounds=6)
    configs = {"plain": DedupConfig(**MINHASH_ONLY, minhash=MinHashConfig(verify=False, max_rounds=6)),
               "salted": DedupConfig(**MINHASH_ONLY, minhash=salted)}
    results = run_dedup(docs, configs, tmp_path)
    assert cluster_of(results["plain"]) == cluster_of(results["salted"])
    plain, salted_stats = results["plain"]["cluster"]["minhash"], results["salted"]["cluster"]["minhash"]
    assert "salted_buckets" not in plain and salted_stats["salted_buckets"] >= 14
    assert plain["max_bucket_size"] == salted_stats["max_bucket_size"] == 40
    kept = [doc for doc in results["salted"]["kept"] if doc.id in {d.id for d in docs[:40]}]
    assert len(kept) == 1 and kept[0].metadata["dup_cluster_size"] == 40


# --- real near-duplicates in sample_data/ ----------------------------------------------------------------


def sample_pages():
    """The sample's untranslated-fallback pages, exact duplicates, their originals and 40 other pages."""
    from dataprep.extract import Extract, ExtractConfig
    from dataprep.readers import ReaderOptions, read_records

    with open(os.path.join(ROOT, "sample_data", "MANIFEST.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    records = [r for f in manifest["warc"] for r in f.get("records", []) if r.get("url")]
    near = {r["url"]: r["near_duplicate_of"] for r in records if r.get("near_duplicate_of")}
    exact = {r["url"]: r["exact_duplicate_of"] for r in records if r.get("exact_duplicate_of")}
    wanted = set(near) | set(near.values()) | set(exact) | set(exact.values())
    others = sorted(r["url"] for r in records if r["url"] not in wanted and r.get("role") == "prose")
    wanted |= set(random.Random(0).sample(others, 40))
    extract = Extract(ExtractConfig(isolate=False))
    docs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "sample_data", "warc", "web-*.warc.gz"))):
        with open(path, "rb") as handle:
            for record in read_records(handle, path, os.path.basename(path), "web", "warc", ReaderOptions()):
                if getattr(record, "url", None) in wanted and hasattr(record, "payload"):
                    doc = extract.apply(record)
                    if isinstance(doc, Document):
                        docs.append(doc)
    return docs, near, exact


def test_real_near_duplicates_in_sample_data_are_found(tmp_path):
    docs, near, exact = sample_pages()
    assert len(near) >= 20 and len(exact) >= 3 and len(docs) >= 80
    # Fallback pages and their originals form stars: two rounds converge (the check proves it).
    result = run_dedup(docs, {"default": DedupConfig(minhash=MinHashConfig(max_rounds=3))}, tmp_path)["default"]
    by_url = {doc.url: doc for doc in docs}
    kept_urls = {doc.url for doc in result["kept"]}
    reasons = {doc.url: doc.metadata["drop_reason"] for doc in result["dropped"]}
    for url, original in exact.items():  # the same payload under two URLs: one stays
        assert (url in kept_urls) != (original in kept_urls), url
        assert reasons.get(url, reasons.get(original)) == "dedup_exact_duplicate"
    clusters = cluster_of(result)
    # An exact duplicate belongs to the cluster of the copy that survived exact dedup.
    survivors = {dedup.exact_key(doc.text): doc.id for doc in docs if doc.id not in reasons_by_id(result)
                 or reasons_by_id(result)[doc.id] != "dedup_exact_duplicate"}
    for doc in result["dropped"]:
        if doc.metadata["drop_reason"] == "dedup_exact_duplicate":
            clusters[doc.id] = clusters[survivors[dedup.exact_key(doc.text)]]
    found = expected = 0
    for url, original in near.items():
        if url not in by_url or original not in by_url:
            continue
        similarity = dedup.jaccard(shingle_set(by_url[url].text), shingle_set(by_url[original].text))
        together = clusters[by_url[url].id] == clusters[by_url[original].id]
        if similarity >= 0.9:
            assert together, (url, similarity)  # P(missed) < 0.001 at J ≥ 0.9
        if similarity >= 0.72:
            expected += 1
            found += together
    assert expected >= 20 and found / expected >= 0.9
    texts = {doc.id: doc.text for doc in docs}
    for doc in result["dropped"]:  # every near-duplicate removed is one
        if doc.metadata["drop_reason"] == "dedup_minhash_duplicate":
            kept_text = texts[doc.metadata["dup_of"]]
            assert dedup.jaccard(shingle_set(doc.text), shingle_set(kept_text)) >= 0.6, doc.url


# --- dataprep dedup -------------------------------------------------------------------------------------


def command(argv: list[str]) -> int:
    from dataprep.cli import main

    return main(argv)


def write_command_corpus(folder) -> None:
    """JSONL with near/exact/URL duplicates and shared lines, plus Parquet in our Document schema."""
    rng = random.Random(21)
    vocabulary = random_vocabulary(rng, 5000)
    rows = []
    for i in range(60):
        words = [rng.choice(vocabulary) for _ in range(150)]
        rows.append({"text": " ".join(words) + "\nShared footer line of every third page." * (i % 3 == 0),
                     "url": f"https://example.org/{i % 50}"})
        if i % 4 == 0:
            rows.append({"text": " ".join(words[:140] + ["changed"] * 10), "url": f"https://example.net/{i}"})
        if i % 7 == 0:
            rows.append({"text": " ".join(words).title(), "url": f"https://example.com/{i}"})
    (folder / "input").mkdir()
    with open(folder / "input" / "a.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    docs = [Document(doc_id("parquet", i), row["text"], "curated", None, {"quality_score": i})
            for i, row in enumerate(rows[:20])]
    write_parquet(str(folder / "input" / "b.parquet"), docs)


def output_digests(folder) -> dict:
    digests = {}
    for path in sorted(glob.glob(str(folder / "**" / "*"), recursive=True)):
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                digests[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def test_dedup_command_is_byte_identical_on_one_and_two_workers_and_the_portable_runner(tmp_path, capsys):
    write_command_corpus(tmp_path)
    inputs = [str(tmp_path / "input" / "*.jsonl"), str(tmp_path / "input" / "*.parquet")]
    common = ["dedup", *inputs, "--lines", "--line-min-chars=10", "--max-rounds=4", "--shards=3"]
    assert command(common + ["--output", str(tmp_path / "one")]) == 0
    out = capsys.readouterr().out
    assert "dedup_minhash" in out and "dedup_lines" in out
    assert command(common + ["--output", str(tmp_path / "two"), "--direct_num_workers=2",
                             "--direct_running_mode=multi_processing"]) == 0
    # The portable runner (the Fn API path of Dataflow, Flink, Spark): everything pickles and
    # crosses the runner API, GroupByKey iterables are re-iterated, bundle-end stats arrive.
    assert command(common + ["--output", str(tmp_path / "portable"), "--runner=PortableRunner",
                             "--job_endpoint=embed", "--environment_type=LOOPBACK"]) == 0
    one, two = output_digests(tmp_path / "one"), output_digests(tmp_path / "two")
    assert one == two == output_digests(tmp_path / "portable")
    assert "kept/kept-00002-of-00003.parquet" in one and "dedup_stats.json" in one

    kept = pq.read_table(tmp_path / "one" / "kept").to_pylist()
    parquet_ids = {doc_id("parquet", i) for i in range(20)}
    assert parquet_ids & {row["id"] for row in kept}  # Document-schema Parquet keeps its ids
    stats = {entry["stage"]: entry for entry in json.loads((tmp_path / "one" / "stats.json").read_text())["stages"]}
    assert list(stats) == ["read", "dedup_exact", "dedup_url", "dedup_minhash", "dedup_lines"]
    texts = [json.loads(line)["text"] for line in (tmp_path / "input" / "a.jsonl").read_text().splitlines()]
    texts += pq.read_table(tmp_path / "input" / "b.parquet").column("text").to_pylist()
    copies = len(texts) - len({dedup.exact_key(text) for text in texts})
    assert stats["dedup_exact"]["dropped"]["dedup_exact_duplicate"]["docs"] == copies >= 20
    assert stats["dedup_url"]["dropped"]["dedup_url_duplicate"]["docs"] >= 5
    assert stats["dedup_minhash"]["dropped"]["dedup_minhash_duplicate"]["docs"] >= 10
    assert stats["dedup_lines"]["chars_out"] < stats["dedup_lines"]["chars_in"]
    settings = json.loads((tmp_path / "one" / "dedup.json").read_text())
    assert settings["dedup"]["lines"] == {"unit": "line", "min_chars": 10}


def test_dedup_command_usage_errors_are_one_line(tmp_path, capsys):
    assert command(["dedup", str(tmp_path / "missing-*.jsonl"), "--output", str(tmp_path / "o")]) == 2
    assert command(["dedup", "corpus.txt", "--output", str(tmp_path / "o")]) == 2
    assert command(["dedup", "a.jsonl", "--output", str(tmp_path / "o"), "--bands=4"]) == 2
    assert command(["dedup", "a.jsonl", "--output", str(tmp_path / "o"), "--no-such-flag"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in errors if line.startswith("dataprep: error")]
    assert len(errors) == 4 and "no files match" in errors[0] and "--format" in errors[1]
    assert "set together" in errors[2] and "--no-such-flag" in errors[3]
