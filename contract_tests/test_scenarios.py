"""Stateful scenarios: per resource family of the contract (the APIs that create, list, read, act
on and delete one type), a Hypothesis state machine creates, acts, reads, queries and deletes in
any order the model of the resources it made allows, and holds every answer to the contract and
to the model (an action in a state the node refuses expects the node's error). A failing
sequence is shrunk to the shortest one and shown as curl lines. Everything a scenario creates is
deleted at its end; on a live node they run only with --zstack-allow-destructive.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.zstack_live, pytest.mark.zstack_destructive]


def test_scenario(zstack_scenario, zstack_contract):
    failure = zstack_scenario.play()
    if failure is not None:
        zstack_contract.fail_explained(failure)
