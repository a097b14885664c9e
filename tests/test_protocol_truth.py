"""The simulator answers as a real management node answers, row by row of what reading the open
ZStack server showed (its REST servlet and the API validators; each test names the code path,
by file and method). Driven over raw sockets, where the bytes matter, and with ``requests``."""

from __future__ import annotations

import hashlib
import json
import re
import socket

import pytest
import requests

from conftest import PAGES, ROOT
from test_simulator import auth, finish
from zstack_contract.simulator import Simulator

PASSWORD_HASH = hashlib.sha512(b"password").hexdigest()
NO_SUCH_VM = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def sim():
    with Simulator(job_delay=0.01) as s:
        yield s


def login(sim) -> str:
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
    return r.json()["inventory"]["uuid"]


def stopped_vm(sim) -> str:
    return next(u for u, vm in sim.vms.items() if vm["state"] == "Stopped")


def raw_exchange(sim, *requests_bytes: bytes) -> list[bytes]:
    """Send requests one after another on one connection; each answer's bytes."""
    with socket.create_connection((sim.host, sim.port), timeout=5) as s:
        answers = []
        reader = s.makefile("rb")
        for req in requests_bytes:
            s.sendall(req)
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += reader.read(1)
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
            answers.append(head + reader.read(length))
        return answers


