"""Decoding JSON natively, with exactly the strict reader's result.

The strict reader (:func:`zstack_contract.recordings.parse_json_bytes`' slow path: the standard
library with a duplicate-key hook) is the reference. jiter (pydantic's JSON parser), told to
refuse duplicate keys and NaN/Infinity, gives the same value for every document it accepts:
integers of any size stay integers, floats are correctly rounded both ways, and a duplicate key is
an error, even one spelled with escapes. What it refuses (a lone surrogate, bad input) is left to
the strict reader, which also words the one-line error; so fast and strict paths give the
same value or the same message.

Nesting: jiter refuses documents more than 201 levels deep (its recursion limit; a scalar, or an
empty list or object, is a level of its own), so a limit at least that deep needs no further
check. :func:`native_depth_holds` probes jiter once per limit; under a shallower limit, or a jiter
with a deeper one, documents with enough brackets are walked.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jiter

BOM = b"\xef\xbb\xbf"
SLOW = object()  # loads_exact's answer when only the strict reader can tell


def loads_exact(raw: bytes, max_depth: int) -> Any:
    """The decoded document, or :data:`SLOW` when jiter refuses the input or it may nest more
    than ``max_depth`` levels."""
    text = raw[len(BOM):] if raw.startswith(BOM) else raw
    try:
        doc = jiter.from_json(text, allow_inf_nan=False, cache_mode="keys", catch_duplicate_keys=True)
    except ValueError:
        return SLOW
    if not native_depth_holds(max_depth) and text.count(b"[") + text.count(b"{") >= max_depth and depth_over(doc, max_depth):
        return SLOW
    return doc


@lru_cache(maxsize=8)
def native_depth_holds(max_depth: int) -> bool:
    """Whether jiter refuses every document nested more than ``max_depth`` levels (the two
    shapes of the shallowest such: empty lists, and lists around a scalar)."""
    for raw in (b"[" * (max_depth + 1) + b"]" * (max_depth + 1), b"[" * max_depth + b"0" + b"]" * max_depth):
        try:
            jiter.from_json(raw)
        except ValueError:
            continue
        return False
    return True


def depth_over(doc: Any, limit: int) -> bool:
    """Whether a decoded document nests more than ``limit`` levels (a scalar is one level)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False
