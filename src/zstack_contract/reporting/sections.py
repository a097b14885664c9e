"""What the Markdown and HTML reports say, in order (:mod:`.blocks` holds how it is put):

1. the verdict (the worst outcome of the run, :mod:`zstack_contract.findings.verdict`), one
   sentence of counts, the contract (a release and why it, :func:`~.wording.contract_said`), the baseline used;
2. a summary table: new, known (baseline), stale (baseline) and warnings by check and API, the
   rows with new findings first, undocumented field paths as warnings of ``drift`` (unless strict
   mode made them violations of the checks): its totals are the sentence's counts;
3. unusable inputs; work not done (tests that failed for other reasons than findings, a live
   session that ran out of its request budget or time); new
   violations, then known ones (each beside its baseline entry's reason), then warnings, each
   grouped by the page line of their rule; stale baseline entries; drift; coverage; exchanges of
   no known API.

Each section's title carries its counts, and a long section is folded (:func:`~.blocks.fold`).
Findings name where they were seen: a recording file, or a live test's id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..checks.finding import Severity
from .blocks import Bullets, Code, Inline, LazyRows, Paragraph, Section, Strong, Table, fold
from ..findings.verdict import WORDS
from .report import entry_fields
from ..facts.words import plural
from .wording import contract_said, warnings_said

DRIFT = "drift"  # the summary table's row of an API's undocumented field paths
FINDING_COLUMNS = ("where", "step", "pointer", "expected", "found", "check")
_DIGITS = re.compile(r"(\d+)")
_FINDING_FIELDS = ("file", "step", "pointer", "expected", "found", "check", "reason")


def title(report: dict[str, Any]) -> str:
    return f"zstack-contract: {WORDS[report['summary']['verdict']]}"


def intro(report: dict[str, Any]) -> list[Paragraph]:
    s = report["summary"]
    not_done = f"{s['notDone']} not done, " if s["notDone"] else ""
    counts = (
        f"{s['newViolations']} new violation(s), {s['knownViolations']} known (baseline), {s['staleBaseline']} stale (baseline), "
        f"{warnings_said(s, report['strict'])}, {not_done}"
        f"{s['inputErrors']} unusable input(s); {s['files']} file(s), {s['exchanges']} exchange(s), "
        f"{plural(s['documents'], 'response body')} checked, {s['skipped']} exchange(s) of no known API"
        + (", strict mode" if report["strict"] else "") + "."
    )
    out = [Paragraph((counts,)), Paragraph(("Contract: ", contract_said(report.get("contract")), "."))]
    if s["notKept"]:
        out.append(Paragraph((f"{plural(s['notKept'], 'more finding')} of the same API, check and path as those listed "
                              "were seen and not kept (a long session keeps so many of each).",)))
    if s.get("notChecked"):
        why = "; ".join(f"{n} {entry['reason']}" for entry in report.get("notChecked", []) for n in (entry["exchanges"],))
        out.append(Paragraph((f"{plural(s['notChecked'], 'exchange')} passed on but not checked (nor recorded): {why}.",)))
    if report["baseline"] is not None:
        out.append(Paragraph(("Baseline: ", Code(report["baseline"] or "-"),
                              f" ({plural(s['staleBaseline'], 'stale entry', 'stale entries')} among the cases this run exercised).")))
    return out


def sections(report: dict[str, Any]) -> list[Section]:
    """Every section with something to show, in order."""
    groups = _grouped(report)
    out = [_summary(report, groups.counts)] if groups.counts else []
    if report["inputErrors"]:
        rows = LazyRows(report["inputErrors"], _file_row)
        out.append(fold(f"Unusable inputs ({len(rows)})", [Bullets(rows)]))
    if report["notDone"]:
        rows = LazyRows(report["notDone"], lambda n: (Code(n["where"]), ": ", n["reason"]))
        out.append(fold(f"Not done: tests that failed for other reasons than findings, work the run stopped short ({len(rows)})",
                        [Bullets(rows)]))
    for by_rule, known, heading in ((groups.new, False, "Violations by page line ({} new)"),
                                    (groups.known, True, "Violations by page line ({} known, in the baseline)"),
                                    (groups.warnings, False, "Warnings by page line ({})")):
        if by_rule:
            tables = [_findings_table(report, rule, by_rule[rule], known) for rule in sorted(by_rule, key=_by_line)]
            out.append(fold(heading.format(sum(map(len, by_rule.values()))), tables))
    if report["staleBaseline"]:
        rows = LazyRows(report["staleBaseline"], lambda e: (e["api"], e["check"], Code(e["path"]), e["reason"]))
        out.append(fold(f"Stale baseline entries ({len(rows)}, no longer seen)", [Table(("API", "check", "path", "reason"), rows)]))
    if report["drift"]:
        apis = len({d["api"] for d in report["drift"]})
        rows = LazyRows(report["drift"], lambda d: (d["api"], Code(d["path"]), d["files"], d["severity"]))
        out.append(fold(f"Drift: undocumented fields ({plural(len(rows), 'path')} in {plural(apis, 'API')})",
                        [Table(("API", "path", "files", "severity"), rows, numeric=frozenset({2}))]))
    if report["coverage"]:
        cov = report["coverage"]
        seen, documented = sum(c["seen"] for c in cov.values()), sum(c["documented"] for c in cov.values())
        rows = LazyRows(sorted(cov), lambda api: _coverage_row(api, cov[api]))
        out.append(fold(f"Coverage: documented fields seen ({seen} of {documented} in {plural(len(cov), 'API')})",
                        [Table(("API", "seen / documented", "%", "never seen"), rows, numeric=frozenset({1, 2}))]))
    if report["skipped"]:
        rows = LazyRows(report["skipped"], _file_row)
        out.append(fold(f"Exchanges of no known API (not checked): {len(rows)}", [Bullets(rows)]))
    return out


def _file_row(e: dict[str, str]) -> tuple:
    return (Code(e["file"]), ": ", e["message"])


class _Groups:
    def __init__(self) -> None:
        self.new: dict[str, list[int]] = defaultdict(list)  # page line -> positions of its findings
        self.known: dict[str, list[int]] = defaultdict(list)
        self.warnings: dict[str, list[int]] = defaultdict(list)
        self.counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # (check, API) -> new, known, stale, warnings


def _grouped(report: dict[str, Any]) -> _Groups:
    g = _Groups()
    entries = report["findings"]
    for n in range(len(entries)):
        f = entry_fields(entries, n, ("severity", "rule", "check", "known", "api"))
        rule = f["rule"] or f"check {f['check']}, no page line"
        counts = g.counts[(f["check"], f["api"] or "-")]
        if f["severity"] != Severity.VIOLATION:
            g.warnings[rule].append(n)
            counts[3] += 1
        elif f["known"]:
            g.known[rule].append(n)
            counts[1] += 1
        else:
            g.new[rule].append(n)
            counts[0] += 1
    for e in report["staleBaseline"]:
        g.counts[(e["check"], e["api"])][2] += 1
    if not report["strict"]:  # drift paths are warnings (strict: violations the checks found, counted above)
        for d in report["drift"]:
            g.counts[(DRIFT, d["api"])][3] += 1
    return g


def _by_line(rule: str) -> list:
    """A page line's sort key: its numbers as numbers (``X.txt:89`` before ``X.txt:120``)."""
    return [int(t) if n % 2 else t for n, t in enumerate(_DIGITS.split(rule))]


