"""The proxy's HTTP engine against hostile clients and targets, on real loopback sockets (issue 25,
the harms of items 1, 2, 3 and 6's locations): malformed or unfinished requests are never
forwarded, a PUT is never sent twice, answers of any size stream under bounds and deadlines,
half-sent heads do not starve real clients, job locations name the address the client used.

Raw ``socket`` clients speak the malformed framing; small targets in this file play what the
simulator cannot (a node that drops a connection after reading a PUT, one that drips, one that
announces 10 GiB)."""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from test_never_hang import socket_server
from test_proxy import request_head

from conftest import HANG, ROOT
from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts.ids import new_uuid
from zstack_contract.facts.secrets import Redactor
from zstack_contract.findings.validation import Validation
from zstack_contract.proxy.forward import Forwarder
from zstack_contract.proxy.run import ProxyRun
from zstack_contract.proxy.server import ProxyServer
from zstack_contract.simulator import Simulator

MIB = 1024 * 1024


@contextmanager
def proxy(target: str, listen: str = "127.0.0.1", **limits):
    """A proxy to ``target`` in this process, with the given bounds: (its host, its port, the
    steps it passed on as (step, complete), its session)."""
    steps: list = []
    run = ProxyRun(Validation(load_contracts(ROOT / "schemas"), redactor=Redactor()), io.StringIO())

    def on_step(step, complete):
        steps.append((step, complete))
        run.step(step, complete)

    if limits:
        from zstack_contract.proxy.limits import Limits

        forwarder = Forwarder(target, on_step, limits=Limits(**limits))
    else:
        forwarder = Forwarder(target, on_step)
    server = ProxyServer((listen, 0), forwarder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1], steps, run
    finally:
        server.shutdown()
        server.server_close()
        run.close()


@contextmanager
def recording_target():
    """A node answering every request head it reads with ``200 {}``: (its URL, every byte it read)."""
    received: list[bytes] = []

    def node(conn, stop):
        while data := conn.recv(65536):
            received.append(data)
            if b"\r\n\r\n" in data:
                conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")

    with socket_server(node) as url:
        yield url, received


def exchange(port: int, data: bytes, finish: bool = False, to_close: bool = False) -> bytes:
    """What the proxy answers a raw request: its answer, or with ``to_close`` all it sends until
    it closes the connection; ``finish``: the client closes its sending side, as one that gave up would."""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as s:
        s.sendall(data)
        if finish:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
            if b"\r\n\r\n" in out and not finish and not to_close:
                head, _, body = out.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) if b"content-length: " in head.lower() else 0
                if len(body) >= length:
                    break
        return out


# -- 1. a request is forwarded only whole and well framed ----------------------------------------------

UNFINISHED = {  # the client stops sending (and closes its side) before the request is whole
    "a DELETE head without its blank line": b"DELETE /zstack/v1/vm-instances/0123 HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth s\r\n",
    "a PUT announcing 200 bytes and sending 60": b"PUT /zstack/v1/vm-instances/0123/actions HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n"
                                                 + b'{"rebootVmInstance": {}}'.ljust(60),
}
MALFORMED = {  # refused with a 400 as they come
    "two Content-Lengths smuggling a request": b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 43\r\n\r\n"
                                               b"GET /zstack/v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "Content-Length: -1": b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    "Transfer-Encoding: xchunked": b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "an obs-fold header": b"GET /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth\r\n s\r\n\r\n",
    "a chunk size of -1": b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{}",
}


@pytest.mark.parametrize("name", UNFINISHED)
def test_an_unfinished_request_is_never_forwarded(name):
    with recording_target() as (target, received), proxy(target) as (_host, port, steps, _run):
        answer = exchange(port, UNFINISHED[name], finish=True)
        time.sleep(0.2)  # what the proxy would forward would be at the target by now
    assert received == [] and steps == []
    assert answer == b"" or answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 408", b"HTTP/1.0 400"))


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_framing_is_a_400_and_never_forwarded(name):
    with recording_target() as (target, received), proxy(target) as (_host, port, steps, _run):
        answer = exchange(port, MALFORMED[name])
        time.sleep(0.2)
    assert answer.split(b" ")[1] == b"400", answer[:200]
    assert received == [] and steps == []


