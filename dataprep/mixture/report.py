"""The mixture's report: target against realised per source, as `mixture.json` holds it, and a table."""

from __future__ import annotations

from typing import Mapping

from dataprep.mixture.plan import MixturePlan


def mixture_report(plan: MixturePlan, realised: Mapping[str, Mapping[str, int]]) -> dict:
    """`realised[source] = {"tokens": …, "documents": …}` counted over the sample (every copy);
    → {"total": {...}, "sources": {name: {target_tokens, realised_tokens, realised_share, …}}}."""
    realised_total = sum(int(realised.get(name, {}).get("tokens", 0)) for name in plan.sources)
    sources = {}
    for name, source in plan.sources.items():
        counts = realised.get(name, {})
        tokens = int(counts.get("tokens", 0))
        sources[name] = {
            "target_tokens": source.target_tokens,
            "realised_tokens": tokens,
            "target_share": source.target_tokens / plan.total_tokens if plan.total_tokens else 0.0,
            "realised_share": tokens / realised_total if realised_total else 0.0,
            "epochs": source.epochs,
            "realised_epochs": tokens / source.source_tokens if source.source_tokens else 0.0,
            "source_tokens": source.source_tokens,
            "documents": int(counts.get("documents", 0)),
        }
    return {
        "seed": plan.seed,
        "total": {
            "target_tokens": plan.total_tokens,
            "realised_tokens": realised_total,
            "documents": sum(entry["documents"] for entry in sources.values()),
        },
        "sources": sources,
    }


def format_report(report: dict) -> str:
    """The report as a fixed-width table: one row per source and a total row."""
    header = ("source", "target tokens", "realised tokens", "target %", "realised %", "epochs", "realised ep.",
              "documents")
    rows = [header]
    for name, entry in report["sources"].items():
        rows.append((name, f"{entry['target_tokens']:,}", f"{entry['realised_tokens']:,}",
                     f"{100 * entry['target_share']:.2f}", f"{100 * entry['realised_share']:.2f}",
                     f"{entry['epochs']:.3f}", f"{entry['realised_epochs']:.3f}", f"{entry['documents']:,}"))
    total = report["total"]
    rows.append(("total", f"{total['target_tokens']:,}", f"{total['realised_tokens']:,}", "100.00", "100.00", "", "",
                 f"{total['documents']:,}"))
    return text_table(rows)


def text_table(rows: list[tuple[str, ...]], left: tuple[int, ...] = (0,)) -> str:
    """Fixed-width columns two spaces apart: the `left` columns left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))).rstrip() for row in rows)
