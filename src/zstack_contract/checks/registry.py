"""The one registry of every check: its name, a one-line summary, its severity, and the inputs it
applies to. Every finding names a check of this registry.

Most checks look at an exchange (a :class:`~.view.View` of it) and are run by
:func:`~.runner.run_checks` on every exchange of the inputs they apply to. A few are reported by
whoever holds the knowledge they need (``expected-answer``: a live test's expectations; the probe
checks: the kind of body a probe sent): they are registered with no function, so that their
names, summaries and severities stand here with the others.

:func:`check` is the public decorator: a check of your own, registered from a ``conftest.py`` or
a plugin module, runs on recorded, live and probed exchanges alike.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError
from .finding import Finding, Severity

CheckFunction = Callable[[Any], Iterable[Finding]]  # takes a View (checks.view), yields findings

RECORDED, LIVE, PROBE, PAGE = "recorded", "live", "probe", "page"
INPUTS = frozenset({RECORDED, LIVE, PROBE, PAGE})  # what is checked: files, live tests, probes, reference pages


@dataclass(frozen=True)
class Check:
    name: str
    summary: str
    severity: Severity
    applies_to: frozenset[str]  # of INPUTS
    run: CheckFunction | None = None  # None: reported by a caller, not run on exchanges
    needs_http: bool = False  # looks only at statuses or the request: a bare body gives it nothing to check
    strict_only: bool = False  # runs only in strict runs (--strict / --zstack-strict)

    def finding(self, *, file: str, pointer: str, expected: str, found: str, api: str | None = None,
                step: int | None = None, rule: str | None = None, overlay: tuple[str, ...] = ()) -> Finding:
        """A finding of this check, with its name and severity."""
        return Finding(check=self.name, file=file, pointer=pointer, expected=expected, found=found, api=api,
                       step=step, rule=rule, overlay=overlay, severity=self.severity)


class Registry:
    """Checks by name, in the order they were registered (the order they run in)."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._plans: dict[tuple[str, bool, bool], tuple[Check, ...]] = {}

    def add(self, check: Check) -> Check:
        if check.name in self._checks:
            raise ValueError(f"a check named {check.name!r} is registered already")
        if not check.applies_to or not check.applies_to <= INPUTS:
            raise ValueError(f"check {check.name!r}: applies_to must be among {', '.join(sorted(INPUTS))}")
        self._checks[check.name] = check
        self._plans.clear()
        return check

    def remove(self, name: str) -> None:
        """Unregister a check (a test's own, say)."""
        self._checks.pop(name, None)
        self._plans.clear()

    def __getitem__(self, name: str) -> Check:
        try:
            return self._checks[name]
        except KeyError:
            raise KeyError(f"no check named {name!r}; registered: {', '.join(self._checks)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    def __iter__(self) -> Iterator[Check]:
        return iter(list(self._checks.values()))

    def __len__(self) -> int:
        return len(self._checks)

    def plan(self, origin: str, bare: bool, strict: bool) -> tuple[Check, ...]:
        """The checks to run on an exchange from ``origin``; ``bare``: a body without its request and status."""
        key = (origin, bare, strict)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = tuple(
                c for c in self._checks.values()
                if c.run is not None and origin in c.applies_to and not (bare and c.needs_http) and (strict or not c.strict_only)
            )
        return plan


REGISTRY = Registry()


def check(name: str, summary: str, *, severity: Severity = Severity.VIOLATION, applies_to: Iterable[str] = INPUTS,
          needs_http: bool = False, strict_only: bool = False):
    """Register the decorated function as a check: it takes a :class:`~.view.View` and yields
    findings made with ``view.finding(...)``.

    ``applies_to``: the inputs whose exchanges it runs on (``recorded``, ``live``, ``probe``);
    ``needs_http``: it looks at statuses or the request, which a bare recorded body lacks."""

    def register(fn: CheckFunction) -> CheckFunction:
        REGISTRY.add(Check(name, summary, Severity(severity), frozenset(applies_to), fn, needs_http, strict_only))
        return fn

    return register


def reported(name: str, summary: str, *, severity: Severity = Severity.VIOLATION, applies_to: Iterable[str]) -> Check:
    """Register a check whose findings a caller makes (with :meth:`Check.finding`)."""
    return REGISTRY.add(Check(name, summary, Severity(severity), frozenset(applies_to)))


def load_plugin(name: str) -> None:
    """Import a module that registers checks of its own: a ``.py`` file, or a module importable
    from the current directory or the environment. Anything that goes wrong is one InputError."""
    shown = f"--plugin {name}"
    try:
        if name.endswith(".py"):
            path = Path(name)
            spec = importlib.util.spec_from_file_location(f"zstack_contract_plugin_{path.stem}", path)
            if spec is None or spec.loader is None or not path.is_file():
                raise ImportError(f"no such file {name}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            importlib.import_module(name)
    except Exception as exc:  # a user's module: whatever it raises is reported in one line
        raise InputError(shown, f"cannot import: {type(exc).__name__}: {exc}") from None
