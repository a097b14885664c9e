"""An API's request parameters, read from its derived request schema: where each goes (path,
query string, a body structure, the body's top level), its schema and whether it is required. The
generated tests build requests from them and the simulator checks requests against them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..facts.ids import names_existing_resource
from .format import META


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # path, query, body (inside the structure ``container``), top (a top-level body key)
    schema: dict[str, Any]
    required: bool
    container: str | None = None
    looked_up: bool = True  # False where the overlay says the node never looks it up (``unchecked``)

    @property
    def names_resource(self) -> bool:
        """A uuid naming an existing resource that the node looks up (``resourceUuid`` names the
        one a create makes; a parameter the overlay calls ``unchecked`` is just text to the node)."""
        return self.looked_up and names_existing_resource(self.name)


@dataclass(frozen=True)
class Parameters:
    params: tuple[Parameter, ...]
    structure: str | None  # the first body structure (the page's: for an action, its action key)

    def __iter__(self):
        return iter(self.params)


def read_parameters(request: dict[str, Any] | None) -> Parameters:
    """The parameters of a request schema, in the page's order: path, query, then the body's."""
    request = request or {}
    params: list[Parameter] = []
    defs = request.get("$defs", {})
    unchecked = frozenset(request.get(META, {}).get("unchecked", ()))
    for where in ("path", "query"):
        params += _of(defs.get(where, {}), where, unchecked)
    structure = None
    if request.get("type") == "object":
        required = set(request.get("required", ()))
        for name, schema in request.get("properties", {}).items():
            if schema.get("type") == "object" and "properties" in schema:
                structure = structure or name
                params += _of(schema, "body", unchecked, container=name)
            else:
                params.append(Parameter(name, "top", schema, name in required, looked_up=name not in unchecked))
    return Parameters(tuple(params), structure)


def _of(obj: dict[str, Any], where: str, unchecked: frozenset[str], container: str | None = None) -> list[Parameter]:
    required = set(obj.get("required", ()))
    return [Parameter(name, where, schema, name in required, container, name not in unchecked)
            for name, schema in obj.get("properties", {}).items()]