def test_an_absolute_form_target_does_not_pass_its_host_on():
    with recording_target() as (target, received), proxy(target) as (_host, port, _steps, _run):
        answer = exchange(port, b"GET http://evil.example/zstack/v1/zones HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    head = b"".join(received)
    target_port = target.split(":")[2].split("/")[0]
    assert answer.startswith(b"HTTP/1.1 200") and b"evil" not in head, head
    assert head.startswith(b"GET /zstack/v1/zones HTTP/1.1\r\n") and f"Host: 127.0.0.1:{target_port}\r\n".encode() in head


# -- 3. no automatic resend of a non-idempotent request --------------------------------------------------

def test_a_put_or_delete_the_target_drops_after_reading_is_sent_once_a_get_again():
    """Every ZStack action is a PUT: a target closing a kept-alive connection right after reading
    one must not get it a second time (a reboot ran twice); a GET may be sent again."""
    received: list[str] = []
    drop = {"PUT", "DELETE", "GET"}  # each dropped once, after being read, on a connection kept from an earlier answer

    def node(conn, stop):
        reader = conn.makefile("rb")
        answered = 0
        while (head := request_head(reader)) is not None:
            method = head.split(b" ")[0].decode()
            received.append(method)
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) if b"content-length: " in head.lower() else 0
            reader.read(length)
            if answered and method in drop:
                drop.discard(method)
                conn.close()
                return
            conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")
            answered += 1

    with socket_server(node) as target, proxy(target) as (host, port, _steps, _run):
        http = requests.Session()
        url = f"http://{host}:{port}/zstack"
        statuses = []
        for method in ("PUT", "DELETE", "GET"):
            assert http.get(f"{url}/v1/zones", timeout=HANG).status_code == 200  # the proxy's connection to the target is kept
            received.clear()
            body = {"rebootVmInstance": {}} if method == "PUT" else None
            statuses.append(http.request(method, f"{url}/v1/vm-instances/{new_uuid()}/actions", json=body, timeout=HANG).status_code)
            assert received == ([method] * (2 if method == "GET" else 1)), (method, received)
    assert statuses == [502, 502, 200]


# -- 2. answers under bounds and deadlines ---------------------------------------------------------------

@pytest.mark.parametrize("framing", ["Content-Length: 10737418240", "Transfer-Encoding: chunked"])
def test_a_202_of_10_gib_or_without_end_streams_through_and_is_passed_on_as_not_complete(framing):
    """A 202 was read whole to rewrite its location: 10 GiB, or an endless chunked body, held the
    proxy's memory and the client's answer. Now the client has it as it comes."""
    sent_enough = threading.Event()
    piece = b"x" * MIB

    def node(conn, stop):
        request_head(conn.makefile("rb"))
        conn.sendall(b"HTTP/1.1 202 \r\n%s\r\n\r\n" % framing.encode())
        chunked = framing.startswith("Transfer")
        try:
            for _ in range(200):  # 200 MiB at most: the test stops reading long before
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                if stop.is_set():
                    return
        except OSError:
            return  # the proxy gave up on the rest when the client went away
        sent_enough.wait(HANG)

    with socket_server(node) as target, proxy(target) as (host, port, steps, _run):
        with requests.put(f"http://{host}:{port}/zstack/v1/vm-instances/{new_uuid()}/actions", json={"rebootVmInstance": {}},
                          stream=True, timeout=HANG) as r:
            got = 0
            for chunk in r.iter_content(MIB):
                got += len(chunk)
                if got > 30 * MIB:  # past what the proxy keeps for the checks (20 MiB)
                    break
            assert r.status_code == 202
            if framing.startswith("Content"):
                assert r.headers["Content-Length"] == "10737418240"
        sent_enough.set()
        deadline = time.monotonic() + HANG
        while not steps and time.monotonic() < deadline:
            time.sleep(0.01)
    assert [complete for _step, complete in steps] == [False]


