"""Every rendering of the reference pages derives: the test pages under tests/pages (English) and
tests/pages/zh (Chinese), written by us on the facts of real pages, one test per thing real pages
do that the first page did not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PAGES, ROOT
from zstack_contract.checks.page_samples import check_page
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.derive.parser import parse_page, parse_page_text
from zstack_contract.derive.schemas import build_request_schema, build_response_schema
from zstack_contract.errors import PageError

V = jsonschema.Draft202012Validator


def page(name: str):
    return parse_page(PAGES / name, f"tests/pages/{name}")


def schemas(name: str):
    p, overlay = page(name), load_overlay()
    return p, build_request_schema(p, overlay), build_response_schema(p, overlay), build_response_schema(p, overlay, strict=True)


def rows(table):
    return {f.name: f for f in table.fields}


def derive(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zstack_contract.cli", "derive", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("name", ["DeleteVmHostname.txt", "zh/DeleteVmHostname.txt", "DestroyVmInstance.txt", "SetVmQga.txt"])
def test_an_api_that_answers_an_empty_structure(name):
    p, _req, resp, strict = schemas(name)
    assert p.response is None and p.empty_response_line
    assert resp["x-zstack"]["envelope"] == {"success": [], "error": ["error"]}
    assert resp["x-source"] == f"tests/pages/{name}:{p.empty_response_line}"
    for schema in (resp, strict):
        assert V(schema).is_valid({}) and V(schema).is_valid({"error": {"code": "SYS.1003", "details": "not found"}})
        assert not V(schema).is_valid({"error": {"details": "no code"}})  # the overlay's ErrorCode: code always there
    assert resp["$defs"]["error"]["x-source"] == "overlay:error-code"
    assert not V(strict).is_valid({"inventory": {}}) and V(resp).is_valid({"inventory": {}})
    assert V(resp).is_valid(p.response_sample.value)  # the page's example is an error


def test_titles_with_the_api_in_brackets_or_none(tmp_path):
    assert (page("zh/DeleteVmHostname.txt").api, page("zh/DeleteVmHostname.txt").api_line) == ("DeleteVmHostname", 1)
    assert page("CreateAccount.txt").api == "CreateAccount"  # 'Create Account (CreateAccount)'
    assert page("zh/SetVmRDP.txt").api == "SetVmRDP"  # '云主机 - 设置云主机RDP开关状态(SetVmRDP)'
    no_title = page("DestroyVmInstance.txt")  # starts at 'URLs': the SDK sample names the API
    assert (no_title.api, no_title.api_line) == ("DestroyVmInstance", 26)
    text = (PAGES / "DestroyVmInstance.txt").read_text(encoding="utf-8")
    bare = text[: text.index("SDK Sample")]
    (tmp_path / "DestroyVmInstance.txt").write_text(bare, encoding="utf-8")
    assert parse_page(tmp_path / "DestroyVmInstance.txt").api == "DestroyVmInstance"  # nor an SDK sample: the file name
    (tmp_path / "destroy.txt").write_text("删除主机\n" + bare, encoding="utf-8")
    with pytest.raises(PageError) as exc:
        parse_page(tmp_path / "destroy.txt", "destroy.txt")
    assert str(exc.value) == ("destroy.txt:1: cannot tell the API: '删除主机' names none ('Name' or 'Title (Name)'), "
                              "and neither an SDK sample nor the file name does")


def test_chinese_headings_glued_as_english_ones():
    p = page("zh/DeleteVmHostname.txt")
    assert p.language == "zh" and page("DeleteVmHostname.txt").language == "en"
    # 'DELETE zstack/v1/vm-instances/{uuid}/hostnamesHeaders', 'Authorization: OAuth the-session-uuidCurl示例'
    assert [(e.method, e.path, e.line) for e in p.endpoints] == [("DELETE", "/v1/vm-instances/{uuid}/hostnames", 5)]
    assert p.headers == (("Authorization", "OAuth the-session-uuid", 6),)
    assert p.curl_query.value == {"deleteMode": ["Permissive"]}  # the curl line, before the glued '参数列表'
    assert p.request is not None and p.request.line == 10


def test_chinese_table_headers():
    p = page("zh/DeleteVmHostname.txt")
    assert p.request.columns == ("名字", "类型", "位置", "描述", "可选值", "起始版本")
    mode = rows(p.request)["deleteMode"]
    assert (mode.type, mode.location, mode.valid_values, mode.since) == ("String", "body", ("Permissive", "Enforcing"), "0.6")
    q = page("zh/QueryVmInstance.txt")
    assert q.response.columns == ("名字", "类型", "描述", "起始版本")
    assert rows(q.response)["inventories"].see() == "inventories"  # '详情参考inventories'


@pytest.mark.parametrize("name,field", [("zh/DeleteVmHostname.txt", "systemTags"), ("DeleteVmHostname.txt", "deleteMode"),
                                        ("CreateAccount.txt", "type")])
def test_optional_marked_in_the_name_cell(name, field):
    p = page(name)
    f = rows(p.request)[field]  # 'systemTags (可选)', 'deleteMode (optional)', 'type (optional)'
    assert f.optional and f.name == field
    assert not rows(p.request)["uuid" if "Hostname" in name else "name"].optional
    _p, req, _r, _s = schemas(name)
    where = req["$defs"]["query"] if req["type"] == "null" else req["properties"]["params"]
    assert field in where["properties"] and field not in where.get("required", [])


def test_chinese_contained_in():
    p, req, _r, _s = schemas("zh/SetVmRDP.txt")
    enable = rows(p.request)["enable"]
    assert (enable.location, enable.container) == ("body", "setVmRDP")  # 'body(包含在setVmRDP结构中)'
    assert req["required"] == ["setVmRDP"] and req["properties"]["setVmRDP"]["required"] == ["enable"]
    assert V(req).is_valid(p.request_sample.value) and not V(req).is_valid({"setVmRDP": {}})


def test_other_heading_and_column_names():
    p = page("CreateAccount.txt")  # 'Parameter List', 'Curl Example', 'Response example', 'Valid Value'
    assert p.request.columns[4] == "Valid Value" and rows(p.request)["type"].valid_values == ("SystemAdmin", "Normal")
    assert p.curl_sample.value["params"]["name"] == "qa-team" and p.response_sample.value["inventory"]["type"] == "Normal"
    _p, req, _r, _s = schemas("CreateAccount.txt")
    assert req["properties"]["params"]["properties"]["type"]["enum"] == ["SystemAdmin", "Normal"]
    destroy = page("DestroyVmInstance.txt")  # 'Allowed Values'
    assert destroy.request.columns[4] == "Allowed Values" and rows(destroy.request)["deleteMode"].valid_values == ("Permissive", "Enforcing")


def test_a_cell_broken_before_the_version():
    strategy = rows(page("CreateVmInstance.txt").request)["strategy"]  # '...Options:' / '|' / '0.6 |'
    assert (strategy.description, strategy.since, strategy.valid_values) == ("Optional. When to start the VM. Options:", "0.6", ())
    assert strategy.optional
    assert rows(page("CreateVmInstance.txt").request)["description"].since == "0.6"


def test_a_create_sends_its_parameters_under_params():
    p, req, resp, _s = schemas("CreateVmInstance.txt")
    assert p.kind == "create" and req["required"] == ["params"]
    assert req["properties"]["params"]["required"] == ["name", "instanceOfferingUuid", "imageUuid", "l3NetworkUuids"]
    assert V(req).is_valid(p.request_sample.value) and V(req).is_valid(p.curl_sample.value)
    assert not V(req).is_valid({"createVmInstance": p.request_sample.value["params"]})
    assert V(resp).is_valid(p.response_sample.value)


def test_a_delete_sends_no_body_and_its_url_keeps_no_query():
    p, req, _r, _s = schemas("DestroyVmInstance.txt")
    (e,) = p.endpoints  # 'DELETE zstack/v1/vm-instances/{uuid}?deleteMode={deleteMode}'
    assert (e.path, e.query) == ("/v1/vm-instances/{uuid}", ("deleteMode",))
    assert req["type"] == "null" and req["x-zstack"]["endpoints"][0]["path"] == "/v1/vm-instances/{uuid}"
    assert list(req["$defs"]["path"]["properties"]) == ["uuid"]
    assert list(req["$defs"]["query"]["properties"]) == ["deleteMode", "systemTags", "userTags"]  # table says body: a DELETE has none
    assert req["$defs"]["query"]["properties"]["deleteMode"]["enum"] == ["Permissive", "Enforcing"]


def test_a_query_page():
    p, req, resp, strict = schemas("zh/QueryVmInstance.txt")
    assert (p.kind, p.request, p.queryable_line) == ("query", None, 9)  # '可查询字段' instead of a parameter table
    assert [e.path for e in p.endpoints] == ["/v1/vm-instances", "/v1/vm-instances/{uuid}"]
    assert list(req["$defs"]["query"]["properties"]) == ["q", "limit", "start", "count", "replyWithCount", "sort", "fields"]
    assert req["$defs"]["query"]["properties"]["q"]["items"] == {"type": "string"}
    assert req["$defs"]["path"]["properties"]["uuid"]["x-source"] == "tests/pages/zh/QueryVmInstance.txt:6 uuid String"
    assert resp["x-zstack"]["envelope"] == {"success": ["inventories", "total", "schema"], "error": ["error"]}
    reply = {"inventories": [], "schema": {"uuid": "java.lang.String"}, "total": 0}
    assert V(strict).is_valid(reply) and V(strict).is_valid(p.response_sample.value)
    assert V(strict).is_valid({"total": 4, "schema": {}})  # count=true: the count alone
    assert not V(resp).is_valid({}) and not V(resp).is_valid({"total": 4, "error": {"code": "SYS.1007"}})
    assert not V(resp).is_valid({"inventories": [{"memorySize": "8G"}]})


def test_a_success_boolean_is_no_success_field():
    for name in ("zh/SetVmRDP.txt", "GetVmBootOrder.txt", "zh/QueryVmInstance.txt"):
        _p, _req, resp, strict = schemas(name)
        assert "success" not in resp["x-zstack"]["envelope"]["success"] and "success" in resp["properties"]
        failed = {"success": False, "error": {"code": "SYS.1000"}}
        assert V(resp).is_valid(failed) and V(strict).is_valid(failed), name
        assert not V(resp).is_valid({"success": True}), name  # no result: neither success nor error


SELF_DISAGREEING = {
    # page: (the sample's line, the pointer, the table row's line or section)
    "GetVmBootOrder.txt": ("GetVmBootOrder.txt:18: /order:", "GetVmBootOrder.txt:23"),
    "zh/GetVmConsolePassword.txt": ("GetVmConsolePassword.txt:15: /consolePassword:", "GetVmConsolePassword.txt:17"),
    "GetVmsCapabilities.txt": ("GetVmsCapabilities.txt:6: /vmUuids: expected string, found [", "GetVmsCapabilities.txt:17 vmUuids String"),
}


def test_pages_that_disagree_with_themselves_get_page_sample_warnings(tmp_path):
    names = [f"tests/pages/{n}" for n in SELF_DISAGREEING]
    r = derive(*names, "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr  # warnings: the schemas follow the tables
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("warning:")]
    for sample, row in SELF_DISAGREEING.values():
        (line,) = [ln for ln in warnings if sample in ln]
        assert line.endswith(f"[page-sample] (tests/pages/{row.split(':')[0].replace('GetVmConsolePassword', 'zh/GetVmConsolePassword')}:{row.split(':', 1)[1]})")
    assert "GetVmsCapabilities.txt:14: /vmUuids: expected string, found a list of 2 (the parameter is repeated)" in r.stdout
    assert "| 3 | 3 | 3 | 0 |" in r.stdout
    boot = json.loads((tmp_path / "s" / "GetVmBootOrder.response.json").read_text())
    assert "orders" in boot["properties"] and "order" not in boot["properties"]
    caps = json.loads((tmp_path / "s" / "GetVmsCapabilities.request.json").read_text())
    assert caps["$defs"]["query"]["properties"]["vmUuids"]["type"] == "string"


def test_the_overlay_settles_a_known_page_defect(tmp_path):
    overlay = tmp_path / "overlay.toml"
    overlay.write_text((ROOT / "src/zstack_contract/derive/overlay.toml").read_text(encoding="utf-8") + (
        '\n[[page-defect]]\nid = "boot-order-sample"\napi = "GetVmBootOrder"\npath = "/order"\n'
        'reason = "The generator renders the sample from an older reply class; nodes send orders."\n'), encoding="utf-8")
    r = derive("tests/pages/GetVmBootOrder.txt", "--out", str(tmp_path / "s"), "--overlay", str(overlay))
    assert r.returncode == 0 and "/order:" not in r.stdout and "/: expected exactly one of orders" in r.stdout
    assert "1 known page defect(s) settled by the overlay." in r.stdout


def without_sources(node):
    if isinstance(node, dict):
        return {k: without_sources(v) for k, v in node.items() if k != "x-source"}
    if isinstance(node, list):
        return [without_sources(v) for v in node]
    return node


@pytest.mark.parametrize("api", ["DeleteVmHostname"])
def test_the_pages_of_one_api_in_two_languages_derive_the_same_schemas(tmp_path, api):
    en, zh = tmp_path / "en", tmp_path / "zh"
    assert derive(f"tests/pages/{api}.txt", "--out", str(en), "-q").returncode == 0
    assert derive(f"tests/pages/zh/{api}.txt", "--out", str(zh), "-q").returncode == 0
    for suffix in (".request.json", ".response.json", ".response.strict.json"):
        a, b = (en / (api + suffix)).read_text(), (zh / (api + suffix)).read_text()
        assert a != b and "zh/" in b  # each names its own page
        assert json.dumps(without_sources(json.loads(a))) == json.dumps(without_sources(json.loads(b)))


def test_a_folder_of_pages_in_both_languages_derives_in_one_command(tmp_path):
    r = derive("tests/pages", "docs/api", "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    # DeleteVmHostname twice, in two languages; findings: the three self-disagreeing pages and the
    # first page (its sample shows two NIC fields its table lacks)
    assert r.stdout.splitlines()[-1] == "| 14 | 13 | 4 | 0 |"
    written = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert len(written) == 3 * 13 and "QueryVmInstance.response.strict.json" in written
    again = derive("tests/pages", "docs/api", "--out", str(tmp_path / "s"), "--check", "-q")
    assert again.returncode == 0, again.stdout


def test_two_pages_for_one_api_are_an_error_naming_both(tmp_path):
    docs = tmp_path / "docs"
    (docs / "zh").mkdir(parents=True)
    shutil.copy(PAGES / "CreateAccount.txt", docs / "CreateAccount.txt")
    shutil.copy(PAGES / "CreateAccount.txt", docs / "CreateAccount-copy.txt")
    zh = (PAGES / "zh" / "DeleteVmHostname.txt").read_text(encoding="utf-8")
    (docs / "zh" / "DeleteVmHostname.txt").write_text(zh.replace("| deleteMode (可选) | String |", "| deleteMode (可选) | Long |"), encoding="utf-8")
    shutil.copy(PAGES / "DeleteVmHostname.txt", docs / "DeleteVmHostname.txt")
    r = derive(str(docs), "--out", str(tmp_path / "s"))
    assert r.returncode == 2
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in r.stderr
    assert errors[0] == (f"zstack-contract: error: {docs / 'CreateAccount.txt'}:1: describes CreateAccount, "
                         f"as {docs / 'CreateAccount-copy.txt'} does (one page per API and language)")
    assert errors[1].startswith(f"zstack-contract: error: {docs / 'zh' / 'DeleteVmHostname.txt'}:1: describes DeleteVmHostname "
                                f"otherwise than {docs / 'DeleteVmHostname.txt'} (en) does: ")
    assert "| 4 | 2 | 0 | 2 |" in r.stdout
    assert sorted(p.name for p in (tmp_path / "s").iterdir())[0] == "CreateAccount.request.json"


def test_an_unusable_page_in_a_folder_is_one_line_and_the_rest_derive(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(PAGES / "zh" / "SetVmRDP.txt", docs / "SetVmRDP.txt")
    (docs / "Broken.txt").write_text(parse_broken(), encoding="utf-8")
    (docs / "notes.md").write_text("not a page")
    r = derive(str(docs), "--out", str(tmp_path / "s"), "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert f"{docs / 'Broken.txt'}:5: expected 'METHOD path' under URLs, found '放置 zstack/v1/vm-instances/{{uuid}}/actions'" in r.stderr
    assert (tmp_path / "s" / "SetVmRDP.response.json").exists() and "| 2 | 1 | 0 | 1 |" in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    r = derive(str(empty), "--out", str(tmp_path / "s2"))
    assert r.returncode == 2 and "empty: folder holds no *.txt pages" in r.stderr


def parse_broken() -> str:
    """The Chinese SetVmRDP page with a URL line whose method is a Chinese word."""
    text = (PAGES / "zh" / "SetVmRDP.txt").read_text(encoding="utf-8")
    return text.replace("PUT zstack/v1/vm-instances/{uuid}/actionsHeaders", "放置 zstack/v1/vm-instances/{uuid}/actionsHeaders")


def test_chinese_text_survives_in_messages(tmp_path):
    assert str(pytest.raises(PageError, parse_page_text, parse_broken(), "zh/SetVmRDP.txt").value) == \
        "zh/SetVmRDP.txt:5: expected 'METHOD path' under URLs, found '放置 zstack/v1/vm-instances/{uuid}/actions'"
    text = (PAGES / "zh" / "SetVmRDP.txt").read_text(encoding="utf-8")
    (tmp_path / "设置.txt").write_text("设置远程桌面\n" + text[text.index("API请求"): text.index("SDK示例")], encoding="utf-8")
    r = derive(str(tmp_path / "设置.txt"), "--out", str(tmp_path / "s"))
    assert r.returncode == 2
    assert r.stderr == f"zstack-contract: error: {tmp_path / '设置.txt'}:1: cannot tell the API: '设置远程桌面' names none " \
                       "('Name' or 'Title (Name)'), and neither an SDK sample nor the file name does\n"


def test_an_exchange_of_no_known_api_is_visible_and_fails_a_strict_run(tmp_path):
    """A DELETE recorded against schemas that lack its API was once skipped in silence (PASS, 0 bodies)."""
    record = {"format": "zstack-contract.exchange/1", "steps": [
        {"request": {"method": "DELETE", "url": "http://mn:8080/zstack/v1/vm-instances/9f1e3d5c7b9a4f2e8d6c4b2a0f8e6d4c?deleteMode=Permissive"},
         "response": {"status": 200, "body": {}}}]}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "destroy.json").write_text(json.dumps(record))

    def validate(*args):
        return subprocess.run([sys.executable, "-m", "zstack_contract.cli", "validate", *args, "--report", str(tmp_path / "rep"),
                               str(tmp_path / "in")], capture_output=True, text=True, cwd=ROOT)

    r = validate()
    assert r.returncode == 0 and "0 bodies" in r.stdout and "1 exchange(s) of no known API" in r.stdout
    assert "skipped: " in r.stdout and "no known API answers DELETE /v1/vm-instances/9f1e3d5c7b9a4f2e8d6c4b2a0f8e6d4c" in r.stdout
    report = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert report["summary"]["skipped"] == 1 and report["skipped"][0]["file"].endswith("destroy.json")
    assert "## Exchanges of no known API (not checked)" in (tmp_path / "rep" / "zstack-contract.md").read_text()
    strict = validate("--strict")
    assert strict.returncode == 1 and "[unknown-api]" in strict.stdout
    assert "expected an API whose schemas are known, found DELETE /v1/vm-instances/9f1e3d5c7b9a4f2e8d6c4b2a0f8e6d4c" in strict.stdout
    assert derive("tests/pages/DestroyVmInstance.txt", "--out", str(tmp_path / "s"), "-q").returncode == 0
    known = validate("--strict", "--schemas", str(tmp_path / "s"))
    assert known.returncode == 0 and "1 file(s), 1 body" in known.stdout and "0 exchange(s) of no known API" in known.stdout


PAGE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(PAGES.rglob("*.txt"))]
DEBRIS = ["|", "{", "}", "]", '"', "(可选)", " (optional)", "#x", "See y.", "详情参考z", "0.6 |", "|---|", "API Request", "URLs",
          "GET zstack/v1/a/{b}?c={c}", "\u2028", "é", ""]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_page_derives_or_gives_one_page_error(data):
    """Lines dropped, repeated, joined, cut or littered with debris: a page derives (valid schemas,
    its samples checked) or is a PageError, never another exception."""
    lines = data.draw(st.sampled_from(PAGE_TEXTS)).splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "repeat", "join", "cut", "litter"]))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[data.draw(st.integers(0, len(lines) - 1))])
        elif op == "join" and i + 1 < len(lines):
            lines[i] += lines.pop(i + 1)
        elif op == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        else:
            at = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + data.draw(st.sampled_from(DEBRIS)) + lines[i][at:]
    overlay = load_overlay()
    try:
        p = parse_page_text("\n".join(lines), "x.txt")
    except PageError as exc:
        assert "\n" not in str(exc)
        return
    request, strict = build_request_schema(p, overlay), build_response_schema(p, overlay, strict=True)
    V.check_schema(request)
    V.check_schema(strict)
    check_page(p, request, strict)
