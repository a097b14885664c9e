"""Positive cases (``test_api[<API>-success]``, zstack_contract.live.provision): the acceptance of
issue 28 on the test pages' APIs (every API whose success answer carries an inventory fails by
name under ``drop-uuid``; a clean simulator passes), a run interrupted once it has made something
leaves nothing behind, the invariant checks each catch what they claim, and the safety rules."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from conftest import HANG, ROOT, child_pytest
from zstack_contract.checks import REGISTRY, invariants
from zstack_contract.contract.bundle import read_bundle
from zstack_contract.contract.graph import inventory_type
from zstack_contract.contract.loading import load_contracts
from zstack_contract.contract.releases import releases_dir
from zstack_contract.facts.ids import password_hash
from zstack_contract.live.client import ZStackClient
from zstack_contract.live.provision import DEPTH, Provisioner, Unavailable
from zstack_contract.live.queries import oldest_first
from zstack_contract.simulator import Simulator
from zstack_contract.simulator import seed as seeded

GENERATED = "contract_tests/test_api.py"
# What the pages lack to remove what two of their creates make (an account, a VM: its destroy keeps
# it), and to see an account gone: without them the run cannot clean up, and skips those creates.
REMOVAL_APIS = ("DeleteAccount", "QueryAccount", "ExpungeVmInstance")


@pytest.fixture(scope="module")
def success_schemas(api_schemas, tmp_path_factory) -> Path:
    """The test pages' schemas and, from the newest shipped contract, :data:`REMOVAL_APIS`'."""
    out = tmp_path_factory.mktemp("success-schemas")
    for f in api_schemas.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    bundle = read_bundle(releases_dir() / "5.3.0.json.gz")
    for name, data in bundle.files().items():
        if name.split(".")[0] in REMOVAL_APIS:
            (out / name).write_bytes(data)
    return out


def run_suite(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(child_pytest(GENERATED, *args), capture_output=True, text=True, cwd=ROOT, timeout=10 * HANG, check=False)


def failures(junit: Path) -> dict[str, str]:
    return {case.get("name"): case.find("failure").get("message", "")
            for case in ElementTree.parse(junit).getroot().iter("testcase") if case.find("failure") is not None}


def inventory_apis(schemas: Path) -> set[str]:
    """The APIs whose success answer carries an inventory, that a positive case calls (not a query, a session's own)."""
    return {c.api for c in load_contracts(schemas) if inventory_type(c.response) and not c.empty_result and c.kind != "query" and c.authorized}


def test_drop_uuid_fails_the_success_case_of_every_api_with_an_inventory_and_a_clean_simulator_passes(success_schemas, tmp_path):
    apis = inventory_apis(success_schemas)
    assert {"CreateVmInstance", "CreateAccount", "ReimageVmInstance", "StopVmInstance"} <= apis
    results = {}
    for fault in (None, "drop-uuid"):
        junit = tmp_path / f"{fault}.xml"
        with Simulator(faults=(fault,) if fault else (), schemas=success_schemas, job_delay=0.005) as sim:
            r = run_suite("--zstack-url", sim.base_url, "--zstack-schemas", str(success_schemas), "--zstack-allow-destructive",
                          "-rs", f"--junitxml={junit}", "--zstack-report", str(tmp_path / str(fault)))
            vms = len(sim.state.all_vms())
            seeded = len(Simulator(schemas=success_schemas).state.all_vms())
        results[fault] = r, failures(junit), vms == seeded
    clean, clean_failed, clean_nothing_left = results[None]
    assert clean.returncode == 0 and clean_failed == {}, clean.stdout[-3000:]
    assert "zstack-contract: PASS" in clean.stdout and "left behind" not in clean.stdout and clean_nothing_left
    ran = {line.split("[", 1)[1].split("-success]")[0] for line in ElementTree.parse(tmp_path / "None.xml").getroot().iter("testcase")
           for line in [line.get("name")] if line.endswith("-success]") and line.startswith("test_api[")}
    assert apis <= ran
    r, failed, nothing_left = results["drop-uuid"]
    assert r.returncode == 1 and nothing_left
    for api in sorted(apis):
        message = failed.get(f"test_api[{api}-success]", "")
        assert f"test_api[{api}-success]" in message and "/inventory/uuid" in message and "[response-schema]" in message, (api, message)


# -- an interrupted run ------------------------------------------------------------------------------
def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "zstack_contract.cli", "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    ready, _, _ = select.select([proc.stdout], [], [], HANG)
    if not ready:
        proc.kill()
        raise AssertionError("serve printed nothing")
    return proc, proc.stdout.readline().strip()


def _uuids(url: str, collection: str) -> set[str]:
    """The uuids of a collection of the simulator, asked over HTTP as a client asks."""
    login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}},
                         timeout=HANG)
    session = login.json()["inventory"]["uuid"]
    r = requests.get(f"{url}/v1/{collection}", headers={"Authorization": f"OAuth {session}"}, timeout=HANG)
    requests.delete(f"{url}/v1/accounts/sessions/{session}", headers={"Authorization": f"OAuth {session}"}, timeout=HANG)
    return {inv["uuid"] for inv in r.json()["inventories"]}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_run_interrupted_once_it_made_a_resource_removes_what_it_made(success_schemas, tmp_path, sig):
    # A job of a quarter second: the run is still at work when it is stopped.
    server, url = _serve("--schemas", str(success_schemas), "--job-delay", "0.25")
    try:
        before = _uuids(url, "vm-instances"), _uuids(url, "accounts")
        run = subprocess.Popen(child_pytest(GENERATED, "-k", "success", "--zstack-url", url, "--zstack-schemas", str(success_schemas),
                                            "--zstack-allow-destructive", "--zstack-report", str(tmp_path)),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env={**os.environ})
        deadline = time.monotonic() + HANG
        while (_uuids(url, "vm-instances"), _uuids(url, "accounts")) == before and run.poll() is None:
            assert time.monotonic() < deadline, "the run made nothing"
            time.sleep(0.05)
        assert run.poll() is None, "the run ended before it could be interrupted"
        made = (_uuids(url, "vm-instances") - before[0]) | (_uuids(url, "accounts") - before[1])
        run.send_signal(sig)
        out, _ = run.communicate(timeout=10 * HANG)
        after = _uuids(url, "vm-instances"), _uuids(url, "accounts")
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=HANG)
    assert made  # something was made, and all of it is gone again
    assert after == before, out[-3000:]
    assert "left behind" not in out and run.returncode != 0
    report = json.loads((tmp_path / "zstack-contract.json").read_text())
    assert report["summary"]["verdict"] != "PASS"


