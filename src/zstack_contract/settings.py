"""The project's own settings: the ``[tool.zstack-contract]`` table of a ``pyproject.toml``, read
once into a :class:`Settings`.

Its keys are the pytest suite's options without ``--zstack-`` (``url``, ``schemas``, ``baseline``,
``strict``, ``report``, ...), the values as the command line would give them (lists for
repeatable options, true/false for switches; a number may stand for a string; a relative path is
relative to the pyproject.toml's folder, wherever the command runs). Every command
takes its defaults from it: an option given on the command line wins, then its environment
variable where the command reads one, then (pytest only) a pytest ini key (``zstack_url``), then
this table. ``docs/settings.md`` says which command reads which key.

Secrets (a session, a password) never come from a file of the project: a key that names one is
refused, naming the environment variable to use instead.
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import InputError

TABLE = "zstack-contract"
ENV_PREFIX = "ZSTACK_"
PATH_KEYS = frozenset({"recordings", "schemas", "baseline", "report", "replay", "record"})  # relative to the pyproject.toml's folder
SECRET_KEYS = ("session", "password")  # options that take a secret: the command line or the environment only
# Words of a key that names a secret; one naming a password is pointed at ZSTACK_PASSWORD, any
# other (a token, a session, a credential) at ZSTACK_SESSION, the protocol's one bearer secret.
_SECRET_WORDS = ("password", "passwd", "pwd", "secret", "session", "token", "credential", "authorization", "oauth", "cookie")
_PASSWORD_WORDS = ("pass", "pwd")


def env_var(key: str) -> str:
    """The environment variable of a setting: ``max-time`` -> ``ZSTACK_MAX_TIME``."""
    return ENV_PREFIX + key.upper().replace("-", "_")


@dataclass(frozen=True)
class Settings:
    """The ``[tool.zstack-contract]`` table, each key an attribute (``max-time`` is ``max_time``);
    None where the table does not set it. ``source``: the file read, None when there was none."""

    source: Path | None = None
    url: str | None = None
    recordings: str | None = None
    schemas: str | None = None
    release: str | None = None
    strict: bool | None = None
    baseline: str | None = None
    report: str | None = None
    replay: str | None = None
    account: str | None = None
    vm: str | None = None
    allow_destructive: bool | None = None
    timeout: str | None = None
    record: str | None = None
    max_requests: str | None = None
    rate: str | None = None
    max_time: str | None = None
    api: tuple[str, ...] | None = None
    case: tuple[str, ...] | None = None
    scenario_examples: str | None = None
    scenario_steps: str | None = None

    def get(self, key: str) -> Any:
        """The value of a table key (``max-time``), None when not set; a list for a repeatable one."""
        value = getattr(self, key.replace("-", "_"))
        return list(value) if isinstance(value, tuple) else value


def _kinds() -> dict[str, type]:
    """Each key of the table and the type of its value (str, bool, or list of strings)."""
    hints = typing.get_type_hints(Settings)
    out = {}
    for f in fields(Settings):
        if f.name == "source":
            continue
        (kind,) = (a for a in typing.get_args(hints[f.name]) if a is not type(None))
        out[f.name.replace("_", "-")] = list if typing.get_origin(kind) is tuple else kind
    return out


KEYS: dict[str, type] = _kinds()


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_settings(start: Path) -> Settings:
    """The settings of the project ``start`` is in (its nearest pyproject.toml); InputError, one
    line naming the file, line and key, when the table cannot be used."""
    return load_settings(find_pyproject(start))


def load_settings(pyproject: Path | None) -> Settings:
    """The table of ``pyproject`` (no file: no settings). An unknown key, a secret, or a value of
    the wrong type is an InputError naming the file, the key's line and the key."""
    if pyproject is None:
        return Settings()
    try:
        text = pyproject.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(pyproject), f"cannot read [tool.{TABLE}]: {exc}") from None
    table = doc.get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise InputError(str(pyproject), f"[tool.{TABLE}] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        def problem(message: str, key: str = key) -> InputError:
            line = _line_of(text, key)
            return InputError(f"{pyproject}:{line}" if line else str(pyproject), f"[tool.{TABLE}] {key}: {message}")

        kind = KEYS.get(key)
        if kind is None:
            variable = _secret_variable(key)
            if variable:
                raise problem(f"a secret does not belong in pyproject.toml; use the environment variable {variable}")
            raise problem(f"unknown key; keys: {', '.join(sorted(KEYS))}")
        if kind is list and isinstance(value, str):
            value = [value]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # max-time = 600
        if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
            raise problem(f"expected {({str: 'a string', bool: 'true or false', list: 'a list of strings'})[kind]}")
        if key in PATH_KEYS:
            value = _from(pyproject.parent, value)
        values[key.replace("-", "_")] = tuple(value) if kind is list else value
    return Settings(source=pyproject, **values)


def _from(project: Path, path: str) -> str:
    """A path of the table, relative to the project's folder, as seen from the working directory."""
    if Path(path).is_absolute():
        return path
    try:
        return os.path.normpath(os.path.join(os.path.relpath(project), path))
    except ValueError:  # another drive
        return str(project / path)


def _secret_variable(key: str) -> str | None:
    """The environment variable a key that names a secret should be, or None for another key."""
    k = key.lower()
    if k in SECRET_KEYS:
        return env_var(k)
    if not any(word in k for word in _SECRET_WORDS):
        return None
    return env_var("password") if any(word in k for word in _PASSWORD_WORDS) else env_var("session")


def _line_of(text: str, key: str) -> int | None:
    """The line of the table's ``key = ...`` (or of a dotted ``[tool.zstack-contract.key]``), if found."""
    quoted = re.escape(key)
    assignment = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*[=.]""")
    header = re.compile(r"^\s*\[\s*tool\s*\.\s*(?:zstack-contract|\"zstack-contract\")\s*(\.\s*(.+?))?\s*\]")
    inside = False
    for n, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            if found.group(2) and found.group(2).strip("\"' ") == key:
                return n
            inside = not found.group(1)
        elif line.lstrip().startswith("["):
            inside = False
        elif inside and assignment.match(line):
            return n
    return None
