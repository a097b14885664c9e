"""Where the API path of a URL starts (every API lives under ``/v1``, after the context path),
and the path of a job (``/v1/api-jobs/<uuid>``, which a node serves before any API's route)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

JOB_TEMPLATE = "/v1/api-jobs/{jobUuid}"  # the node's ASYNC_JOB_PATH_PATTERN, its variable named
_JOB_PATH = re.compile("^" + re.escape(JOB_TEMPLATE.split("{", 1)[0]) + "([^/]+)$")


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


def job_path(job: str) -> str:
    """The API path of a job: ``/v1/api-jobs/<job>``."""
    return JOB_TEMPLATE.replace("{jobUuid}", job)


def job_of(url: str) -> str | None:
    """The job a URL or API path names: ``.../v1/api-jobs/<uuid>`` exactly (one segment, no
    trailing slash: the node's pattern); None for any other path, and for a URL that cannot be
    parsed (a job's ``location`` may be any text)."""
    try:
        m = _JOB_PATH.match(api_path(url))
    except ValueError:
        return None
    return m.group(1) if m else None
