"""Deduplication logic: exact, URL, line/paragraph and MinHash near-duplicates (no Beam here).

Everything a dedup decision depends on lives here as plain Python, so that the Beam graph in
`pipelines/dedup/` only moves keys around, and so that each piece is tested on literal text:

- normalization and shingling (word n-grams on `dataprep.text.split_words`, which makes every
  Han/Kana/Thai/... character one word, so text without spaces gets character n-grams);
- MinHash signatures: bit-identical to `datasketch.MinHash` (its default "affine32" scheme) for
  the same shingles, seed and hash function, with a numpy fast path;
- LSH banding: band keys, the match-probability curve 1 - (1 - J^r)^b, (b, r) for a threshold;
- linking a streamed bucket's verified members in O(16 anchors) memory (`link_bucket`);
- keep rules (smallest id, or best score) as an order on "nodes", and a union-find;
- the keys of exact, URL and line dedup.

Determinism: every choice is a function of (seed, document id, text). Nothing depends on
arrival order, worker count or Python's salted `hash()`.

Modules, in import order: `lsh` (the band curve) → `config` (settings, reasons, presets);
`keys` (normalization, exact/URL/line keys) → `minhash` (signatures, band keys, sketches) →
`clusters` (keep rule, bucket linking, union-find). Everything is re-exported here.
"""

from dataprep.config import to_dict as config_to_dict
from dataprep.dedup.clusters import (
    BUCKET_ANCHORS,
    BucketStats,
    KeepBest,
    Node,
    UnionFind,
    components,
    link_bucket,
    log2_bin,
    minhash_edges,
    node_of,
    rank_of,
    star_edges,
    weight_of,
)
from dataprep.dedup.config import (
    CLUSTER_SIZE_FIELD,
    COMPONENT_METHODS,
    DUP_KEY_FIELD,
    DUP_OF_FIELD,
    HASHES,
    KEEP_RULES,
    LINE_UNITS,
    PRESETS,
    REASON_EXACT,
    REASON_LINES_EMPTIED,
    REASON_MINHASH,
    REASON_URL,
    STAGE_EXACT,
    STAGE_LINES,
    STAGE_MINHASH,
    STAGE_URL,
    DedupConfig,
    ExactConfig,
    LinesConfig,
    MinHashConfig,
    UrlConfig,
    parse_dedup_config,
)
from dataprep.dedup.keys import (
    exact_key,
    normalize_text,
    normalize_url,
    normalized_words,
    remove_units,
    shingles,
    split_units,
    text_shingles,
    unit_key,
    unit_keys,
    url_key,
)
from dataprep.dedup.lsh import curve_midpoint, describe_lsh, match_probability, optimal_bands_rows, probability_table
from dataprep.dedup.minhash import EMPTY, MinHasher, jaccard, permutations, sha1_hash32, shingle_hash32, sketch_of
