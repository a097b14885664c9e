"""Building exchanges in code for the check tests: a reimage call, its polls and its answer."""

from __future__ import annotations

import copy

from zstack_contract.inputs.exchange import Exchange, Request, Response, Step

BASE = "http://127.0.0.1:8080/zstack"
JOB = "5b8c4bc3c1b34f0d8e0b6b8b0c6d2e11"


def reimage(vm: str, *answers: tuple[int, object], call_status: int = 202, call_body=None, source="test.json") -> Exchange:
    """A reimage of ``vm``: the 202 call, then one poll per (status, body) answer.

    A body that is a ``str`` is a non-JSON (text) body; ``None`` an empty one.
    """
    if call_body is None:
        call_body = {"location": f"{BASE}/v1/api-jobs/{JOB}", "apiTimeout": 259200000}
    steps = [Step(Request(method="PUT", url=f"{BASE}/v1/vm-instances/{vm}/actions", body={"reimageVmInstance": {}}), _response(call_status, call_body))]
    for status, body in answers:
        steps.append(Step(Request(method="GET", url=f"{BASE}/v1/api-jobs/{JOB}"), _response(status, body)))
    return Exchange(steps=steps, source=source)


def _response(status, body) -> Response:
    if body is None:
        return Response(status=status)
    if isinstance(body, str):
        return Response(status=status, text=body)
    return Response(status=status, body=copy.deepcopy(body))
