"""The contract a run holds a node to when told ``--release auto`` (pytest ``--zstack-release
auto``, ``proxy --release auto``): the newest release shipped at or below the version the node
says it runs (``PUT /v1/management-nodes/actions`` with ``{"getVersion": {}}``, which needs no
session, answered ``{"version": "..."}``); a node older than the oldest release gets the oldest, a
node that does not answer the newest, and the reports say which and why (``5.1.30: the node says
5.1.31``). The question has a deadline of its own (:data:`ASK_TIMEOUT`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..contract.compiled import ContractSet
from ..contract.loading import held_to_node, load_contracts
from ..contract.releases import find_release, release_for
from ..errors import ContractError
from ..facts.oneline import PREVIEW, one_line
from .client import ZStackClient

GET_VERSION = ("PUT", "/v1/management-nodes/actions", {"getVersion": {}})
ASK_TIMEOUT = 10.0  # seconds for the whole question, connection and answer
_VERSION = re.compile(r"\d+(?:[.\-_][0-9A-Za-z]+)*")


@dataclass(frozen=True)
class NodeRelease:
    release: str  # the shipped release chosen
    why: str  # ``the node says 5.1.31``
    version: str | None  # what the node said; None when it did not answer

    def __str__(self) -> str:
        return f"{self.release}: {self.why}"


def ask_version(base_url: str, timeout: float = ASK_TIMEOUT) -> tuple[str | None, str | None]:
    """(the node's version, None), or (None, why there is none: ``404 no api mapping to ...``)."""
    method, path, body = GET_VERSION
    try:
        client = ZStackClient(base_url, timeout=(min(3.0, timeout), timeout))
    except ContractError as exc:
        return None, str(exc)
    try:
        answer = client.request(method, path, json_body=body, auth=False, poll=False, note="ask the node's version").final
    except ContractError as exc:
        return None, str(exc)
    finally:
        client.http.close()
    version = answer.body.get("version") if answer.has_json and isinstance(answer.body, dict) else None
    if answer.status == 200 and isinstance(version, str) and _VERSION.fullmatch(version.strip()):
        return version.strip(), None
    said = json.dumps(answer.body) if answer.has_json else answer.text or ""
    if answer.status == 200:
        return None, f"200 without a version: {one_line(said, PREVIEW)}"
    return None, one_line(f"{answer.status} {said}".strip(), PREVIEW)


def node_release(base_url: str, timeout: float = ASK_TIMEOUT) -> NodeRelease:
    """The release a node at ``base_url`` is held to, and why."""
    version, problem = ask_version(base_url, timeout)
    if version is None:
        return NodeRelease(find_release().name, f"the node did not answer getVersion ({problem}), the newest", None)
    release, why = release_for(version)
    return NodeRelease(release.name, why, version)


def contracts_for_node(base_url: str, timeout: float = ASK_TIMEOUT) -> ContractSet:
    """The contracts of the release the node at ``base_url`` is held to (:func:`node_release`),
    fields newer than its version not expected of it (:mod:`~zstack_contract.contract.since`)."""
    chosen = node_release(base_url, timeout)
    contracts = load_contracts(None, chosen.release)
    if chosen.version is None:
        contracts.why = chosen.why
        return contracts
    return held_to_node(contracts, chosen.version, chosen.why)
