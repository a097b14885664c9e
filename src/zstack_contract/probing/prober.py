"""Sending probes: generated bodies for one API, to a resource that does not exist, each answer
held to the contract for its kind (:mod:`zstack_contract.checks.probe_answers`); a break is shrunk
by Hypothesis and reported with a ready-to-run ``curl`` command."""

from __future__ import annotations

import json

from ..checks.expected import expect
from ..checks.finding import Finding
from ..checks.probe_answers import VALID_EXPECTATION, judge_invalid
from ..checks.registry import PROBE
from ..facts.ids import names_existing_resource, new_uuid
from ..findings.baseline import is_new
from ..live.client import BudgetSpent, Call, ClientError, JobTimeout, RunTimeSpent
from ..live.curl import curl
from .strategies import Probe

EMPTY_MESSAGE = ("no-action-key", "empty-body")  # kinds of body an API on a path of its own takes as a message with nothing in it


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


def resource_route(contract):
    """The route that acts on one resource (a uuid naming one in its path), or None."""
    return next((r for r in contract.routes if _path_resources(r)), None)


def _path_resources(route) -> list[str]:
    return [p for p in route.params if names_existing_resource(p)]


def acts_on(contract, contracts) -> str | None:
    """The collection of the resource a probe of ``contract`` goes to (contract.resources), if known."""
    route = resource_route(contract)
    named = contracts.resources.of_param(_path_resources(route)[0], route.template, contract.api) if route else None
    return named.name if named else None


def names_other_resources(contract) -> bool:
    """Whether a body may name resources besides the one in the path (an ISO to attach, a host to
    migrate to): such a body to an existing resource still names ones that do not exist."""
    route = resource_route(contract)
    path = _path_resources(route) if route else []
    return len(path) > 1 or any(p.names_resource and p.name not in path for p in contract.parameters)


class Prober:
    """Sends probes for one API to a resource that does not exist and holds each answer to the
    contract; a break raises AssertionError (so Hypothesis shrinks it) with a replayable report."""

    def __init__(self, live, contract, run, test_id: str):
        self.live, self.contract, self.run, self.test_id = live, contract, run, test_id
        self.route = resource_route(contract)
        self.method = self.route.method
        self.missing = new_uuid()  # one resource that does not exist, for the whole test
        # Whether another API serves the route's path too: the node then picks the API by the body's
        # key, and refuses a body without one (RestServer.handleNonUniqueApi); on a path of its own,
        # a body without its parameter structure, or no body, is an empty message (handleUniqueApi).
        # Only a PUT is told apart by its key: a POST, GET or DELETE on a shared path is the API of
        # that method, reading its parameters as on a path of its own. A node may serve APIs the
        # contract lacks: a PUT on a path no other API of the contract shares may still be refused.
        self.shared = self.method == "PUT" and any(other.api != contract.api and any(r.shape == self.route.shape for r in other.routes)
                                                   for other in run.validation.contracts)
        self._recorded: set[str] = set()
        # The first probe the target hung on (no answer, or a job that never ended) and why: later
        # probes are not sent, so that shrinking does not wait out a hang for every body it tries.
        self.hung: str | None = None

    def __repr__(self) -> str:  # how Hypothesis names the fixture in a failing case
        return f"<probes of {self.contract.api}>"

    def path(self, resource: str | None = None) -> str:
        p = self.route.template
        for name in self.route.params:
            p = p.replace("{" + name + "}", resource or self.missing)
        return p

    def send(self, probe: Probe, resource: str | None = None, expectation: dict | None = None) -> None:
        """Send one probe and judge its answers; a break is an AssertionError whose text is the
        whole report (pytest shows it without this method's source)."""
        __tracebackhide__ = True
        if self.hung is not None:
            raise AssertionError(f"probe {probe.kind} not sent: the target hung on an earlier probe of this test:\n{self.hung}")
        client = self.live.live.client
        try:
            call = client.request(self.method, self.path(resource), raw_body=probe.body, api=self.contract.api, note=f"probe: {probe.kind}")
        except (BudgetSpent, RunTimeSpent):
            return  # the budget holds: nothing more is sent, nothing is judged
        except ClientError as exc:  # no answer in time: a hang is a contract break too
            self.hung = f"probe {probe.kind} got no answer: {self.run.redactor.text(str(exc))}\nbody: {probe.body[:500]!r}"
            raise AssertionError(self.hung) from None
        if isinstance(call.error, (BudgetSpent, RunTimeSpent)):
            return
        call.exchange.source = self.test_id
        if probe.valid or (probe.kind in EMPTY_MESSAGE and not self.shared and not self._refused(call)):
            extra = expect(call.exchange, self.contract.api, **(expectation or self.expectation(probe)))
        else:
            extra = judge_invalid(probe.kind, call.exchange, self.contract.api)
        v = self.run.validation
        findings = v.check(call.exchange, extra, keep=False, origin=PROBE)
        # Every example of a known departure would repeat its finding: keep each fingerprint once.
        fresh = [f for f in findings if f.fingerprint not in self._recorded]
        self._recorded.update(f.fingerprint for f in fresh)
        v.keep(fresh)
        new = [f for f in findings if is_new(f, v.baseline)]
        if new:
            report = self.report(probe, call, new)
            if isinstance(call.error, JobTimeout):
                self.hung = report
            raise AssertionError(report)

    def _refused(self, call: Call) -> bool:
        """A PUT refused at the HTTP layer (no API took it: not an answer of one, 200, 202 or
        503): what a path shared with APIs the contract may not have does."""
        return self.method == "PUT" and call.exchange.call.response.status not in (200, 202, 503)

    def expectation(self, probe: Probe) -> dict:
        """What the node answers a probe for the resource that does not exist: ``SYS.1003``, or
        the empty success of an API that succeeds on a missing resource; an empty message (no
        parameter structure on a path of its own) may first lack a mandatory field (``SYS.1007``)."""
        codes = ("SYS.1007", "SYS.1003") if not probe.valid else ("SYS.1003",)
        if self.contract.missing_resource == "success":
            return dict(final=(200, 503), codes=codes)
        return dict(VALID_EXPECTATION, codes=codes)

    def report(self, probe: Probe, call: Call, new: list[Finding]) -> str:
        red = self.run.redactor
        body = probe.body.decode("utf-8", "replace")
        lines = [f"probe {probe.kind} broke the contract:"]
        lines += [f"  {red.text(f.message())}" for f in new]
        lines += [f"body ({len(probe.body)} bytes): {body[:500]!r}{'...' if len(body) > 500 else ''}", "answers:", red.text(answers(call)),
                  "replay (export ZSTACK_SESSION first):", f"  {curl(call, red)}",
                  "Hypothesis shrank this body; its seed and a @reproduce_failure line are printed below."]
        return "\n".join(lines)
