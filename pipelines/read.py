"""Reading inputs: one file is one unit of work, spread over workers by a Reshuffle.

Globs are expanded when the graph is built (`dataprep.inputs.expand`), so a pattern that
matches nothing is one clear error before any worker starts, and the file list is sorted,
which keeps the graph the same on every run.
"""

from __future__ import annotations

import logging
import time

import apache_beam as beam

from dataprep import fs, inputs
from dataprep.inputs import InputConfig, InputFile
from dataprep.readers import ReaderOptions, ReadFailure, read_records

LOG = logging.getLogger("dataprep.read")


def expand_input(config: InputConfig) -> list[InputFile]:
    """The input's files, sorted; a folder or a pattern that matches nothing is an InputError."""
    return inputs.expand(config.paths, what=f"input {config.source!r}", folders=False)


class _ReadFile(beam.DoFn):
    def __init__(self, config: InputConfig, options: ReaderOptions):
        self.config = config
        self.options = options

    def process(self, element):
        path, location = element
        start, records, failures = time.monotonic(), 0, 0
        # Uncompressed: the readers decompress themselves (per-record gzip in WARC.gz must be
        # seen member by member to survive a corrupt one).
        with fs.open_read(path) as fileobj:
            for record in read_records(fileobj, path, location, self.config.source, self.config.format, self.options):
                records += 1
                failures += isinstance(record, ReadFailure)
                yield record
        # One line per input file: the progress a user sees on a local run (worker logs elsewhere).
        LOG.info("read %s/%s: %d records, %d unreadable, %.1f s",
                 self.config.source, location, records, failures, time.monotonic() - start)


class ReadInput(beam.PTransform):
    """An input's files → Document | ReadFailure records (HTML pages carry their payload)."""

    def __init__(self, config: InputConfig, files: list[InputFile], options: ReaderOptions):
        super().__init__()
        self.config = config
        self.files = [(item.path, item.location) for item in files]
        self.options = options

    def expand(self, pipeline):
        return (
            pipeline
            | "Files" >> beam.Create(self.files)  # (path, location)
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadFile(self.config, self.options))  # Document | ReadFailure
            # A compressed file is read by one worker; spread its records before extraction.
            | "SpreadRecords" >> beam.Reshuffle()
        )
