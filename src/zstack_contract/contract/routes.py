"""Routes: an API's method and URL template, and matching a request to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts.urls import api_path


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # /v1/vm-instances/{vmInstanceUuid}/actions
    regex: re.Pattern
    params: tuple[str, ...]

    @classmethod
    def from_template(cls, method: str, template: str) -> "Route":
        params = tuple(re.findall(r"{([^}]+)}", template))
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "([^/]+)", re.escape(template)) + "/?$"
        return cls(method.upper(), template, re.compile(pattern), params)

    @property
    def collection(self) -> str | None:
        """The resource collection the route is about: ``/v1/vm-instances/{uuid}/actions`` ->
        ``vm-instances`` (None for a path that starts with a variable)."""
        return collection_of(self.template)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and the API ``path`` are this route's, else None."""
        if method.upper() != self.method:
            return None
        m = self.regex.match(path)
        return dict(zip(self.params, m.groups())) if m else None


def collection_of(template: str) -> str | None:
    """``/v1/vm-instances/{uuid}/actions`` -> ``vm-instances``."""
    parts = [p for p in template.split("/") if p and p != "v1"]
    return parts[0] if parts and not parts[0].startswith("{") else None


def path_params(routes: tuple[Route, ...], method: str, url: str) -> dict[str, str] | None:
    """The path parameters of the first of ``routes`` that ``method`` and ``url`` take."""
    path = api_path(url)
    for route in routes:
        got = route.match(method, path)
        if got is not None:
            return got
    return None
