"""What a path given as an input names, and why it cannot be read, in a few words.

Only a regular file is read: a FIFO would hold the run until something writes to it, a device
may never end. These tell them apart without opening them.
"""

from __future__ import annotations

import os
import stat
from typing import Callable, Iterator

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFDIR: "a folder"}


def kind(mode: int) -> str:
    """``a FIFO``, ``a socket``, ... for a file mode that is not a regular file's."""
    return _KINDS.get(stat.S_IFMT(mode), "not a file")


def not_regular(mode: int) -> str:
    return f"not a regular file ({kind(mode)})"


def stat_problem(path: str, exc: OSError | ValueError) -> str:
    """Why ``os.stat(path)`` failed: ``no such file or folder``, ``a link to nothing``, ..."""
    if isinstance(exc, ValueError):
        return "not a usable path (it holds a NUL character)"
    if isinstance(exc, FileNotFoundError):
        return "a link to nothing" if os.path.islink(path) else "no such file or folder"
    return f"cannot read: {exc.strerror or exc}"


def file_problem(path: str) -> str | None:
    """Why ``path`` is not a regular file that can be read (following links), or None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError) as exc:
        return stat_problem(path, exc)
    return None if stat.S_ISREG(mode) else not_regular(mode)


def special_file(path: str) -> str | None:
    """Why ``path`` must not be opened, when it names something that is neither a regular file
    nor a folder (a FIFO, a device); None otherwise, also when it is not there (whoever reads it
    says so in its own words)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else not_regular(mode)


def files_in(folder: str, wanted: Callable[[str], bool]) -> Iterator[str]:
    """The files under ``folder`` whose names ``wanted`` takes, recursively, in a stable order
    (names sorted; hidden folders such as ``.git`` left out)."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if wanted(name):
                yield os.path.join(parent, name)
