"""Derived schemas: types, envelope, overlay, annotations, strictness, portability."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import PAGES
from mutations import MUTATIONS, server_shaped
from zstack_contract.contract.releases import load_release
from zstack_contract.derive.parser import parse_page
from zstack_contract.derive.schemas import build_request_schema, build_response_schema

V = jsonschema.Draft202012Validator


@pytest.fixture(scope="module")
def response_schema(reimage_page, overlay):
    return build_response_schema(reimage_page, overlay)


@pytest.fixture(scope="module")
def validator(response_schema):
    V.check_schema(response_schema)
    return V(response_schema)


@pytest.fixture(scope="module")
def strict_validator(reimage_page, overlay):
    return V(build_response_schema(reimage_page, overlay, strict=True))


def errors(validator, doc):
    return sorted(((e.json_path, e.validator) for e in validator.iter_errors(doc)))


def test_page_sample_validates(validator, reimage_page):
    assert errors(validator, reimage_page.response_sample.value) == []


def test_server_shaped_response_validates(validator, reimage_page):
    assert errors(validator, server_shaped(reimage_page.response_sample.value)) == []


@pytest.mark.parametrize("m", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_mutations_fail_at_their_pointer(validator, reimage_page, m):
    found = list(validator.iter_errors(m.body(reimage_page.response_sample.value)))
    assert found, f"{m.name} was accepted"
    pointers = set()
    for e in found:
        ptr = "".join(f"/{p}" for p in e.absolute_path)
        if e.validator == "required":  # the missing property is named in the message, not the path
            ptr += "/" + e.message.split("'")[1]
        pointers.add((ptr, e.validator))
    assert (m.pointer, m.keyword) in pointers


@pytest.mark.parametrize("value,ok", [(1.0, True), (2.0, True), (8.589934592e9, False), (1, True), (1.5, False), (True, False), ("1", False)])
def test_integral_floats_are_integers(validator, reimage_page, value, ok):
    doc = json.loads(json.dumps(reimage_page.response_sample.value))
    doc["inventory"]["cpuNum"] = value
    assert validator.is_valid(doc) is ok


@pytest.mark.parametrize(
    "stamp,ok",
    [
        ("Nov 14, 2017 10:20:57 PM", True),  # Java 8
        ("Nov 14, 2017, 10:20:57 PM", True),  # newer JVMs
        ("Nov 4, 2017, 1:02:03\u202fAM", True),  # newest: narrow no-break space
        ("2017-11-14T22:20:57Z", False),  # ISO-8601
        ("2017-11-14 22:20:57", False),
        ("Nov 14, 2017 22:20:57 PM", False),
        ("Nov 14, 2017 10:20:57 pm", False),
        ("Nov 14, 2017  10:20:57 PM", False),
        ("Nov 14, 2017 10:20:57 PM\n", False),
    ],
)
def test_timestamp_renderings(validator, reimage_page, stamp, ok):
    doc = json.loads(json.dumps(reimage_page.response_sample.value))
    doc["inventory"]["vmNics"][0]["lastOpDate"] = stamp
    assert validator.is_valid(doc) is ok


def test_error_envelope_and_recursive_cause(validator):
    ok = {"error": {"code": "SYS.1000", "details": "x", "cause": {"code": "VM.1014", "cause": {"code": "X"}}}}
    assert errors(validator, ok) == []
    bad = {"error": {"code": "SYS.1000", "cause": {"code": "VM.1014", "cause": {"code": 5}}}}
    assert errors(validator, bad) == [("$.error.cause.cause.code", "type")]
    assert ("$.error.cause", "required") in errors(validator, {"error": {"code": "A", "cause": {"details": "x"}}})


def test_strict_variant_rejects_undocumented_fields(strict_validator, validator, reimage_page):
    doc = server_shaped(reimage_page.response_sample.value)
    assert validator.is_valid(doc)
    unexpected = {e.json_path for e in strict_validator.iter_errors(doc) if e.validator == "additionalProperties"}
    assert unexpected == {"$.inventory", "$.inventory.vmNics[0]", "$.inventory.allVolumes[0]"}
    # The page's own sample carries NIC fields its NIC table lacks (usedIpUuid, hypervisorType).
    assert [e.json_path for e in strict_validator.iter_errors(reimage_page.response_sample.value)] == ["$.inventory.vmNics[0]"]


def test_annotations_trace_each_rule_to_its_line(response_schema):
    cpu = response_schema["$defs"]["inventory"]["properties"]["cpuNum"]
    assert cpu["x-source"] == "docs/api/ReimageVmInstance.txt:120 cpuNum Integer"
    assert cpu["x-since"] == "0.6"
    ipv = response_schema["$defs"]["usedIps"]["properties"]["ipVersion"]
    assert ipv["x-since"] == "3.1.0"
    assert response_schema["$defs"]["vmNics"]["x-source"] == "docs/api/ReimageVmInstance.txt:128 #vmNics"
    uuid = response_schema["$defs"]["inventory"]["properties"]["uuid"]
    assert uuid["x-overlay"] == ["uuid-format", "inventory-uuid-present"]
    assert uuid["x-page-type"] == "String" and response_schema["properties"]["inventory"]["x-page-type"] == "VmInstanceInventory"


def test_types_map_as_documented(response_schema):
    d = response_schema["$defs"]
    assert d["inventory"]["properties"]["vmNics"] == {
        "type": "array", "items": {"$ref": "#/$defs/vmNics"},
        "x-source": "docs/api/ReimageVmInstance.txt:126 vmNics List", "x-page-type": "List", "x-since": "0.6",
    }
    assert d["error"]["properties"]["cause"]["$ref"] == "#/$defs/error"
    assert d["error"]["properties"]["opaque"]["type"] == "object"
    assert d["usedIps"]["properties"]["ipInLong"]["maximum"] == 2**63 - 1 and d["usedIps"]["properties"]["ipInLong"]["x-int-width"] == 64
    assert d["inventory"]["properties"]["cpuNum"]["x-int-width"] == 32  # the width the checks name
    assert d["allVolumes"]["properties"]["isShareable"]["type"] == "boolean"
    assert response_schema["properties"]["inventory"]["$ref"] == "#/$defs/inventory"
    assert d["error"]["required"] == ["code"] and d["inventory"]["required"] == ["uuid"]
    assert "required" not in d["vmNics"]  # documented fields are optional: servers omit nulls


def _keywords(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            if k.startswith("x-") or k == "examples":  # annotations, and examples are data
                continue
            if k not in ("properties", "$defs"):
                _keywords(v, out)
            else:
                for sub in v.values() if isinstance(v, dict) else []:
                    _keywords(sub, out)
    elif isinstance(node, list):
        for v in node:
            _keywords(v, out)
    return out


def test_only_standard_keywords(response_schema, reimage_page, overlay):
    standard = {
        "$schema", "$ref", "$defs", "title", "description", "type", "properties", "required", "items",
        "minimum", "maximum", "pattern", "enum", "oneOf", "anyOf", "additionalProperties", "examples",
    }
    for schema in (response_schema, build_request_schema(reimage_page, overlay)):
        used = _keywords(schema, set())
        assert {k for k in used if not k.startswith("x-")} <= standard
        assert "format" not in used


def test_request_schema(reimage_page, overlay):
    schema = build_request_schema(reimage_page, overlay)
    V.check_schema(schema)
    v = V(schema)
    assert v.is_valid(reimage_page.request_sample.value)
    assert v.is_valid({"reimageVmInstance": {}})
    assert v.is_valid({"reimageVmInstance": {}, "systemTags": ["ephemeral::x", "a::b::c"], "unknown": 1})
    assert not v.is_valid({})
    assert not v.is_valid({"reimageVmInstance": []})
    assert not v.is_valid({"reimageVmInstance": {}, "systemTags": "a::b"})
    assert not v.is_valid({"reimageVmInstance": {}, "userTags": [1]})
    path = V(schema["$defs"]["path"])
    assert path.is_valid({"vmInstanceUuid": "f38615d717a438c39eca3b8b560a00ef"})
    assert not path.is_valid({"vmInstanceUuid": "F38615D7-17a4-38c3-9eca-3b8b560a00ef"})
    assert not path.is_valid({})


def test_other_api_with_body_parameters(overlay):
    page = parse_page(PAGES / "StopVmInstance.txt")
    req = build_request_schema(page, overlay)
    v = V(req)
    assert v.is_valid(page.request_sample.value)
    assert not v.is_valid({"stopVmInstance": {"stopHA": "yes"}})
    assert req["properties"]["stopVmInstance"]["properties"]["type"]["x-source"].endswith(":25 type String")
    assert "required" not in req["properties"]["stopVmInstance"]  # both parameters are Optional.
    assert list(req["$defs"]["path"]["properties"]) == ["uuid"]
    resp = V(build_response_schema(page, overlay))
    assert resp.is_valid(page.response_sample.value)
    assert not resp.is_valid({"inventory": {"uuid": "8e2c0d4ee3883a3f9c8ba0bc1a3c4d57", "state": "Asleep"}})


def test_other_api_whose_inventory_is_a_session(overlay):
    page = parse_page(PAGES / "LogInByAccount.txt")
    req = build_request_schema(page, overlay)
    assert req["properties"]["logInByAccount"]["required"] == ["accountName", "password"]
    assert "path" not in req.get("$defs", {})
    assert V(req).is_valid(page.request_sample.value)
    assert not V(req).is_valid({"logInByAccount": {"accountName": "admin"}})
    resp = build_response_schema(page, overlay)
    v = V(resp)
    assert v.is_valid(page.response_sample.value)
    inv = resp["$defs"]["inventory"]["properties"]
    assert "enum" not in inv.get("state", {}) and "x-overlay" not in inv["expiredDate"]  # no VM rules on a session
    assert inv["accountUuid"]["pattern"] == "^[0-9a-f]{32}$(?!\\n)"
    assert not v.is_valid({"inventory": {"accountUuid": "x"}})  # uuid still required


def test_overlay_entries_all_have_reasons_and_match_something(overlay, reimage_page):
    assert {r.id for r in overlay.rules} >= {"uuid-format", "inventory-uuid-present", "error-code-present", "vm-state-enum", "tags-are-strings"}
    pages = [reimage_page, *(parse_page(PAGES / name) for name in ("zh/QueryVmInstance.txt", "DestroyVmInstance.txt"))]
    text = json.dumps([build(page, overlay) for page in pages for build in (build_request_schema, build_response_schema)])
    # An entry about a field only the doc sources type as the node does (stopHA is a String there,
    # a boolean on our test page) shows in the shipped contract the doc sources derive.
    text += json.dumps(load_release(None).apis)
    for entry in (*overlay.rules, *overlay.additions, *overlay.tables):
        assert entry.reason
        assert f'"{entry.id}"' in text or f"overlay:{entry.id}" in text, f"overlay entry {entry.id} applies to nothing on the test pages or in the shipped contract"
