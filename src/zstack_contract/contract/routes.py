"""Routes: an API's method and URL template, and the node's rule for which API a request is for.

The rule (``RestServer``, read from the open server's code) in two steps:

1. **The path picks one entry** of the route table. An entry is a path shape
   (``/v1/vm-instances/{}/actions``) and the APIs that share it. A static path equal to the
   request's wins; else the templates the path matches, the one with the fewest variables first
   (then by the shape's text, so the choice never depends on the order APIs were loaded). Each
   variable is one segment; paths match exactly, a trailing slash included. No entry:
   ``404 no api mapping``.
2. **The entry picks the API.** An entry of one API hands it every request (unless the table
   marks it shared: :meth:`Router.share`, for a table holding some of a node's APIs). An entry shared by
   several picks by method: ``PUT`` takes the API whose action key is in the body, ``POST``,
   ``GET`` and ``DELETE`` the API of that method; another method is a 405.

The checks, the proxy and the simulator all route with :class:`Router`. The simulator answers as
the node does (:attr:`Routed.refusal`); the checks hold an exchange to an API only when the
request *agrees* with it (:attr:`Routed.agrees`): its method is the API's, and a PUT whose body
is a JSON object holds the API's action key. A contract may hold only some APIs of a node, so a
request the node would have handed to an API we do not know must not be judged by one we do. A
PUT body that is no JSON object (malformed, or not recorded) names no action key: on an entry of
one API it is that API's, as on the node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Generic, Iterable, TypeVar

from ..facts.urls import api_path


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # /v1/vm-instances/{vmInstanceUuid}/actions
    regex: re.Pattern
    params: tuple[str, ...]

    @classmethod
    def from_template(cls, method: str, template: str) -> "Route":
        params = tuple(_VARIABLE_NAME.findall(template))
        return cls(method.upper(), template, _regex(template), params)

    @property
    def shape(self) -> str:
        """The path with its variables unnamed (``/v1/vm-instances/{}/actions``): routes of one
        shape are one path to a node, whatever each calls its variables."""
        return shape_of(self.template)

    def variables(self, path: str) -> dict[str, str] | None:
        """The path's variables by this route's names, when the API ``path`` has its shape."""
        m = self.regex.match(path)
        return dict(zip(self.params, m.groups())) if m else None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and the API ``path`` are this route's, else None."""
        return self.variables(path) if method.upper() == self.method else None


def shape_of(template: str) -> str:
    """``/v1/vm-instances/{uuid}/actions`` -> ``/v1/vm-instances/{}/actions``."""
    return _VARIABLE.sub("{}", template)


