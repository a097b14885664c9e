"""The resource graph of a contract: for each resource type (a *family*), the APIs that create it,
the query that lists it, the reads, actions and deletes of one resource, and for each uuid
parameter of each API the type it names. Positive cases and stateful scenarios find or make the
resources an API needs through it; ``zstack-contract graph`` prints it.

Built from what the pages say (:mod:`.resources` reads the names):

- an API's *subject*, the type it is about: a query's is what it lists; a create's is its answer's
  inventory type (else its path's collection); any other API's (and a create's whose path names
  the type it answers, an attach, or has a ``{uuid}``: AddMonToCephBackupStorage) is the type of the path variable that names its answer's
  inventory type (``/v1/volumes/{volumeUuid}/vm-instances/{vmInstanceUuid}`` answering a
  ``VolumeInventory``: Volume), else (but for a delete) of the path variable whose type the API's
  name ends with (AttachRoleToAccount: Account), else of its last uuid path variable, else of a
  ``uuid`` parameter in its body or query, else its answer's inventory type, else the type of the
  longest listed collection its path starts with (``/v1/vm-instances/capabilities``: VmInstance),
  else the longest type a uuid parameter names that the API's name has (MoveResourcesToDirectory:
  Directory);
- its *role* in that family: its kind (``create``, ``query``, ``get`` a read, ``delete``; an
  ``action`` or an ``update`` is an action);
- each uuid parameter that names an existing resource names the type the overlay gives it
  (``names``), else the one :meth:`.Resources.of_param` reads from its name, the URL template
  and the API's name; one the node does not look up (the overlay's ``unchecked``) names its type
  all the same (``looked_up`` is False), and a ``resourceUuid(s)`` names none (any type).

A family exists for every type some API is about or some parameter names; one whose type no query
lists has no collection a node shows, and one no API creates can only be found, never made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..facts.ids import names_existing_resource
from .format import META, PAGE_TYPE
from .resources import Resources, named_by_param, names_any_type, same_resource

ROLES = ("creates", "query", "reads", "actions", "deletes")
_ROLE_OF_KIND = {"create": "creates", "query": "query", "get": "reads", "delete": "deletes", "action": "actions", "update": "actions"}


@dataclass(frozen=True)
class Names:
    """A uuid parameter of an API and the resource type it names."""

    api: str
    param: str
    resource: str
    where: str  # path, body, query
    required: bool
    many: bool  # a list of uuids (``vmUuids``)
    looked_up: bool = True  # False where the overlay says the node does not look it up (no SYS.1003 for it)


@dataclass(frozen=True)
class Family:
    """The APIs of one resource type, each tuple sorted by name."""

    resource: str  # VmInstance
    collection: str | None  # vm-instances; None when no query lists the type
    creates: tuple[str, ...] = ()
    query: str | None = None
    reads: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()

    def apis(self) -> tuple[str, ...]:
        return (*self.creates, *((self.query,) if self.query else ()), *self.reads, *self.actions, *self.deletes)


class Graph:
    """The families of a contract set (``families``, by type, sorted), the subject of each API
    (``subject_of``) and the uuid parameters each API has (``names``, in the parameters' order)."""

    def __init__(self, families: dict[str, Family], subject_of: dict[str, str], names: dict[str, tuple[Names, ...]]):
        self.families = dict(sorted(families.items()))
        self.subject_of = dict(sorted(subject_of.items()))
        self.names = dict(sorted(names.items()))

    @classmethod
    def of(cls, contracts: Iterable, resources: Resources) -> "Graph":
        """The graph of a :class:`~.compiled.ContractSet`'s contracts, their collections read by ``resources``."""
        roles: dict[str, dict[str, list[str]]] = {}
        subject_of: dict[str, str] = {}
        names: dict[str, tuple[Names, ...]] = {}
        collections: dict[str, str | None] = {}

        def family(resource: str, collection: str | None) -> dict[str, list[str]]:
            if collection is not None or resource not in collections:
                collections[resource] = collection or collections.get(resource)
            return roles.setdefault(resource, {role: [] for role in ROLES})

        for contract in contracts:
            edges = []
            for p in contract.parameters.params:
                if p.where == "top" or not names_existing_resource(p.name) or names_any_type(p.name):
                    continue
                named = resources.of_contract_param(contract, p.name)
                if named is None:
                    continue
                known = resources.named(named.resource)
                family(named.resource, known.name if known else None)
                edges.append(Names(contract.api, p.name, named.resource, p.where, p.required,
                                   p.schema.get("type") == "array", p.looked_up))
            names[contract.api] = tuple(edges)
            subject = _subject(contract, resources, edges)
            if subject is None:
                continue
            resource, collection, role = subject
            subject_of[contract.api] = resource
            family(resource, collection)[role].append(contract.api)
        families = {}
        for resource, by_role in roles.items():
            queries = sorted(by_role["query"])
            families[resource] = Family(resource, collections.get(resource), tuple(sorted(by_role["creates"])),
                                        queries[0] if queries else None, tuple(sorted(by_role["reads"])),
                                        tuple(sorted(by_role["actions"])), tuple(sorted(by_role["deletes"])))
        return cls(families, subject_of, names)

    def family(self, resource: str) -> Family | None:
        return self.families.get(resource)

    def family_of(self, api: str) -> Family | None:
        """The family an API is about."""
        subject = self.subject_of.get(api)
        return self.families.get(subject) if subject else None

    def makeable(self, resource: str) -> bool:
        """Whether some API of the contract creates the type."""
        f = self.families.get(resource)
        return f is not None and bool(f.creates)

    def to_json(self) -> dict:
        """The graph as JSON values (sorted: the same contract gives the same bytes)."""
        return {"families": [{"resource": f.resource, "collection": f.collection, "creates": list(f.creates), "query": f.query,
                              "reads": list(f.reads), "actions": list(f.actions), "deletes": list(f.deletes)}
                             for f in self.families.values()],
                "parameters": [{"api": n.api, "parameter": n.param, "names": n.resource, "in": n.where, "required": n.required,
                                "list": n.many, "lookedUp": n.looked_up} for edges in self.names.values() for n in edges]}


def inventory_type(response: dict) -> str | None:
    """The resource type of a success answer's inventory (``VolumeInventory``: Volume), from the
    page's types; None when the answer carries none."""
    for name in response.get(META, {}).get("envelope", {}).get("success", ()):
        page_type = response.get("properties", {}).get(name, {}).get(PAGE_TYPE, "")
        if page_type.endswith("Inventory") and len(page_type) > len("Inventory"):
            return page_type[: -len("Inventory")]
    return None


def answer_inventory(contract, body: Any, resource: str | None = None) -> tuple[str, dict] | None:
    """(the success field, the object) of a success answer's inventory, when its page types one
    (of ``resource``'s type, when given); None when ``body`` carries none."""
    kind = inventory_type(contract.response or {})
    if kind is None or (resource is not None and not same_resource(kind, resource)) or not isinstance(body, dict):
        return None
    for name in contract.success_fields:
        if isinstance(body.get(name), dict):
            return name, body[name]
    return None


def _subject(contract, resources: Resources, edges: list[Names]) -> tuple[str, str | None, str] | None:
    """(type, collection, role) of an API (see the module); None when nothing says."""
    template = contract.routes[0].template if contract.routes else ""
    role = _ROLE_OF_KIND.get(contract.kind, "actions")
    if contract.kind == "query":
        c = resources.of_query.get(contract.api)
        return (c.resource, c.name, role) if c else None
    answer = inventory_type(contract.response)
    variables = [p for p in (contract.routes[0].params if contract.routes else ()) if named_by_param(p, template)]
    own = next((p for p in variables if answer and same_resource(named_by_param(p, template) or "", answer)), None)
    if contract.kind == "create" and own is None and "uuid" not in variables:  # a path's {uuid} is one that exists
        c = resources.of_create(contract.response, template)
        if c is not None:
            return c.resource, c.name, role
        if answer:
            return answer, None, role
    if contract.kind == "create":  # a POST whose path names the resource it answers, or no resource, acts on one (an attach)
        role = "actions"

    def of(name: str) -> tuple[str, str | None, str] | None:
        c = resources.of_contract_param(contract, name)
        if c is None:
            return None
        known = resources.named(c.resource)
        return c.resource, known.name if known else None, role

    ending = None if contract.kind == "delete" else \
        next((p for p in variables if contract.api.endswith(named_by_param(p, template) or "\0")), None)  # a delete removes a part, not the whole
    chosen = own or ending or (variables[-1] if variables else None)
    if chosen is not None and (found := of(chosen)):
        return found
    if any(p.name == "uuid" and p.where in ("body", "query") for p in contract.parameters.params) and (found := of("uuid")):
        return found
    if answer:
        known = resources.named(answer)
        return answer, known.name if known else None, role
    c = resources.of_listed_path(template)
    if c is not None:
        return c.resource, c.name, role
    in_name = sorted((n.resource for n in edges if n.resource in contract.api), key=lambda r: (-len(r), r))
    if in_name:
        known = resources.named(in_name[0])
        return in_name[0], known.name if known else None, role
    return None
