"""The node's HTTP layer: Tomcat's connector in front of the servlet, played on werkzeug's threaded
server (a thread per connection).

- Connections are kept alive (HTTP/1.1) until the client closes them, after 100 requests
  (``maxKeepAliveRequests``; the last answer says ``Connection: close``), or when a request does
  not arrive whole, head and body, within ``connection_timeout`` (Tomcat's ``connectionTimeout``,
  20 s) of the connection being ready for it: an idle connection is closed quietly, a slow sender
  is dropped (nothing answered). The deadline bounds the whole request, not each read, so a client
  sending a byte every few seconds cannot hold a thread for longer.
- A request the connector cannot parse (a bad request line or header line, a request line over
  64 KiB, a character outside printable ASCII in it, a bad ``Content-Length``, a bad chunked body)
  is answered by the connector with Tomcat's HTML error report, ``400`` (``505`` for an HTTP
  version it does not speak, ``501`` for a transfer coding other than ``chunked``), and the
  connection is closed. A client that closes in the middle of a request gets nothing.
- A body over ``max_body`` is never read whole: a ``Content-Length`` over it is refused before the
  body is read (no ``100 Continue``), a chunked body is read up to the limit and one byte. The
  servlet answers ``413`` in plain text and the connection is closed, after at most 2 MiB of what
  the client still sends is read and dropped (Tomcat's ``maxSwallowSize``), so the client reads
  the answer rather than a reset.
- No ``Server`` header; no reason phrase after the status (Tomcat 8.5 and later), or the RFC's
  (``reason_phrases``, an older Tomcat).

Each of these is one line for the node's log, never a traceback.
"""

from __future__ import annotations

import io
import math
import re
import socket
import time
from http import HTTPStatus
from typing import Any, Protocol

from werkzeug.serving import DechunkedInput, WSGIRequestHandler

from .connections import Connections, DeadlineReader

KEEP_ALIVE_REQUESTS = 100  # Tomcat's maxKeepAliveRequests
CONNECTION_TIMEOUT = 20.0  # Tomcat's connectionTimeout, seconds
MAX_BODY = 8 * 1024 * 1024  # bytes
MAX_LINE = 65536  # the longest request line or header line read (http.server's limit)
MAX_HEADERS = 100  # Tomcat's maxHeaderCount
SWALLOW_BYTES = 2 * 1024 * 1024  # Tomcat's maxSwallowSize: what is read and dropped before closing
SWALLOW_SECONDS = 2.0
_NOT_IN_LINE = re.compile(rb"[^\x20-\x7e\t]")  # Tomcat refuses control characters and non-ASCII bytes
_DIGITS = re.compile(r"[0-9]+")
_DESCRIPTIONS = {
    400: "The server cannot or will not process the request due to something that is perceived to be a client error "
         "(e.g., malformed request syntax, invalid request message framing, or deceptive request routing).",
    500: "The server encountered an unexpected condition that prevented it from fulfilling the request.",
    501: "The server does not support the functionality required to fulfill the request.",
    505: "The server does not support, or refuses to support, the major version of HTTP that was used in the request message.",
}


class Endpoint(Protocol):
    """What the connector needs of the node it serves for (the :class:`~.server.Simulator`)."""

    reason_phrases: bool
    connection_timeout: float
    max_body: int
    connections: Connections

    def note(self, line: str) -> None:
        """One line for the log, if there is one."""


def status_line(code: int, reason_phrases: bool) -> str:
    """``503`` with no reason phrase (Tomcat 8.5 and later), or ``503 Service Unavailable``."""
    phrase = HTTPStatus(code).phrase if reason_phrases and code in HTTPStatus._value2member_map_ else ""
    return f"{code} {phrase}"


def error_report(code: int) -> bytes:
    """Tomcat's HTML error report for a status the connector answers by itself."""
    title = f"HTTP Status {code} \u2013 {HTTPStatus(code).phrase}"
    return (f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><h1>{title}</h1>'
            f'<hr class="line" /><p><b>Type</b> Status Report</p><p><b>Description</b> {_DESCRIPTIONS[code]}</p>'
            f'<hr class="line" /><h3>Apache Tomcat</h3></body></html>').encode()


