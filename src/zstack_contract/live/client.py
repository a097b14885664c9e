"""A client for the ZStack REST protocol (``requests`` based), keeping every step as an exchange.

Protocol points it follows (docs/protocol.md): the base URL carries the context path
(``http://mn:8080/zstack``); ``Authorization: OAuth <session>``; asynchronous APIs answer 202 with a
job ``location`` whose path alone is used, on the configured base URL, so the session never goes
to another host; polls start fast and back off to about a second; a job gives up after its
``apiTimeout`` or the configured limit; every request has one deadline for the whole of it
(:mod:`.transport`), and the run may have one for all of them (:class:`Budget`). Exceptions of the
HTTP layer, which can quote a header or a URL, leave the client redacted, as one line. Exchanges are kept as they went over the wire; the
client's :class:`~zstack_contract.facts.secrets.Redactor` learns every secret it handles (session,
password, its hash) so whatever writes or shows an exchange can scrub them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from ..errors import ContractError
from ..facts.ids import password_hash
from ..facts.oneline import FIELD, one_line
from ..facts.secrets import Redactor, control_character
from ..facts.urls import api_path, url_problem
from ..inputs.exchange import Exchange, Request, Response, Step
from ..inputs.json_reader import decode_body
from .transport import PastDeadline, http_session, settled, within


class ClientError(ContractError):
    """The target could not be talked to as the protocol says (unreachable, job lost, too slow)."""


class TargetUnreachable(ClientError):
    pass


class JobTimeout(ClientError):
    pass


class JobExpired(ClientError):
    pass


class BudgetSpent(ClientError):
    """The run's request budget (--zstack-max-requests) is used up."""


class RunTimeSpent(ClientError):
    """The run's time (--zstack-max-time) is up."""


class Budget:
    """At most ``max_requests`` requests, at most ``rate`` per second, none after ``deadline`` (a
    ``clock()`` value; None: no limit).

    The last request is held back for logging out, so a run never leaves its session behind.
    Thread-safe: pytest-xdist runs one client per process, but probes may share a client.
    ``ran_out`` says why a request was refused, once one was: the run did not do all its work.
    """

    def __init__(self, max_requests: int | None = None, rate: float | None = None, clock=time.monotonic, sleep=time.sleep,
                 deadline: float | None = None):
        self.max_requests = max_requests
        self.rate = rate
        self.deadline = deadline
        self.sent = 0
        self.ran_out: str | None = None
        self._next = 0.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds until the run's deadline (infinite without one)."""
        return float("inf") if self.deadline is None else self.deadline - self._clock()

    def take(self, reserve: int = 1) -> None:
        with self._lock:
            if self.max_requests is not None and self.sent >= self.max_requests - reserve:
                raise self._ran_out(BudgetSpent(f"the request budget of {self.max_requests} is spent"))
            if self.remaining() <= 0:
                raise self.time_up()
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + (1.0 / self.rate if self.rate else 0.0)
            self.sent += 1

    def time_up(self) -> RunTimeSpent:
        """The error of a run whose time is up, noted as why the run ran out."""
        return self._ran_out(RunTimeSpent("the run's time is up (--zstack-max-time)"))

    def _ran_out(self, exc: ClientError) -> ClientError:
        self.ran_out = self.ran_out or str(exc)
        return exc


@dataclass
class Backoff:
    """Poll intervals: ``first`` seconds, growing by ``factor`` up to ``ceiling``.

    With 1.25 each interval is about a quarter of the time already waited, so a job is seen
    within ~25% of its run time (done at 200 ms: seen by ~225 ms), until the one-second ceiling.
    """

    first: float = 0.02
    factor: float = 1.25
    ceiling: float = 1.0

    def intervals(self):
        delay = self.first
        while True:
            yield delay
            delay = min(self.ceiling, delay * self.factor)


@dataclass
class Call:
    """One call's exchange and, for asynchronous ones, whether and how the job ended."""

    exchange: Exchange
    error: ClientError | None = None  # the client had to stop (job lost, too slow, no location)

    @property
    def final(self) -> Response:
        return self.exchange.final.response


