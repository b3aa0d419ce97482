"""Runner options: every Beam flag passes through; the local default never needs a network.

Since Beam 2.68 `DirectRunner` first tries Prism, a Go binary it downloads at run time. We
run offline, so "DirectRunner" (and no --runner at all) means the FnApiRunner-based direct
runner, which honours --direct_num_workers and --direct_running_mode (in_memory,
multi_threading, multi_processing). Any other --runner (DataflowRunner, FlinkRunner,
SparkRunner, PortableRunner, PrismRunner) is handed to Beam unchanged.
"""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

# Beam accepts "DirectRunner", "direct", "directrunner", "SwitchingDirectRunner", ...
LOCAL_RUNNER_NAMES = {"direct", "switchingdirect", "fnapi"}


def is_local(options: PipelineOptions) -> bool:
    name = options.view_as(StandardOptions).runner
    return name is None or name.lower().removesuffix("runner") in LOCAL_RUNNER_NAMES


def unknown_beam_flags(flags: list[str]) -> list[str]:
    """Flags Beam does not know. Beam itself only logs and drops them, so a typo such as
    --ouput would otherwise go unnoticed; every dataprep command turns these into an error."""
    import argparse

    parser = argparse.ArgumentParser(allow_abbrev=False, add_help=False)
    option_classes = {}
    for cls in PipelineOptions.__subclasses__():
        option_classes.setdefault(str(cls), cls)
    for cls in option_classes.values():
        try:
            cls._add_argparse_args(parser)  # noqa: SLF001 - the arguments Beam itself registers
        except argparse.ArgumentError:
            continue  # an option class registered twice (re-imported module): same flags
    _, unknown = parser.parse_known_args(flags)
    return [flag for flag in unknown if flag.startswith("-")]


def make_runner(options: PipelineOptions):
    """The runner object for `beam.Pipeline(runner=...)`; None lets Beam choose by name."""
    if is_local(options):
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return FnApiRunner()
    return None
