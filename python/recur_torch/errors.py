"""Errors with one-line messages that say what to do, and their exit codes (as recur's CLI)."""

EXIT = {"ok": 0, "failure": 1, "usage": 2, "sigint": 130, "sigterm": 143}


class RecurTorchError(Exception):
    """kind: 'usage' (exit 2: change the command), 'input' or 'format' (exit 1: a file), 'numeric' (exit 1: diverged)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind

    @property
    def exit_code(self):
        return EXIT["usage"] if self.kind == "usage" else EXIT["failure"]


def usage_error(message):
    return RecurTorchError("usage", message)


def input_error(message):
    return RecurTorchError("input", message)


def format_error(message):
    return RecurTorchError("format", message)
