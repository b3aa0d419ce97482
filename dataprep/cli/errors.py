"""The one convention for mistakes a user can fix: `dataprep: error: <one line>`, exit 2.

Every command raises `UsageError` (or a subclass such as `tokenizer.TokenizerError`);
`dataprep.cli.main` alone turns it into the line and the exit status.
"""

EXIT_USAGE = 2


class UsageError(Exception):
    """Something the user can fix; its message is one line."""
