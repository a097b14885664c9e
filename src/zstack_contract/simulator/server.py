"""``Simulator``: the app served by werkzeug's threaded server on a loopback port, in a thread.

The serving thread loops on ``handle_request()``; ``stop()`` sets a flag and connects once to wake
it, shuts down connections still open (a client that connected and sent nothing would otherwise
hold a handler thread), closes the listening socket and joins the serving thread and every
request thread: nothing is left behind.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from werkzeug.serving import WSGIRequestHandler, make_server

from ..facts.ids import password_hash
from . import render
from .app import App
from .datafile import load_data
from .faults import check_faults
from .seed import seed
from .state import State

_SESSION_IN_PATH = re.compile(r"(/accounts/sessions/)[^/?]+")
DEFAULT_ACCOUNT = "admin"
DEFAULT_PASSWORD = "password"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received, and the status it answered."""

    method: str
    path: str  # decoded, with the context path: /zstack/v1/...
    query_string: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = 0.0  # time.monotonic() when the request arrived


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, quiet, with its connection tracked so stop() can close it."""

    def setup(self) -> None:
        super().setup()
        self.server._zs_track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server._zs_track(self.connection, False)  # type: ignore[attr-defined]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class Simulator:
    """An embedded ZStack management node speaking REST on ``http://host:port/zstack``.

    ``data`` is None (the built-in seed), a path to a ``--data`` JSON file, or such a document
    already decoded. ``advertise_url`` is the base URL put into job locations (default: the
    simulator's own), to play a node behind NAT or a proxy. ``log`` gets one line per request.
    """

    def __init__(
        self,
        faults: Iterable[str] = (),
        job_delay: float = 0.05,
        data: str | Path | dict | None = None,
        session_timeout: float = 7200.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        advertise_url: str | None = None,
        log: Callable[[str], None] | None = None,
        announce: bool = True,
    ):
        self._faults = check_faults(faults)
        if job_delay < 0:
            raise ValueError(f"job_delay must not be negative, got {job_delay}")
        if session_timeout <= 0:
            raise ValueError(f"session_timeout must be positive, got {session_timeout}")
        self.job_delay = float(job_delay)
        self.host = host
        self._port = int(port)
        self._advertise = advertise_url.rstrip("/") if advertise_url else None
        # Send SIMULATOR_HEADER (False: pass for a live node, to test what the suite does there).
        self.announce = announce
        self._log = log
        self.state = State(seed() if data is None else load_data(data), session_timeout)
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "Simulator":
        """Listen and serve in a background thread; OSError if the address cannot be bound."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
            sock.listen(128)
            # werkzeug takes a duplicate of the bound socket, so a bind error stays ours to report
            server = make_server(self.host, self._port, App(self), threaded=True, request_handler=_Handler, fd=sock.fileno())
        finally:
            sock.close()
        server.handle_error = lambda request, client_address: None  # a client hanging up is not news
        server._zs_track = self._track
        server.daemon_threads = False  # socketserver only tracks (and joins on close) non-daemon threads
        server.timeout = 0.5  # handle_request() returns at least this often, to see a stop request
        self._port = server.port
        self._server = server
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, args=(server,), name=f"zstack-simulator:{self._port}", daemon=True)
        self._thread.start()
        return self

    def _serve(self, server) -> None:
        while not self._stopping:
            server.handle_request()

    def _wake(self) -> None:
        """Connect once so a handle_request() blocked in select() returns now."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        try:
            socket.create_connection((host, self._port), timeout=1).close()
        except OSError:
            pass  # the loop's own timeout will notice the stop request

    def stop(self) -> None:
        """Stop serving; returns when the socket is closed and every thread has ended."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping = True
        self._wake()
        if thread is not None:
            thread.join()
        with self._conns_lock:
            open_conns = list(self._conns)
        for conn in open_conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()  # closes the listening socket, joins the request threads
        self._server = self._thread = None

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._conns_lock:
            (self._conns.add if opened else self._conns.discard)(conn)

    # -- addresses -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/zstack`` (the port is known once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}/zstack"

    @property
    def advertised_url(self) -> str:
        """The base URL the node puts into job locations."""
        return self._advertise or self.base_url

    # -- faults, sessions, state ---------------------------------------------------------------

    @property
    def faults(self) -> frozenset[str]:
        return self._faults

    def set_faults(self, faults: Iterable[str]) -> None:
        """Switch the active faults (validated) for the requests that follow."""
        self._faults = check_faults(faults)

    def create_session(self, account: str = DEFAULT_ACCOUNT, password: str = DEFAULT_PASSWORD) -> str:
        """Log in without HTTP; the new session's uuid."""
        session = self.state.login(account, password_hash(password))
        if session is None:
            raise ValueError(f"no account {account!r} with that password")
        return session.uuid

    def expire_session(self, session_uuid: str) -> None:
        """Make a session expired, as if its time had run out."""
        self.state.expire_session(session_uuid)

    @property
    def vms(self) -> dict[str, dict]:
        """The VMs now, uuid -> inventory as a query renders it (JVM dates, nulls omitted)."""
        return {vm["uuid"]: render.plain(vm) for vm in self.state.all_vms()}

    # -- the request log -----------------------------------------------------------------------

    def record(self, request, body: bytes, status: int, arrived: float) -> None:
        """Keep one request in the log (the app calls this for each answer it sends)."""
        rec = RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),
            headers=dict(request.headers.items()),
            body=body,
            status=status,
            at=arrived,
        )
        with self._requests_lock:
            self._requests.append(rec)
        if self._log is not None:
            query = f"?{rec.query_string}" if rec.query_string else ""
            path = _SESSION_IN_PATH.sub(r"\1***", rec.path)  # a log-out names the session: never log it
            self._log(f"{rec.method} {path}{query} {status}")

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._requests_lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._requests_lock:
            return len(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Simulator {self.base_url} {state} faults={sorted(self._faults)}>"
