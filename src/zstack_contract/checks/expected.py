"""What a live test or a probe expects of an answer, as findings of the check ``expected-answer``,
so a wrong status or error code is reported, baselined and recorded like any contract break."""

from __future__ import annotations

import json
from typing import Any, Iterator

from ..facts.oneline import FIELD, one_line
from ..inputs.exchange import Exchange
from .finding import Finding
from .protocol import answer_found
from .registry import LIVE, PROBE, reported

EXPECTED_ANSWER = reported("expected-answer", "the answer is the one the test expects (status, error code, text, fields)",
                           applies_to=(LIVE, PROBE))


def error_codes(body: Any) -> list[str]:
    """Codes along an error's cause chain: SYS.1000 -> VM.1014 -> ..., and of an error whose
    details are another error's text (a node's internal error wrapping an exception's error, as
    ``{"code":"VM.1014",...}``), that error's codes next."""
    out: list[str] = []
    err = body.get("error") if isinstance(body, dict) else None
    while isinstance(err, dict) and len(out) < 20:
        if isinstance(err.get("code"), str):
            out.append(err["code"])
        err = err.get("cause") if err.get("cause") is not None else _error_in(err.get("details"))
    return out


def _error_in(details: Any) -> dict | None:
    """The error a details text is, when it is one written as JSON."""
    if not isinstance(details, str) or not details.startswith("{"):
        return None
    try:
        inner = json.loads(details)
    except ValueError:
        return None
    return inner if isinstance(inner, dict) and isinstance(inner.get("code"), str) else None


def error_said(body: Any) -> str | None:
    """What an API error says, on one line: its code, description and details
    (``ID.1000 Unable to authenticate a user: wrong account name or password``); None for a body with no error."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict) or not isinstance(err.get("code"), str):
        return None
    words = [err[k] for k in ("description", "details") if isinstance(err.get(k), str) and err[k]]
    return one_line(" ".join([err["code"], ": ".join(words)]).strip(), FIELD)


def expect(
    exchange: Exchange,
    api: str | None,
    *,
    first: int | tuple[int, ...] | None = None,
    final: int | tuple[int, ...] | None = None,
    codes: tuple[str, ...] = (),
    text: str | None = None,
    present: tuple[str, ...] = (),
) -> list[Finding]:
    """Findings for each expectation the exchange does not meet.

    ``first``: the status of the call's answer; ``final``: of the last answer (each a status, or
    the statuses allowed); ``codes``: one of them must appear in the final error's cause chain
    (when the final answer is a 503 or codes are all that is asked); ``text``: the final plain-text
    body; ``present``: JSON pointers that must exist in the final body.
    """
    return list(_expect(exchange, api, first, final, codes, text, present))


def _resolve(doc: Any, pointer: str) -> bool:
    for part in pointer.strip("/").split("/"):
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return False
    return True


def _expect(exchange, api, first, final, codes, text, present) -> Iterator[Finding]:
    last = len(exchange.steps) - 1

    def finding(step, pointer, expected, found):
        return EXPECTED_ANSWER.finding(file=exchange.source, api=api, step=step, pointer=pointer, expected=expected, found=found)

    call = exchange.call.response
    if first is not None and call.status not in _statuses(first):
        yield finding(0, "", f"status {_words(first)}", answer_found(call))
        return
    resp = exchange.final.response
    if final is not None and resp.status not in _statuses(final):
        yield finding(last, "", f"status {_words(final)} at the end", answer_found(resp))
        return
    if codes and (final is None or resp.status == 503):
        chain = error_codes(resp.body if resp.has_json else None)
        if not set(chain) & set(codes):
            yield finding(last, "/error/code", f"error code {' or '.join(codes)} (in the cause chain)", " -> ".join(chain) or answer_found(resp))
    if text is not None and (resp.has_json or text not in (resp.text or "")):
        yield finding(last, "", f"plain text {text!r}", answer_found(resp))
    for pointer in present:
        if not (resp.has_json and _resolve(resp.body, pointer)):
            yield finding(last, pointer, "present", "absent")


def _statuses(wanted: int | tuple[int, ...]) -> tuple[int, ...]:
    return wanted if isinstance(wanted, tuple) else (wanted,)


def _words(wanted: int | tuple[int, ...]) -> str:
    return " or ".join(map(str, _statuses(wanted)))
