"""The contracts the package ships (one bundle per ZStack release): ``zstack-contract contracts``
(list, export), the bundle format, and how a command and the pytest suite choose their contract
(``--schemas``/``--release``, ``ZSTACK_SCHEMAS``/``ZSTACK_RELEASE``, else the newest release)."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, child_pytest
from zstack_contract.cli import main
from zstack_contract.contract.bundle import FORMAT, Bundle, read_bundle
from zstack_contract.contract.format import DRAFT, SUFFIXES
from zstack_contract.contract.releases import find_release, load_release, shipped_releases
from zstack_contract.errors import InputError

RECORDINGS = "contract_tests/recordings"
NEWEST = "5.3.0"
# The APIs of each shipped release (docs/releases.md).
APIS = {"3.10.40": 435, "4.8.22": 539, "5.1.30": 557, "5.3.0": 561}
NOT_BOTH = "give --schemas DIR or --release NAME, not both"


def cli(capsys, *args) -> tuple[int, str, str]:
    """``zstack-contract ARGS`` in this process (it reads this process' os.environ): (exit code, stdout, stderr)."""
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def report_apis(folder: Path) -> list[str]:
    """The APIs a run's JSON report says it held traffic to (its top-level ``apis``)."""
    return [a["api"] for a in json.loads((folder / "zstack-contract.json").read_text(encoding="utf-8"))["apis"]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The newest release, as ``contracts export`` writes it (once per module and worker)."""
    out = tmp_path_factory.mktemp("export") / NEWEST
    with contextlib.redirect_stdout(io.StringIO()) as said:
        assert main(["contracts", "export", NEWEST, "--out", str(out)]) == 0
    assert said.getvalue() == (f"1683 schema files of 561 APIs of ZStack {NEWEST} "
                               f"(commit {load_release(NEWEST).commit}) written to {out}\n")
    return out


# -- listing ------------------------------------------------------------------------------------


def test_contracts_json_lists_the_releases_oldest_first(capsys):
    rc, out, err = cli(capsys, "contracts", "--json")
    assert (rc, err) == (0, "")
    rows = json.loads(out)
    assert len(rows) >= 3
    assert [r["release"] for r in rows] == [r.name for r in shipped_releases()]
    assert {r["release"]: r["apis"] for r in rows} == APIS
    for r in rows:
        assert set(r) == {"release", "commit", "apis"}
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"]), r
        assert r["apis"] > 400
    # the commits and counts docs/releases.md records for the releases
    table = re.findall(r"^\| ([\d.]+) \| `([0-9a-f]{40})` \| \d+ \| (\d+) \|", (ROOT / "docs" / "releases.md").read_text(), re.M)
    assert [(r["release"], r["commit"], str(r["apis"])) for r in rows] == table
    versions = [tuple(int(p) for p in r["release"].split(".")) for r in rows]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)  # oldest first, each once
    assert rows[-1]["release"] == NEWEST == find_release().name


def test_contracts_plain_listing_marks_the_newest_as_default(capsys):
    rc, out, err = cli(capsys, "contracts")
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["| release | commit | APIs |", "| --- | --- | ---: |"]
    rows = [line.strip("|").split(" | ") for line in lines[2:]]
    assert [r[0].strip() for r in rows] == ["3.10.40", "4.8.22", "5.1.30", "5.3.0 (default)"]
    assert [line for line in lines if "(default)" in line] == [lines[-1]]
    assert [int(r[2].strip()) for r in rows] == list(APIS.values())


def test_contracts_list_takes_no_release_or_out(capsys):
    rc, out, err = cli(capsys, "contracts", "list", "5.3.0")
    assert (rc, out) == (2, "")
    assert err == "zstack-contract: error: contracts: RELEASE and --out go with export (zstack-contract contracts export RELEASE --out DIR)\n"


# -- export -------------------------------------------------------------------------------------


def test_export_writes_exactly_the_bundles_files(exported):
    files = read_bundle(find_release(NEWEST).file).files()  # what the bundle's schema files are
    written = {p.name: p.read_bytes() for p in exported.iterdir()}
    assert sorted(written) == sorted(files)
    assert len(files) == 3 * APIS[NEWEST]
    for name, data in files.items():
        assert written[name] == data, name
    assert {"ReimageVmInstance" + s for s in SUFFIXES.values()} <= set(written)


def test_exported_request_and_response_files_are_draft_2020_12_schemas(exported):
    names = sorted(p.name for p in exported.iterdir())
    sample = names[::60] + ["ReimageVmInstance.request.json", "ReimageVmInstance.response.json",
                            "ReimageVmInstance.response.strict.json"]
    for suffix in SUFFIXES.values():
        assert any(n.endswith(suffix) for n in sample), suffix  # the sample holds every kind of file
    for name in sample:
        schema = json.loads((exported / name).read_bytes())
        assert schema["$schema"] == DRAFT, name
        jsonschema.Draft202012Validator.check_schema(schema)  # raises SchemaError when it is not


def test_export_of_an_unknown_release_names_the_known_ones(capsys, tmp_path):
    rc, out, err = cli(capsys, "contracts", "export", "9.9.9", "--out", tmp_path / "x")
    assert (rc, out) == (2, "")
    assert err == ("zstack-contract: error: release 9.9.9: no contract of that release is shipped; "
                   "releases: 3.10.40, 4.8.22, 5.1.30, 5.3.0\n")
    assert not (tmp_path / "x").exists()


def test_export_needs_out(capsys):
    rc, out, err = cli(capsys, "contracts", "export", NEWEST)
    assert (rc, out) == (2, "")
    assert err == "zstack-contract: error: contracts export needs a RELEASE and --out DIR\n"


# -- the bundle format --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict[str, bytes]:
    """Schema files derived from two of the project's doc source trees (StopVmInstance, CreateAccount)."""
    out = tmp_path_factory.mktemp("derived")
    here = os.getcwd()
    os.chdir(ROOT)  # the annotations name the doc sources relative to the working directory
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["derive", "--source", "tests/doc_sources/stop", "--source", "tests/doc_sources/account",
                         "--out", str(out), "-q"]) == 0
    finally:
        os.chdir(here)
    return {p.name: p.read_bytes() for p in out.iterdir()}


def bundle_of(files: dict[str, bytes]) -> Bundle:
    """A bundle of schema files, each API's request, response and strict schema as the regeneration
    script keeps them."""
    apis: dict[str, dict] = {}
    for name, data in files.items():
        variant = next(v for v in ("strict", "response", "request") if name.endswith(SUFFIXES[v]))
        apis.setdefault(name[: -len(SUFFIXES[variant])], {})[variant] = json.loads(data)
    return Bundle("0.0.1", "0" * 40, "https://github.com/zstackio/zstack", "0.0.1", 9, apis)


def test_a_bundle_reads_back_as_the_files_it_was_made_of(derived, tmp_path):
    assert sorted(derived) == sorted(api + s for api in ("CreateAccount", "StopVmInstance") for s in SUFFIXES.values())
    bundle = bundle_of(derived)
    assert bundle.files() == derived
    data = bundle.to_bytes()
    assert data == bundle_of(derived).to_bytes()  # deterministic: no time stamp, a stable order
    assert gzip.decompress(data)[:40].startswith(b'{"format":"' + FORMAT.encode())
    (tmp_path / "b.json.gz").write_bytes(data)
    back = read_bundle(tmp_path / "b.json.gz")
    assert (back.release, back.commit, back.doc_files, back.skipped) == ("0.0.1", "0" * 40, 9, [])
    files = back.files()
    assert sorted(files) == sorted(derived)
    for name in derived:
        assert files[name] == derived[name], name
    assert back.to_bytes() == data


def test_tables_shared_by_two_apis_are_one_object_after_reading(derived, tmp_path):
    stop = json.loads(derived["StopVmInstance.response.json"])["$defs"]["error"]
    account = json.loads(derived["CreateAccount.response.json"])["$defs"]["error"]
    assert stop == account  # both answers' error is the one ErrorCode table
    (tmp_path / "b.json.gz").write_bytes(bundle_of(derived).to_bytes())
    apis = read_bundle(tmp_path / "b.json.gz").apis
    assert apis["StopVmInstance"]["response"]["$defs"]["error"] is apis["CreateAccount"]["response"]["$defs"]["error"]
    assert apis["StopVmInstance"]["strict"]["$defs"]["error"] is apis["CreateAccount"]["strict"]["$defs"]["error"]
    # tables that differ stay apart: the strict error table forbids other fields, the other does not
    assert apis["StopVmInstance"]["strict"]["$defs"]["error"]["additionalProperties"] is False
    assert "additionalProperties" not in apis["StopVmInstance"]["response"]["$defs"]["error"]
    assert apis["StopVmInstance"]["response"]["$defs"]["inventory"] is not apis["CreateAccount"]["response"]["$defs"]["inventory"]
    doc = json.loads(gzip.decompress((tmp_path / "b.json.gz").read_bytes()))
    numbers = {api: s["response"]["$defs"]["error"] for api, s in doc["apis"].items()}
    assert numbers["StopVmInstance"] == numbers["CreateAccount"]  # written once, referred to by number
    assert isinstance(numbers["StopVmInstance"], int)


def test_a_shipped_bundle_is_written_again_byte_for_byte():
    release_file = find_release("3.10.40").file
    bundle = read_bundle(release_file)
    assert len(bundle.apis) == APIS["3.10.40"]
    assert bundle.to_bytes() == release_file.read_bytes()


@pytest.mark.parametrize("data, message", [
    (bytes(range(256)), r"(cannot read|not a) contract bundle.*: Not a gzipped file"),
    (gzip.compress(b'{"release": "5.3.0", "apis": {}}'), re.escape(f"not a contract bundle of format {FORMAT}")),
    (gzip.compress(b"[1, 2"), r"not a contract bundle \(gzip-compressed JSON\): "),
    (gzip.compress(json.dumps({"format": FORMAT, "tables": []}).encode()), r"a contract bundle with a part missing or malformed \(KeyError: 'apis'\)"),
    (gzip.compress(json.dumps({"format": FORMAT, "release": "x", "commit": "c", "source": "s", "ref": "r", "docFiles": 1,
                               "tables": [], "apis": {"A": {"response": {"$defs": {"t": 3}}}}}).encode()),
     r"a contract bundle with a part missing or malformed \(IndexError"),
], ids=["random-bytes", "json-without-format", "not-json", "no-apis", "table-out-of-range"])
def test_a_file_that_is_not_a_bundle_is_an_input_error_naming_it(tmp_path, data, message):
    f = tmp_path / "contract.json.gz"
    f.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_bundle(f)
    assert info.value.path == str(f)
    assert re.match(re.escape(f"{f}: ") + message, str(info.value)), str(info.value)
    assert "\n" not in str(info.value)


def test_a_truncated_bundle_is_an_input_error(tmp_path):
    f = tmp_path / "cut.json.gz"
    f.write_bytes(find_release("3.10.40").file.read_bytes()[:5000])
    with pytest.raises(InputError, match="^" + re.escape(f"{f}: not a contract bundle (gzip-compressed JSON): Compressed file ended")):
        read_bundle(f)


# -- choosing the contract: validate ------------------------------------------------------------


def test_validate_release_holds_traffic_to_that_release(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    monkeypatch.delenv("ZSTACK_RELEASE", raising=False)
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--release", "3.10.40", "--report", tmp_path, "-j", "1", "-q")
    assert (rc, err) == (0, ""), out
    assert "-> PASS" in out
    apis = report_apis(tmp_path)
    assert len(apis) == APIS["3.10.40"] == len(set(apis))
    assert apis == sorted(load_release("3.10.40").apis)
    assert "ReimageVmInstance" in apis


def test_validate_schemas_and_release_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--schemas", "schemas", "--release", NEWEST, "--report", tmp_path, "-j", "1")
    assert (rc, out) == (2, "")
    assert err == f"zstack-contract: error: --release: {NOT_BOTH}\n"
    assert not (tmp_path / "zstack-contract.json").exists()


def test_validate_takes_the_release_from_the_environment(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    monkeypatch.setenv("ZSTACK_RELEASE", "4.8.22")
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--report", tmp_path, "-j", "1", "-q")
    assert (rc, err) == (0, ""), out
    assert len(report_apis(tmp_path)) == APIS["4.8.22"]


def test_validate_with_both_variables_in_the_environment_is_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ZSTACK_SCHEMAS", "schemas")
    monkeypatch.setenv("ZSTACK_RELEASE", NEWEST)
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--report", tmp_path, "-j", "1")
    assert (rc, out) == (2, "")
    assert err == "zstack-contract: error: --release: give ZSTACK_SCHEMAS or ZSTACK_RELEASE, not both\n"


def test_release_on_the_command_line_wins_over_schemas_in_the_environment(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ZSTACK_SCHEMAS", str(ROOT / "schemas"))
    monkeypatch.delenv("ZSTACK_RELEASE", raising=False)
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--report", tmp_path / "env", "-j", "1", "-q")
    assert (rc, err) == (0, "")
    assert report_apis(tmp_path / "env") == ["ReimageVmInstance"]  # the environment's folder, without an option
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--release", "3.10.40", "--report", tmp_path / "cli", "-j", "1", "-q")
    assert (rc, err) == (0, "")
    assert len(report_apis(tmp_path / "cli")) == APIS["3.10.40"]


def test_validate_without_a_choice_uses_the_newest_release(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    monkeypatch.delenv("ZSTACK_RELEASE", raising=False)
    rc, out, err = cli(capsys, "validate", RECORDINGS, "--report", tmp_path, "-j", "1", "-q")
    assert (rc, err) == (0, "")
    assert len(report_apis(tmp_path)) == APIS[NEWEST]


# -- choosing the contract: openapi -------------------------------------------------------------


def test_openapi_of_a_release_needs_its_exported_files(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, out, err = cli(capsys, "openapi", "--release", NEWEST, "--schemas", empty)
    assert (rc, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 3 * APIS[NEWEST]  # one line per missing file
    again = f"run: zstack-contract contracts export {NEWEST} --out {empty}"
    assert f"{empty / 'ReimageVmInstance.request.json'}: missing; {again}" in lines
    assert all(line.endswith(f": missing; {again}") for line in lines)
    assert list(empty.iterdir()) == []


def test_openapi_of_an_exported_release(capsys, monkeypatch, tmp_path, exported):
    monkeypatch.delenv("ZSTACK_SCHEMAS", raising=False)
    doc_file = tmp_path / "doc" / "openapi.json"
    rc, out, err = cli(capsys, "openapi", "--release", NEWEST, "--schemas", exported, "--out", doc_file)
    assert (rc, out, err) == (0, f"{doc_file}\n", "")
    doc = json.loads(doc_file.read_text(encoding="utf-8"))
    operations = {(path, method): op for path, methods in doc["paths"].items() for method, op in methods.items()}
    ids = [op["operationId"] for op in operations.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    assert doc["paths"]["/v1/vm-instances"]["get"]["operationId"] == "QueryVmInstance"
    # ReimageVmInstance shares its path with the VM's other actions: one operation of them all, which
    # has no operationId (no one API's), names each API in x-zstack and offers each request body.
    reimage = [(where, op) for where, op in operations.items() if "ReimageVmInstance" in [a["api"] for a in op.get("x-zstack", ())]]
    assert [where for where, _ in reimage] == [("/v1/vm-instances/{vmInstanceUuid}/actions", "put")]
    op = reimage[0][1]
    assert "operationId" not in op and "ReimageVmInstance" not in ids
    assert {"api": "ReimageVmInstance", "actionKey": "reimageVmInstance",
            "page": "header/src/main/java/org/zstack/header/vm/APIReimageVmInstanceMsgDoc_zh_cn.groovy"} in op["x-zstack"]
    refs = [r["$ref"] for r in op["requestBody"]["content"]["application/json"]["schema"]["oneOf"]]
    assert f"../../{exported.parent.name}/{NEWEST}/ReimageVmInstance.request.json" in refs
    for ref in refs:  # relative to the document's folder, into the exported files
        assert (doc_file.parent / ref).resolve().is_file(), ref


# -- choosing the contract: the pytest plugin ---------------------------------------------------


def test_pytest_suite_with_a_release(tmp_path):
    # The child inherits ZSTACK_SCHEMAS (set by conftest): --zstack-release on its command line wins.
    assert os.environ.get("ZSTACK_SCHEMAS")
    r = subprocess.run(child_pytest("contract_tests/test_recorded.py", "--zstack-release", "3.10.40",
                                    "--zstack-report", str(tmp_path)), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 passed" in r.stdout
    apis = report_apis(tmp_path)
    assert len(apis) == APIS["3.10.40"] == len(set(apis))


def test_pytest_suite_with_a_missing_schemas_folder_ends_at_its_start(tmp_path):
    """One line and exit 2 before any test, not one identical failure per test; under xdist too
    (the controller's check, before any worker starts)."""
    for workers in ("0", "2"):
        r = subprocess.run(child_pytest("contract_tests", "--zstack-schemas", str(tmp_path / "missing"), "-n", workers,
                                        "--zstack-report", str(tmp_path / "rep")), capture_output=True, text=True, cwd=ROOT, timeout=120)
        out = r.stdout + r.stderr
        assert r.returncode == 2, out
        assert f"zstack-contract: {tmp_path / 'missing'}: schemas folder does not exist" in out and "Traceback" not in out
        assert "failed" not in out and "passed" not in out and "node down" not in out
        assert not (tmp_path / "rep").exists()


def test_pytest_suite_with_schemas_and_release_fails_with_one_line(tmp_path):
    r = subprocess.run(child_pytest("contract_tests/test_recorded.py", "--zstack-schemas", "schemas", "--zstack-release", NEWEST,
                                    "--zstack-report", str(tmp_path / "rep")), capture_output=True, text=True, cwd=ROOT)
    message = "--zstack-release: give --zstack-schemas DIR or --zstack-release NAME, not both"
    # the session ends at its start, unusable input (exit 2), rather than every test failing alike
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr and message in r.stdout + r.stderr
    assert "failed" not in r.stdout and "passed" not in r.stdout
    assert not (tmp_path / "rep").exists()  # no contract, no report
