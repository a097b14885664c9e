"""The one registry of checks: every finding names a registered check, and a check a user writes in a
``conftest.py`` (or a plugin module given to ``validate``) runs on recorded and live exchanges alike."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from zstack_contract.checks import REGISTRY, Severity, check, run_checks
from zstack_contract.checks.registry import INPUTS, LIVE, PROBE, RECORDED
from zstack_contract.contract import load_contracts
from zstack_contract.facts.secrets import FAKE_UUID
from zstack_contract.inputs.exchange import bare_body_exchange
from zstack_contract.simulator import Simulator
from zstack_contract.simulator.render import plain
from zstack_contract.simulator.seed import seed

SRC = ROOT / "src" / "zstack_contract"

# The documentation's example of a check of one's own (docs/extending/check.md).
USER_CHECK = '''
from zstack_contract import check


@check("unique-nic-mac", "every NIC's mac is unique within a VM")
def unique_nic_mac(view):
    for step, obj in view.resources():
        nics = obj.value.get("vmNics")
        if not obj.place.top or not isinstance(nics, list):
            continue
        first = {}  # mac -> the index of the first NIC with it
        for n, nic in enumerate(nics):
            mac = nic.get("mac") if isinstance(nic, dict) else None
            if mac in first:
                yield view.finding(step, pointer=f"{obj.pointer()}/vmNics/{n}/mac",
                                   expected=f"a mac no other NIC of the VM has (vmNics/{first[mac]} has it)", found=repr(mac))
            elif mac is not None:
                first[mac] = n
'''

SUITE = '''
def test_recording(zstack_recording_exchanges, zstack_contract):
    zstack_contract.check_file(zstack_recording_exchanges)


def test_reimage(zstack_live):
    vm = zstack_live.designated_vm()
    call = zstack_live.call("PUT", f"/v1/vm-instances/{vm}/actions", json_body={"reimageVmInstance": {}})
    zstack_live.hold(call, first=202, final=200)
'''


def test_every_finding_is_made_by_a_registered_check():
    """Findings are made by ``Check.finding`` (a registered check's name and severity): no code
    outside the registry and the finding type builds one from a name of its own."""
    makers = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Finding":
                makers.append(path.relative_to(SRC).as_posix())
    assert set(makers) <= {"checks/registry.py", "checks/finding.py"}, makers


def test_the_registry_names_every_check_with_a_severity_and_its_inputs():
    names = [c.name for c in REGISTRY]
    assert names[:9] == ["response-schema", "undocumented-field", "status-body", "job-polling", "unknown-api", "uuid-matches-url",
                         "owner-uuid", "root-volume", "date-order"]
    assert {"expected-answer", "probe-accepted:not-json", "probe-status:empty-body", "page-sample"} <= set(names)
    assert REGISTRY["page-sample"].severity is Severity.WARNING and REGISTRY["page-sample"].applies_to == {"page"}
    for c in REGISTRY:
        assert c.summary and isinstance(c.severity, Severity) and c.applies_to <= INPUTS, c
    assert REGISTRY["expected-answer"].applies_to == {LIVE, PROBE} and REGISTRY["probe-status:not-json"].applies_to == {PROBE}
    with pytest.raises(ValueError, match="registered already"):
        check("response-schema", "a second one")(lambda view: ())
    with pytest.raises(KeyError, match="no check named 'nope'; registered: response-schema"):
        REGISTRY["nope"]


def test_a_check_runs_only_on_the_inputs_it_applies_to(reimage_page):
    contract = load_contracts(ROOT / "schemas").get("ReimageVmInstance")
    body = bare_body_exchange(reimage_page.response_sample.value, "x.json")
    check("live-only", "a warning on live exchanges only", severity=Severity.WARNING, applies_to=(LIVE,))(
        lambda view: [view.finding(0, pointer="", expected="nothing", found="a live exchange")])
    try:
        assert run_checks(body, contract, ["live-only"], origin=RECORDED) == []
        (f,) = run_checks(body, contract, ["live-only"], origin=LIVE)
        assert (f.check, f.severity, f.step) == ("live-only", Severity.WARNING, None)
    finally:
        REGISTRY.remove("live-only")


def _duplicate_macs(tmp_path):
    """A data set whose VMs with two NICs give both the same mac; the only Stopped VM is one of them."""
    data = plain(seed(), lambda dt: dt.isoformat(timespec="seconds"))
    for vm in data["vms"]:
        if len(vm["vmNics"]) > 1:
            vm["vmNics"][1]["mac"] = vm["vmNics"][0]["mac"]
        elif vm["state"] == "Stopped":
            vm["state"] = "Running"
    assert [vm["state"] for vm in data["vms"] if len(vm["vmNics"]) > 1] == ["Stopped"]
    return data


def test_a_check_in_a_conftest_runs_on_recorded_and_live_exchanges(tmp_path, reimage_page):
    suite = tmp_path / "suite"
    (suite / "recordings").mkdir(parents=True)
    (suite / "conftest.py").write_text(USER_CHECK)
    (suite / "test_mine.py").write_text(SUITE)
    body = json.loads(json.dumps(reimage_page.response_sample.value))
    nics = body["inventory"]["vmNics"]
    nics.append({**nics[0], "uuid": "f" * 32, "deviceId": 1})  # a second NIC with the first one's mac
    (suite / "recordings" / "ReimageVmInstance.dup-mac.json").write_text(json.dumps(body))
    (suite / "recordings" / "ReimageVmInstance.page-sample.json").write_text(json.dumps(reimage_page.response_sample.value))

    with Simulator(data=_duplicate_macs(tmp_path)) as sim:
        cmd = [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
               "--zstack-url", sim.base_url, "--zstack-schemas", str(ROOT / "schemas"),
               "--zstack-recordings", str(suite / "recordings"), "--zstack-report", str(tmp_path / "report")]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "CI": ""})
    out = r.stdout
    assert r.returncode == 1 and "2 failed, 1 passed" in out, out[-3000:]
    assert "test_recording[ReimageVmInstance.dup-mac.json]" in out and "test_reimage" in out
    assert out.count("/inventory/vmNics/1/mac: expected a mac no other NIC of the VM has (vmNics/0 has it)") == 2
    assert out.count("[unique-nic-mac]") == 2
    report = json.loads((tmp_path / "report" / "zstack-contract.json").read_text())
    where = {(f["file"].rsplit("/", 1)[-1].split("::")[-1], f["step"] is None) for f in report["findings"] if f["check"] == "unique-nic-mac"}
    assert where == {("ReimageVmInstance.dup-mac.json", True), ("test_reimage", False)}  # a bare body has no steps


def test_validate_loads_checks_from_a_plugin_module(tmp_path, reimage_page):
    (tmp_path / "my_checks.py").write_text(USER_CHECK)
    body = json.loads(json.dumps(reimage_page.response_sample.value))
    body["inventory"]["vmNics"].append({**body["inventory"]["vmNics"][0], "uuid": "f" * 32})
    (tmp_path / "ReimageVmInstance.dup.json").write_text(json.dumps(body))
    cmd = [sys.executable, "-m", "zstack_contract.cli", "validate", "--schemas", str(ROOT / "schemas"),
           "--report", str(tmp_path / "rep"), str(tmp_path / "ReimageVmInstance.dup.json")]
    clean = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert clean.returncode == 0 and "unique-nic-mac" not in clean.stdout
    for plugin in ("my_checks", str(tmp_path / "my_checks.py")):
        r = subprocess.run(cmd[:4] + ["--plugin", plugin] + cmd[4:], capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 1 and "[unique-nic-mac]" in r.stdout, r.stdout + r.stderr
    bad = subprocess.run(cmd[:4] + ["--plugin", "no_such_module"] + cmd[4:], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert textwrap.dedent(bad.stderr).strip().startswith("zstack-contract: error: --plugin no_such_module: cannot import")


# A check with a fault of its own: it raises on every exchange, quoting the exchange's session.
RAISING_CHECK = '''
from zstack_contract import check


@check("raising-check", "a check with a fault: it raises")
def raising_check(view):
    yield from ()
    raise LookupError("no such thing in " + view.exchange.call.request.headers.get("Authorization", "a body alone"))
'''
SECRET_SESSION = "5f2b1c0e9d8a4b7c8e6f1a2b3c4d5e6f"


def _one_fault_line(text: str, shown: str) -> None:
    """The check's fault is one line naming the check, the exception's type and message, secrets masked."""
    lines = [line for line in text.splitlines() if "[raising-check]" in line]
    assert any(f"LookupError: no such thing in {shown}, raised at " in line for line in lines), text[-3000:]
    assert "Traceback" not in text and SECRET_SESSION not in text and 'raise LookupError' not in text


def test_a_check_that_raises_is_one_line_and_its_exchange_is_counted_in_validate(tmp_path):
    (tmp_path / "raising.py").write_text(RAISING_CHECK)
    record = json.loads((ROOT / "contract_tests" / "recordings" / "ReimageVmInstance.stopped-vm.exchange.json").read_text())
    record["steps"][0]["request"]["headers"]["Authorization"] = f"OAuth {SECRET_SESSION}"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.exchange.json").write_text(json.dumps(record))
    (tmp_path / "in" / "ReimageVmInstance.sample.json").write_text((ROOT / "contract_tests" / "recordings" / "ReimageVmInstance.page-sample.json").read_text())
    for jobs in ("1", "2"):
        r = subprocess.run([sys.executable, "-m", "zstack_contract.cli", "validate", str(tmp_path / "in"), "--plugin", str(tmp_path / "raising.py"),
                            "--schemas", str(ROOT / "schemas"), "--report", str(tmp_path / "rep"), "--jobs", jobs],
                           capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 1 and r.stderr == "", r.stderr
        _one_fault_line(r.stdout, f"OAuth {FAKE_UUID}")
        _one_fault_line(r.stdout, "a body alone")
        report = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
        assert report["summary"]["exchanges"] == 2 and report["summary"]["inputErrors"] == 0, report["summary"]
        assert SECRET_SESSION not in (tmp_path / "rep" / "zstack-contract.json").read_text()


def test_a_check_that_raises_is_one_line_and_its_exchange_is_counted_in_the_live_suite(tmp_path, reimage_page):
    suite = tmp_path / "suite"
    (suite / "recordings").mkdir(parents=True)
    (suite / "conftest.py").write_text(RAISING_CHECK)
    (suite / "test_mine.py").write_text(SUITE)
    (suite / "recordings" / "ReimageVmInstance.page-sample.json").write_text(json.dumps(reimage_page.response_sample.value))
    with Simulator() as sim:
        session = sim.create_session()
        cmd = [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
               "--zstack-url", sim.base_url, "--zstack-schemas", str(ROOT / "schemas"), "--zstack-session", session,
               "--zstack-recordings", str(suite / "recordings"), "--zstack-report", str(tmp_path / "report")]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "CI": ""})
    out = r.stdout.replace(session, SECRET_SESSION)  # the run's own session stands for the secret
    assert r.returncode == 1 and "2 failed" in out, out[-3000:]
    _one_fault_line(out, f"OAuth {FAKE_UUID}")
    _one_fault_line(out, "a body alone")
    report = json.loads((tmp_path / "report" / "zstack-contract.json").read_text())
    assert report["summary"]["exchanges"] >= 2 and {f["check"] for f in report["findings"]} == {"raising-check"}



def test_a_warning_check_that_raises_does_not_let_the_run_pass(tmp_path):
    """Its fault is a violation whatever the check's severity: the check did not judge the exchange."""
    (tmp_path / "raising.py").write_text(RAISING_CHECK.replace('"a check with a fault: it raises")',
                                                               '"a check with a fault: it raises", severity="warning")'))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ReimageVmInstance.sample.json").write_text(
        (ROOT / "contract_tests" / "recordings" / "ReimageVmInstance.page-sample.json").read_text())
    r = subprocess.run([sys.executable, "-m", "zstack_contract.cli", "validate", str(tmp_path / "in"), "--plugin", str(tmp_path / "raising.py"),
                        "--schemas", str(ROOT / "schemas"), "--report", str(tmp_path / "rep")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and "violation: " in r.stdout and "[raising-check]" in r.stdout, r.stdout[-2000:]
    assert json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["summary"]["verdict"] == "fail"
