"""An OpenAPI 3.1 document for the derived APIs, pointing at the schema files by ``$ref``.

The document holds no copy of a derived schema: request bodies, path/query parameters and
response bodies are ``$ref``\\ s into ``<Api>.request.json`` / ``<Api>.response.json`` (or a
``$defs`` pointer inside them), relative to a base the caller chooses (see :func:`ref_base`).
What the pages do not say comes from the protocol facts and is the same for every API
(:mod:`.openapi_protocol`): the ``200``/``503`` halves of the envelope, the ``202`` job answer
with its links to the job poll, the plain-text HTTP-layer errors and the OAuth header. A page
that shows an ``Authorization`` header needs the OAuth scheme; one that shows none (the login)
has no security requirement.

Each page gives no hint whether its API answers synchronously, so a non-GET operation lists
both ``200`` (the result at once) and ``202`` (a job to poll), exactly what the checks accept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..facts.pointers import escape_pointer
from ..contract.format import DRAFT, SUFFIXES
from .openapi_protocol import (
    JOB_PATH, NO_CONTENT_TYPE, SECURITY, envelope_halves, job_operation, one_or_any, protocol_components, result_answers,
)

OPENAPI_VERSION = "3.1.0"
_PARAM = re.compile(r"{([^}]+)}")
# OpenAPI ignores header parameters with these names; Authorization is the security scheme.
_RESERVED_HEADERS = {"accept", "content-type", "authorization"}


@dataclass(frozen=True)
class Api:
    """What the document needs of one API: from its page and its request schema."""

    name: str
    action_key: str
    page: str
    endpoints: tuple[tuple[str, str], ...]  # (METHOD, /v1/... template)
    authorized: bool  # the page shows an Authorization header
    request: dict[str, Any]  # the derived request schema (for its $defs and whether it has a body)
    success: tuple[str, ...] = ()  # the envelope of the derived response schema: a success's fields
    errors: tuple[str, ...] = ("error",)  # and an error's


def ref_base(schemas_dir: Path, document_dir: Path) -> str:
    """The prefix of every ``$ref``: the schemas folder relative to the folder the document is in.

    Relative references resolve against the document's own location, so the document and the
    schemas can move together (a repository, a web server) and any tool finds the files. Only
    when no relative path exists (another drive) is an absolute ``file:`` URI used.
    """
    try:
        rel = os.path.relpath(schemas_dir.resolve(), document_dir.resolve())
    except ValueError:
        return schemas_dir.resolve().as_uri() + "/"
    rel = Path(rel).as_posix()
    return "" if rel == "." else rel + "/"


def build_document(apis: list[Api], base: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document; the same APIs and base give the same document."""
    apis = sorted(apis, key=lambda a: a.name)
    shapes: dict[str, dict[str, list[tuple[Api, str]]]] = {}
    for api in apis:
        for method, template in api.endpoints:
            shapes.setdefault(_shape(template), {}).setdefault(method.lower(), []).append((api, template))

    paths: dict[str, dict[str, Any]] = {}
    for by_method in shapes.values():
        # one key per shape: the parameter names of the first API (by name) that serves it
        template = min((served[0] for served in by_method.values()), key=lambda at: at[0].name)[1]
        paths[template] = {m: _operation(m, served, template, base) for m, served in sorted(by_method.items())}
    async_apis = [a for a in apis if any(m.upper() != "GET" for m, _ in a.endpoints)]
    if async_apis:
        paths[JOB_PATH] = {"get": job_operation([a.name for a in async_apis])}
    components = protocol_components()
    for api in apis:
        components["schemas"].update(envelope_halves(api.name, api.success, api.errors, _ref(base, api.name, "response")))

    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DRAFT,
        "info": {
            "title": "ZStack REST API",
            "version": "v1",
            "description": (
                "Derived by zstack-contract from the API reference pages of: " + ", ".join(a.name for a in apis) + ". "
                "Request and response bodies are the derived JSON Schemas (draft 2020-12), referenced from their files, "
                "not copied; a 200 carries the success half of the envelope and a 503 the error half. Asynchronous APIs "
                "answer 202 with a job location; poll it with GET " + JOB_PATH + " (the links say how). " + NO_CONTENT_TYPE
                + " The media types say what a body is, JSON or plain text."
            ),
        },
        "servers": [
            {
                "url": "http://{host}:{port}/zstack",
                "description": "A management node.",
                "variables": {"host": {"default": "localhost"}, "port": {"default": "8080"}},
            }
        ],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def _shape(template: str) -> str:
    """Templates that differ only in parameter names are one path to OpenAPI."""
    return _PARAM.sub("{}", template)


def _ref(base: str, api: str, kind: str, pointer: list[str] | None = None) -> dict[str, str]:
    target = f"{base}{api}{SUFFIXES[kind]}"
    return {"$ref": target + ("#" + escape_pointer(pointer) if pointer else "")}


def _operation(method: str, served: list[tuple[Api, str]], template: str, base: str) -> dict[str, Any]:
    apis = [a for a, _ in served]
    names = [a.name for a in apis]
    op: dict[str, Any] = {}
    if len(apis) == 1:
        op["summary"] = apis[0].name
        op["operationId"] = _operation_id(apis[0], method, served[0][1])
    else:
        op["summary"] = " / ".join(names)
        op["description"] = (
            "One path serves several APIs; the server picks the API by the single action key in the body ("
            + ", ".join(f"`{a.action_key}`" for a in apis) + ")."
        )
    op["x-zstack"] = [{"api": a.name, "actionKey": a.action_key, "page": a.page} for a in apis]

    auth = {a.authorized for a in apis}
    op["security"] = [{SECURITY: []}] if auth == {True} else [] if auth == {False} else [{SECURITY: []}, {}]

    first, own_template = served[0]
    params = []
    path_props = first.request.get("$defs", {}).get("path", {}).get("properties", {})
    # the first API's own name for the parameter at the same place (pages differ: {uuid}, {vmInstanceUuid})
    for name, own in zip(_PARAM.findall(template), _PARAM.findall(own_template)):
        schema = _ref(base, first.name, "request", ["$defs", "path", "properties", own]) if own in path_props else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for where in ("query", "header"):
        defs = first.request.get("$defs", {}).get(where, {})
        for name in defs.get("properties", {}):
            if where == "header" and name.lower() in _RESERVED_HEADERS:
                continue
            params.append({
                "name": name, "in": where, "required": name in defs.get("required", []),
                "schema": _ref(base, first.name, "request", ["$defs", where, "properties", name]),
            })
    if params:
        op["parameters"] = params

    with_body = [a for a in apis if a.request.get("type") != "null"]
    if with_body:
        schema = one_or_any([_ref(base, a.name, "request") for a in with_body], "oneOf")
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}

    answers = result_answers(names, at_once=True)
    responses: dict[str, Any] = {"200": answers["200"]}
    if method != "get":
        responses["202"] = {"$ref": "#/components/responses/JobAccepted"}
    responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    responses["404"] = {"$ref": "#/components/responses/NoApiMapping"}
    responses["500"] = {"$ref": "#/components/responses/ServerError"}
    responses["503"] = answers["503"]
    op["responses"] = responses
    return op


def _operation_id(api: Api, method: str, template: str) -> str:
    """The API name; an API with several endpoints numbers the others (``QueryX2``)."""
    n = [(m.lower(), t) for m, t in api.endpoints].index((method, template))
    return api.name if n == 0 else f"{api.name}{n + 1}"
