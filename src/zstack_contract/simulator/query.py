"""Queries of any collection: ``GET /v1/<resources>[/{uuid}]`` with ``q``, ``limit``, ``start``,
``count``, ``replyWithCount``, ``sort`` and ``fields``, parsed the way the node's REST layer does
(``RestServer.handleQueryApi``).

Malformed parameters are a plain-text 400 from the REST layer; a condition on a field the
inventory does not have (or an empty field name) is an API error (``SYS.1007``, 503) raised after
the session check. ``~=`` (LIKE) never backtracks, whatever the pattern (:func:`like`).

The conditions mean what they mean on a node, whose query API writes them into a ZQL query
(``QueryFacadeImpl.queryUseZQL`` and ``toZQLConditionString``) that ends as SQL with each value a
quoted string: the database compares a date field with the date the value names (not with the
date as a reply renders it); the values of ``?=`` are cut at every comma and kept as sent, spaces
and empty values included; a value that is no constant of an enum field matches nothing (``[]``,
no error). ``MysqlQueryBuilderImpl3``, which trims and checks values, has not answered the REST
queries since release 2.4.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import java

# Order matters, as on the node: an operator contained in another comes after it.
OPERATORS = ("!=", ">=", "<=", "!?=", "!~=", "~=", "?=", "=", ">", "<", "is null", "not null")


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
    """A Query from the request's query arguments (a werkzeug MultiDict, or a dict of lists)."""
    q = Query()
    for name in args:
        values = args.getlist(name) if hasattr(args, "getlist") else list(args[name])
        key = name.strip()
        first = values[0].strip()
        if key in ("limit", "start"):
            try:
                setattr(q, key, java.parse_int(first))  # Integer.valueOf: no "1_0", no "5.0", in int range
            except ValueError:
                raise BadParameter(f"Invalid query parameter. '{key}' must be an integer") from None
        elif key == "count":
            q.count = _bool(first)
        elif key == "replyWithCount":
            q.reply_with_count = _bool(first)
        elif key == "sort":
            sign = first[:1] if first[:1] in ("+", "-") else ""
            q.descending = sign == "-"
            q.sort_by = first.lstrip(sign) if sign else first  # StringUtils.stripStart: "+-name" sorts by "-name"
        elif key in ("q", ""):  # the node tests "q".startsWith(name): an empty name is q too
            for cond in values:
                q.conditions.append(parse_condition(cond))
        elif key == "fields":
            q.fields = [f.strip() for f in first.split(",")]  # "fields=" is one empty name: the query engine refuses it
    return q


def parse_condition(cond: str) -> tuple[str, str, str | None]:
    op = next((o for o in OPERATORS if o in cond), None)
    if op is None:
        raise BadParameter(
            f"Invalid query parameter. The '{cond}' in the parameter[q] doesn't contain any query operator."
            f" Valid query operators are [[{', '.join(OPERATORS)}]]"  # Java prints a list holding the key set
        )
    name, sep, value = cond.partition(op)
    if op in ("is null", "not null"):
        return name.strip(), op, None
    if not sep:
        raise BadParameter(f"Invalid query parameter. The '{cond}' in parameter[q] is not a key-value pair split by {op}")
    return name.strip(), op, value  # the value is not trimmed (a space can matter), and may be empty


def _sql_text(value: Any) -> str:
    """A field's value as the database compares it with a string (a date as MySQL writes it, for LIKE)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# A date as MySQL reads a string it compares with a DATETIME or TIMESTAMP column: the forms a client
# writes (``2023-04-18 14:40:55``, ``2023-04-18``; fractions of a second allowed). What it cannot
# read becomes the zero date, earlier than every date (inferred from MySQL's conversion rules).
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{1,6}))?)?)?")
ZERO_DATE = datetime.min


def as_date(text: str) -> datetime:
    """A condition's value compared with a date field: the date it names, else :data:`ZERO_DATE`."""
    m = _DATE.fullmatch(text)
    if m is None:
        return ZERO_DATE
    year, month, day, hour, minute, second, fraction = m.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                        int((fraction or "0").ljust(6, "0")))
    except ValueError:  # 2023-02-30, 25:00
        return ZERO_DATE


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


