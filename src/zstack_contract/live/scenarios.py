"""Stateful scenarios: per resource family of the contract's graph (:mod:`~zstack_contract.contract.graph`),
the steps a Hypothesis state machine (:mod:`.scenario_machine`) takes in any order the model of
the resources it made allows, and what the node must answer each.

A family has a scenario when the contract creates it and can delete or list it. Its steps are
its creates, actions, reads, deletes and its query; an action, read or delete takes part only
when one of its uuid parameters names the family's type (the resource it is about: the path's,
else a required one). What a step's work does to that resource, and in which states it may be
asked, is its :class:`~zstack_contract.contract.lifecycle.Change`: the overlay's ``change``
(``needsState``, ``worksIn``, ``setsState``, ``removes``), and the rule of a delete's path (a delete
of the resource itself removes it, one of a part leaves it, a detach is no step). Nothing here
names an API: the VM family's Running, Stopped, Paused, Destroyed come from the overlay.

The other uuid parameters a step requires name resources it only names, never acts on: each is
found through its type's query, else in the inventories of the family's own query (a VM names
its image, its instance offering, its L3 networks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contract.compiled import Contract, ContractSet
from ..contract.graph import Family, Names, inventory_type
from ..contract.lifecycle import Change, change_of, subject_param, way
from ..contract.resources import named_by_param, same_resource
from ..facts.ids import NEW_RESOURCE_UUID
from .cases import Shape
from .made import Made

CREATE, ACT, READ, DELETE = "create", "act", "read", "delete"


@dataclass(frozen=True)
class Step(Change):
    """One API of a scenario, in its role, with what its work does to the resource it is about and
    the parameter that names that resource (None for a create)."""

    role: str = CREATE  # create, act, read, delete
    subject: Names | None = None


@dataclass(frozen=True)
class Scenario:
    """The steps of one family."""

    family: Family
    query: Contract | None
    creates: tuple[Step, ...]
    actions: tuple[Step, ...] = ()
    reads: tuple[Step, ...] = ()
    deletes: tuple[Step, ...] = ()

    @property
    def id(self) -> str:
        return self.family.resource

    def steps(self) -> tuple[Step, ...]:
        return (*self.creates, *self.actions, *self.reads, *self.deletes)

    def cleanup(self, state: str | None, contracts: ContractSet) -> list[Step]:
        """The shortest list of steps that take a resource in ``state`` (None: not known) to gone,
        else to a state a delete leaves it in (the node keeps it so), through the states the
        steps allow and set (a VM just created: started, destroyed, expunged;
        :func:`~zstack_contract.contract.lifecycle.way`); only steps that name no other resource.
        Empty when none does, or when it is in such a state already."""
        usable = [s for s in (*self.deletes, *self.actions) if not needed(contracts, s.api, s)]
        return way(usable, state) or way(usable, state, into=self.kept) or []

    @property
    def kept(self) -> set[str]:
        """The states a delete leaves a resource in (the node keeps it so: a destroyed VM)."""
        return {s.sets for s in self.deletes if s.sets}


def buildable(contract: Contract) -> bool:
    """Whether a request the node takes can be made from the schema: routes, and no required
    parameter that is a map the page gives no shape of (``networkServices``)."""
    return bool(contract.routes) and not any(p.required and p.where != "top" and p.schema.get("type") == "object"
                                             and not p.schema.get("properties") for p in contract.parameters.params)


def makes(contract: Contract, family: Family, names: tuple[Names, ...]) -> bool:
    """Whether a create of the family makes a resource of its type: its answer is an inventory of
    the type, and it names none of the type (a POST that adds to one is about that one)."""
    kind = inventory_type(contract.response)
    return bool(contract.routes) and kind is not None and kind.lower() == family.resource.lower() \
        and not any(n.resource.lower() == family.resource.lower() for n in names)


def step_of(contract: Contract, role: str, subject: Names | None, family: Family | None = None) -> Step | None:
    """A step of an API; None for a delete that detaches the resource from another
    (``/v1/accounts/{accountUuid}/roles/{roleUuid}``, :func:`~zstack_contract.contract.lifecycle.change_of`)."""
    change = change_of(contract, family, subject.param if subject else None)
    return None if change is None else Step(**vars(change), role=role, subject=subject)


def scenarios(contracts: ContractSet) -> list[Scenario]:
    """The scenario of every family the contract creates (an API answers a new inventory of the
    type) and can delete (a step removes the resource, or leaves it in a state the node keeps), by type."""
    graph = contracts.graph
    out = []
    for family in graph.families.values():
        if not family.creates or not (family.deletes or family.query):
            continue
        built: dict[str, list[Step]] = {ACT: [], READ: [], DELETE: []}
        for role, apis in ((ACT, family.actions), (READ, family.reads), (DELETE, family.deletes)):
            for api in apis:
                contract = contracts.get(api)
                subject = subject_param(family, graph.names.get(api, ()))
                step = step_of(contract, role, subject, family) if subject is not None and buildable(contract) else None
                if step is not None:
                    built[role].append(step)
        if not any(s.sets for role in built.values() for s in role):
            # No step sets a state of the type: the states the overlay gives a step of it are another
            # resource's (a NIC's detach needs its VM's), which the model does not keep.
            built = {role: [s for s in steps if s.needs is None and s.works_in is None] for role, steps in built.items()}
        creates = tuple(step_of(contracts.get(api), CREATE, None) for api in family.creates
                        if makes(contracts.get(api), family, graph.names.get(api, ())) and buildable(contracts.get(api)))
        ends = [s for s in (*built[ACT], *built[DELETE]) if s.removes or (s.role == DELETE and s.sets)]
        if not creates or not ends:
            continue
        out.append(Scenario(family, contracts.get(family.query) if family.query else None, creates,
                            tuple(built[ACT]), tuple(built[READ]), tuple(built[DELETE])))
    return out


# -- the model: the resources a sequence made (:class:`~.made.Made`, their states the model's) -------------
@dataclass
class Expected:
    """What a step's answer must be: the expectations of :func:`~zstack_contract.checks.expected.expect`,
    and in words (for the failure text)."""

    expectations: dict[str, Any]
    words: str
    succeeds: bool


def expected(step: Step, made: Made | None, names_others: bool = False) -> Expected:
    """What the node answers ``step`` on the resource ``made`` in the state the model has for it.
    A step that names other resources (``names_others``: an attach, a detach) and whose states the
    overlay does not give may also meet a node's error: whether it works depends on how those
    resources stand to the one acted on, which the model does not keep."""
    state = made.state if made is not None else None
    if step.needs is not None and state is not None and state not in step.needs:
        return Expected(dict(final=503, codes=("SYS.1006",)), f"SYS.1006: {step.api} is not allowed in state {state}", False)
    if step.works_in is not None and state is not None and state not in step.works_in:
        return Expected(dict(final=503), f"an error: {step.api} works only in {', '.join(step.works_in)}, not {state}", False)
    if (step.needs is not None or step.works_in is not None) and state is None:
        return Expected(dict(final=(200, 503)), f"{step.api}: success or an error (the resource's state is not known)", False)
    if names_others and step.needs is None and step.works_in is None and step.sets is None and not step.removes:
        return Expected(dict(final=(200, 503)), f"{step.api}: success, or an error (it names other resources)", False)
    return Expected(dict(final=200), f"{step.api} succeeds", True)


def after(step: Step, made: Made) -> None:
    """The model after ``step`` succeeded on ``made``."""
    if step.removes:
        made.gone = True
    elif step.sets is not None:
        made.state = step.sets


# -- requests -------------------------------------------------------------------------------------
def values_for(contract: Contract, step: Step, made: Made | None, name: str | None = None, tags: tuple[str, ...] = (),
               new_uuid: str | None = None) -> dict[str, Any]:
    """The parameters to send beyond what :func:`~.cases.build` makes of the schema: the subject's
    uuid, and for a create its name, the run's user tags and, where it takes one, the uuid to give
    (a string with a maximum length gets a value that fits)."""
    shape = Shape.of(contract)
    values: dict[str, Any] = {}
    for p in shape.params:
        if step.subject is not None and p.name == step.subject.param and made is not None:
            values[p.name] = made.uuid
        elif p.name == "name" and name is not None:
            values[p.name] = name
        elif p.name == "userTags" and p.where == "top" and tags:
            values[p.name] = list(tags)
        elif p.name == NEW_RESOURCE_UUID and new_uuid is not None:
            values[p.name] = new_uuid
        elif p.required and p.schema.get("type") == "string" and p.schema.get("maxLength"):
            values[p.name] = "zstack-contract"[: p.schema["maxLength"]]
    return values


def needed(contracts: ContractSet, api: str, step: Step) -> list[Names]:
    """The required uuid parameters of a step naming resources it only names (not its subject)."""
    return [n for n in contracts.graph.names.get(api, ()) if n.required and (step.subject is None or n.param != step.subject.param)]


def uuids_of_type(inventories: list, resource: str) -> list[str]:
    """The uuids inventories name in fields whose name names ``resource`` (``imageUuid``,
    ``vmNics/l3NetworkUuid``), in order, each once."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                kind = named_by_param(key, "") if key != "uuid" else None
                if kind and same_resource(kind, resource) and len(kind) >= len(resource):
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str) and v and v not in out:
                            out.append(v)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(inventories)
    return out


@dataclass
class Transcript:
    """The requests of one sequence (one curl line each) and the resources it made."""

    lines: list[str] = field(default_factory=list)
    made: list[Made] = field(default_factory=list)
