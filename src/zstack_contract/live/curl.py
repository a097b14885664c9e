"""A request as a ready-to-run ``curl`` command, the session never in it: the one way a failure
report (a probe's, a scenario's) shows how to send a request again."""

from __future__ import annotations

import json
import shlex

from ..facts.secrets import Redactor
from .client import Call

SESSION_VARIABLE = "${ZSTACK_SESSION}"  # expanded by the shell: the line runs as it is once it is exported


def curl(call: Call, redactor: Redactor | None = None, session: str = SESSION_VARIABLE) -> str:
    """A curl command for the call's request (its first: a job's polls are the client's business);
    the Authorization header carries ``session`` in place of the session, and any secret the
    redactor knows is masked."""
    req = call.exchange.call.request
    words = ["curl -i -X", req.method]
    for k, v in req.headers.items():
        if k.lower() == "authorization":
            words += ["-H", f'"Authorization: OAuth {session}"']
        else:
            words += ["-H", shlex.quote(f"{k}: {v}")]
    if req.has_json:
        words += ["--data-binary", shlex.quote(json.dumps(req.body, ensure_ascii=False))]
    elif req.text is not None:
        words += ["--data-binary", shlex.quote(req.text)]
    words.append(shlex.quote(req.url))
    line = " ".join(words)
    return redactor.text(line) if redactor else line
