"""What an API's work does to its resource and the ways through a family's states
(:mod:`zstack_contract.contract.lifecycle`): the one search positive cases and stateful scenarios
both ask, on the shipped contract and on the test pages."""

from __future__ import annotations

import pytest

from zstack_contract.contract import lifecycle
from zstack_contract.contract.compiled import ContractSet
from zstack_contract.contract.loading import load_contracts
from zstack_contract.live.provision import Provisioner
from zstack_contract.live.scenarios import scenarios

VM_STATES = ("Created", "Running", "Stopped", "Paused", "Destroyed", "Crashed", "Unknown", None)


@pytest.fixture(scope="module")
def shipped():
    return load_contracts(release="5.3.0")


def apis(way) -> list[str] | None:
    return None if way is None else [c.api for c in way]


def test_the_way_to_gone_goes_through_the_overlays_states(shipped):
    changes = lifecycle.family_changes(shipped, shipped.graph.family("VmInstance"))
    assert apis(lifecycle.way(changes, "Created")) == ["StartVmInstance", "DestroyVmInstance", "ExpungeVmInstance"]
    assert apis(lifecycle.way(changes, "Paused")) == ["DestroyVmInstance", "ExpungeVmInstance"]
    assert apis(lifecycle.way(changes, "Destroyed")) == ["ExpungeVmInstance"]
    assert lifecycle.way(changes, "Expunging") is None  # nothing the overlay lists takes it out of there


def test_the_way_into_a_state_is_the_shortest_within_its_steps(shipped):
    changes = lifecycle.family_changes(shipped, shipped.graph.family("VmInstance"))
    assert apis(lifecycle.way(changes, "Running", ("Stopped",))) == ["StopVmInstance"]
    assert apis(lifecycle.way(changes, "Destroyed", ("Paused",))) == ["RecoverVmInstance", "StartVmInstance", "PauseVmInstance"]
    assert lifecycle.way(changes, "Destroyed", ("Paused",), steps=2) is None
    assert lifecycle.way(changes, "Stopped", ("Stopped", "Running")) == []  # there already
    assert lifecycle.way(changes, "Running", ("Created",)) is None  # no change sets Created


def test_positive_cases_and_scenarios_take_a_resource_to_gone_the_same_way(shipped):
    """One search answers both: the scenario's clean-up of a VM is the way the provisioner removes one."""
    vm = next(s for s in scenarios(shipped) if s.id == "VmInstance")
    changes = lifecycle.family_changes(shipped, shipped.graph.family("VmInstance"))
    for state in VM_STATES:
        assert apis(lifecycle.way(changes, state)) == [s.api for s in vm.cleanup(state, shipped)], state


def test_a_resource_in_a_state_a_delete_keeps_it_in_is_cleaned_up_already():
    """Without an expunge a destroyed VM is as gone as the contract can make it: no recover and destroy again."""
    shipped = load_contracts(release="5.3.0")
    without = ContractSet([c for c in shipped if c.api != "ExpungeVmInstance"])
    vm = next(s for s in scenarios(without) if s.id == "VmInstance")
    assert vm.cleanup("Destroyed", without) == []
    assert [s.api for s in vm.cleanup("Running", without)] == ["DestroyVmInstance"]


def test_a_delete_removes_its_resource_keeps_it_or_deletes_a_part_of_it(shipped):
    graph = shipped.graph

    def change(api: str):
        family = graph.family_of(api)
        return next((c for c in lifecycle.family_changes(shipped, family) if c.api == api), None)

    assert change("DeleteL3Network").removes  # DELETE /v1/l3-networks/{uuid}
    destroy = change("DestroyVmInstance")
    assert destroy.sets == "Destroyed" and not destroy.removes  # the overlay: kept, Destroyed
    hostname = change("DeleteVmHostname")  # /v1/vm-instances/{uuid}/hostnames: a part
    assert hostname is not None and not hostname.moves
    # a delete whose path ends in the resource's variable under another collection detaches it
    for api in ("DetachBackupStorageFromZone", "DetachPrimaryStorageFromCluster", "DetachRoleFromAccount"):
        assert change(api) is None, api
        assert not lifecycle.removes_it(shipped.get(api), graph.family_of(api), shipped), api
    assert lifecycle.removes_it(shipped.get("DeleteBackupStorage"), graph.family("BackupStorage"), shipped)


def test_what_the_run_can_remove_of_a_family(shipped, api_schemas):
    prov = Provisioner(shipped, live_node=False)
    assert prov.removable(shipped.graph.family("VmInstance"))  # destroyed, then expunged
    assert prov.removable(shipped.graph.family("L3Network"))
    # a NIC's detach removes it, but in the states of its VM, which no change of the NIC's family sets
    assert not prov.removable(shipped.graph.family("VmNic"))
    pages = load_contracts(api_schemas)  # a destroy keeps the VM, and nothing expunges it
    assert not Provisioner(pages, live_node=False).removable(pages.graph.family("VmInstance"))


def test_the_states_an_api_needs_are_where_its_work_succeeds(shipped):
    assert lifecycle.states_needed(shipped.get("ReimageVmInstance")) == ("Stopped",)  # worksIn
    assert lifecycle.states_needed(shipped.get("PauseVmInstance")) == ("Running",)  # needsState
    assert lifecycle.states_needed(shipped.get("UpdateVmInstance")) == ()
    assert lifecycle.changes_subject(shipped.get("StopVmInstance")) and lifecycle.changes_subject(shipped.get("DeleteL3Network"))
    assert not lifecycle.changes_subject(shipped.get("GetVmBootOrder"))

