"""Stateful scenarios (:mod:`zstack_contract.live.scenarios`, :mod:`zstack_contract.live.scenario_machine`,
contract_tests/test_scenarios.py): the steps of a family from the graph and the overlay, the VM
family's machine on a simulator serving the test pages' APIs (clean, and with faults: shrunk
sequences as curl lines), and the clean-up, also when a step fails or the run is interrupted."""

from __future__ import annotations

import json
import os
import re
import subprocess
from types import SimpleNamespace

import pytest

from conftest import HANG, ROOT, child_pytest
from zstack_contract.contract.bundle import read_bundle
from zstack_contract.contract.loading import load_contracts
from zstack_contract.contract.releases import releases_dir
from zstack_contract.findings.validation import Validation
from zstack_contract.live.client import Backoff, ZStackClient
from zstack_contract.live.made import Made
from zstack_contract.live.scenario_machine import ScenarioRun
from zstack_contract.live.scenarios import expected, scenarios
from zstack_contract.simulator import Simulator

SUITE = "contract_tests/test_scenarios.py"


@pytest.fixture(scope="module")
def contracts(api_schemas):
    return load_contracts(api_schemas)


def vm_scenario(contracts):
    return next(s for s in scenarios(contracts) if s.id == "VmInstance")


def run_scenarios(url: str, schemas, tmp, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(child_pytest(SUITE, "--zstack-url", url, "--zstack-schemas", str(schemas), "--zstack-report", str(tmp), *args),
                          capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=10 * HANG)


def logged_in(sim: Simulator) -> ZStackClient:
    client = ZStackClient(sim.base_url, backoff=Backoff(first=sim.job_delay * 1.25 + 0.001))
    client.login("admin", "password")
    return client


def in_process(client: ZStackClient, contracts) -> tuple:
    """(live, run) as the plugin gives a ScenarioRun, for a run in this process."""
    run = SimpleNamespace(validation=Validation(contracts, redactor=client.redactor), redactor=client.redactor)
    return SimpleNamespace(live=SimpleNamespace(client=client), test_id="in-process"), run


def made_vms(sim: Simulator, seeded: set[str]) -> dict[str, str]:
    """The VMs the run made, by uuid, with their states."""
    return {uuid: vm["state"] for uuid, vm in sim.state.vms.items() if uuid not in seeded}


# -- the steps ------------------------------------------------------------------------------------
def test_the_vm_family_of_the_test_pages_is_a_scenario_of_the_overlays_states(contracts):
    vm = vm_scenario(contracts)
    assert [s.api for s in vm.creates] == ["CreateVmInstance"] and vm.query.api == "QueryVmInstance"
    steps = {s.api: s for s in vm.steps()}
    assert [s.api for s in vm.actions] == ["ReimageVmInstance", "SetVmQga", "SetVmRDP", "StopVmInstance"]
    assert steps["StopVmInstance"].sets == "Stopped" and "Running" in steps["StopVmInstance"].needs
    destroy, hostname = steps["DestroyVmInstance"], steps["DeleteVmHostname"]
    assert destroy.sets == "Destroyed" and not destroy.removes  # kept, Destroyed
    assert not hostname.removes and hostname.sets is None  # a part of the VM: the VM stays
    assert steps["ReimageVmInstance"].works_in == ("Stopped",)
    # the accounts family has a create but nothing that deletes an account: no scenario
    assert [s.id for s in scenarios(contracts)] == ["VmInstance"]


def test_the_expected_answer_follows_the_state(contracts):
    steps = {s.api: s for s in vm_scenario(contracts).steps()}
    made = SimpleNamespace(state="Destroyed")
    assert expected(steps["DestroyVmInstance"], made).expectations == dict(final=503, codes=("SYS.1006",))
    assert expected(steps["StopVmInstance"], made).expectations == dict(final=503, codes=("SYS.1006",))
    assert expected(steps["ReimageVmInstance"], SimpleNamespace(state="Running")).expectations == dict(final=503)
    assert expected(steps["ReimageVmInstance"], SimpleNamespace(state="Stopped")).succeeds
    assert expected(steps["SetVmQga"], made).succeeds  # the overlay names no state for it


def test_the_clean_up_goes_through_the_states_to_gone():
    """On the whole shipped contract: a VM just created (Created) is started, destroyed, expunged."""
    shipped = load_contracts(release="5.3.0")
    vm = next(s for s in scenarios(shipped) if s.id == "VmInstance")
    assert [s.api for s in vm.cleanup("Created", shipped)] == ["StartVmInstance", "DestroyVmInstance", "ExpungeVmInstance"]
    assert [s.api for s in vm.cleanup("Paused", shipped)] == ["DestroyVmInstance", "ExpungeVmInstance"]
    assert [s.api for s in vm.cleanup("Destroyed", shipped)] == ["ExpungeVmInstance"]


# -- the machine on a simulator ---------------------------------------------------------------------
def test_the_vm_machine_passes_on_a_sound_simulator_and_cleans_up(api_schemas, tmp_path):
    with Simulator(schemas=api_schemas, job_delay=0.005) as sim:
        seeded = set(sim.state.vms)
        r = run_scenarios(sim.base_url, api_schemas, tmp_path)
        sent = {(q.method, q.path.rsplit("/", 1)[-1] if q.method != "PUT" else q.body.decode()[:20]) for q in sim.requests}
        left = made_vms(sim, seeded)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "1 passed" in r.stdout.splitlines()[-1]
    assert ("POST", "vm-instances") in sent and any(m == "PUT" and "stopVmInstance" in b for m, b in sent)
    assert left and set(left.values()) == {"Destroyed"}  # every VM made is deleted: Destroyed, as the node keeps it


def test_a_fault_fails_with_the_shortest_sequence_as_curl_lines(api_schemas):
    contracts = load_contracts(api_schemas)
    with Simulator(schemas=api_schemas, job_delay=0.002, faults=("drop-uuid:StopVmInstance",)) as sim:
        seeded = set(sim.state.vms)
        client = logged_in(sim)
        failure = ScenarioRun(*in_process(client, contracts), vm_scenario(contracts), examples=10, steps=4).play()
        left = made_vms(sim, seeded)
    assert failure is not None
    assert failure.startswith("scenario of VmInstance: StopVmInstance on a VmInstance in state Running broke the contract")
    assert "/inventory/uuid: expected the uuid of the VmInstance acted on" in failure
    curls = [line.strip() for line in failure.splitlines() if line.strip().startswith("curl ")]
    # shrunk: the create, the query that finds it, the stop; the session masked
    assert len(curls) == 3 and "-X POST" in curls[0] and "q=uuid%3D" in curls[1] and '"stopVmInstance"' in curls[2]
    assert all('"Authorization: OAuth <session>"' in c for c in curls) and client.session not in failure
    assert "state.act(api='StopVmInstance', pick=0)" in failure  # Hypothesis' own steps
    # the step failed, the clean-up ran: nothing the run made is left but Destroyed
    assert left and set(left.values()) == {"Destroyed"}


def test_drop_uuid_on_every_answer_fails_the_vm_scenario(api_schemas, tmp_path):
    with Simulator(schemas=api_schemas, job_delay=0.005, faults=("drop-uuid",)) as sim:
        r = run_scenarios(sim.base_url, api_schemas, tmp_path)
    assert r.returncode == 1, r.stdout[-3000:]
    assert re.search(r"CreateVmInstance \(a create\) broke the contract:\n.*/inventory/uuid", r.stdout)
    assert "left behind: VmInstance whose uuid the node did not say (named 'zstack-contract-VmInstance-" in r.stdout


def test_positive_cases_and_scenarios_of_a_run_tag_what_they_make_alike(tmp_path):
    """One run, one tag: the creates of the positive cases and of the scenarios carry
    ``zstack-contract-run::<run id>``, the same run id, so a node's query for the tag finds both."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for name, data in read_bundle(releases_dir() / "5.3.0.json.gz").files().items():
        if name.split(".")[0] in ("CreateVmInstance", "QueryVmInstance", "StopVmInstance", "DestroyVmInstance", "ExpungeVmInstance"):
            (schemas / name).write_bytes(data)
    with Simulator(schemas=schemas, job_delay=0.002) as sim:
        r = subprocess.run(child_pytest("contract_tests/test_api.py", "contract_tests/test_scenarios.py", "-k", "success or scenario",
                                        "--zstack-url", sim.base_url, "--zstack-schemas", str(schemas), "--zstack-api", "StopVmInstance",
                                        "--zstack-report", str(tmp_path / "report")),
                           capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=10 * HANG, check=False)
        creates = [json.loads(q.body) for q in sim.requests if q.method == "POST" and q.path.endswith("/vm-instances")]
    assert r.returncode == 0 and "2 passed" in r.stdout.splitlines()[-1], r.stdout[-3000:]
    named = {c["params"].get("name", "").startswith("zstack-contract-VmInstance-") for c in creates}
    assert named == {True, False}  # a scenario's creates (named so), and the positive case's
    tags = {tuple(c.get("userTags", ())) for c in creates}
    assert len(tags) == 1 and re.fullmatch(r"zstack-contract-run::[0-9a-f]{32}", next(iter(tags))[0]), tags


def test_a_resource_a_sequence_made_is_described_by_its_type():
    made = Made("VmInstance", None, "CreateVmInstance", "zstack-contract-VmInstance-1")
    assert made.describe() == "VmInstance whose uuid the node did not say (named 'zstack-contract-VmInstance-1')"
    made.uuid, made.state = "a" * 32, "Running"
    assert made.describe() == f"VmInstance {'a' * 32} in state Running"


# -- interrupted ------------------------------------------------------------------------------------
def test_an_interrupted_run_deletes_what_it_made(api_schemas):
    """Ctrl-C in the middle of a sequence: the machine's teardown still deletes every VM it made."""
    contracts = load_contracts(api_schemas)
    with Simulator(schemas=api_schemas, job_delay=0.005) as sim:
        seeded = set(sim.state.vms)
        client = logged_in(sim)
        send = client.request
        seen = []

        def request(method, path, **kwargs):
            seen.append(kwargs.get("note") or "")
            if sum("create" in n for n in seen) >= 2 and "clean up" not in seen[-1]:
                raise KeyboardInterrupt
            return send(method, path, **kwargs)

        client.request = request
        with pytest.raises(KeyboardInterrupt):
            ScenarioRun(*in_process(client, contracts), vm_scenario(contracts), examples=5, steps=8).play()
        left = made_vms(sim, seeded)
    assert any("clean up" in n for n in seen)
    assert left and set(left.values()) == {"Destroyed"}


def test_the_simulator_starts_a_vm_just_created():
    """The overlay lets StartVmInstance run in Created (strategy JustCreate): a scenario's clean-up
    starts such a VM to destroy it."""
    shipped = load_contracts(release="5.3.0")
    chosen = [c for c in shipped if c.api in ("CreateVmInstance", "StartVmInstance", "QueryVmInstance")]
    from zstack_contract.contract.compiled import ContractSet

    with Simulator(schemas=ContractSet(chosen), job_delay=0.001) as sim:
        client = ZStackClient(sim.base_url)
        client.login("admin", "password")
        vm = next(iter(sim.state.vms.values()))
        body = {"params": {"name": "created", "instanceOfferingUuid": vm["instanceOfferingUuid"], "imageUuid": vm["imageUuid"],
                           "l3NetworkUuids": [vm["vmNics"][0]["l3NetworkUuid"]], "strategy": "JustCreate"}}
        made = client.request("POST", "/v1/vm-instances", json_body=body).final.body["inventory"]
        assert made["state"] == "Created"
        started = client.request("PUT", f"/v1/vm-instances/{made['uuid']}/actions", json_body={"startVmInstance": {}})
    assert started.final.status == 200 and started.final.body["inventory"]["state"] == "Running"


def test_the_request_budget_stops_the_machine_and_keeps_enough_to_clean_up(api_schemas, tmp_path):
    """--zstack-max-requests: each step holds back the requests the clean-up of what is alive needs,
    so a run cut short still deletes every VM it made; the run says its work was not done."""
    with Simulator(schemas=api_schemas, job_delay=0.005) as sim:
        seeded = set(sim.state.vms)
        r = run_scenarios(sim.base_url, api_schemas, tmp_path, "--zstack-max-requests", "40")
        received = len(sim.requests)
        left = made_vms(sim, seeded)
    assert received <= 40, received
    assert r.returncode == 2 and "not done: the request budget of 40 is spent" in r.stdout, r.stdout[-2000:]
    assert left and set(left.values()) == {"Destroyed"}


def test_a_replay_skips_the_scenarios(api_schemas, tmp_path):
    r = subprocess.run(child_pytest(SUITE, "--zstack-schemas", str(api_schemas), "--zstack-replay", "contract_tests/recordings",
                                    "--zstack-report", str(tmp_path), "-rs"),
                       capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=10 * HANG)
    assert "1 skipped" in r.stdout.splitlines()[-1], r.stdout[-2000:]
    assert "a stateful scenario needs a target that keeps state: --zstack-replay serves recorded answers" in r.stdout


def test_a_step_whose_request_cannot_be_built_is_left_out():
    """DetachNetworkServiceFromL3Network requires networkServices, a map its page gives no shape of:
    nothing a scenario could send would pass the node's validator."""
    shipped = load_contracts(release="4.8.22")
    l3 = next(s for s in scenarios(shipped) if s.id == "L3Network")
    apis = {s.api for s in l3.steps()}
    assert "CreateL3Network" in apis and "DeleteL3Network" in apis and "DetachNetworkServiceFromL3Network" not in apis


def test_a_contract_without_scenarios_has_no_scenario_test(tmp_path):
    """The project's own schemas (the reimage alone): no family is created, so no test, not a
    skipped one (a gate's last line would say "skipped")."""
    r = subprocess.run(child_pytest(SUITE, "--zstack-schemas", "schemas", "--zstack-report", str(tmp_path)),
                       capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=10 * HANG)
    last = r.stdout.splitlines()[-1]
    assert "1 deselected" in last and "skipped" not in last, r.stdout[-2000:]
