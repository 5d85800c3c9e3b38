"""The error a user's mistake raises, in a module of its own so that the command line can catch
it without importing the pipeline (``keikaku --help`` stays fast)."""


class UsageError(Exception):
    """A mistake in how keikaku was called (missing path, bad manifest): exit code 1, no traceback."""
