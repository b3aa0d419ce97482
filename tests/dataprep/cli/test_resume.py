"""The output folder's lifecycle: claimed under a lock before any work, steps committed by
markers, and a run killed (SIGKILL) or interrupted (SIGINT) mid-way resumed to the same bytes.

The end-to-end cases run the real quickstart recipe on sample_data/ as real `dataprep run`
subprocesses and print the measured times (pytest -s shows them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from dataprep.outputs import LOCK_FILE, RECIPE_FILE, OutputError, Steps, claim, relative_to
from tokenizer.train import REPORT_FILE, report_identity

ROOT = Path(__file__).resolve().parents[3]
QUICKSTART = ROOT / "recipes" / "quickstart.yaml"
DATAPREP = [sys.executable, "-c", "import sys; from dataprep.cli import main; sys.exit(main())"]
HOLD = """
import sys, time
from dataprep.outputs import claim
with claim(sys.argv[1], sys.argv[2], {"config_hash": sys.argv[2]}):
    print("claimed", flush=True)
    time.sleep(600)
"""


# --- claim and markers, on real files and real processes ----------------------------------


def test_the_record_is_written_first_and_another_recipe_is_refused(tmp_path):
    out = tmp_path / "out"
    with claim(str(out), "aaaa", {"config_hash": "aaaa"}):
        assert json.loads((out / RECIPE_FILE).read_text()) == {"config_hash": "aaaa"}
        assert (out / LOCK_FILE).exists()
    assert not (out / LOCK_FILE).exists()  # removed at the end
    with claim(str(out), "aaaa", {"config_hash": "aaaa"}):  # the same recipe again: allowed
        pass
    with pytest.raises(OutputError, match=r"holds another recipe \(config hash aaaa, this one bbbb"):
        with claim(str(out), "bbbb", {"config_hash": "bbbb"}):
            pytest.fail("claimed a folder of another recipe")


def test_outputs_of_an_unknown_run_are_not_mixed_with_ours(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "web-00007-of-00008.parquet").write_bytes(b"old")
    with pytest.raises(OutputError, match="already holds web but no recipe.json"):
        with claim(str(tmp_path), "aaaa", {"config_hash": "aaaa"}, ("web", "stats.json")):
            pass
    assert not (tmp_path / RECIPE_FILE).exists()


def _hold(out, config_hash):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out), config_hash], stdout=subprocess.PIPE,
                              cwd=ROOT, text=True)
    assert holder.stdout.readline().strip() == "claimed"
    return holder


def test_a_live_lock_refuses_and_a_killed_holders_lock_is_taken_over(tmp_path):
    out = tmp_path / "out"
    holder = _hold(out, "aaaa")
    try:
        lock = json.loads((out / LOCK_FILE).read_text())
        assert lock["pid"] == holder.pid
        with pytest.raises(OutputError, match=f"being written by another run of this recipe \\(pid {holder.pid}"):
            with claim(str(out), "aaaa", {"config_hash": "aaaa"}):
                pass
        with pytest.raises(OutputError, match="holds another recipe .*finished or not"):
            with claim(str(out), "bbbb", {"config_hash": "bbbb"}):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert (out / LOCK_FILE).exists()  # SIGKILL: nobody removed it, but nobody holds it either
    with claim(str(out), "aaaa", {"config_hash": "aaaa"}):
        assert json.loads((out / LOCK_FILE).read_text())["pid"] == os.getpid()


def test_steps_commit_skip_and_clear_what_follows(tmp_path):
    out = tmp_path / "out"
    steps = Steps(str(out), "aaaa", {"corpus": ["web", "stats.json"], "tokens": ["tokens"]}, ("stats.json",))
    assert steps.done("corpus") is None
    (out / "web").mkdir(parents=True)
    (out / "web" / "web-00000-of-00001.parquet").write_bytes(b"rows")
    (out / "stats.json").write_text("{}")
    steps.commit("corpus", {"web": str(out / "web"), "stats": str(out / "stats.json")})
    (out / "tokens").mkdir()
    (out / "tokens" / "a.bin").write_bytes(b"1234")
    (out / "tokens" / "b.bin.tmp").write_bytes(b"half")
    steps.commit("tokens", {"tokens": str(out / "tokens")})
    marker = json.loads((out / "_done" / "corpus.json").read_text())
    assert marker["files"] == {"stats.json": None, "web/web-00000-of-00001.parquet": 4}  # volatile: no size
    assert marker["outputs"] == {"web": "web", "stats": "stats.json"}

    # A copied folder is as complete as the original: markers hold relative paths.
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    assert Steps(str(moved), "aaaa", steps.owned, steps.volatile).done("corpus") == {"web": str(moved / "web"),
                                                                     "stats": str(moved / "stats.json")}
    assert Steps(str(moved), "bbbb", steps.owned).done("corpus") is None  # another config

    # A changed file invalidates its step; redoing it clears that step and every later one.
    (out / "web" / "web-00000-of-00001.parquet").write_bytes(b"rows+")
    assert steps.done("corpus") is None and steps.done("tokens") is not None
    steps.begin("corpus")
    assert not (out / "_done" / "tokens.json").exists() and not (out / "_done" / "corpus.json").exists()
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == []

    # A resumable step keeps its own files and loses only the half-written ones.
    (out / "tokens").mkdir(exist_ok=True)
    (out / "tokens" / "a.bin").write_bytes(b"1234")
    (out / "tokens" / "b.bin.tmp").write_bytes(b"half")
    steps.begin("tokens", resumable=True)
    assert sorted(p.name for p in (out / "tokens").iterdir()) == ["a.bin"]


def test_paths_relative_to_the_output():
    assert relative_to("/data/out/web/a.parquet", "/data/out/tokens") == "../web/a.parquet"
    assert relative_to("gs://b/out/web/a.parquet", "gs://b/out/tokens") == "../web/a.parquet"
    assert relative_to("gs://other/web/a.parquet", "gs://b/out/tokens") == "gs://other/web/a.parquet"
    assert relative_to("/data/web/a.parquet", "gs://b/out") == "/data/web/a.parquet"


# --- `dataprep run` killed, interrupted, raced, moved: the quickstart as subprocesses --------


def _recipe(tmp_path, name, **output):
    """The quickstart with absolute input paths (and `output` changes), as a file."""
    data = yaml.safe_load(QUICKSTART.read_text())
    absolute = lambda paths: [str((QUICKSTART.parent / path).resolve()) for path in paths]  # noqa: E731
    for item in data["inputs"]:
        item["paths"] = absolute(item["paths"])
    train = data["quality"]["train"]
    train["positive"], train["negative"] = absolute(train["positive"]), absolute(train["negative"])
    data["perplexity"]["train"]["corpus"] = absolute(data["perplexity"]["train"]["corpus"])
    data["output"].update(output)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _start(recipe, out):
    return subprocess.Popen(DATAPREP + ["run", str(recipe), "--output", str(out), "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(recipe, out):
    started = time.monotonic()
    process = _start(recipe, out)
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stderr, time.monotonic() - started


def _digests(out: Path) -> dict:
    """sha256 of every file; training.json without its time and RSS fields."""
    digests = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name == REPORT_FILE:
            data = json.dumps(report_identity(json.loads(data)), sort_keys=True).encode()
        digests[path.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def _mtimes(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def _kill_when(process, ready, sig, timeout=120):
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"the run ended before it could be killed: {process.communicate()[1]}"
        assert time.monotonic() < deadline, "the run never reached the point to kill it at"
        time.sleep(0.05)
    process.send_signal(sig)
    return process.communicate(timeout=60)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Two different recipes started 1 s apart into one folder: the first completes untouched,
    the second fails at once with one line. The first one's output is every test's reference."""
    tmp = tmp_path_factory.mktemp("race")
    out = tmp / "out"
    recipe, other = _recipe(tmp, "quickstart"), _recipe(tmp, "eight", shards=8)
    started = time.monotonic()
    first = _start(recipe, out)
    time.sleep(1)
    code, stderr, seconds = _run(other, out)
    assert code == 2, stderr
    assert stderr.strip().splitlines()[-1].startswith(f"dataprep: error: {out} holds another recipe")
    assert len(stderr.strip().splitlines()) == 2  # "running recipe …" and the error: no traceback
    assert seconds < 15, seconds
    stdout, stderr = first.communicate(timeout=300)
    full = time.monotonic() - started
    assert first.returncode == 0, stderr
    print(f"\nfull quickstart run: {full:.1f} s; the second recipe was refused after {seconds:.1f} s")
    assert not (out / LOCK_FILE).exists()
    return out, _digests(out), full, recipe


