"""Deriving from ZStack's doc sources (``*Doc_zh_cn.groovy``): the page model they make, the same
schemas as their pages (written by us, on the facts of real ones), defects worked around and
reported, and one line for what cannot be read, the rest derived."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAGES, ROOT
from rendering import render_tree
from zstack_contract.derive.doc_sources import page_of
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.derive.schema_files import derive_model, read_sources

SOURCES = ROOT / "tests" / "doc_sources"
# Each tree of our own doc sources, and our own pages of the same API (tests/pages).
PAIRS = {
    "stop": ["StopVmInstance.txt"],
    "delete": ["DeleteVmHostname.txt", "zh/DeleteVmHostname.txt"],
    "account": ["CreateAccount.txt"],
    "query": ["zh/QueryVmInstance.txt"],
}


def derive(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zstack_contract.cli", "derive", *args], capture_output=True, text=True, cwd=cwd)


def tree_of(name: str):
    errors = []
    tree = read_sources([str(SOURCES / name)], errors.append)
    assert not errors
    return tree


def line_of(file: Path, text: str) -> int:
    """The line of a file that holds ``text`` first."""
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def page_named(name: str):
    tree = tree_of(name)
    (api,) = tree.apis()
    return page_of(api, tree)


def test_an_action_read_from_its_message_result_and_inventories():
    page = page_named("stop")
    vm = SOURCES / "stop" / "header" / "vm"
    msg, inventory, nic = vm / "APIStopVmInstanceMsgDoc_zh_cn.groovy", vm / "VmInstanceInventoryDoc_zh_cn.groovy", vm / "VmNicInventoryDoc_zh_cn.groovy"
    assert (page.api, page.kind, page.action_key, page.language) == ("StopVmInstance", "action", "stopVmInstance", "doc source")
    assert page.path == "tests/doc_sources/stop/header/vm/APIStopVmInstanceMsgDoc_zh_cn.groovy"  # as the repository names it
    assert [(e.method, e.path, e.line) for e in page.endpoints] == [("PUT", "/v1/vm-instances/{uuid}/actions", line_of(msg, "url "))]
    assert page.headers == (("Authorization", "OAuth the-session-uuid", line_of(msg, "header (")),)
    rows = {f.name: f for f in page.request.fields}
    assert (rows["uuid"].location, rows["uuid"].container, rows["uuid"].optional) == ("url", None, False)
    assert (rows["type"].container, rows["type"].valid_values, rows["type"].optional) == ("stopVmInstance", ("grace", "cold"), True)
    assert (rows["stopHA"].type, rows["stopHA"].since, rows["stopHA"].source) == ("boolean", "2.3.1", None)  # on the page's own lines
    # the result's table, then each reference's table, depth first; fields before references
    assert [f.name for f in page.response.fields] == ["error", "inventory"]
    assert list(page.sections) == ["error", "inventory", "vmNics"]
    assert [f.name for f in page.sections["inventory"].fields][-2:] == ["state", "vmNics"]
    assert page.sections["inventory"].source == f"{page.path.replace('APIStopVmInstanceMsg', 'VmInstanceInventory')}:{line_of(inventory, 'doc {')}"
    assert page.sections["vmNics"].fields[-1].source.endswith(f"VmNicInventoryDoc_zh_cn.groovy:{line_of(nic, 'deviceId') - 1}")
    assert page.defects == ()


def test_a_query_takes_the_query_message_parameters_and_a_result_of_success_and_error_alone_answers_empty():
    query = page_named("query")
    assert (query.kind, query.request, query.queryable_line) == \
        ("query", None, line_of(SOURCES / "query" / "header" / "vm" / "APIQueryVmInstanceMsgDoc_zh_cn.groovy", "params APIQueryMessage"))
    delete = page_named("delete")
    clz = line_of(SOURCES / "delete" / "header" / "vm" / "APIDeleteVmHostnameMsgDoc_zh_cn.groovy", "clz APIDeleteVmHostnameEvent")
    assert (delete.kind, delete.response, delete.sections, delete.empty_response_line) == ("delete", None, {}, clz)


@pytest.mark.parametrize("tree", sorted(PAIRS))
def test_a_page_and_its_doc_source_derive_the_same_schemas(tree, tmp_path):
    """One run, the source first: each page must derive what its source does (but for x-source
    and the page's samples), or the run names both and the first difference."""
    pages = [str(PAGES / p) for p in PAIRS[tree]]
    r = derive("--source", str(SOURCES / tree), *pages, "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    written = json.loads(next((tmp_path / "out").glob("*.response.json")).read_text())
    assert written["x-source"].startswith(f"tests/doc_sources/{tree}/") and "examples" not in written  # written from the source
    edited = tmp_path / "edited"
    shutil.copytree(SOURCES / tree, edited)
    for doc in edited.rglob("*Doc_zh_cn.groovy"):  # every field appears in 0.7, where the page says 0.6
        doc.write_text(doc.read_text(encoding="utf-8").replace('since "0.6"', 'since "0.7"'), encoding="utf-8")
    r = derive("--source", str(edited), *pages, "--out", str(tmp_path / "out2"))
    assert r.returncode == 2 and "otherwise than" in r.stderr and '"x-since": "0.6"' in r.stderr and '"x-since": "0.7"' in r.stderr


@pytest.mark.parametrize("tree", sorted(PAIRS))
def test_pages_rendered_from_the_sources_derive_the_same_schemas_in_both_languages(tree, tmp_path):
    rendered = render_tree(str(SOURCES / tree), tmp_path / "pages")
    assert {p.parent.name for p in rendered} == {"zh", "en"}
    r = derive("-q", "--source", str(SOURCES / tree), str(tmp_path / "pages"), "--out", str(tmp_path / "out"))
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_the_schemas_of_a_source_are_those_of_the_shipped_form():
    """The files derive --source writes are what the schema builder makes of the page model."""
    tree = tree_of("account")
    (api,) = tree.apis()
    derived = derive_model(page_of(api, tree), load_overlay())
    request = derived.schemas["CreateAccount.request.json"]
    assert request["required"] == ["params"] and request["properties"]["params"]["required"] == ["name", "password"]
    assert request["properties"]["params"]["properties"]["type"]["enum"] == ["SystemAdmin", "Normal"]
    response = derived.schemas["CreateAccount.response.json"]
    assert response["x-zstack"]["envelope"] == {"success": ["inventory"], "error": ["error"]}
    inventory = SOURCES / "account" / "header" / "identity" / "AccountInventoryDoc_zh_cn.groovy"
    assert response["$defs"]["inventory"]["properties"]["createDate"]["x-source"] == \
        f"tests/doc_sources/account/header/identity/AccountInventoryDoc_zh_cn.groovy:{line_of(inventory, 'createDate') - 1} createDate Timestamp"


def test_a_field_listed_twice_keeps_its_first_row_and_is_a_warning_in_a_page_and_in_its_source(tmp_path):
    """A doc source may list a field twice (3.10.40's APICheckIpAvailabilityReply has two `error`
    refs); its page then shows the row twice. Both keep the first and say so; both still derive."""
    tree = tmp_path / "twice"
    shutil.copytree(SOURCES / "stop", tree)
    event = tree / "header" / "vm" / "APIStopVmInstanceEventDoc_zh_cn.groovy"
    text = event.read_text(encoding="utf-8")
    first_ref = text[text.index("    ref {"):text.index("    }\n", text.index("    ref {")) + 6]
    event.write_text(text.replace(first_ref, first_ref + first_ref.replace('desc "错误码，若不为null，则表示操作失败", false', 'desc "null"'), 1),
                     encoding="utf-8")
    for page in render_tree(str(tree), tmp_path / "pages"):  # the page shows the row twice, as the generator renders it
        lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
        row = next(n for n, line in enumerate(lines) if line.startswith("| error | ErrorCode |"))
        page.write_text("".join(lines[: row + 1] + lines[row:]), encoding="utf-8")
    r = derive("--source", str(tree), str(tmp_path / "pages"), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stdout.splitlines() if "listed twice" in line]
    first, second, _inventory = (n for n, line in enumerate(event.read_text(encoding="utf-8").splitlines(), start=1) if "ref {" in line)
    assert warnings[0] == (f"warning: header/vm/APIStopVmInstanceEventDoc_zh_cn.groovy:{second}: field 'error' listed twice in table "
                           f"response (first at header/vm/APIStopVmInstanceEventDoc_zh_cn.groovy:{first}): the first is used [doc-defect]")
    assert len(warnings) == 3 and all("field 'error' listed twice in table response" in w for w in warnings)  # the source, zh, en
    response = json.loads((tmp_path / "out" / "StopVmInstance.response.json").read_text())
    assert list(response["properties"]) == ["error", "inventory"]
