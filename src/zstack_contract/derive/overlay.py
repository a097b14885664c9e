"""The reviewed overlay: what the pages lack, each entry with an id and a reason.

Five kinds of entry (``overlay.toml`` documents their keys):

- ``[[rule]]``: changes fields a page has (a pattern, an enum, always present), matched by ``where``;
- ``[[field]]``: fields the pages lack, added to the tables ``where`` matches (the query
  parameters and a query reply's ``total``, say); given by page type names, as a page gives them;
- ``[[table]]``: a table a page refers to and lacks (the ``error`` of an API that answers ``{}``);
- ``[[page-defect]]``: a known disagreement of a page with itself, settled with a reason (its
  ``page-sample`` finding is reported as known, not as a warning);
- ``[[api]]``: what a node does for named APIs that no page says: whether the API succeeds on a
  resource uuid that names nothing (the server's ``successIfResourceNotExisting``), whether its
  result class has no fields (it answers ``{}`` whatever a page shows), whether it answers ``{}``
  when its fields are null (nothing set: a node leaves nulls out), and which of its uuid
  parameters the node never looks up (an ``@APIParam`` with no ``resourceType``), the resource
  type a uuid parameter names where its name cannot say (its ``resourceType``), and what its
  work does to the resource its path names where the rule of its kind is not it (a delete that
  keeps it in another state, an action that removes it or changes its state, the states it needs).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from .page import Field

_WHERE_KEYS = {"scope", "kind", "table", "table_type", "field", "type"}
_KEYS = {
    "rule": {"id", "where", "schema", "required", "reason"},
    "field": {"id", "where", "location", "fields", "reason"},
    "table": {"id", "name", "fields", "reason"},
    "page-defect": {"id", "api", "check", "path", "reason"},
    "api": {"id", "api", "missing-resource", "empty-result", "empty-when-unset", "unchecked", "names", "sets-state", "moves", "removes",
            "needs-state", "works-in", "reason"},
}
MISSING_RESOURCE = ("success", "error")
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")  # a resource type: VmInstance, L3Network


@dataclass(frozen=True)
class Where:
    """Which fields or tables an entry is for; every key given must match, a list means any of."""

    keys: dict[str, tuple[str, ...]]

    def matches(self, *, scope: str, kind: str, table: str, table_types: frozenset[str] = frozenset(),
                field: str | None = None, type_: str | None = None) -> bool:
        w = self.keys
        if "scope" in w and scope not in w["scope"]:
            return False
        if "kind" in w and kind not in w["kind"]:
            return False
        if "table" in w and table not in w["table"]:
            return False
        if "table_type" in w and not table_types.intersection(w["table_type"]):
            return False
        if "field" in w and (field is None or not any(fnmatch.fnmatchcase(field, g) for g in w["field"])):
            return False
        if "type" in w and (type_ is None or type_.lower() not in {t.lower() for t in w["type"]}):
            return False
        return True


@dataclass(frozen=True)
class Rule:
    id: str
    where: Where
    schema: dict[str, Any]
    required: bool
    reason: str


@dataclass(frozen=True)
class Addition:
    """Fields the pages lack, added to the tables ``where`` matches (``[[field]]``)."""

    id: str
    where: Where
    fields: tuple[Field, ...]
    reason: str


@dataclass(frozen=True)
class Provided:
    """A table a page refers to and lacks (``[[table]]``)."""

    id: str
    name: str
    fields: tuple[Field, ...]
    reason: str


@dataclass(frozen=True)
class PageDefect:
    id: str
    api: str
    check: str
    path: str  # a finding's path: its pointer with array indices as *
    reason: str


@dataclass(frozen=True)
class ApiFact:
    """What a node does for the APIs ``apis`` (globs) matches (``[[api]]``)."""

    id: str
    apis: tuple[str, ...]
    missing_resource: str | None  # "success" or "error"; None: the entry does not say
    reason: str
    empty_result: bool = False  # its result class has no fields: a success is {}
    empty_when_unset: bool = False  # its fields are null when nothing was set: a success may be {}
    unchecked: tuple[str, ...] = ()  # uuid parameters the node does not look up (no SYS.1003 for them)
    sets_state: str | None = None  # its work sets the resource's ``state`` to this (a delete that does keeps it)
    moves: tuple[tuple[str, str], ...] = ()  # (field, to): a field's value moves to another, and the field becomes null
    removes: bool = False  # its work removes the resource its path names (an action, such as an expunge)
    needs_state: tuple[str, ...] = ()  # the states the resource must be in, else SYS.1006 before any work
    works_in: tuple[str, ...] = ()  # the states its work succeeds in; in another the work itself fails (no check before it)
    names: tuple[tuple[str, str], ...] = ()  # (uuid parameter, the resource type it names) where its name cannot say

    @property
    def changes(self) -> bool:
        """Whether it says what the work does to the resource."""
        return bool(self.sets_state or self.moves or self.removes or self.needs_state or self.works_in)

    @property
    def names_only(self) -> bool:
        """Whether it says only what uuid parameters name (it reaches only requests that have one)."""
        return bool(self.names) and self.missing_resource is None and not (self.empty_result or self.empty_when_unset
                                                                           or self.unchecked or self.changes)

    def matches(self, api: str) -> bool:
        return any(fnmatch.fnmatchcase(api, g) for g in self.apis)


@dataclass(frozen=True)
class Overlay:
    source: str
    rules: tuple[Rule, ...] = ()
    additions: tuple[Addition, ...] = ()
    tables: tuple[Provided, ...] = ()
    defects: tuple[PageDefect, ...] = ()
    api_facts: tuple[ApiFact, ...] = ()

    def matching(self, **where) -> list[Rule]:
        return [r for r in self.rules if r.where.matches(**where)]

    def added(self, *, scope: str, kind: str, table: str) -> list[Addition]:
        return [a for a in self.additions if a.where.matches(scope=scope, kind=kind, table=table)]

    def table(self, name: str) -> Provided | None:
        return next((t for t in self.tables if t.name == name), None)

    def defect(self, api: str, check: str, path: str) -> PageDefect | None:
        return next((d for d in self.defects if (d.api, d.check, d.path) == (api, check, path)), None)

    def api_fact(self, api: str) -> ApiFact | None:
        """The first ``[[api]]`` entry for ``api`` that says what a missing resource gets."""
        return next((f for f in self.api_facts if f.matches(api) and f.missing_resource is not None), None)

    def api_facts_of(self, api: str) -> list[ApiFact]:
        """Every ``[[api]]`` entry for ``api``, in the file's order."""
        return [f for f in self.api_facts if f.matches(api)]


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
    unknown = set(data) - set(_KEYS)
    if unknown:
        raise InputError(shown, f"unknown entry kind(s) {', '.join(sorted(unknown))}; kinds: {', '.join(_KEYS)}")
    entries: dict[str, list] = {kind: [] for kind in _KEYS}
    ids: set[str] = set()
    for kind in _KEYS:
        for n, raw in enumerate(data.get(kind, []), start=1):
            entries[kind].append(_entry(kind, n, raw, ids, shown))
    return Overlay(shown, tuple(entries["rule"]), tuple(entries["field"]), tuple(entries["table"]), tuple(entries["page-defect"]),
                   tuple(entries["api"]))


