"""The forwarding half of the proxy, on aiohttp: its server (the llhttp parser, which refuses
malformed framing with a ``400``) takes the clients' requests, its client passes them to the
target, both on each event loop of :class:`~.server.ProxyServer`, streaming every answer
back while keeping a copy of each exchange for the checks (benchmarks/RESULTS.md, "Proxy engine (issue 25)", says why this one).

What passes unchanged: the method, the path and query (in origin form: an absolute-form target's
host is never passed on), the headers but the hop-by-hop ones (and ``Host``), the body bytes; the
answer's status, reason, headers but the hop-by-hop ones, and its body bytes (a length-delimited
body keeps its length; another goes to the client chunked). The one change: the job ``location``
of a ``202`` names the address the client used (:mod:`.location`), unless the proxy was told not
to rewrite. A request is sent on only once it has arrived whole. A target that cannot be reached,
or that breaks off an answer before its head, is a ``502`` with one line of text (``504`` when the
answer deadline passed first).

Bounds (:class:`Limits`, each an option of ``zstack-contract proxy``, docs/proxy.md): a request
must arrive whole within ``request_timeout`` of its first byte; a kept-alive connection idle for
``idle_timeout`` is closed; an answer must have passed whole within ``answer_timeout``; at most
``max_connections`` client connections are held (a new one past that takes the place of the oldest
that is idle or still sending its head, else gets a ``503``); a request body over ``max_request``
is a ``413``; of an answer, ``kept`` bytes are kept for the checks (the rest streams through and
the exchange is passed on as not complete).

A request is never sent twice but for a safe method (GET, HEAD, OPTIONS) whose kept-alive
connection the target closed before any byte of the answer came: every ZStack action is a PUT
and every delete a DELETE that starts a job, so the RFC's idempotent PUT and DELETE are not
resent (RFC 9110 9.2.2 allows, never requires, an automatic retry).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from ..facts.secrets import mask_url
from ..facts.urls import api_path, url_problem
from ..inputs.exchange import Request, Response, Step
from ..inputs.json_reader import decode_body
from ..live.transport import ca_bundle
from .limits import DEFAULTS, MIB, Limits
from .location import client_origin, rewritten

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
                        "transfer-encoding", "upgrade", "host", "content-length", "expect"})
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})  # resent once, when a kept connection broke before any answer
_ADDED_BY_AIOHTTP = ("Server", "Date", "Content-Type")  # set on an answer unless present: removed unless the target's


class Forwarder:
    """What the proxy's connections share: the target and ``on_step(step, complete)``, called on
    an event loop's thread (so from more than one thread) with every forwarded request and its answer (``complete`` False when the
    answer was too long to keep whole or the exchange broke off), so it must return at once and
    never wait on anything; ``on_no_answer(reason)``, if given, with every request the target did
    not answer (the client got a ``502`` or ``504``)."""

    def __init__(self, target: str, on_step: Callable[[Step, bool], None], rewrite: bool = True,
                 limits: Limits = DEFAULTS, on_no_answer: Callable[[str], None] | None = None):
        problem = url_problem(target)
        parts = urlsplit(target)
        if problem or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--target must be an http(s) URL with a host: {problem or target!r}")
        # Requests go to the host and port alone: the user info of the URL is not sent (a node's
        # REST API has no basic authentication); what is shown and recorded names it, its
        # password masked (facts.secrets.mask_url).
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
        self.origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port is not None else "")
        self.shown_origin = mask_url(f"{parts.scheme}://{parts.netloc}")
        self.tls = _tls_context() if parts.scheme == "https" else None
        self.on_step = on_step
        self.on_no_answer = on_no_answer
        self.rewrite = rewrite
        self.limits = limits
        self.public_origin = ""  # http://host:port of the proxy, set once it listens


def _tls_context() -> ssl.SSLContext:
    """One context for every connection to an https target (reading the CAs is its cost): the
    certificates are verified against the CA bundle the environment names for the live client
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``), else the system's."""
    bundle = ca_bundle()
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"the CA bundle the environment names cannot be used: {getattr(exc, 'strerror', None) or exc}") from None


