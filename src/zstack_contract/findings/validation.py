"""A validation run: exchanges in, findings, drift and coverage out, and the run's verdict
(:mod:`.verdict`).

``validate``, the pytest plugin (recorded files, live tests, probes) and the workers of
``validate --jobs`` all feed a :class:`Validation`; it keeps aggregates (findings, counts, drift
and coverage tallies), never the documents themselves. What it keeps of an input (a finding's
file, pointer and texts, a drift path) is shown on one line and cut to a preview
(:mod:`zstack_contract.facts.oneline`): a body's key may hold a newline, or be megabytes long.

It also keeps what the run exercised (:class:`~.baseline.Exercised`: which checks ran or were
judged for which API), so a baseline entry of a case the run never tried is not called stale;
and the files whose every exchange was of no known API (``unchecked_files``), so a report can
tell them from files that passed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from ..checks.finding import Finding, Severity
from ..checks.protocol import UNKNOWN_API
from ..checks.registry import RECORDED
from ..checks.runner import check_view
from ..checks.view import View
from ..contract.compiled import Contract, ContractSet
from ..contract.releases import shipped_api_names
from ..contract.routes import (
    METHOD_NOT_ALLOWED,
    NO_ACTION,
    NO_API_FOR_METHOD,
    NO_BODY,
    Routed,
)
from ..errors import InputError
from ..facts.oneline import FIELD, MESSAGE, one_line, quoted
from ..facts.secrets import Redactor
from ..facts.urls import api_path
from ..inputs.exchange import Exchange
from .baseline import NO_API, Baseline, Exercised, is_new, judged_by
from .tally import Tally
from .verdict import EXIT_CODES, NotDone, decide


class NoContract(InputError):
    """A request that no known API answers: skipped and counted, not unusable."""


@dataclass
class Validation:
    contracts: ContractSet
    api: str | None = None  # --api: the API of bare bodies
    strict: bool = False
    baseline: Baseline | None = None
    findings: list[Finding] = field(default_factory=list)
    input_errors: list[InputError] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    redactor: Redactor | None = None  # scrubs secrets from findings before they are kept or shown
    files: int = 0
    exchanges: int = 0
    documents: int = 0
    skipped: int = 0  # exchanges with a request that no known API answers
    skipped_notes: list[InputError] = field(default_factory=list)
    exercised: Exercised = field(default_factory=Exercised)
    unchecked_files: list[str] = field(default_factory=list)  # files (the source of their first exchange) whose every exchange was of no known API
    # At most this many findings of one fingerprint (API, check, path) are kept; the rest are
    # counted in not_kept. None keeps all: a run over files ends. A proxy's session need not.
    keep_at_most: int | None = None
    not_kept: int = 0
    # Exchanges passed on but not checked, by why (a proxy whose checks fell behind, an answer too
    # long to keep): counted in the reports, not findings, and no change to the verdict.
    not_checked: dict[str, int] = field(default_factory=dict)
    # Work the run did not do: a pytest run's tests that failed for other reasons than findings
    # (the plugin's run keeps them over its processes, and sets them here for the reports).
    not_done: list[NotDone] = field(default_factory=list)
    _kept_of: dict[str, int] = field(default_factory=dict, repr=False)

    def contract_for(self, exchange: Exchange) -> Contract:
        """The API of an exchange: the one it names, else the one its request was for. A bare body
        (no request) takes --api, else the API its file name starts with, else the only API known.

        Raises NoContract for a request no known API answers (skipped, not unusable)."""
        named = exchange.api or None
        call = exchange.call.request
        if not named and call.url:
            routed = self.contracts.route(call.method, call.url, call.body if call.has_json else None)
            if routed.judged:
                return routed.judged
            raise NoContract(exchange.source, f"no known API answers {call.method} {api_path(call.url)}{_why_not(routed, call.method)}")
        if not named and not self.api:
            other = _api_from_name(exchange.source, None)
            if other and other not in self.contracts.by_api and other in shipped_api_names():
                raise NoContract(exchange.source, f"its file name names {other}, an API of ZStack whose schemas are not known")
            if len(self.contracts) == 1:
                return next(iter(self.contracts))  # a file name could name only this API, or none
        if not named:
            named = self.api or _api_from_name(exchange.source, self.contracts)
        if not named:
            raise InputError(exchange.source, f"cannot tell which API this body answers; name it with --api ({', '.join(self.contracts.by_api)})")
        contract = self.contracts.get(named)
        if contract is None and exchange.api and named in shipped_api_names():
            raise NoContract(exchange.source, f"it names {named}, an API of ZStack whose schemas are not known")
        if contract is None:
            raise InputError(exchange.source, f"unknown API {quoted(named)}; schemas are known for {', '.join(self.contracts.by_api)}")
        return contract

    def check(self, exchange: Exchange, extra: Iterable[Finding] = (), keep: bool = True, origin: str = RECORDED,
              judged: Iterable[str] | None = None) -> list[Finding]:
        """Run every check that applies to an exchange from ``origin`` (plus ``extra`` findings
        from the caller), record drift and coverage; returns its findings, kept in the run unless
        ``keep`` is false (the caller then keeps what it chooses with :meth:`keep`).

        ``judged``: the caller-made checks the caller judged on this exchange (whether or not
        they found anything); by default those :func:`~.baseline.judged_by` tells."""
        judged = tuple(judged) if judged is not None else () if origin == RECORDED else judged_by(origin, exchange)
        try:
            contract = self.contract_for(exchange)
        except NoContract as exc:
            # Traffic we hold no contract for (a login, another API, a HAR's unrelated entries).
            self.skipped += 1
            self.skipped_notes.append(exc)
            call = exchange.call.request
            if self.strict or judged:
                self.exercised.add(NO_API, (UNKNOWN_API.name, *judged) if self.strict else judged)
            if self.strict and api_path(call.url).startswith("/v1/"):  # a ZStack API call no schema names
                extra = [UNKNOWN_API.finding(file=exchange.source, step=0, pointer="", expected="an API whose schemas are known",
                                             found=f"{call.method} {api_path(call.url)}"), *extra]
            return self.keep(list(extra), keep)
        view = View(exchange, contract, origin, self.strict)
        findings = check_view(view)
        shapes = [contract.shapes.of(found) for found in view.objects()]
        self.documents += len(shapes)
        self.tally.add_file(contract.api, shapes)
        self.exchanges += 1
        self.exercised.add_exchange(contract.api, origin, view.bare, judged)
        return self.keep(findings + list(extra), keep)

    def keep(self, findings: list[Finding], store: bool = True) -> list[Finding]:
        """Findings with secrets scrubbed, on one line; stored in the run when ``store``."""
        if self.redactor is not None:
            findings = [f.redacted(self.redactor) for f in findings]
        findings = [shown(f) for f in findings]
        if store and self.keep_at_most is None:
            self.findings.extend(findings)
        elif store:
            for f in findings:
                n = self._kept_of.get(f.fingerprint, 0)
                if n < self.keep_at_most:
                    self._kept_of[f.fingerprint] = n + 1
                    self.findings.append(f)
                else:
                    self.not_kept += 1
        return findings

    def check_file(self, exchanges: "list[Exchange] | InputError") -> list[Finding]:
        """One recording file: every exchange in it checked; an unusable file recorded as such."""
        self.files += 1
        if isinstance(exchanges, InputError):
            self.add_error(exchanges)
            raise exchanges
        findings: list[Finding] = []
        checked, skipped = self.exchanges, self.skipped
        for exchange in exchanges:
            try:
                findings.extend(self.check(exchange))
            except InputError as exc:
                self.add_error(exc)
                raise
        if self.exchanges == checked and self.skipped > skipped:
            self.unchecked_files.append(exchanges[0].source)
        return findings

    def add_error(self, error: InputError) -> None:
        self.input_errors.append(error)

    # -- across processes (pytest-xdist workers, validate --jobs) -------------------------------
    def to_wire(self) -> dict:
        """Everything the run aggregated, as plain data another process can merge."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "inputErrors": [[e.path, e.message] for e in self.input_errors],
            "skipped": [[e.path, e.message] for e in self.skipped_notes],
            "drift": {api: dict(c) for api, c in self.tally.drift_files.items()},
            "seen": {api: sorted(s) for api, s in self.tally.seen.items()},
            "counts": [self.files, self.exchanges, self.documents],
            "exercised": self.exercised.to_wire(self.strict),
            "uncheckedFiles": self.unchecked_files,
            "notKept": self.not_kept,
            "notChecked": self.not_checked,
        }

    def merge_wire(self, wire: dict) -> None:
        self.findings.extend(Finding.from_json(f) for f in wire["findings"])
        self.input_errors.extend(InputError(p, m) for p, m in wire["inputErrors"])
        self.skipped_notes.extend(NoContract(p, m) for p, m in wire["skipped"])
        self.skipped += len(wire["skipped"])
        for api in wire["drift"].keys() | wire["seen"].keys():
            self.tally.add_counts(api, wire["drift"].get(api, {}), wire["seen"].get(api, ()))
        self.exercised.merge_wire(wire.get("exercised", {}))
        self.unchecked_files.extend(wire.get("uncheckedFiles", ()))
        self.not_kept += wire.get("notKept", 0)
        for why, n in wire.get("notChecked", {}).items():
            self.not_checked[why] = self.not_checked.get(why, 0) + n
        files, exchanges, documents = wire["counts"]
        self.files += files
        self.exchanges += exchanges
        self.documents += documents

    # -- verdicts -----------------------------------------------------------------------------
    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.VIOLATION]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def new_violations(self) -> list[Finding]:
        return [f for f in self.findings if is_new(f, self.baseline)]

    def verdict(self) -> str:
        """The run's verdict (:func:`.verdict.decide`): what every report shows."""
        return decide(len(self.new_violations()), len(self.input_errors), len(self.not_done))

    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict()]

    def drift(self) -> list[dict]:
        rows = []
        for api, counts in sorted(self.tally.drift_files.items()):
            for path, n in sorted(counts.items()):
                rows.append({"api": api, "path": one_line(path, FIELD), "files": n, "severity": Severity.VIOLATION if self.strict else Severity.WARNING})
        return rows

    def coverage(self) -> dict[str, dict]:
        seen = self.tally.seen
        return {c.api: self.tally.coverage(c, self.contracts.node_version) for c in self.contracts if c.api in seen}


