"""What a node does with an API message once its REST layer has made it, for any API, from what
its schemas say: the session check, the parameter validator (``SYS.1007``), the resource check
(``SYS.1003``, or success for an API that succeeds on a missing resource), then the work by the
API's kind, on the generic resource store. The hand-written VM family (:mod:`.vms`) replaces the
work of its own APIs, not these checks.

Server code these follow (by file and method): ``ApiMessageParamValidator.validate`` (mandatory
fields, valid values), ``PortApiValidator.validate`` (resources, ``successIfResourceNotExisting``),
``RestServer.sendMessage`` (a synchronous reply or a job).

What the work does to a resource: a create adds it to its collection (found then by the query and
the reads of that collection); a delete removes the resource its path's last variable names, when
the path ends in it (``DELETE /v1/<resources>/{uuid}``; a path that goes on past it deletes a part
of that resource, not the resource; one that names another resource before it detaches the two); where the overlay says otherwise (``change``: a delete that
keeps the resource in another state, an action that removes it or sets its state, the states it
needs first), that is done instead, for the resource its path names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..contract.format import PAGE_TYPE
from ..contract.resources import named_by_param, same_resource
from ..facts.ids import NEW_RESOURCE_UUID, new_uuid
from . import render, samples
from .apis import Api
from .java import java_string
from .query import BadField, parse_query, run_query
from .state import State, now

TAGS = ("systemTags", "userTags")
Outcome = tuple[int, dict]  # (200 or 503, the body in internal form)
VALIDATOR_CLASS = "org.zstack.header.message.ApiMessageParamValidator"  # it names itself as the "message"
_RANDOM_UUID = re.compile(r"[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}")


@dataclass
class Call:
    """One API message, as the REST layer hands it on."""

    api: Api
    params: dict[str, Any]  # the parameters: the body structure's, or the query string's
    path: dict[str, str]  # the path's variables, by the API's own names
    session: str | None
    state: State
    body: dict[str, Any] = field(default_factory=dict)  # the whole body
    query: Any = None  # a query API: the request's query arguments

    def value(self, name: str) -> Any:
        """A parameter's value: the path's overrides the body's (the node sets URL fields last)."""
        return self.path[name] if name in self.path else self.params.get(name)


def error(code: str, details: str | None, cause: dict | None = None) -> Outcome:
    return 503, {"error": render.error_code(code, details, cause)}


def process(call: Call, work: Callable[[Call], Outcome] | None = None) -> Outcome:
    """The checks every API message passes, then ``work`` (the API's own, else by its kind)."""
    if call.api.authorized and not call.state.session_valid(call.session):
        return error("ID.1001", "Session expired")
    if call.api.kind == "query":
        return query(call)
    invalid = validate(call)
    if invalid is not None:
        return error("SYS.1007", invalid)
    missing = missing_resource(call)
    if missing is not None:
        return missing
    wrong = wrong_state(call)
    if wrong is not None:
        return wrong
    return (work or WORK.get(call.api.kind, act))(call)


def validate(call: Call) -> str | None:
    """The parameter validator's message for the first parameter it refuses, in declaration order."""
    for p in call.api.params:
        if p.name in TAGS:
            continue  # set on the message from the body's top level, after validation
        # Every other field of the message is checked where the message has it (the body structure,
        # the path, the query string), whatever place a page names for it.
        value = call.value(p.name)
        if value is None:
            if p.required:
                return f"field[{p.name}] of message[{VALIDATOR_CLASS}] is mandatory, can not be null"
            continue
        if p.max_length is not None and isinstance(value, str) and len(value) > p.max_length:
            return (f"field[{p.name}] of message[{VALIDATOR_CLASS}] exceeds max length of string. "
                    f"expected was <= {p.max_length}, actual was {len(value)}")
        if p.values:
            for v in value if isinstance(value, list) else [value]:
                text = java_string(v)
                if text not in p.values:
                    return (f"valid value for field[{p.name}] of message[{VALIDATOR_CLASS}] are "
                            f"[{', '.join(p.values)}], but {text} found")
        if p.nonempty and isinstance(value, list) and not value:
            return f"field[{p.name}] must be a nonempty list"
    return None


