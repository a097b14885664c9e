"""Recorded answers served again, through ``responses``: no server, no socket.

A request is answered by a recorded call with the same method, path, action key (a PUT's first
body key whose value is an object) and Authorization presence; failing that, with the same URL
template instead of the path (each 32-hex segment, and a masked session, stands for any uuid:
the live suite names resources that do not exist by fresh uuids). The calls of one key are
served in the order they were recorded, and again from the first when all have been. A recording
written by ``--zstack-record`` is named after its test (``test_x.001.json``): while that test
runs, its own recordings come first. A call answered ``202`` registers its job: polling the job's path
serves the recorded polls in order, then the last one again. A request nothing answers raises
:class:`NotRecorded`, naming it.

``replay(paths)`` is the context manager for client authors (any code that uses ``requests``);
the pytest plugin's ``--zstack-replay DIR`` runs the live suite on it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import requests
import responses

from ..errors import ContractError, InputError
from ..facts.oneline import one_line
from ..facts.urls import api_path, job_of
from ..facts.words import plural
from ..inputs.exchange import MISSING, Exchange, Response
from ..inputs.json_reader import read_body
from ..inputs.recordings import discover, read_exchanges
from .recorder import record_name

_UUID_SEGMENT = re.compile(r"/(?:[0-9a-fA-F]{32}|\*\*\*)(?=/|$)")
_NUMBERED = re.compile(r"^(.*)\.\d{3}\.json$")
# Headers of a recorded answer that describe its bytes as they were sent, not as replayed.
_WIRE_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding", "connection"})


class NotRecorded(requests.RequestException):
    """A request no recording answers."""


Key = tuple[str, str, str | None, bool]


def keys_of(method: str, url: str, body: Any, authorized: bool) -> tuple[Key, Key]:
    """How a request is matched to recorded calls: by its path, and by its URL template."""
    path = api_path(url)
    action = None
    if method.upper() == "PUT" and isinstance(body, dict):
        action = next((k for k, v in body.items() if isinstance(v, dict)), None)
    return (method.upper(), path, action, authorized), (method.upper(), _UUID_SEGMENT.sub("/{uuid}", path), action, authorized)


@dataclass
class Recordings:
    """Recorded calls by key, and by the test that recorded them."""

    calls: dict[Key, list[Exchange]] = field(default_factory=lambda: defaultdict(list))
    by_test: dict[tuple[str, Key], list[Exchange]] = field(default_factory=lambda: defaultdict(list))
    files: int = 0
    unusable: list[InputError] = field(default_factory=list)  # the files left out (load's keep_going)

    @classmethod
    def load(cls, paths: Iterable[str | Path], keep_going: bool = False) -> "Recordings":
        """Every exchange under ``paths`` (exchange records and HAR captures). An unusable file
        raises its InputError; with ``keep_going``, a file in a folder that cannot be used is
        left out, its error kept in :attr:`unusable`, and the other files are served (a path
        given that yields nothing still raises)."""
        names = [str(p) for p in paths]
        sources, errors = discover(names)
        given = {one_line(name) for name in names}
        if errors and not (keep_going and all(e.path not in given for e in errors)):
            raise next((e for e in errors if e.path in given), errors[0])
        found = cls(unusable=errors)
        for source in sources:
            test = _NUMBERED.match(source.path.name)
            try:
                exchanges = read_exchanges(source)
            except InputError as exc:
                if not keep_going:
                    raise
                found.unusable.append(exc)
                continue
            for exchange in exchanges:
                found.add(exchange, test.group(1) if test else None)
            found.files += 1
        return found

    def add(self, exchange: Exchange, test: str | None = None) -> None:
        request = exchange.call.request
        if not request.method:
            return  # a bare body: no request to answer
        for key in dict.fromkeys(keys_of(request.method, request.url, request.body if request.has_json else None,
                                         any(k.lower() == "authorization" for k in request.headers))):
            self.calls[key].append(exchange)
            if test:
                self.by_test[(test, key)].append(exchange)

    def __iter__(self) -> Iterator[Exchange]:
        """Every recorded call, once."""
        seen: set[int] = set()
        for calls in self.calls.values():
            for exchange in calls:
                if id(exchange) not in seen:
                    seen.add(id(exchange))
                    yield exchange


class Replay:
    """Serves :class:`Recordings` to ``requests`` while active (a context manager)."""

    def __init__(self, recordings: Recordings, current_test: Callable[[], str | None] = lambda: None):
        self.recordings = recordings
        self.current_test = current_test
        self.served: list[tuple[str, str]] = []  # (method, url) of every request answered
        self._next: dict[Any, int] = defaultdict(int)
        self._jobs: dict[str, deque[Response]] = {}
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"):
            self._mock.add_callback(method, re.compile(r".*"), callback=self._answer)

    def __enter__(self) -> "Replay":
        self._mock.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._mock.stop()
        self._mock.reset()

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        method, url = request.method or "GET", request.url or ""
        job = job_of(url)
        if method == "GET" and job in self._jobs:
            polls = self._jobs[job]
            answer = polls.popleft() if len(polls) > 1 else polls[0]
        else:
            answer = self._call(method, url, request)
        self.served.append((method, url))
        return _wire(answer)

    def _call(self, method: str, url: str, request: requests.PreparedRequest) -> Response:
        keys = keys_of(method, url, _json(request.body), "Authorization" in request.headers)
        test = self.current_test()
        mine = [self.recordings.by_test.get((record_name(test), key)) for key in keys] if test else []
        calls = next((c for c in [*mine, *(self.recordings.calls.get(key) for key in keys)] if c), None)
        if not calls:
            _, template, action, authorized = keys[1]
            unusable = self.recordings.unusable
            left_out = f"; {plural(len(unusable), 'recording file')} left out as unusable: {unusable[0]}{' ...' if len(unusable) > 1 else ''}" if unusable else ""
            raise NotRecorded(f"not recorded: {method} {template}{f' ({action})' if action else ''}{'' if authorized else ' without Authorization'}"
                              f"{left_out}")
        n = self._next[id(calls)]
        self._next[id(calls)] = n + 1
        exchange = calls[n % len(calls)]
        first = exchange.call.response
        location = first.body.get("location") if first.has_json and isinstance(first.body, dict) else None
        if first.status == 202 and isinstance(location, str):
            job = job_of(location)
            if job:
                self._jobs[job] = deque(step.response for step in exchange.steps[1:]) or deque([first])
        return first


def _json(raw: Any) -> Any:
    """The JSON value of a request body the client sent (by the rules of the recordings' bodies), or None."""
    if not isinstance(raw, (bytes, str)):
        return None
    try:
        body = read_body(raw, "the request", "body")[0]
    except InputError:
        return None
    return None if body is MISSING else body


def _wire(answer: Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in _WIRE_HEADERS}
    if answer.has_json:
        return answer.status, headers, json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
    return answer.status, headers, (answer.text or "").encode("utf-8")


def replay(recordings: str | Path | Iterable[str | Path], strict: bool = True, schemas: str | Path | None = None,
           release: str | None = None) -> Replay:
    """A context manager serving the recordings under ``recordings`` to any code that uses
    ``requests``; with ``strict``, a recording that breaks the contract (the schemas in the folder
    ``schemas``, else the shipped contract of ``release``, else the newest) refuses to load, with
    a ContractError naming it::

        with zstack_contract.replay("contract_tests/recordings"):
            vm = my_client.reimage("9a8b...")   # answered as recorded
    """
    paths = [recordings] if isinstance(recordings, (str, Path)) else list(recordings)
    found = Recordings.load(paths)
    if strict:
        _hold_to_contract(found, schemas, release)
    return Replay(found)


def _hold_to_contract(found: Recordings, schemas: str | Path | None, release: str | None) -> None:
    from ..contract.loading import load_contracts
    from ..findings.baseline import is_new
    from ..findings.validation import Validation

    validation = Validation(load_contracts(schemas, release))
    for exchange in found:
        try:
            broken = [f for f in validation.check(exchange, keep=False) if is_new(f, None)]
        except InputError as exc:
            raise ContractError(f"recording {exc}") from None
        if broken:
            raise ContractError(f"recording {exchange.source} breaks the contract: {broken[0].message()}")
