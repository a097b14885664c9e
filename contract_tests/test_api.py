"""Every API of the schemas, live: the cases its page makes possible (see
``zstack_contract.live.cases``), one test each (``test_api[<API>-unknown-resource]``).
--zstack-api GLOB and --zstack-case NAME choose; a case that would change a resource on a node
that failed to refuse it runs on a live node only with --zstack-allow-destructive.
"""

from __future__ import annotations

import pytest

from zstack_contract.live import cases

pytestmark = pytest.mark.zstack_live


def test_api(zstack_api_case, zstack_live, zstack_contract, record_property):
    outcome = cases.run(zstack_api_case, zstack_contract.validation.contracts, zstack_live)
    if outcome is not None:  # which of the answers the case takes came (a delete of nothing)
        record_property("outcome", outcome)
