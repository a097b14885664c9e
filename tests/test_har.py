"""HAR captures as recordings: entries to exchanges, job polls tied to their call, bodies in every
form exporters write them, unrelated traffic skipped and counted, broken files one clear line."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import ROOT, child_pytest
from test_validate import RECORDINGS, exe
from zstack_contract.errors import InputError
from zstack_contract.facts.secrets import FAKE_UUID
from zstack_contract.inputs.har import exchanges_from_har

STOPPED = json.loads((RECORDINGS / "ReimageVmInstance.stopped-vm.exchange.json").read_text())
SECRET = "OAuth 0123456789abcdef0123456789abcdef"
JOB = "5b8c4bc3c1b34f0d8e0b6b8b0c6d2e11"


def entry(method, url, status, body=None, *, req=None, second=0, b64=False, req_headers=None, text=None) -> dict:
    """One HAR entry; ``body``/``req`` are JSON values (``text`` a raw response text instead)."""
    content: dict = {"size": 0, "mimeType": ""}
    raw = text if text is not None else (json.dumps(body) if body is not None else None)
    if raw is not None:
        content = {"size": len(raw), "mimeType": "application/json", "text": raw}
        if b64:
            content["text"], content["encoding"] = base64.b64encode(raw.encode()).decode(), "base64"
    request = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": req_headers or [], "queryString": [], "cookies": []}
    if req is not None:
        request["postData"] = {"mimeType": "application/json;charset=UTF-8", "text": json.dumps(req)}
    return {
        "startedDateTime": f"2024-05-01T10:00:{second:02d}.000+02:00",
        "time": 12.5,
        "request": request,
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [], "content": content},
    }


def har(*entries) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": list(entries)}}


def stopped_entries(exchange=STOPPED, b64=False) -> list[dict]:
    """The bundled stopped-VM reimage as HAR entries: the call, its polls, the final 200."""
    out = []
    for n, step in enumerate(exchange["steps"]):
        rq, rs = step["request"], step["response"]
        headers = [{"name": "Authorization", "value": SECRET}]
        out.append(entry(rq["method"], rq["url"], rs["status"], rs.get("body"), req=rq.get("body"), second=n, b64=b64, req_headers=headers))
    return out


def unrelated() -> list[dict]:
    return [
        entry("GET", "https://cdn.example.com/app.js", 200, text="console.log(1)", second=30),
        entry("OPTIONS", "http://10.0.0.5:8080/zstack/v1/vm-instances/efb855424e2b38d3bc320f105a13bc0b/actions", 204, second=31),
        entry("GET", "http://10.0.0.5:5000/theme.css", 200, text="body{}", second=32),
    ]


def write_har(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def validate(*args) -> subprocess.CompletedProcess:
    return subprocess.run([exe("zstack-contract"), "validate", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def report(folder: Path) -> dict:
    return json.loads((folder / "zstack-contract.json").read_text())


# --- reading -----------------------------------------------------------------------------------
def test_polls_become_later_steps_of_their_call_in_time_order():
    entries = stopped_entries() + unrelated()
    shuffled = list(reversed(entries))  # file order is not time order; startedDateTime is
    got = exchanges_from_har(har(*shuffled), "c.har")
    calls = [x for x in got if x.call.request.method == "PUT"]
    assert len(calls) == 1 and len(got) == 1 + len(unrelated())
    assert [s.response.status for s in calls[0].steps] == [202, 202, 200]
    assert calls[0].source == f"c.har#entries[{len(entries) - 1}]"  # the call's place in the file
    assert calls[0].call.request.headers["Authorization"] == f"OAuth {FAKE_UUID}"


def test_poll_ties_by_job_path_even_when_the_location_names_another_host():
    entries = stopped_entries()
    entries[0]["response"]["content"]["text"] = json.dumps({"location": f"http://192.168.0.9:8080/zstack/v1/api-jobs/{JOB}", "apiTimeout": 1})
    got = exchanges_from_har(har(*entries), "c.har")
    assert len(got) == 1 and len(got[0].steps) == 3


def test_a_location_that_is_not_a_url_names_no_job_and_a_request_url_that_is_not_one_is_one_line():
    entries = stopped_entries()
    entries[0]["response"]["content"]["text"] = json.dumps({"location": f"http://[::1/zstack/v1/api-jobs/{JOB}", "apiTimeout": 1})
    assert [len(x.steps) for x in exchanges_from_har(har(*entries), "c.har")] == [1, 1, 1]  # the polls stay apart
    entries[2]["request"]["url"] = f"http://[::1/zstack/v1/api-jobs/{JOB}"
    with pytest.raises(InputError) as exc:
        exchanges_from_har(har(*entries), "c.har")
    assert str(exc.value) == "c.har: entries[2].request.url: not a usable URL: a '[' or ']' of an IPv6 host without its pair"


def test_poll_without_its_call_stays_apart_and_other_jobs_are_not_mixed():
    other = entry("GET", "http://10.0.0.5:8080/zstack/v1/api-jobs/ffffffffffffffffffffffffffffffff", 200, {"inventory": {}}, second=5)
    got = exchanges_from_har(har(*stopped_entries(), other), "c.har")
    assert [len(x.steps) for x in got] == [3, 1]


def test_bodies_base64_missing_and_no_answer():
    entries = stopped_entries(b64=True)
    entries[1]["response"]["content"] = {"size": 0, "mimeType": ""}  # a running poll with no body (older servers)
    del entries[2]["response"]["content"]  # no content at all: an empty body
    aborted = entry("PUT", "http://10.0.0.5:8080/zstack/v1/vm-instances/x/actions", 0, second=40)
    got = exchanges_from_har(har(*entries, aborted), "c.har")
    assert len(got) == 1
    call, poll, final = got[0].steps
    assert call.response.body["location"].endswith(JOB) and call.request.body == {"reimageVmInstance": {}, "systemTags": [], "userTags": []}
    assert poll.response.is_empty and final.response.is_empty


@pytest.mark.parametrize(
    "doc, words",
    [
        ([], "expected object, found an array"),
        ({}, "no 'log'"),
        ({"log": {}}, "log: no 'entries'"),
        ({"log": {"entries": {}}}, "log.entries: expected array"),
        ({"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}}]}}, "log.entries[0]: no 'response'"),
        (har(entry("GET", "http://x/", "200")), "log.entries[0].response.status: expected integer, found a string"),
        (har({**entry("GET", "http://x/", 200), "request": {"method": "GET", "url": "http://x/", "headers": [{"name": "Authorization", "value": 7}]}}),
         "log.entries[0].request.headers[0].value: expected string"),
    ],
)
def test_broken_shapes_name_the_place(doc, words):
    with pytest.raises(InputError) as exc:
        exchanges_from_har(doc, "c.har")
    assert str(exc.value).startswith("c.har: not a usable HAR file") and words in str(exc.value)


def test_bad_base64_and_unknown_encoding_name_the_entry():
    bad = har(entry("GET", "http://x/", 200, {"a": 1}, b64=True))
    bad["log"]["entries"][0]["response"]["content"]["text"] = "not base64!"
    with pytest.raises(InputError, match=r"entries\[0\]\.response\.content\.text: not valid base64"):
        exchanges_from_har(bad, "c.har")
    bad["log"]["entries"][0]["response"]["content"]["encoding"] = "gzip"
    with pytest.raises(InputError, match="unsupported encoding 'gzip'"):
        exchanges_from_har(bad, "c.har")


# --- the CLI and the recorded suite ----------------------------------------------------------
def test_capture_passes_and_unrelated_entries_are_counted(tmp_path):
    f = write_har(tmp_path / "capture.har", har(*reversed(stopped_entries() + unrelated())))
    r = validate(f, "--report", tmp_path / "rep")
    assert r.returncode == 0, r.stdout + r.stderr
    summary = report(tmp_path / "rep")["summary"]
    assert summary["exchanges"] == 1 and summary["skipped"] == len(unrelated()) and summary["files"] == 1
    assert SECRET not in r.stdout + r.stderr


def test_a_log_out_in_a_capture_never_shows_its_session(tmp_path):
    session = "9a8b7c6d5e4f40a1b2c3d4e5f6a7b8c9"
    logout = entry("DELETE", f"http://10.0.0.5:8080/zstack/v1/accounts/sessions/{session}", 200, {}, second=40)
    f = write_har(tmp_path / "capture.har", har(*stopped_entries(), logout))
    r = validate(f, "--report", tmp_path / "rep")
    assert r.returncode == 0, r.stdout + r.stderr
    shown = r.stdout + r.stderr + "".join(p.read_text() for p in (tmp_path / "rep").iterdir())
    assert session not in shown and f"/v1/accounts/sessions/{FAKE_UUID}" in shown  # the log-out is listed, as of no known API


def test_base64_and_missing_bodies_pass(tmp_path):
    entries = stopped_entries(b64=True)
    entries[1]["response"]["content"] = {"size": 0, "mimeType": ""}
    del entries[1]["request"]["headers"]
    r = validate(write_har(tmp_path / "b64.har", har(*entries)), "--report", tmp_path / "rep")
    assert r.returncode == 0, r.stdout + r.stderr
    assert report(tmp_path / "rep")["summary"]["documents"] == 1  # the final 200


def test_broken_body_fails_with_pointer_and_page_line(tmp_path):
    broken = copy.deepcopy(STOPPED)
    broken["steps"][-1]["response"]["body"]["inventory"]["memorySize"] = "big"
    f = write_har(tmp_path / "broken.har", har(*stopped_entries(broken), *unrelated()))
    r = validate(f, "--report", tmp_path / "rep")
    assert r.returncode == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "/inventory/memorySize" in ln)
    assert line.startswith(f"violation: {f.as_posix()}#entries[0] step 2: /inventory/memorySize: expected integer")
    assert "docs/api/ReimageVmInstance.txt:" in line and "memorySize" in line
    rep = report(tmp_path / "rep")
    assert rep["summary"]["skipped"] == len(unrelated())
    assert SECRET not in r.stdout + r.stderr + json.dumps(rep) + (tmp_path / "rep" / "zstack-contract.md").read_text()


def test_orphan_poll_is_skipped_and_counted(tmp_path):
    orphan = entry("GET", f"http://10.0.0.5:8080/zstack/v1/api-jobs/{JOB}", 200, {"inventory": {}})
    r = validate(write_har(tmp_path / "o.har", har(orphan)), "--report", tmp_path / "rep")
    assert r.returncode == 0, r.stdout + r.stderr
    assert report(tmp_path / "rep")["summary"]["skipped"] == 1


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "invalid JSON at line 1"),
        ("[]", "not a usable HAR file: expected object"),
        ('{"log": {"entries": 3}}', "log.entries: expected array, found an integer"),
        ("", "empty file"),
    ],
)
def test_broken_har_exit_2_one_line(tmp_path, content, words):
    f = write_har(tmp_path / "bad.har", content)
    r = validate(f, "--report", tmp_path / "rep")
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zstack-contract: error: {f.as_posix()}: "), r.stderr
    assert words in r.stderr and "Traceback" not in r.stderr


def test_folders_pick_up_har_files_and_the_recorded_suite_reads_them(tmp_path):
    folder = tmp_path / "recordings"
    write_har(folder / "capture.har", har(*stopped_entries(), *unrelated()))
    write_har(folder / "UPPER.HAR", har(*stopped_entries(b64=True)))
    r = validate(folder, "--report", tmp_path / "rep")
    assert r.returncode == 0 and "2 file(s)" in r.stdout, r.stdout + r.stderr
    p = subprocess.run(
        child_pytest("contract_tests/test_recorded.py", "--zstack-recordings", str(folder), "--zstack-report", str(tmp_path / "rep2")),
        capture_output=True, text=True, cwd=ROOT,
    )
    assert p.returncode == 0 and "2 passed" in p.stdout, p.stdout + p.stderr
    broken = copy.deepcopy(STOPPED)
    broken["steps"][-1]["response"]["body"]["inventory"]["memorySize"] = "big"
    write_har(folder / "capture.har", har(*stopped_entries(broken)))
    p = subprocess.run(
        child_pytest("contract_tests/test_recorded.py", "--zstack-recordings", str(folder), "--zstack-report", str(tmp_path / "rep3")),
        capture_output=True, text=True, cwd=ROOT,
    )
    assert p.returncode == 1 and "/inventory/memorySize" in p.stdout and SECRET not in p.stdout, p.stdout


def test_api_option_names_bare_bodies_only_not_capture_entries(tmp_path):
    """--api must not hold a capture's unrelated entries to an API they never called."""
    f = tmp_path / "c.har"
    f.write_text(json.dumps(har(*(stopped_entries() + unrelated()))))
    r = subprocess.run([str(Path(sys.executable).with_name("zstack-contract")), "validate", str(f), "--api", "ReimageVmInstance",
                        "--report", str(tmp_path / "rep")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert report["summary"]["skipped"] == len(unrelated()) and report["summary"]["exchanges"] == 1


# --- one JSON rule for every body, whatever file holds it ---------------------------------------
# A body that is JSON but breaks a rule: (bytes, words of the one line). The same bytes as a plain
# file, inside an exchange record and as a HAR body (request or response, plain or base64) are
# refused alike, each naming its file, and a HAR body also its entry.
BROKEN_BODIES = {
    "duplicate": (b'{"inventory": {"cpuNum": 1.5, "cpuNum": 1}}', "duplicate key 'cpuNum' in one object"),
    "escaped-duplicate": (b'{"inventory": {"cpuNum": 1.5, "cpu\\u004eum": 1}}', "duplicate key 'cpuNum' in one object"),
    "nan": (b'{"inventory": {"cpuNum": NaN}}', "NaN is not valid JSON"),
    "infinity": (b'{"inventory": {"memorySize": -Infinity}}', "-Infinity is not valid JSON"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "JSON nested more than 201 levels deep"),
    "just-too-deep": (b'{"inventory": ' + b"[" * 201 + b"]" * 201 + b"}", "JSON nested more than 201 levels deep"),
    "digits": (b'{"inventory": {"cpuNum": ' + b"9" * 5000 + b"}}", "has more than 4300 digits; no answer of a node has one"),
}


@pytest.mark.parametrize("name", BROKEN_BODIES)
def test_a_body_breaking_a_json_rule_is_refused_alike_in_every_kind_of_file(name):
    from zstack_contract.inputs.recordings import exchanges_in

    body, words = BROKEN_BODIES[name]
    with pytest.raises(InputError) as plain:
        exchanges_in(body, "body.json")
    assert str(plain.value).startswith("body.json: ") and str(plain.value).endswith(words)
    if name != "deep":  # a record of it is as deep, and said to be so
        record = json.dumps({"format": "zstack-contract.exchange/1", "steps": [
            {"request": {"method": "GET", "url": "http://x/zstack/v1/vm-instances"}, "response": {"status": 200, "body": "BODY"}}]})
        with pytest.raises(InputError) as recorded:
            exchanges_in(record.replace('"BODY"', body.decode()).encode(), "r.exchange.json")
        assert str(recorded.value).startswith("r.exchange.json: ") and str(recorded.value).endswith(words)
    for b64 in (False, True):
        doc = har(*stopped_entries(b64=b64))
        content = doc["log"]["entries"][2]["response"]["content"]
        content["text"] = base64.b64encode(body).decode() if b64 else body.decode()
        with pytest.raises(InputError) as captured:
            exchanges_from_har(doc, "c.har")
        assert str(captured.value).startswith("c.har: entries[2].response.content.text: ") and str(captured.value).endswith(words)
        doc = har(*stopped_entries(b64=b64))
        doc["log"]["entries"][0]["request"]["postData"]["text"] = body.decode()
        with pytest.raises(InputError, match=r"^c\.har: entries\[0\]\.request\.postData\.text: ") as sent:
            exchanges_from_har(doc, "c.har")
        assert str(sent.value).endswith(words)


def test_a_har_body_that_is_not_json_at_all_stays_text():
    doc = har(entry("GET", "http://10.0.0.5:8080/zstack/v1/nothing", 404, text="no api mapping to /v1/nothing"),
              entry("PUT", "http://10.0.0.5:8080/zstack/v1/x", 500, text='{"truncated": [1, 2'),
              entry("GET", "http://10.0.0.5:8080/zstack/v1/y", 200, text="   "))
    texts = [(x.call.response.has_json, x.call.response.text) for x in exchanges_from_har(doc, "c.har")]
    assert texts == [(False, "no api mapping to /v1/nothing"), (False, '{"truncated": [1, 2'), (False, "   ")]


def test_validate_names_each_broken_har_body_and_checks_the_other_files(tmp_path):
    folder = tmp_path / "in"
    for name in ("duplicate", "deep"):
        doc = har(*stopped_entries())
        doc["log"]["entries"][2]["response"]["content"]["text"] = BROKEN_BODIES[name][0].decode()
        write_har(folder / f"{name}.har", doc)
    write_har(folder / "good.har", har(*stopped_entries()))
    r = validate(folder, RECORDINGS, "--report", tmp_path / "rep", "--junit", tmp_path / "junit.xml", "--jobs", "1")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr and "internal error" not in r.stderr
    assert r.stderr.splitlines() == [
        f"zstack-contract: error: {(folder / 'deep.har').as_posix()}: entries[2].response.content.text: JSON nested more than 201 levels deep",
        f"zstack-contract: error: {(folder / 'duplicate.har').as_posix()}: entries[2].response.content.text: duplicate key 'cpuNum' in one object",
    ]
    rep = report(tmp_path / "rep")
    assert rep["summary"]["files"] == 3 + 4 and rep["summary"]["inputErrors"] == 2 and rep["summary"]["exchanges"] == 1 + 4
    cases = {c.get("name"): c for c in ElementTree.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    assert [n for n, c in cases.items() if len(c)] == ["deep.har", "duplicate.har"]  # each an error, the others passed
    assert cases["deep.har"][0].tag == "error" and "JSON nested more than 201 levels deep" in cases["deep.har"][0].get("message")
