"""The session's contract run: fed by every contract test (recorded, live, probe), written out as
reports at the end, and merged from pytest-xdist workers into the controller's.

It also keeps the work the run did not do (:class:`~zstack_contract.findings.verdict.NotDone`):
every test of the session that failed or erred for another reason than findings (its own new
violations, an unusable input, the target that could not be used, each of which the reports say
already), such as the request budget spent or the run's time up. A run with any is not PASS.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable

import pytest

from ..checks.finding import Finding
from ..checks.registry import RECORDED
from ..contract.compiled import ContractSet
from ..contract.loading import load_contracts
from ..contract.releases import AUTO
from ..errors import ContractError, InputError, OutputError
from ..facts.oneline import FIELD, one_line
from ..facts.secrets import Redactor
from ..findings.baseline import Baseline, is_new
from ..findings.validation import Validation
from ..findings.verdict import NotDone
from ..inputs.exchange import Exchange
from ..live.node_release import contracts_for_node
from ..live.recorder import Recorder
from ..reporting import clear_reports, write_reports
from ..reporting.report import build_report
from ..shipped import shipped
from .options import contract_choice, option

CLEANUP = "the cleanup of what the run made"
# The project's own known deviations of real nodes (see the file): used when no baseline is given.
DEFAULT_BASELINE = shipped("contract_tests") / "baseline.json"


class ContractRun:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.used = False
        self.redactor = Redactor()
        record = option(config, "--zstack-record")
        self.recorder = Recorder(record, self.redactor) if record else None
        self._validation: Validation | None = None
        self._error: ContractError | None = None
        self.started = time.monotonic()
        self.target_error: str | None = None  # why the target could not be used, when it could not
        self.target_failed_once = False  # the first live test has failed saying so
        self.replay_left_out: list[InputError] = []  # recording files the replay could not use
        self.current_test: str | None = None  # the running test's id
        self.report: dict | None = None  # the report written at the end, for the terminal summary
        self.written: list = []  # the report files written
        self.explained: set[str] = set()  # tests that failed saying why in the reports: their findings, an unusable input, the target
        self.not_done: dict[str, str] = {}  # test id -> why it failed, for the other failed tests (the first reason of each)
        self.cleanup: Callable[[], list] | None = None  # removes what the run made (live.provision), once
        self.left_behind: list[str] = []  # what the cleanup could not remove, one line each

    def start(self) -> None:
        """At the session's start: a contract (``--zstack-schemas``, ``--zstack-release``) or a
        baseline named that cannot be used ends the session, one line and exit 2, rather than
        failing every test alike; they are loaded now, once. The default contract and baseline
        ship with the package, and are loaded when a test first needs them."""
        try:
            named = contract_choice(self.config) != (None, None) or bool(option(self.config, "--zstack-baseline"))
        except ContractError as exc:
            pytest.exit(f"zstack-contract: {exc}", returncode=2)
        if named and self.contracts() is None:
            pytest.exit(f"zstack-contract: {self._error}", returncode=2)

    def deadline(self) -> float | None:
        """The ``time.monotonic()`` at which the run's time (--zstack-max-time) is up, or None;
        an unusable value ends the session (exit 2) with one line."""
        raw = option(self.config, "--zstack-max-time")
        if raw is None:
            return None
        try:
            seconds = float(raw)
        except ValueError:
            seconds = float("nan")
        if not math.isfinite(seconds) or seconds <= 0:
            pytest.exit(f"zstack-contract: --zstack-max-time takes a number of seconds above 0, got {raw!r}", returncode=2)
        return self.started + seconds

    def failed(self, test: str, reason: str) -> None:
        """A test failed or erred (setup, call or teardown), or the live session ran out of its
        budget (``test``: "the live session"): work not done, unless the failure was said
        already (:meth:`fail_explained`)."""
        if test not in self.explained and test not in self.not_done:
            first = reason.strip().splitlines()[0] if reason.strip() else "failed"
            self.not_done[test] = self.redactor.text(one_line(first, FIELD))

    def fail_explained(self, message: str) -> None:
        """Fail the running test for a reason the reports give (its findings, an unusable input,
        the target): not counted as work not done."""
        if self.current_test is not None:
            self.explained.add(self.current_test)
        pytest.fail(message, pytrace=False)

    def target_unusable(self, message: str, target: str) -> None:
        """Remember why the target cannot be used: it is in the reports, and the run exits 2."""
        self.target_error = message
        self.validation.add_error(InputError(target, message))

    def recordings_unusable(self, errors: list[InputError]) -> None:
        """Recording files the replay left out: each is an unusable input of the reports (one
        line naming it), and the run exits 2; the replay serves the other files."""
        self.replay_left_out = list(errors)
        if errors and self.contracts() is not None:  # unusable schemas: every test says so already
            for error in errors:
                self.validation.add_error(error)

    def contracts(self) -> ContractSet | None:
        """The schemas and baseline, loaded once; None (the error kept) when they are unusable."""
        if self._validation is None and self._error is None:
            try:
                contracts = self._load_contracts()
                baseline_file = option(self.config, "--zstack-baseline")
                if not baseline_file and DEFAULT_BASELINE.exists():
                    baseline_file = str(DEFAULT_BASELINE)
                baseline = Baseline.load(baseline_file) if baseline_file else None
            except ContractError as exc:
                self._error = exc
                return None
            self._validation = Validation(contracts, strict=bool(option(self.config, "--zstack-strict")), baseline=baseline, redactor=self.redactor)
        return self._validation.contracts if self._validation else None

    def _load_contracts(self) -> ContractSet:
        """The contract chosen; ``--zstack-release auto`` asks the node of ``--zstack-url`` for its
        version (:mod:`zstack_contract.live.node_release`); the embedded simulator and a replay
        get the newest (the simulator serves it, and says so when asked)."""
        schemas, release = contract_choice(self.config)
        if release != AUTO:
            return load_contracts(schemas, release)
        url = option(self.config, "--zstack-url")
        if url and not option(self.config, "--zstack-replay"):
            return contracts_for_node(url.rstrip("/"))
        contracts = load_contracts()
        contracts.why = "recordings are replayed, the newest" if option(self.config, "--zstack-replay") else "the embedded simulator serves the newest"
        return contracts

    @property
    def validation(self) -> Validation:
        """The run's validation; fails the calling test (one line) when the schemas are unusable.
        Its first use removes the previous run's reports: a run killed before its end leaves none
        that would pass for its own."""
        if self.contracts() is None:
            self.fail_explained(str(self._error))
        if not self.used:
            self.used = True
            try:
                clear_reports(self.report_dir)
            except OutputError as exc:
                self.used = False  # nothing to write there at the end either
                pytest.exit(f"zstack-contract: --zstack-report {exc}", returncode=2)
        return self._validation

    @property
    def report_dir(self) -> str:
        return option(self.config, "--zstack-report") or "reports"

    def check(self, exchange: Exchange, extra: list[Finding] = (), origin: str = RECORDED) -> list[Finding]:
        """Hold one exchange to the contract (plus ``extra`` findings, e.g. a live test's
        expectations); fail the calling test with each new violation, one per line."""
        return self._verdict(lambda v: v.check(exchange, extra, origin=origin))

    def check_file(self, exchanges: "list[Exchange] | InputError") -> list[Finding]:
        """Hold a recording file's exchanges to the contract (an unusable file fails with one line;
        a file of no known API's exchanges is skipped, saying why)."""
        unchecked = len(self.validation.unchecked_files)
        findings = self._verdict(lambda v: v.check_file(exchanges))
        if len(self.validation.unchecked_files) > unchecked:
            pytest.skip(self.validation.skipped_notes[-1].message)
        return findings

    def api_of(self, exchange: Exchange) -> str | None:
        """The known API an exchange's request was for, if any."""
        request = exchange.call.request
        contract = self.validation.contracts.match(request.method, request.url, request.body if request.has_json else None)
        return contract.api if contract else None

    def _verdict(self, run) -> list[Finding]:
        v = self.validation
        try:
            findings = run(v)
        except InputError as exc:
            if exc not in v.input_errors:
                v.add_error(exc)
            self.fail_explained(str(exc))
        new = [f for f in findings if is_new(f, v.baseline)]
        if new:
            self.fail_explained("\n".join(f.message() for f in new))
        return findings

    def to_wire(self) -> dict | None:
        """What this (xdist worker's) run aggregated, for the controller; None if nothing was
        checked and no test failed. The tests a worker saw fail count only in a run that checked
        something (in any worker): a session of other tests has no contract run."""
        used = self.used and self._validation is not None
        if not (used or self.not_done):
            return None
        return {"validation": self._validation.to_wire() if used else None, "targetError": self.target_error,
                "notDone": self.not_done, "replayLeftOut": [[e.path, e.message] for e in self.replay_left_out],
                "leftBehind": self.left_behind}

    def merge_wire(self, wire: dict) -> None:
        """Merge a worker's aggregates. Every worker reads the replay's recordings and meets the
        same target, so an unusable input the controller has from another worker is kept once."""
        self.target_error = self.target_error or wire.get("targetError")
        left_out = wire.get("replayLeftOut", [])
        self.replay_left_out = self.replay_left_out or [InputError(p, m) for p, m in left_out]
        for test, reason in wire.get("notDone", {}).items():
            self.not_done.setdefault(test, reason)
        self.left_behind += wire.get("leftBehind", [])
        if wire.get("validation") is not None:
            part = dict(wire["validation"])
            known = {(e.path, e.message) for e in self.validation.input_errors}
            part["inputErrors"] = [e for e in part["inputErrors"] if tuple(e) not in known]
            self.validation.merge_wire(part)

    def clean_up(self) -> None:
        """Remove what the run made on the target (positive cases), once: at the end of the live
        session, or at the end of a session cut short (Ctrl-C, SIGTERM) before it. A second
        Ctrl-C while it runs is ignored. Each resource left behind is a line of
        :attr:`left_behind` and work not done (the run is not PASS)."""
        clean, self.cleanup = self.cleanup, None
        if clean is None:
            return
        self.current_test = CLEANUP
        if self.recorder is not None:  # its exchanges are recorded as the cleanup's, not the last test's
            self.recorder.current = CLEANUP
        with _signals_held():
            leftovers = clean()
        for leftover in leftovers:
            line = self.redactor.text(leftover.line())
            self.left_behind.append(line)
            self.not_done.setdefault(f"cleanup of {leftover.resource} {leftover.uuid}", line)

    def interrupted(self) -> None:
        """The session ended before its tests did (Ctrl-C, pytest.exit): work not done."""
        self.not_done.setdefault("the session", "interrupted before all its tests ran")

    def write_reports(self) -> None:
        """Write the run's reports (OutputError, one line, when the folder cannot take them)."""
        if self.used and self._validation is not None:
            self._validation.not_done = [NotDone(test, reason) for test, reason in self.not_done.items()]
            self.report = build_report(self._validation)
            self.written = write_reports(self._validation, self.report_dir, report=self.report)

    def exit_code(self) -> int | None:
        """The exit code the run's verdict gives, once its reports are built; None before, and in
        a session without a contract run."""
        return None if self.report is None else self.report["summary"]["exitCode"]


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C ignored meanwhile (in the main thread, where signals are handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
