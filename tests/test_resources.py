"""Which resources a contract's APIs name (:mod:`zstack_contract.contract.resources`): the
collections its query APIs list, and the collection a uuid parameter, a path and a create name."""

from __future__ import annotations

import collections

import pytest

from zstack_contract.contract.format import META, PAGE_TYPE
from zstack_contract.contract.resources import Collection, Resources, path_collection

QUERIES = [
    ("QueryVmInstance", ("/v1/vm-instances", "/v1/vm-instances/{uuid}")),
    ("QueryVmNic", ("/v1/vm-instances/nics",)),
    ("QueryHost", ("/v1/hosts",)),
    ("QueryL3Network", ("/v1/l3-networks",)),
    ("QueryIpRange", ("/v1/l3-networks/ip-ranges",)),
]
VM = Collection("vm-instances", "VmInstance")
NIC = Collection("vm-instances/nics", "VmNic")
HOST = Collection("hosts", "Host")
L3 = Collection("l3-networks", "L3Network")
IP_RANGE = Collection("l3-networks/ip-ranges", "IpRange")


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources(QUERIES)


def answer(**types: str) -> dict:
    """A derived response schema whose envelope's success fields are ``types`` (field -> x-page-type)."""
    return {META: {"envelope": {"success": list(types), "error": ["error"]}},
            "properties": {"error": {"$ref": "#/$defs/error", PAGE_TYPE: "ErrorCode"},
                           **{name: {"$ref": f"#/$defs/{name}", PAGE_TYPE: t} for name, t in types.items()}}}


def test_each_query_lists_its_own_collection(resources):
    assert resources.of_query == {"QueryVmInstance": VM, "QueryVmNic": NIC, "QueryHost": HOST,
                                  "QueryL3Network": L3, "QueryIpRange": IP_RANGE}
    assert resources.by_path == {"vm-instances": VM, "vm-instances/nics": NIC, "hosts": HOST,
                                 "l3-networks": L3, "l3-networks/ip-ranges": IP_RANGE}
    assert resources.named("VmNic") == NIC and resources.named("vmnic") == NIC
    assert resources.named("Iso") is None


def test_queries_that_are_no_collection_are_left_out():
    r = Resources([("QueryVmInstance", ("/v1/vm-instances",)), ("GetVmBootOrder", ("/v1/vm-instances/boot-orders",)),
                   ("QueryOdd", ("/v1/{uuid}/odd",)), ("Query", ("/v1/things",))])
    assert r.of_query == {"QueryVmInstance": VM}


@pytest.mark.parametrize("name, expected", [
    ("vmNicUuid", NIC),  # the resource named exactly
    ("vmInstanceUuid", VM),
    ("hostUuid", HOST),
    ("srcHostUuid", HOST),  # the resource the name ends with
    ("dstHostUuid", HOST),
    ("l3NetworkUuids", L3),  # a list of them
    ("ipRangeUuid", IP_RANGE),
])
def test_uuid_parameters_name_the_collection_of_their_resource(resources, name, expected):
    assert resources.of_param(name) == expected


@pytest.mark.parametrize("name", ["resourceUuid", "Uuid", "uuids", "name", "vmNicUuidList"])
def test_parameters_that_name_no_resource(resources, name):
    assert resources.of_param(name) is None


def test_the_longest_resource_name_the_parameter_ends_with_wins():
    nic = Collection("nics", "Nic")
    r = Resources([("QueryNic", ("/v1/nics",)), *QUERIES])  # QueryNic sorts before QueryVmNic
    assert r.of_param("srcVmNicUuid") == NIC  # 'vmnic', not 'nic'
    assert r.of_param("peerNicUuid") == nic
    assert r.of_param("nicUuid") == nic


