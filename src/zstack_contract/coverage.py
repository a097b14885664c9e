"""Drift (undocumented fields seen) and coverage (documented fields never seen), by field path.

Paths are dotted with ``[]`` for list items: ``inventory.vmNics[].usedIpUuid``. A table that refers
to itself (``error.cause``) is followed once: ``error.cause`` is a documented path, its children
are not counted again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .contracts import Contract


def documented_paths(contract: Contract) -> list[str]:
    """Every documented field path of the response, in page order."""
    out: list[str] = []

    def visit(schema: dict, prefix: str, stack: tuple[str, ...]) -> None:
        for name, prop in schema.get("properties", {}).items():
            path = f"{prefix}{name}"
            out.append(path)
            target, ref, suffix = _descend(prop)
            if target is None or ref in stack:
                continue
            visit(contract.resolve(target), path + suffix + ".", stack + ((ref,) if ref else ()))

    visit(contract.response, "", ())
    return out


def _descend(prop: dict) -> tuple[dict | None, str | None, str]:
    """(schema to walk into, the $defs name it refers to, path suffix) for a property."""
    if "$ref" in prop:
        return prop, prop["$ref"], ""
    items = prop.get("items")
    if isinstance(items, dict) and "$ref" in items:
        return items, items["$ref"], "[]"
    return None, None, ""


@dataclass(frozen=True)
class Shape:
    """What one body showed: documented paths present and undocumented paths present."""

    seen: frozenset[str] = frozenset()
    undocumented: frozenset[str] = frozenset()


MAX_SHAPES = 4096  # distinct shapes remembered per API; a corpus of real answers has a handful


def body_shape(contract: Contract, body: Any) -> Shape:
    """The body's shape, memoized by its structural key: documents that share a shape are
    walked once per API, the others only as far as their nested documented objects."""
    key = shape_key(contract, body)
    shapes = contract._cache.setdefault("shapes", {})
    shape = shapes.get(key)
    if shape is None:
        shape = walk_shape(contract, body)
        if len(shapes) < MAX_SHAPES:
            shapes[key] = shape
    return shape


def shape_key(contract: Contract, body: Any) -> Any:
    """A hashable key that determines :func:`walk_shape`'s answer: each object's key tuple (taken
    whole, not key by key) and the keys of the documented objects nested in it."""
    plan = contract._cache.get("shape-plan")
    if plan is None:
        plan = contract._cache["shape-plan"] = _plan(contract, contract.response, ())
    return _key(plan, body)


def _plan(contract: Contract, schema: dict, stack: tuple) -> tuple:
    """The documented properties a walk descends into, level by level: ((name, is a list, plan), ...)."""
    out = []
    for name, prop in schema.get("properties", {}).items():
        target, ref, suffix = _descend(prop)
        if target is not None and ref not in stack:
            out.append((name, bool(suffix), _plan(contract, contract.resolve(target), stack + (ref,))))
    return tuple(out)


def _key(plan: tuple, value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    nested = []
    for name, is_list, below in plan:
        if name in value:
            sub = value[name]
            if not is_list:
                nested.append(_key(below, sub))
            elif isinstance(sub, list):
                nested.append(tuple(dict.fromkeys([_key(below, item) for item in sub])))
            else:
                nested.append(False)
    return tuple(value), tuple(nested)


def walk_shape(contract: Contract, body: Any) -> Shape:
    """The shape of one body, by walking every key of it."""
    seen: set[str] = set()
    undocumented: set[str] = set()

    def walk(schema: dict, value: Any, prefix: str, stack: tuple[str, ...]) -> None:
        if not isinstance(value, dict):
            return
        props = schema.get("properties", {})
        for key, sub in value.items():
            path = f"{prefix}{key}"
            prop = props.get(key)
            if prop is None:
                undocumented.add(path)
                continue
            seen.add(path)
            target, ref, suffix = _descend(prop)
            if target is None or ref in stack:
                continue
            resolved = contract.resolve(target)
            nested = stack + ((ref,) if ref else ())
            if suffix:
                if isinstance(sub, list):
                    for item in sub:
                        walk(resolved, item, path + "[].", nested)
            else:
                walk(resolved, sub, path + ".", nested)

    walk(contract.response, body, "", ())
    return Shape(frozenset(seen), frozenset(undocumented))


@dataclass
class Tally:
    """Drift and coverage over a corpus, per API. Keeps counts, not documents."""

    drift_files: dict[str, Counter] = field(default_factory=dict)  # api -> path -> files showing it
    seen: dict[str, set[str]] = field(default_factory=dict)  # api -> documented paths seen
    _merged: dict[str, set[Shape]] = field(default_factory=dict, repr=False, compare=False)  # shapes already in ``seen``

    def add_file(self, api: str, shapes: list[Shape]) -> None:
        if len(shapes) == 1:  # the usual file: one body
            undocumented = shapes[0].undocumented
        else:
            undocumented = set().union(*(s.undocumented for s in shapes))
        self.drift_files.setdefault(api, Counter()).update(undocumented)
        seen, merged = self.seen.setdefault(api, set()), self._merged.setdefault(api, set())
        for shape in shapes:
            if shape not in merged:  # a shape seen before adds nothing to coverage
                seen.update(shape.seen)
                if len(merged) < MAX_SHAPES:
                    merged.add(shape)

    def merge(self, other: "Tally") -> None:
        for api, counts in other.drift_files.items():
            self.drift_files.setdefault(api, Counter()).update(counts)
        for api, seen in other.seen.items():
            self.seen.setdefault(api, set()).update(seen)

    def coverage(self, contract: Contract) -> dict[str, Any]:
        documented = documented_paths(contract)
        seen = self.seen.get(contract.api, set())
        unseen = [p for p in documented if p not in seen]
        n = len(documented)
        return {
            "documented": n,
            "seen": n - len(unseen),
            "percent": round(100.0 * (n - len(unseen)) / n, 1) if n else 100.0,
            "unseen": unseen,
        }
