"""What the OpenAPI export says beyond the pages, held to the answers of a real simulator on
loopback: a ``200`` carries the success half of the envelope and a ``503`` the error half, the
``202`` links to the job poll and a running poll to the next, the HTTP layer's ``400`` is plain
text, and no answer has a Content-Type."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate as validate_openapi

from test_openapi import ALL_PAGES, _registry, cli
from zstack_contract.simulator import Simulator

JOB = "/v1/api-jobs/{jobUuid}"
SHARED = "/v1/vm-instances/{vmInstanceUuid}/actions"
HOSTNAMES = "/v1/vm-instances/{uuid}/hostnames"
PAGES_HERE = [*ALL_PAGES, "tests/pages/DeleteVmHostname.txt"]  # with an API that answers {} on success
MISSING_VM = "0" * 32
# OpenAPI's runtime expressions for a body (RFC 6901 pointer) or a path parameter
BODY_EXPRESSION = re.compile(r"^\$response\.body#(/([^/~]|~[01])*)*$")
PATH_EXPRESSION = re.compile(r"^\$request\.path\.[^\s.]+$")


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    root = tmp_path_factory.mktemp("openapi")
    schemas = root / "schemas"
    assert cli("derive", *PAGES_HERE, "--out", schemas).returncode == 0
    out = root / "openapi.json"
    r = cli("openapi", *PAGES_HERE, "--schemas", schemas, "--out", out)
    assert r.returncode == 0, r.stderr
    return out, json.loads(out.read_text())


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_of(doc: dict, path: str, method: str, status: str) -> tuple[dict, str]:
    """The response object of an operation's status, and its pointer (through a components $ref)."""
    pointer = f"/paths/{escape(path)}/{method}/responses/{status}"
    response = doc["paths"][path][method]["responses"][status]
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
        response = doc["components"]["responses"][pointer.rsplit("/", 1)[1]]
    return response, pointer


def schema(document, path: str, method: str, status: str) -> jsonschema.Draft202012Validator:
    """The body schema of that answer, as a tool following the document's $refs sees it."""
    out, doc = document
    response, pointer = response_of(doc, path, method, status)
    (media,) = response["content"]
    ref = out.as_uri() + "#" + quote(f"{pointer}/content/{escape(media)}/schema", safe="/~")
    return jsonschema.Draft202012Validator({"$ref": ref}, registry=_registry())


def follow(link: dict, request_path: dict, body) -> dict:
    """The target's path parameters a link gives, evaluated as Schemathesis does (with its
    ``#regex:`` extractor: the first group of a search in the string the pointer names)."""
    params = {}
    for name, expression in link["parameters"].items():
        if expression.startswith("$request.path."):
            params[name] = request_path[expression.removeprefix("$request.path.")]
            continue
        pointer, _, pattern = expression.removeprefix("$response.body#").partition("#regex:")
        value = body
        for part in pointer.split("/")[1:]:
            value = value[part.replace("~1", "/").replace("~0", "~")]
        params[name] = re.search(pattern, value).group(1) if pattern else value
    return params


def test_document_with_an_empty_success_is_valid_openapi(document):
    out, doc = document
    validate_openapi(doc, base_uri=out.as_uri())
    assert set(doc["paths"][HOSTNAMES]["delete"]["responses"]) == {"200", "202", "400", "404", "500", "503"}


def test_200_carries_success_only_and_503_error_only(document, reimage_page):
    """An error answered 200 breaks the 200 schema, a success answered 503 the 503 schema."""
    error = {"error": {"code": "SYS.1003", "description": "Resource not found"}}
    success = reimage_page.response_sample.value
    for path, method in ((SHARED, "put"), (JOB, "get")):
        ok, failed = schema(document, path, method, "200"), schema(document, path, method, "503")
        assert ok.is_valid(success) and not ok.is_valid(error), path
        assert failed.is_valid(error) and not failed.is_valid(success), path
        assert not ok.is_valid(success | error) and not failed.is_valid({})
        assert not ok.is_valid({"error": {"description": "no code"}}) and not failed.is_valid({"error": {"description": "no code"}})
    # both halves at once: neither answer of a reimage (a job's 503 may be one of an API that answers {},
    # for which an inventory is an undocumented field); a reimage's success has its inventory
    assert not schema(document, SHARED, "put", "503").is_valid(success | error)
    assert not schema(document, SHARED, "put", "200").is_valid({})
    # an API whose page says it answers {}: the 200 is {} (or anything without an error); so is its job's
    assert schema(document, JOB, "get", "200").is_valid({})
    ok, failed = schema(document, HOSTNAMES, "delete", "200"), schema(document, HOSTNAMES, "delete", "503")
    assert ok.is_valid({}) and not ok.is_valid(error)
    assert failed.is_valid(error) and not failed.is_valid({})


