"""What an API's work does to the resource of its family it is about, and the ways through a
family's states: which APIs take a resource in a state to gone, or into one of some states.
Positive cases (:mod:`zstack_contract.live.provision`: a resource brought into the state an API
needs, what the run made removed) and stateful scenarios (:mod:`zstack_contract.live.scenarios`:
the model of each step, a sequence's clean-up) ask this module alike.

What a work does is the overlay's ``change`` (:attr:`.compiled.Contract.change`): ``needsState``
(else the node's ``SYS.1006`` before any work), ``worksIn`` (else an error of the work itself),
``setsState``, ``removes``. A delete the overlay gives no state removes the resource when its path
is the family's collection and the resource's variable (``DELETE /v1/vm-instances/{uuid}``), and
deletes a part of it when its path goes on past the variable (``/v1/vm-instances/{uuid}/hostnames``),
as any delete of a node does. One whose path ends in the variable under another path
(``/v1/zones/{zoneUuid}/backup-storage/{backupStorageUuid}``) detaches the resource from another
one: it has no change of the family (the simulator drops their link and keeps both).
Nothing here names an API: the VM family's states come from the overlay.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from .compiled import Contract, ContractSet
from .graph import Family, Names


@dataclass(frozen=True)
class Change:
    """What one API's work does to the resource it is about."""

    api: str
    needs: tuple[str, ...] | None  # the states the node's check allows; None: any
    works_in: tuple[str, ...] | None  # the states the work succeeds in; None: any
    sets: str | None  # the state the work leaves the resource in
    removes: bool  # the resource is gone after it
    delete: bool = False  # a delete (of the resource, or of a part of it): tried before an action of as many steps

    def allowed(self, state: str | None) -> bool:
        """Whether the work is expected to succeed on a resource in ``state`` (None: not known)."""
        return state is None or ((self.needs is None or state in self.needs) and (self.works_in is None or state in self.works_in))

    @property
    def states(self) -> tuple[str, ...]:
        """The states the resource must be in for the work to succeed (its ``worksIn``, else its
        ``needsState``); () when any will do."""
        return self.works_in or self.needs or ()

    @property
    def moves(self) -> bool:
        """Whether the work takes the resource somewhere: out of existence, or into a state."""
        return self.removes or self.sets is not None


def state_of(inventory: Any) -> str | None:
    """The state an inventory says its resource is in; None when it says none (a field ``state``
    that is no string is no state of the overlay's: a long job's)."""
    state = inventory.get("state") if isinstance(inventory, dict) else None
    return state if isinstance(state, str) else None


def change_of(contract: Contract, family: Family | None = None, subject: str | None = None) -> Change | None:
    """What ``contract``'s work does to the resource of ``family`` its path variable ``subject``
    names; None for a delete that detaches it from another resource (see the module). Without a
    family or a subject, only what the overlay says."""
    change = contract.change
    removes = bool(change.get("removes"))
    delete = contract.kind == "delete"
    if delete and not change.get("setsState") and family is not None and subject is not None:
        template = contract.routes[0].template.rstrip("/") if contract.routes else ""
        if template.endswith("{" + subject + "}"):
            if template != f"/v1/{family.collection}/{{{subject}}}":
                return None
            removes = True
    return Change(contract.api, tuple(change["needsState"]) if change.get("needsState") else None,
                  tuple(change["worksIn"]) if change.get("worksIn") else None, change.get("setsState"), removes, delete)


def subject_param(family: Family, names: Iterable[Names]) -> Names | None:
    """The path's uuid variable naming the family's type: the resource the API is about (one
    named in a body only is left out: what an answer says about it cannot be told apart)."""
    return next((n for n in names if n.resource.lower() == family.resource.lower() and n.where == "path" and not n.many), None)


def states_needed(contract: Contract) -> tuple[str, ...]:
    """The states the resource an API is about must be in for its work to succeed; () when any will do."""
    return change_of(contract).states


def changes_subject(contract: Contract) -> bool:
    """Whether the API's work deletes or changes the resource it is about (its kind, or the overlay's ``change``)."""
    change = contract.change
    return contract.kind == "delete" or bool(change.get("removes") or change.get("setsState") or change.get("moves"))


def family_changes(contracts: ContractSet, family: Family) -> list[Change]:
    """The changes of the family's actions and deletes, each of the resource its path names (a
    detach left out)."""
    changes = (_change(contracts, contracts.get(api), family) for api in (*family.actions, *family.deletes))
    return [c for c in changes if c is not None]


def removes_it(contract: Contract, family: Family, contracts: ContractSet) -> bool:
    """Whether a delete removes a resource of its family, or keeps it in a state (a destroyed VM)."""
    change = _change(contracts, contract, family)
    return change is not None and change.moves


def _change(contracts: ContractSet, contract: Contract, family: Family) -> Change | None:
    subject = subject_param(family, contracts.graph.names.get(contract.api, ()))
    return change_of(contract, family, subject.param if subject else None)


def removable(changes: Iterable[Change]) -> bool:
    """Whether a resource of the family can be taken to gone: a change removes it in any state, or
    in one another change sets (an expunge of what a destroy leaves); a state no change of the
    family sets is another resource's (a NIC's detach needs its VM's)."""
    changes = list(changes)
    set_states = {c.sets for c in changes if c.sets is not None}
    return any(c.removes and (c.needs is None and c.works_in is None or any(c.allowed(s) for s in set_states)) for c in changes)


def way(changes: Iterable[Change], start: str | None, into: Collection[str] | None = None, steps: int | None = None) -> list[Change] | None:
    """The shortest list of ``changes`` that takes a resource in state ``start`` (None: not known)
    to gone, or, given ``into``, into one of those states ([] when it is in one), through the
    states each allows and sets; at most ``steps`` of them. Of as many, the one whose first
    differing change removes, else is a delete, else comes first by name. None when no way does."""
    if into is not None and start in into:
        return []
    moves = sorted((c for c in changes if c.moves and not (into is not None and c.removes)),
                   key=lambda c: (not c.removes, not c.delete, c.api))
    seen, frontier = {start}, [(start, [])]
    while frontier:
        later = []
        for state, path in frontier:
            if steps is not None and len(path) >= steps:
                continue
            for c in moves:
                if not c.allowed(state):
                    continue
                if (c.removes and into is None) or (into is not None and c.sets in into):
                    return [*path, c]
                if c.sets not in seen:
                    seen.add(c.sets)
                    later.append((c.sets, [*path, c]))
        frontier = later
    return None
