"""The compiled contract: one API's derived schemas, and everything validation builds from them,
built once, on first use, here and nowhere else.

A :class:`Contract` holds the schemas as loaded and, as named members: the validators (a native
one, jsonschema-rs, that decides accept/reject fast, and python-jsonschema's, which explains a
rejection), the :class:`~.explain.Explainer` s, the tree of documented places the checks walk,
and the memo of body shapes. A :class:`ContractSet` is every API of a schemas folder, and names
the API an exchange was for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import jsonschema
import jsonschema_rs

from ..facts.calls import answers_at_once
from .explain import Explainer
from .format import META
from .graph import Graph
from .parameters import Parameters, read_parameters
from .patterns import bounded_validator
from .places import Place, Shapes, compile_places
from .resources import Resources
from .routes import Route, Routed, Router, path_params
from .schema_bounds import local_target


@dataclass(eq=False)
class Contract:
    api: str
    action_key: str
    page: str
    routes: tuple[Route, ...]
    response: dict[str, Any]
    strict: dict[str, Any]  # the response schema variant that forbids undocumented fields
    request: dict[str, Any] | None

    # -- built from the schemas, once -----------------------------------------------------------
    @cached_property
    def validator(self) -> jsonschema.protocols.Validator:
        """python-jsonschema's, to explain a rejection; its patterns matched as the native one's (:mod:`.patterns`)."""
        return bounded_validator(self.response)

    @cached_property
    def strict_validator(self) -> jsonschema.protocols.Validator:
        return bounded_validator(self.strict)

    @cached_property
    def fast_validator(self) -> jsonschema_rs.Draft202012Validator:
        """The native validator of the response schema: the accept/reject decision."""
        return jsonschema_rs.Draft202012Validator(self.response)

    @cached_property
    def fast_strict_validator(self) -> jsonschema_rs.Draft202012Validator:
        return jsonschema_rs.Draft202012Validator(self.strict)

    @cached_property
    def explainer(self) -> Explainer:
        return Explainer(self.validator.schema, self.validator, self.fast_validator)

    @cached_property
    def strict_explainer(self) -> Explainer:
        return Explainer(self.strict_validator.schema, self.strict_validator, self.fast_strict_validator)

    @cached_property
    def places(self) -> Place:
        """The documented places of the response (the body's is the root)."""
        return compile_places(self.response, self.success_fields, self.resolve)

    @cached_property
    def shapes(self) -> Shapes:
        return Shapes()

    @cached_property
    def parameters(self) -> Parameters:
        """The request's parameters: where each goes, its schema, whether it is required."""
        return read_parameters(self.request)

    @cached_property
    def kind(self) -> str:
        """The API's kind as its page says: action, create, delete, get, query (schemas derived
        before kinds were annotated: ``query`` for a Query API, else ``action``)."""
        return self.response.get(META, {}).get("kind") or ("query" if self.api.startswith("Query") else "action")

    @property
    def authorized(self) -> bool:
        """Whether the API needs a session (the page shows an Authorization header)."""
        return self.response.get(META, {}).get("authorized", True)

    @property
    def answers_at_once(self) -> bool:
        """Whether a node answers the API at once, or with a job to poll (:mod:`~zstack_contract.facts.calls`)."""
        return answers_at_once(self.kind, self.authorized)

    @property
    def missing_resource(self) -> str | None:
        """What the overlay pins the API to answer for a resource uuid that names nothing:
        ``success``, ``error``, or None when it does not say."""
        return (self.request or {}).get(META, {}).get("missingResource")

    @property
    def empty_result(self) -> bool:
        """Whether the overlay says the API's result class has no fields: a success answer is ``{}``."""
        return bool((self.request or {}).get(META, {}).get("emptyResult"))

    @property
    def unchecked(self) -> tuple[str, ...]:
        """The uuid parameters the overlay says a node does not look up (no ``SYS.1003`` for them)."""
        return tuple((self.request or {}).get(META, {}).get("unchecked", ()))

    @property
    def param_types(self) -> dict[str, str]:
        """The resource type the overlay says a uuid parameter names, where its name cannot say
        (``{"isoUuid": "Image"}``): :meth:`.Resources.of_contract_param` reads it before the name."""
        return dict((self.request or {}).get(META, {}).get("names", {}))

    @property
    def change(self) -> dict[str, Any]:
        """What the overlay says the API's work does to the resource its path names, where the rule
        of its kind is not it: ``setsState``, ``moves``, ``removes``, ``needsState``, ``worksIn`` (:mod:`.format`)."""
        return dict((self.request or {}).get(META, {}).get("change", {}))

    @cached_property
    def success_fields(self) -> tuple[str, ...]:
        """The fields a success answer carries (``inventory``): the schema's envelope annotation."""
        envelope = self.response.get(META, {}).get("envelope")
        if envelope is not None:
            return tuple(envelope["success"])
        return tuple(n for n in self.response.get("properties", {}) if n not in self.error_fields)

    @cached_property
    def error_fields(self) -> tuple[str, ...]:
        envelope = self.response.get(META, {}).get("envelope")
        if envelope is not None:
            return tuple(envelope["error"])
        props = self.response.get("properties", {})
        return tuple(n for n, s in props.items() if s.get("$ref") == "#/$defs/error" or n == "error")

    def __getstate__(self) -> dict[str, Any]:
        """Only the schemas go to another process; it builds the rest itself."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    # -- using them ----------------------------------------------------------------------------
    def accepts(self, body: Any, strict: bool = False) -> bool:
        """The native verdict on a body. False also when the native validator cannot take the
        value at all; python-jsonschema then has the last word."""
        try:
            return (self.fast_strict_validator if strict else self.fast_validator).is_valid(body)
        except (ValueError, TypeError, OverflowError, RecursionError):
            return False

    def resolve(self, schema: dict[str, Any], root: dict[str, Any] | None = None) -> dict[str, Any]:
        """Follow a local ``$ref`` (``#/$defs/x``), or a chain of them, to its schema: the last
        one that names a schema object (a loop of them is refused when a schemas folder is
        loaded, :mod:`.schema_bounds`; here it ends the chain)."""
        root = root or self.response
        seen: set[int] = set()
        while "$ref" in schema and id(schema) not in seen:
            seen.add(id(schema))
            found = local_target(root, schema["$ref"])
            if found is None or not isinstance(found[1], dict):
                break
            schema = found[1]
        return schema

    def path_params(self, method: str, url: str) -> dict[str, str] | None:
        """The path parameters when a request of ``method`` to ``url`` is for this API, else None."""
        return path_params(self.routes, method, url)


class ContractSet:
    """Every API whose schemas are in a folder (see :func:`~.loading.load_contracts`)."""

    def __init__(self, contracts: list[Contract], release: str | None = None, why: str | None = None,
                 node_version: str | None = None):
        self.by_api = {c.api: c for c in sorted(contracts, key=lambda c: c.api)}
        self.release = release  # the shipped release these are, None for a folder of schemas
        self.why = why  # why this release: ``named``, ``the node says 5.1.31`` (None: not a shipped release's, or not said)
        self.node_version = node_version  # the version the node said (fields newer are not expected: :mod:`.since`)
        self.router: Router[Contract] = Router((c, c.action_key, c.routes) for c in self.by_api.values())

    def __iter__(self):
        return iter(self.by_api.values())

    def __len__(self) -> int:
        return len(self.by_api)

    def get(self, api: str) -> Contract | None:
        return self.by_api.get(api)

    @cached_property
    def resources(self) -> Resources:
        """The collections its APIs name (which query lists the resource a parameter names)."""
        return Resources.of(self)

    @cached_property
    def graph(self) -> Graph:
        """Its resource graph: per type, the APIs that create, list, read, act on and delete it (:mod:`.graph`)."""
        return Graph.of(self, self.resources)

    def route(self, method: str, url: str, body: Any = None) -> Routed[Contract]:
        """How a node routes a request among these APIs (:mod:`.routes`); ``body`` is the request's
        JSON value, None when it had none or none is known."""
        return self.router.route(method, url, body)

    def match(self, method: str, url: str, body: Any = None) -> Contract | None:
        """The API a request was for: the one the node routes it to, when the request agrees with
        it (its method; for PUT, its action key in the body). None: no API we know."""
        return self.route(method, url, body).judged
