"""Keeping secrets out of everything written or shown: records, findings, reports, test output.

The client captures exchanges as they were; a :class:`Redactor` that knows the run's secrets
(session uuids, passwords and their hashes) scrubs them at the boundary where anything leaves.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from .exchange import Exchange
from .findings import Finding

MASK = "***"
SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-web-hook")
SECRET_FIELDS = ("password", "oldPassword", "newPassword", "sessionId", "sessionUuid")


class Redactor:
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
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: MASK if k in SECRET_FIELDS and isinstance(v, str) else self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        out = {}
        for k, v in headers.items():
            if k.lower() in SECRET_HEADERS:
                scheme = v.split(" ", 1)[0] if " " in v.strip() else ""
                out[k] = f"{scheme} {MASK}".strip()
            else:
                out[k] = self.text(v)
        return out

    def exchange(self, exchange: Exchange) -> Exchange:
        """A redacted copy; the original is left as it was."""
        ex = copy.deepcopy(exchange)
        for step in ex.steps:
            for msg in (step.request, step.response):
                msg.headers = self.headers(msg.headers)
                if msg.has_json:
                    msg.body = self.value(msg.body)
                if msg.text is not None:
                    msg.text = self.text(msg.text)
            step.request.url = self.text(step.request.url)
        ex.source = self.text(ex.source)
        return ex

    def finding(self, f: Finding) -> Finding:
        return dataclasses.replace(f, pointer=self.text(f.pointer), expected=self.text(f.expected),
                                   found=self.text(f.found), file=self.text(f.file))
