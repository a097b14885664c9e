"""The Markdown summary (``zstack-contract.md``): totals, violations grouped by the page line of
their rule, drift and coverage tables, stale baseline entries.

Every text is put in as :func:`_cell` or :func:`_code` has it: on one line, control characters
escaped, ``|`` escaped for tables, and code spans fenced with more backticks than they hold."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterator

from ..checks.finding import Severity
from ..facts.oneline import one_line
from .report import entry_fields

FILE_NAME = "zstack-contract.md"
SKIPPED_SHOWN = 50
_TICKS = re.compile("`+")


def _cell(text: Any, table: bool = True) -> str:
    """``text`` on one line; in a table cell (``table``), ``|`` escaped."""
    text = one_line(str(text))
    return text.replace("|", "\\|") if table else text


def _code(text: Any, table: bool = True) -> str:
    """``text`` as inline code, whatever backticks it holds."""
    text = _cell(text, table)
    longest = max((len(m) for m in _TICKS.findall(text)), default=0)
    fence, pad = "`" * (longest + 1), " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


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
        yield f"Baseline: {_code(report['baseline'], False)} ({s['staleBaseline']} stale entr(ies))."
    yield ""
    if report["inputErrors"]:
        yield from ["## Unusable inputs", ""] + [f"- {_code(e['file'], False)}: {_cell(e['message'], False)}" for e in report["inputErrors"]] + [""]
    entries = report["findings"]
    groups: dict[str, list[int]] = defaultdict(list)  # page line -> positions of its violations
    for n in range(len(entries)):
        f = entry_fields(entries, n, ("severity", "rule", "check"))
        if f["severity"] == Severity.VIOLATION:
            groups[f["rule"] or f"(no page line: {f['check']})"].append(n)
    if groups:
        yield from ["## Violations by page line", ""]
        for rule in sorted(groups):
            yield from [f"### {_cell(rule)}", "", "| | file | step | pointer | expected | found | check |", "|---|---|---|---|---|---|---|"]
            for n in groups[rule]:
                f = entry_fields(entries, n, _ROW)
                mark = "known" if f["known"] else "**new**"
                step = "" if f["step"] is None else f["step"]
                yield (f"| {mark} | {_code(f['file'])} | {step} | {_code(f['pointer'] or '/')} | {_cell(f['expected'])} | {_cell(f['found'])} "
                       f"| {_cell(f['check'])} |")
            yield ""
    if report["skipped"]:
        yield from ["## Exchanges of no known API (not checked)", ""]
        yield from [f"- {_code(e['file'], False)}: {_cell(e['message'], False)}" for e in report["skipped"][:SKIPPED_SHOWN]]
        if len(report["skipped"]) > SKIPPED_SHOWN:
            yield f"- ... and {len(report['skipped']) - SKIPPED_SHOWN} more (all in the JSON report)"
        yield ""
    if report["drift"]:
        yield from ["## Drift: undocumented fields", "", "| API | path | files | severity |", "|---|---|---|---|"]
        yield from [f"| {_cell(d['api'])} | {_code(d['path'])} | {d['files']} | {d['severity']} |" for d in report["drift"]] + [""]
    if report["coverage"]:
        yield from ["## Coverage: documented fields seen", "", "| API | seen / documented | % | never seen |", "|---|---|---|---|"]
        for api, c in sorted(report["coverage"].items()):
            unseen = ", ".join(_code(p) for p in c["unseen"]) or "-"
            yield f"| {_cell(api)} | {c['seen']} / {c['documented']} | {c['percent']} | {unseen} |"
        yield ""
    if report["staleBaseline"]:
        yield from ["## Stale baseline entries (no longer seen)", ""]
        yield from [f"- {_code(e['api'] + '|' + e['check'] + '|' + e['path'], False)}: {_cell(e['reason'], False)}" for e in report["staleBaseline"]] + [""]


def pieces(report: dict[str, Any]) -> Iterator[str]:
    """``"\\n".join(lines(report))``, line by line."""
    for n, line in enumerate(lines(report)):
        yield ("\n" if n else "") + line
