"""`dataprep run` refuses a recipe that cannot finish before it reads a record or writes a file.

Every case goes through the real `dataprep.cli.main` with real files (the bundled lid.176.ftz,
real list files, real folders): one `dataprep: error:` line, exit 2, no progress line (no input
file was read) and nothing in the output folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from dataprep.cli import EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[3]
LID_MODEL = ROOT / "dataprep" / "resources" / "lid.176.ftz"
JSONL = ROOT / "sample_data" / "jsonl" / "*.jsonl.gz"


def recipe(folder: Path, extra: str = "", output: str | None = None, text: str | None = None) -> Path:
    path = folder / "r.yaml"
    body = text if text is not None else textwrap.dedent(f"""\
        name: pre
        inputs: [{{source: curated, format: jsonl, paths: ['{JSONL}']}}]
        output: {{path: '{output or folder / "out"}'}}
    """) + textwrap.dedent(extra)
    path.write_text(body, encoding="utf-8")
    return path


def refused(path: Path, capsys, *flags: str) -> str:
    """The one error line of `dataprep run path`; asserts that nothing was read or written."""
    assert main(["run", str(path), *flags]) == EXIT_USAGE
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines  # no "running" or "read <file>" progress line: nothing was read
    assert lines[0].startswith("dataprep: error: ")
    out = path.parent / "out"
    assert not out.exists() or list(out.iterdir()) == []
    return lines[0][len("dataprep: error: "):]


def test_missing_langid_model(tmp_path, capsys):
    path = recipe(tmp_path, "langid: {model: models/lid.bin}\n")
    assert refused(path, capsys) == f"language ID model not found: {tmp_path / 'models' / 'lid.bin'}"


def test_langid_model_that_does_not_load(tmp_path, capsys):
    (tmp_path / "lid.bin").write_text("not a fastText model\n")
    message = refused(recipe(tmp_path, "langid: {model: lid.bin}\n"), capsys)
    assert message.startswith(f"language ID model {tmp_path / 'lid.bin'} does not load as a fastText model")


def test_language_unknown_to_a_user_model_is_checked_at_preflight(tmp_path, capsys):
    shutil.copy(LID_MODEL, tmp_path / "my-lid.ftz")
    message = refused(recipe(tmp_path, "langid: {model: my-lid.ftz, languages: [en, de-DE]}\n"), capsys)
    assert message.startswith(f"langid.languages: 'de-DE' is not a language of {tmp_path / 'my-lid.ftz'} "
                              "(did you mean 'de'?)")


def test_missing_badwords_file(tmp_path, capsys):
    path = recipe(tmp_path, "harmful: {badwords: [default, lists/words.txt]}\n")
    assert refused(path, capsys) == f"harmful: badwords file not found: {tmp_path / 'lists' / 'words.txt'}"


def test_url_blocklist_that_is_not_utf8(tmp_path, capsys):
    (tmp_path / "hosts.txt").write_bytes("bad.example\nb\xe4d.example\n".encode("latin-1"))
    message = refused(recipe(tmp_path, "harmful: {url_blocklist: [hosts.txt]}\n"), capsys)
    assert message.startswith(f"harmful: url_blocklist file {tmp_path / 'hosts.txt'} is not UTF-8 text")


def test_output_that_is_a_file(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    message = refused(recipe(tmp_path, output=str(tmp_path / "taken")), capsys)
    assert message == f"output {tmp_path / 'taken'} is a file, not a folder: choose another --output"
    assert (tmp_path / "taken").read_text() == "x"


def _make_read_only(folder: Path) -> None:
    os.chmod(folder, 0o555)
    if os.access(folder, os.W_OK):  # root ignores permission bits: make it immutable instead
        subprocess.run(["chattr", "+i", str(folder)], check=True)


def test_output_in_a_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    _make_read_only(folder)
    try:
        message = refused(recipe(tmp_path, output=str(folder)), capsys)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        os.chmod(folder, 0o755)
    assert message.startswith(f"output folder {folder} is not writable: ")
    assert list(folder.iterdir()) == []


def test_gs_path_without_the_gcp_extras_names_the_pip_command(tmp_path, capsys):
    import importlib.util

    # Offline, Beam's GCS filesystem cannot import (google-cloud-storage is not installed);
    # this test is about that install, so it would be wrong anywhere else.
    assert importlib.util.find_spec("google.api_core") is None
    message = refused(recipe(tmp_path, output="gs://bucket/out"), capsys)
    assert message.startswith("gs://bucket/out: gs:// needs Beam's GCP support")
    assert message.endswith("pip install 'dataprep[gcp]'")


def test_input_glob_matching_nothing_is_found_before_the_output_is_created(tmp_path, capsys):
    path = recipe(tmp_path, text=f"name: pre\ninputs: [{{source: web, format: warc, paths: [crawl/*.warc]}}]\n"
                                  f"output: {{path: {tmp_path / 'out'}}}\n")
    assert refused(path, capsys) == f"input 'web': no files match {tmp_path / 'crawl' / '*.warc'}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("declared, shape", [("warc", "html"), ("parquet", "jsonl"), ("jsonl", "warc")])
def test_a_file_that_is_not_what_the_recipe_says_is_named_before_any_work(tmp_path, capsys, declared, shape):
    # Real files of the other shape: a sample HTML page, a sample JSONL.gz, warcio's example WARC.
    source = {"html": next((ROOT / "sample_data" / "html").glob("*.html")),
              "jsonl": next((ROOT / "sample_data" / "jsonl").glob("*.jsonl.gz")),
              "warc": ROOT / "tests" / "data" / "readers" / "example.warc.gz"}[shape]
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(source, folder / f"input.{declared}")
    path = recipe(tmp_path, text=f"name: pre\ninputs: [{{source: web, format: {declared}, "
                                 f"paths: ['{folder}/*']}}]\noutput: {{path: '{tmp_path / 'out'}'}}\n")
    message = refused(path, capsys)
    assert message == f"input 'web': {folder / f'input.{declared}'}: declared {declared} but its first bytes " \
                      f"look like {shape}"


# --- the recipe file itself -----------------------------------------------------------------


def test_recipe_that_is_a_folder(tmp_path, capsys):
    assert refused(tmp_path, capsys) == f"{tmp_path} is a folder, not a recipe file"


def test_recipe_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "r.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert refused(path, capsys) == f"{path}: not UTF-8 text (byte 0xe9 at offset 9); save the recipe as UTF-8"


def test_bad_yaml_keeps_line_and_column(tmp_path, capsys):
    path = recipe(tmp_path, text="name: x\ninputs: [{source: web, format: warc, paths: [a]}\noutput: {path: o}\n")
    message = refused(path, capsys)
    # The flow list opened on line 2 is still open where line 3 starts: PyYAML's own mark.
    assert message == (f"{path}: not valid YAML: line 3, column 1: expected ',' or ']', but got '<scalar>' "
                       "(while parsing a flow sequence)")
