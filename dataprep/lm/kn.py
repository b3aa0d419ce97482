"""Interpolated modified Kneser-Ney (Chen & Goodman 1998), as KenLM's `lmplz` estimates it.

The steps, each a plain function over dicts so the Beam counting (pipelines/lm.py) and a small
in-memory run share them:

1. `sentence_ngrams`: a sentence `<s> w1 … wk </s>` yields, for every predicted token, the
   n-gram ending there, of the model's order or shorter when it reaches `<s>` (lmplz pads
   sentence starts this way: "<s> a" is a full-length n-gram, it cannot be extended left).
2. `adjust_counts`: the counts KN estimates from. The highest order and n-grams starting with
   `<s>` keep their raw counts; every other n-gram's count is the number of distinct words seen
   to its left (its continuation count).
3. `discounts`: per order, D(k) = k − (k+1)·Y·t[k+1]/t[k], Y = t1/(t1 + 2·t2), t[k] = how many
   n-grams have adjusted count k (D(3) serves every k ≥ 3). With too little data (t1, t2 or t3
   of 0, or a D(k) outside [0, k]: lmplz's adjust_counts.cc) the order takes KenLM's `--discount_fallback` values 0.5, 1, 1.5.
4. `estimate`: u(w|c) = (a(cw) − D(a(cw))) / Σx a(cx); backoff b(c) = Σk D(k)·|{x: a(cx)=k}| / Σx a(cx);
   p(w|c) = u(w|c) + b(c)·p(w|c'), c' dropping c's first word; unigrams interpolate with the
   uniform 1/|V| (|V| counts `<unk>`, not `<s>`: lmplz's interpolate.cc). `<s>` is never predicted: lmplz writes log10 p = 0.

`prune` (lmplz `--prune 0 0 1`): n-grams of order ≥ 3 with adjusted count 1 are removed unless a
kept longer n-gram has them as its context or its backoff suffix; their discounted mass joins their context's backoff, so each
context's distribution still sums to one.
"""

from __future__ import annotations

import math
from typing import Iterable, Iterator, Mapping

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
# lmplz --discount_fallback's default "0.5 1 1.5": D(1), D(2), D(3+).
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)
# ARPA has no log10(0): −99 stands for it (a context whose mass was all pruned).
LOG_ZERO = -99.0
# <s> is a context only, never predicted: lmplz (kenlm 0.3.0) writes its log10 p as 0.
BOS_LOG_PROB = 0.0

Ngram = tuple  # of token strings


def sentence_ngrams(tokens: Iterable[str], order: int) -> Iterator[Ngram]:
    """The n-grams lmplz counts in one sentence (without `<s>`/`</s>`; they are added here)."""
    padded = [BOS, *tokens, EOS]
    for end in range(1, len(padded)):
        yield tuple(padded[max(0, end + 1 - order):end + 1])


def adjust_counts(raw: Mapping[Ngram, int], order: int) -> list[dict[Ngram, int]]:
    """Raw counts (from `sentence_ngrams`) → adjusted counts per order: index n−1 holds order n."""
    levels: list[dict[Ngram, int]] = [{} for _ in range(order)]
    for gram, count in raw.items():
        levels[len(gram) - 1][gram] = count
    for n in range(order, 1, -1):
        lower = levels[n - 2]
        for gram in levels[n - 1]:
            suffix = gram[1:]
            # Raw n-grams below the top order all start with <s>, and no suffix does, so a key
            # is either raw or a continuation count, never both.
            lower[suffix] = lower.get(suffix, 0) + 1
    return levels


def counts_of_counts(adjusted: Iterable[int]) -> list[int]:
    """t[k] for k = 1…4 (index k−1): how many n-grams of one order have adjusted count k."""
    t = [0, 0, 0, 0]
    for count in adjusted:
        if 1 <= count <= 4:
            t[count - 1] += 1
    return t


def discounts(t: list[int]) -> tuple[float, float, float]:
    """(D(1), D(2), D(3+)) from the counts of counts; the fallback when the data are too few."""
    if any(value == 0 for value in t[:3]):  # lmplz checks t1…t3; t4 = 0 gives D(3+) = 3, in range
        return FALLBACK_DISCOUNTS
    y = t[0] / (t[0] + 2 * t[1])
    values = tuple(k - (k + 1) * y * t[k] / t[k - 1] for k in (1, 2, 3))
    if any(not 0 <= d <= k for k, d in zip((1, 2, 3), values)):
        return FALLBACK_DISCOUNTS
    return values


