"""The routing rule where the checks use it: an exchange is held to the API the node routes it
to only when its request agrees with that API (the action key picks the API; a static path is
taken before a template). Through validate, HAR, the recorded pytest suite and the proxy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import requests
from test_proxy import proxy
from test_validate import validate, write

from conftest import ROOT, child_pytest
from zstack_contract.facts.ids import new_uuid
from zstack_contract.simulator import Simulator

RECORDINGS = ROOT / "contract_tests" / "recordings"
U = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"


def only(api_schemas: Path, folder: Path, *apis: str) -> Path:
    """A schemas folder holding only ``apis``."""
    folder.mkdir()
    for api in apis:
        for f in api_schemas.glob(f"{api}.*"):
            shutil.copy(f, folder / f.name)
    return folder


def reimage_record(cpu_num) -> dict:
    """A reimage whose job answered a VM of ``cpuNum`` (a documented integer)."""
    return {"format": "zstack-contract.exchange/1", "steps": [
        {"request": {"method": "PUT", "url": f"http://mn:8080/zstack/v1/vm-instances/{U}/actions",
                     "body": {"reimageVmInstance": {}}},
         "response": {"status": 200, "body": {"inventory": {"uuid": U, "cpuNum": cpu_num}}}}]}


def test_a_reimage_is_not_checked_as_stop_when_only_stops_schemas_are_known(api_schemas, tmp_path):
    schemas = only(api_schemas, tmp_path / "stop", "StopVmInstance")
    rec = write(tmp_path / "rec" / "odd-name.exchange.json", reimage_record(1.5))
    r = validate(rec, "--schemas", schemas, "--report", tmp_path / "r")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "StopVmInstance" not in r.stdout.replace("(StopVmInstance)", "")  # no finding blames Stop's page
    assert "no known API answers PUT /v1/vm-instances/" in r.stdout and "reimageVmInstance" not in r.stdout.split("skipped")[0]
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert report["findings"] == [] and report["summary"]["exchanges"] == 0
    assert "the body holds no action key 'stopVmInstance'" in report["skipped"][0]["message"]
    # with Reimage's schemas the same record is checked, and its 1.5 found
    full = validate(rec, "--schemas", api_schemas)
    assert full.returncode == 1 and "cpuNum" in full.stdout and "ReimageVmInstance" in full.stdout


def test_a_bare_body_named_after_another_api_is_not_checked_as_the_only_one(api_schemas, tmp_path):
    schemas = only(api_schemas, tmp_path / "stop", "StopVmInstance")
    r = validate(RECORDINGS / "ReimageVmInstance.page-sample.json", "--schemas", schemas, "--report", tmp_path / "r")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert report["summary"]["documents"] == 0
    assert report["skipped"][0]["message"] == "its file name names ReimageVmInstance, an API of ZStack whose schemas are not known"
    # a name that is no API of ZStack still means the only API known
    named = write(tmp_path / "mine" / "fixture.json", {"inventory": {}})
    assert json.loads(validate(named, "--schemas", schemas, "--report", tmp_path / "r2").returncode.__str__()) in (0, 1)
    assert json.loads((tmp_path / "r2" / "zstack-contract.json").read_text())["summary"]["documents"] == 1


def test_the_static_path_is_taken_before_the_template_in_a_strict_run(api_schemas, tmp_path):
    record = {"format": "zstack-contract.exchange/1", "steps": [
        {"request": {"method": "GET", "url": "http://mn:8080/zstack/v1/vm-instances/capabilities"},
         "response": {"status": 200, "body": {"capabilities": {}}}}]}
    rec = write(tmp_path / "caps.exchange.json", record)
    r = validate(rec, "--schemas", api_schemas, "--strict", "--report", tmp_path / "r")
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert "unknown-api" not in r.stdout and report["skipped"] == [], r.stdout
    assert report["summary"]["exchanges"] == 1 and "GetVmsCapabilities" in report["coverage"]


def test_the_recorded_suite_skips_the_reimage_recordings_when_only_stop_is_known(api_schemas, tmp_path):
    schemas = only(api_schemas, tmp_path / "stop", "StopVmInstance")
    r = subprocess.run(child_pytest("contract_tests/test_recorded.py", "-rs", "--zstack-schemas", str(schemas),
                                    "--zstack-report", str(tmp_path / "r")), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:]
    assert r.stdout.splitlines()[-1].startswith("4 skipped"), r.stdout[-1500:]
    assert "its file name names ReimageVmInstance" in r.stdout and "no action key 'stopVmInstance'" in r.stdout


def test_the_proxy_does_not_check_a_reimage_as_stop(api_schemas, tmp_path):
    schemas = only(api_schemas, tmp_path / "stop", "StopVmInstance")
    with Simulator(job_delay=0.005, schemas=api_schemas) as sim, proxy(sim.base_url, schemas=schemas) as (url, run, out):
        auth = {"Authorization": f"OAuth {sim.create_session()}"}
        vm = sim.state.vms and next(iter(sim.state.vms)) or new_uuid()
        accepted = requests.put(f"{url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth, timeout=10)
        assert accepted.status_code == 202
        for _ in range(200):
            if requests.get(accepted.json()["location"], headers=auth, timeout=10).status_code != 202:
                break
    assert run.validation.exchanges == 0 and run.validation.findings == []
    assert any("no known API answers PUT /v1/vm-instances/" in n.message for n in run.validation.skipped_notes)
