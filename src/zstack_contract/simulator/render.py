"""Rendering bodies the way a ZStack management node (Gson on its JVM) renders them.

- Long/Integer fields are JSON integers; fields that are null are left out.
- Timestamps use the JVM's default medium format in the server's local time
  (:mod:`zstack_contract.facts.jvm_dates`): Java 8 by default, as the server is built for it.
- Output is compact UTF-8 (Gson does not escape non-ASCII). Answers written with Gson's defaults
  (job results, and successful login and query answers: ``CloudBusGson.toJsonForHttpResponse``)
  escape ``= < > & '`` as ``\\u003d`` and so on; synchronous 503 errors (``JSONObjectUtil``) do not.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from functools import partial
from typing import Any, Callable

from ..facts import error_codes, jvm_dates

DateFormatter = Callable[[datetime], str]


def jvm_date(dt: datetime, jvm: int = 8) -> str:
    """A date as that JVM renders it."""
    return jvm_dates.render(dt, jvm)


def dates_of(jvm: int) -> DateFormatter:
    return partial(jvm_dates.render, jvm=jvm)


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
    return java_utf8(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def java_utf8(text: str) -> bytes:
    """``text`` in UTF-8 as Java writes a String: a character beyond the BMP that a body sent as
    an escaped pair (``\\ud83d\\ude00``) is that one character; a lone half of a pair is ``?``."""
    if not _SURROGATE.search(text):
        return text.encode("utf-8")
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if "\ud800" <= ch <= "\udbff" and i + 1 < len(text) and "\udc00" <= text[i + 1] <= "\udfff":
            out.append((ch + text[i + 1]).encode("utf-16-le", "surrogatepass").decode("utf-16-le"))
            i += 2
            continue
        out.append("?" if "\ud800" <= ch <= "\udfff" else ch)
        i += 1
    return "".join(out).encode("utf-8")


# -- errors -----------------------------------------------------------------------------------

DETAILS_LIMIT = 4096  # ErrorFacadeImpl.doInstantiateErrorCode: longer details keep 4093 characters and "..."


def error_code(code: str, details: str | None, cause: dict | None = None) -> dict:
    """An ErrorCode object as ``ErrorFacadeImpl`` builds it: the code's ``description`` from the
    node's error-code tables (:mod:`zstack_contract.facts.error_codes`), ``details`` cut to 4096
    characters (the first 4093 and ``...``), or none (None: an internal error of an exception
    without a message has none). A code the table lacks is a ``KeyError``: a node fails on it too
    (``cannot find error code``), and the table is regenerated to add it."""
    err: dict[str, Any] = {"code": code, "description": error_codes.DESCRIPTIONS[code]}
    if details is not None:
        err["details"] = details if len(details) <= DETAILS_LIMIT else details[:DETAILS_LIMIT - 3] + "..."
    if cause is not None:
        err["cause"] = cause
    return err


def error_text(err: dict) -> str:
    """An ErrorCode as its ``toString`` writes it: JSON, by ``JSONObjectUtil`` (Gson without HTML
    escaping, nulls left out). It is the text of an exception that carries the error
    (``ApiMessageInterceptionException.getMessage``), which an internal error's details then show."""
    return json.dumps(err, ensure_ascii=False, separators=(",", ":"))


def error_as_text(err: dict) -> str:
    """The ``error-as-text`` fault's body: the error's gist as one plain line."""
    return f"{err['code']}: {err.get('description', '')}: {err.get('details', '')}"


SERVER_ERROR_PAGE = (
    "<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 \u2013 Internal Server Error</title>"
    "</head><body><h1>HTTP Status 500 \u2013 Internal Server Error</h1><hr class=\"line\" />"
    "<p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed; nested exception "
    "is java.lang.NullPointerException</p><p><b>Description</b> The server encountered an unexpected "
    "condition that prevented it from fulfilling the request.</p><hr class=\"line\" />"
    "<h3>Apache Tomcat</h3></body></html>"
)

def status_page(status: int, reason: str, description: str, message: str | None = None) -> str:
    """Tomcat's status page (``ErrorReportValve``) for an error sent with ``sendError``: its
    message, when one was given, escaped as Tomcat escapes element content (``'`` as ``&#39;``)."""
    said = f"<p><b>Message</b> {html.escape(message).replace('&#x27;', '&#39;')}</p>" if message else ""
    return (f"<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} \u2013 {reason}</title>"
            f"</head><body><h1>HTTP Status {status} \u2013 {reason}</h1><hr class=\"line\" />"
            f"<p><b>Type</b> Status Report</p>{said}<p><b>Description</b> {description}</p>"
            "<hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>")


# Tomcat's answer to a path outside every web application (the node's is /zstack): its status page.
NOT_FOUND_PAGE = status_page(404, "Not Found", "The origin server did not find a current representation for the "
                             "target resource or is not willing to disclose that one exists.")
METHOD_NOT_ALLOWED = "The method received in the request-line is known by the origin server but not supported by the target resource."
