"""``Simulator``: the servlet behind Tomcat's HTTP layer (:mod:`.http`), served by werkzeug's
threaded server on a loopback port, in a thread.

The serving thread loops on ``handle_request()``; ``stop()`` sets a flag and connects once to wake
it, shuts down connections still open (a client that connected and sent nothing, or is sending
slowly, would otherwise hold a handler thread), closes the listening socket and joins the serving
thread and every request thread: nothing is left behind.
"""

from __future__ import annotations

import collections
import math
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from werkzeug.serving import make_server

from ..contract.compiled import ContractSet
from ..facts.ids import password_hash
from ..facts.secrets import mask_url
from . import render
from .apis import Api, api_from_contract, described, route_table
from .connections import Connections, backing_off
from .datafile import load_data
from .faults import check_faults
from .generic import sample_answer
from .http import (
    CONNECTION_TIMEOUT,
    KEEP_ALIVE_REQUESTS,  # noqa: F401 - named from here too, where it was first
    MAX_BODY,
    Handler,
    check_limits,
    status_line,
)
from .management import GET_VERSION, get_version
from .samples import cohere
from .seed import seed, uid
from .servlet import Servlet
from .state import State
from .vms import BUILT_IN, WORK, root_volume

DEFAULT_ACCOUNT = "admin"
DEFAULT_PASSWORD = "password"
REQUEST_LOG_BYTES = 64 * 1024 * 1024  # the request log's bodies, in all


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


