"""Asking a family's query, as positive cases (:mod:`.provision`) and stateful scenarios
(:mod:`.scenario_machine`) find and look up resources: the path it lists at, and what its answer lists."""

from __future__ import annotations

from ..contract.compiled import Contract


def query_path(query: Contract) -> str:
    """The path a query lists its collection at: its first route without a variable, up to the
    first variable (``/v1/vm-instances``)."""
    template = next((r.template for r in query.routes if "{" not in r.template), query.routes[0].template)
    return template.split("/{", 1)[0]


def listed(call) -> list | None:
    """The inventories a query's answer lists; None when the answer is no list of them (not a 200
    with a JSON object whose ``inventories`` is a list)."""
    body = call.final.body if call.final.has_json else None
    found = body.get("inventories") if call.final.status == 200 and isinstance(body, dict) else None
    return found if isinstance(found, list) else None


def oldest_first(query: Contract) -> list[tuple[str, str]]:
    """``sort=+createDate`` when the query's inventories have a ``createDate`` (else nothing: a
    node refuses to sort by a field its inventory lacks). What a run finds rather than makes is
    then the oldest resource, not one another process of the same run (an xdist worker) made a
    moment ago and may be removing: on a simulator its seeded data, on a node the run's oldest."""
    root = query.response or {}
    items = root.get("properties", {}).get("inventories", {}).get("items", {})
    ref = items.get("$ref", "") if isinstance(items, dict) else ""
    if ref.startswith("#/$defs/"):
        items = root.get("$defs", {}).get(ref[len("#/$defs/"):], {})
    return [("sort", "+createDate")] if "createDate" in (items.get("properties", {}) if isinstance(items, dict) else {}) else []
