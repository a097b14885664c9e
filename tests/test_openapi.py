"""``zstack-contract openapi``: a valid OpenAPI 3.1 document, byte-for-byte deterministic, whose
``$ref``\\ s resolve to the derived schema files themselves (no copy), for any page."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import PAGE, PAGES, ROOT
from test_validate import exe

ALL_PAGES = [str(PAGE.relative_to(ROOT)), *(str((PAGES / name).relative_to(ROOT)) for name in ("LogInByAccount.txt", "StopVmInstance.txt"))]
SHARED = "/v1/vm-instances/{vmInstanceUuid}/actions"


def cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([exe("zstack-contract"), *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> Path:
    """Schemas for the three pages (ReimageVmInstance, StopVmInstance, LogInByAccount)."""
    out = tmp_path_factory.mktemp("derived") / "schemas"
    r = cli("derive", *ALL_PAGES, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def document(derived) -> Path:
    out = derived.parent / "api" / "openapi.json"
    r = cli("openapi", *ALL_PAGES, "--schemas", derived, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def refs(node, where=""):
    """Every ($ref, location) in a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v, where
            else:
                yield from refs(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from refs(v, f"{where}/{i}")


def pointer_get(doc, pointer: str):
    for part in [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def test_document_is_valid_openapi_3_1(document):
    doc = json.loads(document.read_text())
    validate_openapi(doc, base_uri=document.as_uri())
    assert doc["openapi"].startswith("3.1")


def test_operations_answers_and_security(document):
    doc = json.loads(document.read_text())
    paths = doc["paths"]
    assert sorted(paths) == ["/v1/accounts/login", "/v1/api-jobs/{jobUuid}", SHARED]
    # StopVmInstance writes {uuid}, ReimageVmInstance {vmInstanceUuid}: one path, one operation, picked by action key
    shared = paths[SHARED]["put"]
    assert [x["actionKey"] for x in shared["x-zstack"]] == ["reimageVmInstance", "stopVmInstance"]
    assert [s["$ref"] for s in shared["requestBody"]["content"]["application/json"]["schema"]["oneOf"]] == [
        "../schemas/ReimageVmInstance.request.json", "../schemas/StopVmInstance.request.json"]
    assert shared["parameters"] == [{"name": "vmInstanceUuid", "in": "path", "required": True,
                                     "schema": {"$ref": "../schemas/ReimageVmInstance.request.json#/$defs/path/properties/vmInstanceUuid"}}]
    assert shared["security"] == [{"OAuth": []}]
    assert paths["/v1/accounts/login"]["put"]["security"] == []  # the login page shows no Authorization header
    assert paths["/v1/accounts/login"]["put"]["operationId"] == "LogInByAccount"
    for op in (shared, paths["/v1/accounts/login"]["put"]):
        assert {"200", "202", "400", "404", "500", "503"} <= set(op["responses"])
    job = paths["/v1/api-jobs/{jobUuid}"]["get"]
    assert set(job["responses"]) == {"200", "202", "400", "404", "503"} and job["security"] == []  # RestServer.handleJobQuery asks no session
    assert "text/plain" in job["responses"]["404"]["content"]
    comps = doc["components"]
    assert comps["securitySchemes"]["OAuth"] | {"description": ""} == {"type": "apiKey", "in": "header", "name": "Authorization", "description": ""}
    assert "OAuth <session-uuid>" in comps["securitySchemes"]["OAuth"]["description"]
    for name in ("BadRequest", "NoApiMapping", "ServerError"):
        assert list(comps["responses"][name]["content"]) == ["text/plain"]
    accepted = comps["schemas"]["JobAccepted"]
    assert accepted["required"] == ["location"] and set(accepted["properties"]) == {"location", "apiTimeout"}


def test_refs_resolve_to_the_schema_files_and_nothing_is_copied(document, derived):
    doc = json.loads(document.read_text())
    external = 0
    for ref, where in refs(doc):
        target, _, fragment = ref.partition("#")
        if not target:
            pointer_get(doc, fragment)
            continue
        external += 1
        file = (document.parent / target).resolve()
        assert file.parent == derived.resolve() and file.is_file(), (ref, where)
        if fragment:
            pointer_get(json.loads(file.read_text()), fragment)
    assert external >= 10
    text = document.read_text()
    assert "x-source" not in text and "x-overlay" not in text and '"$defs":' not in text  # no schema was copied in


def _registry() -> Registry:
    def retrieve(uri: str):
        return Resource.from_contents(json.loads(Path(unquote(urlsplit(uri).path)).read_text()), default_specification=DRAFT202012)

    return Registry(retrieve=retrieve)


def test_bodies_validate_through_the_document(document, reimage_page):
    """A tool that follows the document's $refs gets the derived schemas' verdicts."""
    base = document.as_uri()

    def schema_at(pointer):
        return {"$ref": base + "#" + quote(pointer, safe="/~")}

    ok = schema_at(f"/paths/{SHARED.replace('/', '~1')}/put/responses/200/content/application~1json/schema")
    validator = jsonschema.Draft202012Validator(ok, registry=_registry())
    assert validator.is_valid(reimage_page.response_sample.value)
    broken = copy.deepcopy(reimage_page.response_sample.value)
    broken["inventory"]["memorySize"] = "big"
    assert not validator.is_valid(broken)
    failed = schema_at(f"/paths/{SHARED.replace('/', '~1')}/put/responses/503/content/application~1json/schema")
    validator = jsonschema.Draft202012Validator(failed, registry=_registry())
    assert validator.is_valid({"error": {"code": "SYS.1003"}}) and not validator.is_valid(reimage_page.response_sample.value)
    body = schema_at(f"/paths/{SHARED.replace('/', '~1')}/put/requestBody/content/application~1json/schema")
    validator = jsonschema.Draft202012Validator(body, registry=_registry())
    assert validator.is_valid({"stopVmInstance": {"type": "cold"}}) and validator.is_valid({"reimageVmInstance": {}})
    assert not validator.is_valid({"stopVmInstance": {"stopHA": "yes"}}) and not validator.is_valid({})


def test_deterministic_whatever_the_page_order(derived, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert cli("openapi", *ALL_PAGES, "--schemas", derived, "--out", a).returncode == 0
    assert cli("openapi", *reversed(ALL_PAGES), "--schemas", derived, "--out", b).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    again = cli("openapi", *ALL_PAGES, "--schemas", derived, "--out", a)
    assert again.returncode == 0 and a.read_bytes() == b.read_bytes()
    assert a.read_bytes().endswith(b"\n") and a.read_bytes().isascii()


def test_refs_follow_the_output_file_and_ref_base(derived, tmp_path):
    deep = tmp_path / "x" / "y" / "openapi.json"
    assert cli("openapi", *ALL_PAGES, "--schemas", derived, "--out", deep).returncode == 0
    doc = json.loads(deep.read_text())
    for ref, _ in refs(doc):
        if not ref.startswith("#"):
            assert (deep.parent / ref.partition("#")[0]).resolve().parent == derived.resolve()
    validate_openapi(doc, base_uri=deep.as_uri())
    # beside the schemas: bare file names; to stdout: relative to the working directory
    beside = derived / "openapi.json"
    assert cli("openapi", *ALL_PAGES, "--schemas", derived, "--out", beside).returncode == 0
    assert '"$ref": "LogInByAccount.request.json"' in beside.read_text()
    beside.unlink()
    r = cli("openapi", *ALL_PAGES, "--schemas", derived)
    rel = Path(os.path.relpath(derived.resolve(), ROOT.resolve())).as_posix()
    assert r.returncode == 0 and f'"$ref": "{rel}/LogInByAccount.request.json"' in r.stdout
    published = cli("openapi", *ALL_PAGES, "--schemas", derived, "--ref-base", "https://example.com/zstack/schemas")
    assert '"$ref": "https://example.com/zstack/schemas/LogInByAccount.request.json"' in published.stdout


def test_stdout_refs_are_relative_to_the_working_directory():
    """In the project root, with no pages: the pages the committed schemas name, refs into schemas/."""
    r = cli("openapi")
    assert r.returncode == 0, r.stderr
    named = cli("openapi", "docs/api/ReimageVmInstance.txt", "--schemas", "schemas")
    assert named.stdout == r.stdout
    doc = json.loads(r.stdout)
    assert doc["paths"][SHARED]["put"]["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReimageVmInstance.success"}
    assert doc["components"]["schemas"]["ReimageVmInstance.success"]["allOf"][0] == {"$ref": "schemas/ReimageVmInstance.response.json"}
    validate_openapi(doc, base_uri=(ROOT / "openapi.json").as_uri())


def test_nothing_is_special_cased_for_one_api(tmp_path):
    schemas = tmp_path / "schemas"
    pages = [p for p in ALL_PAGES if "Reimage" not in p]
    assert cli("derive", *pages, "--out", schemas).returncode == 0
    out = tmp_path / "openapi.json"
    r = cli("openapi", *pages, "--schemas", schemas, "--out", out)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    validate_openapi(doc, base_uri=out.as_uri())
    assert "Reimage" not in out.read_text()
    assert doc["paths"]["/v1/vm-instances/{uuid}/actions"]["put"]["operationId"] == "StopVmInstance"


def test_stale_or_missing_schemas_exit_1_and_write_nothing(derived, tmp_path):
    stale = tmp_path / "schemas"
    stale.mkdir()
    for f in derived.glob("*.json"):
        (stale / f.name).write_bytes(f.read_bytes())
    (stale / "StopVmInstance.response.json").write_text("{}\n")
    (stale / "LogInByAccount.request.json").unlink()
    out = tmp_path / "openapi.json"
    r = cli("openapi", *ALL_PAGES, "--schemas", stale, "--out", out)
    assert r.returncode == 1 and not out.exists()
    assert "StopVmInstance.response.json: stale" in r.stderr and "LogInByAccount.request.json: missing" in r.stderr
    assert "zstack-contract derive" in r.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["tests/pages/NoSuchPage.txt", "--schemas", "schemas"], "NoSuchPage.txt"),
        (["--schemas", "no-such-folder"], "no-such-folder: schemas folder does not exist"),
        (["--schemas", "docs"], "docs: no *.response.json schemas"),
    ],
)
def test_unusable_input_exit_2_one_line(args, words, tmp_path):
    r = cli("openapi", *args, "--out", tmp_path / "o.json")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "o.json").exists()


