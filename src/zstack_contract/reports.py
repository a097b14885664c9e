"""Reports of a run: a JSON report (``data/report.schema.json``) and a Markdown summary.

Both are deterministic for the same findings and are written even when the run fails.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import __version__
from .files import write_atomic
from .validation import Validation

JSON_NAME = "zstack-contract.json"
MARKDOWN_NAME = "zstack-contract.md"
_VERDICT = {0: "pass", 1: "fail", 2: "unusable input"}


def report_json(v: Validation) -> dict[str, Any]:
    findings = sorted(v.findings, key=lambda f: (f.file, f.step or 0, f.pointer, f.check, f.expected, f.found))
    new = {id(f) for f in v.new_violations()}
    stale = v.baseline.stale(v.findings) if v.baseline else []
    code = v.exit_code()
    return {
        "format": "zstack-contract.report/1",
        "tool": {"name": "zstack-contract", "version": __version__},
        "strict": v.strict,
        "baseline": v.baseline.source if v.baseline else None,
        "apis": [{"api": c.api, "page": c.page} for c in v.contracts],
        "summary": {
            "verdict": _VERDICT[code],
            "exitCode": code,
            "files": v.files,
            "exchanges": v.exchanges,
            "documents": v.documents,
            "skipped": v.skipped,
            "violations": len(v.violations),
            "newViolations": len(new),
            "knownViolations": len(v.violations) - len(new),
            "warnings": sum(1 for f in v.findings if f.severity != "violation"),
            "undocumentedPaths": len(v.drift()),
            "inputErrors": len(v.input_errors),
            "staleBaseline": len(stale),
        },
        "findings": [{**f.to_json(), "known": f.severity == "violation" and id(f) not in new} for f in findings],
        "inputErrors": [{"file": e.path, "message": e.message} for e in sorted(v.input_errors, key=lambda e: e.path)],
        "drift": v.drift(),
        "coverage": v.coverage(),
        "staleBaseline": [{"api": e.api, "check": e.check, "path": e.path, "reason": e.reason} for e in stale],
    }


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    verdict = {"pass": "PASS", "fail": "FAIL", "unusable input": "UNUSABLE INPUT"}[s["verdict"]]
    lines = [f"# zstack-contract: {verdict}", ""]
    lines.append(
        f"{s['newViolations']} new violation(s), {s['knownViolations']} known (baseline), {s['warnings']} warning(s), "
        f"{s['undocumentedPaths']} undocumented field path(s), {s['inputErrors']} unusable input(s); {s['files']} file(s), {s['exchanges']} exchange(s), {s['documents']} response bod(ies) checked"
        + (", strict mode" if report["strict"] else "") + "."
    )
    if report["baseline"]:
        lines.append(f"Baseline: `{report['baseline']}` ({s['staleBaseline']} stale entr(ies)).")
    lines.append("")
    if report["inputErrors"]:
        lines += ["## Unusable inputs", ""] + [f"- `{e['file']}`: {e['message']}" for e in report["inputErrors"]] + [""]
    violations = [f for f in report["findings"] if f["severity"] == "violation"]
    if violations:
        lines += ["## Violations by page line", ""]
        groups: dict[str, list] = defaultdict(list)
        for f in violations:
            groups[f["rule"] or f"(no page line: {f['check']})"].append(f)
        for rule in sorted(groups):
            lines += [f"### {rule}", "", "| | file | step | pointer | expected | found | check |", "|---|---|---|---|---|---|---|"]
            for f in groups[rule]:
                mark = "known" if f["known"] else "**new**"
                step = "" if f["step"] is None else f["step"]
                lines.append(f"| {mark} | `{_cell(f['file'])}` | {step} | `{_cell(f['pointer'] or '/')}` | {_cell(f['expected'])} | {_cell(f['found'])} | {f['check']} |")
            lines.append("")
    if report["drift"]:
        lines += ["## Drift: undocumented fields", "", "| API | path | files | severity |", "|---|---|---|---|"]
        lines += [f"| {d['api']} | `{d['path']}` | {d['files']} | {d['severity']} |" for d in report["drift"]] + [""]
    if report["coverage"]:
        lines += ["## Coverage: documented fields seen", "", "| API | seen / documented | % | never seen |", "|---|---|---|---|"]
        for api, c in sorted(report["coverage"].items()):
            unseen = ", ".join(f"`{p}`" for p in c["unseen"]) or "-"
            lines.append(f"| {api} | {c['seen']} / {c['documented']} | {c['percent']} | {unseen} |")
        lines.append("")
    if report["staleBaseline"]:
        lines += ["## Stale baseline entries (no longer seen)", ""]
        lines += [f"- `{e['api']}|{e['check']}|{e['path']}`: {e['reason']}" for e in report["staleBaseline"]] + [""]
    return "\n".join(lines)


def write_reports(v: Validation, directory: str | Path) -> tuple[Path, Path]:
    d = Path(directory)
    report = report_json(v)
    j, m = d / JSON_NAME, d / MARKDOWN_NAME
    write_atomic(j, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    write_atomic(m, report_markdown(report).encode("utf-8"))
    return j, m
