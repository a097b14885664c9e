"""Issue 27, items 2, 7 and 8: the simulator refuses what a node's validator refuses, wraps an
error thrown inside a handler as the node's bus does, and answers methods and characters as
Tomcat and the node's servlet do. One table per item; each row names the server's code it follows
(paths relative to the ZStack tree; Tomcat's and Spring's where the node leaves it to them)."""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest
import requests

from test_simulator import vm_in
from zstack_contract.checks.expected import error_codes
from zstack_contract.contract.loading import load_contracts
from zstack_contract.simulator import Simulator

PASSWORD_HASH = hashlib.sha512(b"password").hexdigest()
VALIDATOR = "org.zstack.header.message.ApiMessageParamValidator"
HTML = "text/html;charset=utf-8"


@pytest.fixture
def built_in():
    """The simulator with no schema: the session and the VM family only."""
    with Simulator(job_delay=0.0) as sim:
        yield sim


@pytest.fixture(scope="module")
def paged(page_schemas):
    with Simulator(job_delay=0.0, schemas=page_schemas) as sim:
        yield sim


@pytest.fixture(scope="module")
def shipped():
    with Simulator(job_delay=0.0, schemas=load_contracts(None, "5.3.0")) as sim:
        yield sim


def login(sim) -> dict:
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
    return {"Authorization": f"OAuth {r.json()['inventory']['uuid']}"}


def final(sim, r: requests.Response, headers: dict) -> requests.Response:
    """The answer, or the job's end when it is a job."""
    if r.status_code != 202:
        return r
    path = re.sub(r"^https?://[^/]+", "", r.json()["location"])
    for _ in range(500):
        done = requests.get(f"http://{sim.host}:{sim.port}{path}", headers=headers)
        if done.status_code != 202:
            return done
        time.sleep(0.01)
    raise AssertionError("the job did not finish")


def send(sim, method: str, path: str, body: bytes | None, headers: dict) -> requests.Response:
    for state in ("Stopped", "Running"):
        if "{" + state.lower() + "}" in path:
            path = path.replace("{" + state.lower() + "}", vm_in(sim, state))
    return final(sim, requests.request(method, sim.base_url + path, data=body, headers=headers), headers)


# -- item 2: valid values everywhere ------------------------------------------------------------------
def valid_values(field: str, values: str, found: str) -> str:
    return f"valid value for field[{field}] of message[{VALIDATOR}] are [{values}], but {found} found"


VALUES = [
    # (simulator, method, path, body, the SYS.1007 details; the server's code it follows)
    ("built_in", "PUT", "/v1/vm-instances/{stopped}/actions", {"stopVmInstance": {"type": "bogus"}},
     valid_values("type", "grace, cold", "bogus"),
     "header/.../message/ApiMessageParamValidator.java validateValue; header/.../vm/APIStopVmInstanceMsg.java (type: validValues grace, cold)"),
    ("built_in", "PUT", "/v1/vm-instances/{stopped}/actions", {"stopVmInstance": {"type": 1}},
     valid_values("type", "grace, cold", "1"),
     "ApiMessageParamValidator.validateValue: the value's toString(), whatever JSON type it came as"),
    ("built_in", "PUT", "/v1/vm-instances/{running}/actions", {"stopVmInstance": {"stopHA": "false"}},
     valid_values("stopHA", "true", "false"),
     "header/.../vm/APIStopVmInstanceMsg.java (stopHA: validValues true; the overlay's stop-ha-only-true); ApiMessageParamValidator.validateValue"),
    ("built_in", "PUT", "/v1/vm-instances/{running}/actions", {"stopVmInstance": {"stopHA": False}},
     valid_values("stopHA", "true", "false"),
     "ApiMessageParamValidator.validateValue: a JSON false is the text false to a String field"),
    ("paged", "PUT", "/v1/vm-instances/{stopped}/actions", {"stopVmInstance": {"type": "bogus"}},
     valid_values("type", "grace, cold", "bogus"), "ApiMessageParamValidator.validateValue (a page's description)"),
    ("shipped", "POST", "/v1/l2-networks/0123456789abcdef0123456789abcdef/clusters/0123456789abcdef0123456789abcdef",
     {"params": {"l2ProviderType": "bogus"}}, valid_values("l2ProviderType", "LinuxBridge", "bogus"),
     ("rest/.../RestServer.java handleApi (the message is made from the parameterName structure, whatever place "
      "the doc file names: APIAttachL2NetworkToClusterMsgDoc's l2ProviderType has no enclosedIn); ApiMessageParamValidator.validateValue")),
    ("shipped", "GET", "/v1/vips/0123456789abcdef0123456789abcdef/check-port-availability?protocolType=bogus&port=80", None,
     valid_values("protocolType", "TCP, UDP", "bogus"),
     "RestServer.handleApi (GET: the query string's fields); ApiMessageParamValidator.validateValue"),
]


