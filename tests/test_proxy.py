"""The validation proxy: clients' traffic to the simulator through it, on real sockets; its
findings against those validate gives on its recordings; answers passed on unchanged; a target
that goes away, a slow one, jobs nobody follows, secrets."""

from __future__ import annotations

import io
import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from conftest import HANG, ROOT, free_port
from test_live_suite import run_suite
from test_never_hang import socket_server
from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts.ids import new_uuid, password_hash
from zstack_contract.facts.secrets import FAKE_UUID, Redactor
from zstack_contract.findings.validation import Validation
from zstack_contract.live.replay import replay
from zstack_contract.proxy.forward import Forwarder
from zstack_contract.proxy.run import ProxyRun
from zstack_contract.proxy.server import ProxyServer
from zstack_contract.simulator import Simulator


@contextmanager
def proxy(target: str, record: Path | str | None = None, report: Path | str | None = None, schemas=ROOT / "schemas", **session):
    """A proxy to ``target`` in this process: (its base URL, its session, what it printed); held to
    the schemas of the project's page unless told otherwise (None: the newest release's contract);
    ``session``: ProxyRun's other keywords."""
    out = io.StringIO()
    run = ProxyRun(Validation(load_contracts(schemas), redactor=Redactor()), out, record=str(record) if record else None,
                   report=str(report) if report else None, **session)
    forwarder = Forwarder(target, run.step)
    server = ProxyServer(("127.0.0.1", 0), forwarder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield forwarder.public_origin + "/zstack", run, out
    finally:
        server.shutdown()
        server.server_close()
        run.close()


def findings_of(report: Path) -> list[tuple[str, str]]:
    return sorted({(f["check"], f["pointer"]) for f in json.loads((report / "zstack-contract.json").read_text())["findings"]})


def test_traffic_through_the_proxy_gets_the_findings_validate_gives_on_its_recordings(tmp_path):
    with Simulator(faults=("float-cpu", "error-200"), job_delay=0.005) as sim, \
            proxy(sim.base_url, record=tmp_path / "rec", report=tmp_path / "proxy") as (url, run, out):
        r = run_suite("--zstack-url", url, "--zstack-report", str(tmp_path / "live"), env={"ZSTACK_RATE": "1000"})
        assert r.returncode == 1  # the suite, through the proxy, fails on the faults
        time.sleep(0.1)
        run.write_reports()
    validate = subprocess.run([str(Path(sys.executable).with_name("zstack-contract")), "validate", str(tmp_path / "rec"),
                               "--report", str(tmp_path / "validate")], capture_output=True, text=True, cwd=ROOT)
    assert validate.returncode == 1, validate.stderr
    seen = findings_of(tmp_path / "proxy")
    assert seen == findings_of(tmp_path / "validate")
    assert ("response-schema", "/inventory/cpuNum") in seen and any(check == "status-body" for check, _ in seen)
    printed = out.getvalue().splitlines()
    assert printed and all(line.startswith("proxy step ") or " [" in line for line in printed)  # one line per new finding


def test_clean_traffic_has_no_findings_and_passes_answers_on_unchanged(tmp_path):
    with Simulator(job_delay=0.005) as sim, proxy(sim.base_url, report=tmp_path / "r") as (url, run, out):
        session = sim.create_session()
        auth = {"Authorization": f"OAuth {session}"}
        for method, path, kwargs in [("GET", "/v1/vm-instances", {"headers": auth, "params": {"sort": "+name"}}),
                                     ("GET", "/v1/vm-instances", {}),  # plain-text 400
                                     ("GET", "/v1/no-such-things", {"headers": auth}),  # 404 no api mapping
                                     ("PUT", f"/v1/vm-instances/{new_uuid()}/actions", {"headers": auth, "data": b"{oops"})]:  # 500
            direct = requests.request(method, sim.base_url + path, **kwargs)
            through = requests.request(method, url + path, **kwargs)
            assert (through.status_code, through.content) == (direct.status_code, direct.content), path
            hop = {"connection", "keep-alive", "date", "transfer-encoding", "content-length"}
            assert {k.lower(): v for k, v in through.headers.items() if k.lower() not in hop} == \
                {k.lower(): v for k, v in direct.headers.items() if k.lower() not in hop}
        accepted = requests.put(f"{url}/v1/vm-instances/{new_uuid()}/actions", json={"reimageVmInstance": {}}, headers=auth)
        location = accepted.json()["location"]
        assert accepted.status_code == 202 and location.startswith(url + "/v1/api-jobs/")  # the one change
        for _ in range(100):
            answer = requests.get(location, headers=auth)
            if answer.status_code != 202:
                break
            time.sleep(0.01)
        assert answer.json()["error"]["code"] == "SYS.1003"
        time.sleep(0.05)
        run.write_reports()
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert report["findings"] == [] and out.getvalue() == "" and report["summary"]["exchanges"] == 2  # the 500 and the reimage
    assert "GET /v1/no-such-things" in json.dumps(report["skipped"])  # listed by path: a gap in the derived pages


def test_keep_alive_and_chunked_bodies_on_raw_sockets():
    with Simulator(job_delay=0.005) as sim, proxy(sim.base_url) as (url, _run, _out):
        session = sim.create_session()
        host, port = url.split("//")[1].split("/")[0].split(":")
        body = b'{"reimageVmInstance": {}}'
        chunked = (f"PUT /zstack/v1/vm-instances/{new_uuid()}/actions HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth {session}\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n").encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        plain = f"GET /zstack/v1/vm-instances?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth {session}\r\n\r\n".encode()
        with socket.create_connection((host, int(port)), timeout=5) as s:
            reader = s.makefile("rb")
            answers = []
            for request in (chunked, plain, plain):  # one connection, kept alive
                s.sendall(request)
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    head += reader.read(1)
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                answers.append((head.split(b" ")[1], reader.read(length)))
        assert [status for status, _ in answers] == [b"202", b"200", b"200"]
        assert json.loads(answers[0][1])["location"].startswith("http://x/zstack/v1/api-jobs/")  # the Host the client named


def test_a_target_that_goes_away_is_a_502_and_the_proxy_goes_on():
    def half(conn, stop):
        conn.recv(65536)
        conn.close()  # gone before answering

    with socket_server(half) as broken, proxy(broken) as (url, run, _out):
        r = requests.get(f"{url}/v1/vm-instances")
        assert r.status_code == 502 and r.text.count("\n") == 1 and "did not answer GET /v1/vm-instances" in r.text
        r = requests.get(f"{url}/v1/vm-instances")  # still serving
        assert r.status_code == 502
    with proxy("http://127.0.0.1:9/zstack") as (url, _run, _out):
        assert requests.get(f"{url}/v1/vm-instances").status_code == 502


def request_head(reader) -> bytes | None:
    """The head of the next request on a connection, or None when the peer closed it."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = reader.read(1)
        if not byte:
            return None
        head += byte
    return head


def test_the_target_connection_is_kept_alive_and_made_anew_when_the_target_closed_it():
    connections = []

    def node(conn, stop):  # keeps a connection for two requests, then closes it without a word
        connections.append(conn)
        reader = conn.makefile("rb")
        for _ in range(2):
            head = request_head(reader)
            if head is None:
                return
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) if b"content-length: " in head.lower() else 0
            reader.read(length)
            method = head.split(b" ")[0]
            if method == b"HEAD":
                conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 7\r\n\r\n")
            elif method == b"DELETE":
                conn.sendall(b"HTTP/1.1 204 \r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")
        conn.close()

    with socket_server(node) as target, proxy(target) as (url, _run, _out):
        http = requests.Session()  # one client connection, kept alive
        answers = [http.head(f"{url}/v1/zones"), http.delete(f"{url}/v1/zones/x")]  # answers of no body keep it too
        time.sleep(0.05)  # the target has closed it by now
        answers += [http.get(f"{url}/v1/zones"), http.put(f"{url}/v1/zones/x/actions", json={}), http.post(f"{url}/v1/zones", json={})]
    assert [a.status_code for a in answers] == [200, 204, 200, 200, 200]
    assert len(connections) == 3  # two requests on each


def test_a_kept_connection_the_target_drops_as_a_request_goes_out_is_tried_again_when_idempotent():
    drop = set()  # request lines whose connection the node closes unanswered, once each
    received = []

    def node(conn, stop):
        reader = conn.makefile("rb")
        while (head := request_head(reader)) is not None:
            line = head.split(b"\r\n")[0].decode()
            received.append(line)
            if line in drop:
                drop.discard(line)
                conn.close()
                return
            conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")

    with socket_server(node) as target, proxy(target) as (url, _run, _out):
        http = requests.Session()
        assert http.get(f"{url}/v1/first").status_code == 200
        drop.add("GET /zstack/v1/second HTTP/1.1")
        assert http.get(f"{url}/v1/second").status_code == 200  # tried again, on a new connection
        drop.add("POST /zstack/v1/zones HTTP/1.1")
        r = http.post(f"{url}/v1/zones", json={})
        assert r.status_code == 502 and "RemoteDisconnected" in r.text
    assert received.count("GET /zstack/v1/second HTTP/1.1") == 2 and received.count("POST /zstack/v1/zones HTTP/1.1") == 1  # not sent twice


def test_an_https_target_is_verified_against_the_ca_bundle_the_environment_names(monkeypatch):
    tls_dir = ROOT / "tests" / "data" / "tls"  # a self-signed certificate for 127.0.0.1, for tests only
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(tls_dir / "cert.pem", tls_dir / "key.pem")

    def node(conn, stop):
        try:
            tls = server_tls.wrap_socket(conn, server_side=True)
        except OSError:
            return  # the proxy did not take the certificate
        reader = tls.makefile("rb")
        while request_head(reader) is not None:
            tls.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")

    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with socket_server(node) as target:
        https = target.replace("http://", "https://")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_dir / "cert.pem"))
        with proxy(https) as (url, _run, _out):
            http = requests.Session()
            assert [http.get(f"{url}/v1/zones").content for _ in range(2)] == [b"{}", b"{}"]
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        with proxy(https) as (url, _run, _out):
            r = requests.get(f"{url}/v1/zones")
            assert r.status_code == 502 and r.text.rstrip().endswith("SSLCertVerificationError")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_dir / "no-such.pem"))
    with pytest.raises(ValueError, match="^the CA bundle the environment names cannot be used: No such file"):
        Forwarder("https://127.0.0.1:1/zstack", lambda step, complete: None)


def test_answers_without_a_length_are_streamed_to_the_client_chunked_and_kept_for_the_checks(monkeypatch):
    first_seen, in_time = threading.Event(), []
    steps = []
    step = ProxyRun.step
    monkeypatch.setattr(ProxyRun, "step", lambda self, s, complete: (steps.append((s, complete)), step(self, s, complete)))

    def node(conn, stop):
        reader = conn.makefile("rb")
        head = request_head(reader)
        if head.startswith(b"GET /zstack/v1/chunked "):
            conn.sendall(b"HTTP/1.1 200 \r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"total\"\r\n")
            in_time.append(first_seen.wait(5))  # the rest once the client has the first piece: nothing waits for the whole
            conn.sendall(b"3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n")
            conn.close()  # this node reads no second request on a connection (the proxy's connections to the target are pooled)
        else:  # an answer that ends where the connection does
            conn.sendall(b"HTTP/1.1 200 \r\nConnection: close\r\n\r\n{\"total\": 2}")
            conn.close()

    with socket_server(node) as target, proxy(target) as (url, _run, _out):
        with requests.get(f"{url}/v1/chunked", stream=True, timeout=10) as r:
            pieces = r.raw.stream(64, decode_content=False)
            got = next(pieces)
            first_seen.set()
            got += b"".join(pieces)
        assert r.headers["Transfer-Encoding"] == "chunked" and got == b'{"total": 1}'
        whole = requests.get(f"{url}/v1/close-delimited", timeout=10)
        assert whole.headers["Transfer-Encoding"] == "chunked" and whole.content == b'{"total": 2}'
        time.sleep(0.05)
    assert in_time == [True]  # the client had the first piece while the target held the rest back
    assert [(s.response.body, complete) for s, complete in steps] == [({"total": 1}, True), ({"total": 2}, True)]


def test_a_slow_target_does_not_slow_other_clients():
    """The slow answer is held until the fast one has come: a proxy that served one at a time would
    hang here (bounded by conftest.HANG)."""
    asked, release = threading.Event(), threading.Event()

    def answer(conn, stop):
        request = conn.recv(65536)
        if b"/slow" in request:
            asked.set()
            release.wait(HANG)
            if stop.is_set():
                return  # the test is over
        conn.sendall(b"HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\nno")

    with socket_server(answer) as target, proxy(target) as (url, _run, _out):
        slow = threading.Thread(target=lambda: requests.get(f"{url}/v1/slow", timeout=2 * HANG), daemon=True)
        slow.start()
        assert asked.wait(HANG)  # the slow request is at the target
        assert requests.get(f"{url}/v1/fast", timeout=HANG).status_code == 404
        assert slow.is_alive()  # answered while the slow one still waits
        release.set()
        slow.join(HANG)


def test_a_job_nobody_follows_is_set_aside_not_a_break(tmp_path):
    with Simulator(job_delay=0.005) as sim, proxy(sim.base_url, report=tmp_path / "r") as (url, run, out):
        auth = {"Authorization": f"OAuth {sim.create_session()}"}
        assert requests.put(f"{url}/v1/vm-instances/{new_uuid()}/actions", json={"reimageVmInstance": {}}, headers=auth).status_code == 202
    assert run.stitcher.not_followed_count == 1 and "1 job(s) not followed" in run.summary()
    assert run.validation.findings == [] and out.getvalue() == ""


def test_a_malformed_request_gets_the_nodes_answer_and_the_finding_blames_the_client():
    def odd_node(conn, stop):  # answers anything with a 200 that is not JSON
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 5\r\n\r\n{bad}")

    with socket_server(odd_node) as target, proxy(target) as (url, run, out):
        r = requests.put(f"{url}/v1/vm-instances/{new_uuid()}/actions", data=b"[1, 2", headers={"Authorization": "OAuth x"})
        assert (r.status_code, r.content) == (200, b"{bad}")  # the node's answer, passed on
        time.sleep(0.05)
    assert "[status-body]" in out.getvalue() and "(the client's request was malformed: its body is not JSON)" in out.getvalue()


def test_the_command_prints_its_address_checks_records_and_reports_and_shows_no_secret(tmp_path):
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    with Simulator(faults=("float-cpu",), job_delay=0.005) as sim:
        proc = subprocess.Popen([exe, "proxy", "--target", sim.base_url, "--listen", "127.0.0.1:0", "--record", str(tmp_path / "rec"),
                                 "--report", str(tmp_path / "rep"), "--report-every", "0.2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:") and url.endswith("/zstack")
            login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}})
            session = login.json()["inventory"]["uuid"]
            auth = {"Authorization": f"OAuth {session}"}
            vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
            location = requests.put(f"{url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth).json()["location"]
            while requests.get(location, headers=auth).status_code == 202:
                time.sleep(0.01)
            requests.delete(f"{url}/v1/accounts/sessions/{session}", headers=auth)
            deadline = time.monotonic() + HANG  # a bound on a hang; --report-every: the reports of the session so far, while it runs
            while time.monotonic() < deadline and not _reported(tmp_path / "rep" / "zstack-contract.json"):
                time.sleep(0.05)
            assert _reported(tmp_path / "rep" / "zstack-contract.json")
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "/inventory/cpuNum: expected integer" in out and "Traceback" not in err
    assert "1 exchange(s) checked, 1 new violation(s)" in err
    shown = out + err + "".join(p.read_text() for p in [*(tmp_path / "rec").iterdir(), *(tmp_path / "rep").iterdir()])
    assert session not in shown and password_hash("password") not in shown


def test_a_session_whose_target_answered_nothing_exits_2_saying_so(tmp_path):
    """A target down all session (each client got a 502), or a session no request came to, checked
    nothing: exit 2 with one line, and the reports say it (unusable input, naming the target)."""
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    target = f"http://127.0.0.1:{free_port()}/zstack"
    for traffic, said in ((2, "answered none of the session's 2 request(s) (the last: ConnectionRefusedError"),
                          (0, "answered no request: none came through the proxy during the session")):
        report = tmp_path / str(traffic)
        proc = subprocess.Popen([exe, "proxy", "--target", target, "--listen", "127.0.0.1:0", "--report", str(report)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            for _ in range(traffic):
                assert requests.get(f"{url}/v1/vm-instances", timeout=10).status_code == 502
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=20)
        assert proc.returncode == 2, err
        told = [line for line in err.splitlines() if line.startswith("zstack-contract: error: ")]
        assert len(told) == 1 and told[0].startswith(f"zstack-contract: error: {target}: ") and said in told[0], err
        doc = json.loads((report / "zstack-contract.json").read_text())
        assert (doc["summary"]["verdict"], doc["summary"]["exitCode"]) == ("unusable input", 2)
        assert [e["file"] for e in doc["inputErrors"]] == [target] and said in doc["inputErrors"][0]["message"]
        assert (report / "zstack-contract.md").read_text().startswith("# zstack-contract: UNUSABLE INPUT\n")


def test_the_proxys_recordings_of_the_newest_release_validate_and_replay_clean(tmp_path):
    """A log-in, a read and a delete whose paths hold the password's text (``console-passwords``),
    a log-out: recorded through the proxy with each secret masked where it stands, in its shape."""
    record = tmp_path / "rec"
    with Simulator(schemas=load_contracts(), job_delay=0.005) as sim, proxy(sim.base_url, record=record, schemas=None) as (url, _, _):
        login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}})
        session = login.json()["inventory"]["uuid"]
        auth = {"Authorization": f"OAuth {session}"}
        vm = next(iter(sim.vms))
        assert requests.get(f"{url}/v1/vm-instances/{vm}/console-passwords", headers=auth).status_code == 200
        answer = requests.delete(f"{url}/v1/vm-instances/{vm}/console-password", headers=auth)
        while answer.status_code == 202:
            answer = requests.get(answer.json().get("location") or answer.url, headers=auth)
        assert answer.status_code == 200
        requests.delete(f"{url}/v1/accounts/sessions/{session}", headers=auth)
        deadline = time.monotonic() + 10
        while len(list(record.glob("*.json"))) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
    recorded = "".join(p.read_text() for p in sorted(record.glob("*.json")))
    assert session not in recorded and password_hash("password") not in recorded
    assert "/console-passwords" in recorded and f"/accounts/sessions/{FAKE_UUID}" in recorded and f"OAuth {FAKE_UUID}" in recorded
    v = subprocess.run([str(Path(sys.executable).with_name("zstack-contract")), "validate", str(record), "--release", "5.3.0",
                        "--report", str(tmp_path / "v")], capture_output=True, text=True, cwd=ROOT)
    assert v.returncode == 0, v.stdout[-2000:] + v.stderr[-2000:]
    assert json.loads((tmp_path / "v" / "zstack-contract.json").read_text())["summary"]["exchanges"] == 4
    with replay(record, release="5.3.0") as served:  # strict: every recording holds to the contract
        assert requests.get(f"http://mn:8080/zstack/v1/vm-instances/{vm}/console-passwords", headers=auth).status_code == 200
    assert len(served.served) == 1


def _reported(path: Path) -> bool:
    try:
        return json.loads(path.read_text())["summary"]["exchanges"] == 1
    except (OSError, ValueError, KeyError):
        return False


def test_jobs_are_set_aside_when_their_time_is_up_and_no_sooner():
    from zstack_contract.inputs.exchange import Request, Response, Step
    from zstack_contract.proxy import stitch

    now = [100.0]
    done = []
    stitcher = stitch.Stitcher(done.append, clock=lambda: now[0])

    def call(job: str, timeout_ms: int | None) -> Step:
        body = {"location": f"http://mn/zstack/v1/api-jobs/{job}", **({"apiTimeout": timeout_ms} if timeout_ms else {})}
        return Step(Request(method="PUT", url=f"http://mn/zstack/v1/vm-instances/{job}/actions", body={}), Response(status=202, body=body))

    def poll(job: str, status: int) -> Step:
        return Step(Request(method="GET", url=f"http://mn/zstack/v1/api-jobs/{job}"), Response(status=status, body={}))

    other = Step(Request(method="GET", url="http://mn/zstack/v1/zones"), Response(status=200, body={}))
    stitcher.step(call("a", 10_000), "p")  # due at 110
    stitcher.step(call("b", 2_000), "p")  # due at 102, though opened later
    stitcher.step(call("c", None), "p")  # followed for an hour
    stitcher.step(call("d", 1_000), "p")  # due at 101, but finished first
    stitcher.step(poll("d", 200), "p")
    assert [len(e.steps) for e in done] == [2] and stitcher.not_followed_count == 0
    now[0] = 101.5
    stitcher.step(other, "p")
    assert stitcher.not_followed_count == 0
    now[0] = 102.0
    stitcher.step(other, "p")
    assert [n.job for n in stitcher.not_followed] == ["/v1/api-jobs/b"]
    stitcher.step(poll("a", 202), "p")  # still followed
    now[0] = 109.9
    stitcher.step(other, "p")
    assert stitcher.not_followed_count == 1
    now[0] = 110.0
    stitcher.step(other, "p")
    assert [n.job for n in stitcher.not_followed] == ["/v1/api-jobs/b", "/v1/api-jobs/a"]
    now[0] = 100.0 + 3599
    stitcher.step(poll("c", 200), "p")  # an hour's job, followed to its end
    assert stitcher.not_followed_count == 2 and [len(e.steps) for e in done] == [2, 1, 1, 1, 1, 2]


def test_at_most_so_many_jobs_are_followed_the_oldest_set_aside_first(monkeypatch):
    from zstack_contract.inputs.exchange import Request, Response, Step
    from zstack_contract.proxy import stitch

    monkeypatch.setattr(stitch, "OPEN_JOBS", 3)
    stitcher = stitch.Stitcher(lambda e: None)
    for job in "abcde":
        stitcher.step(Step(Request(method="PUT", url=f"http://mn/v1/x/{job}/actions", body={}),
                           Response(status=202, body={"location": f"http://mn/v1/api-jobs/{job}"})), "p")
    assert [n.job for n in stitcher.not_followed] == ["/v1/api-jobs/a", "/v1/api-jobs/b"]
    stitcher.close()
    assert stitcher.not_followed_count == 5


def test_a_long_session_keeps_so_many_findings_of_each_kind_prints_them_all_and_counts_the_rest(tmp_path, monkeypatch):
    from zstack_contract.proxy import run as proxy_run

    monkeypatch.setattr(proxy_run, "KEEP_OF_EACH", 3)
    with Simulator(faults=("float-cpu",), job_delay=0.005) as sim, proxy(sim.base_url, report=tmp_path / "r") as (url, run, out):
        auth = {"Authorization": f"OAuth {sim.create_session()}"}
        http = requests.Session()
        vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
        for _ in range(8):
            job = http.put(f"{url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth)
            for _ in range(200):
                answer = http.get(job.json()["location"], headers=auth)
                if answer.status_code != 202:
                    break
                time.sleep(0.005)
            assert answer.status_code == 200
        time.sleep(0.05)
        run.write_reports()
    v = run.validation
    kept = {f.fingerprint for f in v.findings}
    assert kept and all(sum(1 for f in v.findings if f.fingerprint == fp) == 3 for fp in kept)
    printed = [line for line in out.getvalue().splitlines() if "[response-schema]" in line]
    assert len(printed) == len(v.findings) + v.not_kept and v.not_kept >= 5 * len(kept)  # every one printed as it came
    assert v.exit_code() == 1 and f"{v.not_kept} finding(s) like earlier ones printed but not kept" in run.summary()
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert report["summary"]["notKept"] == v.not_kept and len(report["findings"]) == len(v.findings)
    assert f"{v.not_kept} more findings of the same API, check and path" in (tmp_path / "r" / "zstack-contract.md").read_text()


def test_paths_of_no_known_api_are_listed_up_to_a_bound_and_counted_past_it(tmp_path, monkeypatch):
    from zstack_contract.proxy import run as proxy_run

    monkeypatch.setattr(proxy_run, "LISTED", 2)
    with Simulator(job_delay=0.005) as sim, proxy(sim.base_url, report=tmp_path / "r") as (url, run, _out):
        http = requests.Session()
        for name in ("zones", "zones", "hosts", "clusters", "l2-networks"):
            assert http.get(f"{url}/v1/{name}/{new_uuid()}").status_code == 404  # no api mapping
        time.sleep(0.05)
        run.write_reports()
    report = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert [s["message"] for s in report["skipped"]] == ["no known API answers GET /v1/zones/{uuid}", "no known API answers GET /v1/hosts/{uuid}"]
    assert "5 of no known API (2 path(s) listed)" in run.summary()


def test_the_command_holds_traffic_to_the_release_it_is_given(tmp_path):
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    with Simulator(job_delay=0.005) as sim:
        proc = subprocess.Popen([exe, "proxy", "--target", sim.base_url, "--listen", "127.0.0.1:0", "--release", "3.10.40",
                                 "--report", str(tmp_path / "rep")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            assert requests.get(f"{url}/v1/vm-instances", timeout=10).status_code == 400  # no session: refused, checked all the same
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert len(json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())["apis"]) == 435  # 3.10.40's


def test_a_check_that_raises_is_one_line_and_its_exchange_is_still_counted(tmp_path):
    """The proxy used to drop such an exchange silently."""
    from test_registry import RAISING_CHECK, SECRET_SESSION, _one_fault_line
    from zstack_contract.checks import REGISTRY
    from zstack_contract.checks.registry import load_plugin

    (tmp_path / "raising.py").write_text(RAISING_CHECK)
    load_plugin(str(tmp_path / "raising.py"))  # as validate --plugin does
    try:
        with Simulator(job_delay=0.005) as sim, proxy(sim.base_url, report=tmp_path / "rep") as (url, run, out):
            session = sim.create_session()
            auth = {"Authorization": f"OAuth {session}"}
            vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
            location = requests.put(f"{url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth, timeout=30).json()["location"]
            while requests.get(location, headers=auth, timeout=30).status_code == 202:
                time.sleep(0.01)
            deadline = time.monotonic() + HANG  # a bound on a hang: the exchange is checked as soon as its job's end is passed on
            while run.validation.exchanges + len(run.validation.findings) == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        REGISTRY.remove("raising-check")
    _one_fault_line(out.getvalue().replace(session, SECRET_SESSION), f"OAuth {FAKE_UUID}")
    assert run.validation.exchanges == 1 and run.summary().startswith("zstack-contract proxy: 1 exchange(s) checked, 1 new violation(s)")


@pytest.mark.parametrize("answer", [b'{"inventory": {"cpuNum": 1.5, "cpuNum": 1}}', b'{"inventory": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_an_answer_breaking_the_json_rule_is_no_json_document_to_the_checks(answer):
    """A node's answer is read by the rule of every input: a duplicate key is not the last key's
    value (which would pass), 100 000 levels are not a RecursionError; the exchange is still checked."""
    def odd_node(conn, stop):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))

    with socket_server(odd_node) as target, proxy(target) as (url, run, out):
        r = requests.put(f"{url}/v1/vm-instances/{new_uuid()}/actions", json={"reimageVmInstance": {}}, headers={"Authorization": "OAuth x"})
        assert r.content == answer
        for _ in range(200):
            if run.validation.exchanges:
                break
            time.sleep(0.01)
    assert run.validation.exchanges == 1 and run.validation.new_violations(), out.getvalue()
    assert "expected a JSON body with inventory, found text '{\"inventory\": " in out.getvalue() and "[status-body]" in out.getvalue()
