"""The simulator as a component: lifecycle, concurrency, the request log, --data files, the CLI."""

from __future__ import annotations

import hashlib
import json
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import HANG, finishes
from zstack_contract.errors import InputError
from zstack_contract.facts.secrets import FAKE_UUID
from zstack_contract.simulator import FAULTS, Simulator
from zstack_contract.simulator.datafile import load_data
from zstack_contract.simulator.render import plain
from zstack_contract.simulator.seed import seed

ROOT = Path(__file__).resolve().parent.parent
TWO_VMS = ROOT / "tests" / "data" / "simulator" / "two-vms.json"
CLI = [sys.executable, "-m", "zstack_contract.cli"]


def login(base_url: str, name: str = "admin", password: str = "password") -> requests.Response:
    body = {"logInByAccount": {"accountName": name, "password": hashlib.sha512(password.encode()).hexdigest()}}
    return requests.put(f"{base_url}/v1/accounts/login", json=body)


def session_of(base_url: str, **kw) -> str:
    r = login(base_url, **kw)
    assert r.status_code == 200, r.text
    return r.json()["inventory"]["uuid"]


def reimage(sim: Simulator, vm: str, session: str) -> requests.Response:
    headers = {"Authorization": f"OAuth {session}"}
    r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=headers)
    assert r.status_code == 202, r.text
    url = r.json()["location"]
    for _ in range(200):
        done = requests.get(url, headers=headers)
        if done.status_code != 202:
            return done
        time.sleep(0.005)
    raise AssertionError("the job did not finish")


def port_is_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


# -- lifecycle ------------------------------------------------------------------------------------


def test_start_listens_on_an_ephemeral_loopback_port_and_stop_leaves_nothing_behind():
    before = set(threading.enumerate())
    sim = Simulator(job_delay=0)
    assert sim.start() is sim
    assert sim.port > 0 and sim.base_url == f"http://127.0.0.1:{sim.port}/zstack"
    assert session_of(sim.base_url)
    sim.stop()
    assert set(threading.enumerate()) == before
    assert port_is_closed(sim.port)
    sim.stop()  # a second stop is harmless


def test_the_context_manager_starts_and_stops():
    with Simulator() as sim:
        port = sim.port
        assert sim.running and login(sim.base_url).status_code == 200
    assert not sim.running and port_is_closed(port)


def test_stop_closes_a_connection_that_never_sent_a_request():
    """Stop does not wait for an idle connection to time out (it would wait an hour here)."""
    before = set(threading.enumerate())
    sim = Simulator(connection_timeout=3600).start()
    idle = socket.create_connection(("127.0.0.1", sim.port), timeout=HANG)
    deadline = time.monotonic() + HANG  # a bound on a hang: the server accepts it and starts a handler thread
    while not sim.connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sim.connections) == 1
    finishes(sim.stop)
    assert idle.recv(1) == b""  # closed by the server
    idle.close()
    assert set(threading.enumerate()) == before


def test_starting_twice_is_refused():
    with Simulator() as sim:
        with pytest.raises(RuntimeError):
            sim.start()


def test_a_port_in_use_is_an_os_error():
    with Simulator() as sim:
        with pytest.raises(OSError):
            Simulator(port=sim.port).start()


@pytest.mark.parametrize("kwargs", [{"job_delay": -1}, {"session_timeout": 0}])
def test_bad_timings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Simulator(**kwargs)


def test_200_concurrent_requests_from_8_threads_all_succeed():
    before = set(threading.enumerate())
    with Simulator(job_delay=0) as sim:
        session = session_of(sim.base_url)
        headers = {"Authorization": f"OAuth {session}"}
        stopped = [u for u, vm in sim.vms.items() if vm["state"] == "Stopped"]

        def one(i: int) -> int:
            if i % 4 == 0:
                url = f"{sim.base_url}/v1/vm-instances/{stopped[i % len(stopped)]}/actions"
                r = requests.put(url, json={"reimageVmInstance": {}}, headers=headers)
                return r.status_code if r.status_code != 202 else requests.get(r.json()["location"], headers=headers).status_code
            r = requests.get(f"{sim.base_url}/v1/vm-instances", params={"q": "state=Stopped"}, headers=headers)
            return r.status_code if len(r.json()["inventories"]) == len(stopped) else -1

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(one, range(200)))
        assert statuses == [200] * 200
        assert sim.request_count == 1 + 200 + 50
    assert set(threading.enumerate()) == before


def test_requests_are_recorded_with_what_was_sent_and_answered():
    with Simulator() as sim:
        session = session_of(sim.base_url)
        requests.get(f"{sim.base_url}/v1/vm-instances?q=state=Stopped&limit=1", headers={"Authorization": f"OAuth {session}"})
        requests.put(f"{sim.base_url}/v1/vm-instances/abc/actions", data=b"{}")
        log = sim.requests
        assert sim.request_count == len(log) == 3
        assert (log[0].method, log[0].path, log[0].status) == ("PUT", "/zstack/v1/accounts/login", 200)
        assert json.loads(log[0].body)["logInByAccount"]["accountName"] == "admin"
        assert (log[1].method, log[1].path, log[1].query_string) == ("GET", "/zstack/v1/vm-instances", "q=state=Stopped&limit=1")
        assert log[1].headers["Authorization"] == f"OAuth {session}"
        assert (log[2].body, log[2].status) == (b"{}", 400)
        sim.clear_requests()
        assert sim.request_count == 0


