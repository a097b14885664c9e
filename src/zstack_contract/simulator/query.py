"""Synchronous VM queries: ``GET /v1/vm-instances[/{uuid}]`` with ``q``, ``limit``, ``start``,
``count``, ``replyWithCount``, ``sort`` and ``fields``, parsed the way the node's REST layer does.

Malformed parameters are a plain-text 400 from the REST layer; a condition on a field the
inventory does not have is an API error (``SYS.1007``, 503) raised after the session check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .render import jvm_date

# Order matters, as on the node: an operator contained in another comes after it.
OPERATORS = ("!=", ">=", "<=", "!?=", "!~=", "~=", "?=", "=", ">", "<", "is null", "not null")
INVENTORY_CLASS = "org.zstack.header.vm.VmInstanceInventory"


class BadParameter(Exception):
    """A query parameter the REST layer refuses: 400 with this text."""


class BadField(Exception):
    """A field the inventory does not have: 503 SYS.1007 with this text as details."""


@dataclass
class Query:
    conditions: list[tuple[str, str, str | None]] = field(default_factory=list)
    limit: int | None = None
    start: int = 0
    count: bool = False
    reply_with_count: bool = False
    sort_by: str | None = None
    descending: bool = False
    fields: list[str] | None = None


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"  # Boolean.parseBoolean


def parse_query(args) -> Query:
    """A Query from the request's query arguments (a werkzeug MultiDict)."""
    q = Query()
    for name in args:
        key = name.strip()
        first = args.getlist(name)[0].strip()
        if key in ("limit", "start"):
            try:
                setattr(q, key, int(first))
            except ValueError:
                raise BadParameter(f"Invalid query parameter. '{key}' must be an integer") from None
        elif key == "count":
            q.count = _bool(first)
        elif key == "replyWithCount":
            q.reply_with_count = _bool(first)
        elif key == "sort":
            q.descending = first.startswith("-")
            q.sort_by = first.lstrip("+-")
        elif key == "fields":
            q.fields = [f.strip() for f in first.split(",") if f.strip()]
            if not q.fields:
                raise BadParameter("Invalid query parameter. 'fields' contains zero field")
        elif key == "q":
            for cond in args.getlist(name):
                q.conditions.append(parse_condition(cond))
    return q


def parse_condition(cond: str) -> tuple[str, str, str | None]:
    op = next((o for o in OPERATORS if o in cond), None)
    if op is None:
        raise BadParameter(
            f"Invalid query parameter. The '{cond}' in the parameter[q] doesn't contain any query operator."
            f" Valid query operators are [{', '.join(OPERATORS)}]"
        )
    name, _, value = cond.partition(op)
    if op in ("is null", "not null"):
        return name.strip(), op, None
    if not name.strip() or not value:
        raise BadParameter(f"Invalid query parameter. The '{cond}' in parameter[q] is not a key-value pair split by {op}")
    return name.strip(), op, value  # the value is not trimmed: a space can matter


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return jvm_date(value)
    return str(value)


def _values(obj: Any, path: list[str]) -> list[Any]:
    """Values at a dotted path, fanning out through lists (``vmNics.ip`` is every NIC's ip)."""
    if isinstance(obj, list):
        return [v for item in obj for v in _values(item, path)]
    if not path:
        return [obj]
    if not isinstance(obj, dict):
        return []
    return _values(obj.get(path[0]), path[1:])


def _compare(a: str, b: str) -> int:
    try:
        x, y = float(a), float(b)
    except ValueError:
        x, y = a, b  # type: ignore[assignment]
    return (x > y) - (x < y)


def _like(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.S)


def _holds(vm: dict, name: str, op: str, value: str | None) -> bool:
    found = [v for v in _values(vm, name.split(".")) if v is not None]
    if op == "is null":
        return not found
    if op == "not null":
        return bool(found)
    texts = [_text(v) for v in found]
    if op == "=":
        return value in texts
    if op == "!=":
        return any(t != value for t in texts)
    if op == "?=":
        return any(t in value.split(",") for t in texts)
    if op == "!?=":
        return any(t not in value.split(",") for t in texts)
    if op in ("~=", "!~="):
        pat = _like(value)
        hit = any(pat.fullmatch(t) for t in texts)
        return hit if op == "~=" else any(not pat.fullmatch(t) for t in texts)
    sign = {">": (1,), ">=": (0, 1), "<": (-1,), "<=": (-1, 0)}[op]
    return any(_compare(t, value) in sign for t in texts)


def _sort_key(value: Any) -> tuple:
    """Nulls first; numbers, dates and strings each compare among themselves."""
    if value is None or isinstance(value, (dict, list)):
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value)
    return (3, str(value))


def run_query(vms: list[dict], q: Query, known_fields: set[str]) -> dict:
    """The query reply body (internal values; rendered by the caller)."""
    names = [c[0] for c in q.conditions] + ([q.sort_by] if q.sort_by else [])
    for name in names:
        if name.split(".")[0] not in known_fields:
            raise BadField(f"condition name[{name}] is invalid, no such field on inventory class[{INVENTORY_CLASS}]")
    hits = [vm for vm in vms if all(_holds(vm, *c) for c in q.conditions)]
    total = len(hits)
    if q.sort_by:
        hits.sort(key=lambda vm: _sort_key(vm.get(q.sort_by)), reverse=q.descending)
    hits = hits[max(q.start, 0):]
    if q.limit is not None and q.limit >= 0:
        hits = hits[: q.limit]
    if q.fields:
        hits = [{k: vm.get(k) for k in q.fields if k in vm} for vm in hits]
    if q.count:
        return {"total": total}
    body: dict[str, Any] = {"inventories": hits}
    if q.reply_with_count:
        body["total"] = total
    return body
