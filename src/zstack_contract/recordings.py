"""Recorded inputs: finding the files, and reading each into a body or an exchange, or a clear error.

Every way a file can be unusable ends in :class:`~zstack_contract.errors.InputError` with one line
naming the file; nothing here lets a traceback through.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError
from .fastjson import SLOW, depth_over, loads_exact
from .exchange import Exchange, Request, Response, Step, exchange_from_json, is_exchange_record
from .har import exchanges_from_har

MAX_BYTES = 20 * 1024 * 1024  # a response body of a real node is kilobytes; bigger is not a recording
MAX_DEPTH = 201  # jiter's own limit, so the native reader needs no check of its own (fastjson)
SUFFIXES = (".json", ".har")


@dataclass(frozen=True)
class Source:
    path: Path
    shown: str  # as it appears in findings and reports


def discover(paths: list[str]) -> tuple[list[Source], list[InputError]]:
    """Files to read, in a stable order, and an error for each path that yields none."""
    errors: list[InputError] = []
    sources = [Source(Path(name), name) for name in iter_files(paths, errors)]
    return sources, errors


_NONE_FOUND = f"folder holds no {'/'.join(s.lstrip('.').upper() for s in SUFFIXES)} files"


def iter_files(paths: list[str], errors: list[InputError]) -> Iterator[str]:
    """The files under ``paths``, as shown in findings (each also a usable path), in a stable
    order: a folder's tree sorted as pathlib sorts paths, not following links to folders. Found
    one folder at a time, so a large corpus is never listed whole; a path that yields no file
    adds an error to ``errors``."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            base = p.as_posix()
            found = 0
            for name in _walk(base, "" if base == "." else base.rstrip("/") + "/"):
                found += 1
                yield name
            if not found:
                errors.append(InputError(raw, _NONE_FOUND))
        elif p.is_file():
            yield p.as_posix()
        else:
            errors.append(InputError(raw, "no such file or folder"))


def _walk(folder: str, prefix: str) -> Iterator[str]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return  # unreadable folder: skipped, as pathlib's glob does
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                yield from _walk(entry.path, prefix + entry.name + "/")
            elif _suffix(entry.name) in SUFFIXES and entry.is_file():
                yield prefix + entry.name
        except OSError:
            continue


def _suffix(name: str) -> str:
    """``os.path.splitext(name)[1].lower()`` for the usual names, without its Python-level scan."""
    dot = name.rfind(".")
    if dot > 0 and name[dot - 1] != ".":  # "a.json"; not ".json", nor "..json" (splitext: no suffix)
        return name[dot:].lower()
    return os.path.splitext(name)[1].lower()


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
    """The JSON document in ``raw``, or a one-line InputError naming ``shown``.

    jiter decodes; the strict standard-library reader runs only when jiter refuses the input (see
    :mod:`zstack_contract.fastjson`), and words the error."""
    if len(raw) > MAX_BYTES:
        raise _too_big(len(raw), shown)
    doc = loads_exact(raw, MAX_DEPTH)
    return _parse_strict(raw, shown) if doc is SLOW else doc


def _parse_strict(raw: bytes, shown: str) -> Any:
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
    if depth_over(doc, MAX_DEPTH):
        raise InputError(shown, f"JSON nested more than {MAX_DEPTH} levels deep")
    return doc


def read_exchanges(source: Source) -> list[Exchange]:
    """A file's exchanges: a HAR capture's (``.har``), an exchange record, or a bare body as a one-step exchange with no status."""
    return exchanges_in(read_bytes(source.path, source.shown), source.shown, source.path.suffix.lower() == ".har")


def read_file(name: str) -> list[Exchange]:
    """:func:`read_exchanges` for a file given by the name it is shown as (from :func:`iter_files`)."""
    return exchanges_in(read_bytes(name, name), name, _suffix(os.path.basename(name)) == ".har")


def read_bytes(path: str | Path, shown: str) -> bytes:
    """A file's bytes; a file over the size limit is refused before it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            size = os.fstat(fd).st_size
            if size > MAX_BYTES:
                raise _too_big(size, shown)
            first = os.read(fd, size + 1)  # a regular file: all of it, and a short read is its end
            if len(first) <= size:
                return first
            blocks, total = [first], len(first)  # it grew since fstat (or is not a regular file): read on
            while block := os.read(fd, 1 << 16):
                blocks.append(block)
                total += len(block)
                if total > MAX_BYTES:
                    raise _too_big(total, shown)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None
    return b"".join(blocks)


def _too_big(size: int, shown: str) -> InputError:
    return InputError(shown, f"file is {size / 1e6:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MiB limit for a recording")


def exchanges_in(raw: bytes, shown: str, har: bool = False) -> list[Exchange]:
    """The exchanges a file's bytes hold (see :func:`read_exchanges`)."""
    doc = parse_json_bytes(raw, shown)
    if har:
        return exchanges_from_har(doc, shown)
    if is_exchange_record(doc):
        try:
            return [exchange_from_json(doc, shown)]
        except ValueError as exc:
            raise InputError(shown, str(exc)) from None
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string"}.get(type(doc), f"a {type(doc).__name__}")
        raise InputError(shown, f"a response body must be a JSON object, found {kind}")
    return [bare_body_exchange(doc, shown)]


def bare_body_exchange(body: dict, shown: str) -> Exchange:
    return Exchange(steps=[Step(Request(method="", url=""), Response(body=body, status=0))], source=shown)


def iter_exchanges(sources: list[Source]) -> Iterator[tuple[Source, list[Exchange] | InputError]]:
    for s in sources:
        try:
            yield s, read_exchanges(s)
        except InputError as exc:
            yield s, exc
