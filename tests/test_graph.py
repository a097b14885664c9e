"""The resource graph of a contract (:mod:`zstack_contract.contract.graph`): the family of each
resource type and the type each uuid parameter names, read from the test pages and a shipped release."""

from __future__ import annotations

import json

import pytest

from zstack_contract.contract.loading import load_contracts


@pytest.fixture(scope="module")
def graph(api_schemas):
    return load_contracts(api_schemas).graph


def test_the_vm_family_of_the_test_pages(graph):
    vm = graph.family("VmInstance")
    assert vm.collection == "vm-instances" and vm.query == "QueryVmInstance" and vm.creates == ("CreateVmInstance",)
    assert vm.reads == ("GetVmBootOrder", "GetVmConsolePassword")
    assert vm.actions == ("ReimageVmInstance", "SetVmQga", "SetVmRDP", "StopVmInstance")
    assert vm.deletes == ("DeleteVmHostname", "DestroyVmInstance")
    assert graph.family_of("StopVmInstance") is vm and graph.makeable("VmInstance") and not graph.makeable("L3Network")


def test_each_uuid_parameter_names_a_type(graph):
    named = {(n.param, n.resource, n.where, n.required, n.many) for n in graph.names["CreateVmInstance"]}
    assert ("l3NetworkUuids", "L3Network", "body", True, True) in named and ("imageUuid", "Image", "body", True, False) in named
    assert [(n.param, n.resource) for n in graph.names["DestroyVmInstance"]] == [("uuid", "VmInstance")]


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
