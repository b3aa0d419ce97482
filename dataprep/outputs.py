"""An output folder's lifecycle: claimed under a lock, steps committed by markers, resumed after a kill.

    claim(output, config_hash, record)  lock the folder, refuse another recipe, write its record FIRST
    Steps(output, config_hash, owned)   `_done/<step>.json` markers: a step is skipped when its
                                        marker is valid, else its files (and every later step's)
                                        are removed before it runs again

A marker is written last, after every file of its step is in place (each file itself written
to a temporary name and renamed), so a killed or interrupted run never leaves a step that looks
complete. Markers hold paths relative to the output folder and no time or place: a moved or
copied folder is still complete, and two runs of one recipe write the same bytes.

Locking. Locally the lock file `_lock` (pid, host inside) is held with `flock`: the kernel drops
it when the holder dies, SIGKILL included, so a stale lock is taken over without guessing from
a pid (which may have been reused). Object stores (gs://, s3://) have no atomic create through
Beam's FileSystems: there the lock is written and read back, and a lock of a dead pid on this
host is taken over; two launches on different machines within the same second may both pass,
and a lock left by a killed run on another machine must be removed by hand (the error says so).
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import socket
import time

from dataprep import fs

RECIPE_FILE = "recipe.json"
LOCK_FILE = "_lock"
MARKERS = "_done"
TEMPORARY_SUFFIX = ".tmp"  # what fs.write_atomic writes before its rename


class OutputError(Exception):
    """The output folder cannot be used for this run; the message is one line."""


# --- paths ---------------------------------------------------------------------------------


def relative_to(path: str, folder: str) -> str:
    """`path` relative to `folder` (both local, or on one remote bucket); else `path` unchanged.

    Manifests and markers store this, so that a moved or copied output folder still matches.
    """
    if fs.is_remote(path) != fs.is_remote(folder):
        return path
    if not fs.is_remote(path):
        return os.path.relpath(path.removeprefix("file://"), folder.removeprefix("file://"))
    (scheme, rest), (other, base) = path.split("://", 1), folder.split("://", 1)
    if scheme != other or rest.split("/", 1)[0] != base.split("/", 1)[0]:
        return path
    return posixpath.relpath(rest, base.rstrip("/"))


def files_under(path: str) -> list[tuple[str, int]]:
    """(path, size) of the file `path`, or of every file below the folder `path`."""
    if fs.exists(path) and not fs.is_folder(path):
        return fs.match(path)
    return fs.match(fs.join(path, "**"))


def _size(path: str) -> int | None:
    if fs.is_remote(path):
        found = fs.match(path)
        return found[0][1] if len(found) == 1 else None
    try:
        return os.path.getsize(path.removeprefix("file://"))
    except OSError:
        return None


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _read_json(path: str) -> dict | None:
    try:
        return json.loads(fs.read_bytes(path).decode("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - a remote miss raises Beam's IO errors
        if fs.exists(path):
            raise
        return None


# --- the lock ------------------------------------------------------------------------------


def _holder() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": round(time.time())}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _describe(holder: dict | None) -> str:
    if not holder:
        return "another run"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("started", 0)))
    return f"pid {holder.get('pid')} on {holder.get('host')}, started {started}"


class _Busy(Exception):
    def __init__(self, holder: dict | None):
        super().__init__(_describe(holder))
        self.holder = holder


def _lock_local(path: str):
    """flock on `path`, created if missing; returns its release. _Busy when a live run holds it."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _Busy(_read_json(path)) from None
        try:
            # The holder before us may have removed the file between our open and our flock:
            # then we hold a lock on a name nobody else can find, and must start over.
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, _json_bytes(_holder()))

    def release():
        # Removed while still held, so the next run creates a fresh file (see the inode check).
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        os.close(fd)

    return release


def _lock_remote(path: str):
    previous = _read_json(path)
    if previous is not None:
        stale = previous.get("host") == socket.gethostname() and not _pid_alive(int(previous.get("pid", 0)))
        if not stale:
            raise _Busy(previous)
    mine = _holder()
    fs.write_atomic(path, _json_bytes(mine))
    if _read_json(path) != mine:  # another launcher wrote after us: it wins
        raise _Busy(_read_json(path))

    def release():
        if _read_json(path) == mine:
            fs.delete([path])

    return release


# --- the claim -----------------------------------------------------------------------------


