"""A server's connections: accepting them without spinning when that fails, which are open (so
that stopping can end them all), and reading one under a deadline (so that a slow sender cannot
hold its thread for longer than the deadline)."""

from __future__ import annotations

import io
import math
import socket
import threading
import time
from typing import Any, Callable

ACCEPT_DELAYS = (0.05, 1.6)  # Tomcat's acceptor: the first pause after a failure, and the longest


class Connections:
    """The open connections of a server, so that stopping can shut them all down (a client that
    connected and sent nothing would otherwise hold its handler thread); one opened while closing
    is shut down at once."""

    def __init__(self) -> None:
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closing = False

    def opened(self, conn: socket.socket) -> None:
        with self._lock:
            if not self._closing:
                self._open.add(conn)
                return
        _shut(conn)

    def closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.discard(conn)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    @property
    def closing(self) -> bool:
        return self._closing

    def reopen(self) -> None:
        with self._lock:
            self._closing = False

    def close_all(self) -> None:
        with self._lock:
            self._closing = True
            conns = list(self._open)
        for conn in conns:
            _shut(conn)


def _shut(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)  # wakes the handler thread blocked reading it
    except OSError:
        pass


class DeadlineReader(io.RawIOBase):
    """A connection's bytes, every read bounded by the time left until ``deadline``
    (``time.monotonic()``): TimeoutError once it has passed. ``received`` counts the bytes read."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.deadline = math.inf
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.conn.settimeout(left)
        n = self.conn.recv_into(buf)
        self.received += n
        return n


def backing_off(accept: Callable[[], Any], wait: Callable[[float], Any]) -> Callable[[], Any]:
    """``accept`` (a server's ``get_request``), pausing after each failure as Tomcat's acceptor
    does: 50 ms, doubled at each failure in a row up to 1.6 s. Without it, a connection that cannot
    be accepted (no descriptor left) keeps the listening socket readable and the accepting loop
    spins. ``wait(seconds)`` pauses; it returns early when the server stops."""
    delay = 0.0

    def get_request() -> Any:
        nonlocal delay
        try:
            request = accept()
        except OSError:
            delay = min(max(delay * 2, ACCEPT_DELAYS[0]), ACCEPT_DELAYS[1])
            wait(delay)
            raise
        delay = 0.0
        return request

    return get_request
