"""Reports of a run: a JSON report (``data/report.schema.json``) and a Markdown summary.

Both are deterministic for the same findings and are written even when the run fails. They are
written as they are encoded, each finding's entry made only when its turn comes, so a run with
many findings does not hold its report twice over in memory.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import __version__
from .validation import Validation

JSON_NAME = "zstack-contract.json"
MARKDOWN_NAME = "zstack-contract.md"
_VERDICT = {0: "pass", 1: "fail", 2: "unusable input"}


class _Entries(list):
    """The report's findings, each entry made when it is read (a list, so ``json`` encodes it)."""

    def __init__(self, findings: list, new: set[int]):
        super().__init__()
        self._findings, self._new = findings, new

    def __len__(self) -> int:
        return len(self._findings)

    def __bool__(self) -> bool:
        return bool(self._findings)

    def __getitem__(self, i: int) -> dict[str, Any]:
        f = self._findings[i]
        return {**f.to_json(), "known": self._known(f)}

    def __iter__(self):
        return (self[i] for i in range(len(self._findings)))

    def fields(self, i: int, names: tuple[str, ...]) -> dict[str, Any]:
        """Those fields of ``self[i]`` (plain ones, or ``known``), without making the whole entry."""
        f = self._findings[i]
        return {name: self._known(f) if name == "known" else getattr(f, name) for name in names}

    def _known(self, f) -> bool:
        return f.severity == "violation" and id(f) not in self._new


def _fields(entries: list, i: int, names: tuple[str, ...]) -> dict[str, Any]:
    return entries.fields(i, names) if isinstance(entries, _Entries) else {name: entries[i][name] for name in names}


def report_json(v: Validation) -> dict[str, Any]:
    report = _report(v)
    report["findings"] = list(report["findings"])
    return report


def _report(v: Validation) -> dict[str, Any]:
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
        "findings": _Entries(findings, new),
        "inputErrors": [{"file": e.path, "message": e.message} for e in sorted(v.input_errors, key=lambda e: e.path)],
        "drift": v.drift(),
        "coverage": v.coverage(),
        "staleBaseline": [{"api": e.api, "check": e.check, "path": e.path, "reason": e.reason} for e in stale],
    }


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict[str, Any]) -> str:
    return "\n".join(_markdown_lines(report))


_ROW = ("known", "file", "step", "pointer", "expected", "found", "check")


def _markdown_lines(report: dict[str, Any]) -> Iterator[str]:
    s = report["summary"]
    verdict = {"pass": "PASS", "fail": "FAIL", "unusable input": "UNUSABLE INPUT"}[s["verdict"]]
    yield from [f"# zstack-contract: {verdict}", ""]
    yield (
        f"{s['newViolations']} new violation(s), {s['knownViolations']} known (baseline), {s['warnings']} warning(s), "
        f"{s['undocumentedPaths']} undocumented field path(s), {s['inputErrors']} unusable input(s); {s['files']} file(s), {s['exchanges']} exchange(s), {s['documents']} response bod(ies) checked"
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
        f = _fields(entries, n, ("severity", "rule", "check"))
        if f["severity"] == "violation":
            groups[f["rule"] or f"(no page line: {f['check']})"].append(n)
    if groups:
        yield from ["## Violations by page line", ""]
        for rule in sorted(groups):
            yield from [f"### {rule}", "", "| | file | step | pointer | expected | found | check |", "|---|---|---|---|---|---|---|"]
            for n in groups[rule]:
                f = _fields(entries, n, _ROW)
                mark = "known" if f["known"] else "**new**"
                step = "" if f["step"] is None else f["step"]
                yield f"| {mark} | `{_cell(f['file'])}` | {step} | `{_cell(f['pointer'] or '/')}` | {_cell(f['expected'])} | {_cell(f['found'])} | {f['check']} |"
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


def write_reports(v: Validation, directory: str | Path) -> tuple[Path, Path]:
    d = Path(directory)
    report = _report(v)
    j, m = d / JSON_NAME, d / MARKDOWN_NAME
    _write_atomic(j, _json_pieces(report))
    _write_atomic(m, _joined(_markdown_lines(report)))
    return j, m


_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False), without a new encoder each time


def _json_pieces(report: dict[str, Any]) -> Iterator[str]:
    """The JSON report, indented, with one finding a line: each finding is encoded on its own by
    the standard library's native encoder (an indenting encoder is pure Python)."""
    yield "{"
    for n, (key, value) in enumerate(report.items()):
        yield ("," if n else "") + f"\n  {json.dumps(key)}: "
        if key == "findings":
            for i, entry in enumerate(value):
                yield ("[" if i == 0 else ",") + "\n    " + _encode(entry)
            yield "\n  ]" if value else "[]"
        else:  # as json.dumps(report, indent=2) has it: a string never holds a raw newline
            yield json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    yield "\n}\n"


def _joined(lines: Iterator[str]) -> Iterator[str]:
    """``"\n".join(lines)``, piece by piece."""
    for n, line in enumerate(lines):
        yield ("\n" if n else "") + line


def _write_atomic(path: Path, pieces: Iterable[str]) -> None:
    """Write UTF-8 text as it comes, so a reader never sees half of the file (as files.write_atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(pieces)
    os.replace(tmp, path)
