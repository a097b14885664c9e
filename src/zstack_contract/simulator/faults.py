"""Named faults: realistic contract breaks the simulator can ship, switchable per run.

Faults that shape an inventory or a job answer act on *reimage* only (its 202 answer, its job
result), so a contract test of ReimageVmInstance catches them while the helpers a suite leans on
(login, queries, stop/start) stay sound. The two error faults act on every failed API.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..facts.ids import new_uuid

FAULTS: dict[str, str] = {
    "drop-uuid": "the reimage result inventory has no uuid",
    "string-memory": "the reimage result renders memorySize as a string (\"8589934592\")",
    "float-cpu": "the reimage result renders cpuNum as 1.5",
    "iso-dates": "every timestamp in the reimage result is ISO-8601 (2017-11-14T22:20:57+08:00)",
    "nic-owner": "the first NIC in the reimage result names another VM as its vmInstanceUuid",
    "no-root-volume": "the reimage result's rootVolumeUuid is not among its allVolumes",
    "error-as-text": "every 503 API error (job results and synchronous answers) is plain text, not JSON",
    "error-200": "a failed job is answered 200 (with the usual {\"error\": ...} body) instead of 503",
    "no-location": "the 202 answer to a reimage has apiTimeout but no location",
    "never-done": "a reimage job never finishes: polling answers 202 {} forever",
    "server-error": "a reimage request is answered 500 with a servlet container's HTML error page",
    "accept-bad-tags": "non-list systemTags/userTags are accepted (202, the job succeeds) instead of a 500",
    "truncated-json": "the final answer of a reimage job (200 or 503) is cut off in the middle of its JSON",
}


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """The fault names as a set; ValueError naming the unknown one and listing the valid ones."""
    if isinstance(names, str):
        names = (names,)
    chosen = []
    for name in names:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; valid faults: {', '.join(FAULTS)}")
        chosen.append(name)
    return frozenset(chosen)


def corrupt_inventory(inv: dict, faults: frozenset[str], other_vm_uuid: str) -> dict:
    """Apply the inventory faults to a rendered (JSON-ready) VM inventory, in place."""
    if "drop-uuid" in faults:
        inv.pop("uuid", None)
    if "string-memory" in faults and "memorySize" in inv:
        inv["memorySize"] = str(inv["memorySize"])
    if "float-cpu" in faults:
        inv["cpuNum"] = 1.5
    if "nic-owner" in faults and inv.get("vmNics"):
        inv["vmNics"][0]["vmInstanceUuid"] = other_vm_uuid
    if "no-root-volume" in faults:
        inv["rootVolumeUuid"] = new_uuid()  # a volume nobody has
    return inv
