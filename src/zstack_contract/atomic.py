"""Writing files so a reader never sees half of one: into a temporary file beside it, then renamed.

Every way a write can fail (the target is a folder, a parent is a file, no permission, a full
disk) ends in one :class:`~zstack_contract.errors.OutputError` naming the file, and the
temporary file is removed. Text is written as UTF-8; a lone surrogate (the undecodable byte of a
file name, or of a JSON string) is written as its ``\\udcff`` escape, which in a JSON string is
that very character again.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Callable, Iterable

from .errors import OutputError


def write_atomic(path: Path, data: bytes | Iterable[str]) -> None:
    """Write ``data`` (bytes, or UTF-8 text pieces written as they come) to ``path`` atomically."""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_file(path.parent, f".{path.name}.", ".tmp")
    except OSError as exc:
        raise OutputError(str(path), f"cannot write: {reason(exc)}") from None
    try:
        if isinstance(data, (bytes, bytearray)):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        else:
            with _text(fd) as fh:
                fh.writelines(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(str(path), f"cannot write: {reason(exc)}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def writable_folder(folder: Path, what: str) -> None:
    """Make sure ``folder`` is a folder files can be written into (created when missing), by
    writing one and removing it; else one OutputError naming it and ``what`` it is for."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise OutputError(str(folder), f"{what}: not a folder (a file is there)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = _new_file(folder, ".zstack-contract-probe.", ".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(str(folder), f"{what}: cannot write files here: {reason(exc)}") from None


def write_new(folder: Path, name_of: Callable[[int], str], first: int, data: bytes) -> tuple[Path, int]:
    """Write ``data`` atomically as a new file of ``folder``: the first ``name_of(n)``, from
    ``n = first`` on, that does not exist, never replacing one (another writer's, at the same
    time or before); (its path, n). The data is written to a temporary file first, then linked
    under the name, which fails when the name is taken."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_file(folder, ".recording.", ".tmp")
    except OSError as exc:
        raise OutputError(str(folder / name_of(first)), f"cannot write: {reason(exc)}") from None
    n = first
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        while True:
            try:
                os.link(tmp, folder / name_of(n))
                return folder / name_of(n), n
            except FileExistsError:
                n += 1
    except OSError as exc:
        raise OutputError(str(folder / name_of(n)), f"cannot write: {reason(exc)}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _new_file(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file of a name no other writer has, open for writing; unlike ``mkstemp``'s, its
    mode is what the umask gives (the file is renamed into place, and others may read it)."""
    while True:
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), name
        except FileExistsError:
            continue


def write_pieces(path: Path, pieces: Iterable[str], shown: Path | None = None) -> None:
    """Write text pieces to a new file ``path`` (in a folder of the caller's, renamed later);
    an error names ``shown``, the file it is written for."""
    try:
        with _text(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)) as fh:
            fh.writelines(pieces)
    except OSError as exc:
        raise OutputError(str(shown or path), f"cannot write: {reason(exc)}") from None


def _text(fd: int):
    return open(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")


def reason(exc: OSError) -> str:
    """Why an OS call failed, in a few words (no Python exception text, no path)."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)) and exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a part of the path is a file, not a folder"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder"
    return exc.strerror or type(exc).__name__
