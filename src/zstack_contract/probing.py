"""Judging probe answers: what each kind of body must get, as findings, and how to replay it.

The contract for a probe, by kind (protocol facts):

* valid bodies (and unknown top-level keys, which the protocol ignores) for a resource that does
  not exist: 202, then the job ends 503 with ``SYS.1003``; every answer through the named checks;
* invalid bodies: never a 2xx (check ``probe-accepted:<kind>``), and the rejection a sensible
  contract gives, a 4xx (check ``probe-status:<kind>``). Where a real node answers otherwise (500
  for a body it cannot parse), the project's baseline lists it with its reason.

Each kind has its own check names, so a baseline entry for one departure can never hide another.
"""

from __future__ import annotations

import json
import shlex

from .client import BudgetSpent, Call, ClientError, new_uuid
from .contracts import is_resource_param
from .expectations import expect
from .findings import Finding
from .redaction import Redactor
from .strategies import Probe

VALID_EXPECTATION = dict(first=202, final=503, codes=("SYS.1003",))


def judge_invalid(probe: Probe, call: Call, api: str | None, source: str) -> list[Finding]:
    """Findings for an invalid body's answer (the shared checks run on it too)."""
    resp = call.exchange.call.response
    status = resp.status

    def finding(check: str, expected: str) -> Finding:
        return Finding(check=f"{check}:{probe.kind}", file=source, api=api, step=0, pointer="",
                       expected=expected, found=f"status {status}")

    if 200 <= status < 300:
        return [finding("probe-accepted", f"a rejection of a {probe.kind} body, never a 2xx")]
    if not 400 <= status < 500:
        return [finding("probe-status", f"a 4xx rejection of a {probe.kind} body")]
    return []


def curl(call: Call, redactor: Redactor | None = None) -> str:
    """A ready-to-run curl command for the call's request; the session comes from $ZSTACK_SESSION."""
    req = call.exchange.call.request
    words = ["curl -i -X", req.method]
    for k, v in req.headers.items():
        if k.lower() == "authorization":
            words += ["-H", '"Authorization: OAuth ${ZSTACK_SESSION}"']  # expanded by the shell
        else:
            words += ["-H", shlex.quote(f"{k}: {v}")]
    if req.has_json:
        words += ["--data-binary", shlex.quote(json.dumps(req.body, ensure_ascii=False))]
    elif req.text is not None:
        words += ["--data-binary", shlex.quote(req.text)]
    words.append(shlex.quote(req.url))
    line = " ".join(words)
    return redactor.text(line) if redactor else line


def answers(call: Call, limit: int = 160) -> str:
    """The answers of a call, one per line: status and a short body."""
    out = []
    for i, step in enumerate(call.exchange.steps):
        r = step.response
        if r.has_json:
            body = json.dumps(r.body, ensure_ascii=False)
        elif r.text:
            body = repr(r.text)
        else:
            body = "(empty)"
        out.append(f"  step {i}: {r.status} {body[:limit]}{'...' if len(body) > limit else ''}")
    return "\n".join(out)


def resource_endpoint(contract):
    """The endpoint that acts on one resource (a uuid in its path), or None."""
    return next((e for e in contract.endpoints if any(is_resource_param(p) for p in e.params)), None)


class Prober:
    """Sends probes for one API to a resource that does not exist and holds each answer to the
    contract; a break raises AssertionError (so Hypothesis shrinks it) with a replayable report."""

    def __init__(self, live, contract, run, test_id: str):
        self.live, self.contract, self.run, self.test_id = live, contract, run, test_id
        self.endpoint = resource_endpoint(contract)
        self.method = self.endpoint.method
        self.missing = new_uuid()  # one resource that does not exist, for the whole test
        self._recorded: set[str] = set()

    def path(self, resource: str | None = None) -> str:
        p = self.endpoint.template
        for name in self.endpoint.params:
            p = p.replace("{" + name + "}", resource or self.missing)
        return p

    def send(self, probe: Probe, resource: str | None = None, expectation: dict | None = None) -> None:
        client = self.live.live.client
        try:
            call = client.request(self.method, self.path(resource), raw_body=probe.body, api=self.contract.api, note=f"probe: {probe.kind}")
        except BudgetSpent:
            return  # the budget holds: nothing more is sent, nothing is judged
        except ClientError as exc:  # no answer in time: a hang is a contract break too
            raise AssertionError(f"probe {probe.kind} got no answer: {self.run.redactor.text(str(exc))}\n"
                                 f"body: {probe.body[:500]!r}") from None
        if isinstance(call.error, BudgetSpent):
            return
        call.exchange.source = self.test_id
        if probe.valid:
            extra = expect(call.exchange, self.contract.api, **(expectation or VALID_EXPECTATION))
        else:
            extra = judge_invalid(probe, call, self.contract.api, self.test_id)
        v = self.run.validation
        findings = v.check(call.exchange, extra, keep=False)
        # Every example of a known departure would repeat its finding: keep each fingerprint once.
        fresh = [f for f in findings if f.fingerprint not in self._recorded]
        self._recorded.update(f.fingerprint for f in fresh)
        v.keep(fresh)
        new = [f for f in findings if f.severity == "violation" and not (v.baseline and v.baseline.knows(f))]
        if new:
            raise AssertionError(self.report(probe, call, new))

    def report(self, probe: Probe, call: Call, new: list[Finding]) -> str:
        red = self.run.redactor
        body = probe.body.decode("utf-8", "replace")
        lines = [f"probe {probe.kind} broke the contract:"]
        lines += [f"  {red.text(f.message())}" for f in new]
        lines += [f"body ({len(probe.body)} bytes): {body[:500]!r}{'...' if len(body) > 500 else ''}", "answers:", red.text(answers(call)),
                  "replay (export ZSTACK_SESSION first):", f"  {curl(call, red)}",
                  "Hypothesis shrank this body; its seed and a @reproduce_failure line are printed below."]
        return "\n".join(lines)