def check_limits(connection_timeout: float, max_body: int) -> None:
    """ValueError unless the connector's settings are usable."""
    if isinstance(connection_timeout, bool) or not isinstance(connection_timeout, (int, float)) \
            or not math.isfinite(connection_timeout) or connection_timeout <= 0:
        raise ValueError(f"connection_timeout must be a finite positive number of seconds, got {connection_timeout}")
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
        raise ValueError(f"max_body must be a whole number of bytes, 0 or more, got {max_body}")


class Dropped(Exception):
    """The request cannot be answered: close the connection (the message is for the log)."""


class Refused(Exception):
    """The connector answers this status itself, and closes the connection."""

    def __init__(self, code: int, why: str):
        super().__init__(why)
        self.code, self.why = code, why


class Handler(WSGIRequestHandler):
    """One connection: requests read as Tomcat's connector reads them, each handed to the app
    with its body read whole (``wsgi.input`` is that body), each answer written whole."""

    protocol_version = "HTTP/1.1"
    server: Any  # the werkzeug server, with ``endpoint`` set

    def setup(self) -> None:
        super().setup()
        # Tomcat's tcpNoDelay: without it an answer's body waits for the ACK of its headers
        # (Nagle's algorithm against the client's delayed ACK: some 40 ms an answer).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.endpoint: Endpoint = self.server.endpoint
        self.rfile.close()  # the socket's own reader: replaced by one that keeps the deadline
        self.input = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self.input)
        self.served = 0
        self.endpoint.connections.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.endpoint.connections.closed(self.connection)

    def handle(self) -> None:
        self.close_connection = False
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        self.close_connection = True
        self.input.deadline = time.monotonic() + self.endpoint.connection_timeout
        before = self.input.received
        self.answering = False
        try:
            self.read_head()
            if self.command is None:
                return  # closed between requests
            self.run_wsgi()
            self.served += 1
        except Refused as refused:
            self.close_connection = True
            self.refuse(refused.code, refused.why)
        except Dropped as dropped:
            self.close_connection = True
            self.note(f"({dropped}) dropped")
        except TimeoutError:
            self.close_connection = True
            if not self.answering and self.input.received > before:  # else idle: closed quietly
                self.note(f"(request not received whole within {self.endpoint.connection_timeout:g} s) dropped")
        except OSError:
            self.close_connection = True  # the client went away (a reset, a broken pipe): nothing to tell

    def note(self, line: str) -> None:
        if not self.endpoint.connections.closing:  # stopping ends every connection: no news
            self.endpoint.note(line)

    def read_head(self) -> None:
        """The request line and headers, checked as Tomcat's connector checks them."""
        self.command = None
        line = self.rfile.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # Tomcat skips empty lines before a request line
            line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return
        self.request_version = "HTTP/1.1"  # what an answer to a line that cannot be parsed says
        if len(line) > MAX_LINE:
            raise Refused(400, "request line over 64 KiB")
        if not line.endswith(b"\n"):
            raise Dropped("closed in the middle of the request line")
        if _NOT_IN_LINE.search(line.rstrip(b"\r\n")):
            raise Refused(400, "a character outside printable ASCII in the request line")
        self.raw_requestline = line
        head = []  # the header lines, read here so that a head cut short is never taken for a whole one
        while not head or head[-1] not in (b"\r\n", b"\n"):
            header = self.rfile.readline(MAX_LINE + 1)
            if len(header) > MAX_LINE:
                raise Refused(400, "a header line over 64 KiB")
            if not header.endswith(b"\n"):
                raise Dropped("closed in the middle of the request head")
            if len(head) > MAX_HEADERS:
                raise Refused(400, f"over {MAX_HEADERS} header lines")
            head.append(header)
        self.refusal: Refused | None = None
        connection, self.rfile = self.rfile, io.BytesIO(b"".join(head))
        try:
            parsed = self.parse_request()
        finally:
            self.rfile = connection
        if not parsed:
            raise self.refusal or Refused(400, "an invalid request line")
        if self.headers.defects or self.headers.get_payload():
            raise Refused(400, "a header line that is not a header")
        lengths = {v.strip(" \t") for v in self.headers.get_all("Content-Length") or ()}
        if lengths and (len(lengths) > 1 or not _DIGITS.fullmatch(next(iter(lengths)))):
            raise Refused(400, "an invalid Content-Length")
        codings = [c.strip(" \t").lower() for v in self.headers.get_all("Transfer-Encoding") or () for c in v.split(",")]
        if codings and codings != ["chunked"]:
            raise Refused(501, "a transfer coding other than chunked")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's parser found the request line or headers unusable: kept for :meth:`read_head`."""
        self.refusal = Refused(505, "an HTTP version the node does not speak") if code == 505 else Refused(400, "an invalid request line")

    def handle_expect_100(self) -> bool:
        return True  # 100 Continue is sent only when the body is to be read (read_body)

    def read_body(self) -> bytes | None:
        """The request's body, or None when it is over ``max_body`` (what was read of it is dropped)."""
        limit = self.endpoint.max_body
        chunked = "Transfer-Encoding" in self.headers
        length = 0 if chunked else int(self.headers.get("Content-Length") or 0)
        if length > limit:
            return None
        if self.request_version not in ("HTTP/0.9", "HTTP/1.0") and self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(f"HTTP/1.1 {status_line(100, self.endpoint.reason_phrases)}\r\n\r\n".encode())
        if not chunked:
            body = self.rfile.read(length)
            if len(body) < length:
                raise Dropped("closed in the middle of the body")
            return body
        pieces, size, chunks = [], 0, DechunkedInput(self.rfile)
        while True:
            try:
                piece = chunks.read(min(65536, limit + 1 - size))
            except (TimeoutError, ConnectionError):
                raise
            except OSError:
                raise Refused(400, "an invalid chunked body") from None
            if not piece:
                return b"".join(pieces)
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                return None

    def run_wsgi(self) -> None:
        """One request through the app, its answer written whole. werkzeug's own runner closes
        every connection and, after answering, reads away whatever the client sent next (the next
        request of a kept-alive connection)."""
        try:
            self.environ = environ = self.make_environ()
        except ValueError:  # a request target urlsplit cannot read (http://[)
            raise Refused(400, "an invalid request target") from None
        body = self.read_body()
        environ["wsgi.input"] = io.BytesIO(body or b"")
        environ["wsgi.input_terminated"] = True
        environ["zstack.body_refused"] = body is None
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return lambda data: None

        self.answering = True
        self.connection.settimeout(self.endpoint.connection_timeout)  # for writing the answer
        try:
            answer = b"".join(self.server.app(environ, start_response))
        except Exception as exc:  # the servlet's own failures are its answers: this is a bug, still not a crash
            self.note(f"({type(exc).__name__} in the simulator) 500")
            started[:] = [status_line(500, self.endpoint.reason_phrases), [("Content-Type", "text/html;charset=utf-8")]]
            answer = error_report(500)
            environ["zstack.close"] = True
        status, headers = started
        code, _, phrase = status.partition(" ")
        self.send_response_only(int(code), phrase)
        self.send_header("Date", self.date_time_string())
        for key, value in headers:
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        closing = environ.get("zstack.close") or body is None
        if closing or self.served + 1 >= KEEP_ALIVE_REQUESTS:  # Tomcat says so on the last one
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)
        self.wfile.flush()
        if body is None:
            self.swallow()

    def refuse(self, code: int, why: str) -> None:
        """The connector's own answer (Tomcat's error report), then the connection is closed."""
        self.close_connection = True
        page = error_report(code)
        head = (f"HTTP/1.1 {status_line(code, self.endpoint.reason_phrases)}\r\nContent-Type: text/html;charset=utf-8\r\n"
                f"Content-Language: en\r\nContent-Length: {len(page)}\r\nDate: {self.date_time_string()}\r\n"
                f"Connection: close\r\n\r\n").encode()
        self.note(f"({why}) {code}")
        try:
            self.connection.settimeout(self.endpoint.connection_timeout)
            self.wfile.write(head + page)
            self.swallow()
        except OSError:
            pass

    def swallow(self) -> None:
        """Read and drop at most :data:`SWALLOW_BYTES` of what the client still sends, for at most
        :data:`SWALLOW_SECONDS`, so that closing with unread input does not reset the connection
        before the client has read the answer."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.input.deadline = time.monotonic() + SWALLOW_SECONDS
            left = SWALLOW_BYTES
            while left > 0:
                got = len(self.rfile.read1(min(65536, left)))
                if not got:
                    return
                left -= got
        except OSError:
            pass

    def send_response(self, code: int, message: str | None = None) -> None:
        """As http.server's, without its ``Server`` header."""
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

