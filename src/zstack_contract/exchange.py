"""The exchange model: what went over the wire, whoever recorded it.

Recorded files, the live client and replays all produce :class:`Exchange` objects; the checks
only ever see these.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

FORMAT = "zstack-contract.exchange/1"


class _Missing(enum.Enum):
    """No body: a singleton that stays itself through copy.deepcopy and pickling."""

    MISSING = "no body"


_MISSING = _Missing.MISSING


@dataclass(slots=True)
class Message:
    """A request or a response. ``body`` is the JSON value when the body was JSON; ``text`` otherwise."""

    headers: dict[str, str] = field(default_factory=dict)
    body: Any = _MISSING
    text: str | None = None

    @property
    def has_json(self) -> bool:
        return self.body is not _MISSING

    @property
    def is_empty(self) -> bool:
        return self.body is _MISSING and not self.text

    def body_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.headers:
            d["headers"] = dict(self.headers)
        if self.has_json:
            d["body"] = self.body
        elif self.text is not None:
            d["text"] = self.text
        return d


@dataclass(slots=True)
class Request(Message):
    method: str = "GET"
    url: str = ""


@dataclass(slots=True)
class Response(Message):
    status: int = 0


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

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT}
        if self.api:
            out["api"] = self.api
        if self.note:
            out["note"] = self.note
        steps = []
        for s in self.steps:
            req = {"method": s.request.method, "url": s.request.url, **s.request.body_dict()}
            resp = {"status": s.response.status, **s.response.body_dict()}
            step: dict[str, Any] = {"request": req, "response": resp}
            if s.elapsed_ms is not None:
                step["elapsedMs"] = round(s.elapsed_ms, 3)
            steps.append(step)
        out["steps"] = steps
        return out


def decode_body(raw: bytes | str | None) -> tuple[Any, str | None]:
    """(JSON value, None) when ``raw`` is JSON, else (_MISSING, text or None for an empty body)."""
    if raw is None or raw == b"" or raw == "":
        return _MISSING, None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text), None
    except ValueError:
        return _MISSING, text


@lru_cache(maxsize=1)
def exchange_schema() -> dict[str, Any]:
    return json.loads(resources.files("zstack_contract").joinpath("data/exchange.schema.json").read_text())


@lru_cache(maxsize=1)
def _exchange_validator():
    return jsonschema.Draft202012Validator(exchange_schema())


def is_exchange_record(doc: Any) -> bool:
    return isinstance(doc, dict) and ("steps" in doc or doc.get("format") == FORMAT)


@lru_cache(maxsize=1)
def _fast_exchange_validator():
    return jsonschema_rs.Draft202012Validator(exchange_schema())


def exchange_from_json(doc: dict[str, Any], source: str) -> Exchange:
    """Build an Exchange from a record; raises ValueError with the first problem, as a path.

    The native validator accepts good records; python-jsonschema judges and words the rest."""
    err = None
    if not _fast_exchange_validator().is_valid(doc):
        err = jsonschema.exceptions.best_match(_exchange_validator().iter_errors(doc))
    if err is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
        raise ValueError(f"exchange record: {where + ': ' if where else ''}{err.message}")
    steps = []
    for s in doc["steps"]:
        rq, rs = s["request"], s["response"]
        steps.append(
            Step(
                Request(headers=rq.get("headers", {}), body=rq.get("body", _MISSING), text=rq.get("text"), method=rq["method"], url=rq["url"]),
                Response(headers=rs.get("headers", {}), body=rs.get("body", _MISSING), text=rs.get("text"), status=rs["status"]),
                s.get("elapsedMs"),
            )
        )
    return Exchange(steps=steps, source=source, api=doc.get("api"), note=doc.get("note"))