def test_links_name_real_operations_and_parameters(document):
    _out, doc = document
    ops = {op["operationId"]: op for item in doc["paths"].values() for op in item.values() if "operationId" in op}
    links = [link for resp in doc["components"]["responses"].values() for link in resp.get("links", {}).values()]
    links += [link for item in doc["paths"].values() for op in item.values()
              for resp in op["responses"].values() for link in resp.get("links", {}).values()]
    assert len(links) == 2
    for link in links:
        target = ops[link["operationId"]]
        assert set(link["parameters"]) == {p["name"] for p in target["parameters"] if p["in"] == "path"}
        for expression in link["parameters"].values():
            assert BODY_EXPRESSION.match(expression) or PATH_EXPRESSION.match(expression), expression
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method != "get" or path == JOB:
                assert "links" in response_of(doc, path, method, "202")[0], (path, method)


def session(sim: Simulator) -> dict:
    return {"Authorization": "OAuth " + sim.create_session()}


def reimage(sim: Simulator, vm: str):
    return requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=session(sim), timeout=10)


def poll(sim: Simulator, params: dict):
    return requests.get(sim.base_url + JOB.format(**params), headers=session(sim), timeout=10)


def test_the_202_link_reaches_the_job_answer(document):
    """The 202 of a real node, followed by the document's link, is the job's final answer: a 503
    for a VM that does not exist, a 200 for a Stopped one; each holds to its status's schema only."""
    _out, doc = document
    accepted, _ = response_of(doc, SHARED, "put", "202")
    with Simulator(job_delay=0) as sim:
        stopped = next(uuid for uuid, vm in sim.vms.items() if vm["state"] == "Stopped")
        for vm, status in ((MISSING_VM, 503), (stopped, 200)):
            first = reimage(sim, vm)
            assert first.status_code == 202 and schema(document, SHARED, "put", "202").is_valid(first.json())
            job = follow(accepted["links"]["poll"], {"vmInstanceUuid": vm}, first.json())
            assert first.json()["location"].endswith("/api-jobs/" + job["jobUuid"])
            end = poll(sim, job)
            assert end.status_code == status, end.text
            other = {200: "503", 503: "200"}[status]
            assert schema(document, JOB, "get", str(status)).is_valid(end.json())
            assert not schema(document, JOB, "get", other).is_valid(end.json())
            assert "Content-Type" not in first.headers and "Content-Type" not in end.headers


def test_a_running_poll_links_to_the_next(document):
    _out, doc = document
    running, _ = response_of(doc, JOB, "get", "202")
    with Simulator(faults=("never-done",)) as sim:
        first = reimage(sim, MISSING_VM)
        job = follow(response_of(doc, SHARED, "put", "202")[0]["links"]["poll"], {}, first.json())
        for _ in range(2):
            answer = poll(sim, job)
            assert answer.status_code == 202 and schema(document, JOB, "get", "202").is_valid(answer.json())
            job = follow(running["links"]["pollAgain"], job, answer.json())


def test_a_failed_job_answered_200_breaks_the_200_schema(document):
    with Simulator(faults=("error-200",), job_delay=0) as sim:
        first = reimage(sim, MISSING_VM)
        end = poll(sim, {"jobUuid": first.json()["location"].rsplit("/", 1)[1]})
        assert end.status_code == 200 and "error" in end.json()
        assert not schema(document, JOB, "get", "200").is_valid(end.json())


def test_the_http_layers_400_is_plain_text_as_documented(document):
    _out, doc = document
    bad, _ = response_of(doc, SHARED, "put", "400")
    assert list(bad["content"]) == ["text/plain"] and "missing header 'Authorization'" in bad["description"]
    assert "never 401" in bad["description"] and "401" not in doc["paths"][SHARED]["put"]["responses"]
    assert "No Content-Type header" in bad["description"]
    with Simulator() as sim:
        answer = requests.put(f"{sim.base_url}/v1/vm-instances/{MISSING_VM}/actions", json={"reimageVmInstance": {}}, timeout=10)
    assert (answer.status_code, answer.text) == (400, "missing header 'Authorization'")
    assert "Content-Type" not in answer.headers
