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
from dataprep.readers.base import failure, shown
from pipelines import progress

LOG = logging.getLogger("dataprep.read")

# A file read faster than this gets no line of its own (the `read[source]` progress line counts
# it): the HTML format is one page per file, and 5,000 pages would be 5,000 lines.
SLOW_FILE_S = 1.0


def expand_input(config: InputConfig) -> list[InputFile]:
    """The input's files, sorted; a folder or a pattern that matches nothing is an InputError."""
    return inputs.expand(config.paths, what=f"input {config.source!r}", folders=False)


def _to_bytes(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def _from_bytes(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")


class _ReadFile(beam.DoFn):
    def __init__(self, config: InputConfig, options: ReaderOptions):
        self.config = config
        self.options = options

    def setup(self):
        # Reading runs before the Reshuffle that follows it, so before any stage's Router counts:
        # its own progress line covers a long decompression.
        self._progress = progress.counter(f"read[{self.config.source}]")

    def process(self, element):
        path, location = (_from_bytes(name) for name in element)
        start, records, failures = time.monotonic(), 0, 0
        # Uncompressed: the readers decompress themselves (per-record gzip in WARC.gz must be
        # seen member by member to survive a corrupt one).
        try:
            fileobj = fs.open_read(path)
        except OSError as error:
            # A dangling symlink, a symlink loop, a file removed or made unreadable since the
            # glob was expanded: one counted drop for the file, the other files go on.
            yield failure(self.config.source, location, "file", None, "read_unreadable_file",
                          f": {type(error).__name__}: {error.strerror or error}")
            return
        with fileobj:
            for record in read_records(fileobj, path, location, self.config.source, self.config.format, self.options):
                records += 1
                failed = isinstance(record, ReadFailure)
                failures += failed
                if self._progress is not None:
                    self._progress.count(not failed)
                yield record
        # A line for each slow file or one with unreadable records (which file is broken); on
        # Dataflow it lands in the worker logs.
        seconds = time.monotonic() - start
        LOG.log(logging.INFO if failures or seconds >= SLOW_FILE_S else logging.DEBUG,
                "read %s/%s: %d records, %d unreadable, %.1f s",
                self.config.source, shown(location), records, failures, seconds)


class ReadInput(beam.PTransform):
    """An input's files → Document | ReadFailure records (HTML pages carry their payload)."""

    def __init__(self, config: InputConfig, files: list[InputFile], options: ReaderOptions):
        super().__init__()
        self.config = config
        # As bytes: a file name that is not UTF-8 holds surrogate escapes, which Beam's str
        # coder refuses (UnicodeEncodeError while the graph was built, before any read).
        self.files = [(_to_bytes(item.path), _to_bytes(item.location)) for item in files]
        self.options = options

    def expand(self, pipeline):
        return (
            pipeline
            | "Files" >> beam.Create(self.files)  # (path, location) as UTF-8 bytes
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadFile(self.config, self.options))  # Document | ReadFailure
            # A compressed file is read by one worker; spread its records before extraction.
            | "SpreadRecords" >> beam.Reshuffle()
        )