# -- 1. dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("jvm,form", [(8, r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M"),
                                      (11, r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M"),
                                      (21, r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\u202f[AP]M")])
def test_dates_as_the_jvm_renders_them_java_8_by_default(jvm, form):
    """The server's build targets Java 1.8: DateFormat's medium style, as each JDK words it."""
    with Simulator(jvm=jvm) if jvm != 8 else Simulator() as sim:
        r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
        assert re.fullmatch(form, r.json()["inventory"]["createDate"])
        dates = [v["createDate"] for v in requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(r.json()["inventory"]["uuid"])).json()["inventories"]]
        assert dates and all(re.fullmatch(form, d) for d in dates)
        assert (jvm == 21) != r.content.isascii()  # only Java 20+ puts a non-ASCII character in
    with pytest.raises(ValueError, match="jvm must be 8, 11 or 21"):
        Simulator(jvm=17)


# -- 2. query answers carry schema ----------------------------------------------------------------
def test_a_query_reply_carries_schema_and_total_with_reply_with_count(sim):
    """RestServer.writeResponse: setSchema for every APIQueryReply; total with replyWithCount."""
    body = requests.get(f"{sim.base_url}/v1/vm-instances", params={"replyWithCount": "true", "limit": "1"}, headers=auth(login(sim))).json()
    assert set(body) == {"inventories", "total", "schema"} and body["total"] == 4 and len(body["inventories"]) == 1
    assert body["schema"]["inventories[0]"] == "org.zstack.header.vm.VmInstanceInventory"
    assert body["schema"]["inventories[0].vmNics[0]"].endswith(".VmNicInventory")
    assert list(body["schema"])[-1] == "inventories[0]"  # the deepest objects first, as JsonSchemaBuilder puts them


# -- 3. HTML-safe escaping --------------------------------------------------------------------------
def test_login_query_and_job_answers_escape_html_characters_synchronous_errors_do_not(sim):
    """CloudBusGson.toJsonForHttpResponse (Gson defaults) for replies and job results;
    JSONObjectUtil.toJsonString (disableHtmlEscaping) for a synchronous reply's error."""
    with Simulator(data={"accounts": [{"name": "a<b>", "password": "p=q&r"}],
                         "vms": [{"uuid": "a" * 32, "name": "x'y", "state": "Stopped", "rootVolumeUuid": "b" * 32,
                                  "allVolumes": [{"uuid": "b" * 32, "type": "Root"}]}]}) as odd:
        r = requests.put(f"{odd.base_url}/v1/accounts/login",
                         json={"logInByAccount": {"accountName": "a<b>", "password": hashlib.sha512(b"p=q&r").hexdigest()}})
        assert r.status_code == 200  # (nothing to escape in a session inventory: uuids and dates)
        q = requests.get(f"{odd.base_url}/v1/vm-instances", headers=auth(r.json()["inventory"]["uuid"]))
        assert b"x\\u0027y" in q.content and b"x'y" not in q.content
        err = requests.get(f"{odd.base_url}/v1/vm-instances", params={"q": "na<me=x"}, headers=auth(r.json()["inventory"]["uuid"]))
        assert err.status_code == 503 and b"na<me" in err.content


# -- 4. lenient JSON like Gson ----------------------------------------------------------------------
@pytest.mark.parametrize("body", [b"{reimageVmInstance:{}}", b"{'reimageVmInstance':{}}", b"{reimageVmInstance={}}",
                                  b"// a comment\n{\"reimageVmInstance\": {}}"])
def test_gson_reads_bodies_leniently(sim, body):
    """RestServer.handleNonUniqueApi: JSONObjectUtil.toObject(body, LinkedHashMap.class), a lenient Gson read."""
    session = login(sim)
    r = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", data=body, headers=auth(session))
    assert r.status_code == 202 and finish(sim, r, session).status_code == 200


@pytest.mark.parametrize("body,status,text", [
    (b'{"reimageVmInstance":{},"reimageVmInstance":{}}', 500, "duplicate key: reimageVmInstance"),
    (b"[]", 400, "the body doesn't contain action mapping to the URL[/v1/vm-instances/{vm}/actions]"),
    (b'{"a"', 500, "java.io.EOFException: End of input at line 1 column 5 path $."),
    (b'{"a":1 "b"', 500, "com.google.gson.stream.MalformedJsonException: Unterminated object at line 1 column 9 path $."),
    (b'{"reimageVmInstance":5}', 500, "java.lang.Long cannot be cast to java.util.Map"),
    (b'{"reimageVmInstance":5.5}', 500, "java.lang.Double cannot be cast to java.util.Map"),
])
def test_what_gson_refuses_and_how_the_node_says_it(sim, body, status, text):
    """A JsonSyntaxException's message (Gson 2.8.9 JsonReader.syntaxError / EOFException) goes out as
    the 500's body (RestServer.handle catches Throwable); a ClassCastException from handleApi too."""
    vm = stopped_vm(sim)
    r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", data=body, headers=auth(login(sim)))
    assert (r.status_code, r.text) == (status, text.replace("{vm}", vm))


def test_non_object_action_values_name_java_11_classes_on_java_11():
    with Simulator(jvm=11) as sim:
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", data=b'{"reimageVmInstance":5}', headers=auth(login(sim)))
        assert r.text == ("class java.lang.Long cannot be cast to class java.util.Map (java.lang.Long and java.util.Map are "
                          "in module java.base of loader 'bootstrap')")


def test_a_character_beyond_the_bmp_sent_as_an_escaped_pair_is_one_character(page_schemas):
    """Gson reads ``\\ud83d\\ude00`` into a Java String as its two UTF-16 halves; written back as
    UTF-8 they are the one character (a lone half is written ``?``)."""
    with Simulator(schemas=page_schemas, job_delay=0) as sim:
        session = login(sim)
        body = b'{"params": {"name": "smile-\\ud83d\\ude00-\\ud83d", "password": "x"}}'
        created = finish(sim, requests.post(f"{sim.base_url}/v1/accounts", data=body, headers=auth(session)), session)
        assert created.status_code == 200 and created.json()["inventory"]["name"] == "smile-\U0001F600-?"


# -- 5. X-Job-UUID ------------------------------------------------------------------------------------
def test_x_job_uuid_is_checked_for_every_api_but_queries_login_and_logout_included(sim):
    """RestServer.handleApi: X-Job-UUID must be 32 characters (any API that reaches it: queries return
    before); a uuid already used is refused for POST, PUT and DELETE."""
    bad = {"X-Job-UUID": "123"}
    login_r = requests.put(f"{sim.base_url}/v1/accounts/login", headers=bad,
                           json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
    assert (login_r.status_code, login_r.text) == (400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
    session = login(sim)
    logout = requests.delete(f"{sim.base_url}/v1/accounts/sessions/{session}", headers=bad)
    assert logout.status_code == 400
    assert requests.get(f"{sim.base_url}/v1/vm-instances", headers={**bad, **auth(session)}).status_code == 200  # a query: not checked
    job = "c" * 32
    first = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", json={"reimageVmInstance": {}},
                         headers={"X-Job-UUID": job, **auth(session)})
    assert first.status_code == 202 and first.json()["location"].endswith(job)
    again = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", json={"reimageVmInstance": {}},
                         headers={"X-Job-UUID": job, **auth(session)})
    assert (again.status_code, again.text) == (400, f"Duplicate job uuid[{job}]")
    not_hex = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", json={"reimageVmInstance": {}},
                           headers={"X-Job-UUID": "/../../@evil.example:9/#" + "a" * 8, **auth(session)})
    assert not_hex.status_code == 400  # a node takes any 32 characters; the simulator would copy them into a location


