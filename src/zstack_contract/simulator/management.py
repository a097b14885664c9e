"""The management node's own API the simulator answers with code of its own: ``GetVersion``, the
release of the contract it serves (``{"version": "5.3.0"}``, as a node's ``APIGetVersionReply``
is rendered: its fields at the top level), at once and with no session (the message is an
``APISyncCallMessage`` marked ``@SuppressCredentialCheck``). A simulator that knows no release
(a folder of schemas, none named) does not serve it, unless the schemas describe it.
"""

from __future__ import annotations

from collections.abc import Callable

from .apis import Api
from .generic import Call, Outcome

GET_VERSION = Api(name="GetVersion", kind="action", method="PUT", templates=("/v1/management-nodes/actions",),
                  action_key="getVersion", container="getVersion", authorized=False, success=("version",))


def get_version(release: str) -> Callable[[Call], Outcome]:
    """The work of ``GetVersion`` on a node of ``release``."""

    def work(call: Call) -> Outcome:
        return 200, {"version": release}

    return work
