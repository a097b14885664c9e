"""What a node of a given version is expected to send: a field whose ``x-since`` (the version the
doc sources say it appeared in) is newer than the node's is not held against it. Such a field is
not required of it (the ``required`` lists of a response schema leave it out) and is not counted
as unseen in coverage (:func:`expected`); a field the node sends is checked as documented either way.
"""

from __future__ import annotations

from typing import Any

from .format import SINCE
from .releases import newer_than


def expected(prop: Any, version: str | None) -> bool:
    """Whether a node of ``version`` (None: any) is expected to know the field ``prop`` documents."""
    if version is None or not isinstance(prop, dict):
        return True
    since = prop.get(SINCE)
    return not isinstance(since, str) or not newer_than(since, version)


def for_node(schema: Any, version: str) -> Any:
    """``schema`` with the fields newer than ``version`` taken out of its ``required`` lists (every
    object's, ``$defs`` included); the same object when there is none, else a copy of the parts
    changed (the schemas of a release share their tables: none is changed in place)."""
    if isinstance(schema, list):
        items = [for_node(item, version) for item in schema]
        return schema if all(a is b for a, b in zip(items, schema)) else items
    if not isinstance(schema, dict):
        return schema
    out = {key: for_node(value, version) for key, value in schema.items()}
    props = schema.get("properties")
    required = schema.get("required")
    if isinstance(props, dict) and isinstance(required, list):
        kept = [name for name in required if expected(props.get(name), version)]
        if len(kept) != len(required):
            out["required"] = kept
    return schema if all(out[k] is schema[k] for k in schema) else out