# -- 6. X-API-Timeout ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value,status,text", [("90", 202, None), ("1_0", 500, 'For input string: "1_0"'),
                                                ("1e3", 500, 'For input string: "1e3"'), ("1.5", 500, 'For input string: "1.5"'),
                                                ("99999999999999999999", 500, 'For input string: "99999999999999999999"')])
def test_x_api_timeout_is_read_by_long_parse_long(sim, value, status, text):
    """RestServer.handleApi: TimeUnit.SECONDS.toMillis(Long.parseLong(header)); its NumberFormatException is a 500."""
    r = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions", json={"reimageVmInstance": {}},
                     headers={"X-API-Timeout": value, **auth(login(sim))})
    assert r.status_code == status
    if text:
        assert r.text == text
    else:
        assert r.json()["apiTimeout"] == 90000


# -- 7. query parameters --------------------------------------------------------------------------------
@pytest.mark.parametrize("params,status,check", [
    ({"limit": "1_0"}, 400, "Invalid query parameter. 'limit' must be an integer"),
    ({"start": "5.0"}, 400, "Invalid query parameter. 'start' must be an integer"),
    ({"limit": "2147483648"}, 400, "Invalid query parameter. 'limit' must be an integer"),
    ({"limit": "+1"}, 200, 1),
    ({"q": "name="}, 200, 0),  # the value "" (no VM has an empty name)
    ({"fields": ""}, 503, "SYS.1007"),  # one empty field name: the query engine refuses it
    ({"sort": "+-name"}, 503, "SYS.1007"),  # sorts by "-name", a field there is not
    ({"q": "nameweb"}, 400, "Valid query operators are [[!=, >=, <=, !?=, !~=, ~=, ?=, =, >, <, is null, not null]]"),
])
def test_query_parameters_as_the_node_parses_them(sim, params, status, check):
    """RestServer.handleQueryApi: Integer.valueOf for limit and start, StringUtils.stripStart for sort,
    splitByWholeSeparator for q, asList(QUERY_OP_MAPPING.keySet()) in the message."""
    r = requests.get(f"{sim.base_url}/v1/vm-instances", params=params, headers=auth(login(sim)))
    assert r.status_code == status, r.text
    if isinstance(check, int):
        assert len(r.json()["inventories"]) == check
    elif status == 503:
        assert r.json()["error"]["code"] == check
    else:
        assert check in r.text


# -- 8. the access-key scheme ---------------------------------------------------------------------------
def test_the_zstack_access_key_scheme_is_apart_from_oauth(sim):
    """RestServer.handleApi: 'ZStack <id>:<signature>' asks for the access-key backend, which an
    open-source node does not register: RestAuthenticationType.valueOf throws (a 500)."""
    url = f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions"
    r = requests.put(url, json={"reimageVmInstance": {}}, headers={"Authorization": "ZStack abc:def"})
    assert (r.status_code, r.text) == (500, "RestAuthenticationType type: ZStack was not registered by any RestAuthenticationBackend")
    r = requests.put(url, json={"reimageVmInstance": {}}, headers={"Authorization": "Bearer abc"})
    assert (r.status_code, r.text) == (400, "Authorization type must be 'OAuth'")


# -- 9. trailing slash ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/api-jobs/{job}/", "/v1/vm-instances/{vm}/actions/", "/v1/vm-instances/"])
def test_a_trailing_slash_is_no_api_mapping(sim, path):
    """RestServer.handle: AntPathMatcher matches a path ending in '/' to no pattern that does not."""
    session = login(sim)
    vm = stopped_vm(sim)
    accepted = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth(session))
    job = accepted.json()["location"].rsplit("/", 1)[1]
    path = path.format(job=job, vm=vm)
    r = requests.request("GET" if "jobs" in path or path.endswith("instances/") else "PUT", f"{sim.base_url}{path}",
                         json={"reimageVmInstance": {}}, headers=auth(session))
    assert (r.status_code, r.text) == (404, f"no api mapping to {path}")


