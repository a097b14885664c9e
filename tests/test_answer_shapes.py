"""Issue 27, item 6: answers of the right shape. Each row names the server's code it follows (paths
relative to the ZStack tree): an API whose result class has no fields answers ``{}``; the boot
order is the one a node computes; the console password is what was set; the capabilities are
judged per uuid asked for, none of them looked up first. The simulator runs on loopback, with the
test pages' schemas (derived with the overlay) and with the newest shipped release."""

from __future__ import annotations

import time

import pytest
import requests

from conftest import HANG
from zstack_contract.contract.loading import load_contracts
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.errors import InputError
from zstack_contract.simulator import Simulator

DELAY = 0.05


@pytest.fixture(scope="module")
def newest():
    return load_contracts()


@pytest.fixture
def pages_sim(api_schemas):
    with Simulator(schemas=api_schemas, job_delay=DELAY) as s:
        yield s


@pytest.fixture
def sim(newest):
    with Simulator(schemas=newest, job_delay=DELAY) as s:
        yield s


def call(sim: Simulator, method: str, path: str, body: dict | None = None) -> requests.Response:
    """The API's last answer: a job's is polled until it is not a 202."""
    headers = {"Authorization": f"OAuth {sim.create_session()}"}
    r = requests.request(method, f"{sim.base_url}{path}", json=body, headers=headers, timeout=HANG)
    if r.status_code != 202:
        return r
    location, deadline = r.json()["location"], time.monotonic() + HANG
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(DELAY / 2)
        r = requests.get(location, headers=headers, timeout=HANG)
    return r


def vm_in(sim: Simulator, state: str) -> str:
    return next(u for u, vm in sim.state.vms.items() if vm["state"] == state)


# -- an API whose result class has no fields answers {} ------------------------------------------

EMPTY_RESULTS = [
    # (the schemas, API, method, path, body, why: the server's file it follows)
    ("pages", "SetVmRDP", "PUT", "/v1/vm-instances/{vm}/actions", {"setVmRDP": {"enable": True}},
     ("sdk/src/main/java/org/zstack/sdk/SetVmRDPResult.java (a class without fields): the overlay's "
      "result-class-without-fields, though the test page shows an inventory")),
    ("newest", "CleanUpImageCacheOnPrimaryStorage", "PUT", "/v1/primary-storage/{ps}/actions", {"cleanUpImageCacheOnPrimaryStorage": {}},
     "header/src/main/java/org/zstack/header/storage/primary/APICleanUpImageCacheOnPrimaryStorageEvent.java: an event without fields"),
]


@pytest.mark.parametrize("schemas, api, method, path, body, why", EMPTY_RESULTS, ids=[r[1] for r in EMPTY_RESULTS])
def test_an_api_whose_result_has_no_fields_answers_empty(api_schemas, newest, schemas, api, method, path, body, why):
    with Simulator(schemas=api_schemas if schemas == "pages" else newest, job_delay=DELAY) as sim:
        assert api in sim.apis
        vm = vm_in(sim, "Running")
        ps = next(iter(sim.state.store.get("primary-storage", {})), "0" * 32)
        r = call(sim, method, path.format(vm=vm, ps=ps), body)
        assert (r.status_code, r.json()) == (200, {}), why


def test_the_overlay_pins_the_result_and_the_unchecked_parameters_in_the_schemas(api_schemas):
    contracts = load_contracts(api_schemas)
    rdp, caps = contracts.get("SetVmRDP"), contracts.get("GetVmsCapabilities")
    assert rdp.empty_result and rdp.success_fields == ("inventory",)  # the page's fields stay what the page says
    assert caps.unchecked == ("vmUuids",) and not caps.empty_result
    assert not contracts.get("GetVmBootOrder").empty_result and contracts.get("GetVmBootOrder").unchecked == ()
    assert rdp.request["x-zstack"]["x-overlay"] == ["result-class-without-fields"]
    password = contracts.get("GetVmConsolePassword")
    for contract in (rdp, password):  # what a node answers ({}) passes the check; neither success nor error does not
        assert contract.accepts({}) and not contract.accepts({"success": True}), contract.api
    assert not contracts.get("GetVmBootOrder").accepts({})
    assert not caps.parameters.params[0].names_resource and caps.parameters.params[0].name == "vmUuids"


