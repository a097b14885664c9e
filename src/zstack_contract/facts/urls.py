"""Where the API path of a URL starts: every API lives under ``/v1``, after the context path."""

from __future__ import annotations

from urllib.parse import urlsplit


def api_path(url: str) -> str:
    """The API path of a URL, from ``/v1`` on: ``http://mn:8080/zstack/v1/x?q=1`` -> ``/v1/x``."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    i = path.find("/v1/")
    return path[i:] if i >= 0 else path
