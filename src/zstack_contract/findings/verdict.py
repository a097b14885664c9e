"""A run's verdict, decided once, and the exit code that goes with it: the one table of every
command that holds traffic to the contract (``validate``, ``proxy``, pytest with the plugin).

The verdict is the worst outcome of the run, in this order:

- ``fail``: new violations (not in the baseline), exit 1;
- ``unusable input``: an input that could not be used (a file, a schema, a target that could not
  be reached or answered nothing), exit 2;
- ``incomplete``: work of the run that was not done (a test that failed or erred for a reason other
  than findings: a request budget spent, the run's time up, a fixture's error), exit 2;
- ``pass``: none of these, exit 0.

A run with new violations is ``fail`` whatever else went wrong (its reports list the rest): a
broken contract is the news a gate must not hide. Every report shows the verdict as
:data:`WORDS` names it; the exit code is :data:`EXIT_CODES` of it, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, UNUSABLE, INCOMPLETE = "pass", "fail", "unusable input", "incomplete"
EXIT_CODES = {PASS: 0, FAIL: 1, UNUSABLE: 2, INCOMPLETE: 2}
WORDS = {PASS: "PASS", FAIL: "FAIL", UNUSABLE: "UNUSABLE INPUT", INCOMPLETE: "INCOMPLETE"}


def decide(new_violations: int, unusable: int, not_done: int) -> str:
    """The verdict of a run with these counts (the worst outcome first)."""
    if new_violations:
        return FAIL
    if unusable:
        return UNUSABLE
    if not_done:
        return INCOMPLETE
    return PASS


@dataclass(frozen=True)
class NotDone:
    """Work of a run that was not done: ``where`` (a test's id) and why, on one line."""

    where: str
    reason: str
