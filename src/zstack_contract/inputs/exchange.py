"""The exchange model: what went over the wire, whoever recorded it.

Recorded files (:mod:`.recordings`, :mod:`.har`) and the live client produce :class:`Exchange`
objects; the checks only ever see these. Step 0 is the call, later steps are its job polls.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..facts.secrets import (
    SECRET_HEADERS,
    Redactor,
    is_login,
    is_secret_field,
    mask_text,
    session_of_login,
    text_secrets,
)


class _Missing(enum.Enum):
    """No body: a singleton that stays itself through copy.deepcopy and pickling."""

    MISSING = "no body"


MISSING = _Missing.MISSING


@dataclass(slots=True)
class Message:
    """A request or a response. ``body`` is the JSON value when the body was JSON; ``text`` otherwise."""

    headers: dict[str, str] = field(default_factory=dict)
    body: Any = MISSING
    text: str | None = None

    @property
    def has_json(self) -> bool:
        return self.body is not MISSING

    @property
    def is_empty(self) -> bool:
        return self.body is MISSING and not self.text


@dataclass(slots=True)
class Request(Message):
    method: str = "GET"
    url: str = ""


@dataclass(slots=True)
class Response(Message):
    status: int = 0  # 0: unknown (a bare body, recorded without its answer's status)


@dataclass(slots=True)
class Step:
    request: Request
    response: Response
    elapsed_ms: float | None = None


@dataclass(slots=True)
class Exchange:
    steps: list[Step]
    source: str  # file, or test id for live exchanges
    api: str | None = None
    note: str | None = None

    @property
    def call(self) -> Step:
        return self.steps[0]

    @property
    def final(self) -> Step:
        return self.steps[-1]

    def redacted(self, redactor: Redactor) -> "Exchange":
        """A copy with every secret masked where it stands, each keeping its shape (see
        :mod:`~zstack_contract.facts.secrets`); this one is left as it was."""
        ex = copy.deepcopy(self)
        login = is_login(ex.call.request.body, ex.call.request.text)
        for step in ex.steps:
            for msg in (step.request, step.response):
                msg.headers = redactor.headers(msg.headers)
                if msg.has_json:
                    msg.body = redactor.value(msg.body, login_answer=login and msg is step.response)
                if msg.text is not None:  # not strict JSON (the lenient JSON a node reads, say): its secret fields where they stand
                    msg.text = redactor.string(mask_text(msg.text))
            step.request.url = redactor.url(step.request.url)
        ex.source = redactor.text(ex.source)
        return ex


def exchange_secrets(exchange: Exchange) -> Iterator[str]:
    """The secrets an exchange carries: the credentials of its secret headers (``Authorization:
    OAuth <session>``), the values of secret fields in its bodies (a log-in's password hash), and
    the session a log-in's answer names (``inventory.uuid``)."""
    for step in exchange.steps:
        for msg in (step.request, step.response):
            for name, value in msg.headers.items():
                if name.lower() in SECRET_HEADERS and isinstance(value, str):  # an Authorization's credentials, past its scheme
                    scheme_and_credentials = name.lower().endswith("authorization") and " " in value.strip()
                    yield value.split(None, 1)[1] if scheme_and_credentials else value
            if msg.has_json:
                yield from _secret_fields(msg.body)
            elif msg.text is not None:
                yield from text_secrets(msg.text)
        if is_login(step.request.body, step.request.text) and step.response.has_json:
            session = session_of_login(step.response.body)
            if session:
                yield session


def _secret_fields(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if is_secret_field(k) and isinstance(v, str):
                    yield v
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)


def bare_body_exchange(body: dict, shown: str) -> Exchange:
    """A recorded body alone, as an exchange of one step with no request and no status."""
    return Exchange(steps=[Step(Request(method="", url=""), Response(body=body, status=0))], source=shown)
