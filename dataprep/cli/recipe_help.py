"""`dataprep recipe-help`: every recipe key with its meaning and default."""

from __future__ import annotations

import signal

from dataprep.cli.errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "recipe-help",
        help="List every recipe key with its meaning and default.",
        description="List every recipe key with its meaning and default, then the heuristic presets' options.",
    )
    parser.set_defaults(handler=run_command)


def run_command(args, extra: list[str]) -> int:
    if extra:
        raise UsageError(f"unknown arguments: {' '.join(extra)}")
    # `dataprep recipe-help | head` should end quietly, as other command-line tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    from dataprep.cli.recipe import Recipe
    from dataprep.config import describe
    from dataprep.heuristics import PRESETS

    print("Recipe keys (YAML):")
    for line in describe(Recipe):
        print(f"  {line}")
    for name, preset in PRESETS.items():
        print(f"\nheuristics preset {name!r} options:")
        for line in describe(preset.config_cls):
            print(f"  {line}")
    return 0
