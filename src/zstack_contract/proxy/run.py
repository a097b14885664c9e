"""A proxy's session: each finished exchange held to the contract (the named checks of
``validate``, one printed line per new finding), drift and coverage kept over the session,
exchanges recorded (redacted) when asked, the reports written when asked and at the end.

Off the forwarding path: the forwarder's threads only stitch each step into its exchange
(:mod:`.stitch`, a few dictionary operations) and put each finished exchange on a bounded queue;
one worker takes them in order, learns their secrets, checks, records and prints. A slow or huge
exchange delays no client's bytes. When the queue is full (the checks are behind by
:data:`QUEUED` exchanges) an exchange is passed on unchecked and unrecorded, and counted
(:attr:`ProxyRun.not_checked`: in the summary line and the reports), never waited for.
:meth:`ProxyRun.close` lets the worker finish what is queued, for at most ``drain_for`` seconds;
what is left then is counted as not checked too.

Secrets, by what the protocol and the contract say, never by guessing: the session of an
``Authorization: OAuth <session>`` header, the session the answer of a log-in API carries (an API
whose answer's ``inventory`` is a ``SessionInventory`` in the contract, or whose action key starts
with ``logIn``), the values of secret fields in bodies (strict or lenient JSON): each learned only
when it has a session's or a hash's shape, the newest :data:`~zstack_contract.facts.secrets.KEPT_SECRETS`
kept; anything else is masked where it stands (``facts.secrets``), never learned as a word.
An exchange is dropped once checked; of the exchanges no known API answers, each path (uuids
standing as ``{uuid}``) is kept once, with a count.

A session in which the target answered no request (it was down all along, or no client came)
checked nothing: :meth:`ProxyRun.close` makes that an unusable input naming the target, so the
reports say it and the session's verdict is not PASS (exit 2).
"""

from __future__ import annotations

import dataclasses
import queue
import re
import threading
import time
from pathlib import Path
from typing import Callable, TextIO

from ..checks.registry import RECORDED
from ..errors import ContractError, InputError
from ..facts.secrets import answers_session, mask_url, session_of_login
from ..facts.urls import api_path
from ..findings.baseline import is_new
from ..findings.validation import Validation
from ..inputs.exchange import Exchange, Step, exchange_secrets
from ..live.recorder import Recorder
from ..reporting import write_reports
from ..reporting.terminal import shown_target
from ..reporting.wording import contract_said
from . import DRAIN_FOR
from .stitch import Stitcher

_UUIDS = re.compile(r"/[0-9a-fA-F]{32}(?=/|$|\?)")
SOURCE = "proxy"
KEEP_OF_EACH = 100  # findings of one API, check and path kept for the reports; the rest are printed and counted
LISTED = 1000  # paths of no known API (and unusable exchanges) listed in the reports; the rest are counted
QUEUED = 1000  # finished exchanges waiting for the checks; one more is passed on unchecked, and counted
QUIET = 0.5  # seconds without a new step before the session's close stops taking exchanges (see close)
# Why an exchange passed on was not checked, as the summary and the reports say it.
QUEUE_FULL = "the checks were behind (their queue was full)"
TOO_LONG = "too long to keep, or broken off"
AT_CLOSE = "still queued when the session closed (its checks' deadline passed)"