def discount(d: tuple[float, float, float], count: int) -> float:
    return d[min(count, 3) - 1]


def _prunable(levels: list[dict[Ngram, int]]) -> list[set]:
    """Per order, the singletons (order ≥ 3) that no kept longer n-gram extends."""
    pruned: list[set] = [set() for _ in levels]
    for n in range(len(levels), 2, -1):
        # A kept longer n-gram needs its context (prefix) and the n-gram it backs off to (suffix).
        kept = [gram for gram in levels[n] if gram not in pruned[n]] if n < len(levels) else []
        needed = {gram[:-1] for gram in kept} | {gram[1:] for gram in kept}
        pruned[n - 1] = {gram for gram, count in levels[n - 1].items() if count == 1 and gram not in needed}
    return pruned


class Model:
    """An estimated model: per order, {ngram: log10 p} and {context ngram: log10 backoff}."""

    def __init__(self, order: int, probs: list[dict], backoffs: list[dict], discounts: list[tuple]):
        self.order = order
        self.probs = probs
        self.backoffs = backoffs
        self.discounts = discounts

    def counts(self) -> list[int]:
        return [len(level) for level in self.probs]


def estimate(levels: list[dict[Ngram, int]], prune: bool = False) -> Model:
    """Adjusted counts (`adjust_counts`) → the interpolated modified KN model."""
    order = len(levels)
    ds = [discounts(counts_of_counts(level.values())) for level in levels]
    pruned = _prunable(levels) if prune else [set() for _ in levels]
    # Per context: Σx a(cx) and the discounted mass Σ D(a(cx)) (plus the pruned n-grams' mass).
    totals: list[dict[Ngram, list[float]]] = []
    for n, level in enumerate(levels, start=1):
        sums: dict[Ngram, list[float]] = {}
        for gram, count in level.items():
            entry = sums.setdefault(gram[:-1], [0.0, 0.0])
            entry[0] += count
            d = discount(ds[n - 1], count)
            entry[1] += count if gram in pruned[n - 1] else d
        totals.append(sums)
    unigram_total, unigram_mass = totals[0].get((), [0.0, 0.0])
    vocab = {gram[0] for gram in levels[0]} | {UNK, EOS}
    vocab.discard(BOS)
    uniform = 1.0 / len(vocab)
    gamma0 = unigram_mass / unigram_total if unigram_total else 1.0
    probs: list[dict[Ngram, float]] = [{} for _ in range(order)]
    linear: list[dict[Ngram, float]] = [{} for _ in range(order)]
    for word in sorted(vocab):
        count = levels[0].get((word,), 0)
        u = (count - discount(ds[0], count)) / unigram_total if count else 0.0
        linear[0][(word,)] = u + gamma0 * uniform
    backoff_of = [{ctx: mass / total for ctx, (total, mass) in sums.items()} for sums in totals]
    for n in range(2, order + 1):
        level, sums, lower = levels[n - 1], totals[n - 1], linear[n - 2]
        for gram, count in level.items():
            if gram in pruned[n - 1]:
                continue
            total = sums[gram[:-1]][0]
            u = (count - discount(ds[n - 1], count)) / total
            linear[n - 1][gram] = u + backoff_of[n - 1][gram[:-1]] * lower[gram[1:]]
    for n in range(order):
        probs[n] = {gram: math.log10(p) for gram, p in linear[n].items()}
    probs[0][(BOS,)] = BOS_LOG_PROB
    # A backoff belongs to an n-gram that is the context of a kept longer n-gram.
    backoffs: list[dict[Ngram, float]] = [{} for _ in range(order)]
    for n in range(1, order):
        for gram in linear[n]:
            ctx = gram[:-1]
            if ctx not in backoffs[n - 1]:
                weight = backoff_of[n][ctx]
                backoffs[n - 1][ctx] = math.log10(weight) if weight > 0 else LOG_ZERO
    return Model(order, probs, backoffs, ds)
