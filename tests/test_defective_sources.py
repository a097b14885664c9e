"""Doc sources with the defects real ones have (tests/doc_sources/defects, one API a case), and the
pages rendered from them in both languages: each derives, from the source and from its pages
alike, the schema its case should get; what cannot be right is a warning naming the file and line,
never an internal error or an unusable input. A file outside the DSL subset is one error line
(tests/doc_sources/unreadable), and an error of ours on one page one line, the others derived."""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT
from rendering import render_tree
from zstack_contract.cli import derive as derive_cli
from zstack_contract.cli import main
from zstack_contract.derive.doc_sources import page_of
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.derive.parser import parse_page
from zstack_contract.derive.schema_files import derive_page, read_sources

SOURCES = ROOT / "tests" / "doc_sources"
HEADER = SOURCES / "defects" / "header"
LABEL = "tests/doc_sources/defects/header"  # how annotations and warnings name the tree's files
APIS = ["AddSecurityGroupRule", "ChangeRoleState", "CreateOrganization", "GetClusterTopology", "GetCpuMemoryCapacity",
        "GetL3NetworkUsedIp", "RerunLongJob"]
LANGUAGES = ("zh", "en")
SUFFIXES = (".request.json", ".response.json", ".response.strict.json")


def line_of(file: Path, text: str) -> int:
    """The line of a file that holds ``text`` first."""
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def lines_of(file: Path, text: str) -> list[int]:
    return [n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1) if line == text]


def without_sources(node):
    """A schema (part) without its x-source annotations, as a page and its source must agree on it."""
    if isinstance(node, dict):
        return {k: without_sources(v) for k, v in node.items() if k != "x-source"}
    if isinstance(node, list):
        return [without_sources(v) for v in node]
    return node


