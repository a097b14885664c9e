"""Which resources a contract's APIs name (:mod:`zstack_contract.contract.resources`): the
collections its query APIs list, and the collection a uuid parameter, a path and a create name."""

from __future__ import annotations

import collections

import pytest

from zstack_contract.contract.format import META, PAGE_TYPE
from zstack_contract.contract.resources import (
    Collection,
    Resources,
    names_any_type,
    path_collection,
)

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


LB = [("QueryLoadBalancerListener", ("/v1/load-balancers/listeners",)), ("QueryLoadBalancerServerGroup", ("/v1/load-balancers/servergroups",)),
      ("QueryPortForwardingRule", ("/v1/port-forwarding",)), ("QuerySecurityGroupRule", ("/v1/security-groups/rules",)),
      ("QueryAccessControlList", ("/v1/access-control-lists",)), ("QueryVolumeSnapshot", ("/v1/volume-snapshots",)),
      ("QueryVmUserDefinedXmlHookScript", ("/v1/vm-instances/xml-hook-script",)), ("QueryDirectory", ("/v1/directories",)), *QUERIES]
LISTENER = Collection("load-balancers/listeners", "LoadBalancerListener")
SERVER_GROUP = Collection("load-balancers/servergroups", "LoadBalancerServerGroup")


@pytest.mark.parametrize("name, api, expected", [
    ("listenerUuid", "AddVmNicToLoadBalancer", LISTENER),  # the one resource that ends with the name's words
    ("serverGroupUuids", "", SERVER_GROUP),
    ("servergroupUuid", "", SERVER_GROUP),  # case aside
    ("snapShotUuid", "", Collection("volume-snapshots", "VolumeSnapshot")),
    ("ruleUuid", "AttachPortForwardingRule", Collection("port-forwarding", "PortForwardingRule")),  # of several, the API's name's
    ("ruleUuids", "ChangeSecurityGroupRuleState", Collection("security-groups/rules", "SecurityGroupRule")),
    ("xmlHookUuid", "UpdateVmUserDefinedXmlHookScript", Collection("vm-instances/xml-hook-script", "VmUserDefinedXmlHookScript")),
    ("aclUuids", "", Collection("access-control-lists", "AccessControlList")),  # its initials
])
def test_a_name_a_query_lists_in_more_words_names_that_collection(name, api, expected):
    assert Resources(LB).of_param(name, None, api) == expected


@pytest.mark.parametrize("name, api", [
    ("ruleUuid", "DoSomethingWithARule"),  # two rules, the API's name has neither's other words
    ("vmUuid", "GetEipAttachableVmNics"),  # one word is too little to find inside a name (VmNic)
    ("roupUuid", ""),  # not at a word's start
])
def test_a_name_no_rule_reads_makes_its_own_collection(name, api):
    r = Resources([*LB, ("QueryVmNic", ("/v1/vm-instances/nics",))])
    found = r.of_param(name, None, api)
    assert found is not None and r.named(found.resource) is None, found


@pytest.mark.parametrize("template, expected", [
    ("/v1/nics/{uuid}", NIC),  # a segment read as a uuid parameter's name
    ("/v1/delete/directory", Collection("directories", "Directory")),  # a body uuid: the path's last segment first
    ("/v1/update/directory", Collection("directories", "Directory")),
])
def test_a_uuid_no_listed_path_holds_names_what_a_segment_names(template, expected):
    r = Resources(LB)
    assert r.of_param("uuid", template) == expected


def test_a_resource_uuid_names_any_type():
    assert names_any_type("resourceUuids") and names_any_type("targetResourceUuid") and names_any_type("resourceUuid")
    assert not names_any_type("vmInstanceUuid") and not names_any_type("resourceConfigUuid") and not names_any_type("name")


def test_the_longest_listed_collection_a_path_starts_with(resources):
    assert resources.of_listed_path("/v1/vm-instances/capabilities") == VM
    assert resources.of_listed_path("/v1/vm-instances/nics/x") == NIC
    assert resources.of_listed_path("/v1/debug") is None and resources.of_listed_path("/v1/{uuid}") is None


class _Contract:
    def __init__(self, api, template, types):
        self.api, self.routes, self.param_types = api, (type("R", (), {"template": template})(),), types


def test_the_overlays_type_comes_before_the_name(resources):
    attach = _Contract("AttachIsoToVmInstance", "/v1/vm-instances/{vmInstanceUuid}/iso/{isoUuid}", {"isoUuid": "L3Network"})
    assert resources.of_contract_param(attach, "isoUuid") == L3
    assert resources.of_contract_param(attach, "vmInstanceUuid") == VM
    assert resources.of_contract_param(_Contract("X", "/v1/x", {"tagUuids": "TagPattern"}), "tagUuids") == \
        Collection("tag-patterns", "TagPattern")  # a type no query lists: its own collection