@pytest.mark.parametrize("entry, message", [
    ('empty-result = "yes"', "'empty-result' must be true or false"),
    ('unchecked = "vmUuids"', "'unchecked' must be a list of parameter names"),
    ('works-in = "Stopped"', "'works-in' must be a list of states"),
    ('names = { isoUuid = "image" }', "'names' must map a uuid parameter to a resource type's name (VmInstance)"),
    ("", "says nothing (no missing-resource, empty-result, empty-when-unset, unchecked, names, sets-state, moves, removes, needs-state or works-in)"),
])
def test_a_bad_api_entry_of_the_overlay_is_one_line(tmp_path, entry, message):
    f = tmp_path / "overlay.toml"
    f.write_text(f'[[api]]\nid = "x"\napi = "SetVmRDP"\n{entry}\nreason = "r"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_overlay(f)
    assert str(err.value) == f"{f}: api 'x': {message}"


# -- GetVmBootOrder: the order a node computes ---------------------------------------------------

BOOT_ORDERS = [
    # (what is done first, the order answered, why: VmInstanceBase.handle(APIGetVmBootOrderMsg) and
    # handle(APISetVmBootOrderMsg), compute/src/main/java/org/zstack/compute/vm/VmInstanceBase.java)
    ([], ["HardDisk", "Network"], "no bootOrder tag, no ISO attached (IsoOperator.isIsoAttachedToVm): HardDisk, Network"),
    (["iso"], ["HardDisk", "CdRom", "Network"], "no bootOrder tag, a CD-ROM holds an ISO: HardDisk, CdRom, Network"),
    ([{"bootOrder": ["CdRom", "HardDisk", "CdRom"]}], ["CdRom", "HardDisk"],
     "SetVmBootOrder: the bootOrder tag, each device once (distinct), in the order given"),
    ([{"bootOrder": ["Network"]}, {}], ["HardDisk", "Network"], "SetVmBootOrder without bootOrder deletes the tag"),
    (["iso", {"bootOrder": ["Network", "HardDisk"]}], ["Network", "HardDisk"], "the tag wins over the devices"),
]


@pytest.mark.parametrize("steps, order, why", BOOT_ORDERS, ids=[r[2][:40] for r in BOOT_ORDERS])
def test_the_boot_order_is_the_one_a_node_computes(sim, steps, order, why):
    vm = vm_in(sim, "Running")
    for step in steps:
        if step == "iso":
            cdroms = sim.state.vms[vm]["vmCdRoms"] or [{"uuid": "c" * 32, "vmInstanceUuid": vm, "deviceId": 0}]
            cdroms[0]["isoUuid"] = next(iter(sim.state.store["images"]))
            sim.state.vms[vm]["vmCdRoms"] = cdroms
        else:
            r = call(sim, "PUT", f"/v1/vm-instances/{vm}/actions", {"setVmBootOrder": step})
            assert r.status_code == 200 and r.json()["inventory"]["uuid"] == vm, r.text
    r = call(sim, "GET", f"/v1/vm-instances/{vm}/boot-orders")
    assert (r.status_code, r.json()) == (200, {"orders": order}), why


def test_the_boot_order_of_the_test_page_is_computed_too(pages_sim):
    r = call(pages_sim, "GET", f"/v1/vm-instances/{vm_in(pages_sim, 'Stopped')}/boot-orders")
    assert (r.status_code, r.json()) == (200, {"orders": ["HardDisk", "Network"]})


# -- GetVmConsolePassword: what was set ----------------------------------------------------------

CONSOLE_PASSWORDS = [
    # (steps: (method, path under the VM, body), the answer, why: VmInstanceBase.handle of
    # APIGetVmConsolePasswordMsg / APISetVmConsolePasswordMsg / APIDeleteVmConsolePasswordMsg)
    ([], {}, "no consolePassword tag: a null password, which the node's JSON leaves out"),
    ([("PUT", "/actions", {"setVmConsolePassword": {"consolePassword": "pw-12345"}})], {"password": "pw-12345"},
     "SetVmConsolePassword creates the consolePassword tag; fieldsTo password=consolePassword"),
    ([("PUT", "/actions", {"setVmConsolePassword": {"consolePassword": "first-1"}}),
      ("PUT", "/actions", {"setVmConsolePassword": {"consolePassword": "second-2"}})], {"password": "second-2"},
     "the tag is recreated (creator.recreate = true): the last one set"),
    ([("PUT", "/actions", {"setVmConsolePassword": {"consolePassword": "pw-12345"}}), ("DELETE", "/console-password", None)], {},
     "DeleteVmConsolePassword deletes the tag (VmSystemTags.CONSOLE_PASSWORD.delete)"),
]


@pytest.mark.parametrize("steps, answer, why", CONSOLE_PASSWORDS, ids=[r[2][:40] for r in CONSOLE_PASSWORDS])
def test_the_console_password_is_what_was_set(sim, steps, answer, why):
    vm = vm_in(sim, "Running")
    for method, path, body in steps:
        r = call(sim, method, f"/v1/vm-instances/{vm}{path}", body)
        assert r.status_code == 200, r.text
    r = call(sim, "GET", f"/v1/vm-instances/{vm}/console-passwords")
    assert (r.status_code, r.json()) == (200, answer), why
    assert sim.state.get("vm-instances", vm) is not None  # deleting the password leaves the VM


def test_the_console_password_of_the_test_page_is_none_until_set(pages_sim):
    r = call(pages_sim, "GET", f"/v1/vm-instances/{vm_in(pages_sim, 'Running')}/console-passwords")
    assert (r.status_code, r.json()) == (200, {})


# -- GetVmsCapabilities: per uuid asked for, none looked up --------------------------------------

NOBODY = "0123456789abcdef0123456789abcdef"
CAPABILITIES = [
    # (VMs asked for: a state or a uuid, the answer, why: VmInstanceManagerImpl.handle(APIGetVmsCapabilitiesMsg),
    # VmCapabilitiesJudger.judge, compute/src/main/java/org/zstack/compute/vm/)
    (["Running"], 200, [{"supportLiveMigration": True, "supportVolumeMigration": False, "supportReimage": True, "supportMemorySnapshot": True}],
     "Running: live migration as the primary storage type allows (PrimaryStorageType: true); volume migration only when Stopped"),
    (["Stopped"], 200, [{"supportLiveMigration": False, "supportVolumeMigration": True, "supportReimage": True, "supportMemorySnapshot": True}],
     "Stopped: no live migration; volume migration as the type allows (PrimaryStorageType: false but LocalStorage, the data set's)"),
    (["Running", "Stopped"], 200, None, "one entry per uuid asked for, keyed by it"),
    ([NOBODY], 503, "SYS.1000",
     "vmUuids has no resourceType (APIGetVmsCapabilitiesMsg): no SYS.1003; judge reads a null VM: an internal error"),
]


# The test page types vmUuids as a String (one query value); the doc sources as a List (repeated values).
CAPABILITY_CASES = [(which, *row) for row in CAPABILITIES for which in ("newest", "pages") if which == "newest" or len(row[0]) == 1]


@pytest.mark.parametrize("which, asked, status, answer, why", CAPABILITY_CASES, ids=[f"{r[0]}-{r[4][:40]}" for r in CAPABILITY_CASES])
def test_capabilities_are_judged_per_uuid_asked_for(api_schemas, newest, which, asked, status, answer, why):
    with Simulator(schemas=newest if which == "newest" else api_schemas, job_delay=DELAY) as sim:
        uuids = [a if a == NOBODY else vm_in(sim, a) for a in asked]
        r = call(sim, "GET", "/v1/vm-instances/capabilities?" + "&".join(f"vmUuids={u}" for u in uuids))
        body = r.json()
        assert r.status_code == status, (why, body)
        if status == 503:
            assert body["error"]["code"] == answer and "details" not in body["error"], why
            return
        assert sorted(body["vmsCaps"]) == sorted(uuids), why
        for uuid, caps in zip(uuids, answer or ()):
            assert body["vmsCaps"][uuid] == caps, why
