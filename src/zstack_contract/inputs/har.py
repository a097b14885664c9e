"""HAR captures (as browsers and proxies export them) read as exchanges.

Each entry becomes an exchange of its own (a capture also holds unrelated traffic: the validation
counts and skips any exchange whose request no known API answers), except the job polls ``GET .../v1/api-jobs/<id>``:
they become the later steps, in time order, of the call whose ``202`` answer named that job in its
``location``. A poll whose call is not in the capture stays an exchange of its own (no API answers
it, so it is skipped and counted). Entries that got no answer (status 0: blocked or aborted) are
left out. Secret header values (Authorization, cookies) are masked on read, so nothing downstream
can show them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import jsonschema

from ..errors import InputError
from ..facts.oneline import quoted
from ..facts.secrets import mask_header, mask_url
from ..facts.urls import job_of, url_problem
from .exchange import Exchange, Request, Response, Step
from .json_reader import read_body
from .shape_errors import describe, place

_NAME_VALUES = {"type": "array", "items": {"type": "object", "required": ["name", "value"],
                                           "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}}
_BODY = {"type": "object", "properties": {"text": {"type": "string"}, "encoding": {"type": "string"}, "size": {"type": "number"}}}
# Only what is read here: HAR 1.2 has more required fields, which exporters do not always write.
HAR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["entries"],
            "properties": {
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["request", "response"],
                        "properties": {
                            "startedDateTime": {"type": "string"},
                            "time": {"type": "number"},
                            "request": {
                                "type": "object",
                                "required": ["method", "url"],
                                "properties": {
                                    "method": {"type": "string", "minLength": 1},
                                    "url": {"type": "string", "minLength": 1},
                                    "headers": _NAME_VALUES,
                                    "postData": _BODY,
                                },
                            },
                            "response": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "integer", "minimum": 0, "maximum": 599},
                                    "headers": _NAME_VALUES,
                                    "content": _BODY,
                                },
                            },
                        },
                    },
                }
            },
        }
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(HAR_SCHEMA)


def exchanges_from_har(doc: Any, shown: str) -> list[Exchange]:
    """The exchanges of a parsed HAR document; raises :class:`InputError` naming the file when it is not a usable HAR."""
    _check_shape(doc, shown)
    entries = doc["log"]["entries"]
    exchanges: list[Exchange] = []
    by_job: dict[str, Exchange] = {}
    for i in _time_order(entries):
        step = _step(entries[i], i, shown)
        if step is None:
            continue
        job = job_of(step.request.url) if step.request.method.upper() == "GET" else None
        if job is not None and job in by_job:
            by_job[job].steps.append(step)
            continue
        exchange = Exchange(steps=[step], source=f"{shown}#entries[{i}]")
        exchanges.append(exchange)
        created = _job_created(step)
        if created is not None:
            by_job[created] = exchange
    return exchanges


def _check_shape(doc: Any, shown: str) -> None:
    err = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(doc))
    if err is None:
        return
    where = place(err)
    raise InputError(shown, f"not a usable HAR file: {where + ': ' if where else ''}{describe(err)}")


def _time_order(entries: list[dict]) -> list[int]:
    """Entry indices by start time; file order when any start time is missing or unreadable."""
    times = []
    for e in entries:
        try:
            stamp = e["startedDateTime"]
            times.append(datetime.fromisoformat(stamp[:-1] + "+00:00" if stamp.endswith("Z") else stamp))  # "Z": Python < 3.11
        except (KeyError, TypeError, ValueError):
            return list(range(len(entries)))
    try:
        return sorted(range(len(entries)), key=lambda i: times[i])
    except TypeError:  # naive and aware times mixed
        return list(range(len(entries)))


def _step(entry: dict, i: int, shown: str) -> Step | None:
    rq, rs = entry["request"], entry["response"]
    if rs["status"] == 0:
        return None
    problem = url_problem(rq["url"])
    if problem:
        raise InputError(shown, f"entries[{i}].request.url: not a usable URL: {problem}")
    req_body, req_text = _body(rq.get("postData"), f"entries[{i}].request.postData", shown)
    resp_body, resp_text = _body(rs.get("content"), f"entries[{i}].response.content", shown)
    request = Request(headers=_headers(rq.get("headers", [])), method=rq["method"].upper(), url=mask_url(rq["url"]), body=req_body, text=req_text)
    response = Response(headers=_headers(rs.get("headers", [])), status=rs["status"], body=resp_body, text=resp_text)
    elapsed = entry.get("time")
    return Step(request, response, float(elapsed) if isinstance(elapsed, (int, float)) and elapsed >= 0 else None)


def _body(part: dict | None, where: str, shown: str):
    """(JSON value or MISSING, text or None) of a postData or content object, read by the rules
    of every input's JSON (:mod:`.json_reader`); no text is an empty body."""
    text = (part or {}).get("text")
    if text is None:
        return read_body("", shown, where)
    encoding = (part or {}).get("encoding")
    if encoding:
        if encoding.lower() != "base64":
            raise InputError(shown, f"{where}.encoding: unsupported encoding {quoted(encoding)} (only base64)")
        try:
            raw: bytes | str = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(shown, f"{where}.text: not valid base64") from None
    else:
        raw = text
    return read_body(raw, shown, f"{where}.text")


def _headers(pairs: list[dict]) -> dict[str, str]:
    """Headers as one dict (repeated names joined with ', '), secrets masked: ``OAuth ***``."""
    out: dict[str, str] = {}
    for h in pairs:
        name, value = h["name"], mask_header(h["name"], h["value"])
        if name.startswith(":"):  # HTTP/2 pseudo-headers (:authority, :path) some browsers export
            continue
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _job_created(step: Step) -> str | None:
    """The job a ``202`` answer names in its ``location`` (only its path counts: behind NAT the host differs)."""
    body = step.response.body if step.response.has_json else None
    if step.response.status != 202 or not isinstance(body, dict) or not isinstance(body.get("location"), str):
        return None
    return job_of(body["location"])
