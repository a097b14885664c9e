"""Which resource an answer is about: the one of its inventory's type that the path names (issue 27,
item 5, and the findings of ZStack's own SDK driving every API of 5.3.0 through the proxy, issue 25).

A POST whose path names a resource of the type it answers makes nothing new: it attaches or adds
to that resource (``AttachDataVolumeToVm`` answers the volume, ``AddDnsToL3Network`` the L3
network); a POST under a parent whose answer is of another type is a create (``AddIpRange``). The
server code each row follows is named in it; the checks' rule ``uuid-matches-url`` reads the same
variables (``contract/resources.named_by_param``)."""

from __future__ import annotations

import pytest

from test_resources_exist import DELAY, call
from zstack_contract.checks import run_checks
from zstack_contract.contract.loading import load_contracts
from zstack_contract.inputs.exchange import Exchange, Request, Response, Step
from zstack_contract.simulator import Simulator


@pytest.fixture(scope="module")
def newest():
    return load_contracts()


@pytest.fixture
def sim(newest):
    with Simulator(schemas=newest, job_delay=DELAY) as s:
        yield s


def a_vm(sim: Simulator, state: str = "Stopped") -> dict:
    return next(vm for vm in sim.state.all_vms() if vm["state"] == state)


def data_volume(vm: dict) -> dict:
    return next(v for v in vm["allVolumes"] if v["type"] == "Data")


def test_an_attach_answers_the_resource_of_its_type_whatever_order_the_path_names_them(sim):
    """VolumeManagerImpl/VolumeBase handle(APIAttachDataVolumeToVmMsg): the event's inventory is the volume."""
    vm = a_vm(sim)
    volume = data_volume(vm)
    r = call(sim, "POST", f"/v1/volumes/{volume['uuid']}/vm-instances/{vm['uuid']}", {"params": {}})
    assert r.status_code == 200 and r.json()["inventory"]["uuid"] == volume["uuid"]


def test_a_post_adding_to_a_resource_answers_it_and_makes_nothing_new(sim):
    """L3NetworkManagerImpl/L3BasicNetwork handle(APIAddDnsToL3NetworkMsg): the L3 network's inventory."""
    l3 = a_vm(sim)["defaultL3NetworkUuid"]
    before = len(call(sim, "GET", "/v1/l3-networks").json()["inventories"])
    r = call(sim, "POST", f"/v1/l3-networks/{l3}/dns", {"params": {"dns": "8.8.8.8"}})
    assert r.status_code == 200 and r.json()["inventory"]["uuid"] == l3
    assert len(call(sim, "GET", "/v1/l3-networks").json()["inventories"]) == before


def test_a_create_under_a_parent_makes_a_child_of_another_type(sim):
    """L3BasicNetwork handle(APIAddIpRangeMsg): a new IpRangeVO, found by QueryIpRange."""
    l3 = a_vm(sim)["defaultL3NetworkUuid"]
    body = {"params": {"name": "r2", "startIp": "10.9.0.10", "endIp": "10.9.0.20", "netmask": "255.255.255.0", "gateway": "10.9.0.1"}}
    r = call(sim, "POST", f"/v1/l3-networks/{l3}/ip-ranges", body)
    made = r.json()["inventory"]["uuid"]
    assert r.status_code == 200 and made != l3
    assert [i["uuid"] for i in call(sim, "GET", "/v1/l3-networks/ip-ranges", params={"q": f"uuid={made}"}).json()["inventories"]] == [made]


def test_a_delete_of_a_part_answers_the_resource_it_is_a_part_of(sim):
    """VmInstanceBase handle(APIDetachIsoFromVmInstanceMsg): the VM's inventory; the VM stays."""
    vm = a_vm(sim)
    r = call(sim, "DELETE", f"/v1/vm-instances/{vm['uuid']}/iso")
    assert r.status_code == 200 and r.json()["inventory"]["uuid"] == vm["uuid"]
    assert call(sim, "GET", f"/v1/vm-instances/{vm['uuid']}").json()["inventories"]


def test_an_action_on_a_part_answers_the_part_its_path_names_last(sim):
    """VmInstanceBase handle(APISetVmInstanceDefaultCdRomMsg): the CD-ROM's inventory; the ``uuid``
    of ``/vm-instances/{vmInstanceUuid}/cdroms/{uuid}`` names a resource of vm-instances/cdroms."""
    vm = next(v for v in sim.state.all_vms() if v["vmCdRoms"])
    cdrom = vm["vmCdRoms"][0]["uuid"]
    r = call(sim, "PUT", f"/v1/vm-instances/{vm['uuid']}/cdroms/{cdrom}/actions", {"setVmInstanceDefaultCdRom": {}})
    assert r.status_code == 200 and r.json()["inventory"]["uuid"] == cdrom
    assert load_contracts().resources.of_param("uuid", "/v1/vm-instances/{vmInstanceUuid}/cdroms/{uuid}/actions").name == "vm-instances/cdroms"


def test_the_checks_hold_each_of_these_answers_to_the_same_variable(sim, newest):
    """uuid-matches-url finds nothing in the simulator's answers above, and finds the old answer
    (the attach answering the VM) wrong."""
    vm = a_vm(sim)
    volume = data_volume(vm)
    url = f"{sim.base_url}/v1/volumes/{volume['uuid']}/vm-instances/{vm['uuid']}"
    contract = newest.get("AttachDataVolumeToVm")
    for answered, wrong in ((volume["uuid"], False), (vm["uuid"], True)):
        ex = Exchange(steps=[Step(Request(method="POST", url=url, body={"params": {}}),
                                  Response(status=200, body={"inventory": {"uuid": answered}}))], source="test.json")
        assert bool(run_checks(ex, contract, ["uuid-matches-url"])) == wrong


def test_a_create_takes_the_values_given_for_its_fields(sim):
    """ZoneManagerImpl handle(APICreateZoneMsg): the new zone has the name and description given,
    whatever the page's sample shows (a null description included)."""
    r = call(sim, "POST", "/v1/zones", {"params": {"name": "zone-b", "description": "the second zone"}})
    made = r.json()["inventory"]
    assert r.status_code == 200 and (made["name"], made["description"]) == ("zone-b", "the second zone")
