"""What a check sees: an exchange, its contract, and what several checks need worked out once.

A bare response body (no request, no status) is an exchange of one step with status 0: the
checks that need a status or a URL are not run on it.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..contract.compiled import Contract
from ..contract.places import Found, walk
from ..inputs.exchange import Exchange, Step
from .finding import Finding
from .registry import RECORDED, Check

UNKNOWN_STATUS = 0
_ENVELOPE_STATUSES = (200, 503, UNKNOWN_STATUS)


class View:
    """An exchange as the checks see it.

    - ``exchange``, ``contract``; ``origin``: ``recorded``, ``live`` or ``probe``; ``strict``;
    - ``envelopes``: (step, body) for each answer with the API's documented envelope (200 or 503 JSON);
    - :meth:`objects`: the documented objects of each envelope; :meth:`resources`: those of
      success bodies (the ``inventory`` and what is inside it), as (step, :class:`~..contract.places.Found`);
    - :meth:`finding`: a finding of the check being run, at a step.
    """

    __slots__ = ("_objects", "_resources", "check", "contract", "envelopes", "exchange", "origin", "strict")

    def __init__(self, exchange: Exchange, contract: Contract, origin: str = RECORDED, strict: bool = False):
        self.exchange = exchange
        self.contract = contract
        self.origin = origin
        self.strict = strict
        self.check: Check | None = None  # the check being run (set by the runner)
        self.envelopes: list[tuple[int, Any]] = [(i, step.response.body) for i, step in envelope_steps(exchange)]
        self._objects: list[list[Found]] | None = None
        self._resources: list[tuple[int, Found]] | None = None

    @property
    def bare(self) -> bool:
        return is_bare(self.exchange)

    def objects(self) -> list[list[Found]]:
        """For each envelope, its documented objects (:func:`~..contract.places.walk`)."""
        if self._objects is None:
            root = self.contract.places
            self._objects = [walk(root, body) for _i, body in self.envelopes]
        return self._objects

    def resources(self) -> list[tuple[int, Found]]:
        """(step, object) for each resource object of a success body (``inventory`` and the objects in it)."""
        if self._resources is None:
            errors = self.contract.error_fields
            self._resources = [
                (i, entry)
                for (i, body), found in zip(self.envelopes, self.objects())
                if found and body.keys().isdisjoint(errors)  # found: the body is an object
                for entry in found
                if entry.place.resource
            ]
        return self._resources

    def finding(self, step: int, *, pointer: str, expected: str, found: str, rule: str | None = None,
                overlay: tuple[str, ...] = ()) -> Finding:
        """A finding of the running check at ``step`` of the exchange."""
        assert self.check is not None, "view.finding() is for checks the runner runs"
        return self.check.finding(file=self.exchange.source, api=self.contract.api, step=self.step_of(step),
                                  pointer=pointer, expected=expected, found=found, rule=rule, overlay=overlay)

    def step_of(self, i: int) -> int | None:
        """How findings name step ``i``: None for a bare body, which has no steps."""
        return None if self.exchange.call.response.status == UNKNOWN_STATUS else i


def is_bare(exchange: Exchange) -> bool:
    """A recorded body alone: one step, no status, no URL."""
    return len(exchange.steps) == 1 and exchange.call.response.status == UNKNOWN_STATUS and not exchange.call.request.url


def is_async(exchange: Exchange) -> bool:
    return exchange.call.response.status == 202


def envelope_steps(exchange: Exchange) -> Iterator[tuple[int, Step]]:
    """Steps whose answer is the API's documented envelope (inventory or error)."""
    for i, step in enumerate(exchange.steps):
        if step.response.status in _ENVELOPE_STATUSES and step.response.has_json:
            yield i, step