def test_the_log_callback_gets_one_line_per_request():
    lines = []
    with Simulator(log=lines.append) as sim:
        requests.get(f"{sim.base_url}/v1/nowhere?x=1")
    assert lines == ["GET /zstack/v1/nowhere?x=1 404"]


def test_the_log_never_names_a_session():
    lines = []
    with Simulator(log=lines.append) as sim:
        session = sim.create_session()
        r = requests.delete(f"{sim.base_url}/v1/accounts/sessions/{session}", headers={"Authorization": f"OAuth {session}"})
        assert r.status_code == 200
    assert lines == [f"DELETE /zstack/v1/accounts/sessions/{FAKE_UUID} 200"]
    assert not any(session in line for line in lines)


def test_a_session_can_be_made_without_http():
    with Simulator() as sim:
        session = sim.create_session()
        r = requests.get(f"{sim.base_url}/v1/vm-instances", headers={"Authorization": f"OAuth {session}"})
        assert r.status_code == 200
        with pytest.raises(ValueError):
            sim.create_session(password="wrong")


# -- the seed and --data files --------------------------------------------------------------------


def test_the_seed_has_vms_in_several_states_with_nics_used_ips_and_volumes():
    vms = Simulator().vms
    states = [vm["state"] for vm in vms.values()]
    assert states.count("Stopped") >= 2 and states.count("Running") >= 1 and len(set(states)) >= 3
    assert all(vm["vmNics"] and all(nic["usedIps"] for nic in vm["vmNics"]) for vm in vms.values())
    assert all(vm["rootVolumeUuid"] in {v["uuid"] for v in vm["allVolumes"]} for vm in vms.values())
    assert any(v["type"] == "Data" for vm in vms.values() for v in vm["allVolumes"])
    assert Simulator().vms == vms  # the same uuids on every run


def test_a_data_file_replaces_the_vms_and_accounts():
    with Simulator(data=TWO_VMS, job_delay=0) as sim:
        assert [vm["name"] for vm in sim.vms.values()] == ["edge-1", "edge-2"]
        assert sim.vms["a1b2c3d4e5f60718293a4b5c6d7e8f90"]["lastOpDate"] == "Mar 1, 2024 12:00:01 AM"  # Java 8
        assert sim.vms["a1b2c3d4e5f60718293a4b5c6d7e8f90"]["createDate"] == "Feb 29, 2024 11:59:58 PM"
        assert login(sim.base_url).status_code == 503
        session = session_of(sim.base_url, name="qa", password="s3cret")
        inv = reimage(sim, "a1b2c3d4e5f60718293a4b5c6d7e8f90", session).json()["inventory"]
        assert (inv["allVolumes"][0]["size"], inv["allVolumes"][0]["actualSize"]) == (2147483648, 52428800)
        assert inv["vmNics"][0]["vmInstanceUuid"] == inv["uuid"]
        running = reimage(sim, "f0e1d2c3b4a5968778695a4b3c2d1e0f", session)
        assert running.status_code == 503 and json.loads(running.json()["error"]["details"])["code"] == "VM.1014"


def test_without_its_image_a_reimage_resets_the_root_volume_to_its_loaded_sizes():
    doc = json.loads(TWO_VMS.read_text())
    doc["images"] = []
    with Simulator(data=doc, job_delay=0) as sim:
        session = session_of(sim.base_url, name="qa", password="s3cret")
        inv = reimage(sim, "a1b2c3d4e5f60718293a4b5c6d7e8f90", session).json()["inventory"]
        assert (inv["allVolumes"][0]["size"], inv["allVolumes"][0]["actualSize"]) == (10737418240, 3221225472)
        assert inv["lastOpDate"] != "Mar 1, 2024 12:00:01 AM"


def test_print_data_round_trips_through_load_data(tmp_path):
    out = subprocess.run(CLI + ["serve", "--print-data"], capture_output=True, text=True, check=True).stdout
    path = tmp_path / "seed.json"
    path.write_text(out)
    assert plain(load_data(path)) == plain(seed())


def _mutated(change) -> dict:
    doc = json.loads(TWO_VMS.read_text())
    change(doc)
    return doc


