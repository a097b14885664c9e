"""What a run made: the resources (:class:`Made`), and the user tag every create of a run carries
(:func:`run_tag`). Positive cases (:mod:`.provision`) and stateful scenarios
(:mod:`.scenario_machine`) of one process tag alike, so that on a node
``q=__userTag__=zstack-contract-run::<run id>`` finds everything that process made.
"""

from __future__ import annotations

from dataclasses import dataclass

TAG_KEY = "zstack-contract-run"


def run_tag(run_id: str) -> str:
    """The user tag every create of the run ``run_id`` carries (a node takes any text as a user tag)."""
    return f"{TAG_KEY}::{run_id}"


@dataclass
class Made:
    """A resource the run made, or asked to make (its create may not have ended, or not said the uuid)."""

    resource: str  # its type: VmInstance
    uuid: str | None  # None: the node never said it
    create: str  # the API that made it
    name: str | None = None  # the name the create gave it, where it takes one
    state: str | None = None  # the state a scenario's model has for it (None: not known, or its inventory has none)
    gone: bool = False  # removed (by a delete's, an expunge's test or step, or by the cleanup)

    def describe(self) -> str:
        """``VmInstance <uuid> in state Running``; one whose uuid the node never said by its name."""
        said = self.uuid or "whose uuid the node did not say" + (f" (named {self.name!r})" if self.name else "")
        return f"{self.resource} {said}" + (f" in state {self.state}" if self.state else "")
