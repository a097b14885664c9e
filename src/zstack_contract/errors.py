"""Errors that carry where they happened, so every front end can print one clear line.

Their paths and messages are shown on one line (:func:`~zstack_contract.facts.oneline.one_line`:
control characters and undecodable bytes of a file name escaped, a message cut to
:data:`~zstack_contract.facts.oneline.MESSAGE` characters), whatever the input held.
"""

from __future__ import annotations

from .facts.oneline import MESSAGE, one_line


class ContractError(Exception):
    """Base of the project's expected errors: shown as one line, never as a traceback."""


class PageError(ContractError):
    """A reference page that cannot be turned into a model; names the page and line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = one_line(path)
        self.line = line
        self.message = one_line(message, MESSAGE)
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {self.message}")


class InputError(ContractError):
    """An input file (recording, overlay, baseline, ...) that cannot be used."""

    def __init__(self, path: str, message: str):
        self.path = one_line(path)
        self.message = one_line(message, MESSAGE)
        super().__init__(f"{self.path}: {self.message}")


class OutputError(ContractError):
    """A file or folder that cannot be written (a report folder that is a file, a full disk)."""

    def __init__(self, path: str, message: str):
        self.path = one_line(path)
        self.message = one_line(message, MESSAGE)
        super().__init__(f"{self.path}: {self.message}")


def where_raised(exc: BaseException) -> str:
    """Where an unexpected exception was raised, `` at schema.py:42`` ("" when unknown): what a
    one-line report of it says instead of its text, which may hold a value of an input."""
    import os
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""


def internal_error(path: str, exc: BaseException) -> PageError:
    """An error of ours on one input, as the one line that names it (and not the exception's text,
    which may hold a value of the input): the run goes on with the other inputs."""
    return PageError(path, None, f"internal error: {type(exc).__name__}{where_raised(exc)}; please report it")
