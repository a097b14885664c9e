"""The changes between two contracts, API by API, found by walking their schemas side by side (no
validation: a structural comparison of the derived schemas, as :mod:`~zstack_contract.contract.format`
describes them).

A change names where it stands in words that do not depend on a page's lines (``request
params.name``, ``response inventory.vmNics[].uuid``, ``endpoint PUT /v1/vm-instances/{uuid}``), so
that its id (:attr:`Change.id`, a fingerprint of kind, API and place) stays when a page is edited
elsewhere; each side's ``x-source`` (page or doc-source line) goes with it. A response is walked
from its fields through the tables they refer to (``$defs``), each table once per path (a table
that refers back to one on its path is not walked again)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..contract.compiled import Contract, ContractSet
from ..contract.format import INT_WIDTH, META, PAGE_TYPE, SOURCE
from ..contract.parameters import Parameter
from ..contract.schema_bounds import local_target

MAX_DEPTH = 16  # tables within tables a response is walked into; the derived ones nest a few deep
_PLACE = {"path": "url", "query": "query", "body": "body", "top": "body"}
_VARIABLE = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Change:
    api: str
    kind: str  # a name of :data:`~.kinds.KINDS`
    where: str  # the place, in words that name no line
    old: str | None  # what the old side has there (None: nothing)
    new: str | None
    old_source: str | None = None  # the old side's x-source of the place
    new_source: str | None = None

    @property
    def id(self) -> str:
        """The change's fingerprint: the same change between any two contracts has the same id."""
        return fingerprint(self.kind, self.api, self.where)


def fingerprint(kind: str, api: str, where: str) -> str:
    return hashlib.sha256(f"{kind}|{api}|{where}".encode()).hexdigest()[:16]


def compare_sets(old: ContractSet, new: ContractSet) -> list[Change]:
    """Every change from ``old`` to ``new``, by API, then in the order the walk meets them."""
    changes: list[Change] = []
    for api in sorted(set(old.by_api) | set(new.by_api)):
        a, b = old.get(api), new.get(api)
        if a is None:
            changes.append(Change(api, "api-added", "API", None, _endpoints_text(b), None, b.response.get(SOURCE)))
        elif b is None:
            changes.append(Change(api, "api-removed", "API", _endpoints_text(a), None, a.response.get(SOURCE), None))
        else:
            changes += compare(a, b)
    return changes


def compare(old: Contract, new: Contract) -> list[Change]:
    """The changes of one API."""
    api = old.api
    out = list(_endpoints(api, old, new))
    if old.action_key != new.action_key:
        out.append(Change(api, "action-key-changed", "action key", old.action_key, new.action_key,
                          old.response.get(SOURCE), new.response.get(SOURCE)))
    if old.answers_at_once != new.answers_at_once:
        out.append(Change(api, "became-sync" if new.answers_at_once else "became-job", "answer",
                          _answer(old), _answer(new), old.response.get(SOURCE), new.response.get(SOURCE)))
    if old.authorized != new.authorized:
        out.append(Change(api, "session-required" if new.authorized else "session-not-required", "session",
                          _session(old), _session(new), old.response.get(SOURCE), new.response.get(SOURCE)))
    out += _parameters(api, old, new)
    out += _fields(api, "response", old.response, new.response,
                   _success_properties(old), _success_properties(new), frozenset(), 0)
    return out


# -- endpoints -------------------------------------------------------------------------------
def _endpoint_list(c: Contract) -> list[tuple[str, str, str | None]]:
    return [(e.get("method", ""), e.get("path", ""), e.get(SOURCE)) for e in c.response.get(META, {}).get("endpoints", [])]


def _endpoints_text(c: Contract) -> str:
    return ", ".join(f"{m} {p}" for m, p, _ in _endpoint_list(c)) or "(no endpoint)"


