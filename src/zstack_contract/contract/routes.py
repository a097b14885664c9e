"""Routes: an API's method and URL template, and matching a request to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, Iterable, TypeVar

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
    def shape(self) -> str:
        """The path with its variables unnamed (``/v1/vm-instances/{}/actions``): routes of one
        shape are one path to a node, whatever each calls its variables."""
        return shape_of(self.template)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and the API ``path`` are this route's, else None."""
        if method.upper() != self.method:
            return None
        m = self.regex.match(path)
        return dict(zip(self.params, m.groups())) if m else None


def shape_of(template: str) -> str:
    """``/v1/vm-instances/{uuid}/actions`` -> ``/v1/vm-instances/{}/actions``."""
    return _VARIABLE.sub("{}", template)


_VARIABLE = re.compile(r"{[^}]+}")


T = TypeVar("T")


class RouteIndex(Generic[T]):
    """The routes of many APIs, by method and the path's first part after ``/v1`` (its
    collection), so that naming the API of a request tries the few routes that could take it,
    not every route of every API (a thousand pages give a thousand APIs)."""

    def __init__(self, owners: Iterable[tuple[T, tuple[Route, ...]]]):
        self._owners: list[T] = []
        self._routes: dict[tuple[str, str | None], list[tuple[Route, int]]] = {}
        for n, (owner, routes) in enumerate(owners):
            self._owners.append(owner)
            for route in routes:
                head = _head(route.template)
                key = (route.method, None if head is None or "{" in head else head)
                self._routes.setdefault(key, []).append((route, n))

    def find(self, method: str, url: str) -> list[T]:
        """The owners (in the order given, each once) with a route that ``method`` and ``url`` take."""
        path = api_path(url)
        method = method.upper()
        hits = {n for key in ((method, _head(path)), (method, None)) for route, n in self._routes.get(key, ())
                if route.regex.match(path)}
        return [self._owners[n] for n in sorted(hits)]


def _head(path: str) -> str | None:
    """``/v1/vm-instances/{uuid}/actions`` -> ``vm-instances``; None for a path not under ``/v1/``."""
    parts = path.split("/", 3)
    return parts[2] if len(parts) > 2 and parts[0] == "" and parts[1] == "v1" else None


def path_params(routes: tuple[Route, ...], method: str, url: str) -> dict[str, str] | None:
    """The path parameters of the first of ``routes`` that ``method`` and ``url`` take."""
    path = api_path(url)
    for route in routes:
        got = route.match(method, path)
        if got is not None:
            return got
    return None
