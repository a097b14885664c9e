"""The regular expressions of a schema (``pattern``, ``patternProperties``), run by jsonschema-rs
wherever this project runs them, so a hostile pattern costs bounded time.

python-jsonschema matches them with Python's ``re``, a backtracking engine: ``^(a|a)*$`` takes
exponential time on a string of a few dozen characters. jsonschema-rs, which gives the verdict,
matches them as ECMA 262 patterns with fancy-regex: the linear-time ``regex`` crate for a pattern
without look-around or back-references, a backtracking engine with a step limit for one with
them (a string past the limit fails the pattern). The explanations of a rejected body
(:mod:`.explain`) use :data:`BoundedValidator`, python-jsonschema's validator with those keywords
matched by jsonschema-rs itself, so they are bounded and agree with the verdict on every string.
(regress, python-jsonschema's ECMA 262 engine for its ``regex`` format, backtracks without a
limit; RE2 is linear but not ECMA 262.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=1024)
def _matcher(pattern: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator({"pattern": pattern})


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text``, as jsonschema-rs's ``pattern`` has it."""
    return _matcher(pattern).is_valid(text)


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be matched (jsonschema-rs refuses it), or None."""
    if not isinstance(pattern, str):
        return "a pattern must be a string"
    try:
        _matcher(pattern)
    except (jsonschema_rs.ValidationError, ValueError):
        return "not a regular expression jsonschema-rs accepts (ECMA 262)"
    return None


def _pattern(validator, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns: dict, instance: Any, schema: dict) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


_ADDITIONAL = jsonschema.Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(validator, additional: Any, instance: Any, schema: dict) -> Iterator[ValidationError]:
    """python-jsonschema's, but with the names ``patternProperties`` take found by :func:`search`."""
    patterns = schema.get("patternProperties")
    if not patterns or not validator.is_type(instance, "object"):
        yield from _ADDITIONAL(validator, additional, instance, schema)  # it runs no pattern then
        return
    properties = schema.get("properties", {})
    extras = [name for name in instance if name not in properties and not any(search(p, name) for p in patterns)]
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif not additional and extras:
        verb = "does" if len(extras) == 1 else "do"
        yield ValidationError(f"{', '.join(map(repr, sorted(extras)))} {verb} not match any of the regexes: "
                              f"{', '.join(map(repr, sorted(patterns)))}")


BoundedValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    validators={"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)
"""python-jsonschema's Draft 2020-12 validator, its patterns matched by jsonschema-rs. Only
``unevaluatedProperties`` would still match ``patternProperties`` with ``re``: a schema that has
both is refused when it is loaded (:mod:`.schema_bounds`). Make one with :func:`bounded_validator`."""


def bounded_validator(schema: dict) -> jsonschema.protocols.Validator:
    """A :data:`BoundedValidator` of ``schema``, given it without its ``$schema`` (a copy of the
    top object only): python-jsonschema picks the class of the validator of each schema it moves
    to by that schema's ``$schema``, and would pick its own unbounded one (a ``$schema`` below
    the top is refused when the file is loaded, :mod:`.schema_bounds`)."""
    if isinstance(schema, dict) and "$schema" in schema:
        schema = {k: v for k, v in schema.items() if k != "$schema"}
    return BoundedValidator(schema)
