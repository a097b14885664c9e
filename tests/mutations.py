"""Contract breaks applied to the page's own sample, with where each must be caught.

Shared by the derivation, recorded-validation and report tests so every front end is held to
the same list.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[dict], Any]  # mutates the copy in place, or returns a replacement body
    pointer: str  # JSON pointer of the finding in the response body
    keyword: str  # the JSON Schema keyword that fails
    source_field: str | None  # "cpuNum Integer": the page row the finding must cite, if any

    def body(self, sample: dict) -> Any:
        doc = copy.deepcopy(sample)
        replaced = self.apply(doc)
        return doc if replaced is None else replaced


def _set(path: str, value):
    def apply(doc):
        *parents, last = path.split("/")
        target = doc
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        target[last] = value

    return apply


def _drop_inventory_uuid(doc):
    del doc["inventory"]["uuid"]


def _add_error(doc):
    doc["error"] = {"code": "SYS.1000", "description": "internal error"}


MUTATIONS = [
    Mutation("memory-as-string", _set("inventory/memorySize", "8589934592"), "/inventory/memorySize", "type", "memorySize Long"),
    Mutation("cpu-fraction", _set("inventory/cpuNum", 1.5), "/inventory/cpuNum", "type", "cpuNum Integer"),
    Mutation("iso-createDate", _set("inventory/createDate", "2017-11-14T22:20:57Z"), "/inventory/createDate", "pattern", "createDate Timestamp"),
    Mutation("vmNics-object", _set("inventory/vmNics", {"uuid": "cae339f2a70834fe9e7d65f88f09f6f6"}), "/inventory/vmNics", "type", "vmNics List"),
    Mutation("error-code-number", lambda d: {"error": {"code": 1003, "description": "not found"}}, "/error/code", "type", "code String"),
    Mutation("missing-inventory-uuid", _drop_inventory_uuid, "/inventory/uuid", "required", "uuid String"),
    Mutation("uuid-with-dashes", _set("inventory/uuid", "efb85542-4e2b-38d3-bc32-0f105a13bc0b"), "/inventory/uuid", "pattern", "uuid String"),
    Mutation("unknown-vm-state", _set("inventory/state", "Sleeping"), "/inventory/state", "enum", "state String"),
    Mutation("memory-beyond-int64", _set("inventory/memorySize", 2**63), "/inventory/memorySize", "maximum", "memorySize Long"),
    Mutation("cpu-beyond-int32", _set("inventory/cpuNum", 2**31), "/inventory/cpuNum", "maximum", "cpuNum Integer"),
    Mutation("inventory-and-error", _add_error, "", "oneOf", None),
    Mutation("empty-object", lambda d: {}, "", "oneOf", None),
]


def server_shaped(sample: dict) -> dict:
    """The sample as a real node renders it: integers, newer-JVM dates, extra fields, nulls omitted."""
    doc = copy.deepcopy(sample)
    inv = doc["inventory"]
    inv["memorySize"] = 8589934592
    inv["cpuNum"] = 1
    inv["createDate"] = "Nov 14, 2017, 10:20:57 PM"
    inv["lastOpDate"] = "Nov 14, 2017, 10:20:57\u202fPM"
    del inv["description"], inv["lastHostUuid"]  # null on the server: omitted
    inv.update({"architecture": "x86_64", "guestOsType": "Linux", "reservedMemorySize": 0, "vmCdRoms": [], "internalId": 7})
    for nic in inv["vmNics"]:
        nic["deviceId"] = 0
        nic.update({"driverType": "virtio", "internalName": "vnic7.0", "type": "VNIC", "state": "Enable"})
    for vol in inv["allVolumes"]:
        vol.update({"size": 107374182400, "actualSize": 21474836480, "deviceId": 0})
        vol.update({"volumeQos": "", "lastAttachDate": "Nov 14, 2017, 10:20:57 PM", "protocol": "qcow2"})
    return doc
