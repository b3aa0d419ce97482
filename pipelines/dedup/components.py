"""Connected components of the candidate-edge graph, as large-star/small-star rounds on Beam.

Kiveris et al. 2014, "Connected Components in MapReduce and Beyond": the rounds are unrolled
to `minhash.max_rounds` in the graph and checked, so a graph that needs more fails loudly,
naming the bound. Nodes are keep-rule nodes, so every component's minimum is the document kept.
"""

from __future__ import annotations

import typing

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from dataprep import dedup
from pipelines.dedup.common import ANY_OUTPUT, CLUSTER

UNCONVERGED = "unconverged"


class ComponentsResult(typing.NamedTuple):
    edges: beam.PCollection  # (node, component minimum), one per non-minimum node
    stats: beam.PCollection  # ((kind, metric, bin), value)


def _both_directions(edge):
    big, small = edge
    yield big, small
    yield small, big


def _node_state(u, neighbours):
    """One pass over Γ(u): (smallest of Γ(u) ∪ {u}, smallest smaller neighbour, whether u is converged,
    smaller neighbours counted with repeats).

    Converged = the graph around u is a star centred on a component minimum: u has no smaller
    neighbour, or exactly one distinct smaller neighbour and no larger one.
    """
    smallest = u
    lo = hi = None
    larger = False
    smaller = 0
    for v in neighbours:
        if v < u:
            smaller += 1
            if lo is None or v < lo:
                lo = v
                smallest = v
            if hi is None or v > hi:
                hi = v
        elif v > u:
            larger = True
    return smallest, lo, lo is None or (lo == hi and not larger), smaller


class _RoundCounter:
    """Unconverged nodes and edges of one graph, summed per bundle and emitted at its end.

    Emitting per bundle rather than per node keeps the stats a handful of records per worker.
    """

    def __init__(self, index: int):
        self.index = index

    def start(self):
        self.unconverged = self.edges = 0

    def add(self, converged: bool, smaller: int):
        self.unconverged += not converged
        self.edges += smaller  # each edge counted once, at its bigger end

    def finish(self, tag: str = CLUSTER):
        bin_ = f"{self.index:02d}"
        for metric, value in (("cc_unconverged_nodes", self.unconverged), ("cc_edges", self.edges)):
            yield beam.pvalue.TaggedOutput(tag, WindowedValue(
                (("minhash", metric, bin_), value), MIN_TIMESTAMP, [GlobalWindow()]))


@ANY_OUTPUT
class _LargeStar(beam.DoFn):
    """u, Γ(u) → (v, m(u)) for every neighbour v > u, m(u) = min(Γ(u) ∪ {u}) (Kiveris et al.).

    Γ(u) is iterated twice, never copied. On the side: how many nodes of the input graph (the
    graph after round `index` − 1) were unconverged, and its edges.
    """

    def __init__(self, index: int):
        self.counter = _RoundCounter(index - 1)

    def start_bundle(self):
        self.counter.start()

    def process(self, element):
        u, neighbours = element  # node, iterable of nodes
        smallest, _, converged, smaller = _node_state(u, neighbours)
        self.counter.add(converged, smaller)
        for v in neighbours:
            if v > u:
                yield v, smallest

    def finish_bundle(self):
        yield from self.counter.finish()


def _small_star(element):
    """u, N = {v ∈ Γ(u): v < u} → (v, m) for v ∈ N ∪ {u}, v ≠ m, m = min N."""
    u, smaller = element  # node, iterable of smaller nodes (two passes)
    smallest = min(smaller)
    for v in smaller:
        if v != smallest:
            yield v, smallest
    yield u, smallest


@ANY_OUTPUT
class _Check(beam.DoFn):
    """The graph after the last round → (leaf, centre) once per leaf, and its unconverged count."""

    def __init__(self, index: int):
        self.counter = _RoundCounter(index)

    def start_bundle(self):
        self.counter.start()

    def process(self, element):
        u, neighbours = element
        _, lo, converged, smaller = _node_state(u, neighbours)
        self.counter.add(converged, smaller)
        if lo is not None and converged:
            yield u, lo

    def finish_bundle(self):
        yield from self.counter.finish()
        yield beam.pvalue.TaggedOutput(UNCONVERGED, WindowedValue(
            self.counter.unconverged, MIN_TIMESTAMP, [GlobalWindow()]))


class ComponentsNotConverged(RuntimeError):
    pass


def _fail_unless_converged(unconverged: int, max_rounds: int):
    if unconverged:
        raise ComponentsNotConverged(
            f"connected components did not converge within {max_rounds} large-star/small-star rounds "
            f"({unconverged} nodes still unconverged); raise minhash.max_rounds (the bound, now {max_rounds})")
    return True


class ConnectedComponents(beam.PTransform):
    """Edges (bigger node, smaller node) → (node, component minimum) for every non-minimum node.

    method "beam": the alternating algorithm of Kiveris et al. (2014), large-star then
    small-star, `max_rounds` times, unrolled in the graph (a Beam graph has no data-dependent
    loops). A converged graph is a fixed point, so extra rounds change nothing. `CheckConverged`
    fails the pipeline, naming the bound, if the last round left any node unconverged, and
    the output waits for that check. Stats: unconverged nodes and edges after each round.
    method "union_find": every edge on one worker (`dataprep.dedup.components`); small inputs.
    """

    def __init__(self, max_rounds: int = 12, method: str = "beam"):
        super().__init__()
        self.max_rounds = max_rounds
        self.method = method

    def expand(self, edges):
        if self.method == "union_find":
            final = (
                edges
                | "GatherEdges" >> beam.combiners.ToList()  # [(node, node)], one element
                | "UnionFind" >> beam.FlatMap(dedup.star_edges)  # (node, component minimum)
            )
            return ComponentsResult(final, edges.pipeline | "NoRoundStats" >> beam.Create([]))
        stats = []
        current = edges
        for index in range(1, self.max_rounds + 1):
            large = (
                current
                | f"Round{index:02d}Both" >> beam.FlatMap(_both_directions)  # (u, v) and (v, u)
                | f"Round{index:02d}Neighbours" >> beam.GroupByKey()  # (u, iterable of neighbours)
                | f"Round{index:02d}LargeStar" >> beam.ParDo(_LargeStar(index)).with_outputs(CLUSTER, main="edges")
            )
            stats.append(large[CLUSTER])
            current = (
                large.edges  # (v, m), m < v
                | f"Round{index:02d}Smaller" >> beam.GroupByKey()  # (v, iterable of smaller nodes)
                | f"Round{index:02d}SmallStar" >> beam.FlatMap(_small_star)  # (v, m), m < v
            )
        checked = (
            current
            | "CheckBoth" >> beam.FlatMap(_both_directions)
            | "CheckNeighbours" >> beam.GroupByKey()  # (u, iterable of neighbours)
            | "CheckConverged" >> beam.ParDo(_Check(self.max_rounds)).with_outputs(
                CLUSTER, UNCONVERGED, main="edges")
        )
        stats.append(checked[CLUSTER])
        verdict = (
            checked[UNCONVERGED]
            | "CountUnconverged" >> beam.CombineGlobally(sum)  # nodes not in a star after the last round
            | "FailUnlessConverged" >> beam.Map(_fail_unless_converged, self.max_rounds)
        )
        final = checked.edges | "AfterCheck" >> beam.Map(lambda edge, ok: edge, beam.pvalue.AsSingleton(verdict))
        return ComponentsResult(final, tuple(stats) | "RoundStats" >> beam.Flatten())
