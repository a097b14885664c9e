"""The live contract suite, run as users run it: against the embedded simulator, a separately
started one with each named fault (the self-test), an address where nothing listens, and a
simulator passing for a live node. Also: recording, redaction, options."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

from conftest import HANG, ROOT, child_pytest, free_port
from zstack_contract.checks import REGISTRY
from zstack_contract.facts.ids import password_hash
from zstack_contract.facts.secrets import FAKE_UUID
from zstack_contract.pytest_plugin.junit import api_of, failures
from zstack_contract.simulator import FAULTS, Simulator

LIVE = "contract_tests/test_live.py"
HAND_WRITTEN_API = "ReimageVmInstance"  # the API the tests of contract_tests/test_live.py call (the login's pass any fault)

GENERATED = "contract_tests/test_api.py"
QUERY, REIMAGE = "test_api[QueryVmInstance-query-limit]", "test_api[ReimageVmInstance-unknown-resource]"

# fault -> (a test it must fail, the check that must trip, words naming the field), on every API
EXPECTED = {
    "drop-uuid": (QUERY, "response-schema", "/inventories/0/uuid:"),
    "string-memory": ("test_reimage_designated_vm", "response-schema", "/inventory/memorySize:"),
    "string-long": (QUERY, "response-schema", "/inventories/0/memorySize:"),
    "float-cpu": (QUERY, "response-schema", "/inventories/0/cpuNum:"),
    "iso-dates": (QUERY, "response-schema", "/inventories/0/createDate:"),
    "nic-owner": (QUERY, "owner-uuid", "/inventories/0/vmNics/0/vmInstanceUuid:"),
    "no-root-volume": ("test_reimage_designated_vm", "root-volume", "/inventory/rootVolumeUuid:"),
    "error-as-text": (REIMAGE, "status-body", '{"error": {...}}'),
    "error-200": ("test_reimage_of_a_vm_that_does_not_exist", "status-body", "/error:"),
    "no-location": (REIMAGE, "status-body", "/location:"),
    "never-done": (REIMAGE, "job-polling", "the job to finish"),
    "server-error": (QUERY, "expected-answer", "expected status 200 at the end, found status 500"),
    "accept-bad-tags": ("test_api[ReimageVmInstance-tags-not-list]", "expected-answer", "expected status 500, found status 202"),
    "truncated-json": (QUERY, "status-body", "a JSON body with inventories"),
}
# The APIs whose own tests each fault must fail (and no other). Whatever an answer is, these
# faults break it: every API but the login (the session's APIs stay sound unless named).
ANY_ANSWER = ("error-as-text", "server-error", "truncated-json")
JOB_ANSWER = ("error-200", "no-location", "never-done")  # the APIs that answer with a job
VM_INVENTORY = ("drop-uuid", "string-memory", "string-long", "float-cpu", "iso-dates", "nic-owner", "no-root-volume")
TAGS = ("accept-bad-tags",)  # the APIs with a tags-not-list case


def run_suite(*args: str, env: dict | None = None, tests: str = LIVE, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The contract suite in a child pytest; ``tests`` is never empty, or the child would collect
    this very module and recurse. A child that hangs is killed after ten times conftest.HANG."""
    assert tests.startswith("contract_tests")
    return subprocess.run(child_pytest(tests, *args), capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})},
                          timeout=10 * HANG)


def test_suite_passes_against_the_embedded_simulator_with_no_option(tmp_path):
    r = run_suite("-rs", "--zstack-report", str(tmp_path), tests="contract_tests")
    assert r.returncode == 0, r.stdout[-2000:]
    assert re.search(r"\b\d+ passed\b", r.stdout)
    # nothing skipped but a positive case whose resource the one page cannot find or make (no query of it)
    skips = [line for line in r.stdout.splitlines() if line.startswith("SKIPPED")]
    assert all("no resource for its request" in line for line in skips), skips
    # the terminal summary: target, what was checked, findings, drift, coverage, the reports
    block = r.stdout.split(" zstack-contract ", 1)[1]
    assert "zstack-contract: PASS against the embedded simulator" in block
    assert re.search(r"findings: 0 new, \d+ known \(baseline\)", block) and "drift: " in block and "coverage: " in block
    assert f"reports: {tmp_path / 'zstack-contract.json'}, " in block


