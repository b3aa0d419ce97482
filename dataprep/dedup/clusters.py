"""From candidates to clusters: the keep rule as an order on nodes, bucket linking, union-find.

A document is a "node" (rank, id, weight) whose order is the keep rule, so the minimum of any
group is the document kept. An LSH bucket's verified members are linked in O(16 anchors)
memory (`link_bucket`); the union-find here is the in-memory reference (and the small-corpus
method) for the distributed connected components in `pipelines.dedup`.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from dataprep.dedup.config import CLUSTER_SIZE_FIELD, DedupConfig
from dataprep.dedup.minhash import MinHasher, sketch_of

# --- keep rule: nodes ----------------------------------------------------------------------

#: A document as the dedup graph sees it: (rank, id, weight). Tuples order by rank, then id, so
#: the minimum node of any group is the document the keep rule keeps; weight is the number of
#: input documents it already stands for (its `dup_cluster_size`, 1 by default).
Node = tuple  # (float, str, int)


def rank_of(metadata: Mapping[str, Any], keep: str, score_field: str) -> float:
    """0.0 for min_id; −score for max_score (missing, non-numeric or NaN scores rank last)."""
    if keep == "min_id":
        return 0.0
    score = metadata.get(score_field)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
        return math.inf
    return -float(score) + 0.0  # + 0.0 turns −0.0 into 0.0: equal keys must be equal bytes


def weight_of(metadata: Mapping[str, Any]) -> int:
    value = metadata.get(CLUSTER_SIZE_FIELD, 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def node_of(doc, config: DedupConfig) -> Node:
    return (rank_of(doc.metadata, config.keep, config.score_field), doc.id, weight_of(doc.metadata))


class KeepBest:
    """Accumulates nodes: the best (smallest) one, how many, and their total weight.

    The same logic serves Beam's CombineFn (`pipelines.dedup`) and in-memory callers.
    """

    @staticmethod
    def create() -> tuple:
        return (None, 0, 0)

    @staticmethod
    def add(acc: tuple, node: Node) -> tuple:
        best, count, weight = acc
        return (node if best is None or node < best else best, count + 1, weight + node[2])

    @staticmethod
    def merge(accs: Iterable[tuple]) -> tuple:
        best, count, weight = None, 0, 0
        for b, c, w in accs:
            if b is not None and (best is None or b < best):
                best = b
            count += c
            weight += w
        return (best, count, weight)


# --- union-find ------------------------------------------------------------------------------


class UnionFind:
    """Disjoint sets whose root is always the smallest member (so roots are keep-rule winners)."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        if x not in parent:
            parent[x] = x
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, x, y) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if ry < rx:
            rx, ry = ry, rx
        self.parent[ry] = rx


def components(edges: Iterable[tuple]) -> dict:
    """{node: smallest node of its component} for every node on an edge."""
    sets = UnionFind()
    for u, v in edges:
        sets.union(u, v)
    return {node: sets.find(node) for node in list(sets.parent)}


def star_edges(edges: Iterable[tuple]) -> list[tuple]:
    """The converged form of a graph: (node, component minimum) for every non-minimum node, sorted."""
    return sorted((node, root) for node, root in components(edges).items() if node != root)


# --- linking the members of an LSH bucket ---------------------------------------------------

#: A bucket's anchors: its smallest members, held in memory (with their sketches) while the
#: bucket streams past. Buckets up to this size are linked pair by pair.
BUCKET_ANCHORS = 16


@dataclasses.dataclass
class BucketStats:
    size: int = 0  # members
    edges: int = 0  # edges emitted
    anchors: list = dataclasses.field(default_factory=list)  # [(node, sketch)], ascending


def link_bucket(members: Iterable[tuple], cut: float | None, stats: BucketStats | None = None,
                anchors: int = BUCKET_ANCHORS) -> Iterator[tuple]:
    """Edges (member, smaller member) that connect a bucket's verified near-duplicates.

    `members` — (node, sketch) pairs — is iterated at most twice and never copied, so a bucket
    of millions streams through O(`anchors`) memory. Pass 1 keeps the `anchors` smallest
    members. Among them every pair is compared and a spanning forest of the pairs whose
    estimated Jaccard reaches `cut` is emitted: for a bucket that small this links exactly
    the verified pairs' components. Pass 2 (larger buckets only) links each other member to
    the smallest anchor it verifies with (the NeMo Curator anchor scheme). With `cut` None
    every member is linked (a star to the smallest). `stats` receives size, edges and anchors.
    """
    stats = stats if stats is not None else BucketStats()
    top: list = []  # ascending (node, sketch)
    for member in members:
        stats.size += 1
        if len(top) < anchors:
            bisect.insort(top, member, key=_node)
        elif member[0] < top[-1][0]:
            bisect.insort(top, member, key=_node)
            top.pop()
    stats.anchors = top
    if len(top) < 2:
        return
    if cut is None:
        for node, _ in top[1:]:
            stats.edges += 1
            yield node, top[0][0]
    else:
        matrix = np.stack([np.frombuffer(sketch, dtype="<u2") for _, sketch in top])
        needed = math.ceil(cut * matrix.shape[1] - 1e-9)  # equal positions needed to reach the cut
        sets = UnionFind()
        for i in range(1, len(top)):
            agree = np.count_nonzero(matrix[:i] == matrix[i], axis=1)
            for j in range(i):
                if agree[j] >= needed and sets.find(i) != sets.find(j):
                    sets.union(i, j)
                    stats.edges += 1
                    yield top[i][0], top[j][0]
    if stats.size <= len(top):
        return
    last = top[-1][0]
    for node, sketch in members:
        if node <= last:
            continue  # an anchor
        if cut is None:
            stats.edges += 1
            yield node, top[0][0]
            continue
        agree = np.count_nonzero(matrix == np.frombuffer(sketch, dtype="<u2"), axis=1)
        hits = np.flatnonzero(agree >= needed)
        if len(hits):
            stats.edges += 1
            yield node, top[hits[0]][0]


def _node(member: tuple):
    return member[0]


def minhash_edges(docs: Iterable, config: DedupConfig) -> set[tuple]:
    """Verified candidate edges (node, smaller node) of MinHash LSH, in memory, unsalted."""
    minhash = config.minhash
    hasher = MinHasher(minhash)
    buckets: dict[bytes, list] = {}
    for doc in docs:
        signature = hasher.signature(doc.text)
        if signature is None:
            continue
        member = (node_of(doc, config), sketch_of(signature))
        for key in hasher.band_keys(signature):
            buckets.setdefault(key, []).append(member)
    cut = minhash.cut() if minhash.verify else None
    edges = set()
    for members in buckets.values():
        if len(members) > 1:
            edges.update(link_bucket(members, cut))
    return edges


def log2_bin(size: int) -> str:
    """Histogram bin of a size: "1", "2", "3-4", "5-8", "9-16", ..."""
    if size <= 2:
        return str(size)
    upper = 1 << (size - 1).bit_length()
    return f"{upper // 2 + 1}-{upper}"