def like(pattern: str, text: str) -> bool:
    """SQL LIKE: ``%`` any run of characters, ``_`` any one.

    The pattern is cut at its ``%`` into pieces; the first must fit at the start of the text, the
    last at its end, and each piece between them is taken at its leftmost place after the one
    before (leftmost is never worse: it leaves the pieces after it the most room), so nothing is
    ever tried twice. A piece without ``_`` is found by ``str.find`` (linear in the text), one
    with ``_`` by a regular expression without repetition (at worst the text's length times the
    piece's). A pattern of many ``%`` costs what one ``%`` costs."""
    first, *rest = pattern.split("%")
    if not rest:
        return len(text) == len(first) and _fits(first, text, 0)
    last = rest.pop()
    end = len(text) - len(last)
    if end < len(first) or not _fits(first, text, 0) or not _fits(last, text, end):
        return False
    at = len(first)
    for piece in filter(None, rest):
        found = text.find(piece, at, end) if "_" not in piece else _search(piece, text, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def _fits(piece: str, text: str, at: int) -> bool:
    """Whether ``piece`` (with ``_`` for any character) matches ``text`` at ``at``."""
    if "_" not in piece:
        return text.startswith(piece, at)
    return _piece_regex(piece).match(text, at) is not None


def _search(piece: str, text: str, start: int, end: int) -> int:
    found = _piece_regex(piece).search(text, start, end)
    return found.start() if found else -1


def _piece_regex(piece: str) -> re.Pattern:
    return re.compile("".join("." if c == "_" else re.escape(c) for c in piece), re.DOTALL)


def _holds(vm: dict, name: str, op: str, value: str | None) -> bool:
    found = [v for v in _values(vm, name.split(".")) if v is not None]
    if op == "is null":
        return not found
    if op == "not null":
        return bool(found)
    dates = [v for v in found if isinstance(v, datetime)]
    if dates and op not in ("~=", "!~="):
        return _holds_for_dates(dates, op, value or "")
    texts = [_sql_text(v) for v in found]
    if op == "=":
        return value in texts
    if op == "!=":
        return any(t != value for t in texts)
    if op == "?=":
        return any(t in value.split(",") for t in texts)
    if op == "!?=":
        return any(t not in value.split(",") for t in texts)
    if op in ("~=", "!~="):
        hit = any(like(value, t) for t in texts)
        return hit if op == "~=" else any(not like(value, t) for t in texts)
    sign = {">": (1,), ">=": (0, 1), "<": (-1,), "<=": (-1, 0)}[op]
    return any(_compare(t, value) in sign for t in texts)


def _holds_for_dates(dates: list[datetime], op: str, value: str) -> bool:
    """A condition on a date field compares dates: the node hands the value to the database as a
    string, and MySQL reads it as a date to compare it with the column (``?=`` each of its values)."""
    if op in ("?=", "!?="):
        wanted = {as_date(v) for v in value.split(",")}
        return any((d in wanted) == (op == "?=") for d in dates)
    other = as_date(value)
    return any({"=": d == other, "!=": d != other, ">": d > other, ">=": d >= other, "<": d < other, "<=": d <= other}[op]
               for d in dates)


def _sort_key(value: Any) -> tuple:
    """Nulls first; numbers, dates and strings each compare among themselves."""
    if value is None or isinstance(value, (dict, list)):
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value)
    return (3, str(value))


def run_query(vms: list[dict], q: Query, known_fields: set[str], inventory_class: str) -> dict:
    """The query reply body (internal values; rendered by the caller), with the ``schema`` a node
    adds to every query reply (the Java class of each inventory object, by its path)."""
    names = [c[0] for c in q.conditions] + ([q.sort_by] if q.sort_by else []) + (q.fields or [])
    for name in names:
        if name.split(".")[0] not in known_fields:
            raise BadField(f"condition name[{name}] is invalid, no such field on inventory class[{inventory_class}]")
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
        return {"total": total, "schema": {}}
    body: dict[str, Any] = {"inventories": hits}
    if q.reply_with_count:
        body["total"] = total
    body["schema"] = schema_of(hits, inventory_class)
    return body


def schema_of(inventories: list[dict], inventory_class: str) -> dict[str, str]:
    """What ``JsonSchemaBuilder`` gives a query reply: each inventory object's Java class by its
    path, the deepest first (``inventories[0].vmNics[0]`` before ``inventories[0]``)."""
    package = inventory_class.rsplit(".", 1)[0]
    out: dict[str, str] = {}

    def visit(obj: dict, path: str, cls: str) -> None:
        for key, value in obj.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                singular = key[:-1] if key.endswith("s") else key
                for n, item in enumerate(value):
                    visit(item, f"{path}.{key}[{n}]", f"{package}.{singular[:1].upper()}{singular[1:]}Inventory")
        out[path] = cls

    for n, inv in enumerate(inventories):
        visit(inv, f"inventories[{n}]", inventory_class)
    return out
