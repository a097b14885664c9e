"""Probing: strategies derived from request schemas, the contract per kind, budget and rate,
determinism of the ci profile, and the faults probing must catch with a shrunk body."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import given, settings

from conftest import PAGES, ROOT, child_pytest
from zstack_contract.live.client import Budget, BudgetSpent
from zstack_contract.derive.parser import parse_page
from zstack_contract.derive.schemas import build_request_schema
from zstack_contract.simulator import Simulator
from zstack_contract.probing.strategies import INVALID_KINDS, VALID_KINDS, Probe, RequestParts, probes

PROBE = "contract_tests/test_probe.py"


def request_schema(page, overlay):
    return build_request_schema(page, overlay)


@pytest.fixture(scope="module")
def reimage_request():
    return json.loads((ROOT / "schemas" / "ReimageVmInstance.request.json").read_text())


def collect(strategy, n=400) -> dict[str, list[Probe]]:
    seen: dict[str, list[Probe]] = {}

    @settings(max_examples=n, database=None, derandomize=True)
    @given(strategy)
    def run(p):
        seen.setdefault(p.kind, []).append(p)

    run()
    return seen


def test_every_kind_is_generated_and_labelled_truthfully(reimage_request):
    seen = collect(probes(reimage_request))
    assert set(seen) == set(VALID_KINDS) | set(INVALID_KINDS)
    v = jsonschema.Draft202012Validator(reimage_request)
    for kind, ps in seen.items():
        for p in ps:
            if kind in ("not-json", "empty-body"):
                with pytest.raises(ValueError):
                    json.loads(p.body)
                continue
            assert json.loads(p.body) == p.doc
            assert v.is_valid(p.doc) is (kind in VALID_KINDS), (kind, p.body[:200])


def test_tags_cover_the_shapes_the_protocol_allows():
    from zstack_contract.probing.strategies import tag_list

    lists: list[list[str]] = []

    @settings(max_examples=300, database=None, derandomize=True)
    @given(tag_list)
    def run(tags):
        lists.append(tags)

    run()
    tags = [t for ts in lists for t in ts]
    assert any(t.startswith("ephemeral::") for t in tags)
    assert any(t.count("::") >= 2 for t in tags)  # values with '::' inside
    assert any(len(t) >= 2000 for t in tags)  # long strings
    assert any(any(ord(c) > 127 for c in t) for t in tags)  # Unicode
    assert [] in lists and max(map(len, lists)) >= 20  # empty and many


def test_another_api_gets_its_own_strategies(overlay):
    schema = build_request_schema(parse_page(PAGES / "StopVmInstance.txt"), overlay)
    shape = RequestParts.of(schema)
    assert shape.action_key == "stopVmInstance" and shape.tag_lists == ("systemTags", "userTags")
    seen = collect(probes(schema))
    params = {k for p in seen["valid"] for k in p.doc["stopVmInstance"]}
    assert params == {"type", "stopHA"}
    assert all(isinstance(p.doc["stopVmInstance"].get("stopHA", True), bool) for p in seen["valid"])
    assert all("stopVmInstance" not in p.doc for p in seen["no-action-key"])


def test_budget_counts_and_spaces_requests():
    now = [0.0]
    slept = []
    b = Budget(max_requests=4, rate=10, clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    for _ in range(3):
        b.take()
    with pytest.raises(BudgetSpent):
        b.take()  # the last request is held back for logging out
    b.take(reserve=0)
    assert b.sent == 4 and slept == pytest.approx([0.1, 0.1, 0.1])


def run_probes(url: str, *args: str, env: dict | None = None, tmp=None) -> subprocess.CompletedProcess:
    return subprocess.run(child_pytest(PROBE, "--zstack-url", url, "--zstack-report", str(tmp), "-k", "does_not_exist", *args),
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})


def test_probing_the_simulator_passes_in_the_ci_profile(tmp_path):
    with Simulator(job_delay=0.005) as sim:
        r = run_probes(sim.base_url, env={"CI": "true"}, tmp=tmp_path)
        assert r.returncode == 0, r.stdout[-3000:]
        puts = [q for q in sim.requests if q.method == "PUT" and q.path.endswith("/actions")]
    assert len(puts) >= 50  # the ci profile's examples (all valid, invalid kinds)
    report = json.loads((tmp_path / "zstack-contract.json").read_text())
    assert report["summary"]["newViolations"] == 0 and report["summary"]["knownViolations"] == 5  # visible, baselined


def test_two_runs_send_the_same_bodies_and_report_the_same_findings(tmp_path):
    """Derandomized by default, not only under CI: a gate gives the same verdict twice."""
    bodies, reports = [], []
    with Simulator(job_delay=0.005) as sim:
        for n, args in enumerate([(), ()]):
            sim.clear_requests()
            assert run_probes(sim.base_url, *args, env={"CI": ""}, tmp=tmp_path / str(n)).returncode == 0
            bodies.append([q.body for q in sim.requests if q.method == "PUT" and q.path.endswith("/actions")])
            reports.append((tmp_path / str(n) / "zstack-contract.json").read_bytes())
    assert len(bodies[0]) > 20 and bodies[0] == bodies[1] and reports[0] == reports[1]


BUDGET = """
def test_budget(zstack_live):
    budget = zstack_live.live.client.budget
    print(f"BUDGET={budget.max_requests} {budget.rate}")