class Simulator:
    """An embedded ZStack management node speaking REST on ``http://host:port/zstack``.

    ``data`` is None (the built-in seed), a path to a ``--data`` JSON file, or such a document
    already decoded. ``schemas``: a folder of derived schemas (or a loaded contract set) whose every
    API is served too (with no code per API); the session and the VM family are always served. ``jvm``: the Java release
    whose date rendering and messages the node plays (8, 11, 21). ``advertise_url`` is the base URL
    put into job locations (default: the simulator's own), to play a node behind NAT or a proxy.
    ``log`` gets one line per request, and one per request the HTTP layer refuses or drops.

    ``request_log``: how many of the last requests ``requests`` keeps (and of their bodies no more
    than :data:`REQUEST_LOG_BYTES` in all, the newest always). ``max_body``: the largest
    request body read, in bytes (a larger one is answered ``413``). ``connection_timeout``: the
    seconds a connection may idle, and within which a request must arrive whole (Tomcat's
    ``connectionTimeout``). ``release``: the ZStack release the node plays, which ``getVersion``
    answers (default: the shipped release ``schemas`` is, when it is one; none: not answered).
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
        max_body: int = MAX_BODY,
        connection_timeout: float = CONNECTION_TIMEOUT,
        release: str | None = None,
    ):
        for name, value in (("job_delay", job_delay), ("session_timeout", session_timeout)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of seconds, got {value}")
        if job_delay < 0:
            raise ValueError(f"job_delay must not be negative, got {job_delay}")
        if session_timeout <= 0:
            raise ValueError(f"session_timeout must be positive, got {session_timeout}")
        check_limits(connection_timeout, max_body)
        if isinstance(request_log, bool) or not isinstance(request_log, int) or request_log < 1:
            raise ValueError(f"request_log must be a whole number of requests, 1 or more, got {request_log}")
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
        self.max_body = max_body
        self.connection_timeout = float(connection_timeout)
        self._log = log
        self.state = State(seed() if data is None else load_data(data), session_timeout)
        self.apis = self._served(schemas)
        # The release of the contract served, which getVersion answers (management.py).
        self.release = release or (schemas.release if isinstance(schemas, ContractSet) else None)
        self.work = dict(WORK)
        if self.release is not None:
            self.apis.setdefault(GET_VERSION.name, GET_VERSION)
            self.work[GET_VERSION.name] = get_version(self.release)
        self.routes = route_table(self.apis.values(), self.release)
        self._faults = check_faults(faults, self.apis)
        self._remember_root_sizes()
        self._seed_from_samples()
        self._requests: collections.deque[RecordedRequest] = collections.deque()
        self._request_log = request_log
        self._logged_bytes = 0  # of the bodies in the log
        self._received = 0
        self._requests_lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.connections = Connections()  # open now, for stop() to shut down

    # -- what is served ------------------------------------------------------------------------

    @staticmethod
    def _served(schemas: "str | Path | ContractSet | None") -> dict[str, Api]:
        apis = {api.name: described(api) for api in BUILT_IN}
        if schemas is not None:
            from ..contract.loading import load_contracts

            contracts = schemas if isinstance(schemas, ContractSet) else load_contracts(schemas)
            for contract in contracts:
                apis[contract.api] = api_from_contract(contract, contracts.resources)  # a page's description replaces the built-in one
        return apis

    def _remember_root_sizes(self) -> None:
        """What a reimage resets a root volume to when its VM's image is not in the data set: its sizes as loaded."""
        for vm in self.state.vms.values():
            root = root_volume(vm)
            if root is not None:
                vm["_loadedRootSizes"] = (root.get("size"), root.get("actualSize"))

    def _seed_from_samples(self) -> None:
        """Each query API's sample inventories (or, with no sample, two made up from its schema,
        with uuids of their own), in its collection when the data set gave it none, so that
        queries and reads find something. The data set's resources are never made up again: a
        collection it holds anything in (its VMs' parts included) gets no sample."""
        for api in sorted(self.apis.values(), key=lambda a: a.name):
            if api.kind != "query" or not api.collection or self.state.all(api.collection):
                continue
            if (api.response or {}).get("examples"):
                inventories = [i for name in api.success for i in sample_answer(api).get(name) or ()]
            else:
                inventories = [self._made_inventory(api, n) for n in range(2)]
            for inventory in inventories:
                if isinstance(inventory, dict) and isinstance(inventory.get("uuid"), str):
                    self.state.put(api.collection, inventory)

    @staticmethod
    def _made_inventory(api: Api, n: int) -> dict | None:
        """The ``n``th inventory of a query with no sample: its answer made up from the schema, with
        a uuid of its own (the same on every run), its nested items naming it."""
        for name, made in sample_answer(api).items():  # the first success field: a list of one
            if made and isinstance(made[0], dict):
                made[0]["uuid"] = uid(f"{api.collection}/{n}")
                cohere({name: made}, api.places)
                return made[0]
        return None

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
            # Connections not yet accepted wait in the kernel's queue (Tomcat's acceptCount); one
            # that finds it full retries a second later, so it is long enough for a burst.
            sock.listen(1024)
            # werkzeug takes a duplicate of the bound socket, so a bind error stays ours to report
            server = make_server(self.host, self._port, self._app(), threaded=True, request_handler=Handler, fd=sock.fileno())
        finally:
            sock.close()
        server.handle_error = lambda request, client_address: None  # a client hanging up is not news
        server.endpoint = self
        self.connections.reopen()
        server.daemon_threads = False  # socketserver only tracks (and joins on close) non-daemon threads
        server.timeout = 0.5  # handle_request() returns at least this often, to see a stop request
        self._port = server.port
        self._server = server
        self._stopping.clear()
        server.get_request = backing_off(server.get_request, self._stopping.wait)
        self._thread = threading.Thread(target=self._serve, args=(server,), name=f"zstack-simulator:{self._port}", daemon=True)
        self._thread.start()
        return self

    def _app(self):
        """The servlet, with Tomcat's status line: no reason phrase, or a plain one."""
        servlet = Servlet(self)

        def app(environ, start_response):
            def tomcat_status(status: str, headers, exc_info=None):
                return start_response(status_line(int(status.split(None, 1)[0]), self.reason_phrases), headers, exc_info)

            return servlet(environ, tomcat_status)

        return app

    def _serve(self, server) -> None:
        while not self._stopping.is_set():
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
        self._stopping.set()
        self._wake()
        if thread is not None:
            thread.join()
        self.connections.close_all()
        server.server_close()  # closes the listening socket, joins the request threads
        self._server = self._thread = None

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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

    def note(self, line: str) -> None:
        """One line for the log (``log``), if there is one."""
        if self._log is not None:
            self._log(line)

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
            self._logged_bytes += len(body)
            self._received += 1
            while len(self._requests) > self._request_log or (self._logged_bytes > REQUEST_LOG_BYTES and len(self._requests) > 1):
                self._logged_bytes -= len(self._requests.popleft().body)
        if self._log is not None:
            query = f"?{rec.query_string}" if rec.query_string else ""
            path = mask_url(rec.path)  # a log-out names the session: never log it
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
            self._logged_bytes = self._received = 0

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Simulator {self.base_url} {state} faults={sorted(self._faults.names)}>"
