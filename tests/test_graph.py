"""The resource graph of a contract (:mod:`zstack_contract.contract.graph`): the family of each
resource type and the type each uuid parameter names, read from the test pages and a shipped release."""

from __future__ import annotations

import collections
import json

import pytest
import requests

from conftest import HANG
from zstack_contract.contract.graph import answer_inventory, inventory_type
from zstack_contract.contract.loading import load_contracts
from zstack_contract.simulator import Simulator


@pytest.fixture(scope="module")
def graph(api_schemas):
    return load_contracts(api_schemas).graph


def test_the_vm_family_of_the_test_pages(graph):
    vm = graph.family("VmInstance")
    assert vm.collection == "vm-instances" and vm.query == "QueryVmInstance" and vm.creates == ("CreateVmInstance",)
    assert vm.reads == ("GetVmBootOrder", "GetVmConsolePassword", "GetVmsCapabilities")  # no path variable: its vmUuids (the overlay) and its path
    assert vm.actions == ("ReimageVmInstance", "SetVmQga", "SetVmRDP", "StopVmInstance")
    assert vm.deletes == ("DeleteVmHostname", "DestroyVmInstance")
    assert graph.family_of("StopVmInstance") is vm and graph.makeable("VmInstance") and not graph.makeable("L3Network")


def test_each_uuid_parameter_names_a_type(graph):
    named = {(n.param, n.resource, n.where, n.required, n.many) for n in graph.names["CreateVmInstance"]}
    assert ("l3NetworkUuids", "L3Network", "body", True, True) in named and ("imageUuid", "Image", "body", True, False) in named
    assert [(n.param, n.resource) for n in graph.names["DestroyVmInstance"]] == [("uuid", "VmInstance")]


def test_the_inventory_of_an_answer_is_read_one_way_for_every_caller(api_schemas):
    """answer_inventory: positive cases and scenarios read a success answer's inventory alike
    (the envelope's success field the page types as an inventory), of a type when asked."""
    contracts = load_contracts(api_schemas)
    stop, login = contracts.get("StopVmInstance"), contracts.get("LogInByAccount")
    vm = {"uuid": "a" * 32, "state": "Stopped"}
    assert answer_inventory(stop, {"inventory": vm}) == ("inventory", vm)
    assert answer_inventory(stop, {"inventory": vm}, "VmInstance") == ("inventory", vm)
    assert answer_inventory(stop, {"inventory": vm}, "Account") is None  # of another type than asked
    assert answer_inventory(stop, {"inventory": "not an object"}) is None and answer_inventory(stop, None) is None
    assert answer_inventory(stop, {"error": {"code": "SYS.1006"}}) is None
    assert inventory_type(login.response) == "Session" and answer_inventory(login, {"inventory": {"uuid": "s"}}, "Session")


def test_a_post_whose_path_names_the_answers_type_acts_on_it():
    graph = load_contracts(release="5.3.0").graph
    volume = graph.family("Volume")
    assert "AttachDataVolumeToVm" in volume.actions and "AttachDataVolumeToVm" not in volume.creates
    assert "CreateDataVolume" in volume.creates and graph.family("VmInstance").query == "QueryVmInstance"
    assert "AttachIsoToVmInstance" not in graph.family("VmInstance").creates


def test_the_json_is_sorted_and_the_same_each_time(api_schemas):
    one = json.dumps(load_contracts(api_schemas).graph.to_json())
    assert one == json.dumps(load_contracts(api_schemas).graph.to_json())
    families = [f["resource"] for f in json.loads(one)["families"]]
    assert families == sorted(families)


@pytest.fixture(scope="module")
def shipped():
    return load_contracts(release="5.3.0")


@pytest.mark.parametrize("release", ["5.3.0", "5.1.30", "4.8.22", "3.10.40"])
def test_no_family_of_a_shipped_release_is_a_word_of_another_name(release):
    graph = load_contracts(release=release).graph
    families = set(graph.families)
    assert not families & {"Delete", "Update", "Managementi", "Parent", "TargetParent", "Resource", "TargetResource", "Listener",
                           "ServerGroup", "Servergroup", "SnapShot", "Snapshot", "Acl", "Iso", "Vm", "Rule", "Group", "Pool", "Nic",
                           "UsedIp", "Vip6", "Mon", "Interface", "Identity", "ManagementNetwork", "PublicNetwork", "DataVolumeTemplate"}
    lowered = collections.Counter(f.lower() for f in families)
    assert [f for f in families if lowered[f.lower()] > 1] == []  # one type, one spelling


