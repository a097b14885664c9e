"""Issue 27, item 5: resources that exist. Each row names the server's code it follows (paths
relative to the ZStack tree): the default data set names only resources it holds, each in the
collection the contract's resource check looks in, each held to its query's schema; a create whose
named resources exist succeeds and is then found by its query and its reads; a delete removes what
its path's last variable names, except where the overlay says the node keeps it (a VM with the
default ``vm.deletionPolicy=Delay`` stays ``Destroyed`` until expunged). The simulator runs on
loopback with the newest shipped release (5.3.0) and with the test pages' schemas."""

from __future__ import annotations

import time

import pytest
import requests

from conftest import HANG
from zstack_contract.contract.loading import load_contracts
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.errors import InputError
from zstack_contract.simulator import Simulator, render
from zstack_contract.simulator import seed as seeded
from zstack_contract.simulator import state as sim_state
from zstack_contract.simulator.datafile import load_data

DELAY = 0.02


@pytest.fixture(scope="module")
def newest():
    return load_contracts()


@pytest.fixture
def sim(newest):
    with Simulator(schemas=newest, job_delay=DELAY) as s:
        yield s


def call(sim: Simulator, method: str, path: str, body: dict | None = None, params: dict | None = None) -> requests.Response:
    """The API's last answer: a job's is polled until it is not a 202."""
    headers = {"Authorization": f"OAuth {sim.create_session()}"}
    r = requests.request(method, f"{sim.base_url}{path}", json=body, params=params, headers=headers, timeout=HANG)
    deadline = time.monotonic() + HANG
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(DELAY)
        r = requests.get(r.json()["location"], headers=headers, timeout=HANG)
    return r


def found(sim: Simulator, collection: str, uuid: str) -> tuple[list, list]:
    """What the query of the collection finds by ``q=uuid=`` and by ``GET /v1/<collection>/<uuid>``."""
    by_q = call(sim, "GET", f"/v1/{collection}", params={"q": f"uuid={uuid}"}).json()["inventories"]
    by_get = call(sim, "GET", f"/v1/{collection}/{uuid}").json()["inventories"]
    return by_q, by_get


# -- 1. the data set names only what it holds -----------------------------------------------------

def _uuid_fields(obj, path=""):
    """(path, field, uuid) of every ``...Uuid`` field of an inventory, all the way down."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.endswith("Uuid") and isinstance(value, str):
                yield f"{path}.{key}", key, value
            yield from _uuid_fields(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for n, item in enumerate(obj):
            yield from _uuid_fields(item, f"{path}[{n}]")


# A volume's lastVmInstanceUuid is a plain column a node keeps after the VM is gone
# (header/.../volume/VolumeVO.java): it names a VM that was, not one that must exist.
HISTORY = {"lastVmInstanceUuid"}


def test_every_uuid_of_the_default_data_set_names_a_resource_in_the_collection_the_contract_looks_in(newest):
    """Row: PortApiValidator.validate (portal/.../apimediator/PortApiValidator.java) looks a uuid parameter
    up in its resource's table; the simulator looks in the collection contract.resources names."""
    sim = Simulator(schemas=newest)
    data = seeded.seed()
    dangling = []
    for where, inventories in [("vms", data["vms"]), ("images", data["images"]),
                               *((f"resources.{c}", items) for c, items in data["resources"].items())]:
        for inventory in inventories:
            for path, name, uuid in _uuid_fields(inventory, where):
                if name in HISTORY:
                    continue
                collection = newest.resources.of_param(name)
                assert collection is not None, path
                if not sim.state.exists(collection.name, uuid):
                    dangling.append((path, collection.name, uuid))
    assert dangling == []


def test_the_seeded_collections_are_those_the_contract_names(newest):
    """The seed's collections and the VM parts' are the names Resources.of_param gives their uuids."""
    names = {"zoneUuid": "zones", "clusterUuid": "clusters", "hostUuid": "hosts", "primaryStorageUuid": "primary-storage",
             "instanceOfferingUuid": "instance-offerings", "diskOfferingUuid": "disk-offerings", "l2NetworkUuid": "l2-networks",
             "l3NetworkUuid": "l3-networks", "ipRangeUuid": "l3-networks/ip-ranges", "imageUuid": "images",
             "rootVolumeUuid": "volumes", "vmNicUuid": "vm-instances/nics", "vmInstanceUuid": "vm-instances",
             "usedIpUuid": "used-ips"}
    assert {n: newest.resources.of_param(n).name for n in names} == names
    assert set(seeded.resources()) <= set(names.values())
    assert set(sim_state.PARTS) - {"used-ips"} <= {c.name for c in newest.resources.of_query.values()}  # no query lists used IPs