def missing_resource(call: Call) -> Outcome | None:
    """``SYS.1003`` for the first uuid parameter that names no resource, or the empty success of an
    API that succeeds on a missing resource (those the overlay pins so: most deletes, as their
    messages' successIfResourceNotExisting says), when the uuid has the shape of a random UUID
    (another shape is ``SYS.1003`` too)."""
    for p in call.api.params:
        value = call.value(p.name)
        if p.collection is None or value is None or p.name in TAGS:
            continue
        if isinstance(value, list):
            absent = [v for v in value if not call.state.exists(p.collection, str(v))]
            if absent:
                return error("SYS.1003", f"invalid field[{p.name}], resource[uuids:[{', '.join(map(str, absent))}], type:{p.vo}] not found")
            continue
        if call.state.exists(p.collection, str(value)):
            continue
        if call.api.missing_resource == "success":
            if not _RANDOM_UUID.fullmatch(str(value)):
                return error("SYS.1003", f"invalid value[{value}] of field [{p.name}]")
            return 200, {}  # the API's event with nothing in it
        return error("SYS.1003", f"invalid field[{p.name}], resource[uuid:{value}, type:{p.vo}] not found")
    return None


def message_class(api: Api) -> str:
    """The Java class of an API's message, as a node names it (its package guessed from the collection)."""
    return f"org.zstack.header.{(api.collection or 'resource').split('-')[0]}.API{api.name}Msg"


def wrong_state(call: Call) -> Outcome | None:
    """``SYS.1006`` when the overlay says which states the resource must be in and it is in another
    (``AbstractVmInstance.validateOperationByState``: the operation error, its details the text of
    the state error)."""
    needs = call.api.change.get("needsState")
    found = _resource_of(call) if needs else None
    if found is None or found[1].get("state") in needs:
        return None
    words = re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", found[2]).lower()
    return error("SYS.1006", f"current {words} state[{found[1].get('state')}] doesn't allow to proceed message"
                             f"[{message_class(call.api)}], allowed states are [{', '.join(needs)}]")


# -- the work, by kind ---------------------------------------------------------------------------
def sample_answer(api: Api) -> dict:
    """The API's success answer as its page's sample shows it, held to its schema; with no sample,
    one made up whole from the schema (its first success field, every field it documents)."""
    if api.response is None or not api.success:
        return {}
    examples = api.response.get("examples")
    if not examples:
        props = api.response.get("properties", {})
        made = {name: samples.make(props[name], api.response, full=True, name=name) for name in api.success[:1] if name in props}
        return samples.cohere(made, api.places)
    conformed = samples.conform(examples[0], api.response, api.response)
    props = api.response.get("properties", {})
    for name in api.success:  # a success carries its success field, whatever the sample shows
        if name not in conformed and name in props:
            conformed[name] = samples.make(props[name], api.response)
            break
    return {k: v for k, v in conformed.items() if k in api.success or k not in ("error",)}


def _resource_of(call: Call, last: bool = False) -> tuple[str, dict, str] | None:
    """(collection, resource, its resource name) of the resource the call names in its path; with
    ``last``, only the one its path's last variable names, and only when the path ends in it."""
    names = [p for p in call.api.params if p.collection and p.where == "path" and call.value(p.name) is not None]
    if last:
        template = call.api.templates[0] if call.api.templates else ""
        names = [p for p in names if template.rstrip("/").endswith("{" + p.name + "}")]
    # One of the API's own collection first: an attach of a NIC to a VM acts on the VM (the VM
    # family's overlay entries say which states it needs), whatever order the path names them in.
    names.sort(key=lambda p: p.collection != call.api.collection)
    for p in names:
        found = call.state.get(p.collection, str(call.value(p.name)))
        if found is not None:
            return p.collection, found, p.vo[:-2] if p.vo and p.vo.endswith("VO") else p.collection
    return None