@dataclass
class ZStackClient:
    base_url: str  # http://mn:8080/zstack
    session: str | None = field(default=None, repr=False)
    timeout: tuple[float, float] = (3.0, 30.0)  # connect; the whole request, answer included (seconds)
    job_timeout: float = 300.0  # give up on a job after this, or its apiTimeout, whichever is first
    backoff: Backoff = field(default_factory=Backoff)
    on_exchange: Callable[[Exchange], None] | None = None  # e.g. the recorder
    http: requests.Session = field(default_factory=http_session, repr=False)
    exchanges: list[Exchange] = field(default_factory=list, repr=False)
    redactor: Redactor = field(default_factory=Redactor, repr=False)  # knows every secret this client saw
    budget: Budget = field(default_factory=Budget, repr=False)
    _logged_in: bool = False

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        problem = url_problem(self.base_url)
        if problem is not None:
            raise ClientError(f"the target's base URL cannot be used: {problem}")
        if self.http.trust_env:
            settled(self.http, self.base_url)
        self.redactor.add(self.session)
        if self.session is not None:
            usable_in_header("the session", self.session)

    # -- sessions -------------------------------------------------------------------------------
    def login(self, account: str, password: str) -> Call:
        """Log in with the SHA-512 hash of the password; keeps the session on success."""
        hashed = password_hash(password)
        self.redactor.add(password)
        self.redactor.add(hashed)
        body = {"logInByAccount": {"accountName": account, "password": hashed}}
        call = self.request("PUT", "/v1/accounts/login", json_body=body, auth=False, note="log in", notify=False)
        resp = call.final
        if resp.status == 200 and isinstance(resp.body, dict) and isinstance(resp.body.get("inventory"), dict):
            session = resp.body["inventory"].get("uuid")
            if isinstance(session, str):
                self.redactor.add(session)
                usable_in_header("the session of the login answer", session)
                self.session = session
                self._logged_in = True
        if self.on_exchange:
            self.on_exchange(call.exchange)  # only now is the new session known to the redactor
        return call

    def logout(self) -> Call | None:
        if not (self._logged_in and self.session):
            return None
        call = self.request("DELETE", f"/v1/accounts/sessions/{self.session}", note="log out", reserve=0)
        self._logged_in = False
        return call

    # -- calls ----------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self, auth: bool | str = True) -> dict[str, str]:
        h = {"Content-Type": "application/json;charset=UTF-8"}
        token = auth if isinstance(auth, str) else (self.session if auth else None)
        if token:
            h["Authorization"] = f"OAuth {token}"
        return h

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | str | None = None,
        auth: bool | str = True,
        headers: dict[str, str] | None = None,
        params: Any = None,
        poll: bool = True,
        api: str | None = None,
        note: str | None = None,
        notify: bool = True,
        reserve: int = 1,
    ) -> Call:
        """Send one request; an asynchronous answer (202 + location) is polled to its end.

        ``auth``: True for the client's session, False for no Authorization header, or a string
        to send as the session. ``raw_body`` is sent as is (for malformed bodies).
        """
        if isinstance(auth, str):
            self.redactor.add(auth)
        h = self.headers(auth)
        if headers:
            h.update(headers)
        data = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else None)
        first = self._send(method, self.url(path), h, data, params, reserve)
        steps = [first]
        exchange = Exchange(steps=steps, source="", api=api, note=note)
        call = Call(exchange)
        resp = first.response
        if poll and resp.status == 202:
            self._poll(call, h)
        self.exchanges.append(exchange)
        if self.on_exchange and notify:
            self.on_exchange(exchange)
        return call

    def _send(self, method: str, url: str, headers: dict[str, str], data, params=None, reserve: int = 1) -> Step:
        self.budget.take(reserve)
        seconds = min(self.timeout[1], self.budget.remaining())
        start = time.monotonic()

        def where() -> str:  # for a message only: a log-out's path names the session
            return self.redactor.text(f"{method} {api_path(url)}")

        try:
            r = within(seconds, lambda: self.http.request(method, url, headers=headers, data=data, params=params,
                                                          timeout=(min(self.timeout[0], seconds), seconds), allow_redirects=False))
        except (PastDeadline, requests.Timeout):
            if seconds < self.timeout[1]:  # the run's deadline, not the target, cut this wait short
                raise self.budget.time_up() from None
            raise TargetUnreachable(f"{_origin(url)} did not answer {where()} within {seconds:g} s") from None
        except requests.ConnectionError as exc:
            raise TargetUnreachable(f"cannot reach {_origin(url)}: {_reason(exc)}") from None
        except (requests.RequestException, ValueError, UnicodeError) as exc:  # they can quote a header or the URL
            raise ClientError(f"{where()}: {type(exc).__name__}: {one_line(self.redactor.text(str(exc)), FIELD)}") from None
        elapsed = (time.monotonic() - start) * 1000
        sent_body, sent_text = decode_body(data)
        got_body, got_text = decode_body(r.content)
        request = Request(method=method, url=r.request.url or url, headers=dict(headers), body=sent_body, text=sent_text)
        response = Response(status=r.status_code, headers=dict(r.headers), body=got_body, text=got_text)
        return Step(request, response, elapsed)

    def _poll(self, call: Call, headers: dict[str, str]) -> None:
        steps = call.exchange.steps
        body = steps[0].response.body if steps[0].response.has_json else None
        location = body.get("location") if isinstance(body, dict) else None
        if not isinstance(location, str) or "/v1/" not in location:
            call.error = ClientError("the 202 answer carries no job location to poll")
            return
        job_url = self.url(api_path(location))  # our own host: never send the session elsewhere
        limit = self.job_timeout
        api_timeout = body.get("apiTimeout")
        if isinstance(api_timeout, (int, float)) and api_timeout > 0:
            limit = min(limit, api_timeout / 1000.0)
        limit = min(limit, self.budget.remaining())
        deadline = time.monotonic() + limit
        for delay in self.backoff.intervals():
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            try:
                step = self._send("GET", job_url, headers, None)
            except (BudgetSpent, RunTimeSpent) as exc:
                call.error = exc
                return
            steps.append(step)
            status = step.response.status
            if status == 404:
                call.error = JobExpired(f"job {api_path(location)} is unknown or expired (404)")
                return
            if status != 202:
                return
            if time.monotonic() >= deadline:
                call.error = JobTimeout(f"job {api_path(location)} still running after {limit:g} s ({len(steps) - 1} polls)")
                return


def usable_in_header(what: str, value: str) -> None:
    """ClientError, without the value, when ``value`` cannot be sent in a header as it is."""
    at = control_character(value)
    if at is not None:
        raise ClientError(f"{what} has a control character (or one beyond Latin-1) at position {at + 1}: "
                          "it cannot be sent in a header; check where it comes from (a trailing newline?)")


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _reason(exc: Exception) -> str:
    text = str(exc)
    for needle in ("Connection refused", "Name or service not known", "timed out", "No route to host"):
        if needle in text:
            return needle.lower()
    return type(exc).__name__
