"""The report of a run: one outline (``data/report.schema.json``) that every writer renders.

Its findings are made into entries only when a writer reads them, so a run with many findings
does not hold its report twice over in memory. Everything in it is sorted: the same findings
give the same report.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..checks.finding import Finding, Severity
from ..facts.oneline import one_line
from ..findings.baseline import is_new
from ..findings.validation import Validation
from ..findings.verdict import EXIT_CODES

FORMAT = "zstack-contract.report/1"


class Entries(list):
    """The report's findings, each entry made when it is read (a list, so ``json`` encodes it)."""

    def __init__(self, findings: list[Finding], baseline):
        super().__init__()
        self._findings, self._baseline = findings, baseline

    def __len__(self) -> int:
        return len(self._findings)

    def __bool__(self) -> bool:
        return bool(self._findings)

    def __getitem__(self, i: int) -> dict[str, Any]:
        f = self._findings[i]
        return {**f.to_json(), "known": self._known(f)}

    def __iter__(self):
        return (self[i] for i in range(len(self._findings)))

    def finding(self, i: int) -> Finding:
        return self._findings[i]

    def fields(self, i: int, names: tuple[str, ...]) -> dict[str, Any]:
        """Those fields of ``self[i]`` (plain ones, ``known``, or ``reason``: the reason of the
        baseline entry that knows it), without making the whole entry."""
        f = self._findings[i]
        return {name: self._known(f) if name == "known" else self._reason(f) if name == "reason" else getattr(f, name) for name in names}

    def _known(self, f: Finding) -> bool:
        return f.severity is Severity.VIOLATION and not is_new(f, self._baseline)

    def _reason(self, f: Finding) -> str | None:
        entry = self._baseline.entry(f) if self._baseline is not None and self._known(f) else None
        return one_line(entry.reason) if entry is not None else None


def build_report(v: Validation) -> dict[str, Any]:
    """The report's outline, key by key in the order the JSON report writes them."""
    findings = sorted(v.findings, key=lambda f: (f.file, f.step or 0, f.pointer, f.check, f.expected, f.found))
    violations = v.violations
    new = sum(1 for f in violations if is_new(f, v.baseline))
    stale = v.baseline.stale(v.findings, v.exercised.judge(v.strict)) if v.baseline else []
    verdict = v.verdict()
    return {
        "format": FORMAT,
        "tool": {"name": "zstack-contract", "version": __version__},
        "strict": v.strict,
        "baseline": one_line(v.baseline.source) if v.baseline else None,
        "apis": [{"api": c.api, "page": c.page} for c in v.contracts],
        "contract": {"release": v.contracts.release, "why": one_line(v.contracts.why) if v.contracts.why else None},
        "summary": {
            "verdict": verdict,
            "exitCode": EXIT_CODES[verdict],
            "files": v.files,
            "exchanges": v.exchanges,
            "documents": v.documents,
            "skipped": v.skipped,
            "violations": len(violations),
            "newViolations": new,
            "knownViolations": len(violations) - new,
            "warnings": len(v.warnings),
            "undocumentedPaths": len(v.drift()),
            "inputErrors": len(v.input_errors),
            "staleBaseline": len(stale),
            "notKept": v.not_kept,
            "notChecked": sum(v.not_checked.values()),
            "notDone": len(v.not_done),
        },
        "findings": Entries(findings, v.baseline),
        "inputErrors": [{"file": e.path, "message": e.message} for e in sorted(v.input_errors, key=lambda e: e.path)],
        "notDone": [{"where": one_line(n.where), "reason": one_line(n.reason)} for n in sorted(v.not_done, key=lambda n: (n.where, n.reason))],
        "notChecked": [{"reason": why, "exchanges": n} for why, n in sorted(v.not_checked.items())],
        "skipped": [{"file": e.path, "message": e.message} for e in v.skipped_notes],
        "drift": v.drift(),
        "coverage": v.coverage(),
        "staleBaseline": [{"api": one_line(e.api), "check": one_line(e.check), "path": one_line(e.path), "reason": one_line(e.reason)} for e in stale],
    }


def entry_fields(entries: list, i: int, names: tuple[str, ...]) -> dict[str, Any]:
    """Those fields of finding entry ``i``, from :class:`Entries` or a plain list of entries (whose
    entries have no ``reason``: None)."""
    return entries.fields(i, names) if isinstance(entries, Entries) else {name: entries[i].get(name) for name in names}


def finding_at(entries: list, i: int) -> Finding:
    """Finding ``i`` of the entries, from :class:`Entries` or a plain list of entries."""
    return entries.finding(i) if isinstance(entries, Entries) else Finding.from_json(entries[i])
