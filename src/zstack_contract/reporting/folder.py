"""The report folder: its reports are cleared when a run starts and replaced together when it ends.

- :func:`clear_reports`, when a run starts: a run killed before its end (SIGKILL, a lost CI
  runner) leaves no report rather than the previous run's, which would pass for its own.
- :func:`replace_reports`, when it ends: every report is written into a fresh temporary folder
  beside them (``.zstack-contract.<random>.tmp``); then the old reports are removed, all of
  them, before the new ones are renamed into place. The folder holds the old set, a part of
  the old or of the new set, or the new set, never a report of one run beside one of another.
- Both hold an exclusive lock (``flock``) on the report folder itself (:func:`report_lock`), so
  two runs writing one folder take turns, and neither sees the other's temporary folder:
  whatever is named ``.zstack-contract.*.tmp`` when the lock is held is a leftover of a killed
  run, and removed. (Where there is no ``flock``, runs do not lock; a run writing alone is
  still as above.)

Nothing here depends on the time or the process: the same reports give the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..atomic import reason, write_pieces
from ..errors import OutputError

TEMP_PREFIX, TEMP_SUFFIX = ".zstack-contract.", ".tmp"


def usable_folder(directory: Path) -> None:
    """Make sure ``directory`` is a folder that can hold reports (created when missing)."""
    try:
        mode = os.stat(directory).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(str(directory), f"cannot use as the report folder: {reason(exc)}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        raise OutputError(str(directory), "not a folder (reports go into a folder)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(directory), f"cannot create the report folder: {reason(exc)}") from None


def clear_reports(directory: str | Path, names: Iterable[str]) -> None:
    """Remove the reports ``names`` from ``directory`` (and leftovers of killed runs)."""
    directory = Path(directory)
    usable_folder(directory)
    with report_lock(directory):
        _remove_leftovers(directory)
        for name in names:
            _remove(directory / name)


def replace_reports(directory: str | Path, reports: dict[str, Callable[[], Iterable[str]]]) -> list[Path]:
    """Write each report (file name -> its text pieces) into ``directory``, replacing the
    reports there as one set; the paths written, in the order given."""
    directory = Path(directory)
    usable_folder(directory)
    with report_lock(directory):
        _remove_leftovers(directory)
        try:
            temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory))
        except OSError as exc:
            raise OutputError(str(directory), f"cannot write reports here: {reason(exc)}") from None
        try:
            for name, pieces in reports.items():
                write_pieces(temp / name, pieces(), shown=directory / name)
            for name in reports:
                _remove(directory / name)
            for name in reports:
                _rename(temp / name, directory / name)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    return [directory / name for name in reports]


@contextlib.contextmanager
def report_lock(directory: str | Path) -> Iterator[None]:
    """Hold the report folder's lock: the writers' turn, or a reader's who wants the reports as
    one set at that moment."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows)
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield  # a folder that cannot be opened for reading (write-only): no lock
        return
    try:
        with contextlib.suppress(OSError):  # a file system without locks: none
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_leftovers(directory: Path) -> None:
    try:
        names = [n for n in os.listdir(directory) if n.startswith(TEMP_PREFIX) and n.endswith(TEMP_SUFFIX)]
    except OSError:
        return
    for name in names:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(str(path), f"cannot replace this report: {reason(exc)}") from None


def _rename(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise OutputError(str(target), f"cannot write: {reason(exc)}") from None
