"""contamination.json and its table, from the report rows the stage emits.

Rows are `(kind, key, value)`:
- ("benchmark", name, [example ids]): every example of a benchmark (the clean/dirty split);
- ("source", (benchmark, source), (documents hit, chars removed, documents dropped)), summed;
- ("example", (benchmark, example id), documents containing it), summed;
- ("ignored_example_frequency", n-gram, examples) and ("ignored_document_frequency", n-gram,
  documents): n-grams left out by the frequency cuts;
- ("settings", None, the config as a dict).
"""

from __future__ import annotations


def contamination_document(rows: list) -> dict:
    ids: dict[str, list[str]] = {}
    per_source: dict[str, dict] = {}
    found: dict[str, dict[str, int]] = {}
    ignored: dict[str, list] = {"example_frequency": [], "document_frequency": []}
    settings = None
    for kind, key, value in rows:
        if kind == "benchmark":
            ids[key] = list(value)
        elif kind == "source":
            benchmark, source = key
            per_source.setdefault(benchmark, {})[source] = {
                "documents_hit": value[0], "chars_removed": value[1], "documents_dropped": value[2]}
        elif kind == "example":
            found.setdefault(key[0], {})[key[1]] = value
        elif kind.startswith("ignored_"):
            ignored[kind[len("ignored_"):]].append({"ngram": key, "count": value})
        elif kind == "settings":
            settings = value
    benchmarks = {}
    for name in sorted(ids):
        dirty = found.get(name, {})
        sources = dict(sorted(per_source.get(name, {}).items()))
        totals = {field: sum(entry[field] for entry in sources.values())
                  for field in ("documents_hit", "chars_removed", "documents_dropped")}
        benchmarks[name] = {
            "examples": len(ids[name]),
            "examples_found": len(dirty),
            **totals,
            "by_source": sources,
            "dirty_ids": [example for example in ids[name] if example in dirty],
            "clean_ids": [example for example in ids[name] if example not in dirty],
            "documents_per_dirty_example": dict(sorted(dirty.items())),
        }
    for entries in ignored.values():
        entries.sort(key=lambda entry: (-entry["count"], entry["ngram"]))
    return {"settings": settings, "benchmarks": benchmarks, "ignored_ngrams": ignored}


def format_contamination_table(report: dict) -> str:
    """One line per benchmark (and per source under it)."""
    header = f"{'benchmark':<16} {'source':<12} {'found':>11} {'docs hit':>9} {'chars removed':>14} {'docs dropped':>13}"
    lines = [header, "-" * len(header)]
    for name, entry in report["benchmarks"].items():
        found = f"{entry['examples_found']}/{entry['examples']}"
        lines.append(f"{name:<16} {'(all)':<12} {found:>11} {entry['documents_hit']:>9} {entry['chars_removed']:>14} "
                     f"{entry['documents_dropped']:>13}")
        for source, row in entry["by_source"].items():
            lines.append(f"{'':<16} {source:<12} {'':>11} {row['documents_hit']:>9} {row['chars_removed']:>14} "
                         f"{row['documents_dropped']:>13}")
    for kind, entries in report["ignored_ngrams"].items():
        if entries:
            lines.append(f"ignored n-grams ({kind.replace('_', ' ')}): {len(entries)}; most frequent: "
                         f"{entries[0]['ngram']!r} ({entries[0]['count']})")
    return "\n".join(lines)
