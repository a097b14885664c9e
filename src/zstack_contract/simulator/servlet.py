"""The REST layer of a management node, as its servlet handles a request (``RestServer.handle``):
for every API alike, in the node's order.

1. the job path ``/v1/api-jobs/{uuid}`` (GET only; no session needed);
2. the API at the path (``404 no api mapping``), paths matched exactly;
3. the body, parsed as Gson does (:mod:`.gson`; a parse error is a 500 with Gson's message);
4. on a path several APIs share, the API by the method and, for PUT, the action key (``400``);
5. the Authorization header (``400``), unless the API needs no session;
6. a query API: its query string (``400``), answered at once;
7. the parameters (a GET's and DELETE's from the query string, else the body's structure: one
   that is not an object is a 500 ClassCastException), each integer and boolean checked as the
   node's ``TypeVerifier`` does (``400``);
8. ``X-Job-UUID`` (``400``) and ``X-API-Timeout`` (``Long.parseLong``: a 500);
9. ``systemTags``/``userTags`` that are not lists (a 500 ClassCastException);
10. the message: answered at once (queries, reads, the login) or with a job (202 and a location).

Errors of this layer are plain text; errors of an API are ``{"error": ...}`` with 503. No answer
carries a Content-Type. The API's own work is :mod:`.generic` (and :mod:`.vms`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from werkzeug.wrappers import Request, Response

from ..contract.routes import (
    METHOD_NOT_ALLOWED,
    NO_ACTION,
    NO_API_FOR_METHOD,
    NO_BODY,
    NO_MAPPING,
    Routed,
    Router,
)
from ..facts.ids import is_uuid_list_param, new_uuid
from ..facts.urls import job_of, job_path
from . import generic, java, render
from .apis import Api
from .faults import Faults, corrupt
from .gson import GsonError, from_json
from .query import BadParameter, parse_query
from .state import DEFAULT_API_TIMEOUT_MS, Job, State

CONTEXT = "/zstack"
HTML = "text/html;charset=utf-8"
# The methods the node's one controller maps (RestServerController.api); the REST servlet
# (RestServer) sees no other.
CONTROLLER_METHODS = ("POST", "PUT", "DELETE", "GET", "HEAD")
# What Tomcat names in Allow when it refuses TRACE: the servlet's methods (StandardWrapper.getServletMethods,
# a Java HashSet of the DispatcherServlet's doGet/doPost/doPut/doDelete and OPTIONS, in that set's order), less TRACE.
TOMCAT_ALLOW = "HEAD, DELETE, POST, GET, OPTIONS, PUT"
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
# The one header a real node never sends: it lets the live suite know it talks to a simulator,
# where changing state is harmless, so the destructive tests run without --zstack-allow-destructive.
SIMULATOR_HEADER = "X-ZStack-Simulator"


class Node(Protocol):
    """What the servlet needs of the node it serves for (the :class:`~.server.Simulator`)."""

    state: State
    faults: Faults
    job_delay: float
    advertised_url: str
    announce: bool  # send SIMULATOR_HEADER
    max_body: int  # bytes; the HTTP layer reads no more of a body
    jvm: int
    routes: Router[Api]
    apis: dict[str, Api]
    work: dict[str, Callable[[generic.Call], generic.Outcome]]  # the hand-written APIs' work

    def record(self, request: Request, body: bytes, status: int, arrived: float) -> None:
        """Log one request and the status it was answered with."""


class Answer(Exception):
    """Stop handling and send this response."""

    def __init__(self, response: Response):
        self.response = response


def raw(status: int, body: bytes | str, content_type: str | None = None) -> Response:
    """A response with exactly this body and, like the node's, no Content-Type header. A text body
    is written as Java writes a String in UTF-8 (a lone half of a surrogate pair it echoes is ``?``)."""
    resp = Response(render.java_utf8(body) if isinstance(body, str) else body, status=status)
    del resp.headers["Content-Type"]
    if content_type:
        resp.headers["Content-Type"] = content_type
    return resp


def tomcat_trace(in_context: bool) -> Response:
    """Tomcat's answer to TRACE (its connector's ``allowTrace`` is false by default:
    ``CoyoteAdapter.postParseRequest``): 405, with the methods the servlet serves in ``Allow``."""
    resp = raw(405, render.status_page(405, "Method Not Allowed", render.METHOD_NOT_ALLOWED, "TRACE method is not allowed"),
               content_type=HTML)
    if in_context:
        resp.headers["Allow"] = TOMCAT_ALLOW
    return resp


def spring_no_method(method: str) -> Response:
    """What the node's DispatcherServlet answers to a method its one controller
    (``RestServerController.api``) does not map: OPTIONS is answered with the methods it maps
    (200, no body); any other, 405 with Tomcat's page (``HttpRequestMethodNotSupportedException``)."""
    if method == "OPTIONS":
        resp = raw(200, b"")
        resp.headers["Allow"] = ", ".join((*CONTROLLER_METHODS, "OPTIONS"))
        return resp
    resp = raw(405, render.status_page(405, "Method Not Allowed", render.METHOD_NOT_ALLOWED, f"Request method '{method}' not supported"),
               content_type=HTML)
    resp.headers["Allow"] = ", ".join(CONTROLLER_METHODS)
    return resp


