"""The terminal a command runs in: Ctrl-C as one line, and the local SDK workers' stderr
filtered down to what a user needs (warnings, errors, tracebacks and our own lines)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading

from dataprep.cli.errors import EXIT_INTERRUPTED

# Beam prints this at import whenever the optional GCP client libraries are absent (always,
# offline), in the launcher and in every SDK worker process: it says nothing about the user's run.
APITOOLS_NOTICE = "apitools not found"

# What an SDK worker process of the local multi_processing runner writes to our stderr and is
# not worth a line (measured on the quickstart with 2 workers: 82 of its 119 stderr lines, 74
# Beam INFO lines, 4 forwarded copies and 4 apitools notices):
_WORKER_NOISE = re.compile(
    # Python's default format, which a worker's root logger gets (Beam sets it to INFO): Beam's
    # start-up and shut-down lines ("Creating state cache", "Control channel established", …),
    # BatchElements statistics. Our own lines there are formatted `dataprep: …` (pipelines.progress).
    rb"(?:DEBUG|INFO):[\w.]+:"
    # The same worker lines again, forwarded to the runner process and logged there: a second copy.
    rb"|\w+ apache_beam\.runners\.portability\.local_job_service: Worker: "
    + rb"|WARNING:root:" + re.escape(APITOOLS_NOTICE.encode())
)

_real_stderr: int | None = None  # our stderr while _quiet_worker_output holds fd 2


def _keep_line(line: bytes) -> bool:
    return _WORKER_NOISE.match(line) is None


def _copy_kept_lines(source: int, target: int) -> None:
    pending = b""
    while chunk := os.read(source, 1 << 16):
        *lines, pending = (pending + chunk).split(b"\n")
        kept = b"".join(line + b"\n" for line in lines if _keep_line(line))
        while kept:
            kept = kept[os.write(target, kept):]
    if pending and _keep_line(pending):
        os.write(target, pending)
    os.close(source)
    os.close(target)


def _runs_worker_processes(beam_flags: list[str]) -> bool:
    mode = None
    for index, flag in enumerate(beam_flags):
        if flag == "--direct_running_mode" and index + 1 < len(beam_flags):
            mode = beam_flags[index + 1]
        elif flag.startswith("--direct_running_mode="):
            mode = flag.split("=", 1)[1]
    return mode == "multi_processing"


@contextlib.contextmanager
def quiet_worker_output(beam_flags: list[str]):
    """In multi_processing mode Beam starts SDK worker processes that inherit our stderr and
    log at INFO to it in their own format, which no logging setting of ours reaches: the runner
    starts them with empty pipeline options, so --default_sdk_harness_log_level never gets there,
    and they print their first lines before running any of our code. So their output passes
    through a pipe here, line by line, minus `_WORKER_NOISE`; warnings, errors, tracebacks and
    our own lines go through unchanged and in order."""
    global _real_stderr
    if not _runs_worker_processes(beam_flags):
        yield
        return
    sys.stderr.flush()
    _real_stderr = os.dup(2)
    source, sink = os.pipe()
    os.dup2(sink, 2)  # the workers inherit fd 2
    os.close(sink)
    copier = threading.Thread(target=_copy_kept_lines, args=(source, os.dup(_real_stderr)), daemon=True,
                              name="dataprep-stderr")
    copier.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(_real_stderr, 2)  # closes our end of the pipe; the copier ends once the workers' ends close
        os.close(_real_stderr)
        _real_stderr = None
        copier.join(timeout=10)


@contextlib.contextmanager
def exit_on_interrupt():
    """Ctrl-C prints one line and exits 130 (128 + SIGINT, the shell convention).

    A KeyboardInterrupt cannot be caught cleanly: it arrives inside whichever DoFn is running,
    Beam logs it with a traceback and re-raises it as a RuntimeError (measured on the quickstart:
    three tracebacks, exit 1). So the handler leaves at once instead; outputs are written to a
    temporary name and renamed, so what a killed run leaves never looks complete, and the
    extraction children exit on the end of their input pipe.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (an embedding caller)
        return

    def interrupted(signum, frame):
        sys.stdout.flush()
        if _real_stderr is not None:
            os.dup2(_real_stderr, 2)  # straight to the terminal: the copier dies with us
        print("dataprep: interrupted", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
