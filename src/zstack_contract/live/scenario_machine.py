"""A scenario (:mod:`.scenarios`) run as a Hypothesis rule-based state machine against a target:
rules create, act, read, query and delete, in any order the model of the resources the sequence
made allows; every answer is held to the contract (the named checks of every exchange, the
step's expected answer, the model's invariants: the inventory is the resource acted on, in the
state the model says; a create's resource is found by the query; a deleted one is gone, or in the
state the node keeps). A failing sequence is shrunk by Hypothesis to the shortest one; the
failure text holds its requests as curl lines, the session masked as ``<session>``.

Everything a sequence created is deleted at its end (the machine's teardown, which Hypothesis
runs in a ``finally``: also when a step fails or the run is interrupted), and the resources it
only names (those of other types its steps require) are never acted on. Budgets: the client's
(``--zstack-max-requests``, ``--zstack-rate``, ``--zstack-max-time``); each step holds back
:data:`CLEANUP_REQUESTS` requests per resource alive for that cleanup; once the budget is spent
the machine stops, cleans up and passes (the run reports the work not done).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ..checks.expected import EXPECTED_ANSWER, error_codes, expect
from ..checks.finding import Finding
from ..checks.registry import LIVE
from ..contract.graph import answer_inventory
from ..contract.lifecycle import state_of
from ..facts.ids import NEW_RESOURCE_UUID, new_uuid
from ..findings.baseline import is_new
from .cases import Shape, build
from .client import BudgetSpent, Call, ClientError, RunTimeSpent
from .curl import curl
from .made import Made, run_tag
from .outcomes import Skipped
from .queries import listed, oldest_first, query_path
from .scenarios import (
    CREATE,
    Scenario,
    Step,
    Transcript,
    after,
    expected,
    needed,
    uuids_of_type,
    values_for,
)

MAX_MADE = 3  # resources a sequence keeps alive at once
CLEANUP_REQUESTS = 6  # requests held back per resource alive: its delete, an expunge, their polls
SESSION_MASK = "<session>"
FOUND = 5  # resources of a type looked up, to name in steps
DEFAULT_EXAMPLES, DEFAULT_STEPS = 5, 8  # sequences per scenario, steps per sequence (the plugin's defaults)


class _Spent(BaseException):
    """The run's budget stopped the machine: not a failure for Hypothesis to shrink (it lets a
    BaseException through, after the teardown); the run reports the work not done."""


class ScenarioRun:
    """One scenario against the target of ``live`` (a :class:`~.session.BoundLive`), its exchanges
    held by ``run`` (the session's contract run: its ``validation`` and ``redactor``). Every create
    carries the run's tag (:func:`~.made.run_tag`): ``run_id``'s, else the run id of the session's
    positive cases (``live.provisioner``), else a new one."""

    def __init__(self, live, run, scenario: Scenario, *, examples: int = DEFAULT_EXAMPLES, steps: int = DEFAULT_STEPS,
                 run_id: str = ""):
        self.live, self.run, self.scenario = live, run, scenario
        self.contracts = run.validation.contracts
        self.examples, self.steps = examples, steps
        provisioner = getattr(live, "provisioner", None)
        self.tag = run_tag(run_id or (provisioner.run_id if provisioner is not None else new_uuid()))
        self.found: dict[str, list[str]] = {}
        self.borrowed: dict[str, str] = {}  # type -> the query whose inventories named the ones found
        self.spent: str | None = None  # why the budget stopped the machine
        self.first_failure: str | None = None  # the text of the first sequence that failed
        self._recorded: set[str] = set()
        self._made = 0

    def __repr__(self) -> str:
        return f"<scenario of {self.scenario.id}>"

    # -- running --------------------------------------------------------------------------------
    def play(self) -> str | None:
        """Run the machine: None when every sequence held, else the failure text (the shrunk
        sequence's). Skipped when no create can name the resources it requires."""
        steps = self._usable()
        creates = [s for s in steps if s.role == CREATE]
        if not creates:
            wanted = sorted({n.resource for s in self.scenario.creates for n in needed(self.contracts, s.api, s)} - set(self.found))
            raise Skipped(f"no {' or '.join(wanted)} found on the target to name in {', '.join(s.api for s in self.scenario.creates)}")
        machine = _machine(self, steps)
        chosen = settings(max_examples=self.examples, stateful_step_count=self.steps, deadline=None,
                          phases=[p for p in Phase if p is not Phase.explain], suppress_health_check=list(HealthCheck))
        try:
            run_state_machine_as_test(machine, settings=chosen)
        except BaseException as exc:
            if self.spent is not None and not isinstance(exc, KeyboardInterrupt):
                # Stopped by the budget (Hypothesis may take the stop for flakiness): the first
                # failure met, unshrunk, else none (the run reports the work not done).
                return self.first_failure
            if isinstance(exc, AssertionError):
                return _text(exc)
            if isinstance(exc, BaseExceptionGroup):  # Hypothesis found distinct failures: each its own shortest sequence
                failures, others = exc.split(AssertionError)
                if others is None and failures is not None:
                    return "\n\n".join(_text(e) for e in failures.exceptions)
            raise
        return None

    def _usable(self) -> list[Step]:
        """The steps whose required resources of other types are found (looked up once)."""
        wanted = {n.resource for s in self.scenario.steps() for n in needed(self.contracts, s.api, s)}
        for resource in sorted(wanted):
            self.found[resource] = self._find(resource)
        self.found = {k: v for k, v in self.found.items() if v}
        return [s for s in self.scenario.steps() if all(n.resource in self.found for n in needed(self.contracts, s.api, s))]

    def _find(self, resource: str) -> list[str]:
        """Uuids of resources of a type: its query's, else those the inventories of the family's
        own query name."""
        family = self.contracts.graph.family(resource)
        query = self.contracts.get(family.query) if family and family.query else None
        own = query is not None
        query = query or self.scenario.query
        if query is None:
            return []
        try:
            call = self.live.live.client.request("GET", query_path(query), params=[("limit", str(FOUND if own else 20)), *oldest_first(query)],
                                                 api=query.api, note=f"find a {resource}")
        except ClientError:
            return []
        inventories = listed(call)
        if inventories is None:
            return []
        if own:
            return [i["uuid"] for i in inventories if isinstance(i, dict) and isinstance(i.get("uuid"), str)][:FOUND]
        self.borrowed[resource] = query.api
        return uuids_of_type(inventories, resource)[:FOUND]

    # -- one request ----------------------------------------------------------------------------
    def send(self, seq: Transcript, step: Step, made: Made | None, note: str, cleanup: bool = False, **extra) -> Call | None:
        """Send a step's request; None when the budget stopped it (nothing more is sent then)."""
        contract = self.contracts.get(step.api)
        values = values_for(contract, step, made, **extra)
        for n in needed(self.contracts, step.api, step):
            values[n.param] = self.found[n.resource][:1] if n.many else self.found[n.resource][0]
        req = build(Shape.of(contract), values=values)
        alive = sum(1 for m in seq.made if not m.gone)
        reserve = 1 if cleanup else 1 + CLEANUP_REQUESTS * alive
        try:
            call = self.live.live.client.request(req.method, req.path, params=req.params, json_body=req.body, api=step.api,
                                                 note=note, reserve=reserve)
        except (BudgetSpent, RunTimeSpent) as exc:
            return self._stop(str(exc), cleanup)
        except ClientError as exc:
            if cleanup:
                return None
            raise AssertionError(self.report(seq, f"{step.api} got no answer: {self.run.redactor.text(str(exc))}", [])) from None
        if isinstance(call.error, (BudgetSpent, RunTimeSpent)):
            return self._stop(str(call.error), cleanup)
        call.exchange.source = self.live.test_id
        seq.lines.append(curl(call, self.run.redactor, SESSION_MASK))
        return call

    def _stop(self, why: str, cleanup: bool) -> None:
        """The budget is spent: the machine stops (the clean-up goes on with what it held back)."""
        self.spent = why
        if not cleanup:
            raise _Spent(why)

    def judge(self, seq: Transcript, call: Call, api: str, expectations: dict, extra: list[Finding], what: str) -> None:
        """Hold an answer to the contract, the step's expectations and ``extra`` findings; a new
        violation fails the sequence (an AssertionError: Hypothesis shrinks it)."""
        v = self.run.validation
        findings = v.check(call.exchange, [*expect(call.exchange, api, **expectations), *extra], keep=False, origin=LIVE)
        fresh = [f for f in findings if f.fingerprint not in self._recorded]  # each sequence repeats the known ones
        self._recorded.update(f.fingerprint for f in fresh)
        v.keep(fresh)
        new = [f for f in findings if is_new(f, v.baseline)]
        if new:
            raise AssertionError(self.report(seq, what, new))

    def report(self, seq: Transcript, what: str, new: list[Finding]) -> str:
        red = self.run.redactor
        lines = [f"scenario of {self.scenario.id}: {what}"]
        lines += [f"  {red.text(f.message())}" for f in new]
        lines.append(f"the requests of this sequence, the shortest Hypothesis found, one curl line each (the session is {SESSION_MASK}):")
        lines += [f"  {line}" for line in seq.lines]
        return "\n".join(lines)

    def finding(self, call: Call, api: str, pointer: str, wanted: str, found: str) -> Finding:
        return EXPECTED_ANSWER.finding(file=call.exchange.source, api=api, step=len(call.exchange.steps) - 1, pointer=pointer,
                                       expected=wanted, found=found)

    # -- the steps ------------------------------------------------------------------------------
    def create(self, seq: Transcript, step: Step) -> None:
        contract = self.contracts.get(step.api)
        self._made += 1
        params = {p.name for p in Shape.of(contract).params}
        name = f"zstack-contract-{self.scenario.id}-{self._made}" if "name" in params else None
        given = new_uuid() if NEW_RESOURCE_UUID in params else None
        made = Made(self.scenario.id, given, step.api, name)
        if given:  # before the answer: the teardown deletes it whatever becomes of the request
            seq.made.append(made)
        call = self.send(seq, step, None, f"scenario {self.scenario.id}: create", name=name, tags=(self.tag,), new_uuid=given)
        if not given and call is not None:
            seq.made.append(made)
        if call is None:
            return
        borrowed = [n for n in needed(self.contracts, step.api, step) if n.resource in self.borrowed]
        if borrowed and call.final.status == 503 and "SYS.1003" in error_codes(call.final.body if call.final.has_json else None):
            n = borrowed[0]
            raise Skipped(f"{step.api} needs a {n.resource} ({n.param}): the one {self.borrowed[n.resource]}'s inventories name "
                          f"does not exist on the target (SYS.1003), and no query of the contract lists them")
        extra = []
        inv = answer_inventory(contract, call.final.body if call.final.has_json else None, self.scenario.id)
        if call.final.status == 200 and inv is not None:
            uuid = inv[1].get("uuid")
            if not isinstance(uuid, str) or not uuid or (given and uuid != given):
                extra.append(self.finding(call, step.api, f"/{inv[0]}/uuid",
                                          f"the uuid of the {self.scenario.id} made" + (" (the resourceUuid given)" if given else ""),
                                          _uuid_found(uuid, inv[1])))
            else:
                made.uuid = uuid
            made.state = state_of(inv[1])
        self.judge(seq, call, step.api, dict(final=200), extra, f"{step.api} (a create) broke the contract:")
        if made.uuid is not None:
            self.look(seq, [made], f"after {step.api}")

    def on(self, seq: Transcript, step: Step, made: Made) -> None:
        """An action, read or delete of a resource the sequence made."""
        contract = self.contracts.get(step.api)
        wanted = expected(step, made, bool(needed(self.contracts, step.api, step)))
        before = made.state
        call = self.send(seq, step, made, f"scenario {self.scenario.id}: {step.role}")
        if call is None:
            return
        extra = []
        if call.final.status == 200 and (wanted.succeeds or 200 in _statuses(wanted.expectations.get("final"))):
            after(step, made)
            inv = answer_inventory(contract, call.final.body if call.final.has_json else None, self.scenario.id)
            if inv is not None and inv[1].get("uuid") != made.uuid:
                extra.append(self.finding(call, step.api, f"/{inv[0]}/uuid", f"the uuid of the {self.scenario.id} acted on",
                                          _uuid_found(inv[1].get("uuid"), inv[1])))
            elif inv is not None and made.state and not made.gone and isinstance(inv[1].get("state"), str) and inv[1]["state"] != made.state:
                extra.append(self.finding(call, step.api, f"/{inv[0]}/state", f"state {made.state} (the model's, after {step.api})", inv[1]["state"]))
        in_state = f" in state {before}" if before else ""
        self.judge(seq, call, step.api, wanted.expectations, extra,
                   f"{step.api} on a {self.scenario.id}{in_state} broke the contract (expected {wanted.words}):")
        if call.final.status == 200 and (step.removes or step.sets) and made.uuid:
            self.look(seq, [made], f"after {step.api}")

    def look(self, seq: Transcript, made: list[Made], why: str) -> None:
        """Query the family for the resources ``made``: each one alive is found, in the model's
        state; each gone is not."""
        query = self.scenario.query
        if query is None:
            return
        uuids = [m.uuid for m in made if m.uuid]
        condition = f"uuid={uuids[0]}" if len(uuids) == 1 else f"uuid?={','.join(uuids)}"
        try:
            call = self.live.live.client.request("GET", query_path(query), params=[("q", condition)], api=query.api,
                                                 note=f"scenario {self.scenario.id}: query",
                                                 reserve=1 + CLEANUP_REQUESTS * sum(1 for m in seq.made if not m.gone))
        except (BudgetSpent, RunTimeSpent) as exc:
            return self._stop(str(exc), False)
        except ClientError as exc:
            raise AssertionError(self.report(seq, f"{query.api} got no answer: {self.run.redactor.text(str(exc))}", [])) from None
        call.exchange.source = self.live.test_id
        seq.lines.append(curl(call, self.run.redactor, SESSION_MASK))
        inventories = listed(call)
        extra = []
        if inventories is not None:
            by_uuid = {i.get("uuid"): (n, i) for n, i in enumerate(inventories) if isinstance(i, dict)}
            for m in made:
                if not m.uuid:
                    continue
                if m.gone and m.uuid in by_uuid:
                    extra.append(self.finding(call, query.api, f"/inventories/{by_uuid[m.uuid][0]}",
                                              f"no {self.scenario.id} of the uuid asked for (it was removed)", "it is listed"))
                elif not m.gone and m.uuid not in by_uuid:
                    extra.append(self.finding(call, query.api, "/inventories",
                                              f"the {self.scenario.id} of the uuid asked for{' in state ' + m.state if m.state else ''}", "not listed"))
                elif not m.gone and m.state and by_uuid[m.uuid][1].get("state") != m.state:
                    n, inv = by_uuid[m.uuid]
                    extra.append(self.finding(call, query.api, f"/inventories/{n}/state", f"state {m.state} (the model's)", repr(inv.get("state"))))
        self.judge(seq, call, query.api, dict(final=200), extra, f"{query.api} {why} broke the contract:")

    def teardown(self, seq: Transcript) -> list[str]:
        """Delete what the sequence made; what is left behind, in words (a resource whose uuid the
        node never said, one no delete took)."""
        left = []
        for made in seq.made:
            if made.uuid is None and not made.gone:
                left.append(made.describe())
                continue
            for step in [] if made.gone else self.scenario.cleanup(made.state, self.contracts):
                call = self.send(seq, step, made, f"scenario {self.scenario.id}: clean up", cleanup=True)
                if call is None or call.final.status != 200:
                    break
                after(step, made)
            if not made.gone and made.state not in self.scenario.kept:
                left.append(made.describe())
        return left


def _uuid_found(uuid: Any, inventory: dict) -> str:
    """What an answer had for a uuid, in words the same every run (the uuids are new each run)."""
    if "uuid" not in inventory:
        return "absent"
    return "another uuid" if isinstance(uuid, str) and uuid else repr(uuid)


def _text(exc: BaseException) -> str:
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


def _statuses(final: Any) -> tuple:
    return final if isinstance(final, tuple) else (final,)


class _Machine(RuleBasedStateMachine):
    """The rules of every scenario; :func:`_machine` makes a subclass per scenario with the steps
    as the strategies' choices."""

    scenario_run: ScenarioRun
    by_api: dict[str, Step]

    def __init__(self):
        super().__init__()
        self.seq = Transcript()
        self.failure: BaseException | None = None  # what ended a step, if one did

    def alive(self) -> list[Made]:
        return [m for m in self.seq.made if not m.gone and m.uuid]

    def _do(self, fn, *args) -> None:
        try:
            fn(self.seq, *args)
        except BaseException as exc:  # a failure, or an interruption: the teardown says what it left behind, but raises nothing of its own
            self.failure = exc
            if isinstance(exc, AssertionError) and self.scenario_run.first_failure is None:
                self.scenario_run.first_failure = str(exc)
            raise

    def create(self, api: str) -> None:
        self._do(self.scenario_run.create, self.by_api[api])

    def act(self, api: str, pick: int) -> None:
        alive = self.alive()
        self._do(self.scenario_run.on, self.by_api[api], alive[pick % len(alive)])

    read = act
    delete = act

    def query(self) -> None:
        made = [m for m in self.seq.made if m.uuid]
        self._do(lambda seq: self.scenario_run.look(seq, made, "of what the sequence made"))

    def teardown(self) -> None:
        left = self.scenario_run.teardown(self.seq)
        if not left:
            return
        words = f"left behind: {'; '.join(left)}"
        if isinstance(self.failure, AssertionError):  # the step's failure stays what the test reports; this adds to it
            self.failure.args = (f"{self.failure.args[0]}\n{words}" if self.failure.args else words,)
        elif self.failure is None:
            raise AssertionError(self.scenario_run.report(self.seq, f"the clean-up failed: {words}", []))


def begin(self, api: str) -> None:
    """Every sequence starts with a resource made: the other steps need one."""
    _Machine.create(self, api)


def _machine(scenario_run: ScenarioRun, steps: list[Step]) -> type:
    """A state machine class of the scenario's usable steps."""
    by_role: dict[str, list[str]] = {}
    for s in steps:
        by_role.setdefault(s.role, []).append(s.api)
    pick = st.integers(0, MAX_MADE - 1)
    ns: dict[str, Any] = {"scenario_run": scenario_run, "by_api": {s.api: s for s in steps}}

    def wrap(base, name: str, pre, **args):
        def method(self, **kw):
            return base(self, **kw)

        method.__name__ = method.__qualname__ = name
        return precondition(pre)(rule(**args)(method))

    ns["begin"] = initialize(api=st.sampled_from(by_role["create"]))(begin)
    ns["create"] = wrap(_Machine.create, "create", lambda self: len([m for m in self.seq.made if not m.gone]) < MAX_MADE,
                        api=st.sampled_from(by_role["create"]))
    for role in ("act", "read", "delete"):
        if by_role.get(role):
            ns[role] = wrap(_Machine.act, role, lambda self: bool(self.alive()), api=st.sampled_from(by_role[role]), pick=pick)
    if scenario_run.scenario.query is not None:
        ns["query"] = wrap(_Machine.query, "query", lambda self: any(m.uuid for m in self.seq.made))
    return type(f"{scenario_run.scenario.id}Scenario", (_Machine,), ns)