def _change(call: Call, found: tuple[str, dict, str]) -> dict | None:
    """What the overlay's ``change`` says the work does to the resource: it goes, or its state is
    set (and fields move); the resource as it is now, None when it went."""
    collection, resource, _ = found
    change = call.api.change
    if change.get("removes") or ("setsState" not in change and call.api.kind == "delete"):
        call.state.remove(collection, resource["uuid"])
        return None
    with call.state.lock:
        live = call.state.find(collection, resource["uuid"])
        if live is None:
            return None
        for field_, to in change.get("moves", {}).items():
            if live.get(field_) is not None:
                live[to] = live[field_]
            live[field_] = None
        if "setsState" in change:
            live["state"] = change["setsState"]
            live["lastOpDate"] = now()
        return call.state.get(collection, resource["uuid"])


def _with_resources(call: Call, answer: dict, changed: tuple[str, dict | None] | None = None) -> dict:
    """The answer with, in place of each success object that stands for a resource (an inventory),
    the resource of its type the path names (an attach of a volume to a VM answers the volume,
    whatever order the path names them in); ``changed``: (collection, the resource as the work
    left it) of the resource the work changed. A success object of a type the path names none of
    stays the page's (a create under a parent: the new child)."""
    for name in call.api.success:
        if not (isinstance(answer.get(name), dict) and "uuid" in answer[name]):
            continue
        for p in _path_params_of(call, name, body=True):
            if changed is not None and changed[0] == p.collection:
                resource = changed[1]
            else:
                resource = call.state.get(p.collection, str(call.value(p.name)))
            if resource is None:  # a resource the simulator keeps no inventory of: the page's, about it
                answer[name]["uuid"] = str(call.value(p.name))
            else:
                answer[name] = resource
            break
    return answer


def _inventory_type(api: Api, field: str) -> str | None:
    """The resource a success field holds, by its documented inventory type (``VolumeInventory``: Volume)."""
    page_type = (api.response or {}).get("properties", {}).get(field, {}).get(PAGE_TYPE)
    return page_type[: -len("Inventory")] if isinstance(page_type, str) and page_type.endswith("Inventory") else None


def _path_params_of(call: Call, field: str, body: bool = False) -> list:
    """The path's uuid parameters that may name the resource a success field holds: those naming a
    resource of its inventory type (by their collection, or by their name as the checks read it:
    :func:`~..contract.resources.named_by_param`), or every one when it has no documented type."""
    kind = _inventory_type(call.api, field)
    template = call.api.templates[0] if call.api.templates else ""

    def names_it(p) -> bool:
        if kind is None:
            return True
        by_name = named_by_param(p.name, template)
        return bool((p.vo and same_resource(p.vo[: -len("VO")], kind)) or (by_name and same_resource(by_name, kind)))

    places = ("path", "body") if body and kind is not None else ("path",)
    # The path's first; then, with ``body``, the body's of the answer's type (an action on a shared
    # path names the resource it acts on in its body: ``uuid`` of ``updateUserGroup``).
    return sorted((p for p in call.api.params if p.collection and p.where in places and call.value(p.name) is not None
                   and names_it(p) and not isinstance(call.value(p.name), list)), key=lambda p: p.where != "path")


def act(call: Call) -> Outcome:
    """An action, an update or a read of one resource: the page's answer, about the resources its
    path names (the one acted on changed first where the overlay says the action changes it)."""
    changed = None
    if call.api.change:
        found = _resource_of(call)
        if found is not None:
            changed = (found[0], _change(call, found))
    return 200, _with_resources(call, sample_answer(call.api), changed)


def create(call: Call) -> Outcome:
    """A new resource: the page's sample of one, with the parameters given and a uuid of its own.
    A POST whose path names a resource of the type it answers makes none: it acts on that one
    (an attach: ``POST /v1/volumes/{volumeUuid}/vm-instances/{vmInstanceUuid}`` answers the volume)."""
    if any(_inventory_type(call.api, name) and _path_params_of(call, name) for name in call.api.success):
        return act(call)
    answer = sample_answer(call.api)
    collection = call.api.collection
    for name in call.api.success:
        made = answer.get(name)
        if isinstance(made, dict):
            made.update({k: v for k, v in call.params.items() if k in made and _same_kind(v, made[k])})
            made["uuid"] = call.params.get(NEW_RESOURCE_UUID) or new_uuid()
            when = now()
            for date in ("createDate", "lastOpDate"):
                if date in made:
                    made[date] = when
            samples.cohere(answer, call.api.places)
            if collection:
                call.state.put(collection, made)
    return 200, answer


