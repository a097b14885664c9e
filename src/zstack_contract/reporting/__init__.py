"""The reporting room: the report of a run (:mod:`.report`) and one writer per format, chosen by
name from :data:`WRITERS`: ``json`` (:mod:`.json_report`), ``markdown`` (:mod:`.markdown`),
``html`` (:mod:`.html_report`; the Markdown and HTML reports say what :mod:`.sections` says). A
new format is a module with a ``FILE_NAME`` and a ``pieces(report)`` that yields its text, and
an entry here. Outside the report folder: the console lines of ``validate`` (:mod:`.console`),
its JUnit XML (:mod:`.junit`, one test case per input file), and the pytest plugin's terminal
summary (:mod:`.terminal`).

Reports are deterministic (the same findings give the same bytes) and written also when a run
fails. Every text from an input (file names, keys, values) is shown on one line
(:mod:`zstack_contract.facts.oneline`), so a report has no raw control character.

A run's reports are one set (:mod:`.folder`): :func:`clear_reports` removes the previous run's
when a run starts, so a run killed before its end leaves none rather than a stale PASS;
:func:`write_reports` writes them all into a fresh temporary folder beside them, removes the old
ones and renames the new ones into place, holding a lock on the report folder, so a reader never
finds the JSON of one run beside the Markdown of another, even with two runs writing one folder;
a killed run's temporary folder is removed by the next run that writes there. A report folder
that cannot be used raises :class:`~zstack_contract.errors.OutputError` (one line).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

from ..findings.validation import Validation
from . import html_report, json_report, markdown
from .folder import clear_reports as _clear, replace_reports
from .report import build_report


@dataclass(frozen=True)
class Writer:
    name: str
    file_name: str
    pieces: Callable[[dict[str, Any]], Iterator[str]]


WRITERS: dict[str, Writer] = {
    "json": Writer("json", json_report.FILE_NAME, json_report.pieces),
    "markdown": Writer("markdown", markdown.FILE_NAME, markdown.pieces),
    "html": Writer("html", html_report.FILE_NAME, html_report.pieces),
}
DEFAULT_FORMATS = ("json", "markdown", "html")


def clear_reports(directory: str | Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> None:
    """When a run starts: make sure ``directory`` can hold reports, and remove the previous ones."""
    _clear(directory, [WRITERS[name].file_name for name in formats])


def write_reports(v: Validation, directory: str | Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                  report: dict[str, Any] | None = None) -> list[Path]:
    """Write the run's report in each format into ``directory``, as one set; the paths written,
    in that order."""
    report = report if report is not None else build_report(v)
    return replace_reports(directory, {WRITERS[name].file_name: partial(WRITERS[name].pieces, report) for name in formats})