"""


def test_the_budget_holds_at_the_server_and_the_rate_is_the_clients(tmp_path):
    """The count at the server; the spacing is the budget's (test_budget_counts_and_spaces_requests,
    on a clock of its own: no test measures the wall clock), with the rate the option gives."""
    with Simulator() as sim:
        r = run_probes(sim.base_url, "--zstack-max-requests", "30", "--zstack-rate", "40", tmp=tmp_path)
        assert r.returncode == 2, r.stdout[-2000:]  # the probes stopped at the budget: the run did not do all its work
        received = sim.requests
        (tmp_path / "test_budget.py").write_text(BUDGET)
        shown = subprocess.run([sys.executable, "-m", "pytest", "test_budget.py", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                "--zstack-url", sim.base_url, "--zstack-max-requests", "30", "--zstack-rate", "40", "--zstack-report", str(tmp_path / "r")],
                               capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False)
    doc = json.loads((tmp_path / "zstack-contract.json").read_text())
    assert doc["summary"]["verdict"] == "incomplete" and doc["notDone"] == [{"where": "the live session", "reason": "the request budget of 30 is spent"}]
    assert len(received) <= 30  # log-in, probes and polls, and the log-out, all within the budget
    assert received[-1].method == "DELETE"  # the session was still logged out
    assert "BUDGET=30 40.0" in shown.stdout, shown.stdout[-2000:]


@pytest.mark.parametrize(
    "fault,check,kind",
    [("accept-bad-tags", "probe-accepted:tags-not-list", "tags-not-list"), ("error-as-text", "status-body", "valid")],
)
def test_probing_catches_faults_with_a_shrunk_body(tmp_path, fault, check, kind):
    with Simulator(faults=(fault,), job_delay=0.005) as sim:
        r = run_probes(sim.base_url, "--zstack-timeout", "2", env={"CI": "1"}, tmp=tmp_path)
    assert r.returncode == 1
    assert f"[{check}]" in r.stdout, r.stdout[-3000:]
    drawn = next(line for line in r.stdout.splitlines() if "Draw 1 (body): " in line).split("Draw 1 (body): ", 1)[1]
    assert drawn.startswith(f"Probe({kind}, ")
    body = eval(drawn[len(f"Probe({kind}, "):-1])  # the repr of the shrunk body text
    doc = json.loads(body)
    assert len(body) < 60 and doc["reimageVmInstance"] == {}  # shrunk: nothing but what breaks it
    if kind == "valid":
        assert doc == {"reimageVmInstance": {}}
    assert "replay (export ZSTACK_SESSION first):" in r.stdout and 'curl -i -X PUT' in r.stdout
    assert '"Authorization: OAuth ${ZSTACK_SESSION}"' in r.stdout
    assert "@reproduce_failure(" in r.stdout  # Hypothesis's replay line
    # the probe, its answers, the curl line and the findings: not the source of prober.py
    assert "prober.py" not in r.stdout and "def send(" not in r.stdout, r.stdout[-5000:]


def test_profiles_apply_however_hypothesis_is_imported(tmp_path):
    """The profiles are set up when hypothesis is imported (its entry point), not when pytest
    starts: a test module importing hypothesis still gets dev, ci under CI, or the one asked for."""
    (tmp_path / "test_count.py").write_text(
        "from hypothesis import given, settings, strategies as st\n"
        "seen = []\n"
        "@given(st.integers())\n"
        "def test_examples(x):\n    seen.append(x)\n"
        "def test_zz_profile():\n    print(f'PROFILE={settings.get_current_profile_name()} EXAMPLES={len(seen)}')\n"
    )

    without_ci = {k: v for k, v in os.environ.items() if k != "CI"}  # hypothesis takes a CI variable, even empty, for CI

    def profile(*args, env=None):
        r = subprocess.run([sys.executable, "-m", "pytest", "test_count.py", "-q", "-s", "-p", "no:cacheprovider", *args],
                           capture_output=True, text=True, cwd=tmp_path, env={**without_ci, **(env or {})})
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout.split("PROFILE=", 1)[1].split()[0:2]

    assert profile() == ["dev", "EXAMPLES=25"]
    assert profile(env={"CI": "true"}) == ["ci", "EXAMPLES=60"]
    assert profile("--hypothesis-profile", "live", env={"CI": "true"}) == ["live", "EXAMPLES=10"]
    from hypothesis import settings as hypothesis_settings

    from zstack_contract.probing import profiles

    profiles.on_import()
    explore = hypothesis_settings.get_profile("explore")  # random: new bodies each run, the failures found before first
    assert (explore.max_examples, explore.derandomize, explore.database is not None) == (100, False, True)
    assert hypothesis_settings.get_profile("dev").derandomize and hypothesis_settings.get_profile("ci").derandomize
