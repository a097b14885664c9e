"""Where the API path of a URL starts: every API lives under ``/v1``, after the context path."""

from __future__ import annotations

from urllib.parse import urlsplit


def api_path(url: str) -> str:
    """The API path of a URL, from ``/v1`` on: ``http://mn:8080/zstack/v1/x?q=1`` -> ``/v1/x``."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    i = path.find("/v1/")
    return path[i:] if i >= 0 else path


def url_problem(url: str) -> str | None:
    """Why :func:`api_path` cannot read ``url`` (an unclosed IPv6 bracket, say), in words that
    do not repeat the URL (its user info may be a password); None when it can."""
    try:
        api_path(url)
    except ValueError as exc:
        if "IPv6" in str(exc):
            return "a '[' or ']' of an IPv6 host without its pair"
        if "NFKC" in str(exc):
            return "its host holds characters that change under NFKC normalization"
        return "it cannot be parsed"
    return None
