"""The Markdown summary (``zstack-contract.md``): totals, violations grouped by the page line of
their rule, drift and coverage tables, stale baseline entries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from ..checks.finding import Severity
from .report import entry_fields

FILE_NAME = "zstack-contract.md"
SKIPPED_SHOWN = 50


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_ROW = ("known", "file", "step", "pointer", "expected", "found", "check")


def lines(report: dict[str, Any]) -> Iterator[str]:
    s = report["summary"]
    verdict = {"pass": "PASS", "fail": "FAIL", "unusable input": "UNUSABLE INPUT"}[s["verdict"]]
    yield from [f"# zstack-contract: {verdict}", ""]
    yield (
        f"{s['newViolations']} new violation(s), {s['knownViolations']} known (baseline), {s['warnings']} warning(s), "
        f"{s['undocumentedPaths']} undocumented field path(s), {s['inputErrors']} unusable input(s); {s['files']} file(s), {s['exchanges']} exchange(s), {s['documents']} response bod(ies) checked, "
        f"{s['skipped']} exchange(s) of no known API"
        + (", strict mode" if report["strict"] else "") + "."
    )
    if report["baseline"]:
        yield f"Baseline: `{report['baseline']}` ({s['staleBaseline']} stale entr(ies))."
    yield ""
    if report["inputErrors"]:
        yield from ["## Unusable inputs", ""] + [f"- `{e['file']}`: {e['message']}" for e in report["inputErrors"]] + [""]
    entries = report["findings"]
    groups: dict[str, list[int]] = defaultdict(list)  # page line -> positions of its violations
    for n in range(len(entries)):
        f = entry_fields(entries, n, ("severity", "rule", "check"))
        if f["severity"] == Severity.VIOLATION:
            groups[f["rule"] or f"(no page line: {f['check']})"].append(n)
    if groups:
        yield from ["## Violations by page line", ""]
        for rule in sorted(groups):
            yield from [f"### {rule}", "", "| | file | step | pointer | expected | found | check |", "|---|---|---|---|---|---|---|"]
            for n in groups[rule]:
                f = entry_fields(entries, n, _ROW)
                mark = "known" if f["known"] else "**new**"
                step = "" if f["step"] is None else f["step"]
                yield f"| {mark} | `{_cell(f['file'])}` | {step} | `{_cell(f['pointer'] or '/')}` | {_cell(f['expected'])} | {_cell(f['found'])} | {f['check']} |"
            yield ""
    if report["skipped"]:
        yield from ["## Exchanges of no known API (not checked)", ""]
        yield from [f"- `{_cell(e['file'])}`: {_cell(e['message'])}" for e in report["skipped"][:SKIPPED_SHOWN]]
        if len(report["skipped"]) > SKIPPED_SHOWN:
            yield f"- ... and {len(report['skipped']) - SKIPPED_SHOWN} more (all in the JSON report)"
        yield ""
    if report["drift"]:
        yield from ["## Drift: undocumented fields", "", "| API | path | files | severity |", "|---|---|---|---|"]
        yield from [f"| {d['api']} | `{d['path']}` | {d['files']} | {d['severity']} |" for d in report["drift"]] + [""]
    if report["coverage"]:
        yield from ["## Coverage: documented fields seen", "", "| API | seen / documented | % | never seen |", "|---|---|---|---|"]
        for api, c in sorted(report["coverage"].items()):
            unseen = ", ".join(f"`{p}`" for p in c["unseen"]) or "-"
            yield f"| {api} | {c['seen']} / {c['documented']} | {c['percent']} | {unseen} |"
        yield ""
    if report["staleBaseline"]:
        yield from ["## Stale baseline entries (no longer seen)", ""]
        yield from [f"- `{e['api']}|{e['check']}|{e['path']}`: {e['reason']}" for e in report["staleBaseline"]] + [""]


def pieces(report: dict[str, Any]) -> Iterator[str]:
    """``"\\n".join(lines(report))``, line by line."""
    for n, line in enumerate(lines(report)):
        yield ("\n" if n else "") + line
