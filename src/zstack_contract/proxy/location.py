"""The one change the proxy makes to an answer: the job ``location`` of a ``202`` names the
address the client used (the scheme, host and port of its request), not the node's, so that the
client polls the job through the proxy. Only the path and query of the node's location are kept.

The body is left as it came but for the location's own JSON string, found by its spelling on the
wire (``\\/`` escapes, ``\\u`` escapes and all): a node may write it any way JSON allows.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from ..facts.urls import url_problem

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # a JSON string token; outside strings JSON has no '"'
_COLON = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*")


def client_origin(host_header: str | None, local: tuple[str, int] | None) -> str | None:
    """``http://host:port`` as the client wrote it in its ``Host`` header; without one (an
    HTTP/1.0 client), the address its connection reached (never ``0.0.0.0``); None when neither
    is usable."""
    if host_header:
        host = host_header.strip()
        if host and not any(c in host for c in "/?#@ \\") and url_problem(f"http://{host}/") is None:
            return f"http://{host}"
    if local is not None and local[0] not in ("0.0.0.0", "::"):
        address, port = local[0], local[1]
        return f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"
    return None


def rewritten(body: bytes, origin: str) -> bytes:
    """``body`` with the string value of its top-level ``location`` key naming ``origin`` (the
    location's path and query kept); ``body`` itself when it is not such a JSON object, names
    ``location`` twice, or the location is no URL."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return body
    location = value.get("location") if isinstance(value, dict) else None
    if not isinstance(location, str) or url_problem(location) or "://" not in location:
        return body
    found = None
    depth = 0
    at = 0
    tokens = list(_STRING.finditer(body))
    for i, token in enumerate(tokens):
        between = body[at:token.start()]
        depth += between.count(b"{") + between.count(b"[") - between.count(b"}") - between.count(b"]")
        at = token.end()
        if depth != 1 or json.loads(token.group()) != "location":
            continue
        colon = _COLON.match(body, token.end())
        if colon is None or i + 1 >= len(tokens) or tokens[i + 1].start() != colon.end():
            continue  # "location" as a value, or the key of something else than a string
        if found is not None:
            return body  # named twice: no JSON document by the project's rule; left alone
        found = tokens[i + 1]
    if found is None or json.loads(found.group()) != location:
        return body
    parts = urlsplit(location)
    ours = origin + parts.path + (f"?{parts.query}" if parts.query else "")
    return body[:found.start()] + json.dumps(ours).encode() + body[found.end():]
