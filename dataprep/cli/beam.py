"""Launching Beam: the one check of runner flags and the one place a pipeline is run."""

from __future__ import annotations

from dataprep.cli.errors import UsageError


def check_beam_flags(flags: list[str], command: str = "run") -> None:
    """Beam only logs and drops a flag it does not know, so a typo such as --ouput would go
    unnoticed: every command refuses it before any work."""
    from pipelines.options import unknown_beam_flags

    unknown = unknown_beam_flags(flags)
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (not a dataprep or Beam flag; see dataprep {command} --help)")


def check_paths_reach_workers(paths: list[str], beam_flags: list[str]) -> None:
    """Dataflow workers cannot see this machine's disk: local paths would fail there, minutes in."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    if (PipelineOptions(beam_flags).view_as(StandardOptions).runner or "").lower() not in ("dataflow", "dataflowrunner"):
        return
    local = [path for path in paths if "://" not in path]
    if local:
        raise UsageError(f"{local[0]} is a local path, which Dataflow workers cannot read or write: "
                         "use gs:// paths for inputs and --output")


def run_pipeline(build, beam_flags: list[str]):
    """Build a graph with `build(pipeline)` and run it to completion; returns what `build` returned."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.options import make_runner

    options = PipelineOptions(beam_flags)
    with beam.Pipeline(runner=make_runner(options), options=options) as pipeline:
        result = build(pipeline)
    return result
