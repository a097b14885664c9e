"""A team's ``--levels`` file: the severity of a kind raised or lowered, and changes accepted one
by one by their id, each with the reason (as a baseline accepts a finding). An accepted change is
still listed, marked accepted, and never fails the run.

Format ``zstack-contract.diff-levels/1`` (JSON)::

    {"format": "zstack-contract.diff-levels/1",
     "kinds": {"request-param-removed": "breaking", "response-values-added": "info"},
     "accept": [{"id": "3f2a9c1b7e40d5a1", "reason": "our SDK never sends it"}]}

Anything unusable (not there, not JSON, an unknown kind or severity, an entry without a reason)
is one line naming the file and the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..inputs.recordings import read_json_file
from .compare import Change
from .kinds import KINDS, RANK, SEVERITIES

FORMAT = "zstack-contract.diff-levels/1"


@dataclass(frozen=True)
class Levels:
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> severity
    accepted: dict[str, str] = field(default_factory=dict)  # change id -> reason
    source: str = ""

    def severity(self, kind: str) -> str:
        return self.kinds.get(kind) or KINDS[kind].severity


@dataclass(frozen=True)
class Judged:
    """A change with the severity it has for this run, and the reason it is accepted (None: not)."""

    change: Change
    severity: str
    accepted: str | None = None


def judge(changes: list[Change], levels: Levels | None = None) -> list[Judged]:
    levels = levels or Levels()
    return [Judged(c, levels.severity(c.kind), levels.accepted.get(c.id)) for c in changes]


def reaches(severity: str, accepted: str | None, fail_on: str) -> bool:
    """Whether a change of ``severity`` (``accepted`` with a reason, or None) fails a run with
    ``--fail-on fail_on`` (``never``: none does)."""
    return fail_on != "never" and accepted is None and RANK[severity] <= RANK[fail_on]


def load_levels(path: str | Path) -> Levels:
    shown = str(path)
    doc = read_json_file(path, "levels")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(shown, f'not a levels file: expected {{"format": "{FORMAT}", "kinds": {{...}}, "accept": [...]}}')
    unknown = sorted(set(doc) - {"format", "kinds", "accept"})
    if unknown:
        raise InputError(shown, f"unknown field {unknown[0]!r} (fields: format, kinds, accept)")
    kinds = doc.get("kinds", {})
    if not isinstance(kinds, dict):
        raise InputError(shown, "kinds: expected an object of kind -> severity")
    for kind, severity in kinds.items():
        if kind not in KINDS:
            raise InputError(shown, f"kinds: unknown kind {kind!r} (docs/diff.md lists them)")
        if severity not in SEVERITIES:
            raise InputError(shown, f"kinds.{kind}: {severity!r} is no severity ({', '.join(SEVERITIES)})")
    accept = doc.get("accept", [])
    if not isinstance(accept, list):
        raise InputError(shown, "accept: expected a list of {\"id\", \"reason\"}")
    accepted = {}
    for n, entry in enumerate(accept):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k).strip() for k in ("id", "reason")):
            raise InputError(shown, f"accept[{n}]: needs a string id and a reason")
        accepted[entry["id"]] = entry["reason"]
    return Levels(dict(kinds), accepted, shown)