def test_each_named_type_of_the_shipped_contract_is_one_a_query_lists_but_a_few(shipped):
    graph = shipped.graph
    unlisted = {n.resource for edges in graph.names.values() for n in edges if not graph.families[n.resource].query}
    # types the node keeps and no query of the contract lists: login sessions and captchas, tags,
    # the parts of storage and networks read through their whole (the overlay's names)
    assert unlisted == {"Captcha", "CephBackupStorageMon", "CephPrimaryStorageMon", "HardwareL2VxlanNetworkPool", "HostNetworkInterface",
                        "PolicyStatement", "Session", "Tag", "TagPattern"}


def test_an_api_without_a_path_variable_is_about_what_its_parameters_or_path_name(shipped):
    graph = shipped.graph
    assert graph.subject_of["GetVmsCapabilities"] == "VmInstance" and "GetVmsCapabilities" in graph.family("VmInstance").reads
    caps = graph.names["GetVmsCapabilities"]
    assert [(n.param, n.resource, n.required, n.many, n.looked_up) for n in caps] == [("vmUuids", "VmInstance", True, True, False)]
    assert graph.subject_of["DeleteDirectory"] == "Directory" and "DeleteDirectory" in graph.family("Directory").deletes
    assert graph.subject_of["MoveResourcesToDirectory"] == "Directory"  # its resourceUuids name any type
    assert [n.param for n in graph.names["MoveResourcesToDirectory"]] == ["directoryUuid"]


def test_an_attach_of_two_resources_is_about_the_one_the_apis_name_ends_with(shipped):
    graph = shipped.graph
    assert graph.subject_of["AttachPolicyToRole"] == "Role" and "AttachPolicyToRole" in graph.family("Role").actions
    assert graph.subject_of["AttachRoleToAccount"] == "Account" and "AttachRoleToAccount" in graph.family("Account").actions


def test_the_overlay_names_what_a_name_cannot_say(shipped):
    graph = shipped.graph
    named = {(n.api, n.param): n.resource for edges in graph.names.values() for n in edges}
    assert named["AttachIsoToVmInstance", "isoUuid"] == "Image" and named["CreateEip", "usedIpUuid"] == "IpAddress"
    assert named["CreateVirtualRouterOffering", "managementNetworkUuid"] == "L3Network"
    assert named["CreateVmInstance", "tagUuids"] == "TagPattern"
    assert named["AddVmNicToLoadBalancer", "listenerUuid"] == "LoadBalancerListener"  # the generic rules, no overlay
    assert named["AttachPortForwardingRule", "ruleUuid"] == "PortForwardingRule"
    assert shipped.get("AttachIsoToVmInstance").param_types == {"isoUuid": "Image"}
    stop = shipped.get("StopVmInstance").request["x-zstack"]  # an entry for every API reaches only the requests with its parameter
    assert "names" not in stop and "tag-uuids-are-tag-patterns" not in stop.get("x-overlay", ())
    assert "tag-uuids-are-tag-patterns" in shipped.get("CreateVmInstance").request["x-zstack"]["x-overlay"]
    assert "names" not in shipped.get("CreateVmInstance").response["x-zstack"]


def test_the_simulator_looks_an_iso_up_among_the_images(shipped):
    with Simulator(schemas=shipped, job_delay=0.05) as sim:
        image = next(iter(sim.state.store["images"]))
        headers = {"Authorization": f"OAuth {sim.create_session()}"}
        found = requests.get(f"{sim.base_url}/v1/images/iso/{image}/vm-candidates", headers=headers, timeout=HANG)
        missing = requests.get(f"{sim.base_url}/v1/images/iso/{'0' * 32}/vm-candidates", headers=headers, timeout=HANG)
    assert found.status_code == 200 and found.json()["inventories"]
    assert missing.json()["error"]["code"] == "SYS.1003" and "type:ImageVO" in missing.json()["error"]["details"]
