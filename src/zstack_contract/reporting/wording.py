"""Words of the reports: the run's warnings as a run prints them (the words for counts and kinds
every room shares are :mod:`zstack_contract.facts.words`).

Counts of the summary line and the Markdown sentence that scripts read keep their ``(s)``
(``4 file(s)``); every other count is said properly."""

from __future__ import annotations

from typing import Any


def warnings_said(summary: dict[str, Any], strict: bool) -> str:
    """The run's warnings as the console printed them: the findings of warning severity and,
    unless ``strict`` made them violations, every undocumented field path (each printed as
    ``drift (warning)``)."""
    paths = summary["undocumentedPaths"]
    if strict or not paths:
        return f"{summary['warnings']} warning(s), {paths} undocumented field path(s)"
    return f"{summary['warnings'] + paths} warning(s) ({paths} undocumented field path(s), {summary['warnings']} from the checks)"


def contract_said(contract: dict[str, Any] | None) -> str:
    """The contract a run held its exchanges to, as the summary and the reports say it, the
    release and why (``5.1.30: the node says 5.1.31``), or a folder of schema files."""
    if not contract or contract.get("release") is None:
        return "a folder of schema files"
    why = contract.get("why")
    return f"{contract['release']}: {why}" if why else contract["release"]
