"""The graph of a standalone corpus command: read a corpus, run one stage family, write the
usual layout. `dataprep dedup`, `decontaminate` and `quality` differ only in the family.

Layout under `output`: kept/kept-0000i-of-0000N.parquet, dropped/… (read failures and the
family's drops), stats.json (read + the family's stages) and the family's own files.
"""

from __future__ import annotations

import apache_beam as beam

from dataprep import fs
from dataprep.readers import ReaderOptions, ReadOutcome
from pipelines.read import ReadInput, expand_input
from pipelines.stage import DROPPED, KEPT, STATS, ApplyStage
from pipelines.write import WriteShards, WriteStats


def read_corpus(pipeline, inputs: list, prefix: str = ""):
    """InputConfigs (parquet/jsonl) → (documents, [dropped], [stats]); a corpus dataprep wrote
    keeps each document's own source."""
    docs, dropped, stats = [], [], []
    for index, item in enumerate(inputs):
        options = ReaderOptions(text_field=item.text_field, url_field=item.url_field, id_field=item.id_field,
                                keep_source=True)
        read = (
            pipeline
            | f"{prefix}Read[{index}]" >> ReadInput(item, expand_input(item), options)  # Document | ReadFailure
            | f"{prefix}ReadOutcome[{index}]" >> ApplyStage(ReadOutcome())  # Document; failures dropped
        )
        docs.append(read[KEPT])
        dropped.append(read[DROPPED])
        stats.append(read[STATS])
    return (tuple(docs) | f"{prefix}AllInputs" >> beam.Flatten()), dropped, stats


def build(pipeline, inputs: list, family, stage_names: list[str], output: str, shards: int, write_dropped: bool,
          files: dict[str, str]):
    """Read, apply `family` (a PTransform whose result has kept, dropped and stats), write.

    `files` names the family's own outputs ({"settings": "dedup.json", …}), joined to `output`.
    Returns (paths, the family's result) so the caller writes its own extra outputs.
    """
    corpus, dropped, stats = read_corpus(pipeline, inputs)
    result = corpus | family
    paths = {"kept": fs.join(output, "kept"), "stats": fs.join(output, "stats.json")}
    paths.update({name: fs.join(output, file) for name, file in files.items()})
    result.kept | "WriteKept" >> WriteShards(paths["kept"], "kept", shards)
    if write_dropped:
        paths["dropped"] = fs.join(output, "dropped")
        ((*dropped, result.dropped) | "AllDropped" >> beam.Flatten()
         | "WriteDropped" >> WriteShards(paths["dropped"], "dropped", shards))
    ((*stats, result.stats) | "AllStats" >> beam.Flatten()
     | "WriteStats" >> WriteStats(paths["stats"], ["read", *stage_names]))
    return paths, result
