"""The forwarding half of the proxy: an HTTP/1.1 server (the standard library's, a thread per
connection, kept alive) that sends every request on to the target as it came and every answer
back as it came, streaming, while keeping a copy of each for the checks.

What passes unchanged: the method, the path and query, the headers but the hop-by-hop ones (and
``Host``), the body bytes; the answer's status, reason, headers but the hop-by-hop ones, and its
body bytes (a length-delimited body keeps its length; another goes to the client chunked). The one
change: the job ``location`` of a ``202`` names the proxy instead of the target (so that the client
polls through it), unless the proxy was told not to rewrite. A target that cannot be reached, or
that breaks off an answer before its headers, is a ``502`` with one line of text.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

from ..facts.urls import api_path, url_problem
from ..inputs.exchange import Request, Response, Step
from ..inputs.json_reader import decode_body
from ..live.transport import ca_bundle

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
                        "transfer-encoding", "upgrade", "host", "content-length"})
KEPT = 20 * 1024 * 1024  # bytes of a body kept for the checks; a longer one is passed on unchecked
MAX_REQUEST = 64 * 1024 * 1024  # a request body longer than this is refused (413): no client of an API sends one
CHUNK = 64 * 1024
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})


class Forwarder:
    """What the handler threads share: the target and ``on_step(step, complete)``, called with
    every forwarded request and its answer (``complete`` False when a body was too long to keep
    whole or the exchange broke off); ``on_no_answer(reason)``, if given, with every request the
    target did not answer (the client got a ``502``)."""

    def __init__(self, target: str, on_step: Callable[[Step, bool], None], rewrite: bool = True,
                 timeout: tuple[float, float] = (3.0, 300.0), on_no_answer: Callable[[str], None] | None = None):
        problem = url_problem(target)
        parts = urlsplit(target)
        if problem or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--target must be an http(s) URL with a host: {problem or target!r}")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.tls = _tls_context() if parts.scheme == "https" else None
        self.host, self.port = parts.hostname or "", parts.port
        self.on_step = on_step
        self.on_no_answer = on_no_answer
        self.rewrite = rewrite
        self.timeout = timeout
        self.public_origin = ""  # http://host:port of the proxy, set once it listens


class Upstream:
    """The connection to the target of one client connection (whose thread alone uses it), kept
    alive as the client's is: the standard library's ``http.client``, with nothing between (a
    pool and its retries were the largest part of the proxy's cost). Made anew when the target
    has closed it since its last answer, and dropped after an answer that was not read whole."""

    def __init__(self, fwd: Forwarder):
        self.fwd = fwd
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> http.client.HTTPResponse:
        """The target's answer (its head read). A kept-alive connection the target closes just as a
        request goes out is tried once more on a new one, for an idempotent method (RFC 9112 9.3.1)."""
        reused = self._connection()
        try:
            return self._send(method, path, headers, body)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused or method not in _IDEMPOTENT:
                raise
        self._connection()
        return self._send(method, path, headers, body)

    def _send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> http.client.HTTPResponse:
        conn = self.conn
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)  # Host: the target's
            for key, value in headers.items():
                conn.putheader(key, value)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            return conn.getresponse()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> bool:
        """Makes sure of a connection; whether it is one kept from an earlier answer."""
        fwd = self.fwd
        if self.conn is not None and (self.conn.sock is None or _closed_by_peer(self.conn.sock)):
            self.close()
        if self.conn is not None:
            return True
        if fwd.tls is not None:
            self.conn = http.client.HTTPSConnection(fwd.host, fwd.port, timeout=fwd.timeout[0], context=fwd.tls)
        else:
            self.conn = http.client.HTTPConnection(fwd.host, fwd.port, timeout=fwd.timeout[0])
        try:
            self.conn.connect()
            self.conn.sock.settimeout(fwd.timeout[1])  # for each read of an answer
        except BaseException:
            self.close()
            raise
        return False


def _tls_context() -> ssl.SSLContext:
    """One context for every connection to an https target (reading the CAs is its cost): the
    certificates are verified against the CA bundle the environment names for the live client
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``), else the system's."""
    bundle = ca_bundle()
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"the CA bundle the environment names cannot be used: {getattr(exc, 'strerror', None) or exc}") from None


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether a kept-alive connection between answers has something to read: the target's end
    of it (or bytes nobody asked for), so not to be sent on."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "ProxyServer"

    def setup(self) -> None:
        super().setup()
        self.upstream = Upstream(self.server.forwarder)
        # An answer goes out as its head, then its body: without this the body waits for the
        # client's delayed acknowledgement of the head (Nagle's algorithm), some 40 ms an answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.upstream.close()

    def send_response(self, code: int, message: str | None = None) -> None:
        """As the standard library's, without its own ``Server`` and ``Date`` (the target's pass)."""
        self.log_request(code)
        self.send_response_only(code, message)

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (the standard library's name)
        pass

    def do_GET(self) -> None:  # every method is forwarded alike
        self.forward()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def forward(self) -> None:
        fwd = self.server.forwarder
        body = self._request_body()
        if body is None:
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        url = fwd.origin + self.path
        started = time.monotonic()
        try:
            upstream = self.upstream.send(self.command, self.path, headers, body)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            self._plain(502, f"zstack-contract proxy: {fwd.origin} did not answer {self.command} {_path(url)}: {type(exc).__name__}")
            if fwd.on_no_answer is not None:
                fwd.on_no_answer(f"{type(exc).__name__}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else type(exc).__name__)
            return
        if not self._answer(fwd, upstream, url, headers, body, started):
            self.upstream.close()

    def _answer(self, fwd: Forwarder, upstream: http.client.HTTPResponse, url: str, headers: dict, body: bytes, started: float) -> bool:
        """Passes the answer on; False when it was not read whole from the target."""
        out_headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP]
        length = upstream.getheader("Content-Length")
        kept = bytearray()
        complete = whole = True
        try:
            if upstream.status == 202 and fwd.rewrite:  # small: read whole, to rewrite the job location
                data = self._rewritten(fwd, upstream.read())
                kept += data
                self._head(upstream, out_headers + [("Content-Length", str(len(data)))])
                self._write(data)
            else:
                chunked = length is None and self.command != "HEAD" and upstream.status not in (204, 304)
                self._head(upstream, out_headers + ([("Content-Length", length)] if length is not None else [])
                           + ([("Transfer-Encoding", "chunked")] if chunked else []))
                while piece := upstream.read1(CHUNK):
                    if len(kept) + len(piece) <= KEPT:
                        kept += piece
                    else:
                        complete = False
                    self._write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                if chunked:
                    self._write(b"0\r\n\r\n")
            upstream.read()  # nothing left; marks an answer of no body (HEAD, 204, 304) read
        except (http.client.HTTPException, OSError, ValueError):  # the target broke off: so does the answer
            self.close_connection = True
            complete = whole = False
        sent_body, sent_text = decode_body(body)
        got_body, got_text = decode_body(bytes(kept))
        answer_headers: dict[str, str] = {}
        for key, value in upstream.getheaders():
            answer_headers[key] = f"{answer_headers[key]}, {value}" if key in answer_headers else value
        step = Step(Request(method=self.command, url=url, headers=dict(headers), body=sent_body, text=sent_text),
                    Response(status=upstream.status, headers=answer_headers, body=got_body, text=got_text),
                    (time.monotonic() - started) * 1000)
        fwd.on_step(step, complete)
        return whole and upstream.isclosed()

    def _rewritten(self, fwd: Forwarder, data: bytes) -> bytes:
        """The 202 body with its job location naming the proxy; other bytes as they came."""
        try:
            location = json.loads(data).get("location")
        except (ValueError, AttributeError):
            return data
        if not isinstance(location, str) or url_problem(location) or not fwd.public_origin:
            return data
        parts = urlsplit(location)
        ours = fwd.public_origin + parts.path + (f"?{parts.query}" if parts.query else "")
        old = json.dumps(location)[1:-1].encode()
        return data.replace(old, json.dumps(ours)[1:-1].encode(), 1)

    def _request_body(self) -> bytes | None:
        """The request's body (None, answered, when it cannot be read)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._plain(400, "zstack-contract proxy: the Content-Length is not a number")
            return None
        if length > MAX_REQUEST:
            self._plain(413, f"zstack-contract proxy: a request body over {MAX_REQUEST // 2**20} MiB")
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _chunked_body(self) -> bytes | None:
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self._plain(400, "zstack-contract proxy: a chunk size is not hexadecimal")
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return bytes(out)
            if len(out) + size > MAX_REQUEST:
                self._plain(413, f"zstack-contract proxy: a request body over {MAX_REQUEST // 2**20} MiB")
                return None
            out += self.rfile.read(size)
            self.rfile.readline(16)

    def _head(self, upstream: http.client.HTTPResponse, headers: list[tuple[str, str]]) -> None:
        self.send_response(upstream.status, upstream.reason or "")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()

    def _write(self, data: bytes) -> None:
        if self.command != "HEAD":
            self.wfile.write(data)

    def _plain(self, status: int, text: str) -> None:
        data = (text + "\n").encode("utf-8")
        self.send_response(status, "")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._write(data)
        self.close_connection = status != 502  # the target went away; the client's connection may stay


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True  # a client that keeps its connection open does not hold the proxy at exit
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], forwarder: Forwarder):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, Handler)
        self.forwarder = forwarder
        host, port = self.server_address[:2]
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        forwarder.public_origin = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up is not news


def _path(url: str) -> str:
    try:
        return api_path(url)
    except ValueError:
        return "(a URL that cannot be read)"