def _same_kind(value: Any, sample: Any) -> bool:
    """Whether a parameter's value may stand in a new resource's field whose sample is ``sample``:
    a string for a string, a boolean for a boolean, a number for a number, never a structure (a
    parameter of the same name but another type is another thing: ``prefixLen`` "24" is no number);
    a field the sample leaves null takes any value that is not a structure."""
    if isinstance(value, (dict, list)) or isinstance(sample, (dict, list)):
        return False
    if sample is None:
        return True
    if isinstance(value, bool) or isinstance(sample, bool):
        return isinstance(value, bool) and isinstance(sample, bool)
    if isinstance(value, (int, float)) and isinstance(sample, (int, float)):
        return isinstance(value, int) or isinstance(sample, float)
    return isinstance(value, str) and isinstance(sample, str)


def delete(call: Call) -> Outcome:
    """The resource the path's last variable names goes (the path ends in it), or stays as the
    overlay says; a delete of a part of a resource (a path that goes on past it) leaves it, and
    so does a detach (the path names another resource before it): only their link goes."""
    found = _resource_of(call, last=True)
    others = _others(call, found) if found is not None and not call.api.change else []
    if others:
        _unlink(call, found, others)
        found = None
    changed = (found[0], _change(call, found)) if found is not None else None
    return 200, _with_resources(call, sample_answer(call.api), changed)


def _others(call: Call, found: tuple[str, dict, str]) -> list[tuple[str, str]]:
    """(collection, uuid) of the other resources a delete's path names before the one it ends in:
    ``DELETE /v1/l2-networks/{l2NetworkUuid}/clusters/{clusterUuid}`` detaches the cluster from the
    L2 network (L2NoVlanNetwork.handle(APIDetachL2NetworkFromClusterMsg) removes their
    L2NetworkClusterRefVO, not the cluster)."""
    return [(p.collection, str(call.value(p.name))) for p in call.api.params
            if p.collection and p.where == "path" and call.value(p.name) is not None and str(call.value(p.name)) != found[1]["uuid"]]


def _unlink(call: Call, found: tuple[str, dict, str], others: list[tuple[str, str]]) -> None:
    """A detach: each of the resources its path names drops the other's uuid from the lists of
    uuids it holds (an L2 network's ``attachedClusterUuids``, a backup storage's ``attachedZoneUuids``)."""
    collection, detached, _ = found
    with call.state.lock:
        mine = call.state.find(collection, detached["uuid"])
        for other_collection, other_uuid in others:
            other = call.state.find(other_collection, other_uuid)
            for resource, gone in ((other, detached["uuid"]), (mine, other_uuid)):
                for key, value in (resource or {}).items():
                    if isinstance(value, list) and gone in value:
                        resource[key] = [v for v in value if v != gone]


def query(call: Call) -> Outcome:
    """A query of the API's collection: conditions, paging, sorting, fields; a reply with ``schema``."""
    collection = call.api.collection or ""
    resources = call.state.all(collection)
    q = parse_query(call.query)
    uuid = call.path.get("uuid")
    if uuid is not None:  # GET /v1/<resources>/{uuid}: only that condition counts
        q = parse_query({})
        q.conditions.append(("uuid", "=", uuid))
    known = set().union(*(r.keys() for r in resources)) if resources else {"uuid"}
    try:
        body = run_query(resources, q, known, inventory_class=inventory_class(call.api))
    except BadField as exc:
        return error("SYS.1007", str(exc))
    return 200, body


def inventory_class(api: Api) -> str:
    """The Java class of a query's inventories, as its messages name it."""
    name = api.name[len("Query"):] if api.name.startswith("Query") else api.name
    return f"org.zstack.header.{(api.collection or 'resource').split('-')[0]}.{name}Inventory"


WORK: dict[str, Callable[[Call], Outcome]] = {"create": create, "delete": delete, "query": query}