def _entry(kind: str, n: int, raw: Any, ids: set[str], shown: str):
    if not isinstance(raw, dict):
        raise InputError(shown, f"{kind} {n}: not a table")
    unknown = set(raw) - _KEYS[kind]
    if unknown:
        raise InputError(shown, f"{kind} {n}: unknown key(s) {', '.join(sorted(unknown))}")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        raise InputError(shown, f"{kind} {n}: needs an id")
    if rid in ids:
        raise InputError(shown, f"{kind} {n}: duplicate id {rid!r}")
    ids.add(rid)
    if not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
        raise InputError(shown, f"{kind} {rid!r}: needs a reason")
    reason = raw["reason"].strip()
    if kind == "page-defect":
        for key in ("api", "path"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise InputError(shown, f"page-defect {rid!r}: needs {key!r}")
        return PageDefect(rid, raw["api"], str(raw.get("check", "page-sample")), raw["path"], reason)
    if kind == "api":
        apis = raw.get("api")
        apis = (apis,) if isinstance(apis, str) else apis
        if not isinstance(apis, (list, tuple)) or not apis or not all(isinstance(a, str) and a for a in apis):
            raise InputError(shown, f"api {rid!r}: 'api' must name an API (a glob) or a list of them")
        if raw.get("missing-resource") not in (*MISSING_RESOURCE, None):
            raise InputError(shown, f"api {rid!r}: 'missing-resource' must be one of {', '.join(MISSING_RESOURCE)}")
        for key in ("empty-result", "empty-when-unset"):
            if not isinstance(raw.get(key, False), bool):
                raise InputError(shown, f"api {rid!r}: '{key}' must be true or false")
        unchecked = raw.get("unchecked", [])
        if not isinstance(unchecked, list) or not all(isinstance(u, str) and u for u in unchecked):
            raise InputError(shown, f"api {rid!r}: 'unchecked' must be a list of parameter names")
        sets_state = raw.get("sets-state")
        if sets_state is not None and (not isinstance(sets_state, str) or not sets_state):
            raise InputError(shown, f"api {rid!r}: 'sets-state' must be a state's name")
        moves = raw.get("moves", {})
        if not isinstance(moves, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in moves.items()):
            raise InputError(shown, f"api {rid!r}: 'moves' must map a field to the field its value moves to")
        if not isinstance(raw.get("removes", False), bool):
            raise InputError(shown, f"api {rid!r}: 'removes' must be true or false")
        needs = raw.get("needs-state", [])
        if not isinstance(needs, list) or not all(isinstance(n, str) and n for n in needs):
            raise InputError(shown, f"api {rid!r}: 'needs-state' must be a list of states")
        works_in = raw.get("works-in", [])
        if not isinstance(works_in, list) or not all(isinstance(n, str) and n for n in works_in):
            raise InputError(shown, f"api {rid!r}: 'works-in' must be a list of states")
        names = raw.get("names", {})
        if not isinstance(names, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and _TYPE_NAME.match(v)
                                                  for k, v in names.items()):
            raise InputError(shown, f"api {rid!r}: 'names' must map a uuid parameter to a resource type's name (VmInstance)")
        if raw.get("removes") and (sets_state or moves):
            raise InputError(shown, f"api {rid!r}: 'removes' with 'sets-state' or 'moves': a removed resource keeps no state")
        fact = ApiFact(rid, tuple(apis), raw.get("missing-resource"), reason, bool(raw.get("empty-result", False)),
                       bool(raw.get("empty-when-unset", False)), tuple(unchecked), sets_state, tuple(moves.items()),
                       bool(raw.get("removes", False)), tuple(needs), tuple(works_in), tuple(sorted(names.items())))
        if (fact.missing_resource is None and not fact.empty_result and not fact.empty_when_unset and not unchecked and not fact.changes
                and not names):
            raise InputError(shown, f"api {rid!r}: says nothing (no missing-resource, empty-result, empty-when-unset, unchecked, "
                                    "names, sets-state, moves, removes, needs-state or works-in)")
        return fact
    if kind == "table":
        if not isinstance(raw.get("name"), str):
            raise InputError(shown, f"table {rid!r}: needs a name")
        return Provided(rid, raw["name"], _fields(raw, rid, None, shown), reason)
    where = raw.get("where", {})
    if not isinstance(where, dict) or set(where) - _WHERE_KEYS:
        raise InputError(shown, f"{kind} {rid!r}: 'where' keys must be among {', '.join(sorted(_WHERE_KEYS))}")
    matcher = Where({k: (v,) if isinstance(v, str) else tuple(v) for k, v in where.items()})
    if kind == "field":
        return Addition(rid, matcher, _fields(raw, rid, raw.get("location"), shown), reason)
    schema = raw.get("schema", {})
    if not isinstance(schema, dict):
        raise InputError(shown, f"rule {rid!r}: 'schema' must be a table")
    if not schema and not raw.get("required"):
        raise InputError(shown, f"rule {rid!r}: does nothing (no schema, not required)")
    return Rule(rid, matcher, schema, bool(raw.get("required", False)), reason)


def _fields(raw: dict, rid: str, location: str | None, shown: str) -> tuple[Field, ...]:
    """``fields = { name = "PageType", ... }``: fields as a page's table would list them, all optional."""
    given = raw.get("fields")
    if not isinstance(given, dict) or not given or not all(isinstance(t, str) for t in given.values()):
        raise InputError(shown, f"{rid!r}: 'fields' must map field names to page type names")
    return tuple(Field(name=name, type=type_, description="", since=None, line=0, location=location, optional=True,
                       source=f"overlay:{rid}", overlay=rid) for name, type_ in given.items())
