"""The generated live tests: for every API whose schemas are known, the cases its page makes
possible, each a request built from the schemas and what the answer must be (protocol facts).

| case | for | the request | the answer |
| --- | --- | --- | --- |
| ``unknown-resource`` | a resource uuid parameter | a well-formed uuid that names nothing | ``SYS.1003``; a delete may succeed instead (most do), unless the overlay pins it |
| ``missing-mandatory`` | a required parameter | without the first one | ``SYS.1007`` |
| ``invalid-value`` | a parameter with valid values | another value | ``SYS.1007`` |
| ``invalid-session`` | an API that needs a session | an unknown session | ``ID.1001`` |
| ``missing-authorization`` | likewise | no Authorization header | plain-text ``400 missing header 'Authorization'`` |
| ``tags-not-list`` | a body with ``systemTags`` | a string for the list | ``500`` (a node's documented departure) |
| ``success`` | every API but a query, that needs a session | valid values, and resources found or made through the resource graph (:mod:`.provision`) | its success answer, and the invariants of ``checks.invariants`` |
| ``query-nothing`` / ``query-limit`` / ``query-count`` | a query API | a condition no resource meets / ``limit=1`` / ``replyWithCount=true`` | ``200`` with no inventory / at most one / a ``total`` |
| ``read`` | a read of one resource, or one that needs no parameter | a resource the query API of what its uuid names finds (contract.resources; in a state the overlay lets the API read), or nothing | its success answer |

Whether an API answers at once or with a job the page does not say: either is taken (the client
polls a job to its end), and every answer goes through the same named checks as recorded ones.
Nothing here names an API: the method, templates, parameters, valid values and kind come from the
schemas. No case but ``success`` asks for a change: each names a resource that does not exist,
reads, or is refused before any work. ``success`` is destructive: it runs on a live node only with
the opt-in, and there only on resources the run made (the login and the other APIs that need no
session have their success in the run's own session). A refused request that names no missing resource (a create's, say) would
do its work on a node that, against its page, did not refuse it: such a case is ``destructive``
and runs on a live node only with the opt-in.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from ..checks.expected import EXPECTED_ANSWER
from ..contract.compiled import Contract, ContractSet
from ..contract.lifecycle import states_needed
from ..contract.parameters import Parameter
from ..facts.ids import is_uuid_param, new_uuid
from .outcomes import Skipped
from .queries import listed, query_path

CASES = ("unknown-resource", "missing-mandatory", "invalid-value", "invalid-session", "missing-authorization", "tags-not-list",
         "query-nothing", "query-limit", "query-count", "read", "success")
NOT_VALID = "zstack-contract-not-a-valid-value"


@dataclass(frozen=True)
class Shape:
    """How an API is called, from its request schema."""

    method: str
    template: str
    kind: str
    authorized: bool
    container: str | None  # the body structure the node dispatches on
    params: tuple[Parameter, ...]
    missing_resource: str | None  # the overlay's pin: "success" or "error"

    @classmethod
    def of(cls, contract: Contract) -> "Shape":
        route = contract.routes[0]
        return cls(route.method, route.template, contract.kind, contract.authorized,
                   contract.parameters.structure, contract.parameters.params, contract.missing_resource)

    def target(self) -> Parameter | None:
        """The resource uuid parameter an unknown-resource case names: the path's, else the first required one."""
        return next((p for p in self.params if p.where == "path" and p.names_resource), None) or \
            next((p for p in self.params if p.required and p.names_resource and p.where != "top"), None)


REFUSED = ("missing-mandatory", "invalid-value", "tags-not-list", "invalid-session", "missing-authorization")


@dataclass(frozen=True)
class Case:
    api: str
    name: str
    destructive: bool = False  # would change a resource on a node that did not refuse it

    @property
    def id(self) -> str:
        return f"{self.api}-{self.name}"


def cases_for(contract: Contract) -> list[Case]:
    shape = Shape.of(contract)
    names: list[str] = []
    if shape.kind == "query":
        names += ["query-nothing", "query-limit", "query-count"]
    else:
        if shape.target() is not None:
            names.append("unknown-resource")
        if any(p.required and p.where in ("body", "query") for p in shape.params):
            names.append("missing-mandatory")
        if any(p.schema.get("enum") and p.where in ("body", "query") for p in shape.params):
            names.append("invalid-value")
        if any(p.name == "systemTags" and p.where == "top" for p in shape.params):
            names.append("tags-not-list")
        if shape.kind == "get" and (any(p.where == "path" and p.names_resource for p in shape.params)
                                    or not any(p.required for p in shape.params)):
            names.append("read")
    if shape.authorized:
        names += ["invalid-session", "missing-authorization"]
        if shape.kind != "query":
            names.append("success")
    return [Case(contract.api, name, name == "success" or (name in REFUSED and not _names_a_missing_resource(shape, _left_out(shape, name))))
            for name in names]