# -- the invariants, each catching what it claims --------------------------------------------------
WHERE = {"file": "t", "api": "X", "step": 0}
U, OTHER = "a" * 32, "b" * 32


def test_each_invariant_is_a_registered_check_with_a_severity():
    for name in ("created-found", "acted-on", "delete-done", "uuid-matches-url"):
        assert REGISTRY[name].severity == "violation"


def test_created_found_catches_a_create_whose_resource_the_query_does_not_find():
    assert invariants.created_found(WHERE, U, "QueryX", {"inventories": [{"uuid": U}]}) == []
    [f] = invariants.created_found(WHERE, U, "QueryX", {"inventories": []})
    assert f.check == "created-found" and U in f.expected and "QueryX finds no resource" in f.found
    assert invariants.created_found(WHERE, U, "QueryX", None) == []  # a query that answered no list: its own tests say so


def test_acted_on_catches_an_answer_about_another_resource():
    assert invariants.acted_on(WHERE, "/inventory", {"uuid": U}, U, "vmInstanceUuid") == []
    assert invariants.acted_on(WHERE, "/inventory", {"name": "no uuid"}, U, "vmInstanceUuid") == []  # the schema's to say
    [f] = invariants.acted_on(WHERE, "/inventory", {"uuid": OTHER}, U, "vmInstanceUuid")
    assert f.check == "acted-on" and f.pointer == "/inventory/uuid" and "vmInstanceUuid" in f.expected and OTHER in f.found


