r"""Decoding JSON with orjson, trusted only where it gives exactly what the strict reader gives.

The strict reader (:func:`zstack_contract.recordings.parse_json_bytes`' slow path: the standard
library with a duplicate-key hook) is the reference. orjson agrees with it on every document
except three kinds, which :func:`loads_exact` rules out with byte counts instead of a walk:

- **duplicate keys** (orjson keeps the last): the input's colons are one per key, duplicates
  included, plus those inside its strings, dropped values' too; orjson re-encodes the decoded
  document with one colon per kept key plus the colons of the kept strings, each of which was a
  literal colon of the input unless it was escaped (``\u003a``). So with no such escape, equal
  counts prove that no key was dropped;
- **integers beyond 64 bits** (orjson makes them floats): ruled out by the absence of any run of
  19 digits;
- **nesting deeper than** ``max_depth`` (orjson allows 1024 levels): ruled out by counting
  brackets, or, when there are more brackets than levels allowed, by a walk.

Anything else orjson rejects (BOM aside) is left to the strict reader, which also words the
one-line error, so fast and strict paths give the same value or the same message.
"""

from __future__ import annotations

from typing import Any

import orjson

BOM = b"\xef\xbb\xbf"
SLOW = object()  # loads_exact's answer when only the strict reader can tell

_DIGITS_AND_OPENERS = bytes.maketrans(b"0123456789[", b"0000000000{")
_LONG_NUMBER = b"0" * 19
_ESCAPE_003 = b"\\u003"  # found first: Gson's HTML-safe \u003d, \u003c, \u003e are common, \u003a is not
_COLON_ESCAPES = (b"\\u003a", b"\\u003A")


def loads_exact(raw: bytes, max_depth: int) -> Any:
    """The decoded document, or :data:`SLOW` when orjson's value might differ from the strict
    reader's, orjson refuses the input, or it nests more than ``max_depth`` levels."""
    text = raw[len(BOM):] if raw.startswith(BOM) else raw
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return SLOW
    folded = text.translate(_DIGITS_AND_OPENERS)
    if _LONG_NUMBER in folded or (_ESCAPE_003 in text and any(e in text for e in _COLON_ESCAPES)):
        return SLOW
    if folded.count(b"{") > max_depth and depth_over(doc, max_depth):
        return SLOW
    if folded.count(b":") != orjson.dumps(doc).count(b":"):
        return SLOW  # a duplicate key: the strict reader names it
    return doc


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
