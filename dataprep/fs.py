"""The one file-system helper: plain `os` for local paths, Beam's `FileSystems` for gs://, s3://, ….

Importing Beam costs about 1 s and 170 MB of RSS, more than a small training run itself, so a
local path never imports it; any path with a scheme goes through `FileSystems`. This is the
only place where a core module may import Beam, and only lazily, for a remote path.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from typing import IO


def is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def _beam():
    from apache_beam.io.filesystems import FileSystems

    return FileSystems


def join(base: str, *parts: str) -> str:
    return _beam().join(base, *parts) if is_remote(base) else os.path.join(base, *parts)


def exists(path: str) -> bool:
    return _beam().exists(path) if is_remote(path) else os.path.exists(_local(path))


def is_folder(path: str) -> bool:
    if not is_remote(path):
        return os.path.isdir(path)
    return not [p for p, _ in match(path) if p == path]  # object stores have no folders


def match(pattern: str) -> list[tuple[str, int]]:
    """(path, size) of the files a glob matches (`**` crosses folders); [] when none."""
    if not is_remote(pattern):
        return [(p, os.path.getsize(p)) for p in sorted(glob.glob(pattern, recursive=True)) if os.path.isfile(p)]
    try:
        found = _beam().match([pattern])[0].metadata_list
    except Exception:  # BeamIOError when nothing matches, on some filesystems
        return []
    return [(m.path, m.size_in_bytes) for m in found if not m.path.endswith("/")]


def open_read(path: str) -> IO[bytes]:
    """A binary reader that does not decompress (readers decide that from the name)."""
    if not is_remote(path):
        return open(_local(path), "rb")
    from apache_beam.io.filesystem import CompressionTypes

    return _beam().open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def read_bytes(path: str) -> bytes:
    with open_read(path) as handle:
        return handle.read()


def mkdirs(path: str) -> None:
    if not is_remote(path):
        os.makedirs(path, exist_ok=True)
    elif not exists(path):
        _beam().mkdirs(path)


def write_atomic(path: str, data) -> None:
    """Write bytes (or a buffer) to a temporary name, then rename over `path`."""
    temporary = path + ".tmp"
    if not is_remote(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return
    from apache_beam.io.filesystem import CompressionTypes

    filesystems = _beam()
    with filesystems.create(temporary, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        handle.write(bytes(data))
    if filesystems.exists(path):
        filesystems.delete([path])
    filesystems.rename([temporary], [path])


def delete(paths: list[str]) -> None:
    local = [p for p in paths if not is_remote(p)]
    remote = [p for p in paths if is_remote(p)]
    for path in local:
        os.remove(path)
    if remote:
        _beam().delete(remote)


def local_copy(path: str) -> str:
    """A local file with the contents of `path`, for libraries that only open local files
    (fastText). A remote file is copied once per machine into the temp folder."""
    if not is_remote(path):
        if not os.path.isfile(_local(path)):
            raise FileNotFoundError(f"file not found: {path}")
        return _local(path)
    target = os.path.join(tempfile.gettempdir(), "dataprep-files", re.sub(r"[^\w.-]", "_", path))
    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open_read(path) as remote, tempfile.NamedTemporaryFile(dir=os.path.dirname(target), delete=False) as local:
            shutil.copyfileobj(remote, local)
        os.replace(local.name, target)
    return target