def test_delete_done_catches_a_resource_still_there_or_in_another_state():
    assert invariants.delete_done(WHERE, U, "QueryX", {"inventories": []}, None) == []
    [f] = invariants.delete_done(WHERE, U, "QueryX", {"inventories": [{"uuid": U}]}, None)
    assert f.check == "delete-done" and "still finds it" in f.found
    assert invariants.delete_done(WHERE, U, "QueryX", {"inventories": [{"uuid": U, "state": "Destroyed"}]}, "Destroyed") == []
    [f] = invariants.delete_done(WHERE, U, "QueryX", {"inventories": [{"uuid": U, "state": "Running"}]}, "Destroyed")
    assert "'Destroyed'" in f.expected and "Running" in f.found
    [f] = invariants.delete_done(WHERE, U, "QueryX", {"inventories": []}, "Destroyed")
    assert f.found == "gone"


# -- the provisioner ------------------------------------------------------------------------------------
class Caller:
    """What the provisioner talks through (a BoundLive's ``call``), over a real client."""

    test_id = "test"

    def __init__(self, client: ZStackClient):
        self.client = client
        self.sent: list = []

    def call(self, method, path, **kwargs):
        call = self.client.request(method, path, **kwargs)
        self.sent.append(call)
        return call


@contextlib.contextmanager
def serving(contracts):
    """A simulator of ``contracts`` and a client logged in to it."""
    with Simulator(schemas=contracts, job_delay=0.001) as sim:
        client = ZStackClient(sim.base_url)
        client.login("admin", "password")
        yield sim, client


@pytest.fixture
def simulator(success_schemas):
    contracts = load_contracts(success_schemas)
    with serving(contracts) as (sim, client):
        yield sim, Caller(client), contracts


@pytest.fixture
def shipped_simulator():
    """(simulator, caller, contracts) of the newest shipped contract."""
    contracts = load_contracts()
    with serving(contracts) as (sim, client):
        yield sim, Caller(client), contracts


def test_a_resource_the_api_changes_is_one_the_run_made_and_the_cleanup_removes_it(simulator):
    sim, caller, contracts = simulator
    seeded = {vm["uuid"] for vm in sim.state.all_vms()}
    prov = Provisioner(contracts, live_node=False)
    prepared = prov.prepare(contracts.get("StopVmInstance"), caller)
    assert prepared.subject not in seeded and [m.uuid for m in prov.made] == [prepared.subject]
    # a read may use what it finds
    assert prov.prepare(contracts.get("GetVmBootOrder"), caller).subject in seeded | {prepared.subject}
    assert prov.clean_up(caller) == []
    assert {vm["uuid"] for vm in sim.state.all_vms()} == seeded


def test_on_a_live_node_only_what_the_run_made_and_tagged_is_used(simulator):
    sim, caller, contracts = simulator
    seeded = {vm["uuid"] for vm in sim.state.all_vms()}
    prov = Provisioner(contracts, live_node=True)
    with pytest.raises(Unavailable, match="no InstanceOffering found"):  # what a VM's create names is not the run's own
        prov.prepare(contracts.get("GetVmBootOrder"), caller)
    queries = [c.exchange.call.request.url for c in caller.sent if c.exchange.call.request.method == "GET"]
    assert queries and all("__userTag__" in q and prov.run_id in q for q in queries)
    assert {vm["uuid"] for vm in sim.state.all_vms()} == seeded and prov.made == []


def test_every_create_carries_the_run_tag_and_names_the_uuid_it_makes(simulator):
    _, caller, contracts = simulator
    prov = Provisioner(contracts, live_node=False)
    prepared = prov.prepare(contracts.get("CreateVmInstance"), caller)
    body = prepared.request.body
    assert body["userTags"] == [prov.tag] and prov.tag == f"zstack-contract-run::{prov.run_id}"
    assert body["params"]["resourceUuid"] == prepared.made.uuid


