"""Which resources a contract's APIs name: the collections a node keeps, and the collection each
uuid parameter, query and create is about. The simulator keeps its resources by these
collections and the generated live cases find resources with them, so both name a resource alike.

A collection is what one query API lists: its path after ``/v1`` without the trailing ``{uuid}``
(QueryVmInstance's ``GET /v1/vm-instances`` is ``vm-instances``; QueryVmNic's ``GET
/v1/vm-instances/nics`` is ``vm-instances/nics``), its resource is the API's name after
``Query`` (``VmNic``), and the class a node names in ``SYS.1003`` is that name with ``VO``.

- a uuid parameter ``<x>Uuid`` (or ``<x>Uuids``) names, where the overlay does not say
  (:meth:`Resources.of_contract_param`), the collection whose resource is ``x`` (``vmNicUuid``:
  VmNic; case aside: ``snapShotUuid``, ``servergroupUuid``), else the one whose resource ``x``
  ends with (``srcHostUuid``: Host), else the one whose resource ends with ``x``'s words
  (``listenerUuid``: LoadBalancerListener; of several, the one whose other words the API's name
  has: ``ruleUuid`` of AttachPortForwardingRule, PortForwardingRule), else the one whose
  resource has ``x``'s words and whose whole name the API's name has (``xmlHookUuid`` of
  UpdateVmUserDefinedXmlHookScript), else the one whose initials ``x`` is (``aclUuid``:
  AccessControlList), else a collection made from the name (``vm-nics``) that no query lists;
- a parameter ``uuid`` names the collection whose path is the longest that the route's path
  before it starts with, its variables left out (``/v1/vm-instances/nics/{uuid}/actions``:
  ``vm-instances/nics``; ``/v1/vm-instances/{vmInstanceUuid}/cdroms/{uuid}/actions``:
  ``vm-instances/cdroms``), else the one a segment of that path names as a uuid parameter would
  (``/v1/nics/{uuid}``: VmNic; a body ``uuid`` of ``/v1/delete/directory``: Directory, the last
  segment first), else the route's first segment;
- a ``resourceUuid(s)`` or ``<x>ResourceUuid(s)`` names a resource of any type
  (:func:`names_any_type`): a collection the simulator keeps apart, no type of the graph;
- a query lists its own collection; a create makes a resource of its answer's inventory type
  (``IpRangeInventory``: IpRange), else of its path's collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..facts.ids import names_existing_resource
from .format import META, PAGE_TYPE

_UUID_PARAM = re.compile(r"^(.*?)Uuids?$")


@dataclass(frozen=True)
class Collection:
    name: str  # vm-instances, vm-instances/nics
    resource: str  # VmInstance, VmNic (the class name without Inventory)

    @property
    def vo(self) -> str:
        """The database class a node names in SYS.1003: ``VmNicVO``."""
        return self.resource + "VO"


def path_collection(template: str) -> str | None:
    """``/v1/vm-instances/nics/{uuid}`` -> ``vm-instances/nics``; None for a path that starts with a variable."""
    parts = [p for p in template.split("/") if p and p != "v1"]
    static = []
    for p in parts:
        if p.startswith("{"):
            break
        static.append(p)
    return "/".join(static) or None


def named_by_param(name: str, template: str) -> str | None:
    """The resource a path's uuid variable names by its name alone, for telling which variable is
    the answer's own resource: ``l3NetworkUuid``: L3Network; ``uuid``: the resource of the path's
    segment before it (``/v1/l3-networks/{uuid}``: L3Network); None when that cannot be read."""
    if name != "uuid":
        m = _UUID_PARAM.match(name)
        return m.group(1)[:1].upper() + m.group(1)[1:] if m and m.group(1) else None
    before = [p for p in template.split("{uuid}", 1)[0].split("/") if p]
    return _resource_of_name(before[-1]) if before and not before[-1].startswith("{") and before[-1] != "v1" else None


def same_resource(a: str, b: str) -> bool:
    """Whether two resource names are one resource's, one read more narrowly (``Nic`` of a path
    ``/vm-instances/nics``, ``VmNic``; ``SrcHost``, ``Host``)."""
    a, b = a.lower(), b.lower()
    return a.endswith(b) or b.endswith(a)


def names_any_type(name: str) -> bool:
    """Whether a uuid parameter names a resource of any type (``resourceUuids``,
    ``targetResourceUuid``: ZStack's name for a uuid whose type the request does not fix)."""
    m = _UUID_PARAM.match(name)
    return bool(m and m.group(1) and _words(m.group(1)[:1].upper() + m.group(1)[1:])[-1] == "Resource")


def _words(name: str) -> list[str]:
    """``LoadBalancerServerGroup`` -> LoadBalancer... each capitalised word (digits stay with the word before)."""
    return re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name)


def _ends_with_words(resource: str, word: str) -> bool:
    """Whether a resource's name ends with a name, case aside, at a word's start: LoadBalancerServerGroup, servergroup."""
    n = len(word)
    return len(resource) > n and resource.lower().endswith(word.lower()) and resource[-n].isupper()


def _has_words(resource: str, word: str) -> bool:
    """Whether a resource's name has a name, case aside, from a word's start to a word's end."""
    low, n = resource.lower(), len(word)
    at = low.find(word.lower())
    while at >= 0:
        if resource[at].isupper() and (at + n == len(resource) or resource[at + n].isupper()):
            return True
        at = low.find(word.lower(), at + 1)
    return False


def _initials(resource: str) -> str:
    """``AccessControlList`` -> ``acl``."""
    return "".join(w[0] for w in _words(resource)).lower()