@pytest.mark.parametrize("which,method,path,body,details,source", VALUES, ids=[f"{r[0]}-{r[1]}-{r[4][:40]}" for r in VALUES])
def test_item2_every_field_the_message_carries_is_held_to_its_valid_values(request, which, method, path, body, details, source):
    sim = request.getfixturevalue(which)
    headers = login(sim)
    r = send(sim, method, path, json.dumps(body).encode() if body is not None else None, headers)
    assert r.status_code == 503, (source, r.text)
    err = r.json()["error"]
    assert (err["code"], err["details"]) == ("SYS.1007", details), source


def test_item2_a_valid_value_still_passes(built_in):
    headers = login(built_in)
    r = send(built_in, "PUT", "/v1/vm-instances/{running}/actions", json.dumps({"stopVmInstance": {"type": "cold", "stopHA": "true"}}).encode(), headers)
    assert r.status_code == 200 and r.json()["inventory"]["state"] == "Stopped"


# -- item 7: errors of interceptors -----------------------------------------------------------------
INTERCEPTED = [
    # (VM state; what the job ends with; the server's code)
    ("Running", ("compute/.../vm/VmInstanceBase.java handle(ReimageVmInstanceMsg) throws ApiMessageInterceptionException(VM.1014); "
                 "core/.../cloudbus/CloudBusImpl2.java (the endpoint's catch: replyErrorByMessageType(msg, inerr(t.getMessage()))); "
                 "header/.../apimediator/ApiMessageInterceptionException.getMessage (ErrorCode.toString: JSONObjectUtil)")),
    ("Paused", "the same: any state but Stopped"),
]


@pytest.mark.parametrize("state,source", INTERCEPTED)
def test_item7_an_error_thrown_in_a_handler_is_an_internal_error_whose_details_are_its_text(built_in, state, source):
    headers = login(built_in)
    vm = vm_in(built_in, state)
    r = send(built_in, "PUT", f"/v1/vm-instances/{vm}/actions", b'{"reimageVmInstance": {}}', headers)
    assert r.status_code == 503, source
    err = r.json()["error"]
    assert err["code"] == "SYS.1000" and "cause" not in err, source  # inerr(...) makes an error with no cause
    inner = json.loads(err["details"])
    assert list(inner) == ["code", "description", "details"], source  # ErrorCode's fields in order, nulls left out
    assert inner["code"] == "VM.1014"
    root = built_in.vms[vm]["rootVolumeUuid"]
    assert inner["details"] == (f"unable to reset volume[uuid:{root}] to origin image[uuid:{built_in.vms[vm]['imageUuid']}], "
                                f"the vm[uuid:{vm}] volume attached to is not in Stopped state, current state is {state}")
    assert error_codes(r.json()) == ["SYS.1000", "VM.1014"]  # what a live test expecting VM.1014 reads


# -- item 8: its own faults -------------------------------------------------------------------------
LONE, PAIR = b"\\ud800", b"\\ud83d\\ude00"
SURROGATES = [
    # (body of a StopVmInstance; status; the answer's bytes; the code it follows)
    (b'{"stopVmInstance": {"stopHA": "' + LONE + b'"}}', 400,
     b"Invalid value for boolean field [stopHA], [?] is not a valid boolean string[true, false].",
     "rest/.../RestServer.java (TypeVerifier's plain-text 400), written by Java's UTF-8 encoder: a lone surrogate is '?'"),
    (b'{"stopVmInstance": {"stopHA": "' + PAIR + b'"}}', 400,
     "Invalid value for boolean field [stopHA], [\U0001f600] is not a valid boolean string[true, false].".encode(),
     "the same: an escaped pair is one character"),
    (b'{"stopVmInstance": {"type": "' + LONE + b'"}}', 503,
     valid_values("type", "grace, cold", "?").encode(), "ApiMessageParamValidator.validateValue, the job's error by Gson"),
    (b'{"stopVmInstance": {"type": "' + PAIR + b'"}}', 503,
     valid_values("type", "grace, cold", "\U0001f600").encode(), "the same"),
]


