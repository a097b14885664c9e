"""The places of a response where the page documents an object, and the objects of a body found
at them in one walk, which the checks and the drift and coverage bookkeeping share.

A contract's response schema is compiled once into a tree of :class:`Place` s: the body,
``inventory``, ``inventory.vmNics[]``, ``inventory.vmNics[].usedIps[]`` ..., reached through
properties that refer to a ``$defs`` table, or to a list of one; a table that refers to itself is
followed once, as coverage counts it. Tables that refer to each other make a tree of every path
through them, which grows as the factorial of their number: a tree of more than
:data:`MAX_PLACES` places (a derived schema has fewer than ten) is refused, :class:`TooManyPlaces`. :func:`walk` lists a body's objects at those places as
:class:`Found` records, and :class:`Shapes` sums up which documented and undocumented fields a
body showed, memoized by its keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from ..facts.pointers import escape_pointer
from .format import META, PAGE_TYPE, SOURCE


MAX_PLACES = 10_000


class TooManyPlaces(ValueError):
    """A response schema whose tree of places would hold more than :data:`MAX_PLACES`."""


@dataclass(eq=False)  # compared and hashed by identity: the shape memo keys on it
class Place:
    """A place where the page documents an object."""

    path: str  # coverage path of the place: "" for the body, "inventory.vmNics[]"
    properties: dict[str, Any]  # the documented fields, name -> schema
    children: tuple[tuple[str, bool, "Place"], ...] = ()  # (field, holds a list, place below)
    resource: bool = False  # under a success field: a resource the semantic checks look at
    top: bool = False  # a success field's own object (``inventory``, ``inventories[]``)
    owner_field: str | None = None  # list items: the documented field naming their owner's uuid
    owner_rule: str | None = None  # that field's page line

    @property
    def prefix(self) -> str:
        """What the paths of this place's fields start with."""
        return self.path + "." if self.path else ""


@dataclass(slots=True, eq=False)
class Found:
    """An object of a body at a documented place."""

    value: dict
    place: Place
    parent: "Found | None"  # the enclosing object (None for the body)
    key: str | None  # the field it is under
    index: int | None  # its position in that field's list (None: the field holds the object itself)

    def pointer(self) -> str:
        """The JSON pointer of the object in its body."""
        parts: list = []
        entry = self
        while entry.parent is not None:
            if entry.index is not None:
                parts.append(entry.index)
            parts.append(entry.key)
            entry = entry.parent
        return escape_pointer(parts[::-1])


def compile_places(response: dict, success_fields: tuple[str, ...], resolve: Callable[[dict], dict]) -> Place:
    """The tree of places of a response schema (the body's place is the root)."""
    success = set(success_fields)
    meta = response.get(META, {})
    # A query's inventories are of the resource it is named after (QueryVmInstance -> vmInstance).
    query_owner = _owner_name(meta.get("api", "")[len("Query"):], False) if meta.get("kind") == "query" else ""
    built = [0]

    def build(schema: dict, path: str, stack: tuple, resource: bool, top: bool, owner: str | None, owner_field: str | None) -> Place:
        """The place at ``path``; ``owner``: the name its lists' items use for it (``vmInstance``)."""
        built[0] += 1
        if built[0] > MAX_PLACES:
            raise TooManyPlaces(f"more than {MAX_PLACES} documented places: $defs that refer to each other in too many ways")
        props = schema.get("properties", {})
        place = Place(path, props, resource=resource, top=top)
        if isinstance(props.get(owner_field), dict):
            place.owner_field, place.owner_rule = owner_field, props[owner_field].get(SOURCE)
        children = []
        for name, prop in props.items():
            target, ref, is_list = descend(prop)
            if target is None or ref in stack:
                continue
            is_success = not path and name in success
            below = resource or is_success
            # A nested list's items are owned by what the list names (vmNics -> vmNic); an object
            # by the type the page gives it (VmInstanceInventory -> vmInstance).
            if is_list:
                owns = _owner_name(name, True) if path else query_owner
            else:
                owns = _owner_name(prop.get(PAGE_TYPE, ""), False)
            sub = build(resolve(target), (f"{path}.{name}" if path else name) + ("[]" if is_list else ""), stack + (ref,),
                        below, is_success, owns if below else None,
                        owner + "Uuid" if is_list and owner and resource else None)
            children.append((name, is_list, sub))
        place.children = tuple(children)
        return place

    return build(response, "", (), False, False, None, None)


def descend(prop: dict) -> tuple[dict | None, str | None, bool]:
    """(schema to walk into, the ``$defs`` reference it follows, whether through a list) for a property."""
    if not isinstance(prop, dict):  # true or false: documents nothing below
        return None, None, False
    if "$ref" in prop:
        return prop, prop["$ref"], False
    items = prop.get("items")
    if isinstance(items, dict) and "$ref" in items:
        return items, items["$ref"], True
    return None, None, False


@lru_cache(maxsize=256)
def _owner_name(type_or_list: str, from_list: bool) -> str:
    """VmInstanceInventory -> vmInstance; vmNics -> vmNic: the prefix of the owner's uuid field."""
    base = type_or_list
    if from_list:
        base = base[:-1] if base.endswith("s") else base
    elif base.endswith("Inventory"):
        base = base[: -len("Inventory")]
    return base[:1].lower() + base[1:]


def walk(root: Place, body: Any) -> list[Found]:
    """The objects of ``body`` at documented places, in document order (each before the objects inside it)."""
    found: list[Found] = []
    if isinstance(body, dict):
        _visit(Found(body, root, None, None, None), found)
    return found


def _visit(entry: Found, found: list[Found]) -> None:
    # Not a closure: a function that calls itself through its own cell is a reference cycle,
    # which would keep every document alive until the cyclic collector runs.
    found.append(entry)
    value = entry.value
    for name, is_list, place in entry.place.children:
        sub = value.get(name)
        if sub is None:
            continue
        if not is_list:
            if isinstance(sub, dict):
                _visit(Found(sub, place, entry, name, None), found)
        elif isinstance(sub, list):
            for n, item in enumerate(sub):
                if isinstance(item, dict):
                    _visit(Found(item, place, entry, name, n), found)


class Shape(NamedTuple):
    """What one body showed: documented paths present, and undocumented paths present."""

    seen: frozenset[str] = frozenset()
    undocumented: frozenset[str] = frozenset()


class Shapes:
    """The shapes of a contract's bodies, memoized by the keys of their objects and the places
    those are at: documents that share a shape are summed up once. A corpus of real answers has
    a handful of shapes; at most :attr:`limit` are remembered."""

    limit = 4096

    def __init__(self) -> None:
        self._memo: dict[frozenset, Shape] = {}

    def of(self, found: list[Found]) -> Shape:
        """The shape of a body from its :func:`walk`."""
        key = frozenset([(entry.place, tuple(entry.value)) for entry in found])
        shape = self._memo.get(key)
        if shape is None:
            seen: set[str] = set()
            undocumented: set[str] = set()
            for place, keys in key:
                for name in keys:
                    (seen if name in place.properties else undocumented).add(place.prefix + name)
            shape = Shape(frozenset(seen), frozenset(undocumented))
            if len(self._memo) < self.limit:
                self._memo[key] = shape
        return shape

    def __len__(self) -> int:
        return len(self._memo)
