"""``zstack-contract diff``: pairs of page folders that differ by one change of each kind (a page of
tests/pages copied and one line edited), schema folders for what no page can say, the shipped
releases, --fail-on, --levels, and the outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from zstack_contract.cli import main
from zstack_contract.contract.releases import load_release, shipped_releases
from zstack_contract.diff.kinds import KINDS, SEVERITIES

PAGES = Path(__file__).resolve().parent / "pages"
SOURCES = Path(__file__).resolve().parent / "doc_sources"
STOP, BOOT = "StopVmInstance.txt", "GetVmBootOrder.txt"
OPTIONAL_FORCE = "| force | boolean | body (contained in the stopVmInstance structure) | Optional. Force it. | | 3.0 |\n"
REQUIRED_FORCE = "| force | boolean | body (contained in the stopVmInstance structure) | Force it. | | 3.0 |\n"
USER_TAGS = "| userTags | List | body | Optional. The user tags. | 0.6 |\n"
SYSTEM_TAGS = "| systemTags | List | body | Optional. The system tags. | 0.6 | |"
NAME = "| name | String | The resource name. | 0.6 |\n"
URL = "PUT zstack/v1/vm-instances/{uuid}/actionsHeaders"
STOP_HA = "| stopHA | boolean |"

# (case, page, edits of the old side, edits of the new side, the kinds from old to new, the kinds from new to old)
CASES = [
    ("endpoint path", STOP, [], [(URL, URL.replace("vm-instances", "vms"))], {"endpoint-path-changed"}, {"endpoint-path-changed"}),
    ("endpoint method", STOP, [], [(URL, "POST" + URL[3:])], {"endpoint-method-changed"}, {"endpoint-method-changed"}),
    ("endpoint added", STOP, [], [(URL, "PUT zstack/v1/vms/{uuid}/actions\n" + URL)], {"endpoint-added"}, {"endpoint-removed"}),
    ("session", STOP, [], [("Authorization: OAuth the-session-uuidBody", "Body")],
     {"became-sync", "session-not-required"}, {"became-job", "session-required"}),
    ("sync to job", BOOT, [], [("GET zstack", "PUT zstack")], {"endpoint-method-changed", "became-job"}, {"endpoint-method-changed", "became-sync"}),
    ("optional parameter", STOP, [], [(USER_TAGS, USER_TAGS + OPTIONAL_FORCE)], {"request-param-added"}, {"request-param-removed"}),
    ("required parameter", STOP, [], [(USER_TAGS, USER_TAGS + REQUIRED_FORCE)], {"request-param-added-required"}, {"request-param-removed"}),
    ("made required", STOP, [], [(SYSTEM_TAGS, SYSTEM_TAGS.replace("Optional. ", ""))], {"request-param-required"}, {"request-param-optional"}),
    ("moved", STOP, [], [(SYSTEM_TAGS, SYSTEM_TAGS.replace("| body |", "| query |"))], {"request-param-moved"}, {"request-param-moved"}),
    ("request type", STOP, [], [(SYSTEM_TAGS, SYSTEM_TAGS.replace("List", "String"))], {"request-type-changed"}, {"request-type-changed"}),
    ("request values", STOP, [], [("| grace\ncold |", "| grace\ncold\nwarm |")], {"request-values-added"}, {"request-values-removed"}),
    ("request integer", STOP, [(STOP_HA, "| stopHA | Integer |")], [(STOP_HA, "| stopHA | Long |")],
     {"request-int-widened"}, {"request-int-narrowed"}),
    ("response field", STOP, [], [(NAME, NAME + "| hostUuid | String | The host. | 0.6 |\n")], {"response-field-added"}, {"response-field-removed"}),
    ("response type", STOP, [], [(NAME, NAME.replace("String", "boolean"))], {"response-type-changed"}, {"response-type-changed"}),
    ("response table", STOP, [], [("See vmNics.", "See nics."), ("#vmNics", "#nics")], {"response-table-changed"}, {"response-table-changed"}),
    ("response integer", STOP, [], [("| cpuNum | Integer |", "| cpuNum | Long |")], {"response-int-widened"}, {"response-int-narrowed"}),
]


def edited(folder: Path, page: str, edits: list[tuple[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (PAGES / page).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (folder / page).write_text(text, encoding="utf-8")
    return folder


def diff(tmp_path: Path, old: str | Path, new: str | Path, *options: str) -> tuple[int, dict]:
    out = tmp_path / f"diff-{len(list(tmp_path.glob('diff-*.json')))}.json"
    code = main(["diff", str(old), str(new), "--json", str(out), *options])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def expected_code(kinds: set[str]) -> int:
    return 1 if any(KINDS[k].severity == "breaking" for k in kinds) else 0


@pytest.mark.parametrize(("case", "page", "old_edits", "new_edits", "forward", "backward"), CASES, ids=[c[0] for c in CASES])
def test_one_change_of_each_kind_between_page_folders(tmp_path, case, page, old_edits, new_edits, forward, backward):
    old = edited(tmp_path / "old", page, old_edits)
    new = edited(tmp_path / "new", page, new_edits)
    for a, b, kinds in ((old, new, forward), (new, old, backward)):
        code, doc = diff(tmp_path, a, b, "--fail-on", "breaking")
        assert {c["kind"] for c in doc["changes"]} == kinds
        assert len(doc["changes"]) == len(kinds)
        for c in doc["changes"]:
            assert c["severity"] == KINDS[c["kind"]].severity
            assert c["api"] == page[:-4]
        assert code == expected_code(kinds) == doc["summary"]["exitCode"]


def test_the_page_cases_and_the_schema_cases_cover_every_kind():
    covered = {k for c in CASES for k in c[4] | c[5]} | {"api-added", "api-removed"} | set(SCHEMA_CASES) | {c[2] for c in SCHEMA_CASES.values()}
    assert covered == set(KINDS)


def test_an_api_added_and_removed(tmp_path):
    old = edited(tmp_path / "old", STOP, [])
    new = edited(tmp_path / "new", STOP, [])
    shutil.copy(PAGES / BOOT, new / BOOT)
    code, doc = diff(tmp_path, old, new)
    assert [(c["kind"], c["api"], c["severity"]) for c in doc["changes"]] == [("api-added", "GetVmBootOrder", "info")]
    assert code == 0
    code, doc = diff(tmp_path, new, old)
    assert [(c["kind"], c["api"], c["severity"]) for c in doc["changes"]] == [("api-removed", "GetVmBootOrder", "breaking")]
    assert doc["changes"][0]["old"]["value"] == "GET /v1/vm-instances/{uuid}/boot-orders"
    assert code == 1


def derived(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    assert main(["derive", "-q", str(PAGES / STOP), "--out", str(out)]) == 0
    return out


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _action_key(doc):
    doc["x-zstack"]["actionKey"] = "haltVmInstance"


def _state_values(values):
    def change(doc):
        state = doc["$defs"]["inventory"]["properties"]["state"]
        state["enum"] = values
    return change


# kinds no page can show (a page's action key is its API's name; a response's valid values come from
# the overlay): a folder of schema files, its response files edited. kind -> (edit of the old side, of the
# new side, the kind from new to old)
SCHEMA_CASES = {
    "action-key-changed": (None, _action_key, "action-key-changed"),
    "response-values-added": (_state_values(["Running"]), _state_values(["Running", "Stopped"]), "response-values-removed"),
}


@pytest.mark.parametrize("kind", sorted(SCHEMA_CASES))
def test_kinds_of_schema_folders(tmp_path, kind):
    old_edit, new_edit, backward = SCHEMA_CASES[kind]
    old, new = derived(tmp_path, "old"), derived(tmp_path, "new")
    for folder, change in ((old, old_edit), (new, new_edit)):
        if change is not None:
            for file in folder.glob("StopVmInstance.response*.json"):
                edit_json(file, change)
    for a, b, expected in ((old, new, kind), (new, old, backward)):
        code, doc = diff(tmp_path, a, b, "--fail-on", "breaking")
        assert [c["kind"] for c in doc["changes"]] == [expected]
        assert code == expected_code({expected})


@pytest.mark.parametrize("side", [str(PAGES), str(SOURCES / "stop"), "5.3.0"], ids=["pages", "doc sources", "release"])
def test_a_side_against_itself_gives_nothing(tmp_path, side, capsys):
    code, doc = diff(tmp_path, side, side)
    assert code == 0
    assert doc["changes"] == [] and doc["summary"]["changes"] == 0
    assert "0 changes" in capsys.readouterr().out


def test_a_schema_folder_against_itself_and_against_its_pages(tmp_path):
    schemas = derived(tmp_path, "schemas")
    code, doc = diff(tmp_path, schemas, schemas)
    assert (code, doc["changes"]) == (0, [])
    code, doc = diff(tmp_path, schemas, edited(tmp_path / "p", STOP, []))
    assert (code, doc["changes"]) == (0, [])


def test_the_id_does_not_depend_on_lines(tmp_path):
    """The same change, its page lines shifted by a field added above it: the same id, other sources."""
    host = "| hostUuid | String | The host. | 0.6 |\n"
    first = diff(tmp_path, edited(tmp_path / "a", STOP, []), edited(tmp_path / "b", STOP, [(NAME, NAME + host)]))[1]["changes"]
    shifted = [("| uuid | String | The resource UUID. | 0.6 |\n| name |", "| uuid | String | The resource UUID. | 0.6 |\n| zoneUuid | String | z. | 0.6 |\n| name |")]
    second = diff(tmp_path, edited(tmp_path / "c", STOP, shifted), edited(tmp_path / "d", STOP, [*shifted, (NAME, NAME + host)]))[1]["changes"]
    assert len(first) == len(second) == 1
    assert first[0]["id"] == second[0]["id"]
    assert first[0]["new"]["source"] != second[0]["new"]["source"]
    assert first[0]["new"]["source"].endswith("hostUuid String")


def test_fail_on_and_levels(tmp_path, capsys):
    old = edited(tmp_path / "old", STOP, [])
    new = edited(tmp_path / "new", STOP, [(USER_TAGS, ""), (NAME, NAME + "| hostUuid | String | The host. | 0.6 |\n")])
    code, doc = diff(tmp_path, old, new)
    assert sorted((c["kind"], c["severity"]) for c in doc["changes"]) == [("request-param-removed", "warning"), ("response-field-added", "info")]
    assert code == 0
    assert diff(tmp_path, old, new, "--fail-on", "warning")[0] == 1
    assert diff(tmp_path, old, new, "--fail-on", "never")[0] == 0
    removed = next(c for c in doc["changes"] if c["kind"] == "request-param-removed")
    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps({"format": "zstack-contract.diff-levels/1", "kinds": {"request-param-removed": "breaking"}}))
    code, doc = diff(tmp_path, old, new, "--levels", str(levels))
    assert code == 1 and doc["summary"]["breaking"] == 1
    levels.write_text(json.dumps({"format": "zstack-contract.diff-levels/1", "kinds": {"request-param-removed": "breaking"},
                                  "accept": [{"id": removed["id"], "reason": "our SDK never sends userTags"}]}))
    code, doc = diff(tmp_path, old, new, "--levels", str(levels), "--fail-on", "warning")
    assert code == 0
    accepted = next(c for c in doc["changes"] if c["id"] == removed["id"])
    assert (accepted["severity"], accepted["accepted"]) == ("breaking", "our SDK never sends userTags")
    assert doc["summary"]["accepted"] == 1 and doc["summary"]["breaking"] == 0
    levels.write_text(json.dumps({"format": "zstack-contract.diff-levels/1", "kinds": {"response-field-added": "warning"}}))
    assert diff(tmp_path, old, new, "--levels", str(levels), "--fail-on", "warning")[0] == 1
    assert diff(tmp_path, old, new, "--levels", str(levels))[0] == 0


@pytest.mark.parametrize(("content", "words"), [
    ("{", "levels:"),
    ('{"format": "zstack-contract.diff-levels/1", "kinds": {"no-such-kind": "info"}}', "unknown kind 'no-such-kind'"),
    ('{"format": "zstack-contract.diff-levels/1", "kinds": {"api-added": "fatal"}}', "kinds.api-added: 'fatal' is no severity"),
    ('{"format": "zstack-contract.diff-levels/1", "accept": [{"id": "x"}]}', "accept[0]: needs a string id and a reason"),
    ('{"format": "other"}', "not a levels file"),
])
def test_an_unusable_levels_file_is_one_line_and_exit_2(tmp_path, capsys, content, words):
    levels = tmp_path / "levels.json"
    levels.write_text(content)
    assert main(["diff", "5.3.0", "5.3.0", "--levels", str(levels)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and str(levels) in err and "Traceback" not in err


@pytest.mark.parametrize("make", [
    lambda tmp: str(tmp / "nowhere"),
    lambda tmp: "9.9.9",
    lambda tmp: (tmp / "empty").mkdir() or str(tmp / "empty"),
    lambda tmp: (tmp / "file.txt").write_text("x") and str(tmp / "file.txt"),
], ids=["no folder", "no release", "empty folder", "a file"])
def test_an_unusable_side_is_one_line_and_exit_2(tmp_path, capsys, make):
    side = make(tmp_path)
    for args in (["diff", side, "5.3.0"], ["diff", "5.3.0", side]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("zstack-contract: error: ") and "Traceback" not in err


def test_an_unusable_page_of_a_side_is_one_line_the_rest_is_compared_and_exit_2(tmp_path, capsys):
    old = edited(tmp_path / "old", STOP, [])
    new = edited(tmp_path / "new", STOP, [(NAME, "")])
    (new / "Broken.txt").write_text("not a page\n")
    code, doc = diff(tmp_path, old, new)
    assert code == 2
    assert [c["kind"] for c in doc["changes"]] == ["response-field-removed"]
    assert len(doc["unusable"]) == 1 and "Broken.txt" in doc["unusable"][0]
    assert capsys.readouterr().err.count("\n") == 1


def test_the_outputs(tmp_path, capsys):
    old = edited(tmp_path / "old", STOP, [])
    new = edited(tmp_path / "new", STOP, [(NAME, ""), (USER_TAGS, USER_TAGS + OPTIONAL_FORCE)])
    md, junit, js = tmp_path / "d.md", tmp_path / "d.xml", tmp_path / "d.json"
    assert main(["diff", str(old), str(new), "--markdown", str(md), "--junit", str(junit), "--json", str(js)]) == 1
    doc = json.loads(js.read_text())
    schema = json.loads(resources.files("zstack_contract").joinpath("data", "diff.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert [c["severity"] for c in doc["changes"]] == ["breaking", "info"]  # the worst first
    terminal = capsys.readouterr().out.splitlines()
    assert terminal[0].startswith("breaking StopVmInstance: response field removed: response inventory.name")
    assert "--fail-on breaking -> FAIL" in terminal[-1]
    lines = md.read_text().splitlines()
    assert lines[0].startswith("# API changes:")
    assert lines[2].startswith("| verdict | breaking |") and lines[4].startswith("| FAIL (--fail-on breaking) | 1 | 0 | 1 |")
    assert any(doc["changes"][0]["id"] in line for line in lines)
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert {p.get("name"): p.get("value") for p in suite.find("properties")} == {"verdict": "fail", "exitCode": "1"}
    case = suite.find("testcase")
    assert case.get("name") == "StopVmInstance" and "response inventory.name" in case.find("failure").get("message")
    assert main(["diff", str(old), str(new), "--json", "-"]) == 1
    assert json.loads(capsys.readouterr().out) == doc  # the same document, on stdout
    assert main(["diff", str(old), str(new), "--json", str(tmp_path / "again.json")]) == 1
    assert (tmp_path / "again.json").read_bytes() == js.read_bytes()  # deterministic


def test_the_schema_names_every_kind_and_severity():
    schema = json.loads(resources.files("zstack_contract").joinpath("data", "diff.schema.json").read_text())
    change = schema["properties"]["changes"]["items"]["properties"]
    assert change["kind"]["enum"] == list(KINDS)
    assert change["severity"]["enum"] == list(SEVERITIES)


def test_oldest_against_newest_release_agrees_with_their_api_sets(tmp_path):
    releases = shipped_releases()
    oldest, newest = releases[0].name, releases[-1].name
    code, doc = diff(tmp_path, oldest, newest)
    a, b = set(load_release(oldest).apis), set(load_release(newest).apis)
    assert {c["api"] for c in doc["changes"] if c["kind"] == "api-added"} == b - a
    assert {c["api"] for c in doc["changes"] if c["kind"] == "api-removed"} == a - b
    assert doc["summary"]["apisAdded"] == len(b - a) and doc["summary"]["apisRemoved"] == len(a - b)
    assert code == (1 if doc["summary"]["breaking"] else 0)


ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_release_notes_are_what_the_script_writes():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "regenerate_contracts.py"), "--notes", "--check"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert r.returncode == 0, r.stderr


def test_the_release_notes_count_what_diff_finds_between_oldest_and_newest(tmp_path):
    releases = shipped_releases()
    oldest, newest = releases[0].name, releases[-1].name
    s = diff(tmp_path, oldest, newest)[1]["summary"]
    notes = (ROOT / "docs" / "api-changes.md").read_text(encoding="utf-8")
    row = f"| {oldest} | {newest} | {s['apisAdded']} | {s['apisRemoved']} | {s['apisChanged']} | {s['breaking']} | {s['warning']} | {s['info']} |"
    assert row in notes.splitlines()
    assert f"## {oldest} → {newest}" in notes


def test_the_docs_list_every_kind_with_its_default_severity():
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    rows = [line.strip("|").split("|") for line in doc.splitlines() if line.startswith("| `")]
    assert {cells[0].strip(" `"): (cells[1].strip(), cells[2].strip()) for cells in rows} == \
        {k.name: (k.severity, k.words) for k in KINDS.values()}


def test_an_unusable_schema_file_of_a_side_is_one_line_the_rest_is_compared_and_exit_2(tmp_path, capsys):
    old, new = derived(tmp_path, "old"), derived(tmp_path, "new")
    assert main(["derive", "-q", str(PAGES / BOOT), "--out", str(new)]) == 0
    (new / "Broken.response.json").write_text("{not json")
    capsys.readouterr()
    code, doc = diff(tmp_path, old, new)
    assert code == 2
    assert [(c["kind"], c["api"]) for c in doc["changes"]] == [("api-added", "GetVmBootOrder")]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Broken.response.json" in err and doc["summary"]["exitCode"] == 2