def test_what_cannot_be_found_or_made_is_unavailable_naming_the_type(api_schemas):
    contracts = load_contracts(api_schemas)  # the pages alone: nothing removes a VM the run would make
    with Simulator(schemas=api_schemas, job_delay=0.001) as sim:
        client = ZStackClient(sim.base_url)
        client.login("admin", "password")
        prov = Provisioner(contracts, live_node=False)
        with pytest.raises(Unavailable, match="no way to remove a resource of type VmInstance"):
            prov.prepare(contracts.get("StopVmInstance"), Caller(client))
        assert prov.made == []


def test_a_made_resource_in_a_state_no_removal_allows_is_brought_into_one_and_removed(shipped_simulator):
    sim, caller, contracts = shipped_simulator
    prov = Provisioner(contracts, live_node=False)
    uuid = prov.make(contracts.graph.family("VmInstance"), caller, 3)
    sim.state.vms[uuid]["state"] = "Created"  # as a create that only creates leaves it: no destroy allowed
    assert prov.clean_up(caller) == []
    assert not sim.state.exists("vm-instances", uuid)
    sent = [c.exchange.call.request.body for c in caller.sent if c.exchange.call.request.method == "PUT"]
    assert [next(iter(b)) for b in sent if isinstance(b, dict)][-2:] == ["startVmInstance", "expungeVmInstance"]


def test_a_resource_the_node_does_not_take_for_a_parameter_skips_naming_it():
    from types import SimpleNamespace

    from zstack_contract.inputs.exchange import Response
    from zstack_contract.live.provision import Prepared

    prov = Provisioner(load_contracts(), live_node=False)
    prepared = Prepared(request=None, subject=None, subject_param=None, resources={"groupUuid": "Group"})
    refused = SimpleNamespace(final=Response(status=503, body={"error": {"code": "SYS.1003", "details": "invalid field[groupUuid], resource[...] not found"}}))
    assert "does not take the Group the run had for groupUuid" in prov._not_taken(refused, prepared)
    other = SimpleNamespace(final=Response(status=503, body={"error": {"code": "SYS.1003", "details": "invalid field[vmUuid], ..."}}))
    assert prov._not_taken(other, prepared) is None  # a parameter the run made up: the node's refusal stands
    assert prov._not_taken(SimpleNamespace(final=Response(status=200, body={})), prepared) is None


def test_a_resource_whose_state_is_no_state_of_the_overlays_is_removed_all_the_same(shipped_simulator):
    """A long job's inventory carries a ``state`` that is an object: no state any change needs or
    sets, so the way to gone is the family's delete."""
    _, caller, contracts = shipped_simulator
    prov = Provisioner(contracts, live_node=False)
    family = contracts.graph.family("LongJob")
    uuid = prov.make(family, caller, 3)
    assert not isinstance(prov.look_up(caller, family, uuid)[0]["state"], str)
    assert prov.clean_up(caller) == []
    assert prov.look_up(caller, family, uuid) == []


def test_a_query_is_asked_and_read_one_way():
    """What positive cases and scenarios send to a family's query and read of its answer."""
    from types import SimpleNamespace

    from zstack_contract.inputs.exchange import Response
    from zstack_contract.live.queries import listed, query_path

    contracts = load_contracts(release="5.3.0")
    assert query_path(contracts.get("QueryVmNic")) == "/v1/vm-instances/nics"
    assert query_path(contracts.get("QueryVmInstance")) == "/v1/vm-instances"

    def answer(status, body):
        return SimpleNamespace(final=Response(status=status, body=body))

    assert listed(answer(200, {"inventories": [{"uuid": U}, "odd"]})) == [{"uuid": U}, "odd"]  # as listed: pointers count every item
    assert listed(answer(200, {"inventories": {"uuid": U}})) is None and listed(answer(200, {})) is None
    assert listed(answer(503, {"inventories": []})) is None and listed(answer(200, None)) is None


