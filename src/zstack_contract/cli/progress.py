"""A progress line on stderr for the commands that can run long (``validate`` over many files,
``derive`` over a big folder, ``diff`` of two releases, the proxy's running counts), shown only
to a person at a terminal: nothing is drawn when stderr is not a terminal, when ``CI`` is set in
the environment (to any value), or with ``-q`` (:func:`progress_for` decides, once per run).

The line is redrawn in place (a carriage return, the text, spaces over what the previous text
left) at most every :data:`EVERY` seconds, cut to the terminal's width so it never wraps, and
wiped before the command prints anything else and when the run ends: what a terminal keeps is
the command's own output. Its texts are counts the command gives; it writes nothing to stdout or
to a file, so they are the same byte for byte with and without a terminal (docs/progress.md).

Our own few lines rather than a library: imported after ``validate``'s own modules, this module
takes 1.2-1.6 ms, tqdm 14-25 ms and rich.progress 58-95 ms (measured in docs/progress.md), and the
lines shown are counts with no total to draw a bar against (the file walks are lazy).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from ..facts.oneline import one_line

EVERY = 0.1  # seconds between redraws of the line
WIDTH = 80  # columns, when the terminal does not say


def progress_for(command: str, quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """The progress line of ``command`` on ``stream`` (stderr), drawn only when it is a terminal,
    ``CI`` is not set and the run is not ``quiet``."""
    stream = sys.stderr if stream is None else stream
    return Progress(command, stream, enabled=not quiet and "CI" not in os.environ and _is_terminal(stream))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a stream without a descriptor, or a closed one
        return False


class Progress:
    """One command's progress line: :meth:`show` draws a text, :meth:`clear` wipes it; while
    :meth:`printing` runs, what the command prints to stdout or stderr wipes it first. Safe to
    call from several threads (the proxy's checks print as its main thread draws). When not
    enabled, every method does nothing."""

    def __init__(self, command: str, stream: TextIO, enabled: bool) -> None:
        self.command = command
        self.stream = stream
        self.enabled = enabled
        self.columns = _columns(stream) if enabled else WIDTH
        self._shown = 0  # characters of the line on the terminal now (0: none)
        self._line = ""  # the text drawn last
        self._drawn_at = float("-inf")
        self._lock = threading.RLock()

    def show(self, text: str) -> None:
        """Draw ``zstack-contract COMMAND: text`` in place of the line shown, unless one was drawn
        less than :data:`EVERY` seconds ago (a wiped line is drawn again at once)."""
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if self._shown and now - self._drawn_at < EVERY:
                return
            line = one_line(f"zstack-contract {self.command}: {text}")[: self.columns - 1]
            if self._shown and line == self._line:
                return
            self._line = line
            self._write("\r" + line.ljust(self._shown))  # spaces over what a longer line left
            self._shown = max(self._shown, len(line))
            self._drawn_at = now

    def clear(self) -> None:
        """Wipe the line, leaving the cursor where it started."""
        if not self.enabled:
            return
        with self._lock:
            if self._shown:
                self._write("\r" + " " * self._shown + "\r")
                self._shown = 0

    def guard(self, stream: TextIO) -> TextIO:
        """``stream``, wiping the line before each write to it; itself when the line is not
        drawn, or when ``stream`` is not the line's and goes elsewhere than a terminal (stdout
        to a file leaves the line in place)."""
        if not self.enabled or (stream is not self.stream and not _is_terminal(stream)):
            return stream
        return _Guarded(stream, self)

    @contextlib.contextmanager
    def printing(self) -> Iterator[Progress]:
        """While the block runs, stdout and stderr wipe the line before each write; the line is
        wiped when it ends, however it ends."""
        if not self.enabled:
            yield self
            return
        try:
            with contextlib.redirect_stdout(self.guard(sys.stdout)), contextlib.redirect_stderr(self.guard(sys.stderr)):
                yield self
        finally:
            self.clear()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without its line
            self.enabled = False


class _Guarded:
    """A text stream that wipes a progress line before it writes; the rest is the stream's."""

    def __init__(self, stream: TextIO, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        with self._progress._lock:
            self._progress.clear()
            return self._stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or WIDTH
    except (AttributeError, ValueError, OSError):
        return WIDTH
