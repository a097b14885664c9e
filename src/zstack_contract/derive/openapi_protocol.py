"""What the protocol adds to every operation of the OpenAPI export, the same for every API.

The pages say nothing of it; the facts are the node's REST servlet's, as the simulator plays them:
the ``202`` job answer and the job poll, the plain-text answers of the HTTP layer, the OAuth
header, which status carries which half of the envelope, and that a node sets no
``Content-Type`` on any answer. A media type in this document says what a body *is* (JSON or
plain text), never a header the node sends: a tool that insists on the header needs telling (the
README's Schemathesis recipe does).

The links follow a job: the ``202`` of an asynchronous API to its poll, and a running poll to the
next. The job's uuid is the last segment of the ``location`` URL in the 202 body (not a
``Location`` header); OpenAPI's runtime expressions cannot cut a string, so the link uses the
regex extractor Schemathesis adds to them (``$response.body#/location#regex:...``). The text is a
well-formed runtime expression all the same (``#``, ``:`` and the regex are legal characters of a
JSON Pointer), which a tool without the extension resolves to no value.
"""

from __future__ import annotations

from typing import Any

from ..facts.urls import JOB_TEMPLATE

JOB_PATH = JOB_TEMPLATE
JOB_OPERATION = "pollApiJob"
SECURITY = "OAuth"

# the job's uuid, cut from the 202 body's location URL by Schemathesis's regex extractor (one group)
JOB_FROM_LOCATION = "$response.body#/location#regex:" + JOB_PATH.split("{")[0] + "([^/]+)$"
NO_CONTENT_TYPE = "No Content-Type header: the node sets none on any answer."


def success_component(api: str) -> str:
    return f"{api}.success"


def error_component(api: str) -> str:
    return f"{api}.error"


def local(component: str) -> dict[str, str]:
    return {"$ref": "#/components/schemas/" + component}


def one_or_any(refs: list[dict], keyword: str) -> dict[str, Any]:
    return refs[0] if len(refs) == 1 else {keyword: refs}


def _required_any(names: tuple[str, ...]) -> dict[str, Any]:
    return {"required": [names[0]]} if len(names) == 1 else {"anyOf": [{"required": [n]} for n in names]}


def envelope_halves(api: str, success: tuple[str, ...], errors: tuple[str, ...], response_ref: dict) -> dict[str, Any]:
    """The two halves of an API's derived response schema, by status: ``200`` carries no error
    field, ``503`` carries one. The derived schema already holds a body to exactly one of success
    and error, so each half is that schema plus one ``required`` (or its negation): an error
    answered ``200`` breaks the ``200`` schema, a success answered ``503`` the ``503`` schema."""
    fields = ", ".join(f"`{f}`" for f in success) if success else "no field (`{}`)"
    wrong = ", ".join(f"`{e}`" for e in errors)
    return {
        success_component(api): {
            "description": f"A success answer of {api}: {fields}, never {wrong}.",
            "allOf": [response_ref, {"not": _required_any(errors)}],
        },
        error_component(api): {
            "description": f"A failure answer of {api}: {wrong} alone.",
            "allOf": [response_ref, _required_any(errors)],
        },
    }


def result_answers(names: list[str], at_once: bool) -> dict[str, Any]:
    """The ``200`` and ``503`` answers of operations serving the APIs ``names``."""
    ok = one_or_any([local(success_component(n)) for n in names], "anyOf")
    failed = one_or_any([local(error_component(n)) for n in names], "anyOf")
    when = "The result at once (queries, the login, most reads)" if at_once else "The job succeeded"
    return {
        "200": {
            "description": f"{when}: the success fields, never `error` (an API error answered 200 breaks this schema). {NO_CONTENT_TYPE}",
            "content": {"application/json": {"schema": ok}},
        },
        "503": {
            "description": (
                "The API failed: `{\"error\": ErrorCode}`, JSON. An unknown or expired session is such a failure (`ID.1001`): "
                f"a node never answers 401 or 403. {NO_CONTENT_TYPE}"
            ),
            "content": {"application/json": {"schema": failed}},
        },
    }