def _kebab_plural(word: str) -> str:
    """``VmNic`` -> ``vm-nics``: a collection's name made from a resource's."""
    kebab = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", word).lower()
    return kebab + ("es" if kebab.endswith(("s", "x", "ch")) else "s")


def _resource_of_name(collection: str) -> str:
    last = collection.rsplit("/", 1)[-1]
    singular = last[:-2] if last.endswith(("ses", "xes", "ches")) else last[:-1] if last.endswith("s") else last
    return "".join(w[:1].upper() + w[1:] for w in singular.split("-"))


class Resources:
    """The collections of a contract: built from its query APIs (``queries``: (API name, route
    templates) of each), asked about parameters, queries and creates."""

    def __init__(self, queries: Iterable[tuple[str, tuple[str, ...]]]):
        self.by_resource: dict[str, Collection] = {}
        self.by_path: dict[str, Collection] = {}
        self.of_query: dict[str, Collection] = {}
        for api, templates in sorted(queries):
            path = next((path_collection(t) for t in templates if path_collection(t)), None)
            resource = api[len("Query"):] if api.startswith("Query") else None
            if path is None or not resource:
                continue
            c = Collection(path, resource)
            self.of_query[api] = c
            self.by_resource.setdefault(resource.lower(), c)
            self.by_path.setdefault(path, c)
        # the longest resource names first, for 'the one x ends with'
        self._suffixes = sorted(self.by_resource, key=len, reverse=True)
        self._listed = sorted(self.by_resource.values(), key=lambda c: c.resource)

    @classmethod
    def of(cls, contracts) -> "Resources":
        """The collections of a ContractSet."""
        return cls((c.api, tuple(r.template for r in c.routes)) for c in contracts if c.kind == "query")

    def named(self, resource: str) -> Collection | None:
        """The collection of a resource (``VmNic``), if a query lists it."""
        return self.by_resource.get(resource.lower())

    def of_param(self, name: str, template: str | None = None, api: str = "") -> Collection | None:
        """The collection a uuid parameter of the API ``api`` names (see the module); None for one
        that names no resource."""
        if name == "uuid":
            return self.of_path(template, api) if template else None
        m = _UUID_PARAM.match(name)
        if not m or not m.group(1) or not names_existing_resource(name):
            return None
        word = m.group(1)[:1].upper() + m.group(1)[1:]
        found = self._of_word(word, api)
        if found is not None:
            return found
        made = _kebab_plural(word)
        return Collection(made, _resource_of_name(made))

    def of_contract_param(self, contract, name: str) -> Collection | None:
        """The collection a uuid parameter of a contract names: the overlay's type for it
        (``names``), else :meth:`of_param` from its name, its route and its API's name."""
        given = contract.param_types.get(name)
        if given:
            return self.named(given) or Collection(_kebab_plural(given), given)
        template = contract.routes[0].template if contract.routes else None
        return self.of_param(name, template, contract.api)

    def _of_word(self, word: str, api: str = "") -> Collection | None:
        """The listed collection a resource's name (``ServerGroup``, ``Nic``) means, by the rules of
        the module; None when none does."""
        stem = word.lower()
        found = self.by_resource.get(stem) or next((self.by_resource[s] for s in self._suffixes if stem.endswith(s)), None)
        if found is not None:
            return found
        ending = [c for c in self._listed if _ends_with_words(c.resource, word)]
        if len(ending) > 1:  # of several, the one whose other words the API's name has, the most of them
            ending = sorted((c for c in ending if c.resource[: -len(word)] in api), key=lambda c: -len(c.resource))[:1]
        if len(ending) == 1:
            return ending[0]
        within = [c for c in self._listed if len(_words(word)) > 1 and c.resource in api and _has_words(c.resource, word)]  # one word says too little
        if len(within) == 1:
            return within[0]
        initials = [c for c in self._listed if len(stem) > 2 and _initials(c.resource) == stem]
        return initials[0] if len(initials) == 1 else None

    def of_path(self, template: str, api: str = "") -> Collection | None:
        """The collection whose path is the longest the route's path before its ``{uuid}`` starts
        with, else the one a segment of it names (see the module)."""
        before = template.split("{uuid}", 1)[0].rstrip("/")
        parts = [p for p in before.split("/") if p and p != "v1" and not p.startswith("{")]  # /vm-instances/{vmInstanceUuid}/cdroms: vm-instances/cdroms
        for n in range(len(parts), 0, -1):
            found = self.by_path.get("/".join(parts[:n]))
            if found is not None:
                return found
        for part in reversed(parts):
            found = self._of_word(_resource_of_name(part), api) if part not in ("actions",) else None
            if found is not None:
                return found
        first = path_collection(template)
        if first is None:
            return None
        head = first.split("/", 1)[0]
        return self.by_path.get(head) or Collection(head, _resource_of_name(head))

    def of_listed_path(self, template: str) -> Collection | None:
        """The listed collection whose path is the longest the route's static path starts with
        (``/v1/vm-instances/capabilities``: vm-instances); None when none is."""
        parts = (path_collection(template) or "").split("/")
        return next((self.by_path[p] for n in range(len(parts), 0, -1) if (p := "/".join(parts[:n])) in self.by_path), None)

    def of_create(self, response: dict, template: str) -> Collection | None:
        """The collection a create adds to: its answer's inventory type's, else its path's."""
        for name in response.get(META, {}).get("envelope", {}).get("success", ()):
            page_type = response.get("properties", {}).get(name, {}).get(PAGE_TYPE, "")
            if page_type.endswith("Inventory"):
                found = self.named(page_type[: -len("Inventory")])
                if found is not None:
                    return found
        path = path_collection(template)
        return self.by_path.get(path) if path else None