@pytest.mark.slow  # real quickstart runs in subprocesses
def test_a_finished_run_is_rerun_instantly_with_nothing_redone(reference):
    out, digests, full, recipe = reference
    before = _mtimes(out)
    code, stderr, seconds = _run(recipe, out)
    assert code == 0, stderr
    print(f"\nrerun after a finished run: {seconds:.1f} s (full run {full:.1f} s)")
    assert _mtimes(out) == before and _digests(out) == digests
    assert sorted(json.loads((out / "_done" / name).read_text())["step"] for name in
                  ("corpus.json", "tokenizer.json", "tokens.json")) == ["corpus", "tokenizer", "tokens"]


@pytest.mark.slow  # real quickstart runs in subprocesses
def test_a_moved_folder_is_rerun_with_nothing_redone(reference, tmp_path):
    out, digests, _, recipe = reference
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(out, moved)
    manifest = json.loads((moved / "tokens" / "manifest.json").read_text())
    # Relative to the corpus's common folder, here the output folder itself.
    assert manifest["inputs"][0]["path"] == "curated/curated-00000-of-00004.parquet"
    before = _mtimes(moved)
    code, stderr, _ = _run(recipe, moved)
    assert code == 0, stderr
    assert _mtimes(moved) == before and _digests(moved) == digests


