"""Findings: one contract break (or warning), saying where, what was expected, and which rule."""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from dataclasses import dataclass, fields
from typing import Any

from ..facts.secrets import Redactor

_INDEX = re.compile(r"/[0-9]+(?=/|$)")  # an array index in a JSON pointer


class Severity(enum.StrEnum):
    """How much a finding weighs: a violation fails a run (unless the baseline knows it); a
    warning is reported and never fails one."""

    VIOLATION = "violation"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    check: str  # the name of the registered check that found it: response-schema, status-body, ...
    file: str  # recording file, or test id for live exchanges
    pointer: str  # JSON pointer in the response body; "" is the whole body
    expected: str
    found: str
    api: str | None = None
    step: int | None = None  # exchange step (0 the call, 1.. the polls)
    rule: str | None = None  # the page line the rule came from: "docs/api/X.txt:120 cpuNum Integer"
    overlay: tuple[str, ...] = ()  # overlay rule ids behind the rule
    severity: Severity = Severity.VIOLATION

    @property
    def path(self) -> str:
        """The pointer without array indices: the same break in every element is one fingerprint."""
        return _INDEX.sub("/*", self.pointer) or "/"

    @property
    def fingerprint(self) -> str:
        return f"{self.api or '-'}|{self.check}|{self.path}"

    @property
    def where(self) -> str:
        return self.file if self.step is None else f"{self.file} step {self.step}"

    def message(self) -> str:
        rule = f" ({self.rule}{'; overlay ' + ', '.join(self.overlay) if self.overlay else ''})" if self.rule else ""
        return f"{self.where}: {self.pointer or '/'}: expected {self.expected}, found {self.found} [{self.check}]{rule}"

    def redacted(self, redactor: Redactor) -> "Finding":
        """A copy with every secret the redactor knows masked in its texts."""
        return dataclasses.replace(self, pointer=redactor.text(self.pointer), expected=redactor.text(self.expected),
                                   found=redactor.text(self.found), file=redactor.text(self.file))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Finding":
        values = {k: v for k, v in d.items() if k in _FIELDS}
        values["overlay"] = tuple(values.get("overlay", ()))
        values["severity"] = Severity(values.get("severity", Severity.VIOLATION))
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in _FIELD_NAMES}  # every field is a plain value (asdict copies deeply, slowly)
        d["overlay"] = list(self.overlay)
        d["severity"] = self.severity.value
        d["fingerprint"] = self.fingerprint
        return d


_FIELD_NAMES = tuple(f.name for f in fields(Finding))
_FIELDS = set(_FIELD_NAMES)


def show(value: Any, limit: int = 60) -> str:
    """A short, one-line rendering of a JSON value with its JSON type."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null", int: "integer", float: "number"}
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({kinds.get(type(value), type(value).__name__)})"
