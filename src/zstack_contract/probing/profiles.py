"""Hypothesis profiles of the contract suite: ``dev`` (quick) and ``ci`` (more examples), both
derandomized: the same code sends the same bodies, so two runs give the same verdicts and the same
known findings; ``explore`` (random bodies, Hypothesis' example database: new ones each run, and
the failures found before first), ``live`` (a small budget).

They are set up when hypothesis is imported (its ``hypothesis`` entry point runs :func:`on_import`),
not when pytest starts: a run of suite files without hypothesis tests (a live suite, recorded
checks) with hypothesis' own pytest plugin left out never imports hypothesis, which takes about
half a second. This module imports nothing heavy for that reason.
"""

from __future__ import annotations

import os
import sys

_session_default: str | None = None  # the profile a pytest session with the plugin starts hypothesis with


def start_with(name: str | None) -> None:
    """Have hypothesis start with profile ``name`` (None: its own default): now if it is imported
    already (or will not run its entry points), else as soon as it is."""
    global _session_default
    _session_default = name
    if "hypothesis" in sys.modules or os.environ.get("HYPOTHESIS_NO_PLUGINS"):
        on_import()


def on_import() -> None:
    """Register the profiles, and load the session's default when a pytest session set one."""
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    fixed = dict(derandomize=True, database=None)
    base = settings.get_profile("default")  # not whichever profile is loaded now
    settings.register_profile("dev", base, max_examples=25, **fixed, **common)
    settings.register_profile("ci", base, max_examples=60, **fixed, **common)
    settings.register_profile("explore", base, max_examples=100, **common)
    settings.register_profile("live", base, max_examples=10, **fixed, **common)
    if _session_default:
        settings.load_profile(_session_default)
