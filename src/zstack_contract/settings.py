"""The project's own settings: the ``[tool.zstack-contract]`` table of a ``pyproject.toml``.

Its keys are the options' names without ``--zstack-`` (``url``, ``schemas``, ``baseline``,
``strict``, ``report``, ...), the values as the command line would give them (lists for
repeatable options, true/false for switches). An option given on the command line wins, then
its environment variable, then a pytest ini key (``zstack_url``), then this table.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError

TABLE = "zstack-contract"


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(pyproject: Path | None, known: dict[str, type]) -> dict[str, Any]:
    """The table's values, checked against ``known`` (key -> str, bool or list); an unknown key
    or a value of the wrong type is an InputError naming the file and key."""
    if pyproject is None:
        return {}
    try:
        doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(pyproject), f"cannot read [tool.{TABLE}]: {exc}") from None
    table = doc.get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise InputError(str(pyproject), f"[tool.{TABLE}] must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        kind = known.get(key)
        if kind is None:
            raise InputError(str(pyproject), f"[tool.{TABLE}] has an unknown key {key!r}; keys: {', '.join(sorted(known))}")
        if kind is list and isinstance(value, str):
            value = [value]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # max-time = 600
        if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
            wanted = {str: "a string", bool: "true or false", list: "a list of strings"}[kind]
            raise InputError(str(pyproject), f"[tool.{TABLE}] {key}: expected {wanted}")
        out[key] = value
    return out
