"""Exchanges from the steps a proxy sees: a call, and for an asynchronous one (``202`` with a job
``location``) the polls of its job, in the order they came, until the job's answer is not ``202``.

A job whose client stops polling is not a contract break: after its time is up (its
``apiTimeout``, else :data:`FOLLOW_FOR`) it is set aside as *not followed*; so is every job still
open when the proxy stops. At most :data:`OPEN_JOBS` jobs are followed at once (the oldest is set
aside first), so a long session takes bounded memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ..facts.urls import api_path, job_of, job_path
from ..inputs.exchange import Exchange, Step

FOLLOW_FOR = 3600.0  # seconds a job is followed when its answer names no apiTimeout
OPEN_JOBS = 2_000


@dataclass(frozen=True)
class NotFollowed:
    """A job whose end the client never asked for."""

    call: str  # METHOD /v1/path of the call (secrets masked by the caller)
    job: str  # the job's path


@dataclass
class _Open:
    exchange: Exchange
    until: float


class Stitcher:
    """Thread-safe: the proxy's handler threads feed it; ``on_exchange`` gets each finished exchange."""

    def __init__(self, on_exchange: Callable[[Exchange], None], clock: Callable[[], float] = time.monotonic):
        self.on_exchange = on_exchange
        self.clock = clock
        self.not_followed: list[NotFollowed] = []
        self.not_followed_count = 0
        self._open: OrderedDict[str, _Open] = OrderedDict()  # job id -> its exchange so far
        self._soonest = float("inf")  # no open job's time is up before this (looked over only then)
        self._lock = threading.Lock()

    def step(self, step: Step, source: str) -> None:
        """One request and its answer, as the proxy forwarded them."""
        finished: Exchange | None = None
        path = api_path(step.request.url)
        job = job_of(path) if step.request.method == "GET" else None
        with self._lock:
            self._expire()
            followed = self._open.get(job) if job else None
            if followed is not None:
                followed.exchange.steps.append(step)
                if step.response.status != 202:
                    del self._open[job]
                    finished = followed.exchange
            else:
                exchange = Exchange(steps=[step], source=source)
                started = _job_of(step)
                if started is None:
                    finished = exchange
                else:
                    until = self.clock() + started[1]
                    self._open[started[0]] = _Open(exchange, until)
                    self._soonest = min(self._soonest, until)
                    while len(self._open) > OPEN_JOBS:
                        self._set_aside(*self._open.popitem(last=False))
        if finished is not None:
            self.on_exchange(finished)

    def close(self) -> None:
        """The proxy stops: every job still open was not followed to its end."""
        with self._lock:
            while self._open:
                self._set_aside(*self._open.popitem(last=False))

    def _expire(self) -> None:
        now = self.clock()
        if now < self._soonest:
            return
        for job, followed in list(self._open.items()):
            if followed.until <= now:
                del self._open[job]
                self._set_aside(job, followed)
        self._soonest = min((followed.until for followed in self._open.values()), default=float("inf"))

    def _set_aside(self, job: str, followed: _Open) -> None:
        call = followed.exchange.call.request
        self.not_followed_count += 1
        if len(self.not_followed) < 100:  # the first ones by name; the rest are counted
            self.not_followed.append(NotFollowed(f"{call.method} {api_path(call.url)}", job_path(job)))


def _job_of(step: Step) -> tuple[str, float] | None:
    """(job id, seconds to follow it) when the step's answer started a job."""
    answer = step.response
    if answer.status != 202 or not answer.has_json or not isinstance(answer.body, dict):
        return None
    location = answer.body.get("location")
    job = job_of(location) if isinstance(location, str) else None
    if job is None:
        return None
    timeout = answer.body.get("apiTimeout")
    seconds = timeout / 1000.0 if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0 else FOLLOW_FOR
    return job, seconds