def test_every_fault_is_caught_in_the_right_tests_and_checks(tmp_path, api_schemas, record_property):
    """The self-test: the hand-written and the generated suites pass against a clean simulator
    serving thirteen APIs of every kind, and fail against each fault (acting on every API) in the
    tests of the APIs it breaks, naming test, field and check. Scored per fault and API."""
    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.live.cases import select
    from zstack_contract.simulator.apis import api_from_contract

    assert set(EXPECTED) == set(FAULTS) == set(ANY_ANSWER + JOB_ANSWER + VM_INVENTORY + TAGS)
    contracts = load_contracts(api_schemas)
    cases = select(contracts, None, None)
    apis = {c.api for c in cases}
    expected_apis = {
        **{f: apis - {"LogInByAccount"} for f in ANY_ANSWER},
        **{f: {c.api for c in contracts if not api_from_contract(c, contracts.resources).sync and c.api in apis} for f in JOB_ANSWER},
        **{f: {"QueryVmInstance", "ReimageVmInstance"} for f in VM_INVENTORY},
        "drop-uuid": {"QueryVmInstance"},  # the reimage tests find their VM by a query, whose VMs have no uuid then
        **{f: {c.api for c in cases if c.name == "tags-not-list"} - {"LogInByAccount"} for f in TAGS},
    }

    def attempt(fault):
        junit = tmp_path / f"{fault or 'clean'}.xml"
        with Simulator(faults=(fault,) if fault else (), schemas=api_schemas, job_delay=0.01) as sim:
            r = run_suite(GENERATED, "--zstack-url", sim.base_url, "--zstack-schemas", str(api_schemas), "--zstack-timeout", "0.1",
                          f"--junitxml={junit}", "--zstack-report", str(tmp_path / (fault or "clean")))
        return fault, r, failures(junit)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(attempt, [None, *FAULTS]))
    clean = results[0]
    assert clean[1].returncode == 0 and clean[2] == {}, clean[1].stdout[-2000:]
    assert len(apis) >= 12 and {c.response["x-zstack"]["kind"] for c in contracts} >= {"action", "create", "delete", "get", "query"}
    caught, scores, wrong = [], [], {}
    for fault, r, failed in results[1:]:
        test, check, words = EXPECTED[fault]
        message = failed.get(test, "")
        if r.returncode == 1 and f"[{check}]" in message and words in message:
            caught.append(fault)
        hit = {api_of(t, unparametrized=HAND_WRITTEN_API) for t in failed}
        scores.append(f"  {fault}: {len(hit)}/{len(apis)} APIs ({', '.join(sorted(hit))})")
        if hit != expected_apis[fault]:
            wrong[fault] = sorted(hit ^ expected_apis[fault])
    named = {f["check"] for fault in [None, *FAULTS] for f in json.loads((tmp_path / (fault or "clean") / "zstack-contract.json").read_text())["findings"]}
    assert named and named <= {c.name for c in REGISTRY}, named  # every finding names a registered check
    # Shown in the terminal summary of every run, xdist or not (see conftest.py).
    record_property("score", "\n".join([f"self-test: {len(caught)}/{len(FAULTS)} faults caught; missed: "
                                         f"{sorted(set(FAULTS) - set(caught)) or 'none'}", *scores]))
    assert caught == list(FAULTS)
    assert wrong == {}  # fault -> the APIs it should (not) have failed


def test_nothing_listening_fails_fast_with_one_clear_error(tmp_path):
    r = run_suite("--zstack-url", f"http://127.0.0.1:{free_port()}/zstack", "--zstack-account", "admin",
                  "--zstack-password", "x", "--zstack-report", str(tmp_path))
    assert r.returncode == 2
    out = r.stdout + r.stderr
    # once in the failure itself; the short summary repeats it only when the terminal is wide enough
    told = [line for line in out.splitlines() if "cannot reach http://127.0.0.1:" in line and not line.startswith("ERROR ")]
    assert len(told) == 1 and "connection refused" in out
    assert out.count("\nERROR ") == 1  # one test errs, the rest are skipped
    assert "Traceback" not in out and "passed" not in out


