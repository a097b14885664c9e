"""Runs that know the node's release: ``--zstack-release auto`` (and ``proxy --release auto``) ask
the node ``getVersion`` and hold it to the shipped release at or below that version; the simulator
answers ``getVersion`` with the release it serves; fields newer than the node are not expected of it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import HANG, ROOT
from test_live_suite import run_suite
from test_never_hang import socket_server
from test_simulator_server import _serve
from zstack_contract.contract.format import DRAFT, render
from zstack_contract.contract.loading import held_to_node, load_contracts
from zstack_contract.contract.releases import find_release, release_for, shipped_releases, version_key
from zstack_contract.errors import InputError
from zstack_contract.findings.validation import Validation
from zstack_contract.inputs.exchange import Exchange, Request, Response, Step
from zstack_contract.live.node_release import ask_version, node_release
from zstack_contract.simulator import Simulator

NEWEST = shipped_releases()[-1].name
OLDEST = shipped_releases()[0].name


# --- which release a version gets ---------------------------------------------------------------
@pytest.mark.parametrize(("version", "release", "why"), [
    ("4.10.2", "4.8.22", "the node says 4.10.2"),  # between two releases: the one below
    ("5.1.31", "5.1.30", "the node says 5.1.31"),
    ("5.1.30", "5.1.30", "the node says 5.1.30"),
    ("5.3", "5.3.0", "the node says 5.3"),  # 5.3 is 5.3.0
    ("7.0.1", NEWEST, "the node says 7.0.1"),
    ("2.3.2", OLDEST, "the node says 2.3.2, older than the oldest contract shipped"),
])
def test_a_version_gets_the_nearest_release_at_or_below_it(version, release, why):
    chosen, said = release_for(version)
    assert (chosen.name, said) == (release, why)


def test_versions_order_by_their_numbers():
    assert version_key("3.10.40") < version_key("4.8.22") < version_key("4.10.2") < version_key("5.1.30") < version_key("5.3.0")
    assert version_key("5.1") == version_key("5.1.0")


def test_auto_where_no_node_is_asked_is_one_clear_error():
    with pytest.raises(InputError, match="asks a node for its version"):
        find_release("auto")


# --- the simulator answers getVersion -------------------------------------------------------------
def test_the_simulator_answers_get_version_with_the_release_it_serves_without_a_session():
    with Simulator(schemas=load_contracts(None, "4.8.22"), job_delay=0) as sim:
        r = requests.put(f"{sim.base_url}/v1/management-nodes/actions", json={"getVersion": {}}, timeout=HANG)
        assert (r.status_code, r.json()) == (200, {"version": "4.8.22"})
        # held to the contract of that release, the answer is clean
        contracts = load_contracts(None, "4.8.22")
        v = Validation(contracts)
        step = Step(Request(method="PUT", url=f"{sim.base_url}/v1/management-nodes/actions", body={"getVersion": {}}),
                    Response(status=r.status_code, body=r.json()))
        v.check(Exchange([step], "getVersion"))
        assert v.violations == [] and v.exchanges == 1
    with Simulator(release="5.1.31") as sim:  # told the release it plays, with no schemas
        assert requests.put(f"{sim.base_url}/v1/management-nodes/actions", json={"getVersion": {}}, timeout=HANG).json() == {"version": "5.1.31"}


def test_a_simulator_of_no_release_does_not_answer_get_version():
    with Simulator() as sim:
        assert ask_version(sim.base_url) == (None, "404 no api mapping to /v1/management-nodes/actions")
        chosen = node_release(sim.base_url)
    assert (chosen.release, chosen.version) == (NEWEST, None)
    assert str(chosen) == f"{NEWEST}: the node did not answer getVersion (404 no api mapping to /v1/management-nodes/actions), the newest"


def test_a_node_that_answers_something_else_or_nothing_gets_the_newest_saying_why():
    def not_a_version(conn, stop):
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{"version": null}')
        conn.close()

    with socket_server(not_a_version) as url:
        assert node_release(url).why == 'the node did not answer getVersion (200 without a version: {"version": null}), the newest'

    def silent(conn, stop):
        conn.recv(65536)
        stop.wait(HANG)  # never answers: the question's own deadline ends it

    with socket_server(silent) as url:
        chosen = node_release(url, timeout=0.5)
    assert chosen.release == NEWEST and "did not answer PUT /v1/management-nodes/actions within 0.5 s" in chosen.why


# --- fields newer than the node ---------------------------------------------------------------
THING = {
    "$schema": DRAFT, "type": "object", "x-source": "things.md:1",
    "x-zstack": {"api": "GetThing", "kind": "get", "actionKey": "getThing", "authorized": True,
                 "endpoints": [{"method": "GET", "path": "/v1/things/{uuid}"}],
                 "envelope": {"success": ["inventory"], "error": ["error"]}},
    "properties": {"inventory": {"$ref": "#/$defs/thing", "x-since": "0.6"}, "error": {"type": "object"}},
    "$defs": {"thing": {"type": "object", "required": ["uuid", "old", "newer"], "properties": {
        "uuid": {"type": "string", "x-since": "0.6"},
        "old": {"type": "string", "x-since": "3.0"},  # documented, and the node never sends it
        "newer": {"type": "string", "x-since": "5.1.0"},  # newer than a node of 4.8.22
        "nested": {"$ref": "#/$defs/part", "x-since": "5.1.0"},
    }}, "part": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "x-since": "0.6"}}}},
}


def _thing(tmp_path: Path):
    (tmp_path / "GetThing.response.json").write_bytes(render(THING))
    return load_contracts(tmp_path)


def _answer(body: dict) -> Exchange:
    return Exchange([Step(Request(method="GET", url="http://mn:8080/zstack/v1/things/" + "a" * 32), Response(status=200, body=body))], "rec/thing.json")


def test_a_field_newer_than_the_node_is_not_required_of_it_nor_counted_unseen(tmp_path):
    contracts = _thing(tmp_path)
    body = {"inventory": {"uuid": "a" * 32}}
    plain = Validation(contracts)
    plain.check(_answer(body))
    assert {f.pointer for f in plain.violations} == {"/inventory/old", "/inventory/newer"}  # required of any node
    assert plain.coverage()["GetThing"]["unseen"] == ["inventory.old", "inventory.newer", "inventory.nested", "inventory.nested.name", "error"]

    held = held_to_node(contracts, "4.8.22", "the node says 4.8.22")
    assert (held.release, held.why, held.node_version) == (None, "the node says 4.8.22", "4.8.22")
    v = Validation(held)
    v.check(_answer(body))
    assert [f.pointer for f in v.violations] == ["/inventory/old"]
    coverage = v.coverage()["GetThing"]
    assert coverage["unseen"] == ["inventory.old", "error"]  # documented, never sent: in coverage as before
    assert (coverage["documented"], coverage["seen"]) == (4, 2)
    # a newer field the node sends all the same counts as seen, and is checked as documented
    v.check(_answer({"inventory": {"uuid": "a" * 32, "old": "x", "newer": 7}}))
    assert any(f.pointer == "/inventory/newer" and f.check == "response-schema" for f in v.violations)
    assert v.coverage()["GetThing"]["unseen"] == ["error"]
    # the schemas of the contract as loaded are left as they were
    assert contracts.get("GetThing").response["$defs"]["thing"]["required"] == ["uuid", "old", "newer"]
    # a node of the newer version is expected to send it
    newer = Validation(held_to_node(contracts, "5.1.0", "the node says 5.1.0"))
    newer.check(_answer(body))
    assert {f.pointer for f in newer.violations} == {"/inventory/old", "/inventory/newer"}


# --- the pytest suite: --zstack-release auto ---------------------------------------------------
def _report(folder: Path) -> dict:
    return json.loads((folder / "zstack-contract.json").read_text(encoding="utf-8"))


def test_auto_against_serve_of_a_release_uses_that_release_and_says_so(tmp_path):
    proc, url = _serve("--release", "4.8.22", "--job-delay", "0")
    try:
        junit = tmp_path / "junit.xml"
        r = run_suite("--zstack-url", url, "--zstack-release", "auto", "--zstack-report", str(tmp_path / "r"),
                      f"--junitxml={junit}", "-k", "login", tests="contract_tests/test_live.py")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=HANG)
    assert r.returncode == 0, r.stdout[-3000:]
    report = _report(tmp_path / "r")
    assert report["contract"] == {"release": "4.8.22", "why": "the node says 4.8.22"}
    assert len(report["apis"]) == len(load_contracts(None, "4.8.22"))
    assert "contract: 4.8.22: the node says 4.8.22" in r.stdout
    assert "Contract: 4.8.22: the node says 4.8.22." in (tmp_path / "r" / "zstack-contract.md").read_text(encoding="utf-8")
    assert "4.8.22: the node says 4.8.22" in (tmp_path / "r" / "zstack-contract.html").read_text(encoding="utf-8")
    assert 'name="contract" value="4.8.22: the node says 4.8.22"' in junit.read_text(encoding="utf-8")


def test_auto_against_a_node_that_does_not_answer_get_version_uses_the_newest_and_says_so(tmp_path):
    with Simulator(schemas=ROOT / "schemas", job_delay=0) as sim:  # a folder of schemas: no release, no getVersion
        r = run_suite("--zstack-url", sim.base_url, "--zstack-release", "auto", "--zstack-report", str(tmp_path),
                      "-k", "login", tests="contract_tests/test_live.py")
    why = "the node did not answer getVersion (404 no api mapping to /v1/management-nodes/actions), the newest"
    assert _report(tmp_path)["contract"] == {"release": NEWEST, "why": why}
    assert f"contract: {NEWEST}: {why}" in r.stdout
    assert r.returncode == 0, r.stdout[-3000:]


def test_a_named_release_and_the_default_say_so_too(tmp_path):
    r = run_suite("--zstack-release", "5.1.30", "--zstack-report", str(tmp_path), "-k", "login", tests="contract_tests/test_live.py")
    assert r.returncode == 0, r.stdout[-3000:]
    assert _report(tmp_path)["contract"] == {"release": "5.1.30", "why": "named"}
    r = run_suite("--zstack-release", "auto", "--zstack-report", str(tmp_path), "-k", "login", tests="contract_tests/test_live.py")
    assert _report(tmp_path)["contract"] == {"release": NEWEST, "why": "the embedded simulator serves the newest"}
    assert r.returncode == 0, r.stdout[-3000:]


# --- the proxy: --release auto ------------------------------------------------------------------
def test_proxy_release_auto_asks_its_target(tmp_path):
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    with Simulator(release="5.1.31", job_delay=0) as sim:
        proc = subprocess.Popen([exe, "proxy", "--target", sim.base_url, "--listen", "127.0.0.1:0", "--release", "auto",
                                 "--report", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            assert requests.put(f"{url}/v1/management-nodes/actions", json={"getVersion": {}}, timeout=HANG).json() == {"version": "5.1.31"}
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=HANG)
    assert "zstack-contract proxy: contract: 5.1.30: the node says 5.1.31" in err, err
    assert _report(tmp_path)["contract"] == {"release": "5.1.30", "why": "the node says 5.1.31"}
    assert proc.returncode == 0, err


@pytest.mark.parametrize(("since", "version", "expected"), [
    ("5.1.0", "4.8.22", False), ("5.1", "5.1.0", True), ("4.1", "5.3.0", True), ("zsv 4.1.6", "3.10.40", True), (None, "3.10.40", True),
])
def test_a_field_is_expected_of_a_node_unless_its_since_is_a_newer_version(since, version, expected):
    """One rule with derive's since-after-release: a since of another numbering is never newer."""
    from zstack_contract.contract.since import expected as is_expected

    assert is_expected({"type": "string", **({"x-since": since} if since else {})}, version) is expected