def test_each_seeded_inventory_holds_to_its_query_schema_and_none_is_made_up_twice(sim, newest):
    """The query of each seeded collection answers the seed's inventories (no sample inventories beside
    them, under other uuids), and the answer passes the query's schema."""
    for api, collection in sorted(newest.resources.of_query.items()):
        seeds = {r["uuid"] for r in seeded.resources().get(collection.name, ())}
        if collection.name in sim_state.PARTS:
            seeds = {p["uuid"] for vm in seeded.seed()["vms"] for p in vm[sim_state.PARTS[collection.name][0]]}
        if collection.name == "images":
            seeds = {i["uuid"] for i in seeded.IMAGES}
        if not seeds:
            continue
        r = call(sim, "GET", newest.get(api).routes[0].template)
        body = r.json()
        assert {i["uuid"] for i in body["inventories"]} == seeds, api
        assert newest.get(api).accepts(body), (api, list(newest.get(api).validator.iter_errors(body))[:1])


def test_a_data_file_gives_resources_by_collection_and_a_bad_one_is_one_line():
    data = render.plain(seeded.seed(), lambda dt: dt.isoformat(timespec="seconds"))
    loaded = load_data(data)
    assert [z["uuid"] for z in loaded["resources"]["zones"]] == [seeded.ZONE]
    for resources, message in [({"zones": {}}, "resources.zones: must be a list"),
                               ({"Zones!": []}, "resources.Zones!: a collection is named"),
                               ({"zones": [{"name": "z"}]}, "resources.zones[0]: missing 'uuid'"),
                               ({"zones": [{"uuid": seeded.ZONE}, {"uuid": seeded.ZONE}]}, "resources.zones[1].uuid: duplicate uuid")]:
        with pytest.raises(InputError) as exc:
            load_data({**data, "resources": resources})
        assert message in str(exc.value) and "\n" not in str(exc.value)


# -- 2. a create whose named resources exist succeeds, and is found -------------------------------

def _create_vm(sim, **params) -> requests.Response:
    body = {"name": "new-vm", "instanceOfferingUuid": seeded.INSTANCE_OFFERINGS["small"], "imageUuid": seeded.IMAGES[0]["uuid"],
            "l3NetworkUuids": [seeded.L3["private"][0]], **params}
    return call(sim, "POST", "/v1/vm-instances", {"params": body})


CREATE_VM = [
    # (what the call gives, what the new VM holds, the server's code it follows)
    ({}, {"state": "Running", "defaultL3NetworkUuid": seeded.L3["private"][0], "cpuNum": 1, "memorySize": 2 * seeded.GiB},
     ("VmInstanceApiInterceptor.validate(APICreateVmInstanceMsg): one L3 network is the default; VmInstanceManagerImpl: the "
      "offering's cpuNum/memorySize; strategy InstantStart (APICreateVmInstanceMsg.java:186) starts it")),
    ({"strategy": "CreateStopped"}, {"state": "Stopped", "hostUuid": None},
     "VmCreationStrategy.CreateStopped: created, not started (no host, its last host kept)"),
    ({"l3NetworkUuids": [seeded.L3["public"][0], seeded.L3["private"][0]], "defaultL3NetworkUuid": seeded.L3["private"][0]},
     {"defaultL3NetworkUuid": seeded.L3["private"][0]},
     "VmInstanceApiInterceptor.validate(APICreateVmInstanceMsg): the default given, among the L3 networks"),
    ({"hostUuid": seeded.HOSTS[1]}, {"hostUuid": seeded.HOSTS[1], "zoneUuid": seeded.ZONE, "clusterUuid": seeded.CLUSTER},
     "the host given is the VM's; its zone and cluster are the host's (VmInstanceManagerImpl, the allocation flow)"),
]


@pytest.mark.parametrize("given, holds, source", CREATE_VM, ids=[str(n) for n in range(len(CREATE_VM))])
def test_create_vm_instance_makes_a_coherent_vm_found_by_its_query_and_reads(sim, given, holds, source):
    r = _create_vm(sim, **given)
    assert r.status_code == 200, r.text
    vm = r.json()["inventory"]
    assert {k: vm.get(k) for k in holds} == holds, source
    hosts = {h["uuid"]: h for h in seeded.resources()["hosts"]}
    host = hosts[vm.get("hostUuid") or vm["lastHostUuid"]]
    assert (vm["zoneUuid"], vm["clusterUuid"]) == (host["zoneUuid"], host["clusterUuid"])
    l3s = given.get("l3NetworkUuids", [seeded.L3["private"][0]])
    assert [n["l3NetworkUuid"] for n in vm["vmNics"]] == l3s and all(n["vmInstanceUuid"] == vm["uuid"] for n in vm["vmNics"])
    (root,) = vm["allVolumes"]
    assert (root["uuid"], root["type"], root["rootImageUuid"], root["size"]) == (
        vm["rootVolumeUuid"], "Root", seeded.IMAGES[0]["uuid"], seeded.IMAGES[0]["size"])
    assert found(sim, "vm-instances", vm["uuid"]) == ([vm], [vm])
    assert found(sim, "volumes", root["uuid"]) == ([root], [root])
    nic = vm["vmNics"][0]
    assert found(sim, "vm-instances/nics", nic["uuid"]) == ([nic], [nic])


