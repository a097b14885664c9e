"""Wording a JSON Schema error about the shape of an input file (an exchange record, a HAR
capture) as the place and what is wrong there, never the value found.

A value in a recording can be a secret (an ``Authorization`` header of the wrong type) or
megabytes long, and jsonschema's own messages repeat it in full; these name its JSON type only.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null", int: "an integer",
          float: "a number"}


def json_type(value: Any) -> str:
    """``an object``, ``a string``, ... as a message names the type of a value."""
    return _TYPES.get(type(value), type(value).__name__)


def place(err: jsonschema.ValidationError) -> str:
    """Where the error is, as a path: ``steps[0].request.headers.Authorization``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")


def missing_property(err: jsonschema.ValidationError) -> str:
    """The first required property a ``required`` error's object lacks."""
    names = err.validator_value
    return next((n for n in names if isinstance(err.instance, dict) and n not in err.instance), names[0])


def describe(err: jsonschema.ValidationError, missing: str = "no {!r}") -> str:
    """What is wrong, without the value: ``missing`` words a required property left out."""
    rule, value = err.validator, err.validator_value
    if rule == "required":
        return missing.format(missing_property(err))
    if rule == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"expected {expected}, found {json_type(err.instance)}"
    if rule in ("const", "enum"):
        return f"expected {json.dumps(value)}"
    if rule in ("minimum", "maximum"):
        return f"out of range ({rule}: {value})"
    if rule in ("minLength", "minItems"):
        return "empty"
    if rule == "pattern":
        return f"does not match {value}"
    if rule == "not" and isinstance(value, dict) and list(value) == ["required"]:
        return f"holds {' and '.join(map(repr, value['required']))} together (one at most)"
    return f"fails {rule}"
