"""The baseline: known deviations, each a stable fingerprint (API, check, path without array
indices) with the reason it is accepted. Known ones are reported but do not fail the gate.

An entry whose API is ``*`` knows the deviation of every API: a departure of a node's REST layer,
which no API's page controls."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..checks.finding import Finding, Severity
from ..errors import InputError
from ..inputs.files import special_file
from ..inputs.json_reader import read_json
from ..inputs.recordings import read_bytes

ANY_API = "*"
FORMAT = "zstack-contract.baseline/1"
NEW_REASON = "TODO: say why this deviation is accepted"


@dataclass(frozen=True)
class Entry:
    api: str
    check: str
    path: str
    reason: str

    @property
    def fingerprint(self) -> str:
        return f"{self.api}|{self.check}|{self.path}"


class Baseline:
    def __init__(self, entries: list[Entry], source: str = ""):
        self.source = source
        self.entries = {e.fingerprint: e for e in entries}

    def knows(self, finding: Finding) -> bool:
        return self.entry(finding) is not None

    def entry(self, finding: Finding) -> Entry | None:
        """The entry that knows the finding: its API's own, else one for every API."""
        return self.entries.get(finding.fingerprint) or self.entries.get(f"{ANY_API}|{finding.check}|{finding.path}")

    def stale(self, findings: list[Finding]) -> list[Entry]:
        """The entries no finding needed."""
        used = {e.fingerprint for e in map(self.entry, findings) if e is not None}
        return [e for fp, e in sorted(self.entries.items()) if fp not in used]

    @classmethod
    def load(cls, path: str | Path) -> "Baseline":
        """Read a baseline file; anything unusable (not there, not a regular file, not JSON, not
        a baseline) is an InputError naming it."""
        shown = str(path)
        if not os.path.lexists(path):
            raise InputError(shown, "baseline file does not exist (create it with --update-baseline)")
        if special_file(str(path)):
            raise InputError(shown, f"baseline: {special_file(str(path))}")
        try:
            doc = read_json(read_bytes(path, shown), shown)
        except InputError as exc:
            raise InputError(shown, f"baseline: {exc.message}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("entries"), list):
            raise InputError(shown, f'not a baseline: expected {{"format": "{FORMAT}", "entries": [...]}}')
        entries = []
        for n, e in enumerate(doc["entries"]):
            if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("api", "check", "path", "reason")):
                raise InputError(shown, f"entry {n}: needs string api, check, path and reason")
            entries.append(Entry(e["api"], e["check"], e["path"], e["reason"]))
        return cls(entries, shown)

    @staticmethod
    def render(findings: list[Finding], keep: "Baseline | None") -> bytes:
        """The baseline for these findings, keeping the reasons of entries already known."""
        old = keep.entries if keep else {}
        entries = {}
        for f in findings:
            if f.severity is not Severity.VIOLATION or f.fingerprint in entries:
                continue
            known = keep.entry(f) if keep else None
            if known is not None and known.api == ANY_API:
                entries[known.fingerprint] = {"api": ANY_API, "check": f.check, "path": f.path, "reason": known.reason}
                continue
            reason = old[f.fingerprint].reason if f.fingerprint in old else NEW_REASON
            entries[f.fingerprint] = {"api": f.api or "-", "check": f.check, "path": f.path, "reason": reason}
        doc = {"format": FORMAT, "entries": [entries[k] for k in sorted(entries)]}
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def is_new(finding: Finding, baseline: Baseline | None) -> bool:
    """Whether a finding fails a run: a violation the baseline does not know."""
    return finding.severity is Severity.VIOLATION and not (baseline is not None and baseline.knows(finding))
