"""The `dataprep` command line: help, and one-line errors with exit status 2.

No whole pipeline runs here (the pipeline tests do that); the one case that builds a graph
stops at the glob expansion, before anything executes.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dataprep.cli import EXIT_USAGE, _parser, main


@pytest.fixture(autouse=True)
def _restore_sigpipe():
    # main() is a process entry point and sets SIGPIPE to SIG_DFL; called in-process it would
    # leave pytest killable by any later write to a closed pipe (an extraction child's stdin).
    saved = signal.getsignal(signal.SIGPIPE)
    yield
    signal.signal(signal.SIGPIPE, saved)


def help_text(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def error_lines(capsys) -> list[str]:
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return err.strip().splitlines()


def test_top_level_help_lists_commands(capsys):
    text = help_text(["--help"], capsys)
    assert text.startswith("usage: dataprep")
    for command in ("run", "recipe-help"):
        assert command in text


def _subcommands():
    action = next(a for a in _parser()._actions if a.dest == "command")  # noqa: SLF001 - argparse's own
    return action.choices


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_option_of_every_command_is_explained(command, capsys):
    """Each option the parser accepts has help text, and the command's --help shows it."""
    parser = _subcommands()[command]
    text = help_text([command, "--help"], capsys)
    for action in parser._actions:  # noqa: SLF001
        assert action.help, f"{command}: {action.dest} has no help text"
        shown = action.option_strings[0] if action.option_strings else (action.metavar or action.dest)
        assert shown in text


