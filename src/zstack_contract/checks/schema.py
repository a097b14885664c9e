"""Checks against the derived schemas: ``response-schema`` and, in strict runs, ``undocumented-field``.

The native validator decides; python-jsonschema explains only the bodies it rejects, from the
places the native validator flagged (:mod:`zstack_contract.contract.explain`). Each finding cites
the page line of the broken rule.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..contract.format import INT_WIDTH, OVERLAY, SOURCE
from ..facts.pointers import escape_pointer
from .finding import Finding, show
from .registry import check
from .view import View

_WIDTH = {8: " (signed 8-bit)", 32: " (signed 32-bit)", 64: " (signed 64-bit)"}


@check("response-schema", "every 200/503 body (and bare body) matches the response schema derived from the page")
def response_schema(view: View) -> Iterator[Finding]:
    for i, body in view.envelopes:
        yield from schema_findings(view, i, body)


def schema_findings(view: View, i: int, body: Any) -> list[Finding]:
    """Every schema error in one body."""
    contract = view.contract
    if contract.accepts(body):
        return []
    out = []
    reported_missing: set[tuple[str, str]] = set()
    for path, err in contract.explainer.errors(body):
        schema = err.schema if isinstance(err.schema, dict) else {}
        pointer = escape_pointer(path)
        if err.validator == "required":
            for name in err.validator_value:
                if isinstance(err.instance, dict) and name not in err.instance and (pointer, name) not in reported_missing:
                    reported_missing.add((pointer, name))
                    prop = schema.get("properties", {}).get(name, {})
                    out.append(_finding(view, i, pointer + escape_pointer([name]), "present (always sent)", "absent", prop))
            continue
        expected = expected_text(err.validator, err.validator_value, schema, contract.success_fields, contract.error_fields)
        found = envelope_found(err.instance, contract.success_fields, contract.error_fields) if err.validator == "oneOf" and pointer == "" else show(err.instance)
        out.append(_finding(view, i, pointer, expected, found, schema))
    return out


def _finding(view: View, i: int, pointer: str, expected: str, found: str, schema: dict) -> Finding:
    return view.finding(i, pointer=pointer, expected=expected, found=found,
                        rule=schema.get(SOURCE), overlay=tuple(schema.get(OVERLAY, ())))


def expected_text(kw: str, value: Any, schema: dict, success: tuple[str, ...], errors: tuple[str, ...]) -> str:
    """What a schema error's keyword expected, in words."""
    if kw == "type":
        return f"{value}{_WIDTH.get(schema.get(INT_WIDTH), '') if value == 'integer' else ''}"
    if kw == "pattern":
        examples = schema.get("examples")
        return f"a string like {examples[0]!r}" if examples else f"a string matching {value}"
    if kw == "enum":
        return "one of " + ", ".join(map(str, value))
    if kw == "maximum":
        return f"at most {value}"
    if kw == "minimum":
        return f"at least {value}"
    if kw == "oneOf":
        return f"exactly one of {' / '.join(success)} (success) or {' / '.join(errors)} (failure)"
    if kw == "additionalProperties":
        return "only documented fields"
    return f"{kw} {value!r}"


def envelope_found(instance: Any, success: tuple[str, ...], errors: tuple[str, ...]) -> str:
    if not isinstance(instance, dict):
        return show(instance)
    present = [k for k in (*success, *errors) if k in instance]
    return "both " + " and ".join(present) if len(present) > 1 else "neither"


@check("undocumented-field", "strict runs only: a body has no field the page does not document", strict_only=True)
def undocumented_field(view: View) -> Iterator[Finding]:
    contract = view.contract
    for i, body in view.envelopes:
        if contract.accepts(body, strict=True):
            continue
        for path, err in contract.strict_explainer.errors(body):
            if err.validator != "additionalProperties" or not isinstance(err.instance, dict):
                continue
            documented = err.schema.get("properties", {})
            for key in err.instance:
                if key not in documented:
                    yield view.finding(i, pointer=escape_pointer([*path, key]), expected="only fields the page documents",
                                       found=f"undocumented field {key!r}", rule=err.schema.get(SOURCE))
