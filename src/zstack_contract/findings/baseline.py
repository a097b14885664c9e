"""The baseline: known deviations, each a stable fingerprint (API, check, path without array
indices) with the reason it is accepted. Known ones are reported but do not fail the gate.

An entry whose API is ``*`` knows the deviation of every API: a departure of a node's REST layer,
which no API's page controls.

An entry is stale when the run exercised its case and no finding needed it. What a run
exercised (:class:`Exercised`) is, for each API, the checks that ran on one of its exchanges or
were judged for one: a run that never sent a probe of some kind to an API, or never read a
recording of it, says nothing about that API's known deviations of that kind.

- A check the runner runs was exercised for an API when an exchange of that API went through a
  plan that holds it (the checks for that input, bare or not, strict or not: see
  :meth:`~zstack_contract.checks.registry.Registry.plan`). Each exchange adds one small key; the
  check names are worked out when asked for.
- A check whose findings a caller makes (``expected-answer``, ``probe-accepted:<kind>``,
  ``probe-status:<kind>``) was exercised when the caller judged it: the caller names it
  (``judged``), else :func:`judged_by` tells it from the exchange's input: a live test judges
  ``expected-answer``; a probe judges by the kind of body it sent, which the prober notes on its
  exchanges (``probe: <kind>``). A probe exchange without that note judges nothing known.
- ``unknown-api`` (strict runs) was exercised for the API ``-`` (findings of no API) whenever
  an exchange no known API answers was seen.

Over processes: :meth:`Exercised.to_wire` gives the names by API, :meth:`Exercised.merge_wire`
takes another process's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..checks.expected import EXPECTED_ANSWER
from ..checks.finding import Finding, Severity
from ..checks.probe_answers import ACCEPTED, STATUS, VALID_KINDS
from ..checks.registry import LIVE, PROBE, REGISTRY
from ..errors import InputError
from ..inputs.exchange import Exchange
from ..inputs.recordings import read_json_file

ANY_API = "*"  # an entry for every API
NO_API = "-"  # the API of findings no API is known for (their fingerprint's first part)
PROBE_NOTE = "probe: "  # how the prober notes the kind of body a probe exchange sent
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

    def stale(self, findings: list[Finding], exercised: Callable[[str, str], bool] | None = None) -> list[Entry]:
        """The entries no finding needed, of the cases the run exercised: ``exercised(api,
        check)`` says whether the run tried the entry's case (:mod:`.exercised`); without it,
        every entry no finding needed."""
        used = {e.fingerprint for e in map(self.entry, findings) if e is not None}
        return [e for fp, e in sorted(self.entries.items()) if fp not in used and (exercised is None or exercised(e.api, e.check))]

    @classmethod
    def load(cls, path: str | Path) -> "Baseline":
        """Read a baseline file; anything unusable (not there, not a regular file, not JSON, not
        a baseline) is an InputError naming it."""
        shown = str(path)
        doc = read_json_file(path, "baseline", "does not exist (create it with --update-baseline)")
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("entries"), list):
            raise InputError(shown, f'not a baseline: expected {{"format": "{FORMAT}", "entries": [...]}}')
        entries = []
        for n, e in enumerate(doc["entries"]):
            if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("api", "check", "path", "reason")):
                raise InputError(shown, f"entry {n}: needs string api, check, path and reason")
            entries.append(Entry(e["api"], e["check"], e["path"], e["reason"]))
        return cls(entries, shown)

    @staticmethod
    def render(findings: list[Finding], keep: "Baseline | None", exercised: Callable[[str, str], bool] | None = None) -> bytes:
        """The baseline for these findings, keeping the reasons of entries already known, and
        (with ``exercised``, as for :meth:`stale`) the entries of cases the run did not try."""
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
        if exercised is not None:
            for fp, e in old.items():
                if fp not in entries and not exercised(e.api, e.check):
                    entries[fp] = {"api": e.api, "check": e.check, "path": e.path, "reason": e.reason}
        doc = {"format": FORMAT, "entries": [entries[k] for k in sorted(entries)]}
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def is_new(finding: Finding, baseline: Baseline | None) -> bool:
    """Whether a finding fails a run: a violation the baseline does not know."""
    return finding.severity is Severity.VIOLATION and not (baseline is not None and baseline.knows(finding))


# -- what a run exercised -------------------------------------------------------------------
def judged_by(origin: str, exchange: Exchange) -> tuple[str, ...]:
    """The caller-made checks judged on an exchange from ``origin`` (see the module's docstring)."""
    if origin == LIVE:
        return (EXPECTED_ANSWER.name,)
    if origin == PROBE:
        note = exchange.note or ""
        kind = note[len(PROBE_NOTE):] if note.startswith(PROBE_NOTE) else None
        if kind in VALID_KINDS:
            return (EXPECTED_ANSWER.name,)
        if kind in ACCEPTED:
            return (ACCEPTED[kind].name, STATUS[kind].name)
    return ()


class Exercised:
    """The checks exercised per API over a run (see the module's docstring)."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, str, bool, tuple[str, ...]]] = set()  # (api, origin, bare, judged)
        self._names: dict[str, set[str]] = {}  # api -> check names, added or merged as names

    def add_exchange(self, api: str, origin: str, bare: bool, judged: tuple[str, ...] = ()) -> None:
        """An exchange of ``api`` from ``origin`` went through the checks (``bare``: a body alone)."""
        self._keys.add((api, origin, bare, judged))

    def add(self, api: str, checks: Iterable[str]) -> None:
        """Checks exercised for ``api`` by name."""
        self._names.setdefault(api, set()).update(checks)

    def by_api(self, strict: bool) -> dict[str, set[str]]:
        """api -> the names of the checks exercised for it, in a run that is ``strict`` or not."""
        out = {api: set(names) for api, names in self._names.items()}
        plans: dict[tuple[str, bool], frozenset[str]] = {}
        for api, origin, bare, judged in self._keys:
            plan = plans.get((origin, bare))
            if plan is None:
                plan = plans[(origin, bare)] = frozenset(c.name for c in REGISTRY.plan(origin, bare, strict))
            out.setdefault(api, set()).update(plan, judged)
        return out

    def judge(self, strict: bool) -> "Judge":
        """Whether a check was exercised for an API (``judge(strict)(api, check)``), the names
        worked out once."""
        return Judge(self.by_api(strict))

    def to_wire(self, strict: bool) -> dict[str, list[str]]:
        return {api: sorted(names) for api, names in sorted(self.by_api(strict).items())}

    def merge_wire(self, wire: dict[str, list[str]]) -> None:
        for api, names in wire.items():
            self.add(api, names)


class Judge:
    """Whether a check was exercised for an API (for ``*``: for any API), from names worked out once."""

    def __init__(self, by_api: dict[str, set[str]]):
        self.by_api = by_api
        self.anywhere = set().union(*by_api.values()) if by_api else set()

    def __call__(self, api: str, check: str) -> bool:
        if api == ANY_API:
            return check in self.anywhere
        return check in self.by_api.get(api, ())