def _left_out(shape: Shape, name: str) -> str | None:
    if name != "missing-mandatory":
        return None
    return next(p.name for p in shape.params if p.required and p.where in ("body", "query"))


def _names_a_missing_resource(shape: Shape, left_out: str | None) -> bool:
    """Whether the request :func:`build` makes names a resource (by a new uuid, so none that exists)."""
    return shape.method == "GET" or any(p.names_resource and p.name != left_out and (p.required or p.where == "path") and p.where != "top"
                                        for p in shape.params)


def matches(api: str, globs: list[str] | None) -> bool:
    return not globs or any(fnmatch.fnmatchcase(api, g) for g in globs)


def select(contracts: ContractSet, apis: list[str] | None, cases: list[str] | None) -> list[Case]:
    """Every case of every API, or those whose API matches a glob of ``apis`` and whose name is in ``cases``."""
    return [case for contract in contracts if matches(contract.api, apis)
            for case in cases_for(contract) if not cases or case.name in cases]


# -- requests -----------------------------------------------------------------------------------
def value_for(schema: dict[str, Any], name: str) -> Any:
    """A valid-looking value of a parameter (a uuid names no resource: it is new)."""
    kind = schema.get("type")
    if schema.get("enum"):
        return schema["enum"][0]
    if kind == "string":
        return new_uuid() if "pattern" in schema or is_uuid_param(name) else "zstack-contract"
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "array":
        item = value_for(schema.get("items", {}), name[:-1] if name.endswith("s") else name)
        return [item if item is not None else "zstack-contract"]
    if kind == "object":
        return {}
    return "zstack-contract"


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def build(shape: Shape, leave_out: str | None = None, values: dict[str, Any] | None = None) -> Request:
    """A request with every required parameter (but ``leave_out``), ``values`` overriding."""
    values = values or {}
    path = shape.template
    query: dict[str, Any] = {}
    body: dict[str, Any] | None = None if shape.method in ("GET", "DELETE") else {}
    if body is not None and shape.container:
        body[shape.container] = {}
    for p in shape.params:
        if p.name == leave_out or not (p.required or p.name in values):
            continue
        value = values[p.name] if p.name in values else value_for(p.schema, p.name)
        if p.where == "path":
            path = path.replace("{" + p.name + "}", str(value))
        elif p.where == "query":
            query[p.name] = value
        elif p.where == "body" and body is not None:
            body.setdefault(p.container, {})[p.name] = value
        elif body is not None:
            body[p.name] = value
    for p in shape.params:  # a path parameter left out still needs a place in the path
        path = path.replace("{" + p.name + "}", new_uuid())
    return Request(shape.method, path, query, body)


# -- running a case -------------------------------------------------------------------------------
def run(case: Case, contracts: ContractSet, live) -> str:
    """Send the case's request on ``live`` (a :class:`~.session.BoundLive`) and hold its answer;
    the outcome to report (:func:`outcome`)."""
    contract = contracts.get(case.api)
    shape = Shape.of(contract)
    name = case.name
    if name == "unknown-resource":
        target = shape.target()
        req = build(shape, values={target.name: [new_uuid()] if target.schema.get("type") == "array" else new_uuid()})
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, api=case.api)
        _unknown(shape, live, call)
    elif name == "missing-mandatory":
        req = build(shape, leave_out=_left_out(shape, name))
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, api=case.api)
        live.hold(call, final=503, codes=("SYS.1007",))
    elif name == "invalid-value":
        p = next(p for p in shape.params if p.schema.get("enum") and p.where in ("body", "query"))
        req = build(shape, values={p.name: [NOT_VALID] if p.schema.get("type") == "array" else NOT_VALID})
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, api=case.api)
        live.hold(call, final=503, codes=("SYS.1007",))
    elif name == "invalid-session":
        req = build(shape)
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, auth=new_uuid(), api=case.api)
        live.hold(call, final=503, codes=("ID.1001",))
    elif name == "missing-authorization":
        req = build(shape)
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, auth=False, api=case.api)
        live.hold(call, first=400, text="missing header 'Authorization'")
    elif name == "tags-not-list":
        req = build(shape)
        req.body["systemTags"] = "ephemeral::zstack-contract"
        call = live.call(req.method, req.path, json_body=req.body, api=case.api)
        live.hold(call, first=500)
    elif name == "success":
        call = live.provisioner.run_case(contract, live)
    elif name.startswith("query-"):
        call = _query(case, shape, live)
    else:  # read
        call = _read(case, shape, contracts, live)
    return outcome(call)