def _endpoints(api: str, old: Contract, new: Contract) -> Iterator[Change]:
    """Endpoints compared by method and path (a path variable's name aside: renaming it renames a
    parameter, which the parameters tell): one that went and one that came with the same path is
    a method changed; with the same method, when one went and one came, a path changed."""
    def keyed(c: Contract) -> dict[tuple[str, str], tuple[str, str, str | None]]:
        return {(m, _VARIABLE.sub("{}", p)): (m, p, s) for m, p, s in _endpoint_list(c)}

    a, b = keyed(old), keyed(new)
    gone = [a[k] for k in a if k not in b]
    came = [b[k] for k in b if k not in a]
    for m, p, s in list(gone):
        same_path = next((e for e in came if _VARIABLE.sub("{}", e[1]) == _VARIABLE.sub("{}", p)), None)
        if same_path is not None:
            gone.remove((m, p, s))
            came.remove(same_path)
            yield Change(api, "endpoint-method-changed", f"endpoint {m} {p}", f"{m} {p}", f"{same_path[0]} {same_path[1]}", s, same_path[2])
    for m, p, s in list(gone):
        same_method = [e for e in came if e[0] == m]
        if len(same_method) == 1 and len([g for g in gone if g[0] == m]) == 1:
            gone.remove((m, p, s))
            came.remove(same_method[0])
            yield Change(api, "endpoint-path-changed", f"endpoint {m} {p}", f"{m} {p}", f"{m} {same_method[0][1]}", s, same_method[0][2])
    for m, p, s in gone:
        yield Change(api, "endpoint-removed", f"endpoint {m} {p}", f"{m} {p}", None, s, None)
    for m, p, s in came:
        yield Change(api, "endpoint-added", f"endpoint {m} {p}", None, f"{m} {p}", None, s)


def _answer(c: Contract) -> str:
    return "at once" if c.answers_at_once else "a job"


def _session(c: Contract) -> str:
    return "session needed" if c.authorized else "no session"


# -- request parameters ----------------------------------------------------------------------
def _parameters(api: str, old: Contract, new: Contract) -> Iterator[Change]:
    a = _by_name(old.parameters)
    b = _by_name(new.parameters)
    for name in a:
        p = a[name]
        where = f"request {name}"
        q = b.get(name)
        if q is None:
            yield Change(api, "request-param-removed", where, _param_text(p), None, p.schema.get(SOURCE), None)
            continue
        if _PLACE[p.where] != _PLACE[q.where]:
            yield Change(api, "request-param-moved", where, _place(p), _place(q), p.schema.get(SOURCE), q.schema.get(SOURCE))
        if p.required != q.required:
            yield Change(api, "request-param-required" if q.required else "request-param-optional", where,
                         _required(p), _required(q), p.schema.get(SOURCE), q.schema.get(SOURCE))
        yield from _node(api, "request", where, p.schema, q.schema, old.request or {}, new.request or {})
    for name in b:
        if name not in a:
            q = b[name]
            kind = "request-param-added-required" if q.required else "request-param-added"
            yield Change(api, kind, f"request {name}", None, _param_text(q), None, q.schema.get(SOURCE))


def _by_name(params) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for p in params:
        out.setdefault(p.name, p)
    return out


def _place(p: Parameter) -> str:
    return f"body ({p.container})" if p.where == "body" and p.container else _PLACE[p.where]


def _required(p: Parameter) -> str:
    return "required" if p.required else "optional"


def _param_text(p: Parameter) -> str:
    return f"{_type_text(p.schema)}, {_place(p)}, {_required(p)}"


