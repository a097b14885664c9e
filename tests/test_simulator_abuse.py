"""The simulator under abuse: never leak, never hang, never crash. Each test plays a case of the issue
of that name over real loopback sockets (or the CLI in a process of its own). No test measures how
fast an answer comes: where the simulator would otherwise wait (for a body, an idle connection),
it is told to wait an hour, and what must not hang is bounded by conftest.HANG."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import requests

from conftest import HANG, finishes
from zstack_contract.simulator import Simulator
from zstack_contract.simulator.http import MAX_BODY
from zstack_contract.simulator.query import like
from zstack_contract.simulator.state import JOBS_KEPT, Job, State

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "zstack_contract.cli"]
TWO_VMS = ROOT / "tests" / "data" / "simulator" / "two-vms.json"
LOGIN = b"PUT /zstack/v1/accounts/login HTTP/1.1\r\nHost: x\r\n"


def exchange(port: int, data: bytes, *, half_close: bool = False, timeout: float = 10) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return read_to_end(s)


def read_to_end(s: socket.socket) -> bytes:
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass  # what came before the reset is the answer
    return out


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# -- 1. the request log and bodies ----------------------------------------------------------------


def test_the_request_log_keeps_only_the_last_requests():
    with Simulator(request_log=5) as sim:
        for n in range(12):
            requests.get(f"{sim.base_url}/v1/nowhere/{n}")
        assert sim.request_count == 12
        assert [r.path for r in sim.requests] == [f"/zstack/v1/nowhere/{n}" for n in range(7, 12)]
    with pytest.raises(ValueError):
        Simulator(request_log=0)


def test_finished_jobs_are_kept_up_to_a_bound():
    state = State({"vms": [], "images": [], "accounts": []}, 60)
    done = time.monotonic()  # finished just now: kept for three hours, but for the bound
    for n in range(JOBS_KEPT + 10):
        assert state.add_job(Job(f"{n:032x}", "StopVmInstance", 200, {}, done, 1000))
    assert len(state.jobs) == JOBS_KEPT
    assert state.get_job(f"{0:032x}") is None and state.get_job(f"{JOBS_KEPT + 9:032x}") is not None


def test_a_content_length_over_the_limit_is_413_before_the_body_is_read():
    """'each 100 MB body adds 100 MB that is never freed': a Content-Length of 100 MB with a little
    data is refused at once; nothing of it is kept."""
    with Simulator(connection_timeout=3600) as sim:  # waiting for the body would take an hour
        answer = exchange(sim.port, LOGIN + b"Content-Length: 100000000\r\n\r\n" + b"x" * 1000, timeout=HANG)
        head, _, text = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413 \r\n") and b"Connection: close" in head and b"Server:" not in head
        assert b"Content-Type" not in head
        assert text == f"the request body is larger than the limit of {MAX_BODY} bytes".encode()
        (logged,) = sim.requests
        assert (logged.method, logged.status, logged.body) == ("PUT", 413, b"")
        assert requests.get(f"{sim.base_url}/v1/nowhere").status_code == 404  # and it still serves


def test_a_chunked_body_over_the_limit_is_read_no_further_than_the_limit():
    limit = 1 << 20
    with Simulator(max_body=limit) as sim:
        s = socket.create_connection((sim.host, sim.port), timeout=10)
        s.sendall(LOGIN + b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"y" * 65536 + b"\r\n"
        sent = [0]

        def send_100_mb():
            try:
                for _ in range(1600):
                    s.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:
                pass  # the server closed the connection, as it should

        tracemalloc.start()
        try:
            sender = threading.Thread(target=send_100_mb)
            sender.start()
            answer = read_to_end(s)
            sender.join()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            s.close()
        assert status_of(answer) == 413 and answer.endswith(f"the limit of {limit} bytes".encode())
        assert sent[0] < 50 * 2**20  # it stopped reading: the client could not send the 100 MB
        assert peak < 8 * limit, peak  # the limit and some buffers, not the body
        assert (sim.requests[-1].status, sim.requests[-1].body) == (413, b"")


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not(chunked):
    body = b'{"logInByAccount": {"accountName": "admin", "password": "x"}}'

    def framed(data: bytes) -> bytes:
        if chunked:
            return LOGIN + b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
        return LOGIN + b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data)

    with Simulator(max_body=len(body)) as sim:
        assert status_of(exchange(sim.port, framed(body))) == 503  # the wrong password: it was read
        assert status_of(exchange(sim.port, framed(body + b" "))) == 413
        assert [r.body for r in sim.requests] == [body, b""]


def test_expect_100_continue_is_answered_once_and_not_for_a_body_over_the_limit():
    with Simulator(max_body=100) as sim:
        with socket.create_connection((sim.host, sim.port), timeout=10) as s:
            s.sendall(LOGIN + b"Connection: close\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
            interim = b""
            while not interim.endswith(b"\r\n\r\n"):
                interim += s.recv(1)
            assert interim == b"HTTP/1.1 100 \r\n\r\n"
            s.sendall(b"{}")
            answer = read_to_end(s)
            assert answer.startswith(b"HTTP/1.1 503 \r\n") and answer.count(b"HTTP/1.1 ") == 1  # no second 100
        answer = exchange(sim.port, LOGIN + b"Expect: 100-continue\r\nContent-Length: 101\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413 \r\n")


def test_serve_takes_max_body_and_refuses_what_it_cannot_use():
    proc = subprocess.Popen(CLI + ["serve", "--port", "0", "--max-body", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        r = requests.put(f"{url}/v1/accounts/login", data=b"{" + b" " * 9 + b"}")
        assert (r.status_code, r.text) == (413, "the request body is larger than the limit of 10 bytes")
        assert requests.put(f"{url}/v1/accounts/login", data=b"{}").status_code == 503
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and err == ""
    with pytest.raises(ValueError):
        Simulator(max_body=-1)


# -- 2. LIKE in linear time -------------------------------------------------------------------------


def test_like_agrees_with_a_regular_expression_on_every_short_pattern_and_text():
    def by_regex(pattern: str, text: str) -> bool:
        rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        return re.fullmatch(rx, text, re.DOTALL) is not None

    for n in range(6):
        for pattern in map("".join, itertools.product("ab%_", repeat=n)):
            for m in range(5):
                for text in map("".join, itertools.product("ab", repeat=m)):
                    assert like(pattern, text) == by_regex(pattern, text), (pattern, text)


def test_a_like_pattern_of_many_percent_signs_answers_at_once_and_stalls_no_one():
    """'q=uuid~= followed by ten % and a letter takes 17 s and stalls every other client'."""
    doc = json.loads(TWO_VMS.read_text())
    doc["vms"][0]["name"] = "a" * 200_000
    with Simulator(data=doc) as sim:
        headers = {"Authorization": f"OAuth {sim.create_session('qa', 's3cret')}"}
        # Patterns a backtracking match would take years over (ten % signs took 17 s): an answer
        # within the bound on a hang is an answer at once.
        for q in ("uuid~=" + "%" * 40 + "z", "name~=" + "%" * 40 + "b", "name~=" + "%a" * 5000 + "%b",
                  "name~=%" + "a" * 20000 + "b%", "name~=%" + "a_" * 2000 + "b%", "name!~=" + "%" * 40 + "z"):
            r = requests.get(f"{sim.base_url}/v1/vm-instances", params={"q": q}, headers=headers, timeout=HANG)
            assert r.status_code == 200 and len(r.json()["inventories"]) == (2 if q.startswith("name!") else 0)
        r = requests.get(f"{sim.base_url}/v1/vm-instances", params={"q": "name~=%a%a%"}, headers=headers)
        assert [vm["uuid"] for vm in r.json()["inventories"]] == [doc["vms"][0]["uuid"]]


# -- 3. X-Job-UUID ------------------------------------------------------------------------------------


def test_an_x_job_uuid_of_32_characters_that_are_not_hex_is_400_and_goes_nowhere():
    """'Any 32 characters are accepted as X-Job-UUID and copied into the location'."""
    with Simulator() as sim:
        headers = {"Authorization": f"OAuth {sim.create_session()}", "X-Job-UUID": "/../../@evil.example:9/#aaaaaaaa"}
        vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=headers)
        assert (r.status_code, r.text) == (400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
        assert sim.state.jobs == {}
        headers["X-Job-UUID"] = "0123456789abcdef" * 2
        r = requests.put(f"{sim.base_url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=headers)
        assert r.status_code == 202 and r.json()["location"] == f"{sim.base_url}/v1/api-jobs/{'0123456789abcdef' * 2}"


# -- 4. malformed HTTP ---------------------------------------------------------------------------------

MALFORMED = {  # name: (bytes, close the sending side after them, the status answered or None)
    "garbage request line": (b"\x00\x01garbage\r\n\r\n", False, 400),
    "four words": (b"GET / x HTTP/1.1\r\n\r\n", False, 400),
    "bad version": (b"GET / HTTP/x\r\n\r\n", False, 400),
    "HTTP/2.0": (b"GET / HTTP/2.0\r\n\r\n", False, 505),
    "bad header line": (b"GET /zstack/v1/vm-instances HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", False, 400),
    "Content-Length abc": (LOGIN + b"Content-Length: abc\r\n\r\n{}", False, 400),
    "Content-Length -5": (LOGIN + b"Content-Length: -5\r\n\r\n{}", False, 400),
    "two Content-Lengths": (LOGIN + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", False, 400),
    "bad chunk": (LOGIN + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", False, 400),
    "gzip coding": (LOGIN + b"Transfer-Encoding: gzip\r\n\r\n", False, 501),
    "non-ASCII request line": ("GET /zstack/v1/vm-instances/é HTTP/1.1\r\nHost: x\r\n\r\n".encode(), False, 400),
    "request line over 64 KiB": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", False, 400),
    "header line over 64 KiB": (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", False, 400),
    "101 headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n", False, 400),
    "target urlsplit refuses": (b"GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n", False, 400),
    "half a request line, closed": (b"GET /zstack/v1/vm-in", True, None),
    "half a head, closed": (b"GET /zstack/v1/vm-instances HTTP/1.1\r\nHost: x\r\nX-Half: 1", True, None),
    "half a body, closed": (LOGIN + b"Content-Length: 100\r\n\r\n{\"a", True, None),
}


def test_malformed_http_is_answered_as_the_http_layer_answers_and_logged_in_one_line_never_a_traceback():
    """'Malformed HTTP prints werkzeug tracebacks on stderr'."""
    proc = subprocess.Popen(CLI + ["serve", "--port", "0", "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1].split("/")[0])
        for name, (data, half_close, status) in MALFORMED.items():
            answer = exchange(port, data, half_close=half_close)
            if status is None:
                assert answer == b"", name
                continue
            head, _, page = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 %d \r\n" % status), (name, head)
            assert b"Connection: close" in head and b"Server:" not in head, name
            assert page.startswith(b"<!doctype html>") and b"HTTP Status %d" % status in page, name
        assert requests.get(f"http://127.0.0.1:{port}/zstack/v1/nowhere").status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[-1] == "GET /zstack/v1/nowhere 404"
    assert len(lines) == len(MALFORMED) + 1, lines  # one line each
    assert all(re.fullmatch(r"\([a-zA-Z0-9 ,./-]+\) (\d{3}|dropped)", line) for line in lines[:-1]), lines


# -- 5. unusable timings -------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"job_delay": math.nan}, {"session_timeout": float("1e400")},
                                    {"connection_timeout": math.nan}, {"connection_timeout": 0}])
def test_timings_that_are_not_finite_are_refused(kwargs):
    with pytest.raises(ValueError, match="finite"):
        Simulator(**kwargs)


@pytest.mark.parametrize("args", [["--job-delay", "nan"], ["--session-timeout", "1e400"], ["--max-body", "8MiB"]])
def test_serve_refuses_timings_that_are_not_finite_in_one_line(args):
    """'--job-delay nan and --session-timeout 1e400 are accepted'."""
    proc = subprocess.run(CLI + ["serve", "--port", "0", *args], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"zstack-contract: error: {args[0]}: expected a "
                                        f"{'whole number of bytes' if args[0] == '--max-body' else 'finite number of seconds'}, "
                                        f"0 or more, got {args[1]!r}"]


# -- 6. slow clients -----------------------------------------------------------------------------------


def test_a_slow_sender_is_dropped_at_the_deadline_for_its_whole_request_and_others_are_served():
    lines: list[str] = []
    with Simulator(connection_timeout=1.0, log=lines.append) as sim:
        idle = socket.create_connection((sim.host, sim.port), timeout=HANG)
        slow = socket.create_connection((sim.host, sim.port), timeout=HANG)
        slow.sendall(b"GET /zstack/v1/vm-instances HTTP/1.1\r\nX-Slow: ")
        deadline, gone = time.monotonic() + HANG, False  # a bound on a hang: it goes at its deadline
        while not gone and time.monotonic() < deadline:
            try:
                slow.sendall(b"a")  # a byte every 0.2 s: no single read ever waits long
            except OSError:
                gone = True
                break
            slow.settimeout(0.2)
            try:
                gone = slow.recv(1) == b""
            except TimeoutError:
                pass
            r = requests.get(f"{sim.base_url}/v1/nowhere", timeout=HANG)
            assert r.status_code == 404  # others are served meanwhile
        slow.close()
        assert gone
        assert idle.recv(1) == b""  # closed after a second of silence, quietly
        idle.close()
    # dropped for its whole request's deadline, not for a read's
    assert [line for line in lines if not line.startswith("GET ")] == ["(request not received whole within 1 s) dropped"]


def test_a_body_sent_too_slowly_is_dropped_too():
    lines: list[str] = []
    with Simulator(connection_timeout=1.0, log=lines.append) as sim:
        with socket.create_connection((sim.host, sim.port), timeout=HANG) as s:
            s.sendall(LOGIN + b"Content-Length: 100\r\n\r\n")
            for _ in range(99):  # a byte every 0.1 s: the body would be whole after 10 s
                try:
                    s.sendall(b" ")
                except OSError:
                    break
                time.sleep(0.1)
            assert read_to_end(s) == b""
    assert lines == ["(request not received whole within 1 s) dropped"]


def _open_files(wanted: int) -> int:
    """How many connections this process can hold (each takes two descriptors here, the server's and the client's)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return min(wanted, (soft - 200) // 2)


def test_a_thousand_slow_connections_leave_a_normal_client_answered_and_stop_prompt():
    n = _open_files(1000)
    before = set(threading.enumerate())
    sim = Simulator(connection_timeout=3600).start()  # none of them times out while the test runs
    slow = []
    try:
        for _ in range(n):
            s = socket.create_connection((sim.host, sim.port), timeout=10)
            s.sendall(b"GET /zstack/v1/vm-instances HTTP/1.1\r\nX-Slow: a")
            slow.append(s)
        deadline = time.monotonic() + HANG  # a bound on a hang: the server takes them all
        while len(sim.connections) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(sim.connections) >= n
        with requests.Session() as http:
            for _ in range(10):  # answered (in some milliseconds: benchmarks/RESULTS.md), not queued behind them
                assert http.get(f"{sim.base_url}/v1/nowhere", timeout=HANG).status_code == 404
        finishes(sim.stop)  # shuts them all, not waiting for each to time out
    finally:
        sim.stop()
        for s in slow:
            s.close()
    assert set(threading.enumerate()) == before


def test_with_no_descriptor_left_the_accepting_loop_waits_rather_than_spins():
    """A connection that cannot be accepted keeps the listening socket readable: without a pause
    (Tomcat's acceptor backs off, 50 ms doubling to 1.6 s) the loop takes a core for as long."""
    with Simulator() as sim:
        holder = subprocess.Popen([sys.executable, "-c", (
            "import socket, sys, time\n"
            "sys.stdin.readline()\n"
            f"held = [socket.create_connection(('127.0.0.1', {sim.port})) for _ in range(60)]\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        in_use = len(os.listdir("/proc/self/fd"))
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 20, hard))  # this process: the simulator's
            holder.stdin.write("go\n")
            holder.stdin.flush()
            assert holder.stdout.readline() == "held\n"
            time.sleep(0.2)
            cpu = time.process_time()
            time.sleep(0.6)
            used = time.process_time() - cpu  # CPU seconds of this process (the simulator's) in those 0.6 s
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            holder.kill()
            holder.communicate()
        assert used < 0.18, used  # a spinning loop takes a core: about 0.6 s of CPU, less only on a machine too busy to give it
        assert requests.get(f"{sim.base_url}/v1/nowhere", timeout=10).status_code == 404  # serving again