def test_a_dripping_target_is_cut_at_the_whole_answer_deadline():
    """``--timeout`` bounded each read: a byte a second streamed forever."""
    def node(conn, stop):
        request_head(conn.makefile("rb"))
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            if stop.wait(0.05):
                return
            try:
                conn.sendall(b"x")
            except OSError:
                return

    with socket_server(node) as target, proxy(target, answer_timeout=1.0) as (_host, port, steps, _run):
        got = exchange(port, b"GET /zstack/v1/zones HTTP/1.1\r\nHost: x\r\n\r\n", to_close=True)
        deadline = time.monotonic() + HANG
        while not steps and time.monotonic() < deadline:
            time.sleep(0.01)
    assert got.startswith(b"HTTP/1.1 200") and len(got.partition(b"\r\n\r\n")[2]) < 1000  # cut before the target's end
    assert [complete for _step, complete in steps] == [False]


def test_a_request_body_over_the_bound_is_a_413_and_not_forwarded():
    with recording_target() as (target, received), proxy(target, max_request=1024) as (_host, port, steps, _run):
        big = b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + b" " * 2048
        chunked = b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + b" " * 1024 + b"\r\n" \
            + b"400\r\n" + b" " * 1024 + b"\r\n0\r\n\r\n"
        answers = [exchange(port, big), exchange(port, chunked)]
    assert [a.split(b" ")[1] for a in answers] == [b"413", b"413"] and received == [] and steps == []


def test_an_answer_past_the_checked_bound_passes_whole_unchecked():
    body = b'{"inventories": [' + b'"x", ' * 1000 + b'"x"]}'

    def node(conn, stop):
        request_head(conn.makefile("rb"))
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with socket_server(node) as target, proxy(target, kept=1024) as (host, port, steps, run):
        r = requests.get(f"http://{host}:{port}/zstack/v1/zones", timeout=HANG)
        time.sleep(0.05)
    assert r.content == body and [complete for _step, complete in steps] == [False]
    assert "1 not checked (1 too long to keep, or broken off)" in run.summary()


# -- 2. client connections: deadlines and a cap --------------------------------------------------------------

