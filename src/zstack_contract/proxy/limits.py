"""The proxy's deadlines and bounds, one typed object made once from the options of
``zstack-contract proxy`` (docs/proxy.md, "The HTTP engine, deadlines and bounds")."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Seconds and counts; what each bounds is said in :mod:`.forward`."""

    request_timeout: float = 30.0  # a request's head and body, from its first byte
    idle_timeout: float = 60.0  # a kept-alive client connection between requests
    answer_timeout: float = 300.0  # an answer passed whole, from its request going out
    connect_timeout: float = 3.0  # a connection to the target
    max_connections: int = 1000  # client connections held at once
    max_request: int = 64 * MIB  # a request body (413 past it): no client of an API sends one near it
    kept: int = 20 * MIB  # bytes of an answer kept for the checks


DEFAULTS = Limits()