def shown(f: Finding) -> Finding:
    """A finding as it is kept and shown: its texts on one line, a pointer and a value found cut
    to a preview (the same finding every time: fingerprints stay stable)."""
    texts = {"file": one_line(f.file), "pointer": one_line(f.pointer, FIELD), "expected": one_line(f.expected, MESSAGE),
             "found": one_line(f.found, FIELD), "rule": f.rule and one_line(f.rule)}
    changed = {k: v for k, v in texts.items() if v != getattr(f, k)}
    return dataclasses.replace(f, **changed) if changed else f


_API_PREFIX = re.compile(r"^([A-Z][A-Za-z0-9]*)(?=[._-])")


def _api_from_name(source: str, contracts: ContractSet | None) -> str | None:
    """``ReimageVmInstance.sample.json`` -> ReimageVmInstance, when that API is known (to
    ``contracts``; None: whatever the name)."""
    stem, dot, _rest = source.rpartition("/")[2].partition(".")
    name = _name_prefix(stem + dot)
    return name if name and (contracts is None or contracts.get(name)) else None


def _why_not(routed: Routed, method: str) -> str:
    """Why a request the route table took is of no known API, in words for a skipped note."""
    method = method.upper()
    if routed.api is not None:  # the node's pick, which the request does not agree with
        contract = routed.api
        if routed.route.method != method:
            return f" ({contract.api} is {routed.route.method} there)"
        return f": the body holds no action key {quoted(contract.action_key)} ({contract.api})"
    if routed.refusal in (NO_BODY, NO_ACTION):
        return ": the body holds the action key of none of the known APIs of that path"
    if routed.refusal in (NO_API_FOR_METHOD, METHOD_NOT_ALLOWED):
        return ": the known APIs of that path take another method"
    return ""


@lru_cache(maxsize=256)
def _name_prefix(head: str) -> str | None:
    """The API-like start of a file name, from its part up to the first dot (the same for a whole corpus)."""
    m = _API_PREFIX.match(head)
    return m.group(1) if m else None
