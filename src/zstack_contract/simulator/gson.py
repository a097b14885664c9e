"""Reading a request body as a node does: ``gson.fromJson(body, LinkedHashMap.class)`` (Gson 2.8),
numbers as ``Long`` or ``Double`` (its LONG_OR_DOUBLE policy), failing with the very messages the
node answers with (the Java exception's ``toString()`` as Gson wraps it:
``java.io.EOFException: End of input at line 1 column 5 path $.``).

The reading is lenient (:mod:`.jsonreader`): unquoted and single-quoted names and strings, ``=``
and ``=>`` between name and value, ``;`` between elements, comments, a ``)]}'`` prefix, ``True``
and ``NULL`` in any case. A duplicate key of the top-level map is an error (``duplicate key: x``);
nested maps keep the last value. A top-level array is read as a list of ``[key, value]`` pairs
(so ``[]`` is an empty map).
"""

from __future__ import annotations

from typing import Any

from .java import java_string
from .jsonreader import (
    BEGIN_ARRAY,
    BEGIN_OBJECT,
    BUFFERED,
    DOUBLE_QUOTED,
    END_ARRAY,
    END_OBJECT,
    FALSE,
    LONG,
    NULL,
    NUMBER,
    SINGLE_QUOTED,
    TRUE,
    UNQUOTED,
    GsonError,
    Reader,
)

__all__ = ["GsonError", "from_json"]

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _number(text: str) -> int | float:
    """ToNumberPolicy.LONG_OR_DOUBLE: a Long when Long.parseLong takes it, else a Double."""
    if text.lstrip("-").isdigit() and text.isascii():
        value = int(text)
        if _LONG_MIN <= value <= _LONG_MAX:
            return value
    return float(text)


def _object(r: Reader) -> Any:
    """ObjectTypeAdapter: objects (LinkedTreeMap), arrays, strings, numbers, booleans, null."""
    p = r.peek()
    if p == BEGIN_ARRAY:
        r.begin(BEGIN_ARRAY)
        items = []
        while r.has_next():
            items.append(_object(r))
        r.end(END_ARRAY)
        return items
    if p == BEGIN_OBJECT:
        r.begin(BEGIN_OBJECT)
        obj: dict[str, Any] = {}
        while r.has_next():
            name = r.next_name()
            obj[name] = _object(r)  # a duplicate nested key: the last value wins
        r.end(END_OBJECT)
        return obj
    if p in (SINGLE_QUOTED, DOUBLE_QUOTED, UNQUOTED, BUFFERED):
        return r.next_string()
    if p in (LONG, NUMBER):
        return _number(r.next_string())
    if p in (TRUE, FALSE, NULL):
        r.next_literal(p)
        return {TRUE: True, FALSE: False, NULL: None}[p]
    raise GsonError("java.lang.IllegalStateException")


def _map(r: Reader) -> dict[str, Any] | None:
    """MapTypeAdapterFactory's adapter of a raw LinkedHashMap: an object, or an array of [key, value] pairs."""
    p = r.peek()
    if p == NULL:
        r.next_literal(p)
        return None
    out: dict[str, Any] = {}

    def put(key: Any, value: Any) -> None:
        if key in out and out[key] is not None:
            raise GsonError(f"duplicate key: {java_string(key)}")
        out[key] = value

    if p == BEGIN_ARRAY:
        r.begin(BEGIN_ARRAY)
        while r.has_next():
            r.begin(BEGIN_ARRAY)
            key = _object(r)
            put(_hashable(key), _object(r))
            r.end(END_ARRAY)
        r.end(END_ARRAY)
    else:
        r.begin(BEGIN_OBJECT)
        while r.has_next():
            r.promote_name_to_value()
            key = _object(r)
            put(key, _object(r))
        r.end(END_OBJECT)
    return out


def _hashable(key: Any) -> Any:
    return key if not isinstance(key, (dict, list)) else str(key)


def from_json(text: str) -> dict[str, Any] | None:
    """``gson.fromJson(text, LinkedHashMap.class)``: the map, None for an empty document, or
    GsonError with the message a node answers with."""
    r = Reader(text)
    try:
        r.peek()
    except GsonError as exc:
        if str(exc).startswith("java.io.EOFException"):
            return None  # an empty document
        raise
    result = _map(r)
    # assertFullConsumption, with the reader no longer lenient: anything but white space after the
    # value is refused, at the position just past its first character
    if result is not None:
        s = r.s
        while r.pos < len(s):
            c = s[r.pos]
            r.pos += 1
            if c == "\n":
                r.line += 1
                r.line_start = r.pos
            elif c not in " \r\t":
                raise r.syntax("Use JsonReader.setLenient(true) to accept malformed JSON")
    return result
