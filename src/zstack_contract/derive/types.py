"""What a page's type names mean: primitives, arrays of them, and references to other tables of
the page.

A reference that leads nowhere is not the end of a page: the doc generator renders a row that
refers to its own table (an ErrorCode's ``cause``, a tree's ``children``) with a ``See X`` but no
``#X`` section, and types a field of an enum class by the class's name (``RoleStateEvent``,
``IpRangeType``), which has no table either. Such a field gets the schema the type allows (an
object, a list, or a string: Gson writes an enum constant by its name), and a reference to no
table is a :class:`~.page.Defect` of the page (:func:`defects`), reported as a warning. An enum
class with a doc of its own has a table of its constants, each row typed by the class itself:
a reference to it is a string, one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .page import Defect, Field, Page

# Page type name (lower-cased) -> kind. Anything else is a structure type that resolves to a
# '#name' table of the page, or else an enum class.
PRIMITIVES = {
    "string": "string",
    "char": "string",
    "long": "long",
    "int": "int",
    "integer": "int",
    "short": "int",
    "byte": "byte",
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
ARRAY = "[]"  # byte[]: a Java array, which Gson writes as a JSON array


@dataclass(frozen=True)
class Kind:
    """A field's meaning: a primitive kind, a list (of a table, of a primitive, or free), a
    table, or an enum (a class with no table, written by its constants' names)."""

    kind: str  # string, byte, int, long, boolean, timestamp, number, object, list, table, enum
    table: str | None = None  # the referenced section, for 'table' and for lists of a table
    item: "Kind | None" = None  # the items of a list of primitives (byte[]) or of an enum
    dangling: str | None = None  # the 'See X' that names no table of the page
    values: tuple[str, ...] = ()  # an enum's constants, when its table lists them


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


def resolve_reference(page: Page, f: Field, types: dict[str, str] | None = None, request: bool = False) -> Kind:
    """The kind of ``f``. ``types``: the page's :func:`structure_types`, when the caller has them.
    An ``ErrorCode`` is the ``error`` table, the page's or the one the overlay provides.

    ``request``: ``f`` is a request parameter. The sections of a page describe its answer (the
    doc source's parameters are columns, never references): a parameter named or typed as a
    section is not of that table (AddSecurityGroupRule's ``rules`` are not its answer's ``rules``)."""
    if f.type.endswith(ARRAY):
        item = PRIMITIVES.get(f.type[: -len(ARRAY)].lower())
        if item not in (None, "list", "object"):
            return Kind("list", item=Kind(item))
        return Kind("list")
    base = PRIMITIVES.get(f.type.lower())
    if base not in (None, "list"):
        return Kind(base)
    if request:
        return Kind("list") if base == "list" else Kind("enum")
    see = f.see()
    dangling = see if see and see not in page.sections else None
    target = see if see and not dangling else None
    if target is None and base is None:
        target = (structure_types(page) if types is None else types).get(f.type)
    if target is None and f.name in page.sections:
        target = f.name
    if target is None and f.type.lower() == "errorcode":
        target = "error"
    constants = _constants(page, target, f.type) if target else ()
    if base == "list":
        if constants:
            return Kind("list", item=Kind("enum", values=constants))
        return Kind("list", target, dangling=dangling if target is None else None)
    if constants:
        return Kind("enum", values=constants)
    if target is not None:
        return Kind("table", target)
    if dangling:
        return Kind("object", dangling=dangling)
    return Kind("enum")


def _constants(page: Page, table: str, type_: str) -> tuple[str, ...]:
    """The constants of an enum whose table the page shows: a table each row of which is typed by
    the type that refers to it (``type | XmlHookType | See type`` and ``#type``: ``System |
    XmlHookType``, ``Customization | XmlHookType``): Gson writes such a value as a constant's name."""
    rows = page.sections[table].fields if table in page.sections else ()
    if rows and type_.lower() not in PRIMITIVES and all(r.type == type_ for r in rows):
        return tuple(r.name for r in rows)
    return ()


def defects(page: Page) -> list[Defect]:
    """The page's references to tables it does not have, one for each row that makes one."""
    types = structure_types(page)
    out = []
    for table in _tables(page):
        for f in table.fields:
            kind = resolve_reference(page, f, types, request=table is page.request)
            if kind.dangling:
                out.append(Defect(page.field_source(f), f"{f.name}: 'See {kind.dangling}' but there is no #{kind.dangling} table: "
                                                        f"taken as {'a list' if kind.kind == 'list' else 'an object'} of any fields"))
    return out
