"""The validation proxy: real clients' traffic held to the contract as it passes.

:mod:`.forward` passes every request to the target and every answer back, unchanged but for a
``202``'s job location; :mod:`.stitch` makes exchanges of calls and their job polls; :mod:`.run`
checks each, prints new findings, records and reports. ``zstack-contract proxy`` is the face.
"""

DRAIN_FOR = 60.0  # seconds a session's close waits at most for the checks of what is queued (``--drain``)
