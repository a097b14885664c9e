"""Recorded inputs: finding the files, and reading each into its exchanges, or a clear error.

A file is a HAR capture (``.har``), an exchange record, or a bare response body. Every way a file
can be unusable ends in :class:`~zstack_contract.errors.InputError` with one line naming the
file; nothing here lets a traceback through.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from ..facts.oneline import one_line
from .exchange import Exchange, bare_body_exchange
from .files import file_problem, not_regular, special_file, stat_problem
from .har import exchanges_from_har
from .json_reader import MAX_BYTES, MAX_DEPTH, RECORD_ENVELOPE, depth_over, read_json, too_big
from .records import exchange_from_record, is_exchange_record

SUFFIXES = (".json", ".har")


@dataclass(frozen=True)
class Source:
    path: Path
    shown: str  # as it appears in findings and reports: on one line (see facts.oneline)


def discover(paths: list[str]) -> tuple[list[Source], list[InputError]]:
    """Files to read, in a stable order, and an error for each path that yields none."""
    errors: list[InputError] = []
    sources = [Source(Path(name), one_line(name)) for name in iter_files(paths, errors)]
    return sources, errors


_NONE_FOUND = f"folder holds no {'/'.join(s.lstrip('.').upper() for s in SUFFIXES)} files"


def iter_files(paths: list[str], errors: list[InputError]) -> Iterator[str]:
    """The files under ``paths``, each a usable path (shown in findings as :func:`one_line` has
    it), in a stable order: a folder's tree sorted as pathlib sorts paths, not following links
    to folders. Found one folder at a time, so a large corpus is never listed whole.

    Adds an error to ``errors`` for each path that yields no file, each folder that cannot be
    read, and each recording name (``*.json``, ``*.har``) that is not a regular file (a FIFO
    is never opened: reading one would wait for a writer)."""
    for raw in paths:
        try:
            mode = os.stat(raw).st_mode
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            errors.append(InputError(raw, stat_problem(raw, exc)))
            continue
        if stat.S_ISDIR(mode):
            base = Path(raw).as_posix()
            found, known = 0, len(errors)
            for name in _walk(base, "" if base == "." else base.rstrip("/") + "/", errors):
                found += 1
                yield name
            if not found and len(errors) == known:  # else the errors say why
                errors.append(InputError(raw, _NONE_FOUND))
        elif stat.S_ISREG(mode):
            yield Path(raw).as_posix()
        else:
            errors.append(InputError(raw, not_regular(mode)))


def _walk(folder: str, prefix: str, errors: list[InputError]) -> Iterator[str]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        errors.append(InputError(prefix.rstrip("/") or folder, f"cannot read folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                yield from _walk(entry.path, prefix + entry.name + "/", errors)
            elif _suffix(entry.name) in SUFFIXES:
                if entry.is_file():
                    yield prefix + entry.name
                else:
                    errors.append(InputError(prefix + entry.name, file_problem(entry.path) or "cannot read"))
        except OSError as exc:
            errors.append(InputError(prefix + entry.name, f"cannot read: {exc.strerror or exc}"))


def _suffix(name: str) -> str:
    """``os.path.splitext(name)[1].lower()`` for the usual names, without its Python-level scan."""
    dot = name.rfind(".")
    if dot > 0 and name[dot - 1] != ".":  # "a.json"; not ".json", nor "..json" (splitext: no suffix)
        return name[dot:].lower()
    return os.path.splitext(name)[1].lower()


def read_exchanges(source: Source) -> list[Exchange]:
    """A file's exchanges: a HAR capture's, an exchange record's, or a bare body as a one-step exchange with no status."""
    return exchanges_in(read_bytes(source.path, source.shown), source.shown, source.path.suffix.lower() == ".har")


def read_file(name: str) -> list[Exchange]:
    """:func:`read_exchanges` for a file given by its path (from :func:`iter_files`)."""
    shown = one_line(name)
    return exchanges_in(read_bytes(name, shown), shown, _suffix(os.path.basename(name)) == ".har")


def read_json_file(path: str | Path, what: str, missing: str = "does not exist") -> Any:
    """A JSON file the run is told to use (a baseline, a levels file), read by the rule of every
    input; anything unusable (not there, not a regular file, not JSON) is one InputError naming
    it, ``what`` first. The caller checks the document's own shape."""
    shown = str(path)
    if not os.path.lexists(path):
        raise InputError(shown, f"{what} file {missing}")
    problem = special_file(shown)
    if problem:
        raise InputError(shown, f"{what}: {problem}")
    try:
        return read_json(read_bytes(path, shown), shown)
    except InputError as exc:
        raise InputError(shown, f"{what}: {exc.message}") from None


def read_bytes(path: str | Path, shown: str) -> bytes:
    """A file's bytes; a file over the size limit is refused before it is read. A FIFO is read to
    its end (so it waits for a writer): :func:`iter_files` never yields one."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            size = os.fstat(fd).st_size
            if size > MAX_BYTES:
                raise too_big(size, shown)
            first = os.read(fd, size + 1)  # a regular file: all of it, and a short read is its end
            if len(first) <= size:
                return first
            blocks, total = [first], len(first)  # it grew since fstat (or is not a regular file): read on
            while block := os.read(fd, 1 << 16):
                blocks.append(block)
                total += len(block)
                if total > MAX_BYTES:
                    raise too_big(total, shown)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None
    return b"".join(blocks)


def exchanges_in(raw: bytes, shown: str, har: bool = False) -> list[Exchange]:
    """The exchanges a file's bytes hold (see :func:`read_exchanges`). Every body holds to the
    depth rule of a body on the wire (:data:`MAX_DEPTH`): an exchange record's from the level it
    stands at, so that what a proxy checked, recorded, still reads."""
    doc = read_json(raw, shown, MAX_DEPTH + RECORD_ENVELOPE)
    if raw.count(b"[") + raw.count(b"{") >= MAX_DEPTH and not is_exchange_record(doc) and depth_over(doc, MAX_DEPTH):
        raise InputError(shown, f"JSON nested more than {MAX_DEPTH} levels deep")
    if har:
        return exchanges_from_har(doc, shown)
    if is_exchange_record(doc):
        try:
            return [exchange_from_record(doc, shown)]
        except ValueError as exc:
            raise InputError(shown, str(exc)) from None
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string"}.get(type(doc), f"a {type(doc).__name__}")
        raise InputError(shown, f"a response body must be a JSON object, found {kind}")
    return [bare_body_exchange(doc, shown)]
