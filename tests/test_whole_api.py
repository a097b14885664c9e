"""The whole API of the newest shipped release, as `pytest contract_tests` runs it by default: the
simulator serves every API from its schemas alone (no samples: doc sources have none), and a
sample of APIs of every kind passes the generated cases and the probes. The whole run is a
benchmark (benchmarks/whole_api.py); here, a sample keeps the suite quick."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import requests

from conftest import ROOT, child_pytest
from zstack_contract.contract.loading import load_contracts
from zstack_contract.simulator import Simulator
from zstack_contract.simulator.seed import seed
from zstack_contract.simulator.state import PARTS

# APIs of each kind and shape the whole API brought: queries of collections below others, an
# enum class with a table of its constants, reads of a NIC, deletes that succeed on a missing
# resource and detaches that do not, a create below another resource, actions on a path of their own.
SAMPLE = ("QueryVmNic", "QueryL3Network", "QueryVmUserDefinedXmlHookScript", "GetVmCapabilities", "GetCandidateL3NetworksForChangeVmNicNetwork",
          "DeleteEip", "DeleteLoadBalancerListener", "DetachEip", "RemoveDnsFromL3Network", "AddIpRange", "ChangeVmNicState",
          "ReimageVmInstance", "CreateSystemTags", "LogInByAccount")


@pytest.fixture(scope="module")
def newest():
    return load_contracts()


def default_env() -> dict:
    """The environment of a run with no contract chosen: the newest release."""
    return {k: v for k, v in os.environ.items() if k not in ("ZSTACK_SCHEMAS", "ZSTACK_RELEASE")}


def test_the_default_contract_is_the_newest_release(newest):
    assert newest.release == "5.3.0" and len(newest) > 550
    assert all(newest.get(api) is not None for api in SAMPLE)


def test_the_simulator_serves_every_api_and_seeds_every_collection_from_the_schemas(newest):
    with Simulator(schemas=newest) as sim:
        assert set(newest.by_api) <= set(sim.apis)
        held = {"vm-instances", "images", *seed()["resources"], *PARTS}
        seeded = 0
        for api, collection in newest.resources.of_query.items():
            contract = newest.get(api)
            items = contract.resolve(contract.response["properties"]["inventories"].get("items", {}))
            if "uuid" in items.get("properties", {}):  # not an inventory of a class the doc sources lack
                # the data set's own collections hold what it gives; the others two sample inventories
                assert len(sim.state.all(collection.name)) >= (1 if collection.name in held else 2), api
                seeded += 1
        assert seeded >= 68  # of the 80 query APIs of 5.3.0
        session = sim.create_session()
        auth = {"Authorization": f"OAuth {session}"}
        for api in ("QueryL3Network", "QueryVmNic", "QueryVmUserDefinedXmlHookScript", "QueryEip"):
            contract = newest.get(api)
            r = requests.get(f"{sim.base_url}{contract.routes[0].template}", headers=auth, timeout=30)
            body = r.json()
            assert r.status_code == 200 and len(body["inventories"]) >= 2, api
            # every field documented, each of its type; the data set's NICs (its VMs') carry the
            # fields of a real node's that 5.3.0 does not document (usedIpUuid): the default schema
            assert contract.accepts(body, strict=api != "QueryVmNic"), api
        networks = requests.get(f"{sim.base_url}/v1/l3-networks", headers=auth, timeout=30).json()["inventories"]
        for network in networks:  # nested items name their owner, as a node's do
            assert network["ipRanges"] and all(r["l3NetworkUuid"] == network["uuid"] for r in network["ipRanges"])
        hooks = requests.get(f"{sim.base_url}{newest.get('QueryVmUserDefinedXmlHookScript').routes[0].template}", headers=auth,
                             timeout=30).json()["inventories"]
        assert {h["type"] for h in hooks} <= {"System", "Customization"}  # the enum's constants, not an object


def test_a_sample_of_every_kind_passes_the_generated_cases_against_the_default(tmp_path):
    selected = [a for api in SAMPLE for a in ("--zstack-api", api)]
    r = subprocess.run(child_pytest("contract_tests/test_api.py", *selected, "--zstack-report", str(tmp_path)), capture_output=True,
                       text=True, cwd=ROOT, env=default_env())
    assert r.returncode == 0, r.stdout[-3000:]
    report = json.loads((tmp_path / "zstack-contract.json").read_text())
    assert report["summary"]["newViolations"] == 0 and len(report["apis"]) > 550  # the whole newest release was the contract
    tests = [line for line in r.stdout.splitlines() if "passed" in line]
    assert tests and int(tests[-1].split(" passed")[0].split()[-1]) >= 4 * len(SAMPLE)


def test_probes_of_apis_on_paths_of_their_own_pass_against_the_default(tmp_path):
    """A body without its parameter structure on a path no other API serves is an empty message
    (a SYS.1007 for a mandatory field, or SYS.1003), not a refusal: the probes take it."""
    r = subprocess.run(child_pytest("contract_tests/test_probe.py", "--zstack-api", "AddIpRange", "--zstack-api", "ChangeVmNicState",
                                    "--zstack-report", str(tmp_path)), capture_output=True, text=True, cwd=ROOT, env=default_env())
    assert r.returncode == 0, r.stdout[-3000:]
    assert "2 passed" in r.stdout
