"""Loading a ``--data`` file: another set of VMs, images, accounts and the resources they name
(``resources``: inventories by collection, ``{"zones": [...], "l3-networks": [...]}``), checked up front.

The file is one JSON object (format in the README, "The `--data` file"). Inventories are written as a node
renders them; timestamps may be ISO-8601 or JVM-style and become datetimes. Anything that would
make the simulator itself serve a contract break (a bad uuid, a NIC owned by another VM, a root
volume that is not among the VM's volumes) is refused with one line naming the place.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..facts import jvm_dates

VM_STATES = (
    "Created", "Starting", "Running", "Stopping", "Stopped", "Rebooting", "Destroying", "Destroyed",
    "Migrating", "Expunging", "Pausing", "Paused", "Resuming", "VolumeMigrating", "VolumeRecovering",
    "Error", "NoState", "Unknown", "Crashed",
)
INTEGER_FIELDS = {
    "memorySize", "reservedMemorySize", "cpuNum", "cpuSpeed", "internalId", "size", "actualSize",
    "deviceId", "ipVersion", "ipInLong",
}
_UUID = re.compile(r"[0-9a-f]{32}")
TOP_KEYS = ("vms", "images", "accounts", "resources")
_COLLECTION = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*")


class _Bad(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)


def parse_date(text: str) -> datetime:
    """ISO-8601 (an offset is converted to local time) or a JVM rendering, to a naive local datetime."""
    jvm = jvm_dates.parse(text)
    if jvm is not None:
        return jvm
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.astimezone().replace(tzinfo=None) if dt.tzinfo else dt


def _fields(obj: Any, where: str) -> dict:
    """Check and convert the generic fields of one inventory object, recursing into its lists."""
    if not isinstance(obj, dict):
        raise _Bad(where, "must be a JSON object")
    out: dict[str, Any] = {}
    for key, value in obj.items():
        here = f"{where}.{key}"
        if value is None:
            out[key] = None
        elif key.endswith("Date"):
            if not isinstance(value, str):
                raise _Bad(here, "a date must be a string")
            try:
                out[key] = parse_date(value)
            except ValueError:
                raise _Bad(here, f"not an ISO-8601 or JVM-style date: {value!r}") from None
        elif key == "uuid" or key.endswith("Uuid"):
            if not isinstance(value, str) or not _UUID.fullmatch(value):
                raise _Bad(here, f"must be 32 lower-case hex characters, got {value!r}")
            out[key] = value
        elif key in INTEGER_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Bad(here, f"must be an integer, got {value!r}")
            out[key] = value
        elif isinstance(value, list):
            out[key] = [_fields(v, f"{here}[{i}]") if isinstance(v, dict) else copy.deepcopy(v) for i, v in enumerate(value)]
        else:
            out[key] = copy.deepcopy(value)
    return out


def _objects(vm: dict, key: str, where: str) -> list:
    items = vm.get(key)
    if items is None:
        vm[key] = []
        return []
    if not isinstance(items, list):
        raise _Bad(f"{where}.{key}", "must be a list")
    return items


def _vm(raw: Any, where: str, seen: set[str]) -> dict:
    vm = _fields(raw, where)
    for key in ("uuid", "name", "state", "rootVolumeUuid"):
        if vm.get(key) is None:
            raise _Bad(where, f"missing {key!r}")
    if vm["uuid"] in seen:
        raise _Bad(f"{where}.uuid", f"duplicate VM uuid {vm['uuid']}")
    seen.add(vm["uuid"])
    if not isinstance(vm["name"], str):
        raise _Bad(f"{where}.name", "must be a string")
    if vm["state"] not in VM_STATES:
        raise _Bad(f"{where}.state", f"{vm['state']!r} is not a VM state ({', '.join(VM_STATES)})")
    for key in ("vmNics", "allVolumes"):
        for i, item in enumerate(_objects(vm, key, where)):
            here = f"{where}.{key}[{i}]"
            if not isinstance(item, dict) or item.get("uuid") is None:
                raise _Bad(here, "must be an object with a 'uuid'")
            owner = item.setdefault("vmInstanceUuid", vm["uuid"])
            if owner != vm["uuid"]:
                raise _Bad(f"{here}.vmInstanceUuid", f"{owner} is not the VM's own uuid {vm['uuid']}")
    if vm["rootVolumeUuid"] not in {v["uuid"] for v in vm["allVolumes"]}:
        raise _Bad(f"{where}.rootVolumeUuid", f"{vm['rootVolumeUuid']} is not among the VM's allVolumes")
    return vm


def _image(raw: Any, where: str) -> dict:
    img = _fields(raw, where)
    for key in ("uuid", "size", "actualSize"):
        if img.get(key) is None:
            raise _Bad(where, f"missing {key!r}")
    return img


def _resources(raw: Any) -> dict[str, list[dict]]:
    """``{collection: [inventory, ...]}``: each inventory an object with a uuid, once in its collection."""
    if not isinstance(raw, dict):
        raise _Bad("resources", "must be an object of collections (\"zones\": [...])")
    out: dict[str, list[dict]] = {}
    for name, items in raw.items():
        where = f"resources.{name}"
        if not _COLLECTION.fullmatch(name):
            raise _Bad(where, "a collection is named as its query's path after /v1 (zones, l3-networks/ip-ranges)")
        if not isinstance(items, list):
            raise _Bad(where, "must be a list")
        seen: set[str] = set()
        out[name] = []
        for i, item in enumerate(items):
            obj = _fields(item, f"{where}[{i}]")
            if obj.get("uuid") is None:
                raise _Bad(f"{where}[{i}]", "missing 'uuid'")
            if obj["uuid"] in seen:
                raise _Bad(f"{where}[{i}].uuid", f"duplicate uuid {obj['uuid']}")
            seen.add(obj["uuid"])
            out[name].append(obj)
    return out


def _account(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("password"), str):
        raise _Bad(where, "an account is {\"name\": ..., \"password\": ...} with string values")
    return {"name": raw["name"], "password": raw["password"]}


def parse_data(doc: Any) -> dict:
    """A data document (already decoded from JSON) in the simulator's internal form; raises _Bad."""
    if not isinstance(doc, dict):
        raise _Bad("", "the data must be a JSON object with a \"vms\" list")
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        raise _Bad("", f"unknown key {unknown[0]!r} (known: {', '.join(TOP_KEYS)})")
    if not isinstance(doc.get("vms"), list):
        raise _Bad("", "the data must be a JSON object with a \"vms\" list")
    seen: set[str] = set()
    vms = [_vm(v, f"vms[{i}]", seen) for i, v in enumerate(doc["vms"])]
    images = doc.get("images", [])
    accounts = doc.get("accounts", [{"name": "admin", "password": "password"}])
    for key, value in (("images", images), ("accounts", accounts)):
        if not isinstance(value, list):
            raise _Bad(key, "must be a list")
    return {
        "vms": vms,
        "images": [_image(v, f"images[{i}]") for i, v in enumerate(images)],
        "accounts": [_account(v, f"accounts[{i}]") for i, v in enumerate(accounts)],
        "resources": _resources(doc.get("resources", {})),
    }


def load_data(source: str | Path | dict) -> dict:
    """Load a data file (or an already-decoded document); InputError with one clear line if unusable."""
    if isinstance(source, dict):
        shown, doc = "<data>", source
    else:
        shown = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(shown, f"cannot read data file: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    try:
        return parse_data(doc)
    except _Bad as exc:
        raise InputError(shown, str(exc)) from None
