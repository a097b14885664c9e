"""Rendering bodies the way a ZStack management node (Gson on a recent JVM) renders them.

- Long/Integer fields are JSON integers; fields that are null are left out.
- Timestamps use the JVM's default medium format in the server's local time
  (:mod:`zstack_contract.facts.jvm_dates`). The simulator plays a current JVM (:data:`JVM`):
  ``Nov 14, 2017, 10:20:57\u202fPM`` (a narrow no-break space before AM/PM).
- Output is compact UTF-8 (Gson does not escape non-ASCII); asynchronous results additionally
  escape ``= < > & '`` as ``\\u003d`` and so on, as Gson's HTML-safe mode does.
- Plain-text answers mimic the Java messages a real node puts in them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

from ..facts import jvm_dates

JVM = 21  # the Java release whose date rendering the simulator plays

DateFormatter = Callable[[datetime], str]


def jvm_date(dt: datetime) -> str:
    """A date as the simulated node's JVM renders it."""
    return jvm_dates.render(dt, JVM)


def iso_date(dt: datetime) -> str:
    """ISO-8601 with the local offset: what the ``iso-dates`` fault serves instead."""
    return dt.astimezone().isoformat(timespec="seconds")


def plain(value: Any, fmt_date: DateFormatter = jvm_date) -> Any:
    """A JSON-ready copy: datetimes formatted, None values dropped from objects."""
    if isinstance(value, dict):
        return {k: plain(v, fmt_date) for k, v in value.items() if v is not None and not k.startswith("_")}
    if isinstance(value, (list, tuple)):
        return [plain(v, fmt_date) for v in value]
    if isinstance(value, datetime):
        return fmt_date(value)
    return value


_HTML_SAFE = str.maketrans({"=": "\\u003d", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def to_json(doc: Any, *, html_safe: bool = False) -> bytes:
    """Compact UTF-8 JSON. With html_safe, the five characters Gson escapes are escaped.

    The escaping is applied to the serialized text: outside strings JSON has none of those
    characters, so only string contents change.
    """
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if html_safe:
        text = text.translate(_HTML_SAFE)
    return text.encode("utf-8")


# -- errors -----------------------------------------------------------------------------------

DESCRIPTIONS = {
    "SYS.1000": "An internal error happened in system",
    "SYS.1001": "Operation timeout",
    "SYS.1003": "Resource not found",
    "SYS.1006": "Operation failed",
    "SYS.1007": "One or more API argument is invalid",
    "ID.1000": "Authentication error",
    "ID.1001": "Session expired",
    "ID.1002": "Permission denied",
    "VM.1014": "The VM is not in the required state",
}


def error_code(code: str, details: str, cause: dict | None = None) -> dict:
    """An ErrorCode object (``details`` cut at 4096 characters, as the server does)."""
    err: dict[str, Any] = {"code": code, "description": DESCRIPTIONS.get(code, code), "details": details[:4096]}
    if cause is not None:
        err["cause"] = cause
    return err


def error_as_text(err: dict) -> str:
    """The ``error-as-text`` fault's body: the error's gist as one plain line."""
    return f"{err['code']}: {err.get('description', '')}: {err.get('details', '')}"


def not_found_details(uuid: str) -> str:
    return f"invalid field[vmInstanceUuid], resource[uuid:{uuid}, type:VmInstanceVO] not found"


# -- Java-shaped messages of the HTTP layer ---------------------------------------------------

_JAVA_TYPES = {
    str: "java.lang.String",
    bool: "java.lang.Boolean",
    int: "java.lang.Double",  # Gson reads every JSON number into a LinkedHashMap as a Double
    float: "java.lang.Double",
    list: "java.util.ArrayList",
    dict: "com.google.gson.internal.LinkedTreeMap",
}

_GSON_TOKENS = {dict: "BEGIN_OBJECT", list: "BEGIN_ARRAY", str: "STRING", bool: "BOOLEAN", int: "NUMBER", float: "NUMBER"}


def class_cast(value: Any, target: str) -> str:
    """A JDK 11+ ClassCastException message for casting a parsed JSON value to ``target``."""
    src = _JAVA_TYPES.get(type(value), "java.lang.Object")
    where = "are in module java.base of loader 'bootstrap'"
    if src.startswith("com.google"):
        where = f"is in unnamed module of loader 'app'; {target} is in module java.base of loader 'bootstrap'"
        return f"class {src} cannot be cast to class {target} ({src} {where})"
    return f"class {src} cannot be cast to class {target} ({src} and {target} {where})"


def gson_syntax_error(exc: json.JSONDecodeError) -> str:
    """The message of Gson's exception for text that is not JSON."""
    return (
        "com.google.gson.stream.MalformedJsonException: "
        f"{exc.msg} at line {exc.lineno} column {exc.colno} path $"
    )


def gson_not_object(value: Any) -> str:
    """Gson's message when the top-level value is not the JSON object it reads into a map."""
    token = _GSON_TOKENS.get(type(value), "NULL")
    return f"java.lang.IllegalStateException: Expected BEGIN_OBJECT but was {token} at line 1 column 2 path $"


SERVER_ERROR_PAGE = (
    "<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 \u2013 Internal Server Error</title>"
    "</head><body><h1>HTTP Status 500 \u2013 Internal Server Error</h1><hr class=\"line\" />"
    "<p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed; nested exception "
    "is java.lang.NullPointerException</p><p><b>Description</b> The server encountered an unexpected "
    "condition that prevented it from fulfilling the request.</p><hr class=\"line\" />"
    "<h3>Apache Tomcat</h3></body></html>"
)
