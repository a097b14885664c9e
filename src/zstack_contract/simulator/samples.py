"""Answers built from a page's own sample, held to its schema: what the simulator serves for an API
it has no hand-written part for.

:func:`conform` keeps what the sample says where the schema agrees (integral numbers become
integers, JVM dates become dates to re-render as the simulated JVM does), leaves out what the
schema does not document, and makes up what it requires and the sample lacks; :func:`make`
makes up a value of a schema from nothing (a uuid where the overlay wants one, a date, the first
valid value, an empty list), or a whole one, for an API whose contract has no sample (one derived
from doc sources).
"""

from __future__ import annotations

from typing import Any

from ..contract import patterns
from ..contract.places import Place, walk
from ..facts import jvm_dates
from ..facts.ids import is_uuid_param, new_uuid
from .state import now

_MAX_DEPTH = 12


def resolve(schema: Any, root: dict) -> dict:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/$defs/"):
        schema = root.get("$defs", {}).get(schema["$ref"][len("#/$defs/"):], {})
    return schema if isinstance(schema, dict) else {}


def conform(value: Any, schema: Any, root: dict, depth: int = 0) -> Any:
    """``value`` made to satisfy ``schema`` (see the module's description)."""
    s = resolve(schema, root)
    kind = s.get("type")
    if depth > _MAX_DEPTH:
        return make(s, root, depth)
    if "properties" in s or kind == "object":
        if not isinstance(value, dict):
            return make(s, root, depth)
        props = s.get("properties")
        if props is None:  # a free map: kept as it is
            return {k: _plain(v) for k, v in value.items()}
        out = {k: conform(v, props[k], root, depth + 1) for k, v in value.items() if k in props and v is not None}
        for name in s.get("required", ()):
            if name not in out and name in props:
                out[name] = make(props[name], root, depth + 1)
        return out
    if kind == "array":
        if not isinstance(value, list):
            return make(s, root, depth)
        items = s.get("items", {})
        return [conform(v, items, root, depth + 1) for v in value if v is not None]
    if kind == "integer":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            number = int(value)
            if s.get("minimum", number) <= number <= s.get("maximum", number):
                return number
        return make(s, root, depth)
    if kind == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else make(s, root, depth)
    if kind == "boolean":
        return value if isinstance(value, bool) else make(s, root, depth)
    if kind == "string":
        if not isinstance(value, str):
            return make(s, root, depth)
        if s.get("pattern") == jvm_dates.PATTERN:
            return jvm_dates.parse(value) or now()
        if "enum" in s and value not in s["enum"]:
            return make(s, root, depth)
        if "pattern" in s and not patterns.search(s["pattern"], value):  # bounded, as the verdict matches it
            return make(s, root, depth)
        return value
    return _plain(value)


def make(schema: Any, root: dict, depth: int = 0, full: bool = False, name: str = "") -> Any:
    """A value of ``schema``, from nothing: its required fields only, or with ``full`` every field
    it documents (one item in each list of a table), each a plausible value of its type, its
    first valid value, or one its name suggests (``ip``, ``mac``, ``*Uuid``)."""
    s = resolve(schema, root)
    kind = s.get("type")
    if "enum" in s:
        return s["enum"][0]
    if kind == "string":
        if s.get("pattern") == jvm_dates.PATTERN:
            return now()
        if "pattern" in s or is_uuid_param(name):
            return new_uuid()  # the only patterns the overlay gives strings are uuids'
        return _NAMED.get(name.lower(), "zstack-contract")
    if kind == "integer":
        return max(0, s.get("minimum", 0))
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return False
    if kind == "array":
        items = s.get("items", {})
        if not (full and depth < _FULL_DEPTH and isinstance(items, dict)):
            return []
        item = make(items, root, depth + 1, full, name)
        return [item if item is not None else make({"type": "string"}, root, depth + 1, full, name)]  # a free list: of strings
    if kind == "object" or "properties" in s:
        props = s.get("properties", {})
        if depth > _MAX_DEPTH:
            return {}
        full = full and depth < _FULL_DEPTH  # deeper, only what is required (an error's cause of a cause still has its code)
        names = props if full else [n for n in s.get("required", ()) if n in props]
        return {n: make(props[n], root, depth + 1, full, n) for n in names}
    return None


# Strings a field's name suggests, in answers made with no sample.
_NAMED = {"ip": "10.0.0.10", "netmask": "255.255.255.0", "gateway": "10.0.0.1", "mac": "fa:16:3e:00:00:01",
          "networkcidr": "10.0.0.0/24", "startip": "10.0.0.2", "endip": "10.0.0.254", "hypervisortype": "KVM"}
_FULL_DEPTH = 4  # tables within tables a full value goes into


def cohere(body: dict, places: Place | None) -> dict:
    """A made-up answer made to say what a node's answers say of their resources (what the checks
    of resources hold): each nested item names its owner's uuid (a NIC's ``vmInstanceUuid``), a
    root volume is among the volumes and of type Root. Changes ``body`` in place, and returns it."""
    if places is None:
        return body
    for entry in walk(places, body):
        obj = entry.value
        field = entry.place.owner_field
        if field is not None and entry.parent is not None and "uuid" in entry.parent.value and field in obj:
            obj[field] = entry.parent.value["uuid"]
        volumes = obj.get("allVolumes")
        if entry.place.top and isinstance(obj.get("rootVolumeUuid"), str) and isinstance(volumes, list) and volumes \
                and isinstance(volumes[0], dict):
            volumes[0]["uuid"], volumes[0]["type"] = obj["rootVolumeUuid"], "Root"
    return body


def _plain(value: Any) -> Any:
    """Integral floats as integers, all the way down (a node renders Long fields as integers)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