# -- schemas, side by side -------------------------------------------------------------------
def _resolved(node: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The schema a node stands for (a ``$ref`` followed, once per hop, within the root) and the
    table it names (None: not a reference)."""
    ref = node.get("$ref") if isinstance(node.get("$ref"), str) else None
    seen = 0
    while isinstance(node.get("$ref"), str) and seen < MAX_DEPTH:
        found = local_target(root, node["$ref"])
        if found is None or not isinstance(found[1], dict):
            break
        node, seen = found[1], seen + 1
    return node, ref


def _json_type(node: dict[str, Any]) -> str:
    t = node.get("type")
    if isinstance(t, list):
        return "|".join(sorted(str(x) for x in t))
    if t is None:
        return "object" if "properties" in node else "any"
    return str(t)


def _type_text(node: dict[str, Any]) -> str:
    page_type = node.get(PAGE_TYPE)
    t = _json_type(node) if "$ref" not in node else "object"
    return f"{page_type} ({t})" if page_type else t


def _table_text(node: dict[str, Any], table: str | None) -> str:
    """A reference as a reader knows it: the page's type, else the table's name (``vmNics``)."""
    if table is None:
        return _type_text(node)
    return node.get(PAGE_TYPE) or table.rsplit("/", 1)[-1]


def _values(node: dict[str, Any]) -> list | None:
    values = node.get("enum")
    return values if isinstance(values, list) else None


def _values_text(values: list | None) -> str:
    return "any value" if values is None else ", ".join(map(str, values))


def _node(api: str, side: str, where: str, a: dict[str, Any], b: dict[str, Any],
          root_a: dict[str, Any], root_b: dict[str, Any]) -> Iterator[Change]:
    """The changes of one place of a request or response: its type, the table it refers to, its
    valid values, its integer width. (What is under it is the caller's to walk.)"""
    ra, table_a = _resolved(a, root_a)
    rb, table_b = _resolved(b, root_b)
    sa, sb = a.get(SOURCE) or ra.get(SOURCE), b.get(SOURCE) or rb.get(SOURCE)
    ta, tb = _json_type(ra), _json_type(rb)
    if ta != tb:
        yield Change(api, f"{side}-type-changed", where, _type_text(a) if table_a else _type_text(ra),
                     _type_text(b) if table_b else _type_text(rb), sa, sb)
        return
    if side == "response" and (table_a or table_b) and (a.get(PAGE_TYPE) or table_a) != (b.get(PAGE_TYPE) or table_b):
        yield Change(api, "response-table-changed", where, _table_text(a, table_a), _table_text(b, table_b), sa, sb)
    va, vb = _values(ra), _values(rb)
    if va != vb:
        sa_set = None if va is None else {repr(v) for v in va}
        sb_set = None if vb is None else {repr(v) for v in vb}
        wider = sb_set is None or (sa_set is not None and sb_set > sa_set)
        narrower = sa_set is None or (sb_set is not None and sb_set < sa_set)
        if wider and not narrower:
            yield Change(api, f"{side}-values-added", where, _values_text(va), _values_text(vb), sa, sb)
        elif narrower and not wider:
            yield Change(api, f"{side}-values-removed", where, _values_text(va), _values_text(vb), sa, sb)
        elif sa_set != sb_set:  # some came, some went: both
            yield Change(api, f"{side}-values-added", where, _values_text(va), _values_text(vb), sa, sb)
            yield Change(api, f"{side}-values-removed", where, _values_text(va), _values_text(vb), sa, sb)
    wa, wb = ra.get(INT_WIDTH), rb.get(INT_WIDTH)
    if isinstance(wa, int) and isinstance(wb, int) and wa != wb:
        kind = f"{side}-int-widened" if wb > wa else f"{side}-int-narrowed"
        yield Change(api, kind, where, f"{ra.get(PAGE_TYPE) or 'integer'} ({wa} bits)", f"{rb.get(PAGE_TYPE) or 'integer'} ({wb} bits)", sa, sb)


def _success_properties(c: Contract) -> dict[str, Any]:
    props = c.response.get("properties", {})
    return {n: props[n] for n in c.success_fields if n in props}


def _fields(api: str, side: str, root_a: dict[str, Any], root_b: dict[str, Any], props_a: dict[str, Any], props_b: dict[str, Any],
            on_path: frozenset, depth: int, prefix: str = "") -> Iterator[Change]:
    """The changes of the fields of one object of a response, and of what is under each."""
    for name, a in props_a.items():
        where = f"{side} {prefix}{name}"
        if not isinstance(a, dict):
            continue
        b = props_b.get(name)
        if not isinstance(b, dict):
            yield Change(api, f"{side}-field-removed", where, _type_text(a), None, a.get(SOURCE), None)
            continue
        found = list(_node(api, side, where, a, b, root_a, root_b))
        yield from found
        if any(c.kind.endswith("type-changed") for c in found) or depth >= MAX_DEPTH:
            continue
        yield from _under(api, side, root_a, root_b, a, b, on_path, depth, f"{prefix}{name}")
    for name, b in props_b.items():
        if name not in props_a and isinstance(b, dict):
            yield Change(api, f"{side}-field-added", f"{side} {prefix}{name}", None, _type_text(b), None, b.get(SOURCE))


def _under(api: str, side: str, root_a: dict[str, Any], root_b: dict[str, Any], a: dict[str, Any], b: dict[str, Any],
           on_path: frozenset, depth: int, path: str) -> Iterator[Change]:
    """The changes under a field: an object's fields, a list's items (``name[]``)."""
    ra, table_a = _resolved(a, root_a)
    rb, table_b = _resolved(b, root_b)
    key = (table_a, table_b)
    if (table_a or table_b) and key in on_path:
        return
    if table_a or table_b:
        on_path = on_path | {key}
    if isinstance(ra.get("items"), dict) and isinstance(rb.get("items"), dict):
        ia, ib = ra["items"], rb["items"]
        found = list(_node(api, side, f"{side} {path}[]", ia, ib, root_a, root_b))
        yield from found
        if not any(c.kind.endswith("type-changed") for c in found):
            yield from _under(api, side, root_a, root_b, ia, ib, on_path, depth + 1, f"{path}[]")
    pa, pb = ra.get("properties"), rb.get("properties")
    if isinstance(pa, dict) and isinstance(pb, dict):
        yield from _fields(api, side, root_a, root_b, pa, pb, on_path, depth + 1, f"{path}.")