class _Handler:
    """Forwards one request and its answer; one per server, its state on each call's stack."""

    def __init__(self, fwd: Forwarder, client: aiohttp.ClientSession):
        self.fwd = fwd
        self.client = client

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        connection = request.protocol  # the server's connection (server._Connection): its busy and since
        since = connection.since if connection.since is not None else asyncio.get_running_loop().time()
        connection.busy, connection.since = True, None
        try:
            return await self._forward(request, since)
        except Exception as exc:  # noqa: BLE001  (one line, never a traceback: a request's headers may hold a session)
            return _plain(502, f"zstack-contract proxy: {request.method} {api_path(request.path)} failed: {type(exc).__name__}", close=True)
        finally:
            connection.busy = False

    async def _forward(self, request: web.BaseRequest, since: float) -> web.StreamResponse:
        fwd, limits = self.fwd, self.fwd.limits
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        if request.headers.get("Expect", "").lower() == "100-continue" and request.version >= (1, 1):
            request.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            async with asyncio.timeout_at(since + limits.request_timeout):
                body = await _request_body(request, limits.max_request)
        except TimeoutError:
            return _plain(408, f"zstack-contract proxy: the request did not arrive whole within {limits.request_timeout:g} s", close=True)
        except (aiohttp.ClientPayloadError, aiohttp.http_exceptions.HttpProcessingError, ConnectionError):
            return _plain(400, "zstack-contract proxy: the request's body broke off or is malformed", close=True)
        if body is None:
            return _plain(413, f"zstack-contract proxy: a request body over {limits.max_request / MIB:g} MiB", close=True)
        path = _origin_form(request.raw_path)
        url = fwd.origin + path
        shown_url = fwd.shown_origin + path
        dropped = {name.strip().lower() for value in request.headers.getall("Connection", []) for name in value.split(",")}
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() not in dropped]
        method = request.method
        deadline = loop.time() + limits.answer_timeout
        try:
            async with asyncio.timeout_at(deadline):
                upstream = await self._send(method, url, headers, body)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            late = isinstance(exc, TimeoutError)
            why = "TimeoutError" if late else _why(exc)
            if fwd.on_no_answer is not None:
                fwd.on_no_answer(why)
            return _plain(504 if late else 502, f"zstack-contract proxy: {fwd.shown_origin} did not answer {method} {api_path(url)}: {why}")
        try:
            return await self._answer(request, upstream, shown_url, headers, body, started, deadline)
        finally:
            upstream.release()

    async def _send(self, method: str, url: str, headers: list, body: bytes) -> aiohttp.ClientResponse:
        data = body if body or method in ("POST", "PUT", "PATCH") else None
        context = SimpleNamespace(reused=False)
        try:
            return await self.client.request(method, URL(url, encoded=True), headers=headers, data=data, allow_redirects=False,
                                             trace_request_ctx=context)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            if isinstance(exc, aiohttp.ClientConnectorError) or not context.reused or method not in _SAFE:
                raise
        return await self.client.request(method, URL(url, encoded=True), headers=headers, data=data, allow_redirects=False)

    async def _answer(self, request: web.BaseRequest, upstream: aiohttp.ClientResponse, url: str, headers: list, body: bytes,
                      started: float, deadline: float) -> web.StreamResponse:
        fwd, limits = self.fwd, self.fwd.limits
        theirs = CIMultiDict((k.decode("latin-1"), v.decode("latin-1")) for k, v in upstream.raw_headers)
        out = _Passed(status=upstream.status, reason=upstream.reason or "", kept_names={k.lower() for k in theirs})
        for key, value in theirs.items():
            if key.lower() not in HOP_BY_HOP:
                out.headers.add(key, value)
        length = upstream.content_length if "Content-Length" in theirs else None
        bodiless = request.method == "HEAD" or upstream.status in (204, 304) or 100 <= upstream.status < 200
        kept = bytearray()
        complete = whole = True
        try:
            async with asyncio.timeout_at(deadline):
                first = b""
                if upstream.status == 202 and fwd.rewrite and not bodiless:  # read (to a bound) to rewrite the job location
                    first = await _read_up_to(upstream, limits.kept + 1)
                    if len(first) <= limits.kept and upstream.content.at_eof():
                        origin = client_origin(request.headers.get("Host"), request.transport.get_extra_info("sockname")
                                               if request.transport else None) or fwd.public_origin
                        first = rewritten(first, origin) if origin else first
                        length = len(first)
                if length is not None:
                    out.content_length = length
                elif not bodiless and request.version >= (1, 1):
                    out.enable_chunked_encoding()
                await out.prepare(request)
                kept += first[:limits.kept]
                complete = len(first) <= limits.kept
                if first:
                    await out.write(first)
                while piece := await upstream.content.readany():
                    if complete and len(kept) + len(piece) <= limits.kept:
                        kept += piece
                    else:
                        complete = False
                    await out.write(piece)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:  # the target broke off, was late, or the client went
            complete = whole = False
            if not out.prepared:
                late = isinstance(exc, TimeoutError)
                if fwd.on_no_answer is not None:
                    fwd.on_no_answer("TimeoutError" if late else _why(exc))
                return _plain(504 if late else 502,
                              f"zstack-contract proxy: {fwd.shown_origin} did not answer {request.method} {api_path(url)}: "
                              f"{'TimeoutError' if late else _why(exc)}")
        sent_body, sent_text = decode_body(body)
        got_body, got_text = decode_body(bytes(kept))
        answer_headers: dict[str, str] = {}
        for key, value in theirs.items():
            answer_headers[key] = f"{answer_headers[key]}, {value}" if key in answer_headers else value
        request_headers: dict[str, str] = {}
        for key, value in headers:
            request_headers[key] = f"{request_headers[key]}, {value}" if key in request_headers else value
        step = Step(Request(method=request.method, url=url, headers=request_headers, body=sent_body, text=sent_text),
                    Response(status=upstream.status, headers=answer_headers, body=got_body, text=got_text),
                    (time.monotonic() - started) * 1000)
        if upstream.status == 202 or not whole:  # a job's step before its answer's end goes out: its polls come after it
            fwd.on_step(step, complete)
        if not whole:
            upstream.close()
            out.force_close()
            if request.transport is not None:
                request.transport.close()
            return out
        try:
            await out.write_eof()
        except (ConnectionError, OSError):
            pass
        if upstream.status != 202:
            fwd.on_step(step, complete)
        return out