def test_a_half_sent_head_is_closed_at_the_request_deadline_and_an_idle_connection_at_the_idle_one():
    with recording_target() as (target, received), proxy(target, request_timeout=0.5, idle_timeout=0.5) as (_host, port, _steps, _run), \
            socket.create_connection(("127.0.0.1", port), timeout=HANG) as half, \
            socket.create_connection(("127.0.0.1", port), timeout=HANG) as idle, \
            socket.create_connection(("127.0.0.1", port), timeout=HANG) as slow_body:
        half.sendall(b"DELETE /zstack/v1/vm-instances/0123 HTTP/1.1\r\nHost: x\r\n")
        slow_body.sendall(b"PUT /zstack/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}")
        idle.sendall(b"GET /zstack/v1/zones HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        assert half.recv(65536) == b""  # closed by the proxy, well within the hang bound
        late = slow_body.recv(65536)
        assert late.startswith(b"HTTP/1.1 408") or late == b""
        assert idle.recv(65536) == b""
    assert [data.split(b" ")[0] for data in received] == [b"GET"]  # only the whole request went on


def test_past_the_connection_cap_a_new_client_takes_the_place_of_an_idle_one_or_gets_a_503():
    release = threading.Event()
    arrived = threading.Semaphore(0)

    def node(conn, stop):  # holds /held requests until released
        reader = conn.makefile("rb")
        while (head := request_head(reader)) is not None:
            if b"/held " in head:
                arrived.release()
                release.wait(HANG)
            conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\n{}")

    with socket_server(node) as target, proxy(target, max_connections=4) as (host, port, _steps, _run):
        url = f"http://{host}:{port}/zstack/v1"
        heads = [socket.create_connection(("127.0.0.1", port), timeout=HANG) for _ in range(10)]
        for s in heads:
            s.sendall(b"GET /zstack/v1/zones HTTP/1.1\r\nHost: x\r\n")
        try:
            assert [requests.get(f"{url}/zones", timeout=HANG).status_code for _ in range(5)] == [200] * 5
            held = [threading.Thread(target=requests.get, args=(f"{url}/held",), kwargs={"timeout": HANG}, daemon=True) for _ in range(4)]
            for t in held:
                t.start()
            assert all(arrived.acquire(timeout=HANG) for _ in held)  # every connection the proxy may hold is forwarding a request
            answer = requests.get(f"{url}/zones", timeout=HANG)
            assert answer.status_code == 503 and "busy" in answer.text
            release.set()
            for t in held:
                t.join(HANG)
            assert requests.get(f"{url}/zones", timeout=HANG).status_code == 200
        finally:
            release.set()
            for s in heads:
                s.close()


def test_1100_half_sent_heads_do_not_make_real_requests_fail(tmp_path):
    """The command, as a service starts it (1 024 open files allowed): 1 100 connections each
    holding half a head, then real clients."""
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    with Simulator(job_delay=0.005) as sim:
        proc = subprocess.Popen(["sh", "-c", 'ulimit -Sn 1024 && exec "$0" "$@"', exe, "proxy", "--target", sim.base_url,
                                 "--listen", "127.0.0.1:0", "--report", str(tmp_path / "rep")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        heads = []
        try:
            url = proc.stdout.readline().strip()
            port = int(url.split(":")[2].split("/")[0])
            for _ in range(1100):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=HANG)
                    s.sendall(b"GET /zstack/v1/zones HTTP/1.1\r\nHost: x\r\n")
                except OSError:
                    break  # the proxy let it go: that is its business
                heads.append(s)
            auth = {"Authorization": f"OAuth {sim.create_session()}"}
            answers = [requests.get(f"{url}/v1/vm-instances", params={"limit": "1"}, headers=auth, timeout=10).status_code for _ in range(20)]
        finally:
            for s in heads:
                s.close()
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=HANG)
    assert answers == [200] * 20


# -- 6. job locations name the address the client used ----------------------------------------------------

def job_node(location: bytes):
    def node(conn, stop):
        reader = conn.makefile("rb")
        while (head := request_head(reader)) is not None:
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) if b"content-length: " in head.lower() else 0
            reader.read(length)
            if head.startswith(b"PUT"):
                body = b'{"location":"%s","apiTimeout":60000}' % location
                conn.sendall(b"HTTP/1.1 202 \r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                conn.sendall(b'HTTP/1.1 200 \r\nContent-Length: 17\r\n\r\n{"inventory": {}}')
    return node


JOB = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("spelling", [f"http://mn:8080/zstack/v1/api-jobs/{JOB}".encode(),
                                      f"http:\\/\\/mn:8080\\/zstack\\/v1\\/api-jobs\\/{JOB}".encode(),
                                      f"\\u0068ttp://mn:8080/zstack/v1/api-jobs/{JOB}".encode()])
def test_a_job_location_in_any_json_spelling_names_the_host_the_client_used(spelling):
    with socket_server(job_node(spelling)) as target, proxy(target, listen="0.0.0.0") as (_host, port, _steps, _run):
        r = requests.put(f"http://localhost:{port}/zstack/v1/vm-instances/{new_uuid()}/actions", json={"rebootVmInstance": {}},
                         timeout=HANG)
        assert r.json()["location"] == f"http://localhost:{port}/zstack/v1/api-jobs/{JOB}"  # not 127.0.0.1, not the node's
        assert r.content.endswith(b',"apiTimeout":60000}')  # the rest as the node wrote it
        plain = exchange(port, b"PUT /zstack/v1/vm-instances/x/actions HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
        assert json.loads(plain.partition(b"\r\n\r\n")[2])["location"] == f"http://127.0.0.1:{port}/zstack/v1/api-jobs/{JOB}"  # no Host: the address reached


@pytest.mark.parametrize("option", [["--max-connections", "0"], ["--request-timeout", "-1"], ["--idle-timeout", "nan"],
                                    ["--max-request", "0"], ["--max-checked", "inf"]])
def test_a_bound_that_is_no_bound_is_refused_in_one_line(option):
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    r = subprocess.run([exe, "proxy", "--target", "http://127.0.0.1:9/zstack", "--listen", "127.0.0.1:0", *option],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=HANG)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and option[0] in r.stderr, r.stderr
