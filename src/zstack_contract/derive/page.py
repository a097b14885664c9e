"""The page model: what one API reference page says, with the line each fact came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re

_SEE = re.compile(r"\b[Ss]ee ([A-Za-z_][A-Za-z0-9_]*)\s*\.?\s*$")


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
    optional_values: str | None = None

    @property
    def optional(self) -> bool:
        """The reference marks an optional parameter by starting its description with 'Optional.'"""
        return self.description.lstrip().lower().startswith("optional")

    def see(self) -> str | None:
        """The table named by a closing 'See X.' in the description, if any."""
        m = _SEE.search(self.description)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Table:
    name: str  # "request", "response", or the section name after '#'
    columns: tuple[str, ...]
    fields: tuple[Field, ...]
    line: int  # the header row (or the '#name' line for sections)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with a leading slash and without the context path: /v1/vm-instances/{uuid}/actions
    line: int


@dataclass(frozen=True)
class Page:
    path: str  # as shown in messages and annotations
    api: str
    api_line: int
    endpoints: tuple[Endpoint, ...]
    headers: tuple[tuple[str, str, int], ...]
    request_sample: Any | None
    request_sample_line: int | None
    request: Table | None
    response_sample: Any | None
    response_sample_line: int | None
    response: Table | None
    sections: dict[str, Table] = field(default_factory=dict)

    @property
    def action_key(self) -> str:
        """The body key that selects this API on a shared actions path."""
        return self.api[:1].lower() + self.api[1:]

    def source(self, line: int) -> str:
        return f"{self.path}:{line}"
