"""JSON Pointers (RFC 6901), as findings, baselines and OpenAPI references write them."""

from __future__ import annotations

from typing import Iterable


def escape_pointer(parts: Iterable[object]) -> str:
    """``["inventory", "vmNics", 0]`` -> ``/inventory/vmNics/0`` (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
