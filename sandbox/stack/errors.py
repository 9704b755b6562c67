"""Errors of the embedded stack; each message names the fix."""


class StackError(RuntimeError):
    """Something stops the stack from starting; the message says how to fix it."""
