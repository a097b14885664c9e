"""Every recording under contract_tests/recordings (or --zstack-recordings DIR) against the contract.

One test per file. A recording is a bare response body or an exchange record (see README).
"""


def test_recording(zstack_recording_exchanges, zstack_contract):
    zstack_contract.check_file(zstack_recording_exchanges)
