"""The page model: what one API reference page says, with the line each fact came from.

A page parsed from a reference page (:mod:`.parser`) and one read from the doc sources it is
rendered from (:mod:`.doc_sources`) are the same model: the schema builder does not know which it
has. A doc source spreads an API over several files (the message's, its result's, the
inventories'): a field or table written in another file than the page's own says where
(``source``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .vocabulary import see_target


SOURCE = "doc source"  # the language of a page read from its doc sources


@dataclass(frozen=True)
class Field:
    """One row of a parameter or field table."""

    name: str
    type: str  # as the page writes it: String, long, List, VmInstanceInventory, ...
    description: str
    since: str | None
    line: int  # physical line of the row's first cell
    location: str | None = None  # request tables only: url, body, query, ...
    container: str | None = None  # "body (contained in the X structure)" -> X
    valid_values: tuple[str, ...] = ()
    optional: bool = False  # marked in the name cell, or a description opening with "Optional"
    source: str | None = None  # where the row is written when not on the page's lines: "file:line", "overlay:<id>"
    overlay: str | None = None  # the overlay entry that adds the field, for a field no page gives

    def see(self) -> str | None:
        """The table the description refers to (``See X.``, ``详情参考X``), if any."""
        return see_target(self.description)


@dataclass(frozen=True)
class Table:
    name: str  # "request", "response", or the section name after '#'
    columns: tuple[str, ...]
    fields: tuple[Field, ...]
    line: int  # the header row (or the '#name' line for sections)
    source: str | None = None  # where the table is written when not on the page's lines: "file:line"


def drop_repeated(table: Table, where: "Callable[[Field], str]") -> tuple[Table, list[Defect]]:
    """The table without the later rows of a field it lists twice (the first is kept), and a defect
    for each (``where(field)``: the ``file:line`` that names it)."""
    first: dict[str, Field] = {}
    defects = []
    for f in table.fields:
        if f.name in first:
            defects.append(Defect(where(f), f"field {f.name!r} listed twice in table {table.name} "
                                            f"(first at {where(first[f.name])}): the first is used"))
        else:
            first[f.name] = f
    if not defects:
        return table, []
    return Table(table.name, table.columns, tuple(first.values()), table.line, table.source), defects


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with a leading slash and without the context path: /v1/vm-instances/{uuid}/actions
    line: int
    query: tuple[str, ...] = ()  # parameters the URL line puts in its query string (?deleteMode={deleteMode})


@dataclass(frozen=True)
class Sample:
    """A JSON sample of the page and the line it starts on."""

    value: Any
    line: int


@dataclass(frozen=True)
class Defect:
    """Something a page (or doc source) says that cannot be right, which derivation works around
    (or, for ``since-after-release``, only reports): a warning, not the end of the page."""

    where: str  # "file:line"
    message: str
    check: str = "doc-defect"  # the name the warning ends with, [doc-defect]


@dataclass(frozen=True)
class Page:
    path: str  # as shown in messages and annotations
    api: str
    api_line: int  # the title line, or the line the API name was read from
    language: str  # of the vocabulary whose headings the page uses (en, zh); SOURCE for a doc source
    endpoints: tuple[Endpoint, ...]
    headers: tuple[tuple[str, str, int], ...]
    request: Table | None
    response: Table | None
    sections: dict[str, Table] = field(default_factory=dict)
    request_sample: Sample | None = None  # the Body sample
    curl_sample: Sample | None = None  # the body the curl sample sends (-d '...')
    curl_query: Sample | None = None  # the query string of the curl sample's URL: name -> [values]
    response_sample: Sample | None = None
    empty_response_line: int | None = None  # the sentence saying the API answers {} on success
    queryable_line: int | None = None  # the note that makes this a query API
    defects: tuple[Defect, ...] = ()

    @property
    def action_key(self) -> str:
        """The body key that selects this API on a shared actions path."""
        return self.api[:1].lower() + self.api[1:]

    @property
    def method(self) -> str:
        return self.endpoints[0].method

    @property
    def kind(self) -> str:
        """query, action (a PUT on .../actions), create (POST), delete, get, or update (another PUT)."""
        if self.queryable_line is not None:
            return "query"
        method, path = self.method, self.endpoints[0].path
        if method == "PUT":
            return "action" if path.endswith("/actions") else "update"
        return {"POST": "create", "DELETE": "delete", "GET": "get"}.get(method, method.lower())

    def source(self, line: int) -> str:
        return f"{self.path}:{line}"

    def field_source(self, f: Field) -> str:
        return f.source or self.source(f.line)

    def table_source(self, t: Table) -> str:
        return t.source or self.source(t.line)
