"""Java's answers where a node lets them through to the client: number parsing (``Long.parseLong``,
``Integer.valueOf``), a value's ``toString()`` (``Double.toString`` for numbers) and the message
of a ClassCastException, as each JVM words it."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Any

INT_RANGE = (-(2**31), 2**31 - 1)
LONG_RANGE = (-(2**63), 2**63 - 1)


def _parse(text: str, low: int, high: int) -> int:
    """Java's ``parseInt``/``parseLong``: an optional sign, then decimal digits (any script's, as
    ``Character.digit`` takes them), in range; no white space, no underscores. ValueError otherwise."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not all(unicodedata.decimal(c, None) is not None for c in body):
        raise ValueError(text)
    value = int(("-" if text[0] == "-" else "") + "".join(str(unicodedata.decimal(c)) for c in body))
    if not low <= value <= high:
        raise ValueError(text)
    return value


def parse_long(text: str) -> int:
    """``Long.parseLong``; ValueError (whose message is ``For input string: "..."``) when Java refuses it."""
    try:
        return _parse(text, *LONG_RANGE)
    except ValueError:
        raise ValueError(number_format(text)) from None


def parse_int(text: str) -> int:
    """``Integer.valueOf``; ValueError when Java refuses it."""
    try:
        return _parse(text, *INT_RANGE)
    except ValueError:
        raise ValueError(number_format(text)) from None


def number_format(text: str) -> str:
    """The message of Java's NumberFormatException for a string it cannot parse as a number."""
    return f'For input string: "{text}"'


def java_string(value: Any) -> str:
    """``Object.toString()`` of a value Gson read: ``null``, ``true``, ``5``, ``5.0``, ``1.0E10``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    return str(value)


def java_double(value: float) -> str:
    """``Double.toString``: positional from 10^-3 up to 10^7 (always with a fraction: ``5.0``),
    else one digit, a fraction and ``E`` with the exponent (``1.0E10``, ``1.5E-5``); the fewest
    digits that read back as the same double, as Python's ``repr`` gives them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)  # positional in this range, ``-0.0`` kept
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    shown = "".join(map(str, digits))
    power = len(shown) - 1 + exponent
    shown = shown.rstrip("0")
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


# What Gson (LONG_OR_DOUBLE) makes of each JSON value, as Java classes.
_JAVA_TYPES = {
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    int: "java.lang.Long",
    float: "java.lang.Double",
    list: "java.util.ArrayList",
    dict: "com.google.gson.internal.LinkedTreeMap",
}


def java_type(value: Any) -> str:
    return _JAVA_TYPES.get(type(value), "java.lang.Object")


def class_cast(value: Any, target: str, jvm: int) -> str:
    """The ClassCastException message for casting a parsed JSON value to ``target`` (``java.util.Map``)."""
    src = java_type(value)
    if jvm < 9:
        return f"{src} cannot be cast to {target}"
    if src.startswith("com.google"):
        return (f"class {src} cannot be cast to class {target} ({src} is in unnamed module of loader 'app'; "
                f"{target} is in module java.base of loader 'bootstrap')")
    return f"class {src} cannot be cast to class {target} ({src} and {target} are in module java.base of loader 'bootstrap')"
