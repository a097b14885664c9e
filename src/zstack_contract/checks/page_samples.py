"""``page-sample``: a reference page's own samples (the request body, the body its curl sample
sends, the response) held to the schemas derived from the page itself.

A page that disagrees with itself (its table says ``orders``, its sample shows ``order``; a
parameter typed ``String`` that the sample sends as a list) gets a warning naming the sample's line
and the table row's; the derived schema follows the table. The overlay settles a known page
defect with a reason (``[[page-defect]]``): its finding is then known, not a warning.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import jsonschema

from ..contract.format import META, OVERLAY, SOURCE
from ..facts.pointers import escape_pointer
from .finding import Finding, Severity, show
from .registry import PAGE, reported
from .schema import envelope_found, expected_text

if TYPE_CHECKING:  # pragma: no cover  (pages are read by derive; checking runs need none of it)
    from ..derive.page import Page, Sample

PAGE_SAMPLE = reported("page-sample", "a reference page's own samples agree with the schemas derived from its tables",
                       severity=Severity.WARNING, applies_to=(PAGE,))


@dataclass(frozen=True)
class PageFinding:
    finding: Finding
    settled: str | None = None  # the overlay's reason, for a known page defect


def check_page(page: Page, request: dict[str, Any], response_strict: dict[str, Any], defect=None) -> list[PageFinding]:
    """Findings for each sample of ``page`` that its schemas refuse. ``defect(api, check, path)``:
    the overlay's settled page defect for a finding, if any."""
    closed = _closed(request)
    query = closed.get("$defs", {}).get("query", {"type": "object", "additionalProperties": False})
    if closed.get("type") == "null":  # GET, DELETE: what a sample gives are query parameters
        checks = [(page.request_sample, query, "request sample's parameters"), (page.curl_sample, query, "curl sample's parameters")]
    else:
        checks = [(page.request_sample, closed, "request body sample"), (page.curl_sample, closed, "curl sample's body")]
    checks.append((page.response_sample, response_strict, "response sample"))
    found = [f for sample, schema, what in checks if sample is not None for f in _findings(page, sample, schema, what)]
    if page.curl_query is not None:
        found += _repeated(page, page.curl_query, query)
    out = []
    for f in found:
        known = defect(page.api, f.check, f.path) if defect else None
        out.append(PageFinding(f, known.reason if known else None))
    return out


def _repeated(page: Page, sample: Sample, query: dict) -> Iterator[Finding]:
    """A query parameter the curl sample repeats (``?vmUuids=a&vmUuids=b``: a list) whose schema is not an array."""
    props = query.get("properties", {})
    for name, values in sample.value.items():
        schema = props.get(name)
        if schema is not None and len(values) > 1 and schema.get("type") not in ("array", None):
            yield _finding(page, sample, "curl sample's URL", escape_pointer([name]), expected_text("type", schema["type"], schema, (), ()),
                           f"a list of {len(values)} (the parameter is repeated)", schema)


def _findings(page: Page, sample: Sample, schema: dict, what: str) -> Iterator[Finding]:
    envelope = schema.get(META, {}).get("envelope", {})
    success, errors = tuple(envelope.get("success", ())), tuple(envelope.get("error", ()))
    validator = jsonschema.Draft202012Validator(schema)
    for err in sorted(validator.iter_errors(sample.value), key=lambda e: list(map(str, e.absolute_path))):
        rule = err.schema if isinstance(err.schema, dict) else {}
        pointer = escape_pointer(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            for key in err.instance:
                if key not in rule.get("properties", {}):
                    yield _finding(page, sample, what, pointer + escape_pointer([key]), "only fields the table lists",
                                   f"{key!r}", rule)
        elif err.validator == "required" and isinstance(err.instance, dict):
            for name in err.validator_value:
                if name not in err.instance:
                    yield _finding(page, sample, what, pointer + escape_pointer([name]), "present (the table requires it)",
                                   "absent", rule.get("properties", {}).get(name, rule))
        else:
            found = envelope_found(err.instance, success, errors) if err.validator == "oneOf" and not pointer else show(err.instance)
            yield _finding(page, sample, what, pointer, expected_text(err.validator, err.validator_value, rule, success, errors), found, rule)


def _finding(page: Page, sample: Sample, what: str, pointer: str, expected: str, found: str, rule: dict) -> Finding:
    return PAGE_SAMPLE.finding(file=f"{page.path}:{sample.line}", api=page.api, pointer=pointer, expected=expected,
                               found=f"{found} in the {what}", rule=rule.get(SOURCE), overlay=tuple(rule.get(OVERLAY, ())))


def _closed(schema: dict) -> dict:
    """A copy in which every object with listed properties admits no others (as the strict response schema)."""
    out = copy.deepcopy(schema)
    stack = [out]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out
