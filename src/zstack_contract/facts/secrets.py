"""What is secret in the ZStack protocol, and how it is kept out of everything written or shown.

One set of secret headers and body fields for every room: HAR input masks them as it reads,
recordings, findings, reports and test output go through a :class:`Redactor` that also knows the
run's own secrets (session uuids, passwords and their hashes).
"""

from __future__ import annotations

from typing import Any

MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-web-hook"})
SECRET_FIELDS = frozenset({"password", "oldPassword", "newPassword", "sessionId", "sessionUuid"})


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
        if secret and len(secret) >= 6:  # a short value would mask innocent text
            self.secrets.add(secret)

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
