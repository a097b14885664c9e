"""Running the registered checks on an exchange. Importing this module registers the built-in
check families, in the order they run and are listed: the schema first, then the protocol, the
resources, and the checks whose findings callers make (of live tests, probes and pages)."""

from __future__ import annotations

import dataclasses
from typing import Iterable

from ..contract.compiled import Contract
from ..errors import where_raised
from ..facts.oneline import FIELD, one_line
from ..facts.secrets import Redactor
from ..inputs.exchange import Exchange, exchange_secrets
from . import schema  # noqa: F401, I001  (each family registers its checks as it is imported)
from . import protocol  # noqa: F401
from . import resources  # noqa: F401
from . import expected, probe_answers  # noqa: F401
from . import page_samples  # noqa: F401
from . import invariants  # noqa: F401
from .finding import Finding, Severity
from .registry import RECORDED, REGISTRY, Check
from .view import View


def run_checks(exchange: Exchange, contract: Contract, only: Iterable[str] | None = None, *,
               origin: str = RECORDED, strict: bool = False) -> list[Finding]:
    """Every check that applies to an exchange from ``origin`` (or only those named), on it."""
    return check_view(View(exchange, contract, origin, strict), only)


def check_view(view: View, only: Iterable[str] | None = None) -> list[Finding]:
    """The findings of every check that applies to the view (or only those named). A check that
    raises is a finding of that check (:func:`fault`), after those it made before: the exchange is
    still checked by the others and counted, wherever it came from (a file, a live test, a probe,
    the proxy)."""
    plan = REGISTRY.plan(view.origin, view.bare, view.strict)
    if only is not None:
        names = set(only)
        plan = tuple(c for c in plan if c.name in names)
    out: list[Finding] = []
    for c in plan:
        view.check = c
        try:
            for finding in c.run(view):  # one by one: what it made before it raised is kept
                out.append(finding)  # noqa: PERF402
        except Exception as exc:  # noqa: BLE001  (a fault of the check, a user's maybe: one finding, not the run)
            out.append(fault(c, view, exc))
    view.check = None
    return out


def fault(c: Check, view: View, exc: Exception) -> Finding:
    """A check that raised, as one finding of it: the exception's type, message (the exchange's
    secrets masked: a message may quote what the check looked at) and place, never a traceback."""
    redactor = Redactor(set(exchange_secrets(view.exchange)))
    said = one_line(redactor.text(f"{type(exc).__name__}: {exc}"), FIELD)
    finding = c.finding(file=view.exchange.source, api=view.contract.api, pointer="", expected="the check to run to its end",
                        found=f"{said}, raised{where_raised(exc)} (a fault of the check, not of the exchange)")
    # A violation whatever the check's severity: a check that could not judge the exchange must
    # not let the run pass (a baseline entry can accept it, as any finding).
    return dataclasses.replace(finding, severity=Severity.VIOLATION)