def test_create_vm_instance_refuses_two_l3_networks_without_a_default(sim):
    """VmInstanceApiInterceptor.validate(APICreateVmInstanceMsg): more than one L3 network and no
    defaultL3NetworkUuid is an argument error (SYS.1007), before any work."""
    r = _create_vm(sim, l3NetworkUuids=[seeded.L3["public"][0], seeded.L3["private"][0]])
    assert r.status_code == 503 and r.json()["error"]["code"] == "SYS.1007"
    assert "more than one L3 network" in r.json()["error"]["details"]


def test_create_vm_instance_naming_an_offering_that_does_not_exist_is_SYS_1003(sim):
    r = _create_vm(sim, instanceOfferingUuid=seeded.uid("io/none"))
    assert r.status_code == 503 and r.json()["error"]["code"] == "SYS.1003"


def test_the_vm_familys_actions_work_on_a_created_vm(sim):
    """Stop, reimage and start (VmInstanceBase: reimage needs a Stopped VM) on the VM a create made."""
    vm = _create_vm(sim).json()["inventory"]
    actions = f"/v1/vm-instances/{vm['uuid']}/actions"
    assert call(sim, "PUT", actions, {"stopVmInstance": {}}).json()["inventory"]["state"] == "Stopped"
    assert call(sim, "PUT", actions, {"reimageVmInstance": {}}).status_code == 200
    assert call(sim, "PUT", actions, {"startVmInstance": {}}).json()["inventory"]["state"] == "Running"


def test_a_generic_create_is_found_by_its_query_and_reads(sim):
    """Any create (here CreateZone, served from its schema): what it returns is in its collection."""
    r = call(sim, "POST", "/v1/zones", {"params": {"name": "zone-2"}})
    assert r.status_code == 200, r.text
    zone = r.json()["inventory"]
    by_q, by_get = found(sim, "zones", zone["uuid"])
    assert [z["uuid"] for z in by_q] == [z["uuid"] for z in by_get] == [zone["uuid"]]


# -- 3. a delete removes what it deletes, except where the node keeps it --------------------------

DELETES = [
    # (method, path of a resource, its collection, whether it stays, and as what; the server's code it follows)
    ("DELETE", "/v1/zones/{uuid}", "zones", seeded.ZONE, None,
     "ZoneBase.handle(APIDeleteZoneMsg): the zone goes (DELETE /v1/zones/{uuid}: the path ends in the zone's uuid)"),
    ("DELETE", "/v1/vm-instances/{uuid}", "vm-instances", seeded.uid("vm/web-1"), "Destroyed",
     "VmInstanceBase.doDestroy with vm.deletionPolicy=Delay (conf/globalConfig/vm.xml): the VM stays, Destroyed"),
    ("DELETE", "/v1/vm-instances/{uuid}/hostnames", "vm-instances", seeded.uid("vm/web-1"), "Stopped",
     "VmInstanceBase.handle(APIDeleteVmHostnameMsg): the hostname goes, not the VM (the path goes on past its uuid)"),
]


@pytest.mark.parametrize("method, template, collection, uuid, stays, source", DELETES, ids=[d[1] for d in DELETES])
def test_a_delete_removes_what_its_path_ends_in_unless_the_node_keeps_it(sim, method, template, collection, uuid, stays, source):
    r = call(sim, method, template.replace("{uuid}", uuid))
    assert r.status_code == 200, r.text
    left = sim.state.get(collection, uuid)
    assert (left or {}).get("state") == stays, source
    if stays is None:
        assert found(sim, collection, uuid) == ([], []), source


def test_a_detach_drops_the_link_and_leaves_both_resources(sim):
    """L2NoVlanNetwork.handle(APIDetachL2NetworkFromClusterMsg): the L2NetworkClusterRefVO goes, the
    cluster and the L2 network stay (DELETE /v1/l2-networks/{l2NetworkUuid}/clusters/{clusterUuid}
    ends in the cluster's uuid under the L2 network's)."""
    assert seeded.CLUSTER in sim.state.get("l2-networks", seeded.L2)["attachedClusterUuids"]
    r = call(sim, "DELETE", f"/v1/l2-networks/{seeded.L2}/clusters/{seeded.CLUSTER}")
    assert r.status_code == 200, r.text
    assert found(sim, "clusters", seeded.CLUSTER)[0] and found(sim, "l2-networks", seeded.L2)[0]
    assert seeded.CLUSTER not in sim.state.get("l2-networks", seeded.L2)["attachedClusterUuids"]