def outcome(call) -> str:
    """What the target answered in the end, in a word: ``succeeded`` (a 2xx), the error's code
    (``SYS.1003``), else ``status N``. Where a case takes either of two answers (a delete of
    nothing may succeed or say ``SYS.1003``), it tells which came."""
    final = call.final
    if 200 <= final.status < 300:
        return "succeeded"
    error = final.body.get("error") if final.has_json and isinstance(final.body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else f"status {final.status}"


def _unknown(shape: Shape, live, call) -> None:
    """A delete succeeds on a missing resource, or says SYS.1003 (the node's successIfResourceNotExisting):
    either is taken, unless the overlay pins one; every other API says SYS.1003."""
    expected = shape.missing_resource or ("either" if shape.kind == "delete" else "error")
    if expected == "success":
        live.hold(call, final=200)
    elif expected == "error":
        live.hold(call, final=503, codes=("SYS.1003",))
    else:
        live.hold(call, final=(200, 503), codes=("SYS.1003",))


def _query(case: Case, shape: Shape, live):
    path = shape.template if "{" not in shape.template else shape.template.split("/{", 1)[0]
    params = {"query-nothing": [("q", f"uuid={new_uuid()}")], "query-limit": [("limit", "1")],
              "query-count": [("replyWithCount", "true")]}[case.name]
    call = live.call("GET", path, params=params, api=case.api)
    body = call.final.body if call.final.has_json else None
    inventories = body.get("inventories") if isinstance(body, dict) else None
    wrong = None
    if call.final.status != 200:
        pass  # expected-answer says it
    elif case.name == "query-nothing" and inventories != []:
        wrong = ("/inventories", "no inventory (a condition no resource meets)", f"{len(inventories or [])} inventories")
    elif case.name == "query-limit" and (not isinstance(inventories, list) or len(inventories) > 1):
        wrong = ("/inventories", "at most one inventory (limit=1)", f"{len(inventories or [])} inventories")
    elif case.name == "query-count" and not (isinstance(body, dict) and isinstance(body.get("total"), int)):
        wrong = ("/total", "a total count (replyWithCount=true)", "absent" if not isinstance(body, dict) or "total" not in body else repr(body["total"]))
    extra = [EXPECTED_ANSWER.finding(file=call.exchange.source, api=case.api, step=len(call.exchange.steps) - 1,
                                     pointer=wrong[0], expected=wrong[1], found=wrong[2])] if wrong else []
    live.hold(call, extra, final=200)
    return call


def _read(case: Case, shape: Shape, contracts: ContractSet, live):
    contract = contracts.get(case.api)
    uuid_param = next((p for p in shape.params if p.where == "path" and p.names_resource), None)
    if uuid_param is None:  # a read of the node itself, that takes nothing it needs
        req = build(shape)
        call = live.call(req.method, req.path, params=req.params, api=case.api)
        live.hold(call, final=200)
        return call
    named = contracts.resources.of_contract_param(contracts.get(case.api), uuid_param.name)
    query = next((c for c in contracts if c.kind == "query" and contracts.resources.of_query.get(c.api) == named), None)
    if query is None:
        raise Skipped(f"no query API lists the resources {uuid_param.name} names, to find one to read")
    params = [("limit", "1")]
    states = states_needed(contract)
    if states:  # one the API works on (the overlay's state machine)
        params.append(("q", f"state?={','.join(states)}"))
    found = live.call("GET", query_path(query), params=params, api=query.api, note="find a resource")
    inventories = listed(found)
    if not inventories or not isinstance(inventories[0], dict) or "uuid" not in inventories[0]:
        raise Skipped(f"{query.api} found no resource to read")
    req = build(shape, values={uuid_param.name: inventories[0]["uuid"]})
    call = live.call(req.method, req.path, params=req.params, api=case.api)
    live.hold(call, final=200)
    return call