@pytest.mark.slow  # real quickstart runs in subprocesses
def test_sigkill_mid_corpus_then_a_changed_recipe_is_refused_then_the_rerun_matches(reference, tmp_path):
    out_ref, digests, full, recipe = reference
    out = tmp_path / "out"
    run = _start(recipe, out)
    _kill_when(run, lambda: any((out / "web").glob("*.parquet*")), signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL
    assert not (out / "_done" / "corpus.json").exists()  # nothing looks complete
    left = _digests(out)

    # shards 4 → 8 into the killed folder: refused before any work, nothing touched, no doubled corpus.
    code, stderr, seconds = _run(_recipe(tmp_path, "eight", shards=8), out)
    assert code == 2 and f"{out} holds another recipe" in stderr.strip().splitlines()[-1], stderr
    assert _digests(out) == left

    code, stderr, seconds = _run(recipe, out)
    assert code == 0, stderr
    print(f"\nrerun after SIGKILL in the corpus step: {seconds:.1f} s (full run {full:.1f} s)")
    assert _digests(out) == digests


@pytest.mark.slow  # real quickstart runs in subprocesses
def test_sigint_in_the_tokenizer_steps_leaves_no_marker_and_the_rerun_redoes_only_them(reference, tmp_path):
    out_ref, digests, full, recipe = reference
    out = tmp_path / "out"
    run = _start(recipe, out)
    _, stderr = _kill_when(run, lambda: (out / "_done" / "corpus.json").exists(), signal.SIGINT)
    assert run.returncode == 130 and stderr.strip().splitlines()[-1] == "dataprep: interrupted", stderr
    assert not (out / "_done" / "tokens.json").exists()
    corpus = {name: mtime for name, mtime in _mtimes(out).items()
              if not name.startswith(("tokenizer/", "tokens/", LOCK_FILE))}

    code, stderr, seconds = _run(recipe, out)
    assert code == 0, stderr
    print(f"\nrerun after SIGINT in the tokenizer step: {seconds:.1f} s (full run {full:.1f} s)")
    assert _digests(out) == digests
    after = _mtimes(out)
    assert {name: after[name] for name in corpus} == corpus  # the corpus was not redone


def test_token_manifest_inputs_are_relative_to_the_corpus_folder():
    from tokenizer.job import relative_inputs

    assert relative_inputs(["/a/out/web/x.parquet", "/a/out/curated/y.parquet"]) == ["web/x.parquet",
                                                                                    "curated/y.parquet"]
    assert relative_inputs(["gs://b/out/web/x.parquet"]) == ["x.parquet"]
    assert relative_inputs(["/data/x.parquet", "gs://b/y.parquet"]) == ["/data/x.parquet", "gs://b/y.parquet"]
