"""The resources a positive case needs, found or made through the contract's resource graph
(:mod:`zstack_contract.contract.graph`), and the cleanup of everything a run made.

For each uuid parameter a request needs (required, or in the path), the graph says the type it
names. A resource of that type is, in this order:

1. one the run made itself and that still exists (in the state needed), asked of its type's query
   by uuid;
2. *found* through the type's query (``q=state?=<states>`` when the API needs some), else named
   by an inventory of another type's query (``instanceOfferingUuid`` of a VM; when the type's own
   query lists resources with no uuid, only once making one failed), unless the resource
   is the one the API deletes or changes (kind delete, or the overlay's ``change``): that one is
   always one the run made. On a live node every query the run sends for a resource carries the
   condition ``__userTag__=<the run's tag>``, so only what the run made is ever found, and a run
   never touches what it did not make;
3. *made* through a create of its family (its request built the same way, recursively, at most
   :data:`DEPTH` levels down; a create that needs what it makes is no way to make it), and brought
   into the state needed through the family's actions (and deletes) whose ``setsState`` gives it
   (those the state it is in allows), at most :data:`STEPS` of them
   (:func:`~zstack_contract.contract.lifecycle.way`).

Every create the run sends names the resource's uuid (``resourceUuid``), which the run notes before
sending, so that a run interrupted while the create runs still knows what to clean; and carries the
run's tag as a user tag (:func:`~.made.run_tag`, a node takes any text as a user tag). What cannot
be had is :class:`Unavailable`, one line naming the type.

:meth:`Provisioner.clean_up` removes what the run made, newest first: the shortest way through the
family's states to gone (:mod:`~zstack_contract.contract.lifecycle`: the family's delete, and where
the delete keeps the resource, the family's action that ``removes`` it, an expunge), from the state
the family's query shows it in; a resource already gone is left alone. What stays is returned, one
:class:`Leftover` per resource.

Values: a parameter's documented default, else its first valid value, else
:func:`~.cases.value_for`'s. Nothing here names an API; no pytest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..checks import invariants
from ..contract import lifecycle
from ..contract.compiled import Contract, ContractSet
from ..contract.graph import Family, Names, answer_inventory
from ..contract.resources import same_resource
from ..facts.ids import NEW_RESOURCE_UUID, names_existing_resource, new_uuid
from .cases import Request, Shape, build, value_for
from .made import Made, run_tag
from .outcomes import Outcome, Skipped
from .queries import listed, oldest_first, query_path

DEPTH = 3  # how many creates down a resource may be made for another's create
STEPS = 3  # how many actions may bring a made resource into the state needed
CLEANUP_ROUNDS = 4  # how many times the cleanup looks a resource up and takes the way to gone from where it is


class Unavailable(Exception):
    """No resource of a type can be found or made: why, in one line naming the type."""


@dataclass(frozen=True)
class Leftover:
    resource: str
    uuid: str
    why: str

    def line(self) -> str:
        return f"left behind: {self.resource} {self.uuid} ({self.why})"


@dataclass
class Prepared:
    """A request of a positive case, and what it is about."""

    request: Request
    subject: str | None  # the uuid of the resource it is about (None: a create's new one, or none)
    subject_param: Names | None
    made: Made | None = None  # a create's: the resource it is to make
    named: bool = False  # the create names the new resource's uuid (resourceUuid)
    resources: dict[str, str] = field(default_factory=dict)  # parameter -> the type of the resource found or made for it


def valid_value(schema: dict[str, Any], name: str) -> Any:
    """A value the page documents as valid: its default, else its first valid value, else one of its type."""
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    return value_for(schema, name)


@dataclass
class Provisioner:
    """Finds and makes resources for one run (one process: an xdist worker has its own, and cleans
    what it made). ``live_node``: only what the run made is used."""

    contracts: ContractSet
    live_node: bool
    run_id: str = field(default_factory=new_uuid)
    made: list[Made] = field(default_factory=list)
    _making: set[str] = field(default_factory=set)

    @property
    def graph(self):
        return self.contracts.graph

    @property
    def tag(self) -> str:
        """The user tag every create of the run carries."""
        return run_tag(self.run_id)

    # -- requests -------------------------------------------------------------------------------
    def prepare(self, contract: Contract, live, depth: int = DEPTH, subject: str | None = None) -> Prepared:
        """The request of ``contract``'s positive case: valid values, each resource it names found
        or made; ``subject``: the uuid of the resource it is about, when the caller has it."""
        shape = Shape.of(contract)
        edges = {n.param: n for n in self.graph.names.get(contract.api, ())}
        about = self.graph.subject_of.get(contract.api)
        family = self.graph.family(about) if about else None
        is_create = family is not None and contract.api in family.creates
        subject_edge = None if is_create else next(
            (edges[p.name] for p in sorted(shape.params, key=lambda p: p.where != "path")
             if p.name in edges and edges[p.name].resource == about and (p.required or p.where == "path")), None)
        values: dict[str, Any] = {}
        resources: dict[str, str] = {}
        for p in shape.params:
            if p.where == "top" and p.required and p.name not in ("systemTags", "userTags"):
                raise Unavailable(f"{p.name} is required at the body's top level, where a node reads only the tags "
                                  f"(the page's layout): no request can succeed")
            if p.where == "top" or not (p.required or p.where == "path"):
                continue
            if names_existing_resource(p.name):
                edge = edges.get(p.name) or self._unchecked(contract.api, p, shape.template)
                if edge is None:
                    raise Unavailable(f"the graph names no resource type for {p.name} (an overlay entry can)")
                if edge is subject_edge:
                    uuid = subject or self.obtain(edge.resource, live, depth, lifecycle.states_needed(contract),
                                                  own=lifecycle.changes_subject(contract))
                    subject = uuid
                else:
                    uuid = self.obtain(edge.resource, live, depth)
                values[p.name] = [uuid] if edge.many else uuid
                resources[p.name] = edge.resource
            elif p.where == "top":
                continue
            elif p.name != NEW_RESOURCE_UUID:
                values[p.name] = valid_value(p.schema, p.name)
        made = None
        names = {p.name: p for p in shape.params}
        if is_create and not self.removable(family):
            raise Unavailable(f"the contract has no way to remove a resource of type {about} (a delete, or an action that "
                              "removes it, and a query to see it gone): none is made")
        if is_create:
            made = Made(about, new_uuid(), contract.api)
            if NEW_RESOURCE_UUID in names and names[NEW_RESOURCE_UUID].where != "top":
                values[NEW_RESOURCE_UUID] = made.uuid
            if "userTags" in names:
                values["userTags"] = [self.tag]
        request = build(shape, values=values)
        if made is not None and NEW_RESOURCE_UUID not in values and shape.container and isinstance(request.body, dict):
            # Every create message of a node takes it (APICreateMessage.resourceUuid), whether its page lists it or not.
            request.body.setdefault(shape.container, {})[NEW_RESOURCE_UUID] = made.uuid
        return Prepared(request, subject if subject_edge else None, subject_edge, made,
                        named=made is not None and _find_key(request.body, NEW_RESOURCE_UUID) == made.uuid, resources=resources)

    def _unchecked(self, api: str, p, template: str) -> Names | None:
        """The type a uuid parameter the node never looks up names (the overlay's ``unchecked``):
        its work still reads it, so a success needs one that exists."""
        named = self.contracts.resources.of_param(p.name, template)
        return Names(api, p.name, named.resource, p.where, p.required, p.schema.get("type") == "array") if named else None

    def removable(self, family: Family) -> bool:
        """Whether the run can remove what it makes of a family (see :meth:`clean_up`): a query to
        see it gone, and an API that removes it (:func:`~zstack_contract.contract.lifecycle.removable`)."""
        return bool(family.query) and lifecycle.removable(lifecycle.family_changes(self.contracts, family))

    def send(self, live, contract: Contract, prepared: Prepared, note: str | None = None):
        """Send a prepared request; a create's resource is noted (to clean) before it is sent."""
        if prepared.made is not None and prepared.named:
            self.made.append(prepared.made)
        req = prepared.request
        call = live.call(req.method, req.path, params=req.params, json_body=req.body, api=contract.api, note=note)
        if prepared.made is not None and 200 <= call.final.status < 300:
            inventory = answer_inventory(contract, call.final.body if call.final.has_json else None)
            uuid = inventory[1].get("uuid") if inventory else None
            if isinstance(uuid, str) and uuid and uuid != prepared.made.uuid:  # the node chose its own: that one is to clean
                if prepared.made in self.made:
                    self.made.append(Made(prepared.made.resource, uuid, contract.api))
                else:
                    prepared.made.uuid = uuid
                    self.made.append(prepared.made)
        return call

    # -- resources ------------------------------------------------------------------------------
    def obtain(self, resource: str, live, depth: int, states: tuple[str, ...] = (), own: bool = False) -> str:
        """The uuid of a resource of type ``resource`` (in one of ``states``, if any), see the module."""
        family = self.graph.family(resource) or next(
            (f for f in self.graph.families.values() if same_resource(f.resource, resource)), None)
        if family is None:
            raise Unavailable(f"no API of the contract is about {resource}")
        resource = family.resource
        for made in reversed(self.made):
            if made.resource == resource and not made.gone and self.exists(live, family, made.uuid, states):
                return made.uuid
        borrow = not (states or self.live_node)  # a uuid another inventory names may stand in
        unnamed = False
        if self.live_node or not own:  # a live node's query finds only what carries the run's tag
            found, unnamed = self.find(live, family, states) if family.query else (None, False)
            # A query that lists resources but names none (no uuid) is itself broken: the run
            # makes one, known by the uuid it gives, before it trusts another inventory's word.
            if not found and borrow and not (unnamed and family.creates):
                found = self.referenced(live, resource)
            if found:
                return found
        where = f" in state {'/'.join(states)}" if states else ""
        if not family.creates:
            raise Unavailable(f"no {resource}{where} found, and no API of the contract creates one")
        try:
            uuid = self.make(family, live, depth)
        except Unavailable:
            found = self.referenced(live, resource) if borrow and unnamed else None
            if not found:
                raise
            return found
        if states:
            self.bring(family, uuid, states, live, depth)
        return uuid

    def find(self, live, family: Family, states: tuple[str, ...]) -> tuple[str | None, bool]:
        """The uuid of the first resource the family's query lists (in one of ``states``), and
        whether it listed one that has no uuid."""
        conditions = [("q", f"state?={','.join(states)}")] if states else []
        found = self._query(live, family, [*conditions, ("limit", "1")], note=f"find a {family.resource}")
        first = found[0] if found and isinstance(found[0], dict) else {}
        uuid = first.get("uuid") if isinstance(first.get("uuid"), str) and first["uuid"] else None
        return uuid, bool(found) and uuid is None

    def referenced(self, live, resource: str) -> str | None:
        """A uuid of type ``resource`` that an inventory of another type's query names
        (``instanceOfferingUuid`` of a VM): where no query lists the type itself, or its
        inventories carry no uuid."""
        for family in self.graph.families.values():
            if family.query is None or family.resource == resource:
                continue
            for inventory in self._query(live, family, [("limit", "1")], note=f"find a {resource} an inventory names") or ():
                uuid = self._naming(inventory, resource) if isinstance(inventory, dict) else None
                if uuid:
                    return uuid
        return None

    def _naming(self, inventory: dict, resource: str) -> str | None:
        """The uuid a top-level field of an inventory holds that names a resource of type
        ``resource`` (the objects inside it point back at their owners, or at what only they know)."""
        for key, item in inventory.items():
            named = self.contracts.resources.of_param(key, "") if key.endswith(("Uuid", "Uuids")) else None
            if named is not None and same_resource(named.resource, resource):
                first = item[0] if isinstance(item, list) and item else item
                if isinstance(first, str) and first:
                    return first
        return None

    def exists(self, live, family: Family, uuid: str, states: tuple[str, ...] = ()) -> bool:
        inventories = self.look_up(live, family, uuid)
        return bool(inventories) and (not states or any(i.get("state") in states for i in inventories))

    def look_up(self, live, family: Family, uuid: str) -> list[dict] | None:
        """The inventories the family's query finds with ``uuid`` (None: no query, or no answer of one)."""
        if not family.query:
            return None
        found = self._query(live, family, [("q", f"uuid={uuid}")], note=f"look up a {family.resource}")
        return [i for i in found if isinstance(i, dict)] if found is not None else None

    def _query(self, live, family: Family, params: list[tuple[str, str]], note: str) -> list | None:
        """What the family's query lists (:func:`~.queries.listed`); on a live node, only what the run tagged."""
        query = self.contracts.get(family.query)
        if self.live_node:
            params = [*params, ("q", f"__userTag__={self.tag}")]
        return listed(live.call("GET", query_path(query), params=[*params, *oldest_first(query)], api=query.api, note=note))

    def make(self, family: Family, live, depth: int) -> str:
        """A new resource of the family, by the first of its creates that works (those naming the
        fewest other resources first)."""
        resource = family.resource
        if depth <= 0:
            raise Unavailable(f"no {resource} to use, and making one is more than {DEPTH} creates deep")
        if resource in self._making:
            raise Unavailable(f"making a {resource} needs a {resource}")
        reasons = []
        self._making.add(resource)
        try:
            for api in sorted(family.creates, key=lambda a: (self._names_needed(a), a)):
                contract = self.contracts.get(api)
                try:
                    prepared = self.prepare(contract, live, depth - 1)
                except Unavailable as exc:
                    reasons.append(f"{api}: {exc}")
                    continue
                call = self.send(live, contract, prepared, note=f"make a {resource}")
                uuid = prepared.made.uuid if prepared.made in self.made else None
                if 200 <= call.final.status < 300 and uuid:
                    return uuid
                reasons.append(f"{api} answered status {call.final.status}" if uuid else f"{api} answered no uuid")
        finally:
            self._making.discard(resource)
        raise Unavailable(f"cannot make a {resource}: {'; '.join(reasons[:2])}")

    def _names_needed(self, api: str) -> int:
        return sum(1 for n in self.graph.names.get(api, ()) if n.required or n.where == "path")

    def bring(self, family: Family, uuid: str, states: tuple[str, ...], live, depth: int) -> None:
        """Take a resource into one of ``states`` through the family's changes that set a state."""
        inventories = self.look_up(live, family, uuid) or []
        now = lifecycle.state_of(inventories[0]) if inventories else None
        if now in states:
            return
        path = None if now is None else lifecycle.way(lifecycle.family_changes(self.contracts, family), now, states, STEPS)
        if path is None:
            raise Unavailable(f"no {family.resource} in state {'/'.join(states)}: "
                              f"no action of its family takes one from {now or 'its state'} there")
        for change in path:
            contract = self.contracts.get(change.api)
            prepared = self.prepare(contract, live, depth, subject=uuid)
            call = self.send(live, contract, prepared, note=f"bring a {family.resource} into state {'/'.join(states)}")
            if not 200 <= call.final.status < 300:
                raise Unavailable(f"{change.api} answered status {call.final.status} on the {family.resource} made to be {'/'.join(states)}")

    # -- the positive case ----------------------------------------------------------------------------
    def run_case(self, contract: Contract, live):
        """``test_api[<API>-success]``: the request, its answer held to the contract (a success)
        and to the invariants of :mod:`~zstack_contract.checks.invariants`; the call."""
        try:
            prepared = self.prepare(contract, live)
        except Unavailable as exc:
            raise Skipped(f"no resource for its request: {exc}") from None
        call = self.send(live, contract, prepared)
        refused = self._not_taken(call, prepared)
        if refused is not None:
            live.hold(call)  # the named checks still hold
            raise Skipped(refused)
        extra = self.invariants(contract, prepared, call, live) if 200 <= call.final.status < 300 else []
        live.hold(call, extra, final=200)
        return call

    def _not_taken(self, call, prepared: Prepared) -> str | None:
        """Why the target refused a resource the run found or made for a parameter (SYS.1003
        naming it): the type the graph guessed for it is not the one the node looks up. None
        when the answer is no such refusal."""
        final = call.final
        error = final.body.get("error") if final.status == 503 and final.has_json and isinstance(final.body, dict) else None
        if not isinstance(error, dict) or error.get("code") != "SYS.1003":
            return None
        details = str(error.get("details") or "")
        for param, resource in prepared.resources.items():
            if f"field[{param}]" in details:
                return (f"the node does not take the {resource} the run had for {param}: the type the resource graph "
                        f"guesses for it is not the one the node looks up (an overlay entry can say)")
        return None

    def invariants(self, contract: Contract, prepared: Prepared, call, live) -> list:
        where = {"file": call.exchange.source or live.test_id, "api": contract.api, "step": len(call.exchange.steps) - 1}
        about = self.graph.subject_of.get(contract.api)
        family = self.graph.family(about) if about else None
        if family is None:
            return []
        answer = answer_inventory(contract, call.final.body if call.final.has_json else None, family.resource)
        if prepared.made is not None:
            uuid = answer[1].get("uuid") if answer else None
            if not isinstance(uuid, str) or not family.query:
                return []
            found = self.look_up(live, family, uuid)
            return invariants.created_found(where, uuid, family.query, None if found is None else {"inventories": found})
        if prepared.subject is None:
            return []
        findings = []
        if answer:
            findings += invariants.acted_on(where, "/" + answer[0], answer[1], prepared.subject, prepared.subject_param.param)
        if contract.kind == "delete" and family.query and lifecycle.removes_it(contract, family, self.contracts):
            found = self.look_up(live, family, prepared.subject)
            keeps = contract.change.get("setsState")
            findings += invariants.delete_done(where, prepared.subject, family.query, None if found is None else {"inventories": found}, keeps)
        return findings

    # -- cleanup --------------------------------------------------------------------------------
    def clean_up(self, live) -> list[Leftover]:
        """Remove what the run made, newest first; what stays, one per resource."""
        left: list[Leftover] = []
        for made in reversed(self.made):
            if made.gone:
                continue
            try:
                why = self._remove(made, live)
            except Outcome as exc:  # a broken connection, the budget spent (BoundLive.call): one line, and on with the rest
                why = exc.reason.splitlines()[0] if exc.reason.strip() else type(exc).__name__
            except Exception as exc:  # noqa: BLE001  (whatever the target answered, the other resources are still cleaned)
                why = f"{type(exc).__name__}: {exc}".splitlines()[0]
            if why is None:
                made.gone = True
            else:
                left.append(Leftover(made.resource, made.uuid, why))
        return left

    def _remove(self, made: Made, live) -> str | None:
        """Take a resource to gone: from the state the query shows it in, the family's shortest way
        there, each step followed by a look-up; where a step leaves it elsewhere than the way says,
        a new way from there (at most :data:`CLEANUP_ROUNDS` ways). Why it stays, else None."""
        family = self.graph.family(made.resource)
        found = self.look_up(live, family, made.uuid)
        if found is None:
            return f"no query of {made.resource} to see it"
        changes = lifecycle.family_changes(self.contracts, family)
        for _ in range(CLEANUP_ROUNDS):
            if not found:
                return None
            state = lifecycle.state_of(found[0])
            way = lifecycle.way(changes, state)
            if way is None:
                return f"in state {state}: no API of its family takes it from there to gone"
            for change in way:
                contract = self.contracts.get(change.api)
                try:
                    prepared = self.prepare(contract, live, 1, subject=made.uuid)
                except Unavailable as exc:
                    return f"{change.api}: {exc}"
                call = self.send(live, contract, prepared, note=f"clean up a {made.resource}")
                if not 200 <= call.final.status < 300:
                    return f"{change.api} answered status {call.final.status}"
                found = self.look_up(live, family, made.uuid)
                if found is None:
                    return f"no answer of {family.query} to see it gone"
                if change.removes or not found or lifecycle.state_of(found[0]) != change.sets:
                    break  # gone, or not where the way says: look again
        return None if not found else "still there after its delete and removal"


def _find_key(body: Any, key: str) -> Any:
    """The value of ``key`` at the top of a body or in one of its structures."""
    if not isinstance(body, dict):
        return None
    if key in body:
        return body[key]
    return next((v[key] for v in body.values() if isinstance(v, dict) and key in v), None)
