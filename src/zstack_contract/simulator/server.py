"""``Simulator``: the servlet served by werkzeug's threaded server on a loopback port, in a thread.

The serving thread loops on ``handle_request()``; ``stop()`` sets a flag and connects once to wake
it, shuts down connections still open (a client that connected and sent nothing would otherwise
hold a handler thread), closes the listening socket and joins the serving thread and every
request thread: nothing is left behind.

The HTTP layer plays Tomcat's: connections are kept alive (HTTP/1.1) until the client closes
them, 100 requests or 20 seconds of silence; no ``Server`` header; no reason phrase after the
status (Tomcat 8.5 and later; ``reason_phrases=True`` plays an older Tomcat).
"""

from __future__ import annotations

import collections
import math
import re
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Iterable

from werkzeug.serving import WSGIRequestHandler, make_server

from ..contract.compiled import ContractSet
from ..facts.ids import password_hash
from . import render
from .apis import Api, Routes, api_from_contract, resolve_collections
from .datafile import load_data
from .faults import check_faults
from .generic import sample_answer
from .seed import seed
from .servlet import Servlet
from .state import State
from .vms import BUILT_IN, WORK, root_volume

_SESSION_IN_PATH = re.compile(r"(/accounts/sessions/)[^/?]+")
DEFAULT_ACCOUNT = "admin"
DEFAULT_PASSWORD = "password"
KEEP_ALIVE_REQUESTS = 100  # Tomcat's maxKeepAliveRequests
IDLE_SECONDS = 20.0  # Tomcat's connectionTimeout


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
    """werkzeug's handler, quiet, keeping connections alive as Tomcat does, with its connection
    tracked so stop() can close it."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS

    def setup(self) -> None:
        super().setup()
        # Tomcat's tcpNoDelay: without it an answer's body waits for the ACK of its headers
        # (Nagle's algorithm against the client's delayed ACK: some 40 ms an answer).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.served = 0
        self.server._zs_track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server._zs_track(self.connection, False)  # type: ignore[attr-defined]

    def handle_one_request(self) -> None:
        super().handle_one_request()
        self.served += 1

    def send_response(self, code: int, message: str | None = None) -> None:
        """As http.server's, without its ``Server`` header (errors of the HTTP layer go this way)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def run_wsgi(self) -> None:
        """One request through the app, its answer written whole. werkzeug's own runner closes
        every connection and, after answering, reads away whatever the client sent next (the next
        request of a kept-alive connection); the servlet reads each request's body itself."""
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return lambda data: None

        try:
            body = b"".join(self.server.app(environ, start_response))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        status, headers = started
        code, _, phrase = status.partition(" ")
        self.send_response_only(int(code), phrase)
        self.send_header("Date", self.date_time_string())
        for key, value in headers:
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        if environ.get("zstack.close") or self.served + 1 >= KEEP_ALIVE_REQUESTS:  # Tomcat says so on the last one
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class Simulator:
    """An embedded ZStack management node speaking REST on ``http://host:port/zstack``.

    ``data`` is None (the built-in seed), a path to a ``--data`` JSON file, or such a document
    already decoded. ``schemas``: a folder of derived schemas (or a loaded contract set) whose every
    API is served too (with no code per API); the session and the VM family are always served. ``jvm``: the Java release
    whose date rendering and messages the node plays (8, 11, 21). ``advertise_url`` is the base URL
    put into job locations (default: the simulator's own), to play a node behind NAT or a proxy.
    ``log`` gets one line per request.
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
        schemas: str | Path | None = None,
        jvm: int = 8,
        advertise_url: str | None = None,
        log: Callable[[str], None] | None = None,
        announce: bool = True,
        reason_phrases: bool = False,
        request_log: int = 1000,
    ):
        for name, value in (("job_delay", job_delay), ("session_timeout", session_timeout)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of seconds, got {value}")
        if job_delay < 0:
            raise ValueError(f"job_delay must not be negative, got {job_delay}")
        if session_timeout <= 0:
            raise ValueError(f"session_timeout must be positive, got {session_timeout}")
        if jvm not in (8, 11, 21):
            raise ValueError(f"jvm must be 8, 11 or 21 (a Java release of each date rendering), got {jvm}")
        self.job_delay = float(job_delay)
        self.jvm = jvm
        self.host = host
        self._port = int(port)
        self._advertise = advertise_url.rstrip("/") if advertise_url else None
        # Send SIMULATOR_HEADER (False: pass for a live node, to test what the suite does there).
        self.announce = announce
        self.reason_phrases = reason_phrases
        self._log = log
        self.state = State(seed() if data is None else load_data(data), session_timeout)
        self.apis = resolve_collections(self._served(schemas), set(self.state.store))
        self.routes = Routes()
        for api in self.apis.values():
            self.routes.add(api)
        self.work = dict(WORK)
        self._faults = check_faults(faults, self.apis)
        self._remember_root_sizes()
        self._seed_from_samples()
        self._requests: collections.deque[RecordedRequest] = collections.deque(maxlen=max(1, request_log))
        self._received = 0
        self._requests_lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    # -- what is served ------------------------------------------------------------------------

    @staticmethod
    def _served(schemas: "str | Path | ContractSet | None") -> dict[str, Api]:
        apis = {api.name: api for api in BUILT_IN}
        if schemas is not None:
            from ..contract.loading import load_contracts

            contracts = schemas if isinstance(schemas, ContractSet) else load_contracts(schemas)
            for contract in contracts:
                apis[contract.api] = api_from_contract(contract)  # a page's description replaces the built-in one
        return apis

    def _remember_root_sizes(self) -> None:
        """What a reimage resets a root volume to when its VM's image is not in the data set: its sizes as loaded."""
        for vm in self.state.vms.values():
            root = root_volume(vm)
            if root is not None:
                vm["_loadedRootSizes"] = (root.get("size"), root.get("actualSize"))

    def _seed_from_samples(self) -> None:
        """Each query API's sample inventories, in its collection when the data set gave it none,
        so that queries and reads find something."""
        for api in self.apis.values():
            if api.kind != "query" or not api.collection or self.state.store.get(api.collection):
                continue
            for name in api.success:
                for inventory in sample_answer(api).get(name) or ():
                    if isinstance(inventory, dict) and isinstance(inventory.get("uuid"), str):
                        self.state.put(api.collection, inventory)

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
            server = make_server(self.host, self._port, self._app(), threaded=True, request_handler=_Handler, fd=sock.fileno())
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

    def _app(self):
        """The servlet, with Tomcat's status line: no reason phrase, or a plain one."""
        servlet = Servlet(self)

        def app(environ, start_response):
            def tomcat_status(status: str, headers, exc_info=None):
                code = int(status.split(None, 1)[0])
                phrase = HTTPStatus(code).phrase if self.reason_phrases and code in HTTPStatus._value2member_map_ else ""
                return start_response(f"{code} {phrase}", headers, exc_info)

            return servlet(environ, tomcat_status)

        return app

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
    def faults(self):
        return self._faults

    def set_faults(self, faults: Iterable[str]) -> None:
        """Switch the active faults (validated) for the requests that follow."""
        self._faults = check_faults(faults, self.apis)

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
        dates = render.dates_of(self.jvm)
        return {vm["uuid"]: render.plain(vm, dates) for vm in self.state.all_vms()}

    # -- the request log -----------------------------------------------------------------------

    def record(self, request, body: bytes, status: int, arrived: float) -> None:
        """Keep one request in the log (the last ``request_log`` of them)."""
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
            self._received += 1
        if self._log is not None:
            query = f"?{rec.query_string}" if rec.query_string else ""
            path = _SESSION_IN_PATH.sub(r"\1***", rec.path)  # a log-out names the session: never log it
            self._log(f"{rec.method} {path}{query} {status}")

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far (the last ``request_log``), oldest first."""
        with self._requests_lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests have been received since the start (or the last clear_requests())."""
        with self._requests_lock:
            return self._received

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()
            self._received = 0

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Simulator {self.base_url} {state} faults={sorted(self._faults.names)}>"
