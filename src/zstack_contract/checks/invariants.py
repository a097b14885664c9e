"""What a success answer of a positive case must say about the resource it was about, beyond its
schema (``test_api[<API>-success]``, :mod:`zstack_contract.live.provision`): the checks whose
findings the case makes from the answer and from a query of the resource afterwards. The uuid in
the URL is the inventory's is ``uuid-matches-url`` (:mod:`.resources`), run on every exchange.

Each function takes what the case saw and returns the findings; none talks to a target.
"""

from __future__ import annotations

from typing import Any

from .finding import Finding, show
from .registry import LIVE, reported

CREATED_FOUND = reported("created-found", "a create's inventory is found by its type's query afterwards", applies_to=(LIVE,))
ACTED_ON = reported("acted-on", "an action's (or read's) inventory is the resource it was asked about, wherever the request named it",
                    applies_to=(LIVE,))
DELETE_DONE = reported("delete-done", "a delete's resource is gone afterwards, or in the state the node keeps it in (the overlay's sets-state)",
                       applies_to=(LIVE,))


def _count(query_body: Any) -> int | None:
    """How many inventories a query answered, None when the answer is no query answer (the query's own tests say what is wrong)."""
    found = query_body.get("inventories") if isinstance(query_body, dict) else None
    return len(found) if isinstance(found, list) else None


def created_found(where: dict, uuid: str, query: str, query_body: Any) -> list[Finding]:
    """``where``: file, api, step of the create's answer; ``query_body``: the query's answer to ``q=uuid=<uuid>``."""
    n = _count(query_body)
    if n is None or n > 0:
        return []
    return [CREATED_FOUND.finding(**where, pointer="/inventory/uuid", expected=f"{uuid!r} found by {query} afterwards",
                                  found=f"{query} finds no resource with uuid {uuid!r}")]


def acted_on(where: dict, pointer: str, inventory: Any, uuid: str, param: str) -> list[Finding]:
    """``inventory``: the answer's inventory of the type the API is about, at ``pointer``; ``uuid``:
    what the request's ``param`` named. An inventory without a uuid is the schema's to report."""
    if not isinstance(inventory, dict) or "uuid" not in inventory or inventory["uuid"] == uuid:
        return []
    return [ACTED_ON.finding(**where, pointer=pointer + "/uuid", expected=f"{uuid!r} (the {param} of the request)",
                             found=show(inventory["uuid"]))]


def delete_done(where: dict, uuid: str, query: str, query_body: Any, keeps_in: str | None) -> list[Finding]:
    """``query_body``: the query's answer to ``q=uuid=<uuid>`` after the delete; ``keeps_in``: the
    state the node keeps the resource in (None: it is gone)."""
    n = _count(query_body)
    if n is None:
        return []
    if keeps_in is None:
        return [] if n == 0 else [DELETE_DONE.finding(**where, pointer="/", expected=f"{uuid!r} gone ({query} finds nothing)",
                                                      found=f"{query} still finds it")]
    states = [inv.get("state") for inv in query_body["inventories"] if isinstance(inv, dict)]
    if states and all(s == keeps_in for s in states):
        return []
    return [DELETE_DONE.finding(**where, pointer="/", expected=f"{uuid!r} kept in state {keeps_in!r}",
                                found="gone" if not states else f"state {show(states[0])}")]
