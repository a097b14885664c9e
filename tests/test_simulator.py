"""The embedded simulator over real loopback HTTP: every protocol behaviour and every named fault."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import jsonschema
import pytest
import requests

from conftest import HANG
from zstack_contract.simulator import FAULTS, Simulator

ROOT = Path(__file__).resolve().parent.parent
VALIDATOR = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / "ReimageVmInstance.response.json").read_text()))
PASSWORD_HASH = hashlib.sha512(b"password").hexdigest()
DELAY = 0.02
UUID = re.compile(r"[0-9a-f]{32}")
JVM_DATE = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)")  # Java 8
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)")
NO_SUCH_VM = "0123456789abcdef0123456789abcdef"


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def sim():
    with Simulator(job_delay=DELAY) as s:
        yield s


@pytest.fixture
def make_sim():
    started = []

    def make(*faults, **kwargs):
        kwargs.setdefault("job_delay", DELAY)
        s = Simulator(faults=faults, **kwargs).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def login(sim) -> str:
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
    assert r.status_code == 200, r.text
    return r.json()["inventory"]["uuid"]


def auth(session: str) -> dict:
    return {"Authorization": f"OAuth {session}"}


def vm_in(sim, state: str) -> str:
    return next(u for u, vm in sim.vms.items() if vm["state"] == state)


def put_action(sim, vm: str, body, session: str | None = None, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if session is not None:
        headers.update(auth(session))
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", data=data, headers=headers, **kwargs)


def job_url(sim, accepted: requests.Response) -> str:
    """Where to poll: only the path of the location, on our own scheme/host/port."""
    path = re.sub(r"^https?://[^/]+", "", accepted.json()["location"])
    return f"http://{sim.host}:{sim.port}{path}"


def finish(sim, accepted: requests.Response, session: str, timeout: float = HANG) -> requests.Response:
    """The job's last answer: polled until it is not a 202 (or, should the job hang, for ``timeout`` seconds)."""
    assert accepted.status_code == 202, accepted.text
    url = job_url(sim, accepted)
    deadline = time.monotonic() + timeout
    while True:
        r = requests.get(url, headers=auth(session))
        if r.status_code != 202 or time.monotonic() > deadline:
            return r
        time.sleep(DELAY / 2)


def reimage(sim, vm: str, session: str, body=None) -> requests.Response:
    return finish(sim, put_action(sim, vm, body or {"reimageVmInstance": {}}, session), session)


def assert_valid(doc) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
    assert errors == []


def assert_invalid(doc) -> None:
    assert not VALIDATOR.is_valid(doc)


