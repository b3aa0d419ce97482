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
