"""What a probe's answer must be, by the kind of body it sent (protocol facts):

* valid bodies (and unknown top-level keys, which the protocol ignores) for a resource that does
  not exist: ``503`` with ``SYS.1003``, at once or as a job's end, as the page does not say which
  (:data:`VALID_EXPECTATION`, judged by ``expected-answer``); every answer through the named checks;
* invalid bodies: never a 2xx (check ``probe-accepted:<kind>``), and the rejection a sensible
  contract gives, a 4xx (check ``probe-status:<kind>``). Where a real node answers otherwise (500
  for a body it cannot parse), the project's baseline lists it with its reason.

Each kind has checks of its own, so a baseline entry for one departure can never hide another.
"""

from __future__ import annotations

from ..facts.words import with_article
from ..inputs.exchange import Exchange
from .finding import Finding
from .registry import PROBE, Check, reported

VALID_KINDS = ("valid", "unknown-key")
INVALID_KINDS = ("no-action-key", "action-not-object", "tags-not-list", "tag-item-not-string", "not-json", "empty-body")
VALID_EXPECTATION = dict(final=503, codes=("SYS.1003",))

ACCEPTED: dict[str, Check] = {
    kind: reported(f"probe-accepted:{kind}", f"{with_article(kind)} request body is never accepted (no 2xx)", applies_to=(PROBE,))
    for kind in INVALID_KINDS
}
STATUS: dict[str, Check] = {
    kind: reported(f"probe-status:{kind}", f"{with_article(kind)} request body is refused with a 4xx", applies_to=(PROBE,))
    for kind in INVALID_KINDS
}


def judge_invalid(kind: str, exchange: Exchange, api: str | None) -> list[Finding]:
    """Findings for the answer to an invalid body of ``kind`` (the shared checks run on it too)."""
    status = exchange.call.response.status
    if 200 <= status < 300:
        return [ACCEPTED[kind].finding(file=exchange.source, api=api, step=0, pointer="",
                                       expected=f"a rejection of {with_article(kind)} body, never a 2xx", found=f"status {status}")]
    if not 400 <= status < 500:
        return [STATUS[kind].finding(file=exchange.source, api=api, step=0, pointer="",
                                     expected=f"a 4xx rejection of {with_article(kind)} body", found=f"status {status}")]
    return []
