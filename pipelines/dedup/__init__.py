"""Deduplication on Beam: exact → URL → MinHash near-duplicates → lines, one document kept per group.

`docs | Deduplicate(config)` returns a `DedupResult` with the three outputs every stage has
(`pipelines/stage.py`, one `Router` each): kept Documents, `dropped` Documents (metadata
drop_stage/drop_reason) and `stats` tuples ((stage, outcome), (docs, chars_in, chars_out,
kept_digest)); plus `cluster_stats`, ((kind, metric, bin), value) records that
`WriteDedupStats` turns into a JSON file.

Shape of every stage: keys are computed from the documents, decisions are made on the keys
with combiners (or, for MinHash, on an edge graph), and the decision reaches each document
through one join by document id, where a key has at most a few values. No step gathers a hot
key's documents: exact/URL/line groups are reduced by `CombinePerKey` (lifted before the
shuffle), LSH buckets are streamed (two passes over the iterable, never `list()`ed) and salted
when huge, and connected components run as large-star/small-star rounds (Kiveris et al. 2014,
"Connected Components in MapReduce and Beyond"), unrolled to `minhash.max_rounds` and checked.

Order: MinHash runs before line dedup, so that a near-duplicate page is removed whole instead
of being cut down to the few lines that differ from its original.

Determinism: the document kept is the smallest "node" (rank, id, weight) of its group
(`dataprep.dedup.node_of`), salts and samples are hashes of ids, and all counts are integers:
outputs are byte-identical on any runner and worker count.

Modules: `common` (result shape, keep-rule combiner, join by id), `keyed` (exact, URL, lines),
`candidates` (signatures, buckets, edges), `components` (large-star/small-star), `graph`
(`Deduplicate`, the cluster-stats JSON, the standalone graph).
"""

from pipelines.dedup.candidates import CandidateEdges
from pipelines.dedup.common import CLUSTER, DedupResult, KeepBestFn
from pipelines.dedup.components import ComponentsNotConverged, ComponentsResult, ConnectedComponents
from pipelines.dedup.graph import (
    Deduplicate,
    MinHashDedup,
    SumMaxFn,
    WriteDedupStats,
    build_standalone,
    cluster_stats_document,
)