def test_a_run_whose_request_budget_ran_out_is_incomplete_in_every_report(tmp_path):
    """Tests that failed for another reason than findings (the budget spent) make the run
    INCOMPLETE, never PASS: the terminal summary, the reports, the JUnit XML and the exit code
    (2) say the same, over pytest-xdist workers too; a job whose polls the budget cut is not judged."""
    for workers in ("0", "2"):
        report, junit = tmp_path / workers, tmp_path / f"junit-{workers}.xml"
        r = run_suite("--zstack-max-requests", "8", "-n", workers, "--zstack-report", str(report), f"--junitxml={junit}",
                      tests="contract_tests")
        assert r.returncode == 2, r.stdout[-3000:]
        block = r.stdout.split(" zstack-contract ", 1)[1]
        assert "zstack-contract: INCOMPLETE against the embedded simulator" in block
        assert "not done: the request budget of 8 is spent (" in block and "findings: 0 new" in block
        doc = json.loads((report / "zstack-contract.json").read_text())
        assert (doc["summary"]["verdict"], doc["summary"]["exitCode"], doc["summary"]["newViolations"]) == ("incomplete", 2, 0)
        assert doc["notDone"] and {n["reason"] for n in doc["notDone"]} == {"the request budget of 8 is spent"}
        assert (report / "zstack-contract.md").read_text().startswith("# zstack-contract: INCOMPLETE\n")
        assert '<h1 class="incomplete">zstack-contract: INCOMPLETE</h1>' in (report / "zstack-contract.html").read_text()
        suite = ElementTree.parse(junit).getroot().find("testsuite/properties")
        assert {p.get("name"): p.get("value") for p in suite if p.get("name") in ("verdict", "exitCode")} == {"verdict": "incomplete", "exitCode": "2"}
        assert failures(junit) and all(m.startswith("Failed: the request budget of 8 is spent") for m in failures(junit).values())