def test_a_resource_no_query_lists_is_a_collection_made_from_its_name(resources):
    iso = resources.of_param("isoUuid")
    assert iso == Collection("isos", "Iso")
    assert iso.vo == "IsoVO"
    assert resources.of_param("backupStorageUuids") == Collection("backup-storages", "BackupStorage")
    assert resources.of_param("sshKeyPairUuid") == Collection("ssh-key-pairs", "SshKeyPair")
    assert resources.of_param("addressUuid") == Collection("addresses", "Address")


def test_the_vo_is_the_resource_with_vo():
    assert NIC.vo == "VmNicVO"
    assert VM.vo == "VmInstanceVO"
    assert IP_RANGE.vo == "IpRangeVO"


@pytest.mark.parametrize("template, expected", [
    ("/v1/vm-instances/nics/{uuid}/actions", NIC),  # the longest query path the route starts with
    ("/v1/vm-instances/{uuid}/actions", VM),
    ("/v1/vm-instances/{uuid}", VM),
    ("/v1/hosts/{uuid}", HOST),
    ("/v1/l3-networks/ip-ranges/{uuid}", IP_RANGE),
    ("/v1/hosts/kvm/{uuid}/actions", HOST),  # a path no query lists: the longest listed one it starts with
    ("/v1/images/{uuid}/actions", Collection("images", "Image")),  # none listed: the first segment
])
def test_a_path_uuid_names_the_collection_of_its_path(resources, template, expected):
    assert resources.of_param("uuid", template) == expected
    assert resources.of_path(template) == expected


def test_a_path_uuid_without_a_path_names_nothing(resources):
    assert resources.of_param("uuid") is None
    assert resources.of_param("uuid", "/v1/{uuid}/actions") is None


def test_path_collection():
    assert path_collection("/v1/vm-instances/nics/{uuid}") == "vm-instances/nics"
    assert path_collection("/v1/vm-instances/{uuid}/actions") == "vm-instances"
    assert path_collection("/v1/{uuid}") is None


def test_a_create_makes_a_resource_of_its_answers_inventory_type(resources):
    # AddIpRange: POST /v1/l3-networks/{l3NetworkUuid}/ip-ranges answers an IpRangeInventory
    assert resources.of_create(answer(inventory="IpRangeInventory"), "/v1/l3-networks/{l3NetworkUuid}/ip-ranges") == IP_RANGE
    # the type wins over the path
    assert resources.of_create(answer(inventory="VmNicInventory"), "/v1/vm-instances") == NIC
    # a type no query lists, or no inventory: the path's collection, if a query lists it
    assert resources.of_create(answer(inventory="IsoInventory"), "/v1/hosts") == HOST
    assert resources.of_create(answer(inventories="String"), "/v1/l3-networks") == L3
    assert resources.of_create(answer(inventory="IsoInventory"), "/v1/images") is None
    assert resources.of_create({}, "/v1/l3-networks/{l3NetworkUuid}/ip-ranges") == L3


def test_a_create_answering_several_fields_takes_its_inventory(resources):
    assert resources.of_create(answer(count="Long", inventory="HostInventory"), "/v1/images") == HOST


def test_every_query_of_the_newest_release_lists_a_collection_of_its_own():
    from zstack_contract.contract.loading import load_contracts

    contracts = load_contracts(release="5.3.0")
    r = contracts.resources
    queries = sorted(c.api for c in contracts if c.kind == "query")
    assert len(queries) == 80
    assert sorted(r.of_query) == queries  # every query API has a collection
    names = collections.Counter(c.name for c in r.of_query.values())
    assert [name for name, n in names.items() if n > 1] == []  # and no two share one
    assert len({c.resource for c in r.of_query.values()}) == len(queries)
    assert r.of_query["QueryVmInstance"] == VM
    assert r.of_query["QueryVmNic"] == NIC
    assert r.of_query["QueryHost"] == HOST
    assert r.of_param("vmNicUuid") == NIC
    assert r.of_param("uuid", "/v1/vm-instances/nics/{uuid}/actions") == NIC