def walk(doc, path=""):
    """(path, key, value) for every member of every object in doc."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield path, k, v
            yield from walk(v, f"{path}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from walk(v, f"{path}/{i}")


# -- login, logout, sessions ---------------------------------------------------------------------


def test_login_answers_a_session_inventory(sim):
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}})
    assert r.status_code == 200
    assert "Content-Type" not in r.headers
    inv = r.json()["inventory"]
    assert list(inv) == ["uuid", "accountUuid", "userUuid", "expiredDate", "createDate"]
    assert all(UUID.fullmatch(inv[k]) for k in ("uuid", "accountUuid", "userUuid"))
    assert JVM_DATE.fullmatch(inv["createDate"]) and JVM_DATE.fullmatch(inv["expiredDate"])


@pytest.mark.parametrize("name,password", [("admin", "password"), ("admin", hashlib.sha512(b"wrong").hexdigest()), ("root", PASSWORD_HASH)])
def test_login_with_wrong_credentials_is_503_ID_1000(sim, name, password):
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": name, "password": password}})
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["code"] == "ID.1000" and err["description"] and err["details"]
    assert_valid(r.json())


def test_login_without_credentials_is_503_SYS_1007(sim):
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin"}})
    assert r.status_code == 503 and r.json()["error"]["code"] == "SYS.1007"
    assert "password" in r.json()["error"]["details"]


def test_logout_ends_the_session(sim):
    session = login(sim)
    assert requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(session)).status_code == 200
    r = requests.delete(f"{sim.base_url}/v1/accounts/sessions/{session}")
    assert (r.status_code, r.content) == (200, b"{}")
    r = requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(session))
    assert r.status_code == 503 and r.json()["error"]["code"] == "ID.1001"


def test_an_expired_session_fails_queries_directly_and_async_apis_in_the_job(sim):
    session = login(sim)
    sim.expire_session(session)
    r = requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(session))
    assert r.status_code == 503 and r.json()["error"]["code"] == "ID.1001"
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    assert accepted.status_code == 202
    done = finish(sim, accepted, session)
    assert done.status_code == 503 and done.json()["error"]["code"] == "ID.1001"
    assert_valid(done.json())


def test_sessions_expire_after_the_session_timeout(make_sim):
    sim = make_sim(session_timeout=0.1)
    session = login(sim)
    assert requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(session)).status_code == 200
    time.sleep(0.15)
    r = requests.get(f"{sim.base_url}/v1/vm-instances", headers=auth(session))
    assert r.status_code == 503 and r.json()["error"]["code"] == "ID.1001"


# -- the Authorization header ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["action", "query"])
def test_a_missing_authorization_header_is_a_plain_400(sim, kind):
    if kind == "action":
        r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}})
    else:
        r = requests.get(f"{sim.base_url}/v1/vm-instances")
    assert (r.status_code, r.text) == (400, "missing header 'Authorization'")
    assert "Content-Type" not in r.headers


@pytest.mark.parametrize("value", ["Bearer abc", "Basic YWRtaW46cGFzc3dvcmQ=", "oauth abc", ""])
def test_another_authorization_scheme_is_a_plain_400(sim, value):
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, headers={"Authorization": value})
    assert (r.status_code, r.text) == (400, "Authorization type must be 'OAuth'")


def test_an_unknown_session_is_accepted_with_202_and_the_job_ends_ID_1001(sim):
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, "f" * 32)
    assert accepted.status_code == 202
    done = finish(sim, accepted, "f" * 32)
    assert done.status_code == 503
    assert done.json()["error"]["code"] == "ID.1001"
    assert_valid(done.json())


def test_the_oauth_word_is_stripped_and_the_rest_trimmed(sim):
    session = login(sim)
    for value in (f"OAuth    {session}", f"OAuth{session}"):
        r = requests.get(f"{sim.base_url}/v1/vm-instances", headers={"Authorization": value})
        assert r.status_code == 200


# -- PUT /v1/vm-instances/{uuid}/actions: the HTTP layer -----------------------------------------


@pytest.mark.parametrize("with_auth", [True, False])
def test_an_empty_body_is_500_with_an_empty_body_before_the_auth_check(sim, with_auth):
    r = put_action(sim, vm_in(sim, "Stopped"), b"", login(sim) if with_auth else None)
    assert (r.status_code, r.content) == (500, b"")


@pytest.mark.parametrize(
    "body,message",
    [
        # Gson reads "not json" leniently as an unquoted string: not the object it wants
        (b"not json", "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING at line 1 column 1 path $"),
        (b'{"reimageVmInstance": {}', "java.io.EOFException: End of input at line 1 column 25 path $."),
        # an array is a list of [key, value] pairs to Gson's map reader
        (b'[{"reimageVmInstance": {}}]', "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was BEGIN_OBJECT at line 1 column 3 path $[0]"),
        (b'"reimageVmInstance"', "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING at line 1 column 2 path $"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_500_with_the_parser_message_before_the_auth_check(sim, body, message):
    r = put_action(sim, vm_in(sim, "Stopped"), body)  # no Authorization header at all
    assert (r.status_code, r.text) == (500, message)


@pytest.mark.parametrize("value,java", [("yes", "java.lang.String"), (1, "java.lang.Long"), (1.5, "java.lang.Double"),
                                        ([], "java.util.ArrayList"), (True, "java.lang.Boolean")])
def test_an_action_value_that_is_not_an_object_is_500(sim, value, java):
    # RestServer.handleApi casts the action's value to a Map (Gson's LONG_OR_DOUBLE: 1 is a Long); Java 8's wording
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": value}, login(sim))
    assert (r.status_code, r.text) == (500, f"{java} cannot be cast to java.util.Map")


def test_a_body_without_a_known_action_key_is_400_before_the_auth_check(sim):
    vm = vm_in(sim, "Stopped")
    for body in ({}, {"reimage": {}}, {"rebootVmInstanceX": {}, "systemTags": []}):
        r = put_action(sim, vm, body)
        assert (r.status_code, r.text) == (400, f"the body doesn't contain action mapping to the URL[/v1/vm-instances/{vm}/actions]")


@pytest.mark.parametrize("key", ["systemTags", "userTags"])
@pytest.mark.parametrize("value", ["a::b", {"a": "b"}, 1, False])
def test_tags_that_are_not_a_list_are_500(sim, key, value):
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}, key: value}, login(sim))
    assert r.status_code == 500
    assert r.text.endswith("cannot be cast to java.util.List")


def test_tags_are_free_strings_and_unknown_body_fields_are_ignored(sim):
    session = login(sim)
    body = {"reimageVmInstance": {"bogus": 1}, "systemTags": ["key::value", "x" * 5000], "userTags": [], "extra": {"a": [1]}}
    done = reimage(sim, vm_in(sim, "Stopped"), session, body)
    assert done.status_code == 200
    assert_valid(done.json())


def test_the_uuid_in_the_url_overrides_the_one_in_the_body(sim):
    session = login(sim)
    stopped, running = vm_in(sim, "Stopped"), vm_in(sim, "Running")
    done = reimage(sim, stopped, session, {"reimageVmInstance": {"vmInstanceUuid": running}, "vmInstanceUuid": NO_SUCH_VM})
    assert done.status_code == 200
    assert done.json()["inventory"]["uuid"] == stopped


def test_get_delete_post_and_other_methods_on_the_actions_path(sim):
    vm = vm_in(sim, "Stopped")
    url = f"{sim.base_url}/v1/vm-instances/{vm}/actions"
    r = requests.get(url)
    assert (r.status_code, r.text) == (500, f"No query API found for the path[/zstack/v1/vm-instances/{vm}/actions]")
    r = requests.delete(url)
    assert (r.status_code, r.text) == (500, f"No delete API found for the path[/zstack/v1/vm-instances/{vm}/actions]")
    r = requests.post(url, json={"reimageVmInstance": {}})
    assert (r.status_code, r.text) == (500, f"No creational API found for the path[/zstack/v1/vm-instances/{vm}/actions]")
    r = requests.head(url)  # a method the controller maps: RestServer.handleNonUniqueApi refuses it
    assert r.status_code == 405 and "Content-Type" not in r.headers
    r = requests.patch(url, json={"reimageVmInstance": {}})  # one it does not: Spring's 405 page
    assert r.status_code == 405 and "Request method &#39;PATCH&#39; not supported" in r.text


def test_the_202_answer_carries_location_and_api_timeout(sim):
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, login(sim))
    assert r.status_code == 202
    body = r.json()
    assert set(body) == {"location", "apiTimeout"}
    assert re.fullmatch(rf"http://127\.0\.0\.1:{sim.port}/zstack/v1/api-jobs/[0-9a-f]{{32}}", body["location"])
    assert isinstance(body["apiTimeout"], int) and body["apiTimeout"] > 0


def test_x_api_timeout_is_in_seconds(sim):
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, login(sim), headers={"X-API-Timeout": "90"})
    assert r.json()["apiTimeout"] == 90000


def test_x_job_uuid_names_the_job_and_must_be_32_characters_and_new(sim):
    session = login(sim)
    vm = vm_in(sim, "Stopped")
    job = "ab" * 16
    r = put_action(sim, vm, {"reimageVmInstance": {}}, session, headers={"X-Job-UUID": job})
    assert r.status_code == 202 and r.json()["location"].endswith(f"/v1/api-jobs/{job}")
    r = put_action(sim, vm, {"reimageVmInstance": {}}, session, headers={"X-Job-UUID": job})
    assert (r.status_code, r.text) == (400, f"Duplicate job uuid[{job}]")
    r = put_action(sim, vm, {"reimageVmInstance": {}}, session, headers={"X-Job-UUID": "1234"})
    assert r.status_code == 400 and "X-Job-UUID" in r.text


def test_the_location_names_the_advertised_address_not_the_request_host(make_sim):
    sim = make_sim(advertise_url="http://10.0.0.7:8080/zstack")
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    assert accepted.json()["location"].startswith("http://10.0.0.7:8080/zstack/v1/api-jobs/")
    assert finish(sim, accepted, session).status_code == 200  # reachable by its path on our own address


# -- GET /v1/api-jobs/{uuid} -----------------------------------------------------------------------


def test_a_running_job_answers_202_with_an_empty_object(make_sim):
    sim = make_sim(job_delay=0.3)
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    r = requests.get(job_url(sim, accepted), headers=auth(session))
    assert (r.status_code, r.content) == (202, b"{}")
    time.sleep(0.35)
    assert requests.get(job_url(sim, accepted), headers=auth(session)).status_code == 200


def test_an_unknown_job_is_404_the_job_has_been_expired(sim):
    r = requests.get(f"{sim.base_url}/v1/api-jobs/{NO_SUCH_VM}", headers=auth(login(sim)))
    assert (r.status_code, r.text) == (404, "the job has been expired")
    assert "Content-Type" not in r.headers


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_other_methods_on_a_job_are_405_plain_text(sim, method):
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    r = requests.request(method, job_url(sim, accepted), headers=auth(session))
    assert r.status_code == 405
    assert r.text == "only GET method is allowed for querying job status"


def test_a_finished_job_keeps_its_answer(sim):
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    first = finish(sim, accepted, session)
    again = requests.get(job_url(sim, accepted), headers=auth(session))
    assert (again.status_code, again.content) == (first.status_code, first.content)


# -- reimage outcomes -----------------------------------------------------------------------------


def test_reimage_of_a_stopped_vm_resets_the_root_volume_and_updates_last_op_date(sim):
    session = login(sim)
    vm = vm_in(sim, "Stopped")
    before = sim.vms[vm]
    root_before = next(v for v in before["allVolumes"] if v["uuid"] == before["rootVolumeUuid"])
    done = reimage(sim, vm, session)
    assert done.status_code == 200
    assert "Content-Type" not in done.headers
    assert set(done.json()) == {"inventory"}
    assert_valid(done.json())
    inv = done.json()["inventory"]
    root = next(v for v in inv["allVolumes"] if v["uuid"] == inv["rootVolumeUuid"])
    image = sim.state.store["images"][inv["imageUuid"]]
    assert (root["size"], root["actualSize"]) == (image["size"], image["actualSize"])
    assert root["actualSize"] < root_before["actualSize"] and root["size"] < root_before["size"]
    assert inv["lastOpDate"] != before["lastOpDate"] and inv["createDate"] == before["createDate"]
    assert inv["state"] == "Stopped"
    data_before = [v for v in before["allVolumes"] if v["type"] == "Data"]
    assert [v for v in inv["allVolumes"] if v["type"] == "Data"] == data_before
    assert sim.vms[vm]["lastOpDate"] == inv["lastOpDate"]


def test_reimage_of_a_vm_that_does_not_exist_ends_SYS_1003(sim):
    done = reimage(sim, NO_SUCH_VM, login(sim))
    assert done.status_code == 503
    assert_valid(done.json())
    err = done.json()["error"]
    assert err["code"] == "SYS.1003"
    assert err["details"] == f"invalid field[vmInstanceUuid], resource[uuid:{NO_SUCH_VM}, type:VmInstanceVO] not found"
    assert set(done.json()) == {"error"}


@pytest.mark.parametrize("state", ["Running", "Paused"])
def test_reimage_of_a_vm_that_is_not_stopped_ends_SYS_1000_caused_by_VM_1014(sim, state):
    vm = vm_in(sim, state)
    before = sim.vms[vm]
    done = reimage(sim, vm, login(sim))
    assert done.status_code == 503
    assert_valid(done.json())
    err = done.json()["error"]
    assert err["code"] == "SYS.1000" and "cause" not in err
    inner = json.loads(err["details"])  # the VM's error, as its text (CloudBusImpl2: inerr(t.getMessage()))
    assert inner["code"] == "VM.1014"
    assert vm in inner["details"] and state in inner["details"]
    assert sim.vms[vm] == before


def test_stop_then_reimage_then_start(sim):
    session = login(sim)
    vm = vm_in(sim, "Running")
    stopped = finish(sim, put_action(sim, vm, {"stopVmInstance": {}}, session), session)
    assert stopped.status_code == 200 and stopped.json()["inventory"]["state"] == "Stopped"
    assert "hostUuid" not in stopped.json()["inventory"] and "lastHostUuid" in stopped.json()["inventory"]
    assert reimage(sim, vm, session).status_code == 200
    started = finish(sim, put_action(sim, vm, {"startVmInstance": {}}, session), session)
    assert started.status_code == 200 and started.json()["inventory"]["state"] == "Running"
    assert sim.vms[vm]["state"] == "Running"


def test_stop_of_a_vm_that_does_not_exist_ends_SYS_1003(sim):
    session = login(sim)
    done = finish(sim, put_action(sim, NO_SUCH_VM, {"stopVmInstance": {}}, session), session)
    assert done.status_code == 503 and done.json()["error"]["code"] == "SYS.1003"


# -- routing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/zstack/v1/nothing", "/zstack/v1/vm-instances/x/actions/more", "/zstack/elsewhere"])
def test_an_unknown_path_is_404_no_api_mapping(sim, path):
    r = requests.get(f"http://{sim.host}:{sim.port}{path}")
    shown = path.removeprefix("/zstack")
    assert (r.status_code, r.text) == (404, f"no api mapping to {shown}")


@pytest.mark.parametrize("path", ["/v1/vm-instances", "/v1/accounts/login", "/elsewhere", "/zstackv1/vm-instances"])
def test_a_path_outside_the_context_path_is_tomcats_404_not_an_api(sim, path):
    """A base URL without /zstack reaches no API on a node (Tomcat answers for no web application)."""
    for method in ("GET", "PUT"):
        r = requests.request(method, f"http://{sim.host}:{sim.port}{path}", json={"logInByAccount": {}}, timeout=10)
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html") and "HTTP Status 404" in r.text


# -- queries --------------------------------------------------------------------------------------


def query(sim, session, path="", **params) -> requests.Response:
    return requests.get(f"{sim.base_url}/v1/vm-instances{path}", params=params, headers=auth(session))


def test_query_all_vms_and_by_state(sim):
    session = login(sim)
    r = query(sim, session)
    assert r.status_code == 200 and "Content-Type" not in r.headers
    everything = r.json()["inventories"]
    assert len(everything) == len(sim.vms) >= 4
    for inv in everything:
        assert_valid({"inventory": inv})
    stopped = query(sim, session, q="state=Stopped").json()["inventories"]
    assert len(stopped) >= 2 and {v["state"] for v in stopped} == {"Stopped"}
    assert query(sim, session, q="state=Sleeping").json() == {"inventories": [], "schema": {}}


def test_query_one_vm_by_uuid(sim):
    session = login(sim)
    vm = vm_in(sim, "Running")
    found = query(sim, session, f"/{vm}").json()["inventories"]
    assert [v["uuid"] for v in found] == [vm]
    assert query(sim, session, f"/{NO_SUCH_VM}").json() == {"inventories": [], "schema": {}}


def test_q_is_repeatable_and_the_conditions_and(sim):
    session = login(sim)
    r = requests.get(f"{sim.base_url}/v1/vm-instances?q=state=Stopped&q=name=db-1", headers=auth(session))
    assert [v["name"] for v in r.json()["inventories"]] == ["db-1"]


@pytest.mark.parametrize(
    "params,names",
    [
        ({"q": "name~=web%"}, ["web-1"]),
        ({"q": "state?=Running,Paused"}, ["app-1", "batch-1"]),
        ({"q": "state!=Stopped"}, ["app-1", "batch-1"]),
        ({"q": "hostUuid is null"}, ["web-1", "db-1"]),
        ({"q": "cpuNum>=4"}, ["web-1", "db-1"]),
        ({"q": "vmNics.ip=192.168.10.31"}, ["db-1"]),
        ({"sort": "-memorySize", "limit": "2"}, ["db-1", "web-1"]),
        ({"sort": "+name", "start": "1", "limit": "1"}, ["batch-1"]),
    ],
)
def test_query_operators_sort_and_paging(sim, params, names):
    r = query(sim, login(sim), **params)
    assert r.status_code == 200, r.text
    assert [v["name"] for v in r.json()["inventories"]] == names


def test_query_count_and_fields(sim):
    session = login(sim)
    assert query(sim, session, q="state=Stopped", count="true").json() == {"total": 2, "schema": {}}
    body = query(sim, session, q="state=Stopped", replyWithCount="true", fields="uuid,name").json()
    assert body["total"] == 2 and all(set(v) == {"uuid", "name"} for v in body["inventories"])


def test_query_errors(sim):
    session = login(sim)
    r = query(sim, session, q="stateStopped")
    assert r.status_code == 400 and "doesn't contain any query operator" in r.text
    r = query(sim, session, limit="ten")
    assert (r.status_code, r.text) == (400, "Invalid query parameter. 'limit' must be an integer")
    r = query(sim, session, q="colour=red")
    assert r.status_code == 503 and r.json()["error"]["code"] == "SYS.1007"


def test_a_query_with_an_unknown_session_is_503_ID_1001_directly(sim):
    r = query(sim, "0" * 32)
    assert r.status_code == 503 and r.json()["error"]["code"] == "ID.1001"
    assert_valid(r.json())


# -- rendering ------------------------------------------------------------------------------------


def test_numbers_are_json_integers(sim):
    done = reimage(sim, vm_in(sim, "Stopped"), login(sim))
    floats = []
    json.loads(done.content, parse_float=floats.append)
    assert floats == []  # no 8.589934592E9, no 1.0
    inv = done.json()["inventory"]
    assert type(inv["memorySize"]) is int and type(inv["cpuNum"]) is int
    assert all(type(v["size"]) is int and type(v["actualSize"]) is int for v in inv["allVolumes"])


def test_timestamps_are_java_8_style(sim):
    session = login(sim)
    docs = [reimage(sim, vm_in(sim, "Stopped"), session).json(), query(sim, session).json()]
    dates = [(p, k, v) for doc in docs for p, k, v in walk(doc) if k.endswith("Date")]
    assert len(dates) > 20
    assert [d for d in dates if not JVM_DATE.fullmatch(d[2])] == []


def test_job_results_and_query_answers_escape_html_characters_but_synchronous_errors_do_not(sim):
    session = login(sim)
    web = next(u for u, vm in sim.vms.items() if vm["name"] == "web-1")
    escaped = "\\u003cnginx\\u003e \\u0026 \\u0027static\\u0027 site, tier\\u003dfront"
    for answer in (reimage(sim, web, session), query(sim, session, f"/{web}")):
        raw = answer.content.decode()
        assert escaped in raw and not re.search(r"[<>&'=]", raw)
    r = query(sim, session, q="col<our=x")  # a synchronous error (503) is written without the escaping
    assert r.status_code == 503 and "condition name[col<our] is invalid" in r.text and "\\u003c" not in r.text


def test_null_fields_are_omitted(sim):
    session = login(sim)
    everything = query(sim, session).content.decode()
    assert "null" not in everything
    by_name = {v["name"]: v for v in json.loads(everything)["inventories"]}
    assert "description" not in by_name["app-1"]
    assert "hostUuid" not in by_name["web-1"] and "hostUuid" in by_name["app-1"]


def test_inventories_carry_the_undocumented_fields_of_real_nodes(sim):
    inv = reimage(sim, vm_in(sim, "Stopped"), login(sim)).json()["inventory"]
    assert {"architecture", "guestOsType", "reservedMemorySize", "vmCdRoms", "internalId"} <= set(inv)
    for nic in inv["vmNics"]:
        assert {"usedIpUuid", "hypervisorType", "driverType", "internalName", "type", "state", "usedIps"} <= set(nic)
        assert nic["usedIps"] and nic["usedIps"][0]["uuid"] == nic["usedIpUuid"]
    for vol in inv["allVolumes"]:
        assert {"volumeQos", "lastAttachDate"} <= set(vol)
    all_volume_keys = set().union(*(v.keys() for vm in sim.vms.values() for v in vm["allVolumes"]))
    assert {"volumeQos", "lastDetachDate", "lastVmInstanceUuid", "lastAttachDate", "protocol"} <= all_volume_keys
    assert {"Root", "Data"} <= {v["type"] for v in inv["allVolumes"]}


def test_uuids_are_32_lower_case_hex(sim):
    session = login(sim)
    docs = [reimage(sim, vm_in(sim, "Stopped"), session).json(), query(sim, session).json()]
    uuids = [(p, k, v) for doc in docs for p, k, v in walk(doc) if k == "uuid" or k.endswith("Uuid")]
    assert len(uuids) > 30
    assert [u for u in uuids if not UUID.fullmatch(u[2])] == []


def test_no_answer_has_a_content_type(sim):
    session = login(sim)
    vm = vm_in(sim, "Stopped")
    answers = [
        put_action(sim, vm, {"reimageVmInstance": {}}, session),
        reimage(sim, vm, session),
        reimage(sim, NO_SUCH_VM, session),
        put_action(sim, vm, {}),
        put_action(sim, vm, b"oops"),
        requests.get(f"{sim.base_url}/v1/nowhere"),
        query(sim, session),
    ]
    assert [r.headers.get("Content-Type") for r in answers] == [None] * len(answers)


# -- named faults ---------------------------------------------------------------------------------


def test_the_faults_are_named_and_described_in_one_line_each():
    assert list(FAULTS) == [
        "drop-uuid", "string-memory", "string-long", "float-cpu", "iso-dates", "nic-owner", "no-root-volume", "error-as-text",
        "error-200", "no-location", "never-done", "server-error", "accept-bad-tags", "truncated-json",
    ]
    assert all(d and "\n" not in d for d in FAULTS.values())


def test_an_unknown_fault_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match="unknown fault 'drop-uid'.*drop-uuid.*truncated-json"):
        Simulator(faults=("drop-uid",))


def faulted_reimage(make_sim, fault, vm_state="Stopped", vm=None):
    sim = make_sim(fault)
    session = login(sim)
    return sim, reimage(sim, vm or vm_in(sim, vm_state), session)


def test_fault_drop_uuid(make_sim):
    sim, done = faulted_reimage(make_sim, "drop-uuid:ReimageVmInstance")
    assert done.status_code == 200 and "uuid" not in done.json()["inventory"]
    assert_invalid(done.json())
    assert all("uuid" in v for v in query(sim, login(sim)).json()["inventories"])  # named for one API: the others stay sound
    everywhere = make_sim("drop-uuid")
    assert all("uuid" not in v for v in query(everywhere, login(everywhere)).json()["inventories"])
    assert "uuid" in requests.put(f"{everywhere.base_url}/v1/accounts/login", json={
        "logInByAccount": {"accountName": "admin", "password": PASSWORD_HASH}}).json()["inventory"]  # the session stays sound


def test_fault_string_long(make_sim):
    sim = make_sim("string-long", schemas=ROOT / "schemas")  # which fields are Long: the API's schema says
    session = login(sim)
    inv = reimage(sim, vm_in(sim, "Stopped"), session).json()["inventory"]
    assert inv["memorySize"] == "8589934592" and isinstance(inv["cpuNum"], int)  # cpuNum is an Integer
    assert all(isinstance(v["size"], str) and isinstance(v["deviceId"], int) for v in inv["allVolumes"])
    assert all(isinstance(ip["ipInLong"], str) for nic in inv["vmNics"] for ip in nic["usedIps"])


def test_fault_string_memory(make_sim):
    _, done = faulted_reimage(make_sim, "string-memory")
    assert done.json()["inventory"]["memorySize"] == "8589934592"
    assert_invalid(done.json())


def test_fault_float_cpu(make_sim):
    _, done = faulted_reimage(make_sim, "float-cpu")
    assert done.json()["inventory"]["cpuNum"] == 1.5
    assert_invalid(done.json())


def test_fault_iso_dates(make_sim):
    _, done = faulted_reimage(make_sim, "iso-dates")
    dates = [v for _, k, v in walk(done.json()) if k.endswith("Date")]
    assert dates and all(ISO_DATE.fullmatch(d) for d in dates)
    assert_invalid(done.json())


def test_fault_nic_owner(make_sim):
    sim, done = faulted_reimage(make_sim, "nic-owner")
    inv = done.json()["inventory"]
    owner = inv["vmNics"][0]["vmInstanceUuid"]
    assert owner != inv["uuid"] and owner in sim.vms
    assert_valid(done.json())  # the schema cannot see it: a cross-field check must


def test_fault_no_root_volume(make_sim):
    _, done = faulted_reimage(make_sim, "no-root-volume")
    inv = done.json()["inventory"]
    assert UUID.fullmatch(inv["rootVolumeUuid"])
    assert inv["rootVolumeUuid"] not in {v["uuid"] for v in inv["allVolumes"]}
    assert_valid(done.json())


def test_fault_error_as_text(make_sim):
    sim, done = faulted_reimage(make_sim, "error-as-text", vm=NO_SUCH_VM)
    assert done.status_code == 503
    assert done.text.startswith("SYS.1003") and NO_SUCH_VM in done.text
    with pytest.raises(ValueError):
        json.loads(done.text)
    r = requests.put(f"{sim.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": "x"}})
    assert r.status_code == 503 and r.json()["error"]["code"] == "ID.1000"  # the session's own APIs stay sound
    named = make_sim("error-as-text:LogInByAccount")
    r = requests.put(f"{named.base_url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": "x"}})
    assert r.status_code == 503 and r.text.startswith("ID.1000")  # unless named


def test_fault_error_200(make_sim):
    _, done = faulted_reimage(make_sim, "error-200", vm=NO_SUCH_VM)
    assert done.status_code == 200
    assert done.json()["error"]["code"] == "SYS.1003"
    assert_valid(done.json())  # the body is a well-formed failure: only the status lies


def test_fault_no_location(make_sim):
    sim = make_sim("no-location")
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, login(sim))
    assert r.status_code == 202
    assert "location" not in r.json() and isinstance(r.json()["apiTimeout"], int)


def test_fault_never_done(make_sim):
    sim = make_sim("never-done", job_delay=0)
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    for _ in range(5):
        time.sleep(0.02)
        r = requests.get(job_url(sim, accepted), headers=auth(session))
        assert (r.status_code, r.content) == (202, b"{}")


def test_fault_server_error(make_sim):
    sim = make_sim("server-error:ReimageVmInstance")
    session = login(sim)
    r = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}}, session)
    assert r.status_code == 500
    assert r.text.lower().startswith("<!doctype html") and "HTTP Status 500" in r.text
    stop = put_action(sim, vm_in(sim, "Running"), {"stopVmInstance": {}}, session)
    assert stop.status_code == 202  # named for one API: the other actions are untouched
    everywhere = make_sim("server-error")
    r = put_action(everywhere, vm_in(everywhere, "Running"), {"stopVmInstance": {}}, login(everywhere))
    assert r.status_code == 500 and "HTTP Status 500" in r.text


def test_fault_accept_bad_tags(make_sim):
    sim = make_sim("accept-bad-tags")
    session = login(sim)
    accepted = put_action(sim, vm_in(sim, "Stopped"), {"reimageVmInstance": {}, "systemTags": "a::b"}, session)
    assert accepted.status_code == 202
    assert finish(sim, accepted, session).status_code == 200


@pytest.mark.parametrize("vm", [None, NO_SUCH_VM])
def test_fault_truncated_json(make_sim, vm):
    _, done = faulted_reimage(make_sim, "truncated-json", vm=vm)
    assert done.status_code == (200 if vm is None else 503)
    assert done.text.startswith('{"inventory":' if vm is None else '{"error":')
    with pytest.raises(ValueError):
        json.loads(done.content)


def test_faults_can_be_switched_between_requests(sim):
    session = login(sim)
    sim.set_faults(["drop-uuid"])
    assert "uuid" not in reimage(sim, vm_in(sim, "Stopped"), session).json()["inventory"]
    sim.set_faults([])
    assert_valid(reimage(sim, vm_in(sim, "Stopped"), session).json())
    with pytest.raises(ValueError):
        sim.set_faults(["nope"])
