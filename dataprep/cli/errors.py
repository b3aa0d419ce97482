"""The one convention for mistakes a user can fix: `dataprep: error: <one line>`, exit 2.

Commands raise `UsageError`; the library's own one-line errors (`ConfigError`, `InputError`,
`OutputError`, `TokenizerError`) are user errors too. `dataprep.cli.main` alone turns any of them into the
line and the exit status.
"""

EXIT_USAGE = 2
#: Ctrl-C: 128 + SIGINT, what a shell reports for a command killed by it.
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Something the user can fix; its message is one line."""


def user_errors() -> tuple[type[Exception], ...]:
    """Every exception type whose message is a one-line fix for the user."""
    from dataprep.config import ConfigError
    from dataprep.inputs import InputError
    from dataprep.outputs import OutputError
    from tokenizer import TokenizerError

    return UsageError, ConfigError, InputError, OutputError, TokenizerError
