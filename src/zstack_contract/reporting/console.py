"""The console report of ``zstack-contract validate``: one line per finding, drift path,
coverage figure, skipped exchange and stale baseline entry, then the summary line. Each line is
one line whatever its texts hold (:func:`~zstack_contract.facts.oneline.one_line`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ..facts.oneline import one_line
from .report import Entries


def pieces(report: dict[str, Any], quiet: bool = False) -> Iterator[str]:
    """The detail lines (none when ``quiet``), each ending in a newline."""
    if not quiet:
        for line in _lines(report):
            yield one_line(line) + "\n"


def _lines(report: dict[str, Any]) -> Iterator[str]:
    entries: Entries = report["findings"]
    for n in range(len(entries)):
        f = entries.finding(n)
        tag = "known" if entries.fields(n, ("known",))["known"] else f.severity
        yield f"{tag}: {f.message()}"
    for d in report["drift"]:
        yield f"drift ({d['severity']}): {d['api']} {d['path']} undocumented, in {d['files']} file(s)"
    for api, c in report["coverage"].items():
        yield f"coverage: {api} {c['seen']}/{c['documented']} documented fields seen ({c['percent']}%)"
    for s in report["skipped"]:
        yield f"skipped: {s['file']}: {s['message']}"
    for e in report["staleBaseline"]:
        yield f"stale baseline entry: {e['api']}|{e['check']}|{e['path']} ({e['reason']})"


def summary_line(report: dict[str, Any], written: list[Path]) -> str:
    s = report["summary"]
    return one_line(
        f"zstack-contract: {s['files']} file(s), {s['documents']} bod(ies): {s['violations']} violation(s) ({s['newViolations']} new), "
        f"{s['warnings']} warning(s), {s['undocumentedPaths']} undocumented field path(s), {s['skipped']} exchange(s) of no known API, "
        f"{s['inputErrors']} unusable input(s) "
        f"-> {s['verdict'].upper()}; reports: {', '.join(map(str, written)) or 'not written'}"
    )
