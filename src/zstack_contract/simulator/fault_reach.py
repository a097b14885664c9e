"""Which APIs a named fault can change the answers of, judged from what the simulator serves of
each API (its kind, whether it answers with a job, its parameters and the schema of its success
answer): the denominator of a mutation score (``benchmarks/mutation_score.py``).

- ``server-error``, ``truncated-json``, ``error-as-text``: every API but the session's own (the
  login, the logout), which the faults leave sound unless named;
- ``error-200``, ``no-location``, ``never-done``: those that answer with a job;
- ``accept-bad-tags``: those whose body takes ``systemTags`` (or ``userTags``) at its top level;
- the answer faults: those whose success answer, by its schema, carries what the fault changes
  (:func:`.faults.corrupt`: a ``uuid``, ``memorySize``, ``cpuNum``, ``vmNics`` or
  ``rootVolumeUuid`` of a top-level inventory; a date or a Long field anywhere in it).

A fault that reaches an API changes its answer only when that answer is sent: a success answer
only when a call succeeds, a job's answers only when a call is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..facts import jvm_dates
from .apis import Api
from .servlet import long_paths

# the fields of a top-level inventory each answer fault changes (faults.corrupt)
INVENTORY_FIELD = {"drop-uuid": "uuid", "string-memory": "memorySize", "float-cpu": "cpuNum", "nic-owner": "vmNics",
                   "no-root-volume": "rootVolumeUuid"}
FIELD_FAULTS = (*INVENTORY_FIELD, "iso-dates", "string-long")  # the faults on fields of a success answer
ANY_ANSWER = ("server-error", "truncated-json", "error-as-text")
JOB_ANSWER = ("error-200", "no-location", "never-done")


def reaches(fault: str, api: Api) -> bool:
    """Whether fault ``fault`` (a name of :data:`.faults.FAULTS`), switched on for every API, can
    change an answer of ``api``. ValueError for a fault this module does not know."""
    if not api.authorized:
        return False
    if fault in ANY_ANSWER:
        return True
    if fault in JOB_ANSWER:
        return not api.sync
    if fault == "accept-bad-tags":
        return api.method not in ("GET", "DELETE") and any(p.name in ("systemTags", "userTags") and p.where == "top" for p in api.params)
    if fault in INVENTORY_FIELD:
        return any(INVENTORY_FIELD[fault] in inv.get("properties", {}) for inv in _inventories(api))
    if fault == "iso-dates":
        return any(s.get("pattern") == jvm_dates.PATTERN for s in _schemas(api, lambda s: True))
    if fault == "string-long":
        return bool(long_paths(api))
    raise ValueError(f"no reach known for fault {fault!r}")


def _resolve(root: dict, schema: Any) -> dict:
    while isinstance(schema, dict) and str(schema.get("$ref", "")).startswith("#/$defs/"):
        schema = root.get("$defs", {}).get(schema["$ref"][8:], {})
    return schema if isinstance(schema, dict) else {}


def _success(api: Api) -> Iterator[dict]:
    root = api.response or {}
    for name in api.success:
        yield _resolve(root, root.get("properties", {}).get(name))


def _inventories(api: Api) -> Iterator[dict]:
    """The schemas of the objects of a success answer the answer faults change: a top-level
    object, or the items of a top-level list."""
    root = api.response or {}
    for schema in _success(api):
        yield _resolve(root, schema.get("items")) if schema.get("type") == "array" else schema


def _schemas(api: Api, keep: Callable[[dict], bool]) -> Iterator[dict]:
    """Every schema in a success answer (each ``$defs`` entry once)."""
    root, seen = api.response or {}, set()
    todo = list(_success(api))
    while todo:
        schema = todo.pop()
        if keep(schema):
            yield schema
        children = [*schema.get("properties", {}).values(), schema.get("items"), *schema.get("anyOf", ()), *schema.get("oneOf", ())]
        for child in children:
            if not isinstance(child, dict):
                continue
            ref = child.get("$ref")
            if ref is not None:
                if ref in seen:
                    continue
                seen.add(ref)
            todo.append(_resolve(root, child))