def test_a_live_node_needs_credentials_and_opt_in(tmp_path):
    # passes for a real node; a live node's politeness (10 requests a second) is not what is tested here
    with Simulator(announce=False, job_delay=0.01) as sim:
        r = run_suite("--zstack-url", sim.base_url, "--zstack-report", str(tmp_path))
        assert r.returncode == 2 and "needs --zstack-session, or --zstack-account" in r.stdout + r.stderr
        r = run_suite("--zstack-url", sim.base_url, "-rs", "--zstack-report", str(tmp_path),
                      env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password", "ZSTACK_RATE": "1000"})
        assert r.returncode == 0, r.stdout
        assert "2 skipped" in r.stdout and "pass --zstack-allow-destructive to run it" in r.stdout
        before = {u: vm["lastOpDate"] for u, vm in sim.vms.items()}
        assert {u: vm["lastOpDate"] for u, vm in sim.vms.items()} == before  # nothing was reimaged
        r = run_suite("--zstack-url", sim.base_url, "-rs", "--zstack-allow-destructive", "--zstack-report", str(tmp_path),
                      env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password", "ZSTACK_RATE": "1000"})
        assert "1 skipped" in r.stdout and "pass --zstack-vm UUID" in r.stdout
        vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
        r = run_suite("--zstack-url", sim.base_url, "--zstack-allow-destructive", "--zstack-vm", vm, "--zstack-report", str(tmp_path),
                      env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password", "ZSTACK_RATE": "1000"})
        assert r.returncode == 0 and "7 passed" in r.stdout
        assert sim.vms[vm]["lastOpDate"] != before[vm]


def test_a_given_session_is_used_and_not_logged_out(tmp_path):
    with Simulator(announce=False, job_delay=0.005) as sim:
        session = sim.create_session()
        r = run_suite("--zstack-url", sim.base_url, "-rs", "--zstack-report", str(tmp_path), env={"ZSTACK_SESSION": session})
        assert r.returncode == 0 and "no account given" in r.stdout
        assert not any(q.path.endswith("/accounts/login") or q.method == "DELETE" for q in sim.requests)


def test_no_secret_in_recordings_reports_or_output(tmp_path):
    record, report, junit = tmp_path / "rec", tmp_path / "rep", tmp_path / "junit.xml"
    with Simulator(job_delay=0.005) as sim:
        r = run_suite("--zstack-url", sim.base_url, "--zstack-record", str(record), "--zstack-report", str(report),
                      f"--junitxml={junit}", "-rA", "-v",
                      env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password"})
        assert r.returncode == 0, r.stdout[-2000:]
        sessions = [q.headers.get("Authorization", "")[len("OAuth "):].strip() for q in sim.requests if q.headers.get("Authorization")]
    sessions = {s for s in sessions if s}
    assert sessions  # the run did authenticate
    secrets = sessions | {password_hash("password")}
    texts = {"stdout": r.stdout + r.stderr, "junit": junit.read_text()}
    for f in [*record.glob("*.json"), *report.iterdir()]:
        texts[f.name] = f.read_text()
    leaks = {name: s for name, text in texts.items() for s in secrets if s in text}
    assert leaks == {}
    assert any(f'"Authorization": "OAuth {FAKE_UUID}"' in t for t in texts.values())


def test_recordings_of_a_passing_run_validate(tmp_path):
    record = tmp_path / "rec"
    r = run_suite("--zstack-record", str(record), "--zstack-report", str(tmp_path / "rep"))
    assert r.returncode == 0
    files = sorted(p.name for p in record.glob("*.json"))
    assert "test_reimage_designated_vm.002.json" in files or "test_reimage_designated_vm.001.json" in files
    assert not list(record.glob(".*.tmp"))  # atomic writes leave no temporaries
    v = subprocess.run([str(Path(sys.executable).with_name("zstack-contract")), "validate", str(record), "--report", str(tmp_path / "v")],
                       capture_output=True, text=True, cwd=ROOT)
    assert v.returncode == 0, v.stdout + v.stderr
    assert "skipped: " in v.stdout  # the log-in and the queries: no schema for them here
    doc = json.loads((record / files[0]).read_text())
    assert doc["format"] == "zstack-contract.exchange/1"


def test_options_are_in_help_under_their_own_group():
    r = subprocess.run([sys.executable, "-m", "pytest", "--help"], capture_output=True, text=True, cwd=ROOT)
    section = r.stdout.split("zstack-contract: contract tests of a ZStack REST API:", 1)[1]
    for opt, env in [("--zstack-url", "ZSTACK_URL"), ("--zstack-session", "ZSTACK_SESSION"), ("--zstack-account", "ZSTACK_ACCOUNT"),
                     ("--zstack-password", "ZSTACK_PASSWORD"), ("--zstack-vm", "ZSTACK_VM"), ("--zstack-allow-destructive", "ZSTACK_ALLOW_DESTRUCTIVE"),
                     ("--zstack-timeout", "ZSTACK_TIMEOUT"), ("--zstack-record", "ZSTACK_RECORD"), ("--zstack-recordings", "ZSTACK_RECORDINGS"),
                     ("--zstack-strict", "ZSTACK_STRICT"), ("--zstack-baseline", "ZSTACK_BASELINE")]:
        assert opt in section and f"env {env}" in " ".join(section.split())
    markers = subprocess.run([sys.executable, "-m", "pytest", "--markers"], capture_output=True, text=True, cwd=ROOT).stdout
    assert "@pytest.mark.zstack_destructive" in markers and "@pytest.mark.zstack_live" in markers


def test_xdist_gives_the_same_verdicts_and_report_as_a_serial_run(tmp_path):
    """Recorded and live tests spread over two workers report exactly what a serial run does.
    (Probes are left out: their determinism is test_probing's two_ci_runs test, and their
    shrinking under faults is what would make this slow.)"""
    with Simulator(faults=("float-cpu", "error-200"), job_delay=0.005) as sim:
        common = ("--zstack-url", sim.base_url, "-k", "not probe")
        serial = run_suite(*common, "--zstack-report", str(tmp_path / "s"), tests="contract_tests")
        parallel = run_suite(*common, "--zstack-report", str(tmp_path / "p"), "-n", "2", tests="contract_tests")
    assert serial.returncode == parallel.returncode == 1
    s, p = (json.loads((tmp_path / d / "zstack-contract.json").read_text()) for d in ("s", "p"))
    assert s["summary"]["violations"] > 0
    for report in (s, p):  # how many 202 polls precede the answer depends on timing, serial or not
        for f in report["findings"]:
            f.pop("step")
    assert s == p  # the controller merged every worker's findings, drift and coverage into one report
