"""``zstack-contract validate`` and the recorded pytest suite: findings, exit codes, bad input,
drift, coverage, baseline and reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from conftest import ROOT, child_pytest
from mutations import MUTATIONS, server_shaped
from zstack_contract.inputs.records import exchange_schema

RECORDINGS = ROOT / "contract_tests" / "recordings"


def exe(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def validate(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([exe("zstack-contract"), "validate", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def mutated(tmp_path, reimage_page):
    folder = tmp_path / "mutated"
    for m in MUTATIONS:
        write(folder / f"{m.name}.json", m.body(reimage_page.response_sample.value))
    return folder


def test_bundled_recordings_pass(tmp_path):
    r = validate(RECORDINGS, "--report", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 file(s)" in r.stdout and "PASS" in r.stdout


def test_bundled_page_sample_is_the_pages_own(reimage_page):
    assert json.loads((RECORDINGS / "ReimageVmInstance.page-sample.json").read_text()) == reimage_page.response_sample.value


def test_bundled_exchanges_follow_the_exchange_schema():
    v = jsonschema.Draft202012Validator(exchange_schema())
    for f in RECORDINGS.glob("*.exchange.json"):
        assert list(v.iter_errors(json.loads(f.read_text()))) == [], f


def test_every_mutation_fails_via_cli_with_pointer_and_page_line(mutated, tmp_path):
    r = validate(mutated, "--report", tmp_path)
    assert r.returncode == 1, r.stderr
    for m in MUTATIONS:
        lines = [ln for ln in r.stdout.splitlines() if f"{m.name}.json: {m.pointer or '/'}:" in ln]
        assert lines, f"{m.name}: no finding at {m.pointer!r}"
        if m.source_field:
            assert any("docs/api/ReimageVmInstance.txt:" in ln and f" {m.source_field})" in ln or f" {m.source_field};" in ln for ln in lines), lines
    report = json.loads((tmp_path / "zstack-contract.json").read_text())
    assert report["summary"]["exitCode"] == 1 and report["summary"]["files"] == len(MUTATIONS)


def test_every_mutation_fails_via_pytest_and_junit(mutated, tmp_path):
    junit = tmp_path / "junit.xml"
    r = subprocess.run(
        child_pytest("contract_tests/test_recorded.py", "--zstack-recordings", str(mutated), "--zstack-report", str(tmp_path / "rep"), f"--junitxml={junit}"),
        capture_output=True, text=True, cwd=ROOT,
    )
    assert r.returncode == 1
    assert f"{len(MUTATIONS)} failed" in r.stdout
    cases = {c.get("name"): c for c in ElementTree.parse(junit).getroot().iter("testcase")}
    for m in MUTATIONS:
        case = cases[f"test_recording[{m.name}.json]"]
        failure = case.find("failure")
        assert failure is not None
        text = failure.get("message")
        assert f"{m.pointer or '/'}: expected" in text
        if m.source_field:
            assert f"{m.source_field}" in text and "docs/api/ReimageVmInstance.txt:" in text
    assert (tmp_path / "rep" / "zstack-contract.json").exists()  # written although the run failed


def test_pytest_passes_bundled_recordings(tmp_path):
    r = subprocess.run(child_pytest("contract_tests/test_recorded.py", "--zstack-report", str(tmp_path)), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout
    assert "4 passed" in r.stdout
    assert "test_recording[ReimageVmInstance.page-sample.json]" in subprocess.run(
        child_pytest("contract_tests/test_recorded.py", "--collect-only"),
        capture_output=True, text=True, cwd=ROOT).stdout


BAD_INPUTS = {
    "empty.json": (b"", "empty file"),
    "invalid.json": (b'{"inventory": ', "invalid JSON at line 1"),
    "latin1.json": ('{"inventory": {"name": "caf\xe9"}}'.encode("latin-1"), "not UTF-8"),
    "array.json": (b"[1, 2]", "must be a JSON object, found an array"),
    "string.json": (b'"hello"', "found a string"),
    "deep.json": (b"[" * 10000 + b"]" * 10000, "nested"),
    "nan.json": (b'{"inventory": {"cpuNum": NaN}}', "NaN is not valid JSON"),
    "infinity.json": (b'{"inventory": {"memorySize": -Infinity}}', "-Infinity is not valid JSON"),
    "dupes.json": (b'{"inventory": {"uuid": "a", "uuid": "b"}}', "duplicate key 'uuid'"),
    "nostatus.json": (json.dumps({"format": "zstack-contract.exchange/1", "steps": [{"request": {"method": "GET", "url": "/v1/api-jobs/x"}, "response": {"body": {}}}]}).encode(), "steps[0].response: 'status' is a required property"),
}


def test_bad_inputs_one_line_each_and_the_run_goes_on(tmp_path, reimage_page):
    folder = tmp_path / "in"
    for name, (data, _) in BAD_INPUTS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    big = folder / "big.json"
    with big.open("wb") as fh:  # 50 MB of valid JSON
        fh.write(b'{"inventory": {"name": "')
        fh.write(b"x" * 50_000_000)
        fh.write(b'"}}')
    (tmp_path / "nojson").mkdir()
    (tmp_path / "nojson" / "readme.txt").write_text("no recordings here")
    bad = reimage_page.response_sample.value | {"inventory": reimage_page.response_sample.value["inventory"] | {"cpuNum": 1.5}}
    write(folder / "ReimageVmInstance.violating.json", bad)
    r = validate(folder, tmp_path / "nojson", tmp_path / "missing", "--report", tmp_path / "rep")
    assert r.returncode == 1  # the worst outcome: a new violation, before the unusable inputs (exit 2 without it)
    assert "Traceback" not in r.stderr + r.stdout
    err = r.stderr.splitlines()
    assert len(err) == len(BAD_INPUTS) + 3
    for name, (_, words) in BAD_INPUTS.items():
        assert any(f"{name}: " in ln and words in ln for ln in err), (name, err)
    assert any("big.json: file is 50.0 MB" in ln for ln in err)
    assert any("nojson: folder holds no JSON/HAR files" in ln for ln in err)
    assert any("missing: no such file or folder" in ln for ln in err)
    assert "ReimageVmInstance.violating.json: /inventory/cpuNum" in r.stdout  # the rest is still validated
    report = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert report["summary"]["inputErrors"] == len(BAD_INPUTS) + 3 and report["summary"]["violations"] == 1


@pytest.mark.parametrize(
    "args,words",
    [
        (["--api", "NoSuchApi", "RECORDINGS"], "unknown API 'NoSuchApi'"),
        (["--schemas", "/nonexistent", "RECORDINGS"], "schemas folder does not exist"),
        (["--update-baseline", "RECORDINGS"], "--update-baseline needs --baseline FILE"),
        (["--baseline", "/nonexistent/b.json", "RECORDINGS"], "baseline file does not exist"),
        ([], "the following arguments are required"),
    ],
)
def test_usage_errors_exit_2(args, words, tmp_path):
    r = validate(*[str(RECORDINGS) if a == "RECORDINGS" else a for a in args], "--report", tmp_path)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_bare_body_api_resolution(tmp_path, reimage_page):
    other = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", other)
    r = subprocess.run([exe("zstack-contract"), "derive", "tests/pages/LogInByAccount.txt", "--out", str(other)], cwd=ROOT, capture_output=True)
    assert r.returncode == 0
    write(tmp_path / "in" / "sample.json", reimage_page.response_sample.value)
    r = validate(tmp_path / "in", "--schemas", other, "--report", tmp_path)
    assert r.returncode == 2 and "cannot tell which API" in r.stderr  # two APIs known, no hint
    assert validate(tmp_path / "in", "--schemas", other, "--api", "ReimageVmInstance", "--report", tmp_path).returncode == 0
    write(tmp_path / "in2" / "ReimageVmInstance.x.json", reimage_page.response_sample.value)
    assert validate(tmp_path / "in2", "--schemas", other, "--report", tmp_path).returncode == 0  # from the file name
    # --api wins over the file name: held to the session's strict schema, the VM's fields are undocumented
    r = validate(tmp_path / "in2", "--schemas", other, "--api", "LogInByAccount", "--strict", "--report", tmp_path)
    assert r.returncode == 1 and "undocumented field 'rootVolumeUuid'" in r.stdout


def test_drift_counts_files_and_strict_makes_violations(tmp_path, reimage_page):
    shaped = server_shaped(reimage_page.response_sample.value)
    write(tmp_path / "in" / "a.json", shaped)
    write(tmp_path / "in" / "b.json", shaped)
    write(tmp_path / "in" / "c.json", reimage_page.response_sample.value)
    r = validate(tmp_path / "in", "--report", tmp_path / "rep")
    assert r.returncode == 0
    assert "drift (warning): ReimageVmInstance inventory.architecture undocumented, in 2 file(s)" in r.stdout
    assert "drift (warning): ReimageVmInstance inventory.vmNics[].usedIpUuid undocumented, in 3 file(s)" in r.stdout
    drift = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["drift"]
    assert {"api": "ReimageVmInstance", "path": "inventory.vmNics[].driverType", "files": 2, "severity": "warning"} in drift
    r = validate(tmp_path / "in", "--strict", "--report", tmp_path / "rep")
    assert r.returncode == 1
    assert "c.json: /inventory/vmNics/0/usedIpUuid: expected only fields the page documents, found undocumented field 'usedIpUuid' [undocumented-field] (docs/api/ReimageVmInstance.txt:128 #vmNics)" in r.stdout
    assert "drift (violation)" in r.stdout


def test_coverage_lists_documented_fields_never_seen(tmp_path, reimage_page):
    write(tmp_path / "in" / "a.json", reimage_page.response_sample.value)
    r = validate(tmp_path / "in", "--report", tmp_path / "rep")
    cov = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["coverage"]["ReimageVmInstance"]
    assert "inventory.cpuSpeed" in cov["unseen"] and "error.code" in cov["unseen"] and "inventory.uuid" not in cov["unseen"]
    assert cov["documented"] == 74 and cov["seen"] == 49 and cov["percent"] == 66.2
    assert "coverage: ReimageVmInstance 49/74 documented fields seen (66.2%)" in r.stdout
    write(tmp_path / "in" / "b.json", {"error": {"code": "SYS.1000", "cause": {"code": "X"}}})
    validate(tmp_path / "in", "--report", tmp_path / "rep")
    cov = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["coverage"]["ReimageVmInstance"]
    assert "error.code" not in cov["unseen"] and "error.cause" not in cov["unseen"] and cov["seen"] == 52


def test_baseline_known_new_stale_and_update(tmp_path, reimage_page):
    base = tmp_path / "baseline.json"
    bad = json.loads(json.dumps(reimage_page.response_sample.value))
    bad["inventory"]["cpuNum"] = 1.5
    bad["inventory"]["vmNics"][0]["deviceId"] = "0"
    write(tmp_path / "in" / "a.json", bad)
    r = validate(tmp_path / "in", "--baseline", base, "--update-baseline", "--report", tmp_path)
    assert r.returncode == 0 and "wrote" in r.stdout
    doc = json.loads(base.read_text())
    assert [e["path"] for e in doc["entries"]] == ["/inventory/cpuNum", "/inventory/vmNics/*/deviceId"]
    doc["entries"][0]["reason"] = "node 4.1 renders cpuNum as a float; fixed in 4.2"
    base.write_text(json.dumps(doc))
    r = validate(tmp_path / "in", "--baseline", base, "--report", tmp_path)
    assert r.returncode == 0 and r.stdout.count("known: ") == 2
    # a new break fails; the known ones still do not
    bad["inventory"]["memorySize"] = "big"
    write(tmp_path / "in" / "a.json", bad)
    r = validate(tmp_path / "in", "--baseline", base, "--report", tmp_path)
    assert r.returncode == 1 and "violation: " in r.stdout and "(1 new)" in r.stdout
    # fixed deviations are reported as stale; updating keeps the reason written by hand
    bad["inventory"]["vmNics"][0]["deviceId"] = 0
    write(tmp_path / "in" / "a.json", bad)
    r = validate(tmp_path / "in", "--baseline", base, "--report", tmp_path)
    assert "stale baseline entry: ReimageVmInstance|response-schema|/inventory/vmNics/*/deviceId" in r.stdout
    validate(tmp_path / "in", "--baseline", base, "--update-baseline", "--report", tmp_path)
    entries = {e["path"]: e["reason"] for e in json.loads(base.read_text())["entries"]}
    assert entries == {"/inventory/cpuNum": "node 4.1 renders cpuNum as a float; fixed in 4.2",
                       "/inventory/memorySize": "TODO: say why this deviation is accepted"}


def test_pytest_options_mirror_the_cli(tmp_path, reimage_page):
    write(tmp_path / "in" / "ReimageVmInstance.a.json", server_shaped(reimage_page.response_sample.value))
    cmd = child_pytest("contract_tests/test_recorded.py", "--zstack-recordings", str(tmp_path / "in"), "--zstack-report", str(tmp_path / "rep"))
    assert subprocess.run(cmd, capture_output=True, cwd=ROOT).returncode == 0
    r = subprocess.run(cmd + ["--zstack-strict"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "undocumented field 'architecture'" in r.stdout
    base = tmp_path / "b.json"
    assert validate(tmp_path / "in", "--strict", "--baseline", base, "--update-baseline", "--report", tmp_path).returncode == 0
    assert subprocess.run(cmd + ["--zstack-strict", "--zstack-baseline", str(base)], capture_output=True, cwd=ROOT).returncode == 0
    env = {**__import__("os").environ, "ZSTACK_STRICT": "1"}
    assert subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env).returncode == 1


def test_reports_validate_and_read_well(mutated, tmp_path):
    validate(mutated, RECORDINGS, "--report", tmp_path)
    report = json.loads((tmp_path / "zstack-contract.json").read_text())
    schema = json.loads((ROOT / "src" / "zstack_contract" / "data" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(report)) == []
    md = (tmp_path / "zstack-contract.md").read_text()
    assert md.startswith("# zstack-contract: FAIL")
    assert "### docs/api/ReimageVmInstance.txt:120 cpuNum Integer" in md
    assert "## Drift: undocumented fields" in md and "## Coverage: documented fields seen" in md
    assert "## Violations by page line (" in md and "| where | step | pointer | expected | found | check |" in md
    assert md.index("## Findings by check and API") < md.index("## Violations by page line")
    assert (tmp_path / "zstack-contract.html").read_text().startswith("<!DOCTYPE html>")
    # deterministic: the same run gives the same bytes
    first = (tmp_path / "zstack-contract.json").read_bytes()
    validate(mutated, RECORDINGS, "--report", tmp_path)
    assert (tmp_path / "zstack-contract.json").read_bytes() == first


def test_validate_loads_neither_the_page_parser_nor_other_commands(tmp_path):
    """Start-up counts at every run: validate imports what it uses, and --help still lists every command."""
    code = (
        "import sys\nfrom zstack_contract.cli import main\n"
        f"rc = main(['validate', '-q', '--report', {str(tmp_path / 'rep')!r}, {str(RECORDINGS)!r}])\n"
        "print(rc, sorted(m for m in sys.modules if m.startswith('zstack_contract.') and m.split('.')[-1] in "
        "('derive', 'pageparse', 'overlay', 'openapi', 'serve', 'simulator')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip().splitlines()[-1] in ("0 []", "1 []"), r.stdout + r.stderr
    r = subprocess.run([exe("zstack-contract"), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and all(name in r.stdout for name in ("derive", "validate", "serve", "openapi"))
    r = subprocess.run([exe("zstack-contract"), "derive", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--overlay" in r.stdout


def test_help_says_where_reports_go_by_default():
    r = subprocess.run([exe("zstack-contract"), "validate", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "reports/ in the current directory" in " ".join(r.stdout.split()) and "--junit FILE" in r.stdout


def test_drift_warnings_are_counted_as_printed_and_bodies_said_properly(tmp_path, reimage_page):
    write(tmp_path / "in" / "a.json", server_shaped(reimage_page.response_sample.value))
    r = validate(tmp_path / "in", "--report", tmp_path / "rep")
    drift = [ln for ln in r.stdout.splitlines() if ln.startswith("drift (warning)")]
    assert r.returncode == 0 and drift
    assert f"1 file(s), 1 body: 0 violation(s) (0 new), {len(drift)} warning(s) ({len(drift)} undocumented field path(s), 0 from the checks)" in r.stdout
