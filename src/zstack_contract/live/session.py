"""Live runs: the target, the run's logged-in session, and its view from one test.

Tests get a :class:`BoundLive` (fixture ``zstack_live``): ``call`` talks to the target,
``hold`` holds the answer to the same named checks as recorded exchanges, plus the test's
expectations, and fails the test with one line per new violation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..checks.expected import error_said, expect
from ..checks.finding import Finding
from ..checks.protocol import answer_found
from ..checks.registry import LIVE
from ..errors import ContractError
from ..facts.secrets import RedactingFilter, Redactor
from ..inputs.exchange import Exchange, Response
from .client import (
    Backoff,
    Budget,
    BudgetSpent,
    Call,
    ClientError,
    RunTimeSpent,
    ZStackClient,
    usable_in_header,
)
from .outcomes import Failed, Skipped


class Holder(Protocol):
    """What holds live exchanges to the contract for a run (the pytest plugin's run)."""

    redactor: Redactor  # learns the run's secrets
    recorder: Callable[[Exchange], Any] | None  # writes each exchange, when the run records

    def check(self, exchange: Exchange, extra: list[Finding] = (), origin: str = ...) -> list[Finding]:
        """The named checks and ``extra`` findings; fails the calling test on a new violation."""

    def api_of(self, exchange: Exchange) -> str | None:
        """The API an exchange's request was for, if a known one."""

# The embedded simulator's account (see docs: the simulator); never used against a live node.
EMBEDDED_ACCOUNT = ("admin", "password")
# Politeness towards a real node unless --zstack-max-requests / --zstack-rate say otherwise.
LIVE_NODE_LIMITS = (1000, 10.0)
# A simulator's job reports within its job delay (50 ms by default): one that runs for seconds is
# broken, and a run against one that never ends should not wait a node's five minutes a job.
SIMULATOR_JOB_TIMEOUT = 5.0
# --zstack-timeout bounds a request too, but not below this: a job limit of a tenth of a second
# (a self-test's) would otherwise fail requests that a busy machine answers a little late.
REQUEST_FLOOR = 1.0


@dataclass
class Target:
    base_url: str
    simulator: Any | None  # the embedded simulator, when no --zstack-url was given
    simulated: bool = False  # answers carry the simulator's header: not a live node
    replay: Any | None = None  # recorded answers served in this process (--zstack-replay)

    @property
    def embedded(self) -> bool:
        """The run's own target (the embedded simulator, or a replay): its account is known and
        nothing it does changes a node."""
        return self.simulator is not None or self.replay is not None

    @property
    def live_node(self) -> bool:
        """A real management node: destructive tests need the explicit opt-in."""
        return not (self.embedded or self.simulated)


class LiveSession:
    def __init__(self, target: Target, run: Holder, client: ZStackClient, login_call: Call | None,
                 vm: str | None, allow_destructive: bool, unredact: Callable[[], None] = lambda: None):
        self.target = target
        self.run = run
        self.client = client
        self.login_call = login_call
        self.vm = vm
        self.allow_destructive = allow_destructive or not target.live_node
        self._unredact = unredact
        self.provisioner = None  # the run's Provisioner (live.provision), set by who opens the session for positive cases

    @classmethod
    def open(cls, target: Target, run: Holder, *, session: str | None, account: str | None,
             password: str | None, vm: str | None, job_timeout: float | None, allow_destructive: bool,
             limits: tuple[int | None, float | None] = (None, None), deadline: float | None = None) -> "LiveSession":
        """Connect and log in (or check the given session); raises ClientError with one clear line.

        ``limits``: (max requests, requests per second); a live node gets polite defaults, a
        simulator none, unless given. ``job_timeout`` also bounds each request; ``deadline`` (a
        ``time.monotonic()`` value) ends the run's requests."""
        run.redactor.add(session)
        run.redactor.add(password)
        for what, value in (("--zstack-session", session), ("--zstack-account", account), ("--zstack-password", password)):
            if value is not None:
                usable_in_header(what, value)
        unredact = redact_http_logs(run.redactor)
        try:
            return cls._open(target, run, session, account, password, vm, job_timeout, allow_destructive, limits, deadline, unredact)
        except BaseException:
            unredact()
            raise

    @classmethod
    def _open(cls, target, run, session, account, password, vm, job_timeout, allow_destructive, limits, deadline, unredact):
        client = ZStackClient(target.base_url, session=session, redactor=run.redactor, on_exchange=run.recorder,
                              budget=Budget(*limits, deadline=deadline))
        if target.simulator is not None:  # its jobs take what it was told: the first poll just after that finds them done
            client.backoff = Backoff(first=target.simulator.job_delay * 1.25 + 0.001)
        if job_timeout:
            client.job_timeout = job_timeout
            client.timeout = (client.timeout[0], min(client.timeout[1], max(job_timeout, REQUEST_FLOOR)))
        from ..simulator.servlet import SIMULATOR_HEADER

        def simulated(call: Call) -> bool:
            return any(k.lower() == SIMULATOR_HEADER.lower() for k in call.final.headers)

        login_call = None
        if not (session or account):
            if not target.embedded:
                # One harmless unauthenticated request: a simulator announces itself, a node answers 400.
                probe = client.request("GET", "/v1/vm-instances", auth=False, note="identify the target")
                target.simulated = simulated(probe)
                if not target.simulated:
                    raise ClientError("a live node needs --zstack-session, or --zstack-account with --zstack-password")
            account, password = EMBEDDED_ACCOUNT
        if account:
            if password is None:
                raise ClientError("--zstack-account needs --zstack-password (or ZSTACK_PASSWORD)")
            login_call = client.login(account, password)
            if not client.session:
                raise ClientError(f"log-in as {account!r} at {target.base_url} failed: {refusal(login_call.final)}")
            target.simulated = target.simulated or simulated(login_call)
        else:
            probe = client.request("GET", "/v1/vm-instances", params={"limit": "1"}, note="check the session")
            if probe.final.status != 200:
                raise ClientError(f"{target.base_url} refused the given session: {refusal(probe.final)}")
            target.simulated = simulated(probe)
        if target.live_node:  # polite defaults for what the options left open
            client.budget.max_requests = client.budget.max_requests or LIVE_NODE_LIMITS[0]
            client.budget.rate = client.budget.rate or LIVE_NODE_LIMITS[1]
        elif not job_timeout:
            client.job_timeout = SIMULATOR_JOB_TIMEOUT
        return cls(target, run, client, login_call, vm, allow_destructive, unredact)

    def close(self) -> None:
        try:
            self.client.logout()
        except ClientError:
            pass
        finally:
            self._unredact()

    def bind(self, test_id: str) -> "BoundLive":
        return BoundLive(self, test_id)


class BoundLive:
    def __init__(self, live: LiveSession, test_id: str):
        self.live = live
        self.test_id = test_id

    @property
    def target(self) -> Target:
        return self.live.target

    @property
    def login_call(self) -> Call | None:
        return self.live.login_call

    @property
    def provisioner(self):
        """What finds, makes and cleans up the resources of positive cases (:mod:`.provision`)."""
        return self.live.provisioner

    def call(self, method: str, path: str, **kwargs) -> Call:
        """One request (polled to its end when asynchronous); a broken connection fails the test in
        one line, and so does a job whose polls the run's limits cut short (its answer is not
        judged: the target did nothing wrong)."""
        try:
            call = self.live.client.request(method, path, **kwargs)
        except ContractError as exc:  # the target, or the recording of the exchange (--zstack-record)
            broken = self.live.run.redactor.text(str(exc))
        else:
            if not isinstance(call.error, (BudgetSpent, RunTimeSpent)):
                call.exchange.source = self.test_id
                return call
            broken = str(call.error)
        raise Failed(broken)  # outside the handler: one line, no chained exception

    def hold(self, call: Call, extra: list[Finding] = (), **expectations) -> list:
        """The named checks, the test's expectations (see :func:`~zstack_contract.checks.expected.expect`)
        and ``extra`` findings the test made itself; fails the test on a new violation."""
        call.exchange.source = call.exchange.source or self.test_id
        api = call.exchange.api or self.live.run.api_of(call.exchange)
        return self.live.run.check(call.exchange, [*expect(call.exchange, api, **expectations), *extra], origin=LIVE)

    def find_vm(self, state: str) -> str:
        """The uuid of a VM in ``state`` on the target, found by query; skips the test if there is none."""
        call = self.call("GET", "/v1/vm-instances", params=[("q", f"state={state}"), ("limit", "1")], note=f"find a {state} VM")
        body = call.final.body if call.final.has_json else None
        found = body.get("inventories") if isinstance(body, dict) else None
        if call.final.status != 200 or not isinstance(found, list):
            raise Failed(f"query for a {state} VM answered status {call.final.status}")
        if not found or not isinstance(found[0], dict) or not found[0].get("uuid"):
            raise Skipped(f"no {state} VM on the target")
        return found[0]["uuid"]

    def designated_vm(self) -> str:
        """The VM a destructive test may reimage: --zstack-vm on a live node, a Stopped VM of a simulator."""
        if not self.target.live_node:
            return self.live.vm or self.find_vm("Stopped")
        if not self.live.vm:
            raise Skipped("reimages a VM: pass --zstack-vm UUID (and --zstack-allow-destructive)")
        return self.live.vm


def refusal(resp: Response) -> str:
    """Why the target refused: the status and the node's error (``status 503 ID.1000 Authentication
    error: wrong account name or password``), else what the answer held."""
    said = error_said(resp.body if resp.has_json else None)
    return f"status {resp.status} {said}" if said else answer_found(resp)


def redact_http_logs(redactor: Redactor) -> Callable[[], None]:
    """Scrub the redactor's secrets from what requests and urllib3 log (a DEBUG log line of urllib3
    names each request's path: a log-out's holds the session); returns what undoes it."""
    scrub = RedactingFilter(redactor)
    loggers = [logging.getLogger(name) for name in sorted(logging.root.manager.loggerDict)
               if name.split(".")[0] in ("urllib3", "requests")]
    for logger in loggers:
        logger.addFilter(scrub)

    def undo() -> None:
        for logger in loggers:
            logger.removeFilter(scrub)

    return undo
