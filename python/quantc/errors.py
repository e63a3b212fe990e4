"""The one exception quantc raises for its own failures."""


class QuantcError(RuntimeError):
    """A quantc command or a compiled model failed; the message is quantc's own.

    `returncode` and `stderr` hold the driver's exit status and full output
    when the error came from the command line tool (None otherwise)."""

    def __init__(self, message, returncode=None, stderr=None):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
