"""Build JSON Schemas (draft 2020-12) from a page model and the overlay.

The derived part is a pure function of the page; the overlay adds what the page lacks. Every
field schema carries ``x-source`` (``page:line name Type``), and ``x-since`` (the starting
version) so a violation can point at the line its rule came from; overlay additions carry
``x-overlay`` with the rule ids. Only standard validation keywords are used.
"""

from __future__ import annotations

import copy
from typing import Any

from .fieldtypes import Kind, resolve_reference, structure_types
from .overlay import Overlay
from .page import Field, Page, Table

DRAFT = "https://json-schema.org/draft/2020-12/schema"
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
# The JVM's default date rendering with no zone: Java 8 "Nov 14, 2017 10:20:57 PM"; newer JVMs
# add a comma after the year and the newest a narrow no-break space (U+202F) before AM/PM.
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# Patterns end in "$(?!\n)": Python's re lets a bare "$" match before a final newline, ECMA
# engines (check-jsonschema, jsonschema-rs) do not; with the look-ahead all of them agree.
TIMESTAMP_PATTERN = (
    f"^({MONTHS}) ([1-9]|[12][0-9]|3[01]), [0-9]{{4}},? "
    "([1-9]|1[0-2]):[0-5][0-9]:[0-5][0-9][ \u202f](AM|PM)$(?!\\n)"
)
TIMESTAMP_EXAMPLES = ("Nov 14, 2017 10:20:57 PM", "Nov 14, 2017, 10:20:57 PM", "Nov 14, 2017, 10:20:57\u202fPM")
_BODYLESS = {"GET", "DELETE"}


def _kind_schema(kind: Kind) -> dict[str, Any]:
    k = kind.kind
    if k == "string":
        return {"type": "string"}
    if k == "long":
        return {"type": "integer", "minimum": INT64[0], "maximum": INT64[1]}
    if k == "int":
        return {"type": "integer", "minimum": INT32[0], "maximum": INT32[1]}
    if k == "boolean":
        return {"type": "boolean"}
    if k == "number":
        return {"type": "number"}
    if k == "timestamp":
        return {"type": "string", "pattern": TIMESTAMP_PATTERN, "examples": list(TIMESTAMP_EXAMPLES)}
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
        schema["x-source"] = f"{self.page.source(f.line)} {f.name} {f.type}"
        if f.since:
            schema["x-since"] = f.since
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
            schema["x-overlay"] = applied
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
        out["x-source"] = self.page.source(table.line) + (f" #{table.name}" if table.name in self.page.sections else "")
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
        "$schema": DRAFT,
        "title": f"{page.api} {what}",
        "description": f"Derived from {page.path} by zstack-contract; do not edit, regenerate with `zstack-contract derive`.",
        "x-zstack": {
            "api": page.api,
            "page": page.path,
            "variant": variant,
            "actionKey": page.action_key,
            "endpoints": [{"method": e.method, "path": e.path, "x-source": page.source(e.line)} for e in page.endpoints],
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
                obj["x-source"] = f"{page.source(line)} {name} (action key)"
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
