"""What a page's type names mean: primitives, and references to other tables of the page."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PageError
from .page import Field, Page

# Page type name (lower-cased) -> kind. Anything else is a structure type that must resolve to a
# '#name' table of the page.
PRIMITIVES = {
    "string": "string",
    "long": "long",
    "int": "int",
    "integer": "int",
    "short": "int",
    "boolean": "boolean",
    "bool": "boolean",
    "timestamp": "timestamp",
    "date": "timestamp",
    "double": "number",
    "float": "number",
    "map": "object",
    "hashmap": "object",
    "linkedhashmap": "object",
    "list": "list",
    "set": "list",
    "collection": "list",
}


@dataclass(frozen=True)
class Kind:
    """A field's meaning: a primitive kind, a list (of a table, or free), or a table."""

    kind: str  # string, long, int, boolean, timestamp, number, object, list, table
    table: str | None = None  # the referenced section, for 'table' and for lists of a table


def structure_types(page: Page) -> dict[str, str]:
    """Structure type name -> section, learnt from fields that name both (``inventory | VmInstanceInventory | See inventory.``)."""
    found: dict[str, str] = {}
    for table in _tables(page):
        for f in table.fields:
            if f.type.lower() in PRIMITIVES:
                continue
            see = f.see()
            if see in page.sections:
                found.setdefault(f.type, see)
            elif f.name in page.sections:
                found.setdefault(f.type, f.name)
    return found


def _tables(page: Page):
    return [t for t in (page.request, page.response) if t] + list(page.sections.values())


def resolve_reference(page: Page, f: Field, types: dict[str, str] | None = None) -> Kind:
    """The kind of ``f``; raises PageError (naming the row's line) for a reference to no table.
    ``types``: the page's :func:`structure_types`, when the caller has them. An ``ErrorCode``
    is the ``error`` table, the page's or the one the overlay provides."""
    base = PRIMITIVES.get(f.type.lower())
    if base not in (None, "list"):
        return Kind(base)
    see = f.see()
    if see and see not in page.sections:
        raise PageError(page.path, f.line, f"{f.name}: 'See {see}' but the page has no #{see} table")
    target = see
    if target is None and base is None:
        target = (structure_types(page) if types is None else types).get(f.type)
    if target is None and f.name in page.sections:
        target = f.name
    if target is None and f.type.lower() == "errorcode":
        target = "error"
    if base == "list":
        return Kind("list", target)
    if target is None:
        raise PageError(page.path, f.line, f"{f.name}: type {f.type} is neither a known type nor a #table of the page")
    return Kind("table", target)
