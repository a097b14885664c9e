"""Recorded inputs: finding the files, and reading each into a body or an exchange, or a clear error.

Every way a file can be unusable ends in :class:`~zstack_contract.errors.InputError` with one line
naming the file; nothing here lets a traceback through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError
from .exchange import Exchange, Request, Response, Step, exchange_from_json, is_exchange_record
from .har import exchanges_from_har

MAX_BYTES = 20 * 1024 * 1024  # a response body of a real node is kilobytes; bigger is not a recording
MAX_DEPTH = 200
SUFFIXES = (".json", ".har")


@dataclass(frozen=True)
class Source:
    path: Path
    shown: str  # as it appears in findings and reports


def discover(paths: list[str]) -> tuple[list[Source], list[InputError]]:
    """Files to read, in a stable order, and an error for each path that yields none."""
    sources: list[Source] = []
    errors: list[InputError] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                errors.append(InputError(raw, f"folder holds no {'/'.join(s.lstrip('.').upper() for s in SUFFIXES)} files"))
            sources.extend(Source(f, f.as_posix()) for f in found)
        elif p.is_file():
            sources.append(Source(p, p.as_posix()))
        else:
            errors.append(InputError(raw, "no such file or folder"))
    return sources, errors


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


def parse_json_bytes(raw: bytes, shown: str) -> Any:
    if len(raw) > MAX_BYTES:
        raise InputError(shown, f"file is {len(raw) / 1e6:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MiB limit for a recording")
    if not raw.strip():
        raise InputError(shown, "empty file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(shown, f"not UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _Duplicate as exc:
        raise InputError(shown, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise InputError(shown, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise InputError(shown, str(exc)) from None
    except RecursionError:
        raise InputError(shown, "JSON nested too deeply to be a response") from None
    if _depth_over(doc, MAX_DEPTH):
        raise InputError(shown, f"JSON nested more than {MAX_DEPTH} levels deep")
    return doc


def _depth_over(doc: Any, limit: int) -> bool:
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


def read_exchanges(source: Source) -> list[Exchange]:
    """A file's exchanges: a HAR capture's (``.har``), an exchange record, or a bare body as a one-step exchange with no status."""
    try:
        raw = source.path.read_bytes()
    except OSError as exc:
        raise InputError(source.shown, f"cannot read: {exc.strerror or exc}") from None
    doc = parse_json_bytes(raw, source.shown)
    if source.path.suffix.lower() == ".har":
        return exchanges_from_har(doc, source.shown)
    if is_exchange_record(doc):
        try:
            return [exchange_from_json(doc, source.shown)]
        except ValueError as exc:
            raise InputError(source.shown, str(exc)) from None
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string"}.get(type(doc), f"a {type(doc).__name__}")
        raise InputError(source.shown, f"a response body must be a JSON object, found {kind}")
    return [bare_body_exchange(doc, source.shown)]


def bare_body_exchange(body: dict, shown: str) -> Exchange:
    return Exchange(steps=[Step(Request(method="", url=""), Response(body=body, status=0))], source=shown)


def iter_exchanges(sources: list[Source]) -> Iterator[tuple[Source, list[Exchange] | InputError]]:
    for s in sources:
        try:
            yield s, read_exchanges(s)
        except InputError as exc:
            yield s, exc