class _Passed(web.StreamResponse):
    """An answer as the target gave it: without the ``Server``, ``Date`` and ``Content-Type``
    that aiohttp adds when they are missing (a node sends no ``Content-Type``). Its head goes out
    with the first bytes of its body (one write, not two: a write to a loopback socket was a third
    of the proxy's time)."""

    _send_headers_immediately = False

    def __init__(self, *, kept_names: set[str], **kwargs):
        super().__init__(**kwargs)
        self._theirs = kept_names

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        for name in _ADDED_BY_AIOHTTP:
            if name.lower() not in self._theirs:
                self.headers.popall(name, None)


async def _request_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The whole body (None when over ``limit``); raises when it breaks off."""
    if request.content_length is not None and request.content_length > limit:
        return None
    out = bytearray()
    while piece := await request.content.readany():
        out += piece
        if len(out) > limit:
            return None
    return bytes(out)


async def _read_up_to(upstream: aiohttp.ClientResponse, size: int) -> bytes:
    out = bytearray()
    while len(out) < size and (piece := await upstream.content.read(size - len(out))):
        out += piece
    return bytes(out)


def _origin_form(target: str) -> str:
    """The path and query of a request target; an absolute-form one (``http://host/path``) loses its host."""
    if target.startswith("/"):
        return target
    parts = urlsplit(target)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _why(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "SSLCertVerificationError"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "RemoteDisconnected"
    if isinstance(exc, aiohttp.ClientConnectorError) and exc.os_error is not None and exc.os_error.strerror:
        return f"{type(exc.os_error).__name__}: {exc.os_error.strerror}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def _plain(status: int, text: str, close: bool = False) -> web.Response:
    answer = web.Response(status=status, text=text + "\n", content_type="text/plain", charset="utf-8")
    if close:
        answer.force_close()
    return answer