def _regex(template: str) -> re.Pattern:
    return re.compile("^" + _VARIABLE.sub("([^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$")


_VARIABLE = re.compile(r"{[^}]*}")
_VARIABLE_NAME = re.compile(r"{([^}]+)}")

T = TypeVar("T")

# Why a node hands a request to no API (the simulator answers each as the node does).
NO_MAPPING = "no-mapping"  # no entry has the path: 404 no api mapping to <path>
NO_BODY = "no-body"  # a PUT to a shared entry whose body is not a JSON object: the node fails reading it (500)
NO_ACTION = "no-action"  # a PUT to a shared entry whose body holds no action key of it: 400
NO_API_FOR_METHOD = "no-api-for-method"  # POST, GET or DELETE to a shared entry with no API of that method: 500
METHOD_NOT_ALLOWED = "method-not-allowed"  # another method on a shared entry: 405


@dataclass(frozen=True)
class Routed(Generic[T]):
    """What the route table does with one request."""

    api: T | None  # the API the node hands it to; None: refused, see ``refusal``
    route: Route | None = None  # that API's route at the entry (it names the path's variables)
    variables: dict[str, str] = field(default_factory=dict)
    agrees: bool = False  # the request is that API's by its method and, for PUT, its action key
    refusal: str | None = None
    entry: str | None = None  # the shape of the entry the path took

    @property
    def judged(self) -> T | None:
        """The API the checks hold the request to: the node's pick, when the request agrees with it."""
        return self.api if self.agrees else None


@dataclass
class _Entry(Generic[T]):
    shape: str
    regex: re.Pattern
    variables: int
    members: list[tuple[T, str, Route]] = field(default_factory=list)  # API, its action key, its route here
    shared: bool = False  # shared on the node even when this table holds one of its APIs (Router.share)

    @property
    def unique(self) -> bool:
        return len(self.members) == 1 and not self.shared


class Router(Generic[T]):
    """A node's route table over APIs of any kind (the contract's, the simulator's): each API
    given with its action key and routes. Static paths are found by a dict; templates by the
    path's first part after ``/v1`` (its collection), so routing tries the few templates that
    could take a path, not every one of a thousand APIs."""

    def __init__(self, apis: Iterable[tuple[T, str, Iterable[Route]]] = ()):
        self._static: dict[str, _Entry[T]] = {}
        self._templated: dict[str, _Entry[T]] = {}
        self._by_head: dict[str | None, list[_Entry[T]]] = {}
        for api, action_key, routes in apis:
            self.add(api, action_key, routes)

    def add(self, api: T, action_key: str, routes: Iterable[Route]) -> None:
        for route in routes:
            shape = route.shape
            if "{}" not in shape:
                entry = self._static.get(shape)
                if entry is None:
                    entry = self._static[shape] = _Entry(shape, route.regex, 0)
            else:
                entry = self._templated.get(shape)
                if entry is None:
                    entry = self._templated[shape] = _Entry(shape, _regex(shape), shape.count("{}"))
                    head = _head(shape)
                    bucket = self._by_head.setdefault(None if head is None or "{" in head else head, [])
                    bucket.append(entry)
                    bucket.sort(key=lambda e: (e.variables, e.shape))
            if all(member[0] is not api for member in entry.members):
                entry.members.append((api, action_key, route))

    def share(self, shapes: Iterable[str]) -> None:
        """Mark the entries of these shapes shared: a table holding some of a node's APIs routes a
        path the node shares among several APIs as the node does (by method and action key), not as
        an entry of one API, which takes every request."""
        wanted = set(shapes)
        for entry in (*self._static.values(), *self._templated.values()):
            if entry.shape in wanted:
                entry.shared = True

    def entry(self, path: str) -> _Entry[T] | None:
        """The entry an API path (from ``/v1`` on) takes, by the rule above; None: no mapping."""
        found = self._static.get(path)
        if found is not None:
            return found
        head = _head(path)
        hits = [e for key in (head, None) for e in self._by_head.get(key, ()) if e.regex.match(path)]
        return min(hits, key=lambda e: (e.variables, e.shape)) if hits else None

    def route(self, method: str, url: str, body: Any = None) -> Routed[T]:
        """The API a request of ``method`` to ``url`` (a URL or an API path) with JSON ``body`` (None
        when it had none, or none is known) is for, and how it agrees with it."""
        path = api_path(url)
        method = method.upper()
        entry = self.entry(path)
        if entry is None:
            return Routed(None, refusal=NO_MAPPING)
        members = entry.members
        if entry.unique:
            chosen = members[0]
        elif method == "PUT":
            if not isinstance(body, dict):
                return Routed(None, refusal=NO_BODY, entry=entry.shape)
            chosen = next((m for m in members if m[1] in body), None)
            if chosen is None:
                return Routed(None, refusal=NO_ACTION, entry=entry.shape)
        elif method in ("POST", "GET", "DELETE"):
            chosen = next((m for m in members if m[2].method == method), None)
            if chosen is None:
                return Routed(None, refusal=NO_API_FOR_METHOD, entry=entry.shape)
        else:
            return Routed(None, refusal=METHOD_NOT_ALLOWED, entry=entry.shape)
        api, action_key, route = chosen
        agrees = route.method == method and (method != "PUT" or not isinstance(body, dict) or action_key in body)
        return Routed(api, route, route.variables(path) or {}, agrees, entry=entry.shape)


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
