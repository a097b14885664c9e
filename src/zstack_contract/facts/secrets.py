"""What is secret in the ZStack protocol, and how it is kept out of everything written or shown.

One set of secret headers and body fields for every room: HAR input masks them as it reads,
recordings, findings, reports and test output go through a :class:`Redactor` that also knows the
run's own secrets (session uuids, passwords and their hashes).
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-web-hook"})
SECRET_FIELDS = frozenset({"password", "oldPassword", "newPassword", "sessionId", "sessionUuid"})


_SESSION_IN_PATH = re.compile(r"(/accounts/sessions/)[^/?#]+")


def mask_url(url: str) -> str:
    """A URL with the session a log-out names in its path masked (``/accounts/sessions/***``)."""
    return _SESSION_IN_PATH.sub(r"\g<1>" + MASK, url)


def mask_header(name: str, value: str) -> str:
    """The value to show for a header: a secret one masked, keeping an Authorization scheme
    (``OAuth ***``); any other as it is."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme = value.split(None, 1)[0] if name.lower().endswith("authorization") and " " in value.strip() else ""
    return f"{scheme} {MASK}".strip()


class Redactor:
    """Scrubs the secrets it has been told, wherever they stand in a text or a JSON value."""

    def __init__(self, secrets: set[str] | None = None):
        self.secrets: set[str] = set()
        for s in secrets or ():
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Learn a secret, and its core without surrounding white space or control characters
        (a session read with a trailing newline is shown without it, or escaped, by whoever
        complains about it)."""
        for form in (secret, secret.strip() if secret else None):
            if form and len(form) >= 6:  # a short value would mask innocent text
                self.secrets.add(form)

    def text(self, value: str) -> str:
        for s in sorted(self.secrets, key=len, reverse=True):
            if s in value:
                value = value.replace(s, MASK)
        return value

    def value(self, value: Any) -> Any:
        """A JSON value with the secret fields masked and every known secret scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: MASK if k in SECRET_FIELDS and isinstance(v, str) else self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: mask_header(k, v) if k.lower() in SECRET_HEADERS else self.text(v) for k, v in headers.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs a redactor's secrets from every record it passes (urllib3
    logs each request line, a log-out's URL holds the session)."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.text(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def control_character(text: str) -> int | None:
    """The position of the first character that cannot stand in an HTTP header value (a control
    character, or one beyond Latin-1), or None."""
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ord(ch) > 0xFF:
            return i
    return None
