"""Reading inputs: one file is one unit of work, spread over workers by a Reshuffle.

Globs are expanded when the graph is built (`FileSystems.match`), so a pattern that matches
nothing is one clear error before any worker starts, and the file list is sorted, which keeps
the graph the same on every run.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import time

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from dataprep.readers import ReaderOptions, ReadFailure, read_records
from dataprep.recipe import InputConfig

_GLOB_CHARS = re.compile(r"[*?\[]")
LOG = logging.getLogger("dataprep.read")


class InputNotFound(Exception):
    pass


def _root_of(pattern: str) -> str:
    """The folder above the first glob character: ids are relative to it."""
    head = _GLOB_CHARS.split(pattern, 1)[0]
    return head if head.endswith("/") else posixpath.dirname(head) + "/"


def expand_input(config: InputConfig) -> list[tuple[str, str]]:
    """Sorted (path, location) pairs; location is the path below the inputs' common root."""
    paths, roots = set(), []
    for pattern in config.paths:
        matches = FileSystems.match([pattern])[0].metadata_list
        files = [m.path for m in matches if not m.path.endswith("/")]
        folders = [path for path in files if "://" not in path and os.path.isdir(path)]
        if folders:
            raise InputNotFound(f"input {config.source!r}: {folders[0]} is a folder; name its files, "
                                f"e.g. {folders[0].rstrip('/')}/*")
        if not files:
            raise InputNotFound(f"input {config.source!r}: no files match {pattern}")
        paths.update(files)
        roots.append(_root_of(pattern))
    root = posixpath.commonprefix(roots)
    root = root[: root.rfind("/") + 1]
    return [(path, path[len(root):] if path.startswith(root) else path) for path in sorted(paths)]


class _ReadFile(beam.DoFn):
    def __init__(self, config: InputConfig, options: ReaderOptions):
        self.config = config
        self.options = options

    def process(self, element):
        path, location = element
        start, records, failures = time.monotonic(), 0, 0
        # Uncompressed: the readers decompress themselves (per-record gzip in WARC.gz must be
        # seen member by member to survive a corrupt one).
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as fileobj:
            for record in read_records(fileobj, path, location, self.config.source, self.config.format, self.options):
                records += 1
                failures += isinstance(record, ReadFailure)
                yield record
        # One line per input file: the progress a user sees on a local run (worker logs elsewhere).
        LOG.info("read %s/%s: %d records, %d unreadable, %.1f s",
                 self.config.source, location, records, failures, time.monotonic() - start)


class ReadInput(beam.PTransform):
    """(path, location) pairs → Document | RawPage | ReadFailure records."""

    def __init__(self, config: InputConfig, files: list[tuple[str, str]], options: ReaderOptions):
        super().__init__()
        self.config = config
        self.files = files
        self.options = options

    def expand(self, pipeline):
        return (
            pipeline
            | "Files" >> beam.Create(self.files)  # (path, location)
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(_ReadFile(self.config, self.options))  # Document | RawPage | ReadFailure
            # A compressed file is read by one worker; spread its records before extraction.
            | "SpreadRecords" >> beam.Reshuffle()
        )
