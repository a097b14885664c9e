"""The contract room: derived schemas loaded (:mod:`.loading`) and compiled once into one object
per API (:mod:`.compiled`), with the routes that name an exchange's API (:mod:`.routes`), the
documented places the checks walk (:mod:`.places`), and python-jsonschema's explanations of a
rejected body (:mod:`.explain`). :mod:`.format` is the schema format derive writes.

``Contract``, ``ContractSet`` and ``load_contracts`` are importable from here; they are loaded
when first asked for, so that derive can read :mod:`.format` without the validators' import cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import Contract, ContractSet
    from .loading import load_contracts

__all__ = ["Contract", "ContractSet", "load_contracts"]


def __getattr__(name: str) -> Any:
    if name in ("Contract", "ContractSet"):
        from . import compiled

        return getattr(compiled, name)
    if name == "load_contracts":
        from .loading import load_contracts

        return load_contracts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
