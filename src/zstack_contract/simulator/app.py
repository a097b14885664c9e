"""The WSGI application: routing and the REST layer of a ZStack management node.

The order of checks follows the node's REST servlet: the job path first (any method, no
Authorization needed); then, for an API path, the body is parsed and the action key looked up;
then the Authorization header; then the action value, the ``X-Job-UUID``/``X-API-Timeout``
headers and the tags. Errors of the HTTP layer are plain text; errors of an API are
``{"error": ...}`` with 503. No answer carries a Content-Type.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..facts.ids import new_uuid
from . import render
from .faults import corrupt_inventory
from .query import BadField, BadParameter, parse_query, run_query
from .state import DEFAULT_API_TIMEOUT_MS, Job, State

CONTEXT = "/zstack"
VM_ACTIONS = ("reimageVmInstance", "stopVmInstance", "startVmInstance")
LOGIN_MSG = "org.zstack.header.identity.APILogInByAccountMsg"

URLS = Map(
    [
        Rule(f"{CONTEXT}/v1/api-jobs/<job_uuid>", endpoint="job"),
        Rule(f"{CONTEXT}/v1/accounts/login", endpoint="login"),
        Rule(f"{CONTEXT}/v1/accounts/sessions/<session_uuid>", endpoint="logout"),
        Rule(f"{CONTEXT}/v1/vm-instances", endpoint="vm_query"),
        Rule(f"{CONTEXT}/v1/vm-instances/<vm_uuid>", endpoint="vm_query"),
        Rule(f"{CONTEXT}/v1/vm-instances/<vm_uuid>/actions", endpoint="vm_actions"),
    ],
    strict_slashes=False,
    merge_slashes=False,
    redirect_defaults=False,
)


class Answer(Exception):
    """Stop handling and send this response."""

    def __init__(self, response: Response):
        self.response = response


# The one header a real node never sends: it lets the live suite know it talks to a simulator,
# where reimaging is harmless, so the destructive tests run without --zstack-allow-destructive.
SIMULATOR_HEADER = "X-ZStack-Simulator"


def raw(status: int, body: bytes | str, content_type: str | None = None) -> Response:
    """A response with exactly this body and, like the node's, no Content-Type header."""
    resp = Response(body, status=status)
    del resp.headers["Content-Type"]
    if content_type:
        resp.headers["Content-Type"] = content_type
    return resp


def text(status: int, message: str) -> Answer:
    return Answer(raw(status, message))


@dataclass(frozen=True)
class Ctx:
    """What a handler needs to know about the request."""

    request: Request
    body: bytes
    path: str  # decoded, with the context path: /zstack/v1/...
    api_path: str  # decoded, without the context path: /v1/... (what the node's messages show)
    raw_path: str  # as sent, with the context path (the servlet's getRequestURI())


class Node(Protocol):
    """What the app needs of the node it serves for (the :class:`~.server.Simulator`)."""

    state: State
    faults: frozenset[str]
    job_delay: float
    advertised_url: str
    announce: bool  # send SIMULATOR_HEADER

    def record(self, request: Request, body: bytes, status: int, arrived: float) -> None:
        """Log one request and the status it was answered with."""


