"""Errors that carry where they happened, so every front end can print one clear line."""

from __future__ import annotations


class ContractError(Exception):
    """Base of the project's expected errors: shown as one line, never as a traceback."""


class PageError(ContractError):
    """A reference page that cannot be turned into a model; names the page and line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class InputError(ContractError):
    """An input file (recording, overlay, baseline, ...) that cannot be used."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")