def _summary(report: dict[str, Any], counts: dict[tuple[str, str], list[int]]) -> Section:
    keys = sorted(counts, key=lambda k: (counts[k][0] == 0, k))  # rows with new findings first
    total = [sum(c[i] for c in counts.values()) for i in range(4)]
    rows = [(Strong("all"), "", *(Strong(str(n)) for n in total))] + [(check, api, *counts[(check, api)]) for check, api in keys]
    return fold(f"Findings by check and API ({total[0]} new, {total[1]} known, {total[2]} stale, {plural(total[3], 'warning')})",
                [Table(("check", "API", "new", "known", "stale", "warnings"), rows, numeric=frozenset({2, 3, 4, 5}))])


def _findings_table(report: dict[str, Any], rule: str, positions: list[int], known: bool) -> Table:
    entries = report["findings"]
    columns = FINDING_COLUMNS + (("baseline reason",) if known else ())

    def row(n: int) -> tuple:
        f = entry_fields(entries, n, _FINDING_FIELDS)
        cells = (Code(f["file"]), "" if f["step"] is None else f["step"], Code(f["pointer"] or "/"), f["expected"], f["found"], f["check"])
        return cells + ((f["reason"] or "",) if known else ())

    return Table(columns, LazyRows(positions, row), heading=f"{rule} ({len(positions)})", numeric=frozenset({1}))


def _coverage_row(api: str, c: dict[str, Any]) -> tuple:
    unseen: Inline = tuple(piece for n, p in enumerate(c["unseen"]) for piece in ((", ", Code(p)) if n else (Code(p),))) or ("-",)
    return (api, f"{c['seen']} / {c['documented']}", c["percent"], unseen)