def test_schemas_alone_give_the_document_their_pages_give(derived, tmp_path):
    """Without pages the schemas' own annotations say what the document needs (endpoints, the
    Authorization header, the envelope): the same document, from any folder."""
    with_pages = cli("openapi", *ALL_PAGES, "--schemas", derived, "--ref-base", "https://example.com/s")
    alone = cli("openapi", "--schemas", derived, "--ref-base", "https://example.com/s", cwd=tmp_path)
    assert with_pages.returncode == alone.returncode == 0 and alone.stdout == with_pages.stdout


def test_query_api_with_two_endpoints(tmp_path):
    """A GET API answers at once (no 202, no job path) and has no body; several endpoints, distinct operation ids."""
    from zstack_contract.derive.openapi import Api, build_document

    for kind in ("request", "response"):
        (tmp_path / f"QueryVmInstance.{kind}.json").write_text(json.dumps({"type": "null" if kind == "request" else "object"}))
    api = Api(name="QueryVmInstance", action_key="queryVmInstance", page="p.txt", authorized=True, request={"type": "null"},
              endpoints=(("GET", "/v1/vm-instances"), ("GET", "/v1/vm-instances/{uuid}")))
    doc = build_document([api], "")
    validate_openapi(doc, base_uri=(tmp_path / "openapi.json").as_uri())
    assert "/v1/api-jobs/{jobUuid}" not in doc["paths"]  # nothing asynchronous, no job to poll
    assert sorted(doc["paths"]) == ["/v1/vm-instances", "/v1/vm-instances/{uuid}"]
    one, two = doc["paths"]["/v1/vm-instances"]["get"], doc["paths"]["/v1/vm-instances/{uuid}"]["get"]
    assert (one["operationId"], two["operationId"]) == ("QueryVmInstance", "QueryVmInstance2")
    assert "requestBody" not in one and "202" not in one["responses"] and "200" in one["responses"]
    assert two["parameters"] == [{"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}}]