class App:
    def __init__(self, sim: Node):
        self.sim = sim
        self.state = sim.state

    # -- plumbing ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        arrived = time.monotonic()
        request = Request(environ)
        body = request.get_data(cache=True)
        path = request.path
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or path
        ctx = Ctx(
            request=request,
            body=body,
            path=path,
            api_path=path[len(CONTEXT):] if path.startswith(CONTEXT + "/") else path,
            raw_path=raw_path.split("?", 1)[0],
        )
        try:
            response = self.dispatch(ctx)
        except Answer as ans:
            response = ans.response
        except Exception as exc:  # like the servlet's catch (Throwable): 500 with the message
            response = raw(500, f"{type(exc).__name__}: {exc}")
        if self.sim.announce:
            response.headers[SIMULATOR_HEADER] = "zstack-contract"
        self.sim.record(request, body, response.status_code, arrived)
        return response(environ, start_response)

    def dispatch(self, ctx: Ctx) -> Response:
        adapter = URLS.bind("simulator", script_name="/")
        try:
            endpoint, args = adapter.match(ctx.path, method=ctx.request.method)
        except NotFound:
            raise text(404, f"no api mapping to {ctx.api_path}") from None
        return getattr(self, endpoint)(ctx, **args)

    @property
    def faults(self) -> frozenset[str]:
        return self.sim.faults

    def not_allowed(self, ctx: Ctx) -> Answer:
        return text(405, f"The method[{ctx.request.method}] is not allowed for the path[{ctx.raw_path}]")

    @staticmethod
    def parse_body(ctx: Ctx) -> dict | None:
        """The body as the node's Gson reads it into a map: None for empty or ``null``."""
        source = ctx.body.decode("utf-8", errors="replace")
        if not source.strip():
            return None
        try:
            doc = json.loads(source)
        except json.JSONDecodeError as exc:
            raise text(500, render.gson_syntax_error(exc)) from None
        if doc is None:
            return None
        if not isinstance(doc, dict):
            raise text(500, render.gson_not_object(doc))
        return doc

    @staticmethod
    def session_of(ctx: Ctx) -> str:
        """The session uuid from ``Authorization: OAuth <uuid>``; only the header's shape is checked."""
        auth = ctx.request.headers.get("Authorization")
        if auth is None:
            raise text(400, "missing header 'Authorization'")
        auth = auth.strip()
        if not auth.startswith("OAuth"):
            raise text(400, "Authorization type must be 'OAuth'")
        return auth.replace("OAuth", "", 1).strip()

    def api_error(self, status: int, doc: dict, *, html_safe: bool) -> Response:
        """An ``{"error": ...}`` answer, subject to the error faults."""
        if "error-as-text" in self.faults:
            return raw(status, render.error_as_text(doc["error"]))
        return raw(status, render.to_json(doc, html_safe=html_safe))

    # -- endpoints -----------------------------------------------------------------------------

    def job(self, ctx: Ctx, job_uuid: str) -> Response:
        if ctx.request.method != "GET":
            raise text(405, "only GET method is allowed for querying job status")
        job = self.state.get_job(job_uuid)
        if job is None:
            raise text(404, "the job has been expired")
        if not job.finished(time.monotonic()):
            return raw(202, b"{}")
        reimage = job.api == "reimageVmInstance"
        status = job.status
        if status == 200:
            fmt = render.iso_date if reimage and "iso-dates" in self.faults else render.jvm_date
            inventory = render.plain(job.body["inventory"], fmt)
            if reimage:
                corrupt_inventory(inventory, self.faults, self.other_vm(job.extra["vm"]))
            response = raw(200, render.to_json({"inventory": inventory}, html_safe=True))
        else:
            if "error-200" in self.faults:
                status = 200
            response = self.api_error(status, render.plain(job.body), html_safe=True)
        if reimage and "truncated-json" in self.faults:
            data = response.get_data()
            response.set_data(data[: max(1, len(data) // 2)])
        return response

    def other_vm(self, vm_uuid: str) -> str:
        """Another VM's uuid (for ``nic-owner``); a fresh one if the VM is alone."""
        with self.state.lock:
            others = [u for u in self.state.vms if u != vm_uuid]
        return others[0] if others else new_uuid()

    def login(self, ctx: Ctx) -> Response:
        if ctx.request.method != "PUT":
            raise self.not_allowed(ctx)
        doc = self.parse_body(ctx) or {}
        param = doc.get("logInByAccount")
        if param is not None and not isinstance(param, dict):
            raise text(500, render.class_cast(param, "java.util.Map"))
        param = param or {}
        for key in ("accountName", "password"):
            if not isinstance(param.get(key), str):
                details = f"field[{key}] of message[{LOGIN_MSG}] is mandatory, can not be null"
                return self.api_error(503, {"error": render.error_code("SYS.1007", details)}, html_safe=False)
        session = self.state.login(param["accountName"], param["password"])
        if session is None:
            err = render.error_code("ID.1000", "wrong account name or password")
            return self.api_error(503, {"error": err}, html_safe=False)
        return raw(200, render.to_json({"inventory": render.plain(session.inventory())}))

    def logout(self, ctx: Ctx, session_uuid: str) -> Response:
        if ctx.request.method != "DELETE":
            raise self.not_allowed(ctx)
        self.parse_body(ctx)
        self.state.logout(session_uuid)
        return raw(200, b"{}")

    def vm_query(self, ctx: Ctx, vm_uuid: str | None = None) -> Response:
        self.parse_body(ctx)
        if ctx.request.method != "GET":
            raise self.not_allowed(ctx)
        session = self.session_of(ctx)
        if vm_uuid is not None:  # GET /vm-instances/{uuid}: only the uuid condition counts
            query = parse_query({})
            query.conditions.append(("uuid", "=", vm_uuid))
        else:
            try:
                query = parse_query(ctx.request.args)
            except BadParameter as exc:
                raise text(400, str(exc)) from None
        if not self.state.session_valid(session):
            return self.api_error(503, {"error": render.error_code("ID.1001", "Session expired")}, html_safe=False)
        vms = self.state.all_vms()
        known = set().union(*(vm.keys() for vm in vms)) if vms else {"uuid"}
        try:
            body = run_query(vms, query, known)
        except BadField as exc:
            return self.api_error(503, {"error": render.error_code("SYS.1007", str(exc))}, html_safe=False)
        return raw(200, render.to_json(render.plain(body)))

    def vm_actions(self, ctx: Ctx, vm_uuid: str) -> Response:
        method = ctx.request.method
        doc = self.parse_body(ctx)
        if method == "GET":
            raise text(500, f"No query API found for the path[{ctx.raw_path}]")
        if method == "DELETE":
            raise text(500, f"No delete API found for the path[{ctx.raw_path}]")
        if method == "POST":
            raise text(500, f"No creational API found for the path[{ctx.raw_path}]")
        if method != "PUT":
            raise self.not_allowed(ctx)
        if doc is None:
            raise text(500, "")  # the node dereferences the missing map: an exception without message
        api = next((key for key in doc if key in VM_ACTIONS), None)
        if api is None:
            raise text(400, f"the body doesn't contain action mapping to the URL[{ctx.api_path}]")
        session = self.session_of(ctx)
        param = doc[api]
        if param is not None and not isinstance(param, dict):
            raise text(500, render.class_cast(param, "java.util.Map"))
        job_uuid = self.job_uuid_header(ctx)
        timeout_ms = self.api_timeout_header(ctx)
        if "accept-bad-tags" not in self.faults:
            for key in ("systemTags", "userTags"):
                tags = doc.get(key)
                if tags is not None and not isinstance(tags, list):
                    raise text(500, render.class_cast(tags, "java.util.List"))
        reimage = api == "reimageVmInstance"
        if reimage and "server-error" in self.faults:
            return raw(500, render.SERVER_ERROR_PAGE, content_type="text/html;charset=utf-8")
        # the uuid in the URL is the one that counts, whatever the body says
        status, result = self.state.run_action(api, vm_uuid, session)
        never = reimage and "never-done" in self.faults
        ready_at = None if never else time.monotonic() + self.sim.job_delay
        if not self.state.add_job(Job(job_uuid, api, status, result, ready_at, timeout_ms, extra={"vm": vm_uuid})):
            raise text(400, f"Duplicate job uuid[{job_uuid}]")  # lost a race with the same X-Job-UUID
        answer: dict[str, Any] = {"location": f"{self.sim.advertised_url}/v1/api-jobs/{job_uuid}", "apiTimeout": timeout_ms}
        if reimage and "no-location" in self.faults:
            del answer["location"]
        return raw(202, render.to_json(answer, html_safe=True))

    def job_uuid_header(self, ctx: Ctx) -> str:
        value = ctx.request.headers.get("X-Job-UUID")
        if value is None:
            return new_uuid()
        if len(value) != 32:
            raise text(400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
        if self.state.job_exists(value):
            raise text(400, f"Duplicate job uuid[{value}]")
        return value

    @staticmethod
    def api_timeout_header(ctx: Ctx) -> int:
        value = ctx.request.headers.get("X-API-Timeout")
        if value is None:
            return DEFAULT_API_TIMEOUT_MS
        try:
            return int(value.strip()) * 1000
        except ValueError:
            raise text(500, f'For input string: "{value}"') from None

