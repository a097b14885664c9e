"""Build JSON Schemas (draft 2020-12) from a page model and the overlay.

The derived part is a pure function of the page; the overlay adds what the page lacks. Only
standard validation keywords are used; the annotations each field carries (its page line, page
type, starting version, integer width, overlay rules) are those of :mod:`zstack_contract.contract.format`.
"""

from __future__ import annotations

import copy
from typing import Any

from ..contract import format as fmt
from ..facts import jvm_dates
from .overlay import Overlay
from .page import Field, Page, Table
from .types import Kind, resolve_reference, structure_types

_BODYLESS = {"GET", "DELETE"}


def _kind_schema(kind: Kind) -> dict[str, Any]:
    k = kind.kind
    if k == "string":
        return {"type": "string"}
    if k in ("long", "int"):
        width = 64 if k == "long" else 32
        low, high = fmt.INT_RANGE[width]
        return {"type": "integer", "minimum": low, "maximum": high, fmt.INT_WIDTH: width}
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
        return s
    if k == "table":
        return {"$ref": f"#/$defs/{kind.table}"}
    raise AssertionError(k)


class _Builder:
    def __init__(self, page: Page, overlay: Overlay, scope: str, strict: bool = False):
        self.page = page
        self.overlay = overlay
        self.scope = scope
        self.strict = strict
        types = structure_types(page)
        self.table_types = {
            name: frozenset(t for t, sec in types.items() if sec == name) for name in page.sections
        }

    def field(self, f: Field, table: str) -> tuple[dict[str, Any], bool]:
        """The field's schema, and whether the overlay makes it always present."""
        schema = _kind_schema(resolve_reference(self.page, f))
        if f.description:
            schema["description"] = f.description
        schema[fmt.SOURCE] = f"{self.page.source(f.line)} {f.name} {f.type}"
        schema[fmt.PAGE_TYPE] = f.type
        if f.since:
            schema[fmt.SINCE] = f.since
        required = False
        applied = []
        for rule in self.overlay.matching(
            scope=self.scope,
            table=table,
            table_types=self.table_types.get(table, frozenset()),
            field=f.name,
            type_=f.type,
        ):
            schema.update(copy.deepcopy(rule.schema))
            required = required or rule.required
            applied.append(rule.id)
        if applied:
            schema[fmt.OVERLAY] = applied
        return schema, required

    def object(self, table: Table, fields: list[Field] | None = None, title: str | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: list[str] = []
        for f in table.fields if fields is None else fields:
            props[f.name], always = self.field(f, table.name)
            if always:
                required.append(f.name)
        out: dict[str, Any] = {"type": "object"}
        if title:
            out["title"] = title
        out[fmt.SOURCE] = self.page.source(table.line) + (f" #{table.name}" if table.name in self.page.sections else "")
        out["properties"] = props
        if required:
            out["required"] = required
        if self.strict:
            out["additionalProperties"] = False
        return out

    def defs(self) -> dict[str, Any]:
        return {name: self.object(t) for name, t in self.page.sections.items()}


def _header(page: Page, what: str, variant: str) -> dict[str, Any]:
    return {
        "$schema": fmt.DRAFT,
        "title": f"{page.api} {what}",
        "description": f"Derived from {page.path} by zstack-contract; do not edit, regenerate with `zstack-contract derive`.",
        fmt.META: {
            "api": page.api,
            "page": page.path,
            "variant": variant,
            "actionKey": page.action_key,
            "endpoints": [{"method": e.method, "path": e.path, fmt.SOURCE: page.source(e.line)} for e in page.endpoints],
        },
    }


def build_response_schema(page: Page, overlay: Overlay, strict: bool = False) -> dict[str, Any]:
    """The response envelope: success fields or the error, never both, never neither."""
    b = _Builder(page, overlay, "response", strict)
    assert page.response is not None
    root = _header(page, "response", "strict" if strict else "default")
    body = b.object(page.response)
    error_fields = [f.name for f in page.response.fields if f.type.lower() == "errorcode" or f.name == "error"]
    success_fields = [f.name for f in page.response.fields if f.name not in error_fields]
    root.update(body)
    if error_fields and success_fields:
        root["oneOf"] = [
            {"title": "success", "anyOf": [{"required": [n]} for n in success_fields]},
            {"title": "failure", "anyOf": [{"required": [n]} for n in error_fields]},
        ]
    root["$defs"] = b.defs()
    return root


def build_request_schema(page: Page, overlay: Overlay) -> dict[str, Any]:
    """The request body (action key object, top-level body parameters) plus path/query parameters in $defs."""
    b = _Builder(page, overlay, "request")
    root = _header(page, "request", "default")
    params = list(page.request.fields) if page.request else []
    req_table = page.request or Table("request", (), (), page.api_line)

    def params_object(fields: list[Field], title: str) -> dict[str, Any]:
        obj = b.object(req_table, fields, title)
        req = list(obj.get("required", []))
        for f in fields:
            if not f.optional and f.name not in req:
                req.append(f.name)
        if req:
            obj["required"] = [f.name for f in fields if f.name in req]
        return obj

    defs: dict[str, Any] = {}
    for loc, title in (("url", "path parameters"), ("query", "query parameters"), ("header", "header parameters")):
        fields = [f for f in params if f.location == loc]
        if fields:
            defs[{"url": "path"}.get(loc, loc)] = params_object(fields, title)

    method = page.endpoints[0].method
    body_fields = [f for f in params if f.location == "body"]
    if method in _BODYLESS and not body_fields:
        root.update({"type": "null", "description": root["description"] + " This API's request has no body."})
    else:
        top = [f for f in body_fields if not f.container]
        containers: dict[str, list[Field]] = {page.action_key: []}
        for f in body_fields:
            if f.container:
                containers.setdefault(f.container, []).append(f)
        root["type"] = "object"
        props: dict[str, Any] = {}
        required = []
        for name, fields in containers.items():
            obj = params_object(fields, f"{name} structure")
            if name == page.action_key:
                line = page.request_sample_line or page.api_line
                obj[fmt.SOURCE] = f"{page.source(line)} {name} (action key)"
            props[name] = obj
            if name == page.action_key or "required" in obj:
                required.append(name)
        top_obj = params_object(top, "body")
        props.update(top_obj["properties"])
        required += top_obj.get("required", [])
        root["properties"] = props
        root["required"] = required
    if defs:
        root["$defs"] = defs
    return root
