"""Held-out metrics of a binary quality classifier: precision, recall, F1, ROC AUC and the score
distribution of each class. Plain Python: the held-out split is 10^4–10^5 scores at most."""

from __future__ import annotations

HISTOGRAM_BINS = 10


def histogram(scores, bins: int = HISTOGRAM_BINS) -> list[int]:
    """Counts of scores in `bins` equal bins over [0, 1]; 1.0 falls in the last bin."""
    counts = [0] * bins
    for score in scores:
        counts[min(int(score * bins), bins - 1)] += 1
    return counts


def quantile(sorted_scores: list[float], q: float) -> float:
    """The nearest-rank quantile of already sorted scores."""
    index = min(len(sorted_scores) - 1, max(0, round(q * (len(sorted_scores) - 1))))
    return sorted_scores[index]


def distribution(scores) -> dict:
    """Count, mean, the 10/25/50/75/90th percentiles and a 10-bin histogram of scores."""
    ordered = sorted(scores)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 6),
        "quantiles": {f"p{round(q * 100)}": quantile(ordered, q) for q in (0.1, 0.25, 0.5, 0.75, 0.9)},
        "histogram": histogram(ordered),
    }


def roc_auc(positive_scores, negative_scores) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half
    (the Mann–Whitney U statistic over the pooled ranks: O(n log n), no threshold sweep)."""
    pooled = sorted([(s, 1) for s in positive_scores] + [(s, 0) for s in negative_scores])
    n_pos, n_neg = len(positive_scores), len(negative_scores)
    if not n_pos or not n_neg:
        raise ValueError("roc_auc needs scores of both classes")
    rank_sum, i = 0.0, 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # ranks i+1 … j share their mean
        rank_sum += mean_rank * sum(label for _, label in pooled[i:j])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def binary_metrics(positive_scores: list[float], negative_scores: list[float], threshold: float = 0.5) -> dict:
    """Precision, recall and F1 of "positive if score ≥ threshold", ROC AUC, and both classes'
    score distributions."""
    true_pos = sum(s >= threshold for s in positive_scores)
    false_pos = sum(s >= threshold for s in negative_scores)
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / len(positive_scores) if positive_scores else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "roc_auc": round(roc_auc(positive_scores, negative_scores), 6),
        "scores": {"positive": distribution(positive_scores), "negative": distribution(negative_scores)},
    }
