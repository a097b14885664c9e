"""The exchange record (``zstack-contract.exchange/1``): one API call as it went over the wire,
as ``--zstack-record`` writes it and ``validate`` reads it. Its JSON Schema is
``data/exchange.schema.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

from ..facts.secrets import mask_url
from ..facts.urls import url_problem
from .exchange import MISSING, Exchange, Message, Request, Response, Step
from .shape_errors import describe, place

FORMAT = "zstack-contract.exchange/1"


@lru_cache(maxsize=1)
def exchange_schema() -> dict[str, Any]:
    return json.loads(resources.files("zstack_contract").joinpath("data/exchange.schema.json").read_text())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(exchange_schema())


@lru_cache(maxsize=1)
def _native_validator() -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(exchange_schema())


def is_exchange_record(doc: Any) -> bool:
    return isinstance(doc, dict) and ("steps" in doc or doc.get("format") == FORMAT)


def exchange_from_record(doc: dict[str, Any], source: str) -> Exchange:
    """Build an Exchange from a record; raises ValueError with the first problem, as a path and
    what is wrong there (never the value: it may be a secret, or megabytes long).

    The native validator accepts good records; python-jsonschema judges and words the rest."""
    err = None
    if not _native_validator().is_valid(doc):
        err = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if err is not None:
        where = place(err)
        raise ValueError(f"exchange record: {where + ': ' if where else ''}{describe(err, missing='{!r} is a required property')}")
    steps = []
    for n, s in enumerate(doc["steps"]):
        rq, rs = s["request"], s["response"]
        problem = url_problem(rq["url"])
        if problem:
            raise ValueError(f"exchange record: steps[{n}].request.url: not a usable URL: {problem}")
        steps.append(
            Step(
                Request(headers=rq.get("headers", {}), body=rq.get("body", MISSING), text=rq.get("text"), method=rq["method"], url=mask_url(rq["url"])),
                Response(headers=rs.get("headers", {}), body=rs.get("body", MISSING), text=rs.get("text"), status=rs["status"]),
                s.get("elapsedMs"),
            )
        )
    return Exchange(steps=steps, source=source, api=doc.get("api"), note=doc.get("note"))


def record_of(exchange: Exchange) -> dict[str, Any]:
    """The exchange as a record (redact it first: a record is written as it is given)."""
    out: dict[str, Any] = {"format": FORMAT}
    if exchange.api:
        out["api"] = exchange.api
    if exchange.note:
        out["note"] = exchange.note
    steps = []
    for s in exchange.steps:
        req = {"method": s.request.method, "url": s.request.url, **_message(s.request)}
        resp = {"status": s.response.status, **_message(s.response)}
        step: dict[str, Any] = {"request": req, "response": resp}
        if s.elapsed_ms is not None:
            step["elapsedMs"] = round(s.elapsed_ms, 3)
        steps.append(step)
    out["steps"] = steps
    return out


def _message(msg: Message) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if msg.headers:
        d["headers"] = dict(msg.headers)
    if msg.has_json:
        d["body"] = msg.body
    elif msg.text is not None:
        d["text"] = msg.text
    return d
