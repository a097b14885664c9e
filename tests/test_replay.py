"""Replay: the live suite against what --zstack-record wrote, served through ``responses`` with no
server and no socket; and recorded answers for client authors (``zstack_contract.replay``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from conftest import ROOT
from test_live_suite import run_suite
from zstack_contract.errors import ContractError
from zstack_contract.live.replay import NotRecorded
from zstack_contract.simulator import Simulator

SUITE = "contract_tests/test_api.py"
RECORDINGS = ROOT / "contract_tests" / "recordings"
# A plugin that makes any socket connection fail the run: a replay must open none.
NO_SOCKET = '''
import socket

def pytest_configure(config):
    def refuse(self, *args, **kwargs):
        raise AssertionError("a replay opened a socket")
    socket.socket.connect = socket.socket.connect_ex = refuse
'''


def verdicts(junit: Path) -> dict[str, str]:
    out = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        out[case.get("name")] = "skipped" if case.find("skipped") is not None else (bad.get("message", "").split("\n")[0] if bad is not None else "passed")
    return out


def findings(report: Path) -> list[tuple]:
    doc = json.loads((report / "zstack-contract.json").read_text())
    return sorted((f["file"], f["check"], f["pointer"], f["expected"]) for f in doc["findings"])


@pytest.fixture
def no_socket(tmp_path):
    (tmp_path / "no_socket_plugin.py").write_text(NO_SOCKET)
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}


@pytest.mark.parametrize("faults", [(), ("error-200", "float-cpu")], ids=["clean", "faulty"])
def test_a_replay_gives_the_verdicts_of_the_run_it_recorded_without_a_socket(tmp_path, faults, no_socket):
    record = tmp_path / "rec"
    with Simulator(faults=faults, job_delay=0.005) as sim:
        live = run_suite(SUITE, "--zstack-url", sim.base_url, "--zstack-record", str(record), f"--junitxml={tmp_path / 'live.xml'}",
                         "--zstack-report", str(tmp_path / "live"))
    replayed = run_suite(SUITE, "--zstack-replay", str(record), f"--junitxml={tmp_path / 'replay.xml'}", "--zstack-report",
                         str(tmp_path / "replay"), "-p", "no_socket_plugin", env=no_socket)
    assert live.returncode == replayed.returncode == (1 if faults else 0), replayed.stdout[-3000:]
    assert "a replay opened a socket" not in replayed.stdout
    assert verdicts(tmp_path / "replay.xml") == verdicts(tmp_path / "live.xml")
    assert findings(tmp_path / "replay") == findings(tmp_path / "live")


def test_a_broken_recording_is_reported_and_a_missing_one_named(tmp_path, no_socket):
    record = tmp_path / "rec"
    with Simulator(job_delay=0.005) as sim:
        assert run_suite("--zstack-url", sim.base_url, "--zstack-record", str(record), "--zstack-report", str(tmp_path / "r")).returncode == 0
    designated = next(record.glob("test_reimage_designated_vm.*.json"))
    doc = json.loads(designated.read_text())
    doc["steps"][-1]["response"]["body"]["inventory"]["memorySize"] = "8589934592"  # a hand-edited fixture
    designated.write_text(json.dumps(doc))
    r = run_suite("--zstack-replay", str(record), "--zstack-report", str(tmp_path / "r2"), "-p", "no_socket_plugin", env=no_socket)
    assert r.returncode == 1 and "Traceback" not in r.stdout
    assert "test_reimage_designated_vm step 1: /inventory/memorySize: expected integer" in r.stdout and "[response-schema]" in r.stdout
    for f in record.glob("*.json"):
        if "/v1/accounts/login" in f.read_text():
            f.unlink()  # the log-in
    r = run_suite("--zstack-replay", str(record), "--zstack-report", str(tmp_path / "r3"), "-p", "no_socket_plugin", env=no_socket)
    assert r.returncode == 2 and "not recorded: PUT /v1/accounts/login (logInByAccount)" in r.stdout


# -- for client authors -----------------------------------------------------------------------------
def reimage(base_url: str, session: str, vm: str) -> dict:
    """A client function under test: reimage a VM and wait for its job."""
    headers = {"Authorization": f"OAuth {session}"}
    answer = requests.put(f"{base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=headers)
    job = answer.json().get("location") if answer.status_code == 202 else None
    while answer.status_code == 202:
        answer = requests.get(job, headers=headers)
    answer.raise_for_status()
    return answer.json()["inventory"]


def test_client_code_gets_recorded_answers():  # the example of docs/tasks/replay.md
    import zstack_contract

    with zstack_contract.replay("contract_tests/recordings/ReimageVmInstance.stopped-vm.exchange.json"):
        vm = reimage("http://mn.example:8080/zstack", "a-session", "efb855424e2b38d3bc320f105a13bc0b")
    assert vm["uuid"] == "efb855424e2b38d3bc320f105a13bc0b" and vm["state"] == "Stopped"


def test_the_fixture_serves_a_folder_in_the_order_of_its_files(zstack_replay):
    """contract_tests/recordings holds two reimages of one VM: running (refused), then stopped."""
    with pytest.raises(requests.HTTPError, match="503"):
        reimage("http://mn.example:8080/zstack", "a-session", "efb855424e2b38d3bc320f105a13bc0b")
    assert reimage("http://mn.example:8080/zstack", "a-session", "efb855424e2b38d3bc320f105a13bc0b")["state"] == "Stopped"
    assert [m for m, _ in zstack_replay.served].count("PUT") == 2  # and the polls of each job


def test_replay_refuses_recordings_that_break_the_contract_and_names_what_is_not_recorded(tmp_path):
    import zstack_contract

    with zstack_contract.replay(RECORDINGS) as served:
        with pytest.raises(NotRecorded, match=r"not recorded: GET /v1/zones without Authorization"):
            requests.get("http://mn.example:8080/zstack/v1/zones")
        assert served.served == []
    broken = json.loads((RECORDINGS / "ReimageVmInstance.stopped-vm.exchange.json").read_text())
    broken["steps"][-1]["response"]["body"]["inventory"]["cpuNum"] = 1.5
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(ContractError, match=r"broken.json breaks the contract: .*/inventory/cpuNum: expected integer"):
        zstack_contract.replay(tmp_path)
    with zstack_contract.replay(tmp_path, strict=False):
        assert reimage("http://x/zstack", "s", "efb855424e2b38d3bc320f105a13bc0b")["cpuNum"] == 1.5


def test_a_recording_over_the_size_limit_is_refused_when_written(tmp_path):
    from zstack_contract.errors import OutputError
    from zstack_contract.facts.secrets import Redactor
    from zstack_contract.inputs.exchange import Exchange, Request, Response, Step
    from zstack_contract.inputs.json_reader import MAX_BYTES
    from zstack_contract.live.recorder import Recorder

    big = Exchange([Step(Request(method="GET", url="http://x/zstack/v1/vm-instances"), Response(status=200, body={"x": "y" * MAX_BYTES}))], "")
    with pytest.raises(OutputError, match=r"over the 20 MiB a recording may hold: not written"):
        Recorder(tmp_path, Redactor())(big)
    assert list(tmp_path.iterdir()) == []


def test_a_replay_leaves_out_a_capture_with_a_broken_body_names_it_and_serves_the_rest(tmp_path, no_socket):
    """A HAR body breaking a JSON rule (here: 100 000 levels deep, or a duplicate key) makes its
    capture unusable: one line naming it, in the terminal, the reports and the test that needed
    it; the other recordings are served, and the reports and JUnit are written."""
    from test_har import entry, har

    record = tmp_path / "rec"
    with Simulator(job_delay=0.005) as sim:
        assert run_suite("--zstack-url", sim.base_url, "--zstack-record", str(record), "--zstack-report", str(tmp_path / "r")).returncode == 0
    recorded = next(record.glob("test_missing_authorization_is_a_plain_400.*.json"))
    call = json.loads(recorded.read_text())["steps"][0]
    recorded.unlink()
    deep = entry(call["request"]["method"], call["request"]["url"], call["response"]["status"], text=call["response"]["text"],
                 req=call["request"]["body"])
    deep["request"]["postData"]["text"] = "[" * 100_000 + "]" * 100_000
    (record / "deep.har").write_text(json.dumps(har(deep)))
    duplicate = entry("GET", "http://10.0.0.5:8080/zstack/v1/zones", 200, text='{"inventories": [], "inventories": []}')
    (record / "duplicate.har").write_text(json.dumps(har(duplicate)))
    junit = tmp_path / "replay.xml"
    r = run_suite("--zstack-replay", str(record), f"--junitxml={junit}", "--zstack-report", str(tmp_path / "rep"), "-p", "no_socket_plugin",
                  "-n", "2", env=no_socket)
    assert r.returncode == 2, r.stdout[-3000:]
    assert "Traceback" not in r.stdout + r.stderr and "RecursionError" not in r.stdout
    deep_line = f"{record / 'deep.har'}: entries[0].request.postData.text: JSON nested more than 201 levels deep"
    duplicate_line = f"{record / 'duplicate.har'}: entries[0].response.content.text: duplicate key 'inventories' in one object"
    assert f"zstack-contract: --zstack-replay left out {deep_line}" in r.stdout.splitlines()
    assert f"zstack-contract: --zstack-replay left out {duplicate_line}" in r.stdout.splitlines()
    got = verdicts(junit)
    failed = got.pop("test_missing_authorization_is_a_plain_400")  # one line, cut in its middle to fit (how much: by the path's length)
    assert failed.startswith("Failed: PUT /v1/vm-instances/") and "NotRecorded: not recorded: PUT /v1/vm-instance" in failed
    assert "deep.har" in failed and "\n" not in failed
    assert got and set(got.values()) == {"passed"}
    doc = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert sorted(f"{e['file']}: {e['message']}" for e in doc["inputErrors"]) == [deep_line, duplicate_line]  # once each, from 2 workers
    assert doc["summary"]["exitCode"] == 2
