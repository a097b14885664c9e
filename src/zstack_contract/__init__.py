"""zstack-contract: executable contracts derived from ZStack REST API reference pages.

Data flows one way, through rooms named after it::

    reference pages --derive--> schemas --contract--> compiled contract
    recordings, HAR --inputs--> exchanges <--live-- a node (or the simulator)
    exchanges + contract --checks--> findings --findings--> run, baseline, drift, coverage
    run --reporting--> JSON, Markdown, console

``check`` (the decorator that registers a check of your own), ``Severity`` and ``Finding`` are
importable from here, and ``replay`` (recorded answers served to code that uses ``requests``);
they load on first use, so ``import zstack_contract`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .checks import Finding, Severity, check
    from .live.replay import replay

__all__ = ["Finding", "Severity", "check", "replay", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("check", "Severity", "Finding"):
        from . import checks

        return getattr(checks, name)
    if name == "replay":
        from .live.replay import replay

        return replay
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