@pytest.mark.parametrize("body,status,said,source", SURROGATES, ids=["400-lone", "400-pair", "job-lone", "job-pair"])
def test_item8_a_surrogate_sent_escaped_is_written_as_java_writes_it(paged, body, status, said, source):
    headers = login(paged)
    r = send(paged, "PUT", "/v1/vm-instances/{stopped}/actions", body, headers)
    assert r.status_code == status, (source, r.content)
    assert said in r.content, source


ALLOW_TRACE = "HEAD, DELETE, POST, GET, OPTIONS, PUT"
ALLOW_SPRING = "POST, PUT, DELETE, GET, HEAD"
METHODS = [
    # (method, path, status, Allow, what the body says; the code it follows)
    ("TRACE", "/v1/accounts/login", 405, ALLOW_TRACE, "TRACE method is not allowed",
     "Tomcat CoyoteAdapter.postParseRequest (Connector allowTrace=false); Allow: StandardWrapper.getServletMethods less TRACE"),
    ("TRACE", "/v1/vm-instances/{stopped}/actions", 405, ALLOW_TRACE, "TRACE method is not allowed", "the same, on a shared path"),
    ("FOO", "/v1/accounts/login", 405, ALLOW_SPRING, "Request method &#39;FOO&#39; not supported",
     ("rest/.../RestServerController.java api (maps POST, PUT, DELETE, GET, HEAD only); Spring FrameworkServlet.service "
      "(an unknown method is dispatched), HttpRequestMethodNotSupportedException: 405 with Allow")),
    ("PATCH", "/v1/accounts/login", 405, ALLOW_SPRING, "Request method &#39;PATCH&#39; not supported", "the same"),
    ("OPTIONS", "/v1/accounts/login", 200, ALLOW_SPRING + ", OPTIONS", "",
     "Spring DispatcherServlet (dispatchOptionsRequest): the mapping's methods and OPTIONS, no body"),
]


@pytest.mark.parametrize("method,path,status,allow,said,source", METHODS, ids=[f"{m[0]}-{m[1][4:16]}" for m in METHODS])
def test_item8_methods_the_node_serves_not_are_answered_before_any_api(built_in, method, path, status, allow, said, source):
    headers = login(built_in)
    sessions = len(built_in.state.sessions)
    body = json.dumps({"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}}).encode()
    r = send(built_in, method, path, body, headers)
    assert (r.status_code, r.headers.get("Allow")) == (status, allow), source
    assert said in r.text, source
    if said:
        assert r.headers["Content-Type"] == HTML and "<h1>HTTP Status 405 \u2013 Method Not Allowed</h1>" in r.text
    else:
        assert r.content == b""
    assert len(built_in.state.sessions) == sessions  # the login never ran


def test_item8_trace_outside_the_web_application_is_refused_too(built_in):
    r = requests.request("TRACE", f"http://{built_in.host}:{built_in.port}/elsewhere")
    assert r.status_code == 405 and "Allow" not in r.headers and "TRACE method is not allowed" in r.text


HANDLED = [
    # (method, path, what the node does; RestServer.handleUniqueApi does not look at the method)
    ("HEAD", "/v1/accounts/login", 200, "rest/.../RestServer.java handleUniqueApi: the path's one API, whatever the method"),
    ("GET", f"/v1/accounts/login?accountName=admin&password={PASSWORD_HASH}", 200,
     "RestServer.handleUniqueApi, then handleApi: a GET's parameters from the query string"),
]


@pytest.mark.parametrize("method,path,status,source", HANDLED, ids=["HEAD", "GET"])
def test_item8_methods_the_controller_maps_reach_the_one_api_of_a_path(built_in, method, path, status, source):
    sessions = len(built_in.state.sessions)
    body = json.dumps({"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}}).encode()
    r = requests.request(method, built_in.base_url + path, data=body)
    assert r.status_code == status, source
    assert len(built_in.state.sessions) == sessions + 1, source  # the login ran
