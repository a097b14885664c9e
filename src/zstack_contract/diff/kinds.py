"""The catalogue of changes ``diff`` finds: one table, each kind with its default severity from a
client's point of view and the words that say it. ``breaking``: a client written for the old
contract can fail against the new one; ``warning``: it may; ``info``: it will not.

The severities hold for a client of the API (an SDK, a Terraform provider, a script): what it sends
must still be taken, what it reads must still be there and of the type it expects. A response
field that appears is harmless; one that goes, or changes its type, is not. An integer that widens
in a response may no longer fit the client's variable; in a request it takes what it took."""

from __future__ import annotations

from dataclasses import dataclass

BREAKING, WARNING, INFO = "breaking", "warning", "info"
SEVERITIES = (BREAKING, WARNING, INFO)  # the worst first
RANK = {s: n for n, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Kind:
    name: str
    severity: str  # the default; a --levels file may raise or lower it
    words: str  # what the change is, on the terminal and in reports


_TABLE = (
    ("api-added", INFO, "API added"),
    ("api-removed", BREAKING, "API removed"),
    ("endpoint-added", INFO, "endpoint added"),
    ("endpoint-removed", BREAKING, "endpoint removed"),
    ("endpoint-path-changed", BREAKING, "endpoint path changed"),
    ("endpoint-method-changed", BREAKING, "endpoint method changed"),
    ("action-key-changed", BREAKING, "action key changed"),
    ("became-job", BREAKING, "answered at once before, now with a job to poll"),
    ("became-sync", BREAKING, "answered with a job before, now at once"),
    ("session-required", BREAKING, "needs a session now"),
    ("session-not-required", INFO, "needs no session now"),
    ("request-param-added", INFO, "optional request parameter added"),
    ("request-param-added-required", BREAKING, "required request parameter added"),
    ("request-param-removed", WARNING, "request parameter removed"),
    ("request-param-required", BREAKING, "request parameter made required"),
    ("request-param-optional", INFO, "request parameter made optional"),
    ("request-param-moved", BREAKING, "request parameter moved (url, query, body)"),
    ("request-type-changed", BREAKING, "request parameter's type changed"),
    ("request-values-added", INFO, "request parameter takes more values"),
    ("request-values-removed", BREAKING, "request parameter takes fewer values"),
    ("request-int-widened", INFO, "request integer widened"),
    ("request-int-narrowed", BREAKING, "request integer narrowed"),
    ("response-field-added", INFO, "response field added"),
    ("response-field-removed", BREAKING, "response field removed"),
    ("response-type-changed", BREAKING, "response field's type changed"),
    ("response-table-changed", WARNING, "response field refers to another table"),
    ("response-values-added", WARNING, "response field has more values"),
    ("response-values-removed", INFO, "response field has fewer values"),
    ("response-int-widened", BREAKING, "response integer widened"),
    ("response-int-narrowed", INFO, "response integer narrowed"),
)

KINDS: dict[str, Kind] = {name: Kind(name, severity, words) for name, severity, words in _TABLE}
