"""``validate --junit FILE``: one test case per input file (failed with its findings, an error
with the reason it is unusable, skipped when no known API answers it), in the common JUnit
shape, the same bytes for the same inputs, written atomically, and one line and exit 2 when
the file cannot be written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

from test_har import har, stopped_entries, unrelated, write_har
from test_hostile_inputs import SAMPLE, cli, write_bytes

BROKEN = dict(SAMPLE, inventory=dict(SAMPLE["inventory"], cpuNum=1.5, memorySize="big"))
LOGIN = {"format": "zstack-contract.exchange/1",
         "steps": [{"request": {"method": "PUT", "url": "http://mn/zstack/v1/accounts/login"}, "response": {"status": 200, "body": {}}}]}


def inputs(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "ReimageVmInstance.good.json").write_text(json.dumps(SAMPLE))
    (folder / "sub" / "ReimageVmInstance.broken.json").write_text(json.dumps(BROKEN))
    (folder / "sub" / "empty.json").write_bytes(b"")
    (folder / "login.json").write_text(json.dumps(LOGIN))
    write_har(folder / "capture.har", har(*stopped_entries(), *unrelated()))  # one exchange checked, the rest of no known API
    write_har(folder / "others.har", har(*unrelated()))  # nothing of a known API
    write_bytes(folder, "ReimageVmInstance.a\x1b<&\".json", json.dumps(BROKEN))
    return folder


def cases(path: Path) -> tuple[ElementTree.Element, dict[str, ElementTree.Element]]:
    root = ElementTree.parse(path).getroot()
    return root, {f"{c.get('classname')}/{c.get('name')}": c for c in root.iter("testcase")}


def test_one_case_per_file_with_its_findings_reason_or_skip(tmp_path):
    folder = inputs(tmp_path / "in")
    junit = tmp_path / "out" / "junit.xml"
    rc, out, err = cli("validate", folder, tmp_path / "missing", "--report", tmp_path / "rep", "--junit", junit)
    assert rc == 1 and str(junit) in out.splitlines()[-1]  # new violations, the worst outcome (unusable inputs too)
    root, by_id = cases(junit)
    assert root.tag == "testsuites" and [s.tag for s in root] == ["testsuite"]
    suite = root[0]
    # the run's verdict, as every report says it (the names pytest's JUnit XML gets from the plugin)
    assert [(p.get("name"), p.get("value")) for p in suite.find("properties")] == [("verdict", "fail"), ("exitCode", "1"), ("contract", "a folder of schema files")]
    f = folder.as_posix()
    assert list(by_id) == [f"{tmp_path.as_posix()}/missing", f"{f}/ReimageVmInstance.a\\x1b<&\".json", f"{f}/ReimageVmInstance.good.json",
                           f"{f}/capture.har", f"{f}/login.json", f"{f}/others.har", f"{f}/sub/ReimageVmInstance.broken.json", f"{f}/sub/empty.json"]
    counts = {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")}
    assert counts == {"tests": "8", "failures": "2", "errors": "2", "skipped": "2", "time": "0"}
    assert {k: root.get(k) for k in counts} == counts
    assert [c.tag for c in by_id[f"{f}/ReimageVmInstance.good.json"]] == [] and [c.tag for c in by_id[f"{f}/capture.har"]] == ["system-out"]
    failure = by_id[f"{f}/sub/ReimageVmInstance.broken.json"].find("failure")
    lines = failure.text.splitlines()
    assert len(lines) == 2 and all(ln.startswith(f"violation: {f}/sub/ReimageVmInstance.broken.json: /inventory/") for ln in lines)
    assert failure.get("message") == lines[0] + " (and 1 more new violation)" and lines[0] in out  # as the console prints it
    assert "\x1b" not in junit.read_text(encoding="utf-8") and "a\\x1b<&\".json: /inventory/" in by_id[f"{f}/ReimageVmInstance.a\\x1b<&\".json"].find("failure").text
    assert by_id[f"{f}/sub/empty.json"].find("error").get("message") == "empty file"
    assert by_id[f"{tmp_path.as_posix()}/missing"].find("error").get("message") == "no such file or folder"
    assert by_id[f"{f}/login.json"].find("skipped").get("message").startswith("no known API answers PUT /v1/accounts/login")
    assert by_id[f"{f}/others.har"].find("skipped").get("message") == "#entries[0]: no known API answers GET /app.js"
    assert by_id[f"{f}/capture.har"].find("system-out").text.splitlines()[0] == "#entries[3]: no known API answers GET /app.js"
    for case in root.iter("testcase"):
        assert case.get("time") == "0" and len([c for c in case if c.tag in ("failure", "error", "skipped")]) <= 1


def test_the_same_inputs_give_the_same_bytes(tmp_path):
    folder = inputs(tmp_path / "in")
    runs = []
    for n in (1, 2):
        cli("validate", folder, "--report", tmp_path / f"rep{n}", "--junit", tmp_path / f"junit{n}.xml", "--jobs", str(n))
        runs.append((tmp_path / f"junit{n}.xml").read_bytes())
    assert runs[0] == runs[1] and b"timestamp" not in runs[0] and b"hostname" not in runs[0]


def test_a_clean_run_passes_every_case(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ReimageVmInstance.good.json").write_text(json.dumps(SAMPLE))
    rc, out, err = cli("validate", folder, "--report", tmp_path / "rep", "--junit", tmp_path / "junit.xml")
    assert rc == 0 and err == ""
    root, by_id = cases(tmp_path / "junit.xml")
    assert root[0].get("tests") == "1" and root[0].get("failures") == "0" and list(by_id) == [f"{folder.as_posix()}/ReimageVmInstance.good.json"]


def test_an_unusable_junit_path_is_one_line_and_exit_2(tmp_path):
    good = tmp_path / "ReimageVmInstance.good.json"
    good.write_text(json.dumps(SAMPLE))
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    for target, words in ((tmp_path / "folder", "it is a folder"), (tmp_path / "file" / "junit.xml", "a part of the path is a file, not a folder")):
        rc, out, err = cli("validate", good, "--report", tmp_path / "rep", "--junit", target)
        assert rc == 2 and err.splitlines() == [f"zstack-contract: error: --junit {target}: cannot write: {words}"], err
        assert "Traceback" not in out + err
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: permissions do not stop a write
            return
        rc, out, err = cli("validate", good, "--report", tmp_path / "rep", "--junit", locked / "junit.xml")
        assert rc == 2 and len(err.splitlines()) == 1 and "--junit" in err and "not written" not in out.splitlines()[-1]
        assert not list(locked.iterdir())  # nothing half-written left behind
    finally:
        os.chmod(locked, 0o700)


def test_a_previous_junit_file_is_removed_when_the_run_starts(tmp_path, monkeypatch):
    junit = tmp_path / "junit.xml"
    junit.write_text("<testsuites/>")
    good = tmp_path / "ReimageVmInstance.good.json"
    good.write_text(json.dumps(SAMPLE))
    from zstack_contract.cli import validate as command

    seen = []
    real = command.validate_files
    monkeypatch.setattr(command, "validate_files", lambda *a, **k: (seen.append(junit.exists()), real(*a, **k))[1])
    assert cli("validate", good, "--report", tmp_path / "rep", "--junit", junit)[0] == 0
    assert seen == [False] and cases(junit)[0][0].get("tests") == "1"


def test_files_of_no_known_api_over_worker_processes_are_those_of_one_process(tmp_path):
    from conftest import ROOT
    from zstack_contract.contract import load_contracts
    from zstack_contract.findings import parallel
    from zstack_contract.findings.validation import Validation
    from zstack_contract.inputs.recordings import iter_files
    from zstack_contract.reporting import junit
    from zstack_contract.reporting.report import build_report

    folder = inputs(tmp_path / "in")
    contracts = load_contracts(ROOT / "schemas")
    runs = []
    for jobs in (1, 2):
        v, files = Validation(contracts), list(iter_files([str(folder)], []))
        parallel.validate_files(v, files, jobs=jobs, chunk=2)
        runs.append((v.unchecked_files, "".join(junit.pieces(build_report(v), files, v.unchecked_files))))
    assert runs[0] == runs[1]
    assert [s.rpartition("/")[2] for s in runs[0][0]] == ["login.json", "others.har#entries[0]"]
