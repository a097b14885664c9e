"""HTTP for the client: a ``requests`` session whose every request has one deadline for the whole
of it, connection, request and the answer read to its end.

``requests`` bounds each wait for a byte, not the whole answer: a target that sends one byte every
two seconds keeps a request alive for ever. Here the connection pools note which connection each
thread is using (urllib3's pool classes are its extension point for that), and a timer shuts that
connection's socket down when the request's time is up: the read in progress then ends at once,
and the request fails with :class:`PastDeadline`.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Callable, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

T = TypeVar("T")
_LOCK = threading.Lock()
_IN_USE: dict[int, object] = {}  # thread ident -> the connection it is using


class PastDeadline(Exception):
    """The request's time was up before its answer was read to the end."""


class _Noted:
    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        with _LOCK:
            _IN_USE[threading.get_ident()] = conn
        return conn

    def _put_conn(self, conn) -> None:
        with _LOCK:
            if _IN_USE.get(threading.get_ident()) is conn:
                del _IN_USE[threading.get_ident()]
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_Noted, HTTPConnectionPool):
    pass


class _HTTPSPool(_Noted, HTTPSConnectionPool):
    pass


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def http_session(url: str | None = None) -> requests.Session:
    """A ``requests`` session whose connections :func:`within` can cut; given the ``url`` it
    talks to, the environment's settings for it are read once (:func:`settled`)."""
    session = requests.Session()
    adapter = _Adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return settled(session, url) if url else session


def settled(session: requests.Session, url: str) -> requests.Session:
    """``session`` with what requests reads from the environment for every request (the proxies
    for ``url``, the CA bundle) read once instead: reading them walks the whole environment, some
    0.4 ms a request where it is large."""
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = ca_bundle()
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


def ca_bundle() -> str | None:
    """The CA bundle the environment names for HTTPS (as ``requests`` reads it), if any."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def within(seconds: float, send: Callable[[], T]) -> T:
    """``send()`` (one request on a session of :func:`http_session`, its answer read whole), cut
    off after ``seconds``: PastDeadline then."""
    ident = threading.get_ident()
    cut = threading.Event()

    def cut_off() -> None:
        cut.set()
        with _LOCK:
            conn = _IN_USE.get(ident)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # closed already

    timer = threading.Timer(max(0.0, seconds), cut_off)
    timer.daemon = True
    timer.start()
    try:
        result = send()
    except Exception:
        if cut.is_set():
            raise PastDeadline() from None
        raise
    finally:
        timer.cancel()
    if cut.is_set():  # an answer without a length ends where the cut was: it may be short
        raise PastDeadline()
    return result
