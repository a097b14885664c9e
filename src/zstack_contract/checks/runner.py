"""Running the registered checks on an exchange. Importing this module registers the built-in
check families, in the order they run and are listed: the schema first, then the protocol, the
resources, and the checks whose findings callers make (of live tests, probes and pages)."""

from __future__ import annotations

from typing import Iterable

from ..contract.compiled import Contract
from ..inputs.exchange import Exchange
from . import schema  # noqa: F401, I001  (each family registers its checks as it is imported)
from . import protocol  # noqa: F401
from . import resources  # noqa: F401
from . import expected, probe_answers  # noqa: F401
from . import page_samples  # noqa: F401
from .finding import Finding
from .registry import RECORDED, REGISTRY
from .view import View


def run_checks(exchange: Exchange, contract: Contract, only: Iterable[str] | None = None, *,
               origin: str = RECORDED, strict: bool = False) -> list[Finding]:
    """Every check that applies to an exchange from ``origin`` (or only those named), on it."""
    return check_view(View(exchange, contract, origin, strict), only)


def check_view(view: View, only: Iterable[str] | None = None) -> list[Finding]:
    plan = REGISTRY.plan(view.origin, view.bare, view.strict)
    if only is not None:
        names = set(only)
        plan = tuple(c for c in plan if c.name in names)
    out: list[Finding] = []
    for c in plan:
        view.check = c
        out.extend(c.run(view))
    view.check = None
    return out