class ProxyRun:
    """A session of the proxy. It keeps at most :data:`KEEP_OF_EACH` findings of one fingerprint in
    ``validation`` (a node that breaks a rule breaks it in every answer, for as long as the session
    runs); every new finding is still printed as it happens. Its worker starts with it; call
    :meth:`close` at the end."""

    def __init__(self, validation: Validation, out: TextIO, record: str | None = None, report: str | None = None,
                 target: str = "the target", queued: int = QUEUED, drain_for: float = DRAIN_FOR):
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
        self.not_checked = validation.not_checked  # why -> exchanges passed on but not checked (shared with the reports)
        self._unknown: dict[str, int] = {}  # path of no known API -> how many (LISTED paths at most)
        self._unknown_unlisted = 0  # exchanges of no known API on a path past those
        self.unusable = 0
        self.answered = 0  # requests the target answered
        self.unanswered = 0  # requests it did not (the client got a 502)
        self._no_answer = ""  # why, the last time
        self._session_apis = frozenset(c.api for c in validation.contracts if answers_session(c.response))
        self.drain_for = drain_for
        self._counts = threading.Lock()  # the counters the forwarder's threads move
        self._lock = threading.Lock()  # the validation: the worker's checks, the reports
        self._queue: queue.Queue[Exchange | None] = queue.Queue(queued)
        self._pending = 0  # exchanges queued or being checked
        self._last_step = time.monotonic()
        self._closed = False
        self._worker = threading.Thread(target=self._check_queued, name="zstack-contract-proxy-checks", daemon=True)
        self._worker.start()

    # -- what the forwarder sees (cheap: its threads call these between a client's bytes) -------------
    def step(self, step: Step, complete: bool) -> None:
        step.request.url = mask_url(step.request.url)  # before anything names it (a job not followed)
        with self._counts:
            self.answered += 1
            self._last_step = time.monotonic()
        if not complete:
            self._count_not_checked(TOO_LONG)
            return
        self.stitcher.step(step, SOURCE)

    def no_answer(self, reason: str) -> None:
        """The target did not answer a request (the forwarder's ``on_no_answer``)."""
        with self._counts:
            self.unanswered += 1
            self._no_answer = reason

    def _finished(self, exchange: Exchange) -> None:
        """A finished exchange, for the worker; counted and dropped when the queue is full (or
        the session has closed)."""
        with self._counts:
            try:
                if self._closed:
                    why = AT_CLOSE
                else:
                    self._queue.put_nowait(exchange)
                    self._pending += 1
                    return
            except queue.Full:
                why = QUEUE_FULL
            self.not_checked[why] = self.not_checked.get(why, 0) + 1

    def _count_not_checked(self, why: str, n: int = 1) -> None:
        with self._counts:
            self.not_checked[why] = self.not_checked.get(why, 0) + n

    # -- the worker -------------------------------------------------------------------------------------
    def _check_queued(self) -> None:
        while (exchange := self._queue.get()) is not None:
            if self._closed:  # taken as the close counted it: not checked
                continue
            try:
                self._learn(exchange)
                self._check(exchange)
            except Exception as exc:  # noqa: BLE001  (the worker must go on: one line, and the exchange counted)
                self._count_not_checked(f"the proxy failed on it ({type(exc).__name__})")
                self._print(f"not checked: {type(exc).__name__}: {exc}")
            finally:
                with self._counts:
                    if not self._closed:  # else the close has counted it
                        self._pending -= 1

    def _learn(self, exchange: Exchange) -> None:
        """The exchange's secrets, before anything of it is shown or kept: each of a session's or a
        hash's shape (:meth:`~zstack_contract.facts.secrets.Redactor.learn`)."""
        learn = self.redactor.learn
        for secret in exchange_secrets(exchange):
            learn(secret)
        answer = exchange.final.response
        session = session_of_login(answer.body) if answer.has_json else None
        if session is not None and self._session_apis:  # does the contract say this API answers a session?
            call = exchange.call.request
            routed = self.validation.contracts.route(call.method, call.url, call.body if call.has_json else None)
            if routed.api is not None and routed.api.api in self._session_apis:
                learn(session)

    def _check(self, exchange: Exchange) -> None:
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
        """The proxy stops: open jobs are set aside as not followed; the worker finishes what is
        queued, and what the forwarder still passes on (until no step came for :data:`QUIET`
        seconds: an answer it was sending when told to stop), for at most ``drain_for`` seconds;
        what is left then is counted as not checked. A target that answered no request is an
        unusable input (:meth:`silent_target`)."""
        self.stitcher.close()
        deadline = time.monotonic() + self.drain_for
        while (now := time.monotonic()) < deadline and (self._pending or now - self._last_step < QUIET):
            time.sleep(0.02)
        with self._counts:
            self._closed = True  # a later exchange is counted, not queued
            left = 0
            while True:
                try:
                    left += self._queue.get_nowait() is not None
                except queue.Empty:
                    break
            busy = self._pending - left  # the one being checked, whose findings come too late
            self._pending = 0
        if left or busy:
            self._count_not_checked(AT_CLOSE, left + busy)
        self._queue.put(None)  # the worker ends
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
                 f"{s.not_followed_count} job(s) not followed to their end",
                 f"{sum(self.not_checked.values())} not checked{not_checked_said(self.not_checked)}",
                 *([f"{v.not_kept} finding(s) like earlier ones printed but not kept"] if v.not_kept else [])]
        contract = contract_said({"release": v.contracts.release, "why": v.contracts.why})
        return "zstack-contract proxy: " + ", ".join(parts) + f"; contract: {contract}"


def not_checked_said(not_checked: dict[str, int]) -> str:
    """`` (2 the checks were behind ..., 1 too long ...)``: why, when any."""
    return f" ({', '.join(f'{n} {why}' for why, n in sorted(not_checked.items()))})" if not_checked else ""


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

