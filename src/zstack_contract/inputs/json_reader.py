"""Reading a recording's JSON: natively, with exactly the result of the standard library's reader.

One rule for every JSON document of an input, whatever holds it: a plain file (a bare body, an
exchange record, a HAR capture, a baseline) is read by :func:`read_json`, a body inside a file (a
HAR entry's request or response text) by :func:`read_body`. Either refuses a duplicate key (even
one spelled with escapes), NaN and Infinity, a document nested more than :data:`MAX_DEPTH`
levels, a number of more digits than the interpreter converts, and more than :data:`MAX_BYTES`,
each with a one-line :class:`~zstack_contract.errors.InputError` naming the file (and the place in
it); the caller goes on with the other files. A body that is not JSON at all is a body of text (a
node answers some errors in plain text); a file that is not JSON is unusable.

The reference reader is the standard library's, with a duplicate-key hook and NaN/Infinity
refused (:func:`read_json`'s slow path). jiter (pydantic's JSON parser), told to refuse duplicate
keys and NaN/Infinity, gives the same value for every document it accepts: integers of any size
stay integers, floats are correctly rounded both ways, and a duplicate key is an error, even one
spelled with escapes. What it refuses (a lone surrogate, bad input) is left to the reference
reader, which also words the one-line error; so both paths give the same value or the same message.

Nesting: jiter refuses documents more than 201 levels deep (its recursion limit; a scalar, or an
empty list or object, is a level of its own), so a limit at least that deep needs no further
check. :func:`native_depth_holds` probes jiter once per limit; under a shallower limit, or a jiter
with a deeper one, documents with enough brackets are walked.
"""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from typing import Any

import jiter

from ..errors import InputError
from .exchange import MISSING

MAX_BYTES = 20 * 1024 * 1024  # a response body of a real node is kilobytes; bigger is not a recording
MAX_DEPTH = 201  # jiter's own limit, so the native reader needs no check of its own
# Levels of an exchange record above a body it holds (the record, its steps, a step, the step's
# request or response): a body that holds to MAX_DEPTH on the wire holds to it in its record too.
RECORD_ENVELOPE = 4
BOM = b"\xef\xbb\xbf"
SLOW = object()  # loads_exact's answer when only the reference reader can tell


def read_json(raw: bytes, shown: str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in ``raw``, or a one-line InputError naming ``shown``. ``max_depth``:
    the levels it may nest (an exchange record's bodies are :data:`RECORD_ENVELOPE` levels down)."""
    if len(raw) > MAX_BYTES:
        raise too_big(len(raw), shown)
    doc = loads_exact(raw, max_depth)
    return _read_with_stdlib(raw, shown, max_depth=max_depth) if doc is SLOW else doc


def read_body(raw: bytes | str, shown: str, where: str) -> tuple[Any, str | None]:
    """A body held inside the input file ``shown``, at ``where`` (``entries[3].response.content.text``):
    (its JSON value, None); (MISSING, its text) when it is not JSON at all; (MISSING, None) when
    it is empty. A body that is JSON but breaks a rule of :func:`read_json` is an InputError
    naming ``shown`` and ``where``."""
    if raw == b"" or raw == "":
        return MISSING, None
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        raise too_big(len(data), shown, f"{where}: body")
    doc = loads_exact(data, MAX_DEPTH)
    if doc is not SLOW:
        return doc, None
    try:
        return _read_with_stdlib(data, shown, where), None
    except _NotJson:
        return MISSING, raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")


def decode_body(raw: bytes | str | None) -> tuple[Any, str | None]:
    """A body that went over the wire (the live client's, the proxy's), by the same rule:
    (its JSON value, None); (MISSING, its text) when it is not JSON or breaks a rule (a duplicate
    key, NaN, 100 000 levels: the checks then see a body that is no JSON document, never the last
    of two keys); (MISSING, None) when it is empty."""
    if raw is None:
        return MISSING, None
    try:
        return read_body(raw, "", "body")
    except InputError:
        return MISSING, raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")


def too_big(size: int, shown: str, what: str = "file") -> InputError:
    return InputError(shown, f"{what} is {size / 1e6:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MiB limit of an input file")


class _NotJson(InputError):
    """Raw bytes that are no JSON document at all (as opposed to JSON that breaks a rule)."""


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Duplicate(f"duplicate key {k!r} in one object")
        out[k] = v
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _read_with_stdlib(raw: bytes, shown: str, where: str = "", max_depth: int = MAX_DEPTH) -> Any:
    """The reference reader: the document, or an InputError naming ``shown`` (and ``where`` in it);
    :class:`_NotJson` when ``raw`` is no JSON document at all."""
    at = f"{where}: " if where else ""
    if not raw.strip():
        raise _NotJson(shown, at + ("empty" if where else "empty file"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _NotJson(shown, f"{at}not UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _Duplicate as exc:
        raise InputError(shown, at + str(exc)) from None
    except json.JSONDecodeError as exc:
        raise _NotJson(shown, f"{at}invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # the interpreter's limit on digits (CVE-2020-10735)
            raise InputError(shown, at + _too_many_digits(text)) from None
        raise InputError(shown, at + str(exc)) from None
    except RecursionError:  # deeper than the interpreter's recursion limit, so than MAX_DEPTH too
        raise InputError(shown, f"{at}JSON nested more than {MAX_DEPTH} levels deep") from None
    if depth_over(doc, max_depth):
        raise InputError(shown, f"{at}JSON nested more than {MAX_DEPTH} levels deep")
    return doc


def _too_many_digits(text: str) -> str:
    """The message for a number longer than the interpreter converts: where the first run of
    that many digits starts."""
    limit = sys.get_int_max_str_digits()
    m = re.search(f"[0-9]{{{limit + 1},}}", text)
    where = f" at line {text.count(chr(10), 0, m.start()) + 1} column {m.start() - text.rfind(chr(10), 0, m.start())}" if m else ""
    return f"a number{where} has more than {limit} digits; no answer of a node has one"


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
