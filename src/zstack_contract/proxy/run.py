"""A proxy's session: each finished exchange held to the contract as it happens (the named checks
of ``validate``, one printed line per new finding), drift and coverage kept over the session,
exchanges recorded (redacted) when asked, the reports written when asked and at the end.

Secrets: the redactor learns every session the traffic carries (``Authorization``, a log-in's
answer) and every password hash a log-in sends, before anything of the exchange is shown or kept;
recordings mask them where they stand, keeping their shape (``facts.secrets``).
An exchange is dropped once checked; of the exchanges no known API answers, each path (uuids
standing as ``{uuid}``) is kept once, with a count.

A session in which the target answered no request (it was down all along, or no client came)
checked nothing: :meth:`ProxyRun.close` makes that an unusable input naming the target, so the
reports say it and the session's verdict is not PASS (exit 2).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path
from typing import Callable, TextIO

from ..checks.registry import RECORDED
from ..errors import ContractError, InputError
from ..facts.secrets import login_of, mask_url, session_of_login
from ..facts.urls import api_path
from ..findings.baseline import is_new
from ..findings.validation import Validation
from ..inputs.exchange import Exchange, Step
from ..live.recorder import Recorder
from ..reporting import write_reports
from ..reporting.terminal import shown_target
from ..reporting.wording import contract_said
from .stitch import Stitcher

_UUIDS = re.compile(r"/[0-9a-fA-F]{32}(?=/|$|\?)")
SOURCE = "proxy"
KEEP_OF_EACH = 100  # findings of one API, check and path kept for the reports; the rest are printed and counted
LISTED = 1000  # paths of no known API (and unusable exchanges) listed in the reports; the rest are counted


class ProxyRun:
    """A session of the proxy. It keeps at most :data:`KEEP_OF_EACH` findings of one fingerprint in
    ``validation`` (a node that breaks a rule breaks it in every answer, for as long as the session
    runs); every new finding is still printed as it happens."""

    def __init__(self, validation: Validation, out: TextIO, record: str | None = None, report: str | None = None,
                 target: str = "the target"):
        self.validation = validation
        self.target = shown_target(target) if "://" in target else target  # as the reports name it: no user info, query or fragment
        if validation.keep_at_most is None:
            validation.keep_at_most = KEEP_OF_EACH
        self.redactor = validation.redactor
        self.out = out
        self.report = report
        self.recorder = Recorder(record, self.redactor) if record else None
        if self.recorder is not None:
            self.recorder.current = SOURCE
        self.stitcher = Stitcher(self._finished)
        self.incomplete = 0  # exchanges passed on but not checked: a body too long to keep, or broken off
        self._unknown: dict[str, int] = {}  # path of no known API -> how many (LISTED paths at most)
        self._unknown_unlisted = 0  # exchanges of no known API on a path past those
        self.unusable = 0
        self.answered = 0  # requests the target answered
        self.unanswered = 0  # requests it did not (the client got a 502)
        self._no_answer = ""  # why, the last time
        self._lock = threading.Lock()

    # -- what the forwarder sees ---------------------------------------------------------------------
    def step(self, step: Step, complete: bool) -> None:
        with self._lock:
            self.answered += 1
        self._learn(step)
        if not complete:
            with self._lock:
                self.incomplete += 1
            return
        self.stitcher.step(step, SOURCE)

    def no_answer(self, reason: str) -> None:
        """The target did not answer a request (the forwarder's ``on_no_answer``)."""
        with self._lock:
            self.unanswered += 1
            self._no_answer = reason

    def _learn(self, step: Step) -> None:
        """The step's secrets, before anything of it is shown or kept."""
        for name, value in step.request.headers.items():
            if name.lower() == "authorization" and isinstance(value, str):
                self.redactor.add(value.split(None, 1)[1] if " " in value.strip() else value)
        login = login_of(step.request.body if step.request.has_json else None)
        if login is not None:
            if isinstance(login.get("password"), str):
                self.redactor.add(login["password"])
            self.redactor.add(session_of_login(step.response.body if step.response.has_json else None))
        step.request.url = mask_url(step.request.url)

    def _finished(self, exchange: Exchange) -> None:
        with self._lock:
            v = self.validation
            before = len(v.skipped_notes)
            try:
                findings = v.check(exchange, origin=RECORDED, keep=False)
                fault = clients_fault(exchange)
                if fault:
                    findings = [dataclasses.replace(f, found=f"{f.found} (the client's request was malformed: {fault})") for f in findings]
                v.keep(findings)
            except InputError as exc:
                self.unusable += 1
                if len(v.input_errors) < LISTED:
                    v.add_error(exc)
                self._print(f"unusable exchange: {self.redactor.text(str(exc))}")
                return
            if len(v.skipped_notes) > before:  # of no known API: kept once per path
                v.skipped_notes.pop()
                call = exchange.call.request
                key = f"{call.method} {_UUIDS.sub('/{uuid}', self.redactor.text(api_path(call.url)))}"
                if key in self._unknown:
                    self._unknown[key] += 1
                elif len(self._unknown) < LISTED:
                    v.skipped_notes.append(InputError(SOURCE, f"no known API answers {key}"))
                    self._unknown[key] = 1
                else:
                    self._unknown_unlisted += 1
            if self.recorder is not None:
                try:
                    self.recorder(exchange)
                except ContractError as exc:
                    self._print(f"not recorded: {exc}")
            for f in findings:
                if is_new(f, v.baseline):
                    self._print(f.message())

    def _print(self, line: str) -> None:
        print(self.redactor.text(line), file=self.out, flush=True)

    # -- reports -------------------------------------------------------------------------------------
    def write_reports(self) -> list[Path]:
        """The reports of the session so far (ContractError, one line, when they cannot be written)."""
        if not self.report:
            return []
        with self._lock:
            return write_reports(self.validation, self.report)

    def close(self) -> None:
        """The proxy stops: open jobs are set aside as not followed; a target that answered no
        request is an unusable input (:meth:`silent_target`)."""
        self.stitcher.close()
        problem = self.silent_target()
        if problem is not None:
            with self._lock:
                self.validation.add_error(InputError(self.target, problem))

    def silent_target(self) -> str | None:
        """Why the session checked nothing of the target, when it answered no request; else None."""
        if self.answered:
            return None
        if self.unanswered:
            return f"answered none of the session's {self.unanswered} request(s) (the last: {self._no_answer}); nothing was checked"
        return "answered no request: none came through the proxy during the session; nothing was checked"

    def summary(self) -> str:
        v, s = self.validation, self.stitcher
        new = sum(1 for f in v.findings if is_new(f, v.baseline))
        unknown = sum(self._unknown.values()) + self._unknown_unlisted
        parts = [f"{v.exchanges} exchange(s) checked", f"{new} new violation(s)",
                 f"{unknown} of no known API ({len(self._unknown)} path(s){' listed' if self._unknown_unlisted else ''})",
                 *([f"{self.unusable} unusable"] if self.unusable else []),
                 *([f"{self.unanswered} request(s) the target did not answer"] if self.unanswered else []),
                 f"{s.not_followed_count} job(s) not followed to their end", f"{self.incomplete} not checked (too long or broken off)",
                 *([f"{v.not_kept} finding(s) like earlier ones printed but not kept"] if v.not_kept else [])]
        contract = contract_said({"release": v.contracts.release, "why": v.contracts.why})
        return "zstack-contract proxy: " + ", ".join(parts) + f"; contract: {contract}"


def clients_fault(exchange: Exchange) -> str | None:
    """What was wrong with the request of an exchange, when the client sent it malformed: a body
    that is not a JSON object where the protocol wants one."""
    call = exchange.call.request
    if call.method in ("GET", "DELETE", "HEAD", "OPTIONS") or not call.method:
        return None
    if call.has_json:
        return None if isinstance(call.body, dict) else f"its body is a JSON {type(call.body).__name__}, not an object"
    return "it has no body" if not call.text else "its body is not JSON"


def every(seconds: float, action: Callable[[], object], stop: threading.Event) -> threading.Thread:
    """A daemon thread that calls ``action`` every ``seconds`` until ``stop`` is set."""
    def loop() -> None:
        while not stop.wait(seconds):
            try:
                action()
            except ContractError:
                pass  # said once more at the end, where it counts

    thread = threading.Thread(target=loop, name="zstack-contract-proxy-reports", daemon=True)
    thread.start()
    return thread