# -- what the simulator does, as the positive cases found it -------------------------------------------
@pytest.fixture(scope="module")
def whole_simulator():
    with serving(load_contracts()) as served:
        yield served


def _inventories(client, path, *q):
    return client.request("GET", path, params=[("q", c) for c in q]).final.body["inventories"]


def test_an_action_that_names_its_resource_in_the_body_answers_that_resource(whole_simulator):
    _, client = whole_simulator
    groups = _inventories(client, "/v1/accounts/groups")
    assert groups
    for group in groups:
        call = client.request("PUT", "/v1/accounts/groups/actions", json_body={"updateUserGroup": {"uuid": group["uuid"], "name": "g"}})
        assert call.final.status == 200 and call.final.body["inventory"]["uuid"] == group["uuid"]


def test_the_state_an_attach_needs_is_the_vms_not_the_nics(whole_simulator):
    _, client = whole_simulator
    vm = _inventories(client, "/v1/vm-instances", "state=Running")[0]
    nic = _inventories(client, "/v1/vm-instances/nics")[0]
    call = client.request("POST", f"/v1/vm-instances/{vm['uuid']}/nices/{nic['uuid']}", json_body={"params": {}})
    assert call.final.status == 200, call.final.body


def test_a_created_vm_starts(whole_simulator):
    sim, client = whole_simulator
    vm = _inventories(client, "/v1/vm-instances", "state=Stopped")[0]
    sim.state.vms[vm["uuid"]]["state"] = "Created"
    call = client.request("PUT", f"/v1/vm-instances/{vm['uuid']}/actions", json_body={"startVmInstance": {}})
    assert call.final.status == 200 and call.final.body["inventory"]["state"] == "Running"


def test_a_query_whose_inventories_name_no_uuid_makes_the_run_make_one_not_borrow_a_reference():
    """Under ``drop-uuid`` a zone's query lists zones with no uuid: the run makes a zone (known by
    the uuid it gives) rather than taking a zone uuid another inventory names, so the API's own
    answer is the one judged, not a SYS.1003 about a borrowed uuid."""
    contracts = load_contracts()
    with Simulator(schemas=contracts, faults=("drop-uuid",), job_delay=0.001) as sim:
        client = ZStackClient(sim.base_url)
        client.login("admin", "password")
        caller = Caller(client)
        prov = Provisioner(contracts, live_node=False)
        prepared = prov.prepare(contracts.get("UpdateZone"), caller)
        assert [(m.resource, m.uuid) for m in prov.made] == [("Zone", prepared.subject)]
        assert prepared.subject in sim.state.collection("zones")
        assert prov.clean_up(caller) == []


def test_what_a_run_finds_is_the_oldest_so_not_what_another_worker_just_made(shipped_simulator):
    """A found resource is asked for ``sort=+createDate``: with xdist, a resource another worker of
    the run made a moment ago (and may be removing) is not the one found, the seeded one is."""
    sim, caller, contracts = shipped_simulator
    prov = Provisioner(contracts, live_node=False)
    zones = contracts.graph.family("Zone")
    made = prov.make(zones, caller, DEPTH)
    oldest = {**sim.state.get("zones", seeded.ZONE), "uuid": "0" * 31 + "1", "name": "oldest", "createDate": datetime(2001, 1, 1)}
    sim.state.put("zones", oldest)  # listed last, created first
    found, unnamed = prov.find(caller, zones, ())
    assert (found, unnamed) == (oldest["uuid"], False) and made in sim.state.collection("zones")
    sim.state.remove("zones", oldest["uuid"])
    assert ("sort", "+createDate") in oldest_first(contracts.get(zones.query))
    assert oldest_first(contracts.get("QueryGlobalConfig")) == []  # its inventories have no createDate to sort by
    assert prov.clean_up(caller) == []
