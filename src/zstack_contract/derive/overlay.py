"""The reviewed overlay: rules for what pages lack, matched against fields at derivation time."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError

_WHERE_KEYS = {"scope", "table", "table_type", "field", "type"}
_RULE_KEYS = {"id", "where", "schema", "required", "reason"}


@dataclass(frozen=True)
class Rule:
    id: str
    where: dict[str, tuple[str, ...]]
    schema: dict[str, Any]
    required: bool
    reason: str

    def matches(self, *, scope: str, table: str, table_types: frozenset[str], field: str, type_: str) -> bool:
        w = self.where
        if "scope" in w and scope not in w["scope"]:
            return False
        if "table" in w and table not in w["table"]:
            return False
        if "table_type" in w and not table_types.intersection(w["table_type"]):
            return False
        if "field" in w and not any(fnmatch.fnmatchcase(field, g) for g in w["field"]):
            return False
        if "type" in w and type_.lower() not in {t.lower() for t in w["type"]}:
            return False
        return True


@dataclass(frozen=True)
class Overlay:
    source: str
    rules: tuple[Rule, ...]

    def matching(self, **where) -> list[Rule]:
        return [r for r in self.rules if r.matches(**where)]


def default_overlay_path() -> Path:
    return Path(str(resources.files("zstack_contract.derive").joinpath("overlay.toml")))


def load_overlay(path: str | Path | None = None) -> Overlay:
    p = Path(path) if path else default_overlay_path()
    shown = str(path) if path else "zstack_contract/derive/overlay.toml"
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(shown, f"cannot read overlay: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(shown, f"overlay is not valid TOML: {exc}") from None
    rules = []
    ids: set[str] = set()
    for n, raw in enumerate(data.get("rule", []), start=1):
        where = f"rule {n}"
        if not isinstance(raw, dict):
            raise InputError(shown, f"{where}: not a table")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise InputError(shown, f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid:
            raise InputError(shown, f"{where}: needs an id")
        if rid in ids:
            raise InputError(shown, f"{where}: duplicate id {rid!r}")
        ids.add(rid)
        if not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
            raise InputError(shown, f"rule {rid!r}: needs a reason")
        w = raw.get("where", {})
        if not isinstance(w, dict) or set(w) - _WHERE_KEYS:
            raise InputError(shown, f"rule {rid!r}: 'where' keys must be among {', '.join(sorted(_WHERE_KEYS))}")
        schema = raw.get("schema", {})
        if not isinstance(schema, dict):
            raise InputError(shown, f"rule {rid!r}: 'schema' must be a table")
        if not schema and not raw.get("required"):
            raise InputError(shown, f"rule {rid!r}: does nothing (no schema, not required)")
        rules.append(
            Rule(
                id=rid,
                where={k: (v,) if isinstance(v, str) else tuple(v) for k, v in w.items()},
                schema=schema,
                required=bool(raw.get("required", False)),
                reason=raw["reason"].strip(),
            )
        )
    return Overlay(source=shown, rules=tuple(rules))
