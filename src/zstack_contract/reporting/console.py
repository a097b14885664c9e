"""The console report of ``zstack-contract validate``: one line per finding, drift path,
coverage figure, skipped exchange and stale baseline entry, then the summary line. Each line is
one line whatever its texts hold (:func:`~zstack_contract.facts.oneline.one_line`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..facts.oneline import one_line
from ..findings.verdict import WORDS
from .report import entry_fields, finding_at
from ..facts.words import plural
from .wording import warnings_said


def pieces(report: dict[str, Any], quiet: bool = False) -> Iterator[str]:
    """The detail lines (none when ``quiet``), each ending in a newline."""
    if not quiet:
        for line in _lines(report):
            yield one_line(line) + "\n"


def finding_line(entries: list, n: int) -> str:
    """Finding ``n`` of the report as the console prints it: ``violation: ...``, ``known: ...``
    (in the baseline) or ``warning: ...``."""
    f = finding_at(entries, n)
    tag = "known" if entry_fields(entries, n, ("known",))["known"] else f.severity
    return one_line(f"{tag}: {f.message()}")


def _lines(report: dict[str, Any]) -> Iterator[str]:
    entries = report["findings"]
    for n in range(len(entries)):
        yield finding_line(entries, n)
    for d in report["drift"]:
        yield f"drift ({d['severity']}): {d['api']} {d['path']} undocumented, in {d['files']} file(s)"
    for api, c in report["coverage"].items():
        yield f"coverage: {api} {c['seen']}/{c['documented']} documented fields seen ({c['percent']}%)"
    for s in report["skipped"]:
        yield f"skipped: {s['file']}: {s['message']}"
    for e in report["staleBaseline"]:
        yield f"stale baseline entry: {e['api']}|{e['check']}|{e['path']} ({e['reason']})"


def summary_line(report: dict[str, Any], written: list[Path]) -> str:
    """The last line: the counts of what was printed above it, the verdict, the reports written."""
    s = report["summary"]
    return one_line(
        f"zstack-contract: {s['files']} file(s), {plural(s['documents'], 'body')}: {s['violations']} violation(s) ({s['newViolations']} new), "
        f"{warnings_said(s, report['strict'])}, {s['skipped']} exchange(s) of no known API, "
        f"{s['inputErrors']} unusable input(s) "
        f"-> {WORDS[s['verdict']]}; reports: {', '.join(map(str, written)) or 'not written'}"
    )