def _refuse_other(output: str, config_hash: str, busy: _Busy | None = None) -> None:
    """OutputError when `output` holds the record of another recipe."""
    previous = _read_json(fs.join(output, RECIPE_FILE))
    if previous is None or previous.get("config_hash") == config_hash:
        return
    state = f"a run, {busy}, is writing it" if busy else "finished or not"
    raise OutputError(
        f"{output} holds another recipe (config hash {previous.get('config_hash')}, this one {config_hash}; "
        f"{state}): choose another --output or remove it")


@contextlib.contextmanager
def claim(output: str, config_hash: str, record: dict, owned: tuple[str, ...] = ()):
    """Hold `output` for one run of the recipe whose `config_hash` and `record` (recipe.json's
    content) are given; the record is written before anything else, under the lock.

    Refused at once, with one line: another recipe's folder (finished or not), a folder another
    run of this recipe is writing, and a folder without a record that already holds some of the
    `owned` names (outputs of an unknown run: they would be mixed with ours).
    """
    _refuse_other(output, config_hash)
    fs.mkdirs(output)
    lock = fs.join(output, LOCK_FILE)
    try:
        release = _lock_remote(lock) if fs.is_remote(lock) else _lock_local(lock.removeprefix("file://"))
    except _Busy as busy:
        _refuse_other(output, config_hash, busy)
        raise OutputError(f"{output} is being written by another run of this recipe ({busy}); wait for it, "
                          f"or remove {lock} if that run is gone") from None
    try:
        _refuse_other(output, config_hash)  # written between our first look and the lock
        path = fs.join(output, RECIPE_FILE)
        if not fs.exists(path):
            found = [name for name in owned if fs.exists(fs.join(output, name))]
            if found:
                raise OutputError(f"{output} already holds {found[0]} but no {RECIPE_FILE} (outputs of an unknown "
                                  f"run): choose another --output or remove them")
            fs.write_atomic(path, _json_bytes(record))
        yield
    finally:
        release()


# --- steps and their markers ---------------------------------------------------------------


class Steps:
    """The steps of a run, in order, each owning files or folders of the output (relative names).

    `done(step)` gives the outputs a valid marker records; `begin(step)` removes that step's
    marker and every later one, then their files, so that stale files of an earlier attempt
    never sit beside new ones; `commit(step, outputs)` writes the marker once all are in place.
    """

    def __init__(self, output: str, config_hash: str, owned: dict[str, list[str]], volatile: tuple[str, ...] = ()):
        # `volatile`: files whose bytes differ between equal runs (training.json's time and RSS):
        # the marker records that they exist, not their size, so markers stay byte-identical.
        self.volatile = volatile
        self.output = output
        self.config_hash = config_hash
        self.owned = owned
        self.order = list(owned)

    def _marker(self, step: str) -> str:
        return fs.join(self.output, MARKERS, f"{step}.json")

    def done(self, step: str) -> dict[str, str] | None:
        """{name: path} of a committed step of this config whose files are all there, or None."""
        marker = _read_json(self._marker(step))
        if marker is None or marker.get("config_hash") != self.config_hash or marker.get("step") != step:
            return None
        for name, size in marker["files"].items():
            found = _size(fs.join(self.output, name))
            if found is None or (size is not None and found != size):
                return None
        return {name: fs.join(self.output, path) for name, path in marker["outputs"].items()}

    def begin(self, step: str, resumable: bool = False) -> None:
        """Before (re)doing `step`: its marker and later ones go first, then their files.

        A `resumable` step keeps its own files (it checks them itself, as the token shards'
        per-shard markers do) and loses only half-written temporary files.
        """
        later = self.order[self.order.index(step):]
        markers = [self._marker(name) for name in later if fs.exists(self._marker(name))]
        if markers:
            fs.delete(markers)
        stale = []
        for name in later:
            for owned in self.owned[name]:
                files = files_under(fs.join(self.output, owned))
                if resumable and name == step:
                    files = [(path, size) for path, size in files if path.endswith(TEMPORARY_SUFFIX)]
                stale += [path for path, _ in files]
        if stale:
            fs.delete(stale)

    def commit(self, step: str, outputs: dict[str, str]) -> None:
        """Record `step` as complete: every file of its owned paths, with sizes, then the marker."""
        files = {}
        for owned in self.owned[step]:
            for path, size in files_under(fs.join(self.output, owned)):
                name = relative_to(path, self.output).replace(os.sep, "/")
                files[name] = None if name in self.volatile else size
        marker = {
            "step": step,
            "config_hash": self.config_hash,
            "outputs": {name: relative_to(path, self.output).replace(os.sep, "/") for name, path in outputs.items()},
            "files": dict(sorted(files.items())),
        }
        fs.write_atomic(self._marker(step), _json_bytes(marker))
