"""Every derived API, live: the cases generated from each page, the contract-driven simulator that
serves any API of a schemas folder, and the selection options. The self-test with every fault on
the same thirteen APIs is in test_live_suite.py."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from conftest import ROOT
from test_live_suite import run_suite
from test_simulator_server import _serve
from zstack_contract.cli import main
from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts.ids import new_uuid
from zstack_contract.live.cases import CASES, Shape, build, cases_for, select
from zstack_contract.simulator import Simulator

GENERATED = "contract_tests/test_api.py"


def ids(contracts, api: str) -> list[str]:
    return [c.name for c in cases_for(contracts.get(api))]


def junit_cases(path: Path) -> dict[str, tuple[str, dict]]:
    """test name -> (outcome: passed, failed or skipped, its recorded properties)."""
    out = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        outcome = "failed" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None else "passed"
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        out[case.get("name")] = (outcome, props)
    return out


# -- the cases a page makes possible --------------------------------------------------------------------
def test_the_cases_of_each_api_follow_its_page(api_schemas):
    contracts = load_contracts(api_schemas)
    assert ids(contracts, "DestroyVmInstance") == ["unknown-resource", "invalid-value", "invalid-session", "missing-authorization", "success"]
    assert ids(contracts, "CreateAccount") == ["missing-mandatory", "invalid-value", "tags-not-list", "invalid-session",
                                               "missing-authorization", "success"]  # no resource to name
    # a query's success is its query cases'
    assert ids(contracts, "QueryVmInstance") == ["query-nothing", "query-limit", "query-count", "invalid-session", "missing-authorization"]
    assert ids(contracts, "GetVmBootOrder") == ["unknown-resource", "read", "invalid-session", "missing-authorization", "success"]
    # vmUuids: a list of uuids the node never looks up (the overlay's unchecked, APIGetVmsCapabilitiesMsg): no unknown-resource
    assert ids(contracts, "GetVmsCapabilities")[:2] == ["missing-mandatory", "invalid-session"]
    assert ids(contracts, "LogInByAccount") == ["missing-mandatory", "tags-not-list"]  # needs no session: its success is the run's own
    every = select(contracts, None, None)
    assert {c.name for c in every} == set(CASES)


def test_a_refused_request_that_names_no_missing_resource_is_destructive(api_schemas):
    """On a node that failed to refuse it, a create without a mandatory field would create: such
    cases need the opt-in on a live node. A request that names a missing resource, or reads, never."""
    contracts = load_contracts(api_schemas)
    flagged = {c.id for c in select(contracts, None, None) if c.destructive}
    assert {"CreateAccount-missing-mandatory", "CreateAccount-invalid-session", "CreateAccount-tags-not-list",
            "LogInByAccount-missing-mandatory"} <= flagged
    assert not any(i.startswith(("ReimageVmInstance", "QueryVmInstance", "GetVm", "DestroyVmInstance", "StopVmInstance"))
                   for i in flagged if not i.endswith("-success"))
    assert {c.id for c in select(contracts, None, None) if c.name == "success"} <= flagged  # a positive case changes what it acts on
    assert "CreateVmInstance-invalid-session" not in flagged  # it names an instance offering that does not exist


def test_requests_are_built_where_the_page_puts_each_parameter(api_schemas):
    contracts = load_contracts(api_schemas)
    create = build(Shape.of(contracts.get("CreateVmInstance")))
    assert create.method == "POST" and create.path == "/v1/vm-instances" and set(create.body) == {"params"}
    assert {"name", "instanceOfferingUuid", "imageUuid", "l3NetworkUuids"} <= set(create.body["params"])
    assert isinstance(create.body["params"]["l3NetworkUuids"], list)
    without = build(Shape.of(contracts.get("CreateVmInstance")), leave_out="name")
    assert "name" not in without.body["params"]
    delete = build(Shape.of(contracts.get("DestroyVmInstance")), values={"deleteMode": "Enforcing"})
    assert delete.body is None and delete.params == {"deleteMode": "Enforcing"} and "{" not in delete.path
    stop = build(Shape.of(contracts.get("StopVmInstance")))
    assert stop.path.startswith("/v1/vm-instances/") and stop.path.endswith("/actions") and "stopVmInstance" in stop.body


# -- the generated suite ----------------------------------------------------------------------------
def test_the_generated_suite_passes_against_the_embedded_simulator(api_schemas, tmp_path):
    """The acceptance run: with no server given, pytest contract_tests --zstack-schemas DIR starts a
    simulator serving every API of DIR, and every generated case passes. Its JUnit XML, of the
    default family, has each generated test's ``outcome`` and the run's verdict, with no warning."""
    junit = tmp_path / "junit.xml"
    r = run_suite(GENERATED, "--zstack-schemas", str(api_schemas), f"--junitxml={junit}", "--zstack-report", str(tmp_path / "r"),
                  "-W", "error", tests="contract_tests/test_live.py")
    assert r.returncode == 0, r.stdout[-3000:]
    assert "warnings summary" not in r.stdout and "PytestWarning" not in r.stdout and " warning" not in r.stdout.splitlines()[-1]
    cases = junit_cases(junit)
    # what the target answered, for every generated test: pinned by the overlay (as 5.3.0's deletes are) or not
    assert all("outcome" in props for name, (outcome, props) in cases.items() if name.startswith("test_api[") and outcome != "skipped")
    assert cases["test_api[DestroyVmInstance-unknown-resource]"][1] == {"outcome": "succeeded"}
    assert cases["test_api[ReimageVmInstance-invalid-session]"][1] == {"outcome": "ID.1001"}
    suite = ElementTree.parse(junit).getroot().find("testsuite/properties")
    assert [(p.get("name"), p.get("value")) for p in suite] == [("verdict", "pass"), ("exitCode", "0"), ("contract", "a folder of schema files")]
    generated = {name for name in cases if name.startswith("test_api[")}
    assert {name.split("[")[1].split("-")[0] for name in generated} >= {
        "CreateAccount", "CreateVmInstance", "DeleteVmHostname", "DestroyVmInstance", "GetVmBootOrder", "GetVmConsolePassword",
        "GetVmsCapabilities", "LogInByAccount", "QueryVmInstance", "ReimageVmInstance", "SetVmRDP", "StopVmInstance"}
    assert {name.split("-", 1)[1].rstrip("]") for name in generated} == set(CASES)
    # a positive case is skipped where the pages give no way to remove what it would make (tests/test_success_cases.py)
    assert all(outcome == "passed" or (outcome == "skipped" and name.endswith("-success]")) for name, (outcome, _) in cases.items())
    coverage = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())["coverage"]["QueryVmInstance"]
    assert "inventories.uuid" not in coverage["unseen"] and coverage["percent"] >= 80  # the query's live inventories fill it in


def _derive(out: Path, *pages: str, overlay: Path | None = None) -> Path:
    args = ["derive", "-q", *pages, "--out", str(out)] + (["--overlay", str(overlay)] if overlay else [])
    assert main(args) == 0
    return out


def test_a_delete_of_nothing_may_succeed_or_say_sys_1003_unless_the_overlay_pins_it(tmp_path, capsys):
    overlay_text = (ROOT / "src/zstack_contract/derive/overlay.toml").read_text(encoding="utf-8")
    unpinned = tmp_path / "unpinned.toml"
    unpinned.write_text(overlay_text.split("\n[[api]]", 1)[0] + "\n", encoding="utf-8")
    pinned_error = tmp_path / "error.toml"
    pinned_error.write_text(overlay_text.replace('missing-resource = "success"', 'missing-resource = "error"'), encoding="utf-8")
    free = _derive(tmp_path / "free", "tests/pages/DestroyVmInstance.txt", overlay=unpinned)
    pinned = _derive(tmp_path / "pinned", "tests/pages/DestroyVmInstance.txt", overlay=pinned_error)
    succeeds = _derive(tmp_path / "succeeds", "tests/pages/DestroyVmInstance.txt")  # as the bundled overlay pins it
    meta = json.loads((pinned / "DestroyVmInstance.request.json").read_text())["x-zstack"]
    assert (meta["missingResource"], meta["x-overlay"]) == ("error", ["succeeds-if-missing", "vm-destroy-keeps-it-destroyed", "vm-destroy-states"])
    assert json.loads((succeeds / "DestroyVmInstance.request.json").read_text())["x-zstack"]["missingResource"] == "success"
    assert "missingResource" not in json.loads((free / "DestroyVmInstance.request.json").read_text())["x-zstack"]
    capsys.readouterr()
    select_args = ("--zstack-api", "DestroyVmInstance", "--zstack-case", "unknown-resource")

    def run(test_schemas: Path, served: Path, name: str):
        junit = tmp_path / f"{name}.xml"
        with Simulator(schemas=served, job_delay=0.01) as sim:
            r = run_suite(*select_args, "--zstack-url", sim.base_url, "--zstack-schemas", str(test_schemas), f"--junitxml={junit}",
                          "--zstack-report", str(tmp_path / name), tests=GENERATED)
        return r, junit_cases(junit)["test_api[DestroyVmInstance-unknown-resource]"]

    r, (outcome, props) = run(free, succeeds, "free")  # a node that succeeds (the 38 deletes that do): taken, and said
    assert (r.returncode, outcome, props) == (0, "passed", {"outcome": "succeeded"})
    r, (outcome, props) = run(free, free, "free-error")  # a node that says SYS.1003 (what one with no pin does): taken too
    assert (r.returncode, outcome, props) == (0, "passed", {"outcome": "SYS.1003"})
    r, (outcome, _) = run(pinned, pinned, "pinned")  # the simulator reads the pin as the test does
    assert (r.returncode, outcome) == (0, "passed")
    r, (outcome, _) = run(pinned, succeeds, "pinned-but-succeeds")
    assert r.returncode == 1 and "expected status 503 at the end, found status 200" in r.stdout and "[expected-answer]" in r.stdout


def test_apis_and_cases_are_chosen_by_glob_name_and_environment(api_schemas):
    def collected(*args: str, env: dict | None = None) -> list[str]:
        r = run_suite("--collect-only", "--zstack-schemas", str(api_schemas), *args, env=env, tests=GENERATED)
        assert r.returncode == 0, r.stdout + r.stderr
        return sorted(line.split("[", 1)[1].rstrip("]") for line in r.stdout.splitlines() if "test_api[" in line)

    assert collected("--zstack-api", "Get*", "--zstack-case", "read") == ["GetVmBootOrder-read", "GetVmConsolePassword-read"]
    assert collected("--zstack-api", "QueryVmInstance", "--zstack-api", "DestroyVm*", "--zstack-case", "missing-authorization") == [
        "DestroyVmInstance-missing-authorization", "QueryVmInstance-missing-authorization"]
    assert collected(env={"ZSTACK_API": "StopVmInstance, SetVmRDP", "ZSTACK_CASE": "invalid-session"}) == [
        "SetVmRDP-invalid-session", "StopVmInstance-invalid-session"]
    for args, words in [(("--zstack-case", "unknown-resources"), "--zstack-case unknown-resources: no such case; cases: unknown-resource"),
                        (("--zstack-api", "Nothing*"), "--zstack-api Nothing* matches no API of the schemas (CreateAccount")]:
        r = run_suite("--collect-only", "--zstack-schemas", str(api_schemas), *args, tests=GENERATED)
        assert r.returncode == 2 and words in r.stdout + r.stderr and "Traceback" not in r.stdout + r.stderr


def test_on_a_live_node_cases_that_could_change_something_need_the_opt_in(api_schemas, tmp_path):
    contracts = load_contracts(api_schemas)
    risky = sorted(c.id for c in select(contracts, None, None) if c.destructive)
    with Simulator(schemas=api_schemas, announce=False, job_delay=0.01) as sim:  # passes for a live node
        before = {k: dict(v) for k, v in sim.state.store.items()}
        junit = tmp_path / "junit.xml"
        r = run_suite("--zstack-url", sim.base_url, "--zstack-schemas", str(api_schemas), f"--junitxml={junit}", "-rs", "--zstack-rate", "1000",
                      "--zstack-report", str(tmp_path / "r"), env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password"},
                      tests=GENERATED)
        assert r.returncode == 0, r.stdout[-2000:]
        assert {k: dict(v) for k, v in sim.state.store.items()} == before  # nothing was made, changed or removed
    skipped = sorted(n.split("[", 1)[1].rstrip("]") for n, (outcome, _) in junit_cases(junit).items() if outcome == "skipped")
    assert skipped == risky and "pass --zstack-allow-destructive to run it" in r.stdout


# -- the contract-driven simulator ----------------------------------------------------------------------
def test_the_simulator_serves_every_api_of_the_schemas_and_no_other(api_schemas):
    contracts = load_contracts(api_schemas)
    with Simulator(schemas=api_schemas, job_delay=0) as sim:
        session = sim.create_session()
        headers = {"Authorization": f"OAuth {session}"}
        for contract in contracts:
            for route in contract.routes:
                path = route.template
                for name in route.params:
                    path = path.replace("{" + name + "}", new_uuid())
                r = requests.request(route.method, f"{sim.base_url}{path}", headers=headers, json=None if route.method in ("GET", "DELETE") else {contract.action_key: {}})
                assert not r.text.startswith("no api mapping"), (contract.api, route)
        unknown = f"/v1/images/{new_uuid()}/actions"
        r = requests.put(f"{sim.base_url}{unknown}", json={"changeImageState": {}}, headers=headers)
        assert (r.status_code, r.text) == (404, f"no api mapping to {unknown}")


def test_a_put_is_read_from_its_action_key_whatever_structure_the_page_names(tmp_path):
    """Every PUT API of a node is an action: the REST layer reads its parameters from the action
    key's object. The SetVmQga test page's table names a 'params' structure: the derived schema
    has ``enable`` under the action key, and says why; a request built by the table reaches no API,
    and one with the action key and ``enable`` beside it lacks the parameter."""
    schemas = _derive(tmp_path / "qga", "tests/pages/SetVmQga.txt")
    request = json.loads((schemas / "SetVmQga.request.json").read_text())
    assert set(request["properties"]) == {"setVmQga", "systemTags", "userTags"} and request["required"] == ["setVmQga"]
    assert request["properties"]["setVmQga"]["required"] == ["enable"]
    assert request["properties"]["setVmQga"]["x-source"].endswith("setVmQga (action key; the table says params, a PUT is read from its action key)")
    with Simulator(schemas=schemas, job_delay=0) as sim:
        headers = {"Authorization": f"OAuth {sim.create_session()}"}
        vm = next(iter(sim.vms))
        url = f"{sim.base_url}/v1/vm-instances/{vm}/actions"
        r = requests.put(url, json={"params": {"enable": True}}, headers=headers)
        assert (r.status_code, r.text) == (400, f"the body doesn't contain action mapping to the URL[/v1/vm-instances/{vm}/actions]")
        r = requests.put(url, json={"setVmQga": {}, "params": {"enable": True}}, headers=headers)
        assert "field[enable]" in requests.get(r.json()["location"], headers=headers).json()["error"]["details"]
        r = requests.put(url, json={"setVmQga": {"enable": True}}, headers=headers)
        assert requests.get(r.json()["location"], headers=headers).status_code == 200


def test_serve_schemas_serves_them(api_schemas):
    proc, url = _serve("--schemas", str(api_schemas), "--job-delay", "0")
    try:
        login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": "x"}})
        assert login.status_code == 503  # a wrong password: ID.1000, as a node says it
        r = requests.get(f"{url}/v1/vm-instances/{new_uuid()}/boot-orders")
        assert (r.status_code, r.text) == (400, "missing header 'Authorization'")  # GetVmBootOrder, from its schema
        r = requests.get(f"{url}/v1/zones")
        assert (r.status_code, r.text) == (404, "no api mapping to /v1/zones")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_no_api_is_named_outside_the_hand_written_vm_family():
    """The generator and the generic simulator take everything from the schemas."""
    generic = [ROOT / "src/zstack_contract/live/cases.py", ROOT / "contract_tests/test_api.py",
               *[p for p in (ROOT / "src/zstack_contract/simulator").glob("*.py") if p.name not in ("vms.py", "seed.py")]]
    pages = {p.stem for p in (ROOT / "tests/pages").rglob("*.txt")} | {"ReimageVmInstance", "StartVmInstance", "LogOut"}
    for path in generic:
        text = path.read_text(encoding="utf-8")
        assert not [api for api in pages if api in text], path


@pytest.mark.parametrize("argv", [["serve", "--schemas", "tests/pages"]])
def test_serve_with_a_folder_that_holds_no_schemas_is_one_line_and_exit_2(argv):
    proc = subprocess.run([sys.executable, "-m", "zstack_contract.cli", *argv, "--port", "0"], capture_output=True, text=True,
                          timeout=20, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no *.response.json schemas" in proc.stderr


def test_a_read_finds_a_resource_in_a_state_the_node_lets_it_read(tmp_path):
    """GetVmConsoleAddress is allowed only on a Running or Crashed VM (the overlay's state machine):
    its read case asks the query for one in those states, not for the first VM, which is Stopped."""
    junit = tmp_path / "junit.xml"
    r = run_suite("--zstack-api", "GetVmConsoleAddress", "--zstack-case", "read", f"--junitxml={junit}", tests=GENERATED,
                  env={"ZSTACK_SCHEMAS": "", "ZSTACK_RELEASE": "5.3.0"})
    assert r.returncode == 0, r.stdout[-3000:]
    assert junit_cases(junit)["test_api[GetVmConsoleAddress-read]"] == ("passed", {"outcome": "succeeded"})