def text(status: int, message: str) -> Answer:
    return Answer(raw(status, message))


@dataclass(frozen=True)
class Ctx:
    request: Request
    body: bytes
    api_path: str  # decoded, without the context path: /v1/... (what the node's messages show)
    raw_path: str  # as sent, with the context path (the servlet's getRequestURI())


class Servlet:
    def __init__(self, node: Node):
        self.node = node
        self.state = node.state

    def __call__(self, environ, start_response):
        arrived = time.monotonic()
        request = Request(environ)
        body = request.get_data(cache=True)  # read whole by the HTTP layer, unless over max_body
        path = request.path
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or path).split("?", 1)[0]
        ctx = Ctx(request, body, path[len(CONTEXT):] if path.startswith(CONTEXT + "/") else path, raw_path)
        in_context = path.startswith(CONTEXT + "/")
        if request.method == "TRACE":  # Tomcat refuses it before any web application sees it
            response = tomcat_trace(in_context)
        elif not in_context:  # outside the node's web application: Tomcat's own page
            response = raw(404, render.NOT_FOUND_PAGE, content_type=HTML)
        elif request.method not in CONTROLLER_METHODS:  # Spring answers; the REST servlet never sees it
            response = spring_no_method(request.method)
        elif environ.get("zstack.body_refused"):  # the HTTP layer did not read it: the connection closes
            environ["zstack.close"] = True
            response = raw(413, f"the request body is larger than the limit of {self.node.max_body} bytes")
        else:
            try:
                response = self.handle(ctx)
            except Answer as ans:
                response = ans.response
            except Exception as exc:  # like the servlet's catch (Throwable): 500 with the message
                response = raw(500, f"{type(exc).__name__}: {exc}")
        if self.node.announce:
            response.headers[SIMULATOR_HEADER] = "zstack-contract"
        self.node.record(request, body, response.status_code, arrived)
        return response(environ, start_response)

    # -- the REST layer ----------------------------------------------------------------------------
    def handle(self, ctx: Ctx) -> Response:
        job = job_of(ctx.api_path)
        if job is not None:
            return self.job(ctx, job)
        if self.node.routes.entry(ctx.api_path) is None:
            raise text(404, f"no api mapping to {ctx.api_path}")
        try:
            doc = from_json(ctx.body.decode("utf-8", errors="replace"))
        except GsonError as exc:
            raise text(500, str(exc)) from None
        routed = self.node.routes.route(ctx.request.method, ctx.api_path, doc)
        api = self.routed(ctx, routed)
        doc = doc if doc is not None else {}
        session = self.session_of(ctx) if api.authorized else None
        if self.faulty("server-error", api):
            return raw(500, render.SERVER_ERROR_PAGE, content_type=HTML)
        path_vars = routed.variables
        if api.kind == "query":
            return self.answer(api, generic.process(generic.Call(api, {}, path_vars, session, self.state, query=self.query_args(ctx))), ctx)
        params = self.params(ctx, api, doc)
        job_uuid = self.job_uuid_header(ctx)
        timeout_ms = self.api_timeout_header(ctx)
        if ctx.request.method not in ("GET", "DELETE") and not self.faulty("accept-bad-tags", api):
            for key in ("systemTags", "userTags"):
                tags = doc.get(key)
                if tags is not None and not isinstance(tags, list):
                    raise text(500, java.class_cast(tags, "java.util.List", self.node.jvm))
        call = generic.Call(api, params, path_vars, session, self.state, body=doc)
        work = self.node.work.get(api.name)
        if api.sync:
            return self.answer(api, generic.process(call, work), ctx)
        job_uuid = job_uuid or new_uuid()
        status, result = generic.process(call, work)
        ready_at = None if self.faulty("never-done", api) else time.monotonic() + self.node.job_delay
        if not self.state.add_job(Job(job_uuid, api.name, status, result, ready_at, timeout_ms)):
            raise text(400, f"Duplicate job uuid[{job_uuid}]")  # lost a race with the same X-Job-UUID
        accepted: dict[str, Any] = {"location": self.node.advertised_url + job_path(job_uuid), "apiTimeout": timeout_ms}
        if self.faulty("no-location", api):
            del accepted["location"]
        return raw(202, render.to_json(accepted, html_safe=True))

    def routed(self, ctx: Ctx, routed: Routed[Api]) -> Api:
        """The API the route table handed the request to, or the node's answer to why none
        (``RestServer.handleNonUniqueApi``)."""
        if routed.api is not None:
            return routed.api
        method, refusal = ctx.request.method, routed.refusal
        if refusal == NO_BODY:
            raise text(500, "")  # the node dereferences the missing map: an exception without a message
        if refusal == NO_ACTION:
            raise text(400, f"the body doesn't contain action mapping to the URL[{ctx.api_path}]")
        if refusal == NO_API_FOR_METHOD:
            wanted = {"POST": "creational", "GET": "query", "DELETE": "delete"}[method]
            raise text(500, f"No {wanted} API found for the path[{ctx.raw_path}]")
        if refusal == METHOD_NOT_ALLOWED:
            raise text(405, f"The method[{method}] is not allowed for the path[{ctx.raw_path}]")
        assert refusal == NO_MAPPING, refusal
        raise text(404, f"no api mapping to {ctx.api_path}")

    def session_of(self, ctx: Ctx) -> str:
        """The session from ``Authorization: OAuth <uuid>``; only the header's shape is checked here."""
        auth = ctx.request.headers.get("Authorization")
        if auth is None:
            raise text(400, "missing header 'Authorization'")
        auth = auth.strip()
        if auth.startswith("OAuth"):
            return auth.replace("OAuth", "", 1).strip()
        if auth.startswith("ZStack"):
            # The access-key scheme is a plug-in the open-source node does not have: asking for its
            # backend throws before anything else is looked at.
            raise text(500, "RestAuthenticationType type: ZStack was not registered by any RestAuthenticationBackend")
        raise text(400, "Authorization type must be 'OAuth'")

    def query_args(self, ctx: Ctx):
        args = ctx.request.args
        try:
            parse_query(args)  # the REST layer refuses what it cannot parse, before the query runs
        except BadParameter as exc:
            raise text(400, str(exc)) from None
        return args

    def params(self, ctx: Ctx, api: Api, doc: dict) -> dict[str, Any]:
        """The message's parameters, checked as the REST layer checks them."""
        if ctx.request.method in ("GET", "DELETE"):
            params: dict[str, Any] = {}
            for name in ctx.request.args:
                p = api.param(name)
                if p is None:
                    continue  # the node logs "unknown query parameter" and goes on
                values = ctx.request.args.getlist(name)
                if p.type == "array" or is_uuid_list_param(name):  # a Collection field: every value, in order
                    params[name] = values
                elif len(values) > 1:
                    raise text(400, f"Invalid query parameter[{name}], only one value is allowed for the parameter but multiple values found")
                else:
                    params[name] = _from_query(values[0], p.type)
        else:
            container = doc.get(api.container) if api.container else None
            if container is not None and not isinstance(container, dict):
                raise text(500, java.class_cast(container, "java.util.Map", self.node.jvm))
            params = dict(container or {})
        for p in api.params:
            value = params.get(p.name)
            if value is None or p.where in ("path", "top"):
                continue
            message = type_check(p.name, p.type, value)
            if message:
                raise text(400, message)
        return params

    def job_uuid_header(self, ctx: Ctx) -> str | None:
        value = ctx.request.headers.get("X-Job-UUID")
        if value is None:
            return None
        if len(value) != 32 or not _HEX32.fullmatch(value):
            # A node takes any 32 characters; the simulator takes hex only, as it puts them in a location.
            raise text(400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
        if ctx.request.method in ("POST", "PUT", "DELETE") and self.state.job_exists(value):
            raise text(400, f"Duplicate job uuid[{value}]")
        return value

    def api_timeout_header(self, ctx: Ctx) -> int:
        value = ctx.request.headers.get("X-API-Timeout")
        if value is None:
            return DEFAULT_API_TIMEOUT_MS
        try:
            seconds = java.parse_long(value)  # not trimmed: " 10" is refused too
        except ValueError as exc:
            raise text(500, str(exc)) from None
        return max(min(seconds * 1000, java.LONG_RANGE[1]), java.LONG_RANGE[0])  # TimeUnit.toMillis saturates

    # -- answers -------------------------------------------------------------------------------------
    def faulty(self, name: str, api: Api) -> bool:
        return self.node.faults.on(name, api.name, session_api=not api.authorized)

    def render_answer(self, api: Api, status: int, body: dict, job: bool = False) -> tuple[int, bytes | str]:
        """(status, body) of an API's answer, rendered as the node does, with the answer faults. A
        job's result is written with Gson's defaults (HTML-safe), its errors too; a synchronous
        error is not."""
        dates = render.iso_date if self.faulty("iso-dates", api) and status == 200 else render.dates_of(self.node.jvm)
        doc = render.plain(body, dates)
        if status == 200:
            corrupt(doc, api.success, lambda name: self.faulty(name, api), long_paths(api), self.other_vm(doc))
            return status, render.to_json(doc, html_safe=True)
        if self.faulty("error-as-text", api):
            return status, render.error_as_text(doc["error"])
        return status, render.to_json(doc, html_safe=job)

    def answer(self, api: Api, outcome: generic.Outcome, ctx: Ctx) -> Response:
        """The answer of an API that answers at once."""
        status, body = self.render_answer(api, *outcome)
        return self.truncated(api, raw(status, body))

    def truncated(self, api: Api, response: Response) -> Response:
        if self.faulty("truncated-json", api):
            data = response.get_data()
            response.set_data(data[: max(1, len(data) // 2)])
        return response

    def job(self, ctx: Ctx, job_uuid: str) -> Response:
        if ctx.request.method != "GET":
            raise text(405, "only GET method is allowed for querying job status")
        job = self.state.get_job(job_uuid)
        if job is None:
            raise text(404, "the job has been expired")
        if not job.finished(time.monotonic()):
            return raw(202, b"{}")
        api = self.node.apis[job.api]
        status, body = self.render_answer(api, job.status, job.body, job=True)
        if status == 503 and self.faulty("error-200", api):
            status = 200
        return self.truncated(api, raw(status, body))

    def other_vm(self, doc: dict) -> str:
        """Another VM's uuid than the answer's (for ``nic-owner``); a fresh one if there is none."""
        objects = [v for v in doc.values() if isinstance(v, dict)]
        objects += [item for v in doc.values() if isinstance(v, list) for item in v if isinstance(item, dict)]
        mine = {v.get("uuid") for v in objects}
        with self.state.lock:
            others = [u for u in self.state.vms if u not in mine]
        return others[0] if others else new_uuid()


def type_check(name: str, kind: str | None, value: Any) -> str | None:
    """The REST layer's ``TypeVerifier``: integer and boolean fields must read as such."""
    source = java.java_string(value)
    if kind == "integer":
        try:
            number = float(source.replace("E", "e"))
            if not number.is_integer():
                raise ValueError(source)
        except ValueError:
            return f"[{name}] field is excepted an int or long, but was [{source}]."
    if kind == "boolean" and source.lower() not in ("true", "false"):
        return f"Invalid value for boolean field [{name}], [{source}] is not a valid boolean string[true, false]."
    return None


def _from_query(text: str, kind: str | None) -> Any:
    """A query parameter's value by its type (``TypeUtils.stringToValue``); what does not convert stays text."""
    if kind == "boolean":
        return text.lower() == "true" if text.lower() in ("true", "false") else text
    if kind == "integer":
        try:
            return java.parse_long(text)
        except ValueError:
            return text
    return text


def long_paths(api: Api) -> set[tuple]:
    """The places of the Long fields of an API's answer, by its schema: ("inventory", "memorySize"), ..."""
    if api.response is None:
        return set()
    root = api.response
    out: set[tuple] = set()

    def walk(schema: dict, path: tuple, seen: frozenset) -> None:
        for name, prop in schema.get("properties", {}).items():
            if prop.get("x-int-width") == 64:
                out.add(path + (name,))
            target, is_list = prop, False
            if isinstance(prop.get("items"), dict):
                target, is_list = prop["items"], True
            ref = target.get("$ref", "")
            if ref.startswith("#/$defs/") and ref not in seen:
                walk(root.get("$defs", {}).get(ref[8:], {}), path + (name,) + (("[]",) if is_list else ()), seen | {ref})

    walk(root, (), frozenset())
    return out