def test_the_delete_vm_hostname_page_keeps_the_vm(api_schemas):
    """The test page of DeleteVmHostname (tests/pages/DeleteVmHostname.txt) served by itself."""
    with Simulator(schemas=api_schemas, job_delay=DELAY) as s:
        vm = seeded.uid("vm/web-1")
        assert call(s, "DELETE", f"/v1/vm-instances/{vm}/hostnames").status_code == 200
        assert s.state.exists("vm-instances", vm)


def test_a_destroyed_vm_is_recovered_to_stopped_or_expunged_and_then_gone(sim):
    """VmInstanceBase: doDestroy (Delay) keeps it Destroyed, its host moved to lastHostUuid
    (changeVmStateInDb); handle(APIRecoverVmInstanceMsg) makes it Stopped; expunge (only from
    Destroyed, AbstractVmInstance's allowed states: else SYS.1006) removes it and its NICs."""
    vm = seeded.uid("vm/app-1")  # Running, on a host
    host = sim.state.get("vm-instances", vm)["hostUuid"]
    actions = f"/v1/vm-instances/{vm}/actions"
    assert call(sim, "DELETE", f"/v1/vm-instances/{vm}").status_code == 200
    (destroyed,), _ = found(sim, "vm-instances", vm)
    assert (destroyed["state"], destroyed.get("hostUuid"), destroyed["lastHostUuid"]) == ("Destroyed", None, host)
    assert call(sim, "PUT", actions, {"recoverVmInstance": {}}).json()["inventory"]["state"] == "Stopped"
    wrong = call(sim, "PUT", actions, {"expungeVmInstance": {}})
    assert wrong.status_code == 503 and wrong.json()["error"]["code"] == "SYS.1006"
    assert "allowed states are [Destroyed]" in wrong.json()["error"]["details"]
    nic = destroyed["vmNics"][0]["uuid"]
    assert call(sim, "DELETE", f"/v1/vm-instances/{vm}").status_code == 200
    assert call(sim, "PUT", actions, {"expungeVmInstance": {}}).status_code == 200
    assert found(sim, "vm-instances", vm) == ([], []) and found(sim, "vm-instances/nics", nic) == ([], [])


def test_the_overlay_says_what_a_delete_keeps_with_a_reason_and_its_source():
    facts = {f.id: f for f in load_overlay().api_facts}
    destroy, expunge, recover = (facts[i] for i in ("vm-destroy-keeps-it-destroyed", "vm-expunge-removes-it", "vm-recover-stops-it"))
    assert (destroy.sets_state, dict(destroy.moves)) == ("Destroyed", {"hostUuid": "lastHostUuid"})
    assert (expunge.removes, expunge.needs_state) == (True, ("Destroyed",))
    assert (recover.sets_state, recover.needs_state) == ("Stopped", ("Destroyed",))
    assert all(".java:" in f.reason for f in (destroy, expunge, recover))


def test_the_compiled_contract_exposes_the_overlays_change(newest):
    destroy = newest.get("DestroyVmInstance").change
    assert destroy["setsState"] == "Destroyed" and destroy["moves"] == {"hostUuid": "lastHostUuid"} and "Destroyed" not in destroy["needsState"]
    assert newest.get("StartVmInstance").change == {"setsState": "Running", "needsState": ["Created", "Running", "Stopped", "Crashed"]}
    assert newest.get("ReimageVmInstance").change == {"worksIn": ["Stopped"]}
    assert newest.get("ExpungeVmInstance").change == {"removes": True, "needsState": ["Destroyed"]}
    assert newest.get("DeleteZone").change == {}


@pytest.mark.parametrize("entry, message", [
    ('sets-state = 3', "'sets-state' must be a state's name"),
    ('moves = { hostUuid = 1 }', "'moves' must map a field"),
    ('removes = "yes"', "'removes' must be true or false"),
    ('needs-state = "Destroyed"', "'needs-state' must be a list of states"),
    ('removes = true\nsets-state = "Destroyed"', "a removed resource keeps no state"),
])
def test_a_bad_change_entry_is_one_line_naming_it(tmp_path, entry, message):
    path = tmp_path / "overlay.toml"
    path.write_text(f'[[api]]\nid = "x"\napi = "DestroyVmInstance"\nreason = "r"\n{entry}\n')
    with pytest.raises(InputError) as exc:
        load_overlay(path)
    assert message in str(exc.value) and "'x'" in str(exc.value)