# -- 10. the HTTP layer ------------------------------------------------------------------------------------
def test_keep_alive_no_reason_phrase_no_server_header(sim):
    """Tomcat 8.5 and later: HTTP/1.1 keep-alive, no reason phrase after the status, no Server header."""
    req = b"GET /zstack/v1/vm-instances HTTP/1.1\r\nHost: x\r\n\r\n"
    first, second = raw_exchange(sim, req, req)
    for answer in (first, second):
        assert answer.startswith(b"HTTP/1.1 400 \r\n")
        assert b"Server:" not in answer and b"Content-Type" not in answer and b"Connection: close" not in answer
        assert answer.endswith(b"missing header 'Authorization'")
    with Simulator(reason_phrases=True) as old:
        (answer,) = raw_exchange(old, b"GET /zstack/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 404 Not Found\r\n")  # older Tomcats: as the RFC writes it, never upper case


def test_the_last_answer_of_a_kept_alive_connection_says_it_closes(sim):
    """Tomcat's maxKeepAliveRequests (100): the hundredth answer says ``Connection: close`` and the
    connection ends, so a client never sends a request on a connection the node is closing."""
    from zstack_contract.simulator.server import KEEP_ALIVE_REQUESTS

    req = b"GET /zstack/v1/vm-instances HTTP/1.1\r\nHost: x\r\n\r\n"
    answers = raw_exchange(sim, *[req] * KEEP_ALIVE_REQUESTS)
    assert [n for n, a in enumerate(answers, 1) if b"Connection: close" in a] == [KEEP_ALIVE_REQUESTS]
    with socket.create_connection((sim.host, sim.port), timeout=5) as s:
        s.sendall(req * (KEEP_ALIVE_REQUESTS + 1))  # pipelined: the node answers a hundred, then closes
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 400 ") == KEEP_ALIVE_REQUESTS


# -- 11. resource checks before work ----------------------------------------------------------------------
def test_a_uuid_that_names_no_resource(page_schemas):
    """PortApiValidator.validate: SYS.1003 'invalid field[...], resource[uuid:..., type:...VO] not found';
    with successIfResourceNotExisting (most deletes) a success, when the uuid has a random UUID's shape
    (version 1-5, variant 8-b), else SYS.1003 'invalid value[...] of field [...]'."""
    with Simulator(schemas=page_schemas, job_delay=0.01) as sim:
        session = login(sim)
        random_shape = "9f1e3d5c7b9a4f2e8d6c4b2a0f8e6d4c"  # version 4 at 13, variant 8 at 17
        other_shape = "0123456789abcdef0123456789abcdef"  # version 7: no random UUID
        gone = requests.delete(f"{sim.base_url}/v1/vm-instances/{random_shape}", headers=auth(session))
        assert gone.status_code == 202 and finish(sim, gone, session).json() == {}
        odd = finish(sim, requests.delete(f"{sim.base_url}/v1/vm-instances/{other_shape}", headers=auth(session)), session)
        assert odd.status_code == 503 and odd.json()["error"] == {
            "code": "SYS.1003", "description": "A resource can not be found", "details": f"invalid value[{other_shape}] of field [uuid]"}
        rdp = requests.put(f"{sim.base_url}/v1/vm-instances/{random_shape}/actions", json={"setVmRDP": {"enable": True}}, headers=auth(session))
        err = finish(sim, rdp, session).json()["error"]
        assert err["details"] == f"invalid field[uuid], resource[uuid:{random_shape}, type:VmInstanceVO] not found"


# -- 12. parameter validation ---------------------------------------------------------------------------
def test_parameters_the_validator_refuses(page_schemas):
    """ApiMessageParamValidator.validate: a missing mandatory field, a value outside the valid values
    (its messages name the validator's own class as the message)."""
    with Simulator(schemas=page_schemas, job_delay=0.01) as sim:
        session = login(sim)
        vm = next(u for u, v in sim.vms.items() if v["state"] == "Running")
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"setVmRDP": {}}, headers=auth(session))
        assert finish(sim, r, session).json()["error"] == {"code": "SYS.1007", "description": "One or more API argument is invalid",
            "details": "field[enable] of message[org.zstack.header.message.ApiMessageParamValidator] is mandatory, can not be null"}
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"stopVmInstance": {"type": "unplug"}}, headers=auth(session))
        assert finish(sim, r, session).json()["error"]["details"] == (
            "valid value for field[type] of message[org.zstack.header.message.ApiMessageParamValidator] are [grace, cold], but unplug found")
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"setVmRDP": {"enable": "maybe"}}, headers=auth(session))
        assert (r.status_code, r.text) == (400, "Invalid value for boolean field [enable], [maybe] is not a valid boolean string[true, false].")


