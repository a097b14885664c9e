"""The APIs the simulator serves, as a node's REST layer knows them: routes, how each is called,
and its parameters, read from the derived schemas (no code per API), and the route table.

Requests are routed as a node routes them, by the rule :mod:`..contract.routes` writes down for
the checks, the proxy and the simulator alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Iterable

from ..contract.compiled import Contract
from ..contract.loading import contracts_from
from ..contract.parameters import Parameter
from ..contract.places import Place
from ..contract.releases import load_release, shipped_releases
from ..contract.resources import Resources, path_collection
from ..contract.routes import Route, Router
from ..facts.calls import answers_at_once


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path, query (GET/DELETE), body (inside a body structure), top (a top-level body key)
    type: str | None  # the JSON Schema type: string, integer, boolean, number, array, object
    required: bool
    values: tuple[str, ...] = ()  # valid values
    collection: str | None = None  # a uuid parameter: the collection of the resource it names (contract.resources)
    container: str | None = None  # where "body": the structure it is in (the action key, params)
    max_length: int | None = None  # a string's (maxLength, where the overlay gives one)
    nonempty: bool = False  # a list that must not be empty (minItems 1, where the overlay gives it)
    vo: str | None = None  # the class a node names in SYS.1003 for a resource of ``collection`` (VmInstanceVO)


@dataclass(frozen=True)
class Api:
    name: str
    kind: str  # action, create, delete, get, query, update
    method: str
    templates: tuple[str, ...]  # /v1/vm-instances/{uuid}/actions
    action_key: str
    container: str | None  # the body key its parameters come under (PUT: the action key; POST: params)
    authorized: bool  # needs a session (login does not)
    params: tuple[Param, ...] = ()
    response: dict[str, Any] | None = None  # the response schema, when the API's schemas are known
    success: tuple[str, ...] = ()  # the success fields of its answer (none: it answers {}, as the overlay's empty-result says)
    collection: str | None = None  # what a query lists and a create adds to (contract.resources), else its path's first part
    missing_resource: str | None = None  # pinned by the overlay: "success" or "error" for a uuid that names nothing
    places: Place | None = None  # the documented places of its answer (contract.places), to make answers coherent
    change: dict[str, Any] = field(default_factory=dict)  # the overlay's word on what its work does to its resource (Contract.change)

    @property
    def sync(self) -> bool:
        """Whether the node answers at once (queries, reads, the login) or with a job (everything else)."""
        return answers_at_once(self.kind, self.authorized)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def api_from_contract(contract: Contract, resources: Resources) -> Api:
    """An API as its derived schemas describe it, its resources named as ``resources`` names them."""
    templates = tuple(r.template for r in contract.routes)
    method = contract.routes[0].method if contract.routes else "PUT"
    params = [_param(p, contract, resources) for p in contract.parameters]
    container = contract.parameters.structure  # the first structure: the one the node reads from
    if method == "PUT":
        # Every PUT API of a node is an action: its parameters are read from the action key's
        # object, whatever structure the page names (RestServer.handleApi's parameterName).
        container = contract.action_key
    if contract.kind == "query":
        about = resources.of_query.get(contract.api)
    elif contract.kind == "create" and templates:
        about = resources.of_create(contract.response, templates[0])
    else:
        about = None
    collection = about.name if about else (path_collection(templates[0]) if templates else None)
    return Api(
        name=contract.api, kind=contract.kind, method=method, templates=templates, action_key=contract.action_key,
        container=container, authorized=contract.authorized, params=tuple(params), response=contract.response,
        success=() if contract.empty_result else contract.success_fields, collection=collection, missing_resource=contract.missing_resource,
        places=contract.places, change=contract.change,
    )


def _param(p: Parameter, contract: Contract, resources: Resources) -> Param:
    named = resources.of_contract_param(contract, p.name) if p.names_resource else None
    schema = p.schema
    items = schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}
    return Param(p.name, p.where, schema.get("type"), p.required, tuple(schema.get("enum", items.get("enum", ()))),
                 named.name if named else None, p.container, schema.get("maxLength"), schema.get("minItems", 0) > 0,
                 named.vo if named else None)


def route_table(apis: Iterable[Api], release: str | None = None) -> Router[Api]:
    """The node's route table of these APIs (the one routing rule: :mod:`..contract.routes`), its
    entries shared where the node of ``release`` (None: the newest shipped) shares them. The
    simulator holds only some of a node's APIs: a path the node shares between a query (GET) and
    a delete (DELETE) refuses a POST as the node does even when the simulator serves the query
    alone, rather than handing it to the query."""
    router = Router((api, api.action_key, [Route.from_template(api.method, t) for t in api.templates]) for api in apis)
    router.share(shared_shapes(release))
    return router


@cache
def shared_shapes(release: str | None) -> frozenset[str]:
    """The path shapes several APIs of a shipped release share (None, or a release not shipped:
    the newest)."""
    shipped = {r.name for r in shipped_releases()}
    bundle = load_release(release) if release in shipped else _newest_bundle()
    apis_at: dict[str, int] = {}
    for contract in contracts_from(bundle.apis, release=bundle.release):
        for shape in {route.shape for route in contract.routes}:
            apis_at[shape] = apis_at.get(shape, 0) + 1
    return frozenset(shape for shape, count in apis_at.items() if count > 1)


def described(api: Api) -> Api:
    """A built-in API (served with no schema of it) with the parameters the newest shipped release
    describes and its own description lacks, so that the node's validator checks them as it does
    for every API."""
    shipped = _shipped_params(api.name)
    known = {p.name for p in api.params}
    return replace(api, params=api.params + tuple(p for p in shipped if p.name not in known))


@cache
def _shipped_params(name: str) -> tuple[Param, ...]:
    """An API's parameters as the newest shipped release describes them (none, when it lacks the API)."""
    bundle = _newest_bundle()
    if name not in bundle.apis:
        return ()
    contracts = contracts_from({name: bundle.apis[name]}, release=bundle.release)
    return api_from_contract(contracts.get(name), contracts.resources).params


@cache
def _newest_bundle():
    """The newest shipped bundle, read once for every built-in API that asks it."""
    return load_release(None)