BAD_DATA = {
    "not-an-object": ([], "a JSON object"),
    "no-vms": ({"images": []}, "\"vms\" list"),
    "unknown-key": ({"vms": [], "vm": []}, "unknown key 'vm'"),
    "bad-uuid": (_mutated(lambda d: d["vms"][0].update(uuid="A1B2")), "vms[0].uuid: must be 32 lower-case hex"),
    "bad-state": (_mutated(lambda d: d["vms"][1].update(state="Sleeping")), "vms[1].state: 'Sleeping' is not a VM state"),
    "duplicate-uuid": (_mutated(lambda d: d["vms"][1].update(uuid=d["vms"][0]["uuid"])), "duplicate VM uuid"),
    "nic-of-another-vm": (
        _mutated(lambda d: d["vms"][0]["vmNics"][0].update(vmInstanceUuid="f0e1d2c3b4a5968778695a4b3c2d1e0f")),
        "vms[0].vmNics[0].vmInstanceUuid",
    ),
    "root-not-among-volumes": (_mutated(lambda d: d["vms"][1].update(rootVolumeUuid="e" * 32)), "not among the VM's allVolumes"),
    "bad-date": (_mutated(lambda d: d["vms"][0].update(createDate="yesterday")), "vms[0].createDate: not an ISO-8601 or JVM-style date"),
    "string-integer": (_mutated(lambda d: d["vms"][0].update(memorySize="1G")), "vms[0].memorySize: must be an integer"),
    "missing-name": (_mutated(lambda d: d["vms"][0].pop("name")), "vms[0]: missing 'name'"),
    "bad-image": (_mutated(lambda d: d["images"][0].pop("size")), "images[0]: missing 'size'"),
    "bad-account": (_mutated(lambda d: d["accounts"].append({"name": "x"})), "accounts[1]"),
}


@pytest.mark.parametrize("name", BAD_DATA)
def test_an_unusable_data_document_is_one_clear_line(name, tmp_path):
    doc, expected = BAD_DATA[name]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        Simulator(data=path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_a_data_file_that_is_missing_or_not_json_is_one_clear_line(tmp_path):
    with pytest.raises(InputError, match="cannot read data file"):
        Simulator(data=tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"vms": [')
    with pytest.raises(InputError, match="not JSON: .* at line 1 column"):
        Simulator(data=bad)


# -- zstack-contract serve ------------------------------------------------------------------------


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(CLI + ["serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], HANG)
    if not ready:
        proc.kill()
        raise AssertionError("serve printed nothing")
    return proc, proc.stdout.readline().strip()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_the_base_url_answers_and_stops_cleanly_on_a_signal(sig):
    proc, url = _serve("--job-delay", "0")
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/zstack")
        assert login(url).status_code == 200
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert (out, err) == ("", "")


def test_serve_applies_faults_and_data(tmp_path):
    proc, url = _serve("--data", str(TWO_VMS), "--fault", "drop-uuid", "--fault", "float-cpu", "--verbose")
    try:
        session = session_of(url, name="qa", password="s3cret")
        headers = {"Authorization": f"OAuth {session}"}
        r = requests.put(f"{url}/v1/vm-instances/a1b2c3d4e5f60718293a4b5c6d7e8f90/actions", json={"reimageVmInstance": {}}, headers=headers)
        time.sleep(0.1)
        inv = requests.get(r.json()["location"], headers=headers).json()["inventory"]
        assert "uuid" not in inv and inv["cpuNum"] == 1.5
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "PUT /zstack/v1/accounts/login 200" in err


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--fault", "drop-uid"], "unknown fault 'drop-uid'"),
        (["--data", "tests/data/simulator/absent.json"], "cannot read data file"),
        (["--data", "README.md"], "not JSON"),
    ],
)
def test_serve_refuses_unusable_input_with_one_line_and_exit_2(args, expected):
    proc = subprocess.run(CLI + ["serve", "--port", "0", *args], capture_output=True, text=True, timeout=20, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("zstack-contract: error: ") and expected in lines[0]


def test_serve_on_a_busy_port_is_one_line_and_exit_2():
    with Simulator() as sim:
        proc = subprocess.run(CLI + ["serve", "--port", str(sim.port)], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "cannot listen on 127.0.0.1" in proc.stderr


def test_serve_lists_the_faults():
    out = subprocess.run(CLI + ["serve", "--list-faults"], capture_output=True, text=True, check=True).stdout
    assert [line.split(":")[0] for line in out.splitlines()] == list(FAULTS)


def test_the_simulator_page_has_one_line_per_fault():
    doc = (ROOT / "docs" / "tasks" / "simulator.md").read_text().split("### Named faults", 1)[1]
    for name in FAULTS:
        assert sum(1 for line in doc.splitlines() if line.startswith(f"- `{name}`")) == 1, name


def test_serve_serves_every_api_of_the_release_it_is_given():
    """QueryDirectory came in 5.x: served with --release 5.3.0, no api mapping with 3.10.40."""
    for release, status in (("5.3.0", 200), ("3.10.40", 404)):
        proc, url = _serve("--release", release)
        try:
            session = session_of(url)
            r = requests.get(f"{url}/v1/directories", headers={"Authorization": f"OAuth {session}"}, timeout=10)
            assert r.status_code == status, (release, r.text[:200])
            if status == 200:
                assert len(r.json()["inventories"]) == 2  # made up from the schema, with uuids of their own
            else:
                assert r.text == "no api mapping to /v1/directories"
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=10)
        assert proc.returncode == 0