def test_the_bundled_schemas_and_the_simulator_agree_on_the_vm_family():
    with Simulator(schemas=ROOT / "schemas", job_delay=0.01) as sim:
        session = login(sim)
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{NO_SUCH_VM}/actions", json={"reimageVmInstance": {}}, headers=auth(session))
        assert finish(sim, r, session).json()["error"]["details"] == (
            f"invalid field[vmInstanceUuid], resource[uuid:{NO_SUCH_VM}, type:VmInstanceVO] not found")
        assert json.loads(r.content)["apiTimeout"] == 1800000


def test_lengths_and_nonempty_lists_where_the_overlay_gives_them(tmp_path):
    """ApiMessageParamValidator.validateNonNullValue: maxLength and nonempty, when the schemas carry
    them (the pages do not; an overlay can)."""
    from zstack_contract.cli import main

    overlay = tmp_path / "overlay.toml"
    overlay.write_text((ROOT / "src/zstack_contract/derive/overlay.toml").read_text(encoding="utf-8") + (
        '\n[[rule]]\nid = "account-name-length"\nwhere = { scope = "request", kind = "create", field = "name" }\n'
        'schema = { maxLength = 8 }\nreason = "a test"\n'
        '\n[[rule]]\nid = "vm-networks-nonempty"\nwhere = { scope = "request", kind = "create", field = "l3NetworkUuids" }\n'
        'schema = { minItems = 1 }\nreason = "a test"\n'), encoding="utf-8")
    out = tmp_path / "schemas"
    assert main(["derive", "-q", str(PAGES / "CreateAccount.txt"), str(PAGES / "CreateVmInstance.txt"), "--out", str(out),
                 "--overlay", str(overlay)]) == 0
    with Simulator(schemas=out, job_delay=0.01) as sim:
        session = login(sim)
        r = requests.post(f"{sim.base_url}/v1/accounts", json={"params": {"name": "a-long-name", "password": "x"}}, headers=auth(session))
        assert finish(sim, r, session).json()["error"]["details"] == (
            "field[name] of message[org.zstack.header.message.ApiMessageParamValidator] exceeds max length of string. "
            "expected was <= 8, actual was 11")
        r = requests.post(f"{sim.base_url}/v1/vm-instances", headers=auth(session),
                          json={"params": {"name": "vm", "instanceOfferingUuid": "a" * 32, "imageUuid": "b" * 32, "l3NetworkUuids": []}})
        assert finish(sim, r, session).json()["error"]["details"] == "field[l3NetworkUuids] must be a nonempty list"


@pytest.mark.parametrize(("value", "java"), [(1e-05, "1.0E-5"), (1e10, "1.0E10"), (2.5, "2.5"), (7, "7"), (True, "true")])
def test_a_value_outside_the_valid_values_is_named_as_java_writes_it(page_schemas, value, java):
    """The validator's SYS.1007 names the value by its ``toString()``: a Double as Java renders it."""
    with Simulator(job_delay=0.005, schemas=page_schemas) as sim:
        session = login(sim)
        accepted = requests.put(f"{sim.base_url}/v1/vm-instances/{stopped_vm(sim)}/actions",
                                json={"stopVmInstance": {"type": value}}, headers=auth(session), timeout=10)
        error = finish(sim, accepted, session).json()["error"]
    assert error["code"] == "SYS.1007" and error["details"].endswith(f"but {java} found"), error


@pytest.mark.parametrize(("value", "java"), [
    (5.0, "5.0"), (0.001, "0.001"), (1234567.0, "1234567.0"), (1e7, "1.0E7"), (0.0001, "1.0E-4"), (-0.0, "-0.0"),
    (123456789.125, "1.23456789125E8"), (1.7976931348623157e308, "1.7976931348623157E308"),
    (float("nan"), "NaN"), (float("-inf"), "-Infinity"), (None, "null"), (False, "false"), (12, "12"),
])
def test_java_string_is_double_to_string_for_numbers(value, java):
    from zstack_contract.simulator.java import java_string

    assert java_string(value) == java