def cli(*args: str) -> tuple[int, str, str]:
    """``zstack-contract ARGS`` in this process, from the project's root: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


@dataclass
class Run:
    code: int
    warnings: list[str]
    stderr: str
    out: Path
    pages: Path

    def schema(self, name: str) -> dict:
        """A schema file the run wrote (from the doc source: sources derive first)."""
        return json.loads((self.out / name).read_text())

    def page(self, language: str, api: str) -> Path:
        return self.pages / language / f"{api}.txt"

    def page_schemas(self, api: str) -> dict[str, dict[str, dict]]:
        """language -> file name -> the schema its rendered page derives."""
        overlay = load_overlay()
        return {language: derive_page(str(self.page(language, api)), overlay).schemas for language in LANGUAGES}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    """One run over the tree and every page rendered from it: the source first, each page then held
    to the same schemas (a difference would be an error line and exit 2)."""
    tmp = tmp_path_factory.mktemp("defects")
    rendered = render_tree(str(SOURCES / "defects"), tmp / "pages")
    assert sorted(p.relative_to(tmp / "pages").as_posix() for p in rendered) == \
        sorted(f"{language}/{api}.txt" for language in LANGUAGES for api in APIS)
    code, stdout, stderr = cli("derive", "--source", str(SOURCES / "defects"), str(tmp / "pages"), "--out", str(tmp / "out"))
    return Run(code, [ln for ln in stdout.splitlines() if ln.startswith("warning: ")], stderr, tmp / "out", tmp / "pages")


def warnings_naming(run: Run, api: str) -> list[str]:
    """The run's warnings about an API's pages or (for the APIs of one folder each) its doc sources."""
    folder = {"AddSecurityGroupRule": "securitygroup", "ChangeRoleState": "identity", "CreateOrganization": "organization",
              "GetClusterTopology": "cluster", "GetCpuMemoryCapacity": "host", "GetL3NetworkUsedIp": "l3", "RerunLongJob": "longjob"}[api]
    return [w for w in run.warnings if f"/{api}.txt:" in w or f"{LABEL}/{folder}/" in w]


def test_every_case_derives_from_its_source_and_from_its_pages_in_both_languages(run):
    assert run.code == 0 and run.stderr == "", run.stderr
    assert sorted(p.name for p in run.out.iterdir()) == sorted(api + s for api in APIS for s in SUFFIXES)
    for api in APIS:
        response = run.schema(f"{api}.response.json")
        assert response["x-zstack"]["api"] == api and response["x-source"].startswith(f"{LABEL}/")  # written from the source


# -- 1. a request parameter named as a section of the answer ------------------------------------------
def test_a_request_parameter_named_as_a_section_of_the_answer_is_a_plain_list(run):
    msg = HEADER / "securitygroup" / "APIAddSecurityGroupRuleMsgDoc_zh_cn.groovy"
    inventory = HEADER / "securitygroup" / "SecurityGroupInventoryDoc_zh_cn.groovy"
    column, ref = line_of(msg, 'name "rules"') - 1, line_of(inventory, 'name "rules"') - 1
    request = run.schema("AddSecurityGroupRule.request.json")
    rules = {"type": "array", "x-page-type": "List", "x-since": "0.6"}
    assert request["properties"]["params"]["properties"]["rules"] == \
        {**rules, "x-source": f"{LABEL}/securitygroup/APIAddSecurityGroupRuleMsgDoc_zh_cn.groovy:{column} rules List"}
    assert request["properties"]["params"]["required"] == ["rules"] and "$defs" not in request["properties"]["params"]
    # the answer's rules are the table's
    response = run.schema("AddSecurityGroupRule.response.json")
    assert response["$defs"]["inventory"]["properties"]["rules"] == {
        "type": "array", "items": {"$ref": "#/$defs/rules"}, "x-page-type": "List", "x-since": "0.6",
        "x-source": f"{LABEL}/securitygroup/SecurityGroupInventoryDoc_zh_cn.groovy:{ref} rules List"}
    assert list(response["$defs"]["rules"]["properties"]) == ["uuid", "type", "startPort", "endPort"]
    for language, schemas in run.page_schemas("AddSecurityGroupRule").items():
        page = run.page(language, "AddSecurityGroupRule")
        assert schemas["AddSecurityGroupRule.request.json"]["properties"]["params"]["properties"]["rules"] == \
            {**rules, "x-source": f"{language}/AddSecurityGroupRule.txt:{line_of(page, '| rules |')} rules List"}
        sample = parse_page(page).request_sample.value  # a list with an item: once an internal error (_WrappedReferencingError)
        assert sample["params"]["rules"] == ["zstack-contract"]
    assert warnings_naming(run, "AddSecurityGroupRule") == []  # the samples agree with the schemas


# -- 2. byte[] ------------------------------------------------------------------------------------------
def test_a_byte_array_is_an_array_of_signed_bytes(run):
    inventory = HEADER / "l3" / "UsedIpInventoryDoc_zh_cn.groovy"
    expected = {"type": "array", "items": {"type": "integer", "minimum": -128, "maximum": 127, "x-int-width": 8},
                "x-page-type": "byte[]", "x-since": "5.2.0"}
    response = run.schema("GetL3NetworkUsedIp.response.json")
    assert response["$defs"]["inventories"]["properties"]["ipInBinary"] == \
        {**expected, "x-source": f"{LABEL}/l3/UsedIpInventoryDoc_zh_cn.groovy:{line_of(inventory, 'ipInBinary') - 1} ipInBinary byte[]"}
    for language, schemas in run.page_schemas("GetL3NetworkUsedIp").items():
        page = run.page(language, "GetL3NetworkUsedIp")
        assert schemas["GetL3NetworkUsedIp.response.json"]["$defs"]["inventories"]["properties"]["ipInBinary"] == \
            {**expected, "x-source": f"{language}/GetL3NetworkUsedIp.txt:{line_of(page, '| ipInBinary |')} ipInBinary byte[]"}
    assert warnings_naming(run, "GetL3NetworkUsedIp") == []


# -- 3. the same table twice -------------------------------------------------------------------------------
def test_a_table_shown_twice_with_the_same_rows_is_one_definition_and_no_warning(run):
    for language in LANGUAGES:
        page = run.page(language, "RerunLongJob")
        first, second = lines_of(page, "#error")  # the answer's error, then the inventory's
        assert lines_of(page, "#inventory")[0] in range(first, second)
        assert parse_page(page).defects == ()
    tree = read_sources([str(SOURCES / "defects")], pytest.fail)
    (api,) = [a for a in tree.apis() if a.name == "APIRerunLongJobMsg"]
    source = page_of(api, tree)
    assert list(source.sections) == ["error", "inventory"] and source.defects == ()
    inventory = HEADER / "longjob" / "LongJobInventoryDoc_zh_cn.groovy"
    ref = line_of(inventory, 'name "error"') - 1
    schemas = {"source": {"RerunLongJob.response.json": run.schema("RerunLongJob.response.json")}, **run.page_schemas("RerunLongJob")}
    for schema in (s["RerunLongJob.response.json"] for s in schemas.values()):
        assert list(schema["$defs"]) == ["error", "inventory"]
        assert without_sources(schema["$defs"]["inventory"]["properties"]["error"]) == \
            {"$ref": "#/$defs/error", "x-page-type": "ErrorCode", "x-since": "3.6.0"}
        assert list(schema["$defs"]["error"]["properties"]) == ["code", "description", "details", "cause"]
    assert schemas["source"]["RerunLongJob.response.json"]["$defs"]["inventory"]["properties"]["error"]["x-source"] == \
        f"{LABEL}/longjob/LongJobInventoryDoc_zh_cn.groovy:{ref} error ErrorCode"
    assert warnings_naming(run, "RerunLongJob") == []


# -- 4. a table in the API's description ----------------------------------------------------------------
def test_a_table_in_the_description_before_the_request_part_is_a_warning_and_not_read(run):
    expected = []
    for language, request_heading in (("zh", "API请求"), ("en", "API Request")):
        page = run.page(language, "GetCpuMemoryCapacity")
        lines = page.read_text(encoding="utf-8").splitlines()
        header = line_of(page, "|名字|类型|描述|")
        assert lines[0] == "GetCpuMemoryCapacity" and lines[1].startswith("统计物理机的CPU与内存容量")  # the doc's desc, after the title
        assert header < line_of(page, request_heading)
        expected.append(f"warning: {page.as_posix()}:{header}: a table outside the request-parameter and response parts: not read [doc-defect]")
    assert sorted(warnings_naming(run, "GetCpuMemoryCapacity")) == sorted(expected)  # the source reads no desc: nothing to warn of
    reply = HEADER / "host" / "APIGetCpuMemoryCapacityReplyDoc_zh_cn.groovy"
    for schemas in run.page_schemas("GetCpuMemoryCapacity").values():
        response = schemas["GetCpuMemoryCapacity.response.json"]
        assert list(response["properties"]) == ["totalCpu", "availableCpu", "totalMemory", "availableMemory", "success", "error"]
        assert "zoneUuids" not in response["properties"] and "zoneUuids" not in response["$defs"]["error"]["properties"]
    source = run.schema("GetCpuMemoryCapacity.response.json")
    assert source["properties"]["totalCpu"]["x-source"] == f"{LABEL}/host/APIGetCpuMemoryCapacityReplyDoc_zh_cn.groovy:{line_of(reply, 'totalCpu') - 1} totalCpu long"
    assert list(run.schema("GetCpuMemoryCapacity.request.json")["$defs"]["query"]["properties"]) == ["zoneUuids", "clusterUuids"]


# -- 5. a reference to its own class: See X and no table ---------------------------------------------------
def test_a_reference_to_its_own_class_is_a_list_of_anything_and_a_warning(run):
    inventory = HEADER / "organization" / "OrganizationInventoryDoc_zh_cn.groovy"
    ref = line_of(inventory, 'name "children"') - 1
    children = {"type": "array", "x-page-type": "List", "x-since": "3.2.0"}
    response = run.schema("CreateOrganization.response.json")
    assert response["$defs"]["inventory"]["properties"]["children"] == {**children, "x-source": f"{LABEL}/organization/OrganizationInventoryDoc_zh_cn.groovy:{ref} children List"}
    assert list(response["$defs"]) == ["error", "inventory"]
    dangling = "children: 'See children' but there is no #children table: taken as a list of any fields [doc-defect]"
    expected = [f"warning: {LABEL}/organization/OrganizationInventoryDoc_zh_cn.groovy:{ref}: {dangling}"]
    for language, schemas in run.page_schemas("CreateOrganization").items():
        page = run.page(language, "CreateOrganization")
        row = line_of(page, "| children |")
        assert schemas["CreateOrganization.response.json"]["$defs"]["inventory"]["properties"]["children"] == \
            {**children, "x-source": f"{language}/CreateOrganization.txt:{row} children List"}
        expected.append(f"warning: {page.as_posix()}:{row}: {dangling}")
    assert sorted(warnings_naming(run, "CreateOrganization")) == sorted(expected)


# -- 6. fields typed by an enum class -----------------------------------------------------------------------
def test_fields_typed_by_an_enum_class_are_strings_keeping_the_class_name(run):
    msg = HEADER / "identity" / "APIChangeRoleStateMsgDoc_zh_cn.groovy"
    inventory = HEADER / "identity" / "RoleInventoryDoc_zh_cn.groovy"
    state_event = {"type": "string", "enum": ["enable", "disable"], "x-page-type": "RoleStateEvent", "x-since": "3.1.0"}
    kind = {"type": "string", "x-page-type": "IpRangeType", "x-since": "3.1.0"}
    field = line_of(inventory, 'name "type"') - 1
    request, response = run.schema("ChangeRoleState.request.json"), run.schema("ChangeRoleState.response.json")
    assert request["properties"]["changeRoleState"]["properties"]["stateEvent"] == \
        {**state_event, "x-source": f"{LABEL}/identity/APIChangeRoleStateMsgDoc_zh_cn.groovy:{line_of(msg, 'stateEvent') - 1} stateEvent RoleStateEvent"}
    assert response["$defs"]["inventory"]["properties"]["type"] == \
        {**kind, "x-source": f"{LABEL}/identity/RoleInventoryDoc_zh_cn.groovy:{field} type IpRangeType"}
    assert list(response["$defs"]) == ["error", "inventory"]
    for language, schemas in run.page_schemas("ChangeRoleState").items():
        page = run.page(language, "ChangeRoleState")
        assert schemas["ChangeRoleState.request.json"]["properties"]["changeRoleState"]["properties"]["stateEvent"] == \
            {**state_event, "x-source": f"{language}/ChangeRoleState.txt:{line_of(page, '| stateEvent |')} stateEvent RoleStateEvent"}
        assert schemas["ChangeRoleState.response.json"]["$defs"]["inventory"]["properties"]["type"] == \
            {**kind, "x-source": f"{language}/ChangeRoleState.txt:{line_of(page, '| type | IpRangeType |')} type IpRangeType"}
    assert warnings_naming(run, "ChangeRoleState") == []


# -- defects only a doc source shows ------------------------------------------------------------------------
def test_defects_of_the_dsl_are_warnings_naming_file_and_line_and_the_api_derives(run):
    folder = HEADER / "cluster"
    msg, cluster, host = (folder / f"{n}Doc_zh_cn.groovy" for n in ("APIGetClusterTopologyMsg", "ClusterInventory", "HostInventory"))
    label = f"{LABEL}/cluster"
    title, zone, back = line_of(msg, 'title "'), line_of(cluster, 'name "zone"') - 1, line_of(host, 'name "cluster"') - 1
    assert warnings_naming(run, "GetClusterTopology") == [
        f"warning: {label}/APIGetClusterTopologyMsgDoc_zh_cn.groovy:{line_of(msg, 'deprecated')}: "
        "'deprecated' is not a statement of the doc DSL inside doc: not read [doc-defect]",
        f"warning: {label}/APIGetClusterTopologyMsgDoc_zh_cn.groovy:{title}: the title names GetClusterLayout, "
        "the message class APIGetClusterTopologyMsg is GetClusterTopology: the class's name is used [doc-defect]",
        f"warning: {label}/ClusterInventoryDoc_zh_cn.groovy:{line_of(cluster, 'clz ZoneInventory')}: zone: the class ZoneInventory "
        "has no doc source (ZoneInventoryDoc_zh_cn.groovy) among the files read: no table [doc-defect]",
        f"warning: {label}/HostInventoryDoc_zh_cn.groovy:{back}: cluster: ClusterInventory refers back "
        "to a table that refers to it: not followed again [doc-defect]",
        f"warning: {label}/ClusterInventoryDoc_zh_cn.groovy:{zone}: zone: 'See zone' but there is no #zone table: "
        "taken as an object of any fields [doc-defect]",
    ] + [f"warning: {run.page(language, 'GetClusterTopology').as_posix()}:{line_of(run.page(language, 'GetClusterTopology'), '| zone |')}: "
         "zone: 'See zone' but there is no #zone table: taken as an object of any fields [doc-defect]" for language in ("en", "zh")]
    response = run.schema("GetClusterTopology.response.json")  # named by its message class, not its title
    assert response["x-zstack"]["api"] == "GetClusterTopology" and response["x-zstack"]["endpoints"][0]["path"] == "/v1/clusters/{uuid}/topology"
    assert list(response["$defs"]) == ["error", "inventory", "hosts"]
    inventory = response["$defs"]["inventory"]["properties"]
    assert without_sources(inventory["zone"]) == {"type": "object", "x-page-type": "ZoneInventory", "x-since": "0.6"}
    assert without_sources(inventory["hosts"]) == {"type": "array", "items": {"$ref": "#/$defs/hosts"}, "x-page-type": "List", "x-since": "0.6"}
    assert without_sources(response["$defs"]["hosts"]["properties"]["cluster"]) == \
        {"$ref": "#/$defs/inventory", "x-page-type": "ClusterInventory", "x-since": "0.6"}  # the circle is the schema's, once


# -- what cannot be read -----------------------------------------------------------------------------------------
def test_a_doc_source_outside_the_dsl_is_one_error_line_and_the_other_api_derives(tmp_path):
    bad = SOURCES / "unreadable" / "header" / "vm" / "APIRebootVmInstanceMsgDoc_zh_cn.groovy"
    code, stdout, stderr = cli("derive", "--source", str(SOURCES / "unreadable"), "--out", str(tmp_path))
    assert code == 2
    assert stderr.splitlines() == [f"zstack-contract: error: tests/doc_sources/unreadable/header/vm/APIRebootVmInstanceMsgDoc_zh_cn.groovy:"
                                   f"{line_of(bad, '${')}: a string with ${{...}} or $name in it is interpolated by Groovy; "
                                   "the doc DSL is read, not run"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"StartVmInstance{s}" for s in SUFFIXES)
    assert stdout.endswith("| 3 | 1 | 0 | 1 |\n")  # files read, APIs derived, with findings, unusable


def _fault(*args, **kwargs):
    raise RuntimeError("a fault of ours")


@pytest.mark.parametrize("step", ["derive_page", "check_page"])
def test_an_internal_error_on_one_page_is_one_line_and_every_other_page_is_derived(step, tmp_path, monkeypatch):
    render_tree(str(SOURCES / "defects"), tmp_path / "pages", ("zh",))
    broken = tmp_path / "pages" / "zh" / "CreateOrganization.txt"
    real = getattr(derive_cli, step)

    def failing(first, *args, **kwargs):
        page = first if step == "derive_page" else first.path
        if Path(page).name == broken.name:
            _fault()
        return real(first, *args, **kwargs)

    monkeypatch.setattr(derive_cli, step, failing)
    code, stdout, stderr = cli("derive", "-q", str(tmp_path / "pages"), "--out", str(tmp_path / "out"))
    assert code == 2
    here = Path(__file__)
    assert stderr.splitlines() == [f"zstack-contract: error: {broken.as_posix()}: internal error: RuntimeError at "
                                   f"{here.name}:{line_of(here, 'raise RuntimeError')}; please report it"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        sorted(api + s for api in APIS if api != "CreateOrganization" for s in SUFFIXES)
    assert stdout.splitlines()[-1] == "| 7 | 6 | 2 | 1 |"  # pages, APIs derived, with findings, unusable
