"""Checks of the protocol around the bodies: ``status-body``, ``job-polling``, and in strict runs
``unknown-api`` (a ZStack API call that no known schema describes)."""

from __future__ import annotations

from typing import Iterator

from ..inputs.exchange import Response
from .finding import Finding, show
from .registry import LIVE, PROBE, RECORDED, check, reported
from .view import View, is_async


@check("status-body", "the status code agrees with the body: 200 + success, 503 + error, 202 + location", needs_http=True)
def status_body(view: View) -> Iterator[Finding]:
    contract = view.contract
    for i, step in enumerate(view.exchange.steps):
        status, resp = step.response.status, step.response
        if status not in (200, 503, 202):  # no body expectation (a bare body's 0, a 4xx text)
            continue
        body = resp.body if resp.has_json else None
        if status == 200:
            if not resp.has_json:
                yield view.finding(i, pointer="", expected=f"a JSON body with {' / '.join(contract.success_fields) or 'the result'}",
                                   found=text_found(resp))
            elif isinstance(body, dict) and any(k in body for k in contract.error_fields):
                yield view.finding(i, pointer="/error", expected="no error in a 200 answer (a failure is answered 503)",
                                   found=f"status 200 with {show(body.get('error'))}")
        elif status == 503:
            if not resp.has_json:
                yield view.finding(i, pointer="", expected="a JSON body {\"error\": {...}}", found=text_found(resp))
            elif not (isinstance(body, dict) and any(k in body for k in contract.error_fields)):
                yield view.finding(i, pointer="", expected="an error in a 503 answer", found=show(body))
        elif i == 0:
            if not isinstance(body, dict) or not isinstance(body.get("location"), str):
                found = show(body.get("location")) if isinstance(body, dict) and "location" in body else "no location"
                yield view.finding(i, pointer="/location", expected="a job location (string) in the 202 answer", found=found)
        elif not (resp.is_empty or body == {}):
            yield view.finding(i, pointer="", expected="{} (or an empty body) while the job runs",
                               found=text_found(resp) if not resp.has_json else show(body))


def text_found(resp: Response) -> str:
    """A non-JSON body, shortened: ``an empty body`` or ``text '...'``."""
    if resp.is_empty:
        return "an empty body"
    text = " ".join((resp.text or "").split())
    return f"text {text[:60]!r}" + ("..." if len(text) > 60 else "")


def answer_found(resp: Response) -> str:
    """What an answer held, whatever its body: ``status 404 with text '...'``, ``status 500 with
    {...} (object)``, ``status 404 with an empty body``."""
    return f"status {resp.status} with {show(resp.body) if resp.has_json else text_found(resp)}"


@check("job-polling", "an asynchronous call ends: its polls answer 202 until a final 200 or 503", needs_http=True)
def job_polling(view: View) -> Iterator[Finding]:
    exchange = view.exchange
    if not is_async(exchange):
        return
    for i, step in enumerate(exchange.steps[1:], start=1):
        if step.response.status not in (200, 202, 503):
            yield view.finding(i, pointer="", expected="202, 200 or 503 from the job", found=answer_found(step.response))
            return
    if exchange.final.response.status == 202:
        yield view.finding(len(exchange.steps) - 1, pointer="", expected="the job to finish (200 or 503)",
                           found=f"still running after {len(exchange.steps) - 1} poll(s)")


UNKNOWN_API = reported("unknown-api", "strict runs only: every ZStack API call is one of an API whose schemas are known",
                       applies_to=(RECORDED, LIVE, PROBE))
