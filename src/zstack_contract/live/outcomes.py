"""How a live test ends early, in the live room's own words: the pytest plugin turns each into
pytest's outcome (:mod:`zstack_contract.pytest_plugin`), so this room needs no test runner.

Both are BaseExceptions, as pytest's are: code that catches ``Exception`` (Hypothesis running a
probe, a check) lets them through instead of taking them for a fault to shrink or report."""

from __future__ import annotations


class Outcome(BaseException):
    """A test ends here, for the reason given on one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Skipped(Outcome):
    """The test cannot run on this target (no VM in the state it needs, no opt-in to destroy)."""


class Failed(Outcome):
    """The test fails for a reason the line says in full (no traceback is worth showing)."""
