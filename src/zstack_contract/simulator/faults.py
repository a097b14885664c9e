"""Named faults: realistic contract breaks the simulator can ship, switchable per run.

A fault acts on the answers of every API where it makes sense, or of one API only when named as
``NAME:API`` (``drop-uuid:<API>``). The session's own APIs (the login, the logout) are
left sound unless named, so that a suite can still log in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..facts.ids import new_uuid

FAULTS: dict[str, str] = {
    "drop-uuid": "every inventory of a success answer has no uuid",
    "string-memory": "a success answer renders memorySize as a string (\"8589934592\")",
    "string-long": "a success answer renders every Long field (by the API's schema) as a string",
    "float-cpu": "a success answer renders cpuNum as 1.5",
    "iso-dates": "every timestamp of a success answer is ISO-8601 (2017-11-14T22:20:57+08:00)",
    "nic-owner": "the first NIC of a success answer names another VM as its vmInstanceUuid",
    "no-root-volume": "a success answer's rootVolumeUuid is not among its allVolumes",
    "error-as-text": "every 503 API error (job results and synchronous answers) is plain text, not JSON",
    "error-200": "a failed job is answered 200 (with the usual {\"error\": ...} body) instead of 503",
    "no-location": "the 202 answer of an asynchronous API has apiTimeout but no location",
    "never-done": "the job of an asynchronous API never finishes: polling answers 202 {} forever",
    "server-error": "a request is answered 500 with a servlet container's HTML error page",
    "accept-bad-tags": "non-list systemTags/userTags are accepted (202, the job succeeds) instead of a 500",
    "truncated-json": "the final answer of an API (a synchronous answer, or a job's 200 or 503) is cut off in the middle of its JSON",
}


@dataclass(frozen=True)
class Faults:
    """The faults switched on, each for every API (None) or one."""

    chosen: frozenset[tuple[str, str | None]] = frozenset()

    def on(self, name: str, api: str, session_api: bool = False) -> bool:
        """Whether fault ``name`` acts on an answer of ``api`` (``session_api``: the login or the logout)."""
        return (name, api) in self.chosen or ((name, None) in self.chosen and not session_api)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f"{n}:{a}" if a else n for n, a in self.chosen)

    def __bool__(self) -> bool:
        return bool(self.chosen)

    def __iter__(self):
        return iter(sorted(self.names))


def check_faults(names: Iterable[str] | str, apis: Iterable[str] | None = None) -> Faults:
    """The faults, checked: ValueError naming an unknown fault (and the valid ones), or an API
    ``apis`` does not list."""
    if isinstance(names, str):
        names = (names,)
    known_apis = set(apis) if apis is not None else None
    chosen = set()
    for entry in names:
        name, _, api = entry.partition(":")
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; valid faults: {', '.join(FAULTS)}")
        if api and known_apis is not None and api not in known_apis:
            raise ValueError(f"fault {entry!r}: no API {api!r} is served; served: {', '.join(sorted(known_apis))}")
        chosen.add((name, api or None))
    return Faults(frozenset(chosen))


def corrupt(answer: dict, success: tuple[str, ...], on, long_paths: set[tuple], other_vm: str) -> dict:
    """Apply the answer faults ``on(name)`` holds to a rendered (JSON-ready) success answer, in place.
    ``long_paths``: the places of Long fields (a path of keys, ``[]`` for list items)."""
    objects = [(answer[name], (name,)) for name in success if isinstance(answer.get(name), dict)]
    objects += [(item, (name, "[]")) for name in success if isinstance(answer.get(name), list)
                for item in answer[name] if isinstance(item, dict)]
    for inv, _path in objects:
        if on("drop-uuid"):
            inv.pop("uuid", None)
        if on("string-memory") and "memorySize" in inv:
            inv["memorySize"] = str(inv["memorySize"])
        if on("float-cpu") and "cpuNum" in inv:
            inv["cpuNum"] = 1.5
        if on("nic-owner") and isinstance(inv.get("vmNics"), list) and inv["vmNics"] and isinstance(inv["vmNics"][0], dict):
            inv["vmNics"][0]["vmInstanceUuid"] = other_vm
        if on("no-root-volume") and "rootVolumeUuid" in inv:
            inv["rootVolumeUuid"] = new_uuid()  # a volume nobody has
    if on("string-long"):
        for path in long_paths:
            _stringify(answer, path)
    return answer


def _stringify(node: Any, path: tuple) -> None:
    if not path or node is None:
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        for item in node if isinstance(node, list) else ():
            _stringify(item, rest)
    elif isinstance(node, dict) and head in node:
        if not rest:
            if isinstance(node[head], int) and not isinstance(node[head], bool):
                node[head] = str(node[head])
        else:
            _stringify(node[head], rest)
