"""Every API of the schemas, live: the cases its page makes possible (see
``zstack_contract.live.cases``), one test each (``test_api[<API>-unknown-resource]``).
--zstack-api GLOB and --zstack-case NAME choose; a case that would change a resource on a node
that failed to refuse it runs on a live node only with --zstack-allow-destructive.
"""

from __future__ import annotations

import pytest

from zstack_contract.live import cases

pytestmark = pytest.mark.zstack_live


def test_api(zstack_api_case, zstack_live, zstack_contract, zstack_property):
    # what the target answered (succeeded, SYS.1003, ...): JUnit property `outcome` of the test
    zstack_property("outcome", cases.run(zstack_api_case, zstack_contract.validation.contracts, zstack_live))
