"""Benchmarks as data: named JSONL / JSONL.gz / Parquet files of examples, and the shipped ones.

A benchmark is read whole on the machine that builds the graph, so a missing file or a bad
line is one clear error before any work (eval examples are never skipped silently: a lost
example would be a contaminated score reported as clean).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from typing import Any, Iterator

from dataprep import fs, inputs
from dataprep.decontaminate.config import BenchmarkConfig
from dataprep.inputs import InputError
from dataprep.readers.base import compression_of, decompressed_chunks, peek

_RESOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "benchmarks")

#: Test sets shipped in dataprep/resources/benchmarks/ (sources and licences in its README.md).
SHIPPED = {
    "humaneval": BenchmarkConfig(name="humaneval", path=os.path.join(_RESOURCES, "humaneval.jsonl.gz"),
                                 id_field="task_id"),
}


@dataclasses.dataclass(frozen=True)
class Example:
    id: str
    texts: tuple[str, ...]  # the eval texts, each matched on its own (n-grams never span two fields)


@dataclasses.dataclass(frozen=True)
class Benchmark:
    name: str
    examples: tuple[Example, ...]


def parse_benchmark(spec: str) -> BenchmarkConfig:
    """`NAME=PATH`, or the name of a shipped benchmark; InputError otherwise."""
    if "=" in spec:
        name, path = spec.split("=", 1)
        if not name or not path:
            raise InputError(f"--benchmark {spec!r}: expected NAME=PATH")
        return BenchmarkConfig(name=name, path=path)
    if spec in SHIPPED:
        return SHIPPED[spec]
    raise InputError(f"--benchmark {spec!r}: expected NAME=PATH or a shipped benchmark "
                     f"({', '.join(sorted(SHIPPED))})")


def _eval_texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, str):
                yield item
    elif isinstance(value, dict):  # e.g. ARC's choices: {"text": [...], "label": [...]}
        for item in value.values():
            yield from _eval_texts(item)


def example_of(row: dict, position: int, config: BenchmarkConfig, where: str) -> Example:
    if config.fields:
        missing = [name for name in config.fields if name not in row]
        if missing:
            raise InputError(f"{where}: no field {missing[0]!r} (fields: {', '.join(map(str, row))})")
        values = [row[name] for name in config.fields]
    else:
        values = [value for key, value in row.items() if key != config.id_field]
    texts = tuple(text for value in values for text in _eval_texts(value) if text.strip())
    example_id = row.get(config.id_field)
    return Example(id=str(position) if example_id is None else str(example_id), texts=texts)


def _rows(path: str, location: str) -> Iterator[tuple[dict, str]]:
    fmt = inputs.format_of(path)
    with fs.open_read(path) as handle:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(io.BytesIO(handle.read()))
            for number, row in enumerate(table.to_pylist()):
                yield row, f"{location} row {number}"
            return
        if fmt != "jsonl":
            raise InputError(f"{location}: a benchmark file must be .jsonl, .jsonl.gz, .jsonl.zst or .parquet")
        data = b"".join(decompressed_chunks(handle, compression_of(peek(handle))))
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{location}:{number}"
        try:
            row = json.loads(line)
        except ValueError as error:
            raise InputError(f"{where}: not JSON ({error})") from None
        if not isinstance(row, dict):
            raise InputError(f"{where}: expected a JSON object per line")
        yield row, where


def load_benchmark(config: BenchmarkConfig) -> Benchmark:
    files = inputs.expand([config.path], what=f"benchmark {config.name!r}")
    examples = []
    for item in files:
        for row, where in _rows(item.path, f"benchmark {config.name!r} {item.location}"):
            examples.append(example_of(row, len(examples), config, where))
    if not examples:
        raise InputError(f"benchmark {config.name!r}: {config.path} holds no examples")
    return Benchmark(config.name, tuple(examples))
