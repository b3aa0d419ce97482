"""Human-readable views of a run's stats.json."""

from __future__ import annotations

TOP_REASONS = 3


def _size(count: int) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f}{unit}"
    return str(count)


def format_stats_table(stats: dict) -> str:
    """One row per stage: documents and characters in → out, and the top drop reasons.

    The extract row counts HTML bytes in and text characters out.
    """
    header = f"{'stage':<20} {'docs in':>9} {'docs out':>9} {'kept':>6} {'chars in':>9} {'chars out':>9}  top drop reasons"
    lines = [header, "-" * len(header)]
    for entry in stats["stages"]:
        kept = entry["docs_out"] / entry["docs_in"] if entry["docs_in"] else 0.0
        reasons = ", ".join(
            f"{reason} {info['docs']}" for reason, info in list(entry["dropped"].items())[:TOP_REASONS]
        )
        more = len(entry["dropped"]) - TOP_REASONS
        if more > 0:
            reasons += f", +{more} more"
        lines.append(
            f"{entry['stage']:<20} {entry['docs_in']:>9} {entry['docs_out']:>9} {kept:>6.1%} "
            f"{_size(entry['chars_in']):>9} {_size(entry['chars_out']):>9}  {reasons}"
        )
    return "\n".join(lines)