def test_the_beam_flags_in_the_run_help_are_flags_beam_accepts(capsys):
    """The epilog is how a user learns to reach Dataflow / Spark / Flink: its flags must be real."""
    import re

    from pipelines.options import unknown_beam_flags

    text = help_text(["run", "--help"], capsys)
    epilog = text[text.index("Beam flags pass through"):]
    flags = dict(re.findall(r"(--[a-z_]+)[ =](\S+)", epilog))  # as written there: flag and example value
    assert {"--runner", "--temp_location", "--setup_file", "--job_endpoint", "--direct_num_workers"} <= set(flags)
    assert unknown_beam_flags([f"{flag}={value}" for flag, value in flags.items()]) == []


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("dataprep")
    result = subprocess.run([str(script), "run", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "--output" in result.stdout and result.stderr == ""


def test_missing_recipe_is_one_line_and_exit_2(capsys):
    assert main(["run", "missing.yaml"]) == EXIT_USAGE
    lines = error_lines(capsys)
    assert lines == ["dataprep: error: recipe not found: missing.yaml"]


def test_invalid_recipe_is_one_line_naming_the_key(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\ninputs: [{source: web, format: warc, paths: [a]}]\nlangid: {treshold: 0.5}\n")
    assert main(["run", str(recipe)]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert line.startswith("dataprep: error: ") and "unknown key 'treshold'" in line


def test_unknown_flag_is_exit_2_naming_it(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\ninputs: [{source: web, format: warc, paths: [a]}]\n")
    assert main(["run", str(recipe), "--ouput", "x"]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert line.startswith("dataprep: error: unknown option --ouput")


def test_known_beam_flags_are_not_an_error_but_a_typo_in_one_is(tmp_path, capsys):
    # A Beam flag passes the check (the run then fails on the missing recipe, not the flag).
    assert main(["run", str(tmp_path / "none.yaml"), "--direct_num_workers", "2"]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert "recipe not found" in line
    assert main(["run", str(tmp_path / "none.yaml"), "--direct_num_wokers", "2"]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert "unknown option --direct_num_wokers" in line


def test_unknown_arguments_to_recipe_help(capsys):
    assert main(["recipe-help", "--bogus"]) == EXIT_USAGE
    assert error_lines(capsys) == ["dataprep: error: unknown arguments: --bogus"]


def test_missing_command_is_an_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == EXIT_USAGE
    assert "required: COMMAND" in capsys.readouterr().err


def test_input_glob_that_matches_nothing(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(textwrap.dedent("""\
        name: empty
        inputs:
          - source: web
            format: warc
            paths: [crawl/*.warc.gz]
        output: {path: out}
        harmful: null
        langid: null
    """))
    assert main(["run", str(recipe)]) == EXIT_USAGE
    lines = error_lines(capsys)
    pattern = str(tmp_path / "crawl" / "*.warc.gz")  # resolved against the recipe's folder
    # Found at preflight, before the run starts (no "running" line) and before the output exists.
    assert lines == [f"dataprep: error: input 'web': no files match {pattern}"]
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


def test_recipe_help_lists_every_key_and_preset(capsys):
    import dataclasses

    from dataprep.heuristics import PRESETS
    from dataprep.cli.recipe import Recipe

    assert main(["recipe-help"]) == 0
    out = capsys.readouterr().out
    for field in dataclasses.fields(Recipe):
        assert f"\n  {field.name}" in out
    for name in PRESETS:
        assert f"heuristics preset {name!r} options:" in out


def test_dataflow_with_local_paths_is_refused_before_launch(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: x\ninputs: [{source: web, format: warc, paths: [crawl/*.warc.gz]}]\n")
    flags = ["--runner", "DataflowRunner", "--project", "p", "--region", "r", "--temp_location", "gs://b/tmp"]
    assert main(["run", str(recipe), "--output", "gs://b/out", *flags]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert "crawl/*.warc.gz is a local path" in line


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("extract: {timeout_s: 0}\n", "extract: timeout_s: must be > 0, got 0.0"),
        ("heuristics: [{preset: gopher_quality, min_doc_words: -10}]\n",
         "heuristics: gopher_quality.min_doc_words: must be ≥ 0, got -10"),
        ("langid: {languages: [english, xx]}\n",
         "langid.languages: 'english' is not a language of the bundled lid.176.ftz (did you mean 'en'?)"),
    ],
)
def test_out_of_range_settings_and_unknown_languages_are_one_line_before_any_work(tmp_path, capsys, extra,
                                                                                   expected):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"name: x\ninputs: [{{source: web, format: warc, paths: [a]}}]\n"
                      f"output: {{path: {tmp_path / 'out'}}}\n{extra}")
    assert main(["run", str(recipe)]) == EXIT_USAGE
    (line,) = error_lines(capsys)
    assert line.startswith(f"dataprep: error: {recipe}") and expected in line
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    """A real `dataprep run` of the quickstart, interrupted mid-run as a terminal's Ctrl-C does
    (SIGINT to the whole process group: the extraction children get it too)."""
    import os
    import time

    root = Path(__file__).resolve().parents[3]
    script = Path(sys.executable).with_name("dataprep")
    process = subprocess.Popen([str(script), "run", str(root / "recipes" / "quickstart.yaml"), "--output",
                                str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    time.sleep(3)  # measured: reading is done and extraction runs by then (the whole run takes ~30 s)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "dataprep: interrupted"
    assert not (tmp_path / "out" / "stats.json").exists()  # an interrupted run leaves nothing that looks done


# Progress lines and Beam's worker output (issue 8, item 9). A recipe on the small curated sample
# (JSON lines and Parquet, no HTML): a whole run in a few seconds.
PROGRESS = r"dataprep: (?:\[worker (\d+)\] )?(\S+): ([\d,]+) in, ([\d,]+) kept, ([\d,]+) docs/s"


def _curated_recipe(tmp_path: Path) -> Path:
    samples = Path(__file__).resolve().parents[3] / "sample_data"
    recipe = tmp_path / "curated.yaml"
    recipe.write_text(textwrap.dedent(f"""\
        name: curated
        inputs:
          - source: curated
            format: jsonl
            paths: ["{samples}/jsonl/*.jsonl.gz"]
          - source: curated_parquet
            format: parquet
            paths: ["{samples}/parquet/*.parquet"]
        output: {{path: "{tmp_path / 'out'}", shards: 2}}
        heuristics: [gopher_quality]
        """))
    return recipe


def _run_cli(args: list[str]) -> subprocess.CompletedProcess:
    """`dataprep ARGS` in a real process, with progress on every document (not every 5 s)."""
    code = f"import sys, dataprep.cli as cli; cli.PROGRESS_INTERVAL_S = 0.0; sys.exit(cli.main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_multi_processing_shows_our_progress_and_warnings_but_not_beams_info(tmp_path):
    import json
    import re

    recipe = _curated_recipe(tmp_path)
    done = _run_cli(["run", str(recipe), "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"])
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # Without the filter: "INFO:apache_beam.runners.worker.sdk_worker:Control channel established.",
    # "INFO:__main__:Python sdk harness starting.", ... from each worker, and every worker warning a
    # second time as "WARNING apache_beam.runners.portability.local_job_service: Worker: severity: …".
    assert [line for line in lines if re.match(r"(INFO|DEBUG):", line) or "Worker: severity" in line] == []
    # Beam's own warnings still reach the user (today: each worker's "No semi_persistent_directory").
    assert any(line.startswith("WARNING:") for line in lines)
    # Our lines come from the worker processes, each counting its own share: the last line of each
    # (worker, stage) summed over the workers is the stage's total in stats.json.
    last = {}
    for line in lines:
        if match := re.fullmatch(PROGRESS, line):
            assert match[1], line  # every routed document is in a worker
            last[match[1], match[2]] = (int(match[3].replace(",", "")), int(match[4].replace(",", "")))
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    for entry in stats["stages"]:
        shares = [counts for (_, stage), counts in last.items() if stage == entry["stage"]]
        assert tuple(map(sum, zip(*shares))) == (entry["docs_in"], entry["docs_out"]), entry["stage"]


@pytest.mark.slow
def test_quiet_prints_no_progress_and_the_default_does(tmp_path, monkeypatch, capfd):
    import re

    import dataprep.cli as cli

    monkeypatch.setattr(cli, "PROGRESS_INTERVAL_S", 0.0)
    recipe = _curated_recipe(tmp_path)
    assert main(["run", str(recipe), "--output", str(tmp_path / "loud")]) == 0
    loud = capfd.readouterr().err
    assert main(["run", str(recipe), "--output", str(tmp_path / "quiet"), "--quiet"]) == 0
    quiet = capfd.readouterr().err
    assert any(re.fullmatch(PROGRESS, line) for line in loud.splitlines())
    assert [line for line in quiet.splitlines() if "docs/s" in line or "records" in line] == []


def test_worker_noise_filter_keeps_warnings_errors_tracebacks_and_our_lines():
    from dataprep.cli.terminal import _keep_line

    # As a multi_processing run of the quickstart printed them (Beam 2.77).
    dropped = [
        b"INFO:__main__:Logging handler created.",
        b"INFO:apache_beam.runners.worker.statecache:Creating state cache with size 0",
        b"INFO:apache_beam.transforms.util:BatchElements statistics: element_count=229 batch_count=6",
        b"WARNING:root:apitools not found, and bigquery client libraries are not available despite the import",
        b'WARNING apache_beam.runners.portability.local_job_service: Worker: severity: WARN timestamp {',
    ]
    kept = [
        b"WARNING:__main__:No semi_persistent_directory found:  User registered objects (e.g. schema, logical",
        b"ERROR:apache_beam.runners.worker.sdk_worker:Error processing instruction bundle_51.",
        b"Traceback (most recent call last):",
        b"AttributeError: Can't get attribute 'HarmfulContentFilter' on <module 'dataprep.harmful'>",
        b"dataprep: [worker 16052] extract: 279 in, 278 kept, 54 docs/s",
        b"dataprep: error: no such file",
        b"INFO is a word a message may start with",
    ]
    assert [line for line in dropped if _keep_line(line)] == []
    assert [line for line in kept if not _keep_line(line)] == []
