"""The documented objects of a response body, found in one walk that the checks and the drift and
coverage bookkeeping share.

A contract's response schema is compiled once into a tree of :class:`Table` s, one for each place
a documented object can be (the body, ``inventory``, ``inventory.vmNics[]``,
``inventory.vmNics[].usedIps[]`` ...), reached through properties that refer to a table, or to a
list of one; a table that refers to itself is followed once, as coverage counts it.
:func:`walk` lists a body's objects at those places.

Each object found is a plain tuple ``(value, table, parent, key, index)`` (fields ``VALUE`` ...
``INDEX``): a document holds a handful of objects and a corpus millions, so they are kept as
cheap to make as Python allows. ``parent`` is the enclosing object's tuple (None for the body),
``key`` the field it is under and ``index`` its place in that field's list (None when the field
holds the object itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .contracts import Contract
from .findings import escape_pointer

VALUE, TABLE, PARENT, KEY, INDEX = range(5)
Found = tuple  # (value: dict, table: Table, parent: Found | None, key: str | None, index: int | None)


@dataclass(eq=False)  # compared and hashed by identity: the shape memo keys on it
class Table:
    """A place where the page documents an object."""

    path: str  # coverage path of the place: "" for the body, "inventory.vmNics[]"
    properties: dict[str, Any]  # the documented fields, name -> schema
    children: tuple[tuple[str, bool, "Table"], ...] = ()  # (field, holds a list, table below)
    resource: bool = False  # under a success field: a resource the semantic checks look at
    top: bool = False  # a success field's own object (``inventory``, ``inventories[]``)
    owner_field: str | None = None  # list items: the documented field naming their owner's uuid
    owner_rule: str | None = None  # that field's page line

    @property
    def prefix(self) -> str:
        """What the paths of this place's fields start with."""
        return self.path + "." if self.path else ""


def tables(contract: Contract) -> Table:
    """The contract's tree of tables, compiled once (the body's table is the root)."""
    root = contract._cache.get("tables")
    if root is None:
        root = contract._cache["tables"] = _compile(contract)
    return root


def _compile(contract: Contract) -> Table:
    success = set(contract.success_fields)

    def build(schema: dict, path: str, stack: tuple, resource: bool, owner: str | None, top: bool, owner_field: str | None) -> Table:
        """The table at ``path``; ``owner``: the name its lists' items use for it (``vmInstance``)."""
        props = schema.get("properties", {})
        table = Table(path, props, resource=resource, top=top)
        if owner_field in props:
            table.owner_field, table.owner_rule = owner_field, props[owner_field].get("x-source")
        children = []
        for name, prop in props.items():
            target, ref, is_list = descend(prop)
            if target is None or ref in stack:
                continue
            is_success = not path and name in success
            below = resource or is_success
            # A nested list's items are owned by what the list names (vmNics -> vmNic); anything
            # else by the type the page gives it (VmInstanceInventory -> vmInstance).
            owns = _owner_name(name, True) if path and is_list else _owner_name(_type_of(target), False)
            sub = build(contract.resolve(target), (f"{path}.{name}" if path else name) + ("[]" if is_list else ""), stack + (ref,),
                        below, owns if below else None, top=is_success,
                        owner_field=owner + "Uuid" if is_list and owner and resource else None)
            children.append((name, is_list, sub))
        table.children = tuple(children)
        return table

    return build(contract.response, "", (), False, None, False, None)


def descend(prop: dict) -> tuple[dict | None, str | None, bool]:
    """(schema to walk into, the ``$defs`` reference it follows, whether through a list) for a property."""
    if "$ref" in prop:
        return prop, prop["$ref"], False
    items = prop.get("items")
    if isinstance(items, dict) and "$ref" in items:
        return items, items["$ref"], True
    return None, None, False


def _type_of(schema: dict) -> str:
    """The page's type name from an x-source annotation: 'page:line name Type' -> 'Type'."""
    return (schema.get("x-source") or "").rsplit(" ", 1)[-1]


@lru_cache(maxsize=256)
def _owner_name(type_or_list: str, from_list: bool) -> str:
    """VmInstanceInventory -> vmInstance; vmNics -> vmNic: the prefix of the owner's uuid field."""
    base = type_or_list
    if from_list:
        base = base[:-1] if base.endswith("s") else base
    elif base.endswith("Inventory"):
        base = base[: -len("Inventory")]
    return base[:1].lower() + base[1:]


def walk(root: Table, body: Any) -> list[Found]:
    """The objects of ``body`` at documented places, in document order (each before the objects inside it)."""
    found: list[Found] = []
    if isinstance(body, dict):
        _visit((body, root, None, None, None), found)
    return found


def _visit(entry: Found, found: list[Found]) -> None:
    # Not a closure: a function that calls itself through its own cell is a reference cycle,
    # which would keep every document alive until the cyclic collector runs.
    found.append(entry)
    value = entry[VALUE]
    for name, is_list, table in entry[TABLE].children:
        sub = value.get(name)
        if sub is None:
            continue
        if not is_list:
            if isinstance(sub, dict):
                _visit((sub, table, entry, name, None), found)
        elif isinstance(sub, list):
            for n, item in enumerate(sub):
                if isinstance(item, dict):
                    _visit((item, table, entry, name, n), found)


def pointer(entry: Found) -> str:
    """The JSON pointer of a found object in its body."""
    parts: list = []
    while entry[PARENT] is not None:
        if entry[INDEX] is not None:
            parts.append(entry[INDEX])
        parts.append(entry[KEY])
        entry = entry[PARENT]
    return escape_pointer(parts[::-1])
