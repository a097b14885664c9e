"""Build JSON Schemas (draft 2020-12) from a page model and the overlay.

The derived part is a pure function of the page; the overlay adds what the page lacks. Only
standard validation keywords are used; what each field carries besides (its page line, page type,
starting version, integer width, overlay entries) is named in :mod:`zstack_contract.contract.format`.
Schemas hold no prose of the page (descriptions are in the page's language; ``x-source`` leads to
them), so the pages of one API in two languages derive to the same schema but for ``x-source``.

The request body follows the protocol: a PUT action carries its parameters under the action key
(``{"reimageVmInstance": {...}}``), a creating POST under ``params``, each as the page's table
says (``contained in the X structure``); GET and DELETE carry none, their parameters travel in
the query string. Every PUT API of a node is an action, read from its action key: a PUT page
whose table says ``params`` (some do) gets the action key, and its ``x-source`` says so.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from ..contract import format as fmt
from ..facts import jvm_dates
from .overlay import Overlay
from .page import Field, Page, Table
from .types import Kind, resolve_reference, structure_types

_BODYLESS = {"GET", "DELETE"}
_WIDTHS = {"byte": 8, "int": 32, "long": 64}
_POST_KEY = "params"  # the structure of a body that is not an action's
_DESCRIPTION = "Derived by zstack-contract from the API reference x-source names (a page, or the doc source it is rendered from); do not edit, regenerate with `zstack-contract derive`."


def _kind_schema(kind: Kind) -> dict[str, Any]:
    k = kind.kind
    if k == "string":
        return {"type": "string"}
    if k in _WIDTHS:
        width = _WIDTHS[k]
        low, high = fmt.INT_RANGE[width]
        return {"type": "integer", "minimum": low, "maximum": high, fmt.INT_WIDTH: width}
    if k == "enum":  # an enum class, whose constants Gson writes by name
        return {"type": "string", "enum": list(kind.values)} if kind.values else {"type": "string"}
    if k == "boolean":
        return {"type": "boolean"}
    if k == "number":
        return {"type": "number"}
    if k == "timestamp":
        return {"type": "string", "pattern": jvm_dates.PATTERN, "examples": list(jvm_dates.EXAMPLES)}
    if k == "object":
        return {"type": "object"}
    if k == "list":
        s: dict[str, Any] = {"type": "array"}
        if kind.table:
            s["items"] = {"$ref": f"#/$defs/{kind.table}"}
        elif kind.item:
            s["items"] = _kind_schema(kind.item)
        return s
    if k == "table":
        return {"$ref": f"#/$defs/{kind.table}"}
    raise AssertionError(k)


def success_fields(page: Page) -> tuple[list[str], list[str]]:
    """(success fields, error fields) of the response envelope. A ``success`` boolean is neither:
    an error answer may carry ``success: false``."""
    if page.response is None:
        return [], ["error"]
    errors = [f.name for f in page.response.fields if f.type.lower() == "errorcode" or f.name == "error"]
    success = [f.name for f in page.response.fields
               if f.name not in errors and not (f.name == "success" and f.type.lower() in ("boolean", "bool"))]
    return success, errors


class _Builder:
    def __init__(self, page: Page, overlay: Overlay, scope: str, strict: bool = False):
        self.page = page
        self.overlay = overlay
        self.scope = scope
        self.strict = strict
        self.types = structure_types(page)
        self.table_types = {
            name: frozenset(t for t, sec in self.types.items() if sec == name) for name in page.sections
        }
        self.refs: set[str] = set()  # the $defs tables the schema refers to

    def field(self, f: Field, table: str) -> tuple[dict[str, Any], bool]:
        """The field's schema, and whether the overlay makes it always present."""
        kind = resolve_reference(self.page, f, self.types, request=self.scope == "request")
        if kind.table:
            self.refs.add(kind.table)
        schema = _kind_schema(kind)
        if f.valid_values and kind.kind in ("string", "enum"):  # an enum class's constants are strings too
            schema["enum"] = list(f.valid_values)
        schema[fmt.SOURCE] = f"{self.page.field_source(f)} {f.name} {f.type}"
        schema[fmt.PAGE_TYPE] = f.type
        if f.since:
            schema[fmt.SINCE] = f.since
        required = False
        applied = [f.overlay] if f.overlay else []
        for rule in self.overlay.matching(scope=self.scope, kind=self.page.kind, table=table,
                                          table_types=self.table_types.get(table, frozenset()), field=f.name, type_=f.type):
            schema.update(copy.deepcopy(rule.schema))
            required = required or rule.required
            applied.append(rule.id)
        if applied:
            schema[fmt.OVERLAY] = applied
        return schema, required

    def object(self, fields: list[Field], table: str, source: str, title: str | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: list[str] = []
        for f in fields:
            props[f.name], always = self.field(f, table)
            if always:
                required.append(f.name)
        out: dict[str, Any] = {"type": "object"}
        if title:
            out["title"] = title
        out[fmt.SOURCE] = source
        out["properties"] = props
        if required:
            out["required"] = required
        if self.strict:
            out["additionalProperties"] = False
        return out

    def table(self, t: Table) -> dict[str, Any]:
        """A table of the page, with the fields the overlay adds to it."""
        fields = list(t.fields) + self.additions(t.name)
        suffix = f" #{t.name}" if t.name in self.page.sections else ""
        return self.object(fields, t.name, self.page.table_source(t) + suffix)

    def additions(self, table: str) -> list[Field]:
        return [f for a in self.overlay.added(scope=self.scope, kind=self.page.kind, table=table) for f in a.fields]

    def defs(self) -> dict[str, Any]:
        """The page's sections the schema refers to (all of them), and the tables the overlay
        provides for references the page cannot resolve."""
        out = {name: self.table(t) for name, t in self.page.sections.items()}
        pending = sorted(self.refs - set(out))
        while pending:
            name = pending.pop(0)
            provided = self.overlay.table(name)
            if provided is None:
                out[name] = {"type": "object", fmt.SOURCE: f"{self.page.path}: no #{name} table"}
                continue
            out[name] = self.object(list(provided.fields), name, f"overlay:{provided.id}")
            pending.extend(sorted(self.refs - set(out) - set(pending)))
        return out


def _header(page: Page, overlay: Overlay, what: str, variant: str, source: str, params: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The root of a schema; ``params``: a request's parameters (an ``[[api]]`` entry that only
    says what uuid parameters name reaches a request that has one of them, and no response)."""
    root = {
        "$schema": fmt.DRAFT,
        "title": f"{page.api} {what}",
        "description": _DESCRIPTION,
        fmt.SOURCE: source,
        fmt.META: {
            "api": page.api,
            "kind": page.kind,
            "variant": variant,
            "actionKey": page.action_key,
            "authorized": any(name.lower() == "authorization" for name, _value, _line in page.headers),
            "endpoints": [{"method": e.method, "path": e.path, fmt.SOURCE: page.source(e.line)} for e in page.endpoints],
        },
    }
    facts = [f for f in overlay.api_facts_of(page.api) if not f.names_only or any(p in params for p, _ in f.names)]
    missing = next((f.missing_resource for f in facts if f.missing_resource is not None), None)
    if missing is not None:
        root[fmt.META]["missingResource"] = missing
    if any(f.empty_result for f in facts):
        root[fmt.META]["emptyResult"] = True
    if any(f.empty_when_unset for f in facts):
        root[fmt.META]["emptyWhenUnset"] = True
    unchecked = [name for f in facts for name in f.unchecked]
    if unchecked:
        root[fmt.META]["unchecked"] = unchecked
    names = {param: resource for f in reversed(facts) for param, resource in f.names if param in params}  # the file's first entry wins
    if names:
        root[fmt.META]["names"] = dict(sorted(names.items()))
    change: dict[str, Any] = {}
    for f in facts:
        if f.sets_state:
            change.setdefault("setsState", f.sets_state)
        if f.moves:
            change.setdefault("moves", dict(f.moves))
        if f.removes:
            change["removes"] = True
        if f.needs_state:
            change.setdefault("needsState", list(f.needs_state))
        if f.works_in:
            change.setdefault("worksIn", list(f.works_in))
    if change:
        root[fmt.META]["change"] = change
    if facts:
        root[fmt.META][fmt.OVERLAY] = [f.id for f in facts]
    return root


def build_response_schema(page: Page, overlay: Overlay, strict: bool = False) -> dict[str, Any]:
    """The response envelope: the success fields or the error, never both, never neither."""
    b = _Builder(page, overlay, "response", strict)
    success, errors = success_fields(page)
    if page.response is not None:  # fields the overlay adds to a success answer (a query's total) are success fields too
        success += [f.name for f in b.additions("response") if f.name not in success and f.name not in errors]
    if page.response is not None:
        body = b.table(page.response)
        source = page.source(page.response.line)
    else:  # an API that answers {} on success, or {"error": ...}
        source = page.source(page.empty_response_line or page.api_line)
        error = Field(name="error", type="ErrorCode", description="", since=None, line=page.empty_response_line or page.api_line)
        body = b.object([error] + b.additions("response"), "response", source)
    root = _header(page, overlay, "response", "strict" if strict else "default", source)
    root[fmt.META]["envelope"] = {"success": success, "error": errors}
    root.update({k: v for k, v in body.items() if k != fmt.SOURCE})
    if page.response is not None and page.response_sample is not None:
        root["examples"] = [page.response_sample.value]  # a success answer, as the page shows it
    if errors and success:
        answers = [{"required": [n]} for n in success]
        meta = root[fmt.META]
        if meta.get("missingResource") == "success" or meta.get("emptyResult") or meta.get("emptyWhenUnset"):
            # {}: what it answers for a resource that is gone already, for a result class without
            # fields, or when its fields are null (nothing set)
            answers.append({"maxProperties": 0})
        root["oneOf"] = [
            {"title": "success", "anyOf": answers},
            {"title": "failure", "anyOf": [{"required": [n]} for n in errors]},
        ]
    root["$defs"] = b.defs()
    return root


def build_request_schema(page: Page, overlay: Overlay) -> dict[str, Any]:
    """The request body (with its containers and top-level parameters), and the path, query and
    header parameters in ``$defs``."""
    b = _Builder(page, overlay, "request")
    params = (list(page.request.fields) if page.request else []) + b.additions("request")
    source = page.source(page.request.line if page.request else page.endpoints[0].line)
    root = _header(page, overlay, "request", "default", source,
                   frozenset(f.name for f in params) | {p for e in page.endpoints for p in _template_params(e.path)})

    def params_object(fields: list[Field], title: str) -> dict[str, Any]:
        obj = b.object(fields, "request", source, title)
        req = list(obj.get("required", []))
        req += [f.name for f in fields if not f.optional and f.name not in req]
        if req:
            obj["required"] = [f.name for f in fields if f.name in req]
        return obj

    in_path = {p for e in page.endpoints for p in _template_params(e.path)}
    listed = {f.name for f in params}
    for e in page.endpoints:  # a path parameter no table lists (a query page has no table): typed by its URL line
        params += [Field(name, "String", "", None, e.line, location="url") for name in _template_params(e.path) if name not in listed]
        listed.update(_template_params(e.path))
    bodyless = page.method in _BODYLESS
    renamed = page.method == "PUT" and any(f.container == _POST_KEY for f in params)
    if renamed:
        params = [dataclasses.replace(f, container=page.action_key) if f.container == _POST_KEY else f for f in params]
    where = {"path": [], "query": [], "header": [], "body": []}
    for f in params:
        loc = f.location or "body"
        if loc == "url":
            loc = "path" if f.name in in_path else "query"
        elif loc == "body" and bodyless:
            loc = "query"  # GET and DELETE send no body: the node reads these from the query string
        where.setdefault(loc, []).append(f)
    defs: dict[str, Any] = {}
    for loc, title in (("path", "path parameters"), ("query", "query parameters"), ("header", "header parameters")):
        if where[loc]:
            defs[loc] = params_object(where[loc], title)

    if bodyless:
        root.update({"type": "null", "description": _DESCRIPTION + " This API's request has no body."})
    else:
        body_fields = where["body"]
        containers: dict[str, list[Field]] = {name: [] for name in _containers(page, body_fields)}
        for f in body_fields:
            if f.container:
                containers.setdefault(f.container, []).append(f)
        main = next(iter(containers), None)
        props: dict[str, Any] = {}
        required = []
        for name, fields in containers.items():
            obj = params_object(fields, f"{name} structure")
            if fields and renamed and name == page.action_key:
                obj[fmt.SOURCE] = f"{page.source(fields[0].line)} {name} (action key; the table says {_POST_KEY}, a PUT is read from its action key)"
            elif fields:
                obj[fmt.SOURCE] = f"{page.source(fields[0].line)} {name} (structure)"
            else:
                line = page.request_sample.line if page.request_sample else page.api_line
                obj[fmt.SOURCE] = f"{page.source(line)} {name} ({'action key' if name == page.action_key else 'structure'})"
            props[name] = obj
            if name == main or "required" in obj:
                required.append(name)
        top = params_object([f for f in body_fields if not f.container], "body")
        props.update(top["properties"])
        required += top.get("required", [])
        root["type"] = "object"
        root["properties"] = props
        root["required"] = required
    if defs:
        root["$defs"] = defs
    return root


def _containers(page: Page, body_fields: list[Field]) -> list[str]:
    """The body's parameter structures, the one the node dispatches on first: the table's
    ``contained in`` names, else the object keys of the body sample, else the protocol's default
    (a PUT's action key, a POST's ``params``)."""
    named = list(dict.fromkeys(f.container for f in body_fields if f.container))
    if not named and page.request_sample and isinstance(page.request_sample.value, dict):
        named = [k for k, v in page.request_sample.value.items() if isinstance(v, dict)]
    if not named:
        named = [page.action_key if page.method == "PUT" else _POST_KEY]
    for first in (page.action_key, _POST_KEY):
        if first in named:
            named.remove(first)
            named.insert(0, first)
            break
    return named


def _template_params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)
