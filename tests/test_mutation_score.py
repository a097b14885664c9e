"""The mutation score of ``benchmarks/mutation_score.py``: which APIs a fault reaches
(``simulator.fault_reach``), which failed tests are about which API (the JUnit reader the
self-test shares), what counts as naming the field, and Schemathesis' reports read the same way.
The sweep itself is a benchmark (benchmarks/RESULTS.md, "Mutation score (issue 28)")."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import mutation_score

QUERY_UUID = ("Failed: contract_tests/test_api.py::test_api[QueryVmInstance-query-limit] step 0: /inventories/0/uuid: "
              "expected present (always sent), found absent [response-schema] (tests/pages/zh/QueryVmInstance.txt:47 uuid String)")


def junit(path: Path, cases: dict[str, str | None]) -> Path:
    """A JUnit XML file as pytest writes it: test name -> its failure message (None: passed)."""
    from xml.sax.saxutils import quoteattr

    rows = []
    for name, message in cases.items():
        failure = "" if message is None else f"<failure message={quoteattr(message)}>traceback, then\n{message}</failure>"
        rows.append(f'<testcase classname="contract_tests.x" name={quoteattr(name)} time="0.1">{failure}</testcase>')
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">{"".join(rows)}</testsuite></testsuites>')
    return path


def test_the_score_counts_new_failures_of_reached_apis_that_name_the_field(tmp_path):
    from zstack_contract.pytest_plugin.junit import failures

    apis = {"QueryVmInstance", "ReimageVmInstance", "StopVmInstance", "CreateAccount", "LogInByAccount"}
    clean = failures(junit(tmp_path / "clean.xml", {
        "test_api[CreateAccount-missing-mandatory]": "Failed: ... step 0: /: expected status 503 at the end, found status 500 [expected-answer]",
        "test_api[QueryVmInstance-query-limit]": None,
    }))
    faulty = failures(junit(tmp_path / "drop-uuid.xml", {
        "test_api[QueryVmInstance-query-limit]": QUERY_UUID,
        "test_api[QueryVmInstance-success]": None,  # a positive case, once the suite has them
        # a hand-written test of contract_tests/test_live.py: the reimage's
        "test_reimage_designated_vm": "Failed: contract_tests/test_live.py::test_reimage_designated_vm step 1: /inventory/uuid: "
                                      "expected present (always sent), found absent [response-schema]",
        # fails, but on another field: failing, not caught
        "test_probe_the_designated_resource_with_valid_bodies[StopVmInstance]":
            "AssertionError: probe valid broke the contract:\n  ... step 1: /inventory/state: expected one of Running, found 'x' [response-schema]",
        # failed without the fault too: counts for nothing
        "test_api[CreateAccount-missing-mandatory]": "Failed: ... step 0: /: expected status 503 at the end, found status 500 [expected-answer]",
        # an API the fault does not reach, a test parametrized by no API
        "test_api[LogInByAccount-missing-mandatory]": QUERY_UUID.replace("QueryVmInstance", "LogInByAccount"),
        "test_scenario[VmFamily]": QUERY_UUID,
    }))
    reached = {"QueryVmInstance", "ReimageVmInstance", "StopVmInstance", "CreateAccount"}
    s = mutation_score.score("drop-uuid", reached, clean, faulty, apis)
    assert (s.caught, s.failing) == ({"QueryVmInstance", "ReimageVmInstance"}, {"QueryVmInstance", "ReimageVmInstance", "StopVmInstance"})
    assert mutation_score.row(s).startswith("| `drop-uuid` | 4 | 2/4 (50%) | 3/4 (75%) | - |")
    # the failure text is read after the message: a finding only the element's text holds counts
    assert mutation_score.score("drop-uuid", reached, {}, {"test_api[QueryVmInstance-x]": "Failed: cut short\n" + QUERY_UUID}, apis).caught == {"QueryVmInstance"}


@pytest.mark.parametrize("fault, text, named", [
    ("nic-owner", "x step 0: /inventories/0/vmNics/0/vmInstanceUuid: expected the VM's uuid [owner-uuid]", True),
    ("nic-owner", "x step 0: /inventories/0/uuid: expected present [response-schema]", False),
    ("iso-dates", "x step 0: /inventory/createDate: expected a JVM date [response-schema]", True),
    ("iso-dates", "x step 0: /: expected status 200, found status 500 [expected-answer]", False),
    ("server-error", "x step 0: /: expected status 200 at the end, found status 500 [expected-answer]", True),
    ("never-done", "Failed: the request budget of 8 is spent", False),
])
def test_naming_the_field(fault, text, named):
    assert mutation_score.names_field(fault, text) is named


def test_the_apis_a_fault_reaches_on_the_test_pages(api_schemas):
    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.simulator import FAULTS
    from zstack_contract.simulator.apis import api_from_contract
    from zstack_contract.simulator.fault_reach import reaches

    contracts = load_contracts(api_schemas)
    apis = [api_from_contract(c, contracts.resources) for c in contracts]
    reached = {fault: {a.name for a in apis if reaches(fault, a)} for fault in FAULTS}
    every = {a.name for a in apis} - {"LogInByAccount"}  # the session's own APIs stay sound
    assert reached["server-error"] == reached["truncated-json"] == reached["error-as-text"] == every
    assert reached["never-done"] == {a.name for a in apis if not a.sync and a.authorized} and "QueryVmInstance" not in reached["never-done"]
    assert {"QueryVmInstance", "ReimageVmInstance", "StopVmInstance", "CreateVmInstance"} <= reached["drop-uuid"]
    assert "DeleteVmHostname" not in reached["drop-uuid"]  # its success answer is empty
    assert {"QueryVmInstance", "ReimageVmInstance"} <= reached["nic-owner"] and "CreateAccount" not in reached["nic-owner"]
    assert "CreateAccount" in reached["iso-dates"] and "GetVmBootOrder" not in reached["iso-dates"]
    assert "CreateVmInstance" in reached["accept-bad-tags"] and "QueryVmInstance" not in reached["accept-bad-tags"]
    with pytest.raises(ValueError, match="no-such-fault"):
        reaches("no-such-fault", apis[0])


def test_schemathesis_failures_name_the_apis_of_their_operation(tmp_path, api_schemas):
    from zstack_contract.contract.loading import load_contracts

    operations = mutation_score.st_operations(load_contracts(api_schemas))
    assert operations["GET /v1/vm-instances"] == {"QueryVmInstance"}
    report = junit(tmp_path / "st.xml", {
        "GET /v1/vm-instances": "ST108",
        "PUT /v1/vm-instances/{uuid}/actions": None,
        "Stateful tests": "Response violates schema\n  PUT /v1/accounts/login -> POST /v1/accounts",
    })
    assert mutation_score.st_failures(report, operations) == {"QueryVmInstance", "LogInByAccount", "CreateAccount"}


def test_the_sweep_of_one_fault_on_the_query_of_the_test_pages(tmp_path, api_schemas, capsys):
    """The whole way, once: a simulator with no fault and one with ``drop-uuid`` (``serve``), the
    user suite against each (``--zstack-api`` choosing the query), the JUnit files scored."""
    from zstack_contract.pytest_plugin.junit import failures

    [s] = mutation_score.main(["--schemas", str(api_schemas), "--faults", "drop-uuid", "--apis", "QueryVmInstance", "--workers", "0",
                               "--work", str(tmp_path)])
    assert failures(tmp_path / "clean.xml") == {}
    assert (s.reached, s.failing, s.caught) == ({"QueryVmInstance"}, {"QueryVmInstance"}, {"QueryVmInstance"})
    assert "| `drop-uuid` | 1 | 1/1 (100%) | 1/1 (100%) | - |" in capsys.readouterr().out


def test_a_schemathesis_run_cut_off_has_no_score_rather_than_none_caught(tmp_path):
    (tmp_path / "st.xml").write_text("")  # what a run killed by its time box leaves
    assert mutation_score.st_failures(tmp_path / "st.xml", {}) is None
    assert mutation_score.st_failures(tmp_path / "missing.xml", {}) is None
    unrun = mutation_score.Score("drop-uuid", {"QueryVmInstance"}, failing=None, caught=None)
    assert mutation_score.row(unrun).startswith("| `drop-uuid` | 1 | - | - | - |")


def test_a_schemathesis_crash_names_no_api(tmp_path, api_schemas):
    from zstack_contract.contract.loading import load_contracts

    (tmp_path / "st.xml").write_text('<testsuites><testsuite name="schemathesis"><testcase name="GET /v1/vm-instances">'
                                     '<error type="error">Runtime Error: KeyError drawing a body</error></testcase></testsuite></testsuites>')
    assert mutation_score.st_failures(tmp_path / "st.xml", mutation_score.st_operations(load_contracts(api_schemas))) == set()