def job_operation(names: list[str]) -> dict[str, Any]:
    """``GET /v1/api-jobs/{jobUuid}`` for the asynchronous APIs ``names``."""
    answers = result_answers(names, at_once=False)
    return {
        "summary": "Poll an asynchronous API's job",
        "operationId": JOB_OPERATION,
        "description": (
            "The job named by the `location` of a 202 answer. Keep your own scheme, host and port and take only the "
            "path from the location: the node builds it from its own address, which behind NAT or a proxy the client "
            "may not reach. Finished jobs are kept for three hours; a method other than GET is a plain-text 405. "
            "The node asks no session for it (RestServer.handleJobQuery)."
        ),
        "security": [],
        "parameters": [{"name": "jobUuid", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": answers["200"],
            "202": {
                "description": f"The job is still running: `{{}}` (an empty body on servers older than late 2018). {NO_CONTENT_TYPE}",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobRunning"}}},
                "links": {
                    "pollAgain": {
                        "operationId": JOB_OPERATION,
                        "parameters": {"jobUuid": "$request.path.jobUuid"},
                        "description": "Still running: poll the same job again (the official SDKs wait a second).",
                    }
                },
            },
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": _text(f"Unknown or expired job (plain text): `the job has been expired`. {NO_CONTENT_TYPE}"),
            "503": answers["503"],
        },
    }


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"$ref": "#/components/schemas/PlainText"}}}}


def protocol_components() -> dict[str, Any]:
    """The security scheme, the job's bodies and the HTTP layer's answers."""
    return {
        "securitySchemes": {
            SECURITY: {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    "`Authorization: OAuth <session-uuid>`: the word OAuth, a space and the session uuid a login returns. "
                    "It is not OAuth 2 (no token endpoint, no bearer), so an API key in a header is the honest mapping: "
                    "the value sent is the whole `OAuth <session-uuid>`. No header, or another scheme: a plain-text 400 "
                    "(never 401). An unknown or expired session is not refused at the HTTP layer: the API fails with "
                    "`ID.1001`, a 503 at once or the end of its job (an asynchronous API still answers 202 first)."
                ),
            }
        },
        "schemas": {
            "JobAccepted": {
                "type": "object",
                "required": ["location"],
                "properties": {
                    "location": {"type": "string", "description": "http://<node>:8080/zstack/v1/api-jobs/<job-uuid>: poll it with GET."},
                    "apiTimeout": {"type": "integer", "description": "How long the node lets the job run, in milliseconds."},
                },
            },
            "JobRunning": {"type": "object", "maxProperties": 0},
            "PlainText": {"type": "string", "description": "The server sets no Content-Type; these bodies are plain text, not JSON."},
        },
        "responses": {
            "JobAccepted": {
                "description": (
                    "Accepted: an asynchronous API answers at once with its job, named in the body's `location` (there is "
                    f"no Location header). {NO_CONTENT_TYPE}"
                ),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobAccepted"}}},
                "links": {
                    "poll": {
                        "operationId": JOB_OPERATION,
                        "parameters": {"jobUuid": JOB_FROM_LOCATION},
                        "description": (
                            "Poll the job: its uuid is the last segment of `location` (Schemathesis's regex extractor; "
                            "elsewhere, take the path after /v1/api-jobs/ yourself)."
                        ),
                    }
                },
            },
            "BadRequest": _text(
                "Refused at the HTTP layer (plain text): `missing header 'Authorization'` (no Authorization header: 400, "
                "never 401), `Authorization type must be 'OAuth'`, a body without an action key for this path, a parameter "
                f"value that is not of its Java type, an `X-Job-UUID` that is not 32 characters or was used before. {NO_CONTENT_TYPE}"
            ),
            "NoApiMapping": _text(f"No API at this path (plain text): `no api mapping to <path>`. {NO_CONTENT_TYPE}"),
            "ServerError": _text(
                "A body that is not JSON, a JSON array, an action value that is not an object, a `systemTags` that is not a "
                f"list, or an empty body (plain text: the parser's message, or empty). {NO_CONTENT_TYPE}"
            ),
        },
    }
