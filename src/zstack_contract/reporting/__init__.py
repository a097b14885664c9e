"""The reporting room: the report of a run (:mod:`.report`) and one writer per format, chosen by
name from :data:`WRITERS`: ``json`` (:mod:`.json_report`), ``markdown`` (:mod:`.markdown`); the
console lines of ``validate`` are :mod:`.console`. A new format is a module with a ``FILE_NAME``
and a ``pieces(report)`` that yields its text, and an entry here.

Reports are deterministic (the same findings give the same bytes) and written atomically, also
when a run fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..atomic import write_atomic
from ..findings.validation import Validation
from . import json_report, markdown
from .report import build_report


@dataclass(frozen=True)
class Writer:
    name: str
    file_name: str
    pieces: Callable[[dict[str, Any]], Iterator[str]]


WRITERS: dict[str, Writer] = {
    "json": Writer("json", json_report.FILE_NAME, json_report.pieces),
    "markdown": Writer("markdown", markdown.FILE_NAME, markdown.pieces),
}
DEFAULT_FORMATS = ("json", "markdown")


def write_reports(v: Validation, directory: str | Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                  report: dict[str, Any] | None = None) -> list[Path]:
    """Write the run's report in each format into ``directory``; the paths written, in that order."""
    report = report if report is not None else build_report(v)
    written = []
    for name in formats:
        writer = WRITERS[name]
        path = Path(directory) / writer.file_name
        write_atomic(path, writer.pieces(report))
        written.append(path)
    return written
