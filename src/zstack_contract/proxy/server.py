"""The serving half of the proxy: :class:`ProxyServer` runs :data:`LOOPS` aiohttp event loops, each
in a thread of its own, taking connections from one listening socket, with one gate holding the cap
on client connections across them (:class:`_Gate`), the request deadline swept on each loop, and a
stop that lets the requests in flight finish. What each request becomes is :mod:`.forward`'s."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading

import aiohttp
from aiohttp import web

from .forward import Forwarder, _Handler
from .limits import Limits

SHUTDOWN_GRACE = 10.0  # seconds the requests in flight when the proxy stops get to finish (their answers reach the checks)
LOOPS = 2  # event loops, each in a thread of its own: one a core of the machine it was measured on (ProxyServer says why)
_BUSY_TEXT = b"zstack-contract proxy: every connection it may hold is busy; try again\n"
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
         b"Content-Length: %d\r\n\r\n%s" % (len(_BUSY_TEXT), _BUSY_TEXT))  # written as the connection opens: no request to answer



_SILENT = logging.getLogger("zstack_contract.proxy.engine")  # aiohttp's logs of bad requests quote their headers: a session
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False
_SILENT.setLevel(logging.CRITICAL + 1)


def fit_open_files(limits: Limits) -> str | None:
    """Raises this process's limit of open files to what ``max_connections`` needs (a client's
    connection and one to the target each, and some to spare), as far as the hard limit allows;
    a line saying so when it cannot."""
    need = 2 * limits.max_connections + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            new = soft
        if new < need:
            return f"--max-connections {limits.max_connections} needs {need} open files, the system allows {new}: lower it"
    return None


class _Connection(web.RequestHandler):
    """aiohttp's handler of one client connection, telling the proxy when a request's first byte
    came (``since``) and whether one is being forwarded (``busy``), for the deadlines and the cap."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.since: float | None = None
        self.busy = False
        self.opened = 0.0

    def data_received(self, data: bytes) -> None:
        if self.since is None and not self.busy:
            self.since = self._loop.time()
        super().data_received(data)


class _Gate:
    """The client connections of every event loop, oldest first, at most ``max_connections``:
    a new one past that takes the place of the oldest that is idle or still sending its head,
    else it is refused. Thread-safe (each loop has a thread)."""

    def __init__(self, max_connections: int):
        self.max_connections = max_connections
        self.open: dict[_Connection, asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()

    def enter(self, handler: _Connection, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether ``handler`` may stay (closing the one whose place it takes)."""
        with self._lock:
            self.open[handler] = loop
            if len(self.open) <= self.max_connections:
                return True
            victim = next((other for other in self.open if other is not handler and not other.busy), None)
            if victim is None:
                del self.open[handler]
                return False
            victim_loop = self.open.pop(victim)
        if victim_loop is loop:
            victim.force_close()
        else:
            victim_loop.call_soon_threadsafe(victim.force_close)
        return True

    def leave(self, handler: _Connection) -> None:
        with self._lock:
            self.open.pop(handler, None)


class _Server(web.Server):
    """aiohttp's low-level server of one event loop, its connections let in by the shared gate."""

    def __init__(self, handler, limits: Limits, gate: _Gate, **kwargs):
        super().__init__(handler, **kwargs)
        self.limits = limits
        self.gate = gate
        self.open: set[_Connection] = set()

    def __call__(self) -> _Connection:
        return _Connection(self, loop=self._loop, **self._kwargs)

    def connection_made(self, handler: _Connection, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        if self.gate.enter(handler, self._loop):
            self.open.add(handler)
            return
        transport.write(_BUSY)
        self._loop.call_soon(handler.force_close)  # once aiohttp has started the connection's task (it asserts so)

    def connection_lost(self, handler: _Connection, exc: BaseException | None = None) -> None:
        self.open.discard(handler)
        self.gate.leave(handler)
        super().connection_lost(handler, exc)

    def late_heads(self) -> None:
        """Closes every connection whose request has not arrived whole within the deadline."""
        now = self._loop.time()
        limit = self.limits.request_timeout
        for handler in [h for h in self.open if not h.busy and h.since is not None and now - h.since > limit]:
            handler.force_close()


class ProxyServer:
    """The proxy listening on ``address``: ``serve_forever`` runs its :data:`LOOPS` event loops
    (one in the calling thread, each other in a thread of its own, all taking connections from
    the one listening socket) until ``shutdown`` (from another thread); ``server_close`` frees the
    address. More than one loop: the proxy's Python runs one thread at a time, but its writes to
    sockets overlap, and on cores shared with the clients and the node a single thread got too
    small a share of them (benchmarks/RESULTS.md, "Proxy engine (issue 25)")."""

    def __init__(self, address: tuple[str, int], forwarder: Forwarder):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.create_server(address, family=family, backlog=1024)
        self.forwarder = forwarder
        host, port = self.socket.getsockname()[:2]
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        forwarder.public_origin = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
        self.server_address = (host, port)
        self._gate = _Gate(forwarder.limits.max_connections)
        self._running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._lock = threading.Lock()
        self._stopping = False
        self._serving = threading.Event()
        self._done = threading.Event()

    def serve_forever(self, poll_interval: float = 0.5) -> None:  # poll_interval: socketserver's signature; unused
        self._serving.set()
        others = [threading.Thread(target=self._run, name=f"zstack-contract-proxy-{n}", daemon=True) for n in range(1, LOOPS)]
        try:
            for thread in others:
                thread.start()
            self._run()
        finally:
            for thread in others:
                thread.join()
            self._done.set()

    def shutdown(self) -> None:
        """Stops ``serve_forever`` and waits for it (at once when it was never started)."""
        with self._lock:
            self._stopping = True
            for loop, stop in self._running:
                loop.call_soon_threadsafe(stop.set)
        if self._serving.is_set():
            self._done.wait()

    def server_close(self) -> None:
        self.socket.close()

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        fwd, limits = self.forwarder, self.forwarder.limits
        loop, stop = asyncio.get_running_loop(), asyncio.Event()
        tracing = aiohttp.TraceConfig()
        tracing.on_connection_reuseconn.append(_reused)
        client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ssl=fwd.tls if fwd.tls is not None else True, keepalive_timeout=limits.idle_timeout),
            timeout=aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout, sock_connect=limits.connect_timeout),
            auto_decompress=False, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(), trace_configs=[tracing],
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"))
        client._retry_connection = False  # aiohttp resends PUT and DELETE on a broken kept connection: never (see the module)
        handler = _Handler(fwd, client)
        server = _Server(handler.handle, limits, self._gate, keepalive_timeout=limits.idle_timeout, access_log=None, logger=_SILENT,
                         max_line_size=8190, max_field_size=8190)
        listening = await loop.create_server(server, sock=self.socket.dup())  # its own descriptor: each loop closes its own
        sweeping = asyncio.create_task(_sweep(server, min(1.0, limits.request_timeout / 4)))
        with self._lock:
            self._running.append((loop, stop))
            if self._stopping:
                stop.set()
        try:
            await stop.wait()
        finally:
            sweeping.cancel()
            listening.close()
            for handler in [h for h in server.open if not h.busy]:
                handler.force_close()  # idle between requests: aiohttp's shutdown would wait out the grace on it
            await server.shutdown(SHUTDOWN_GRACE)
            await client.close()


def _loop_factory():
    """uvloop's event loop (libuv underneath: about a tenth less of the proxy's CPU a request,
    benchmarks/RESULTS.md), where it is installed (not on Windows), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _sweep(server: _Server, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        server.late_heads()


async def _reused(session, context, params) -> None:
    context.trace_request_ctx.reused = True
