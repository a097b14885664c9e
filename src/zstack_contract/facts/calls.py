"""Which APIs a node answers at once and which with a job (docs/protocol.md, "Which APIs answer at
once"): the servlet answers queries, reads and the APIs that need no session (the login) at once,
every other API with ``202`` and a job to poll. The method does not decide it."""

from __future__ import annotations

AT_ONCE_KINDS = ("query", "get")


def answers_at_once(kind: str, authorized: bool) -> bool:
    """Whether an API of this kind (action, create, delete, get, query, update) answers at once."""
    return kind in AT_ONCE_KINDS or not authorized
