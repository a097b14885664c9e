"""Live runs against targets users do not control: secrets never shown, every wait bounded, and a
report of a run that could not talk to its target. Real loopback sockets throughout: slow and
silent targets are small socket servers of the tests' own."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import ROOT, finishes, free_port
from test_live_suite import run_suite
from zstack_contract.facts.ids import password_hash
from zstack_contract.facts.secrets import FAKE_UUID, Redactor
from zstack_contract.live.client import ClientError, TargetUnreachable, ZStackClient
from zstack_contract.live.session import redact_http_logs
from zstack_contract.simulator import Simulator

SESSION = "5b1f0c9e2d7a4e6f8a3b9c0d1e2f3a4b"


@contextmanager
def socket_server(answer):
    """A loopback server calling ``answer(conn)`` for each connection, in a thread of its own."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.1)  # the accept loop sees a stop at once
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            conns.append(conn)
            threading.Thread(target=answer, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/zstack"
    finally:
        stop.set()
        srv.close()
        for conn in conns:
            conn.close()
        thread.join(5)


def drip(conn, stop):
    """An answer one byte at a time, a byte every 0.3 s: no single read ever waits long."""
    conn.recv(65536)
    for byte in b"HTTP/1.1 200 \r\nContent-Length: 2000\r\n\r\n" + b"x" * 2000:
        if stop.wait(0.3):
            return
        try:
            conn.sendall(bytes([byte]))
        except OSError:
            return


def silent(conn, stop):
    stop.wait(30)


# -- every wait has a deadline ---------------------------------------------------------------------------
@pytest.mark.parametrize("answer", [drip, silent], ids=["one-byte-at-a-time", "accepts-and-never-answers"])
def test_a_request_has_one_deadline_for_its_whole_answer(answer):
    """requests bounds each read; a target that drips a byte at a time never trips that."""
    with socket_server(answer) as url:
        client = ZStackClient(url, timeout=(0.5, 0.6))
        with pytest.raises(TargetUnreachable, match=r"did not answer PUT /v1/accounts/login within 0.6 s"):
            finishes(client.login, "admin", "password")  # the drip would take ten minutes


def test_the_run_deadline_ends_polling_and_requests():
    from zstack_contract.live.client import Budget, JobTimeout, RunTimeSpent

    with Simulator(faults=("never-done",), job_delay=0) as sim:
        client = ZStackClient(sim.base_url, budget=Budget(deadline=time.monotonic() + 0.5))
        client.login("admin", "password")
        call = finishes(client.request, "PUT", f"/v1/vm-instances/{SESSION}/actions", json_body={"reimageVmInstance": {}})
        assert isinstance(call.error, (RunTimeSpent, JobTimeout))  # the job never ends: polling ended with the run's time
        with pytest.raises(RunTimeSpent):
            client.request("GET", "/v1/vm-instances")


def test_a_wait_the_run_deadline_cuts_short_is_the_run_time_not_the_target():
    """A target that would answer within the request timeout is not 'unreachable' when the run's
    time ends first: the client says the run's time is up (a busy CI machine hit this)."""
    from zstack_contract.live.client import Budget, RunTimeSpent

    with socket_server(silent) as url:
        budget = Budget(deadline=time.monotonic() + 0.3)
        client = ZStackClient(url, timeout=(3.0, 30.0), budget=budget)
        with pytest.raises(RunTimeSpent, match="time is up"):
            finishes(client.login, "admin", "password")
        assert budget.ran_out and "time is up" in budget.ran_out


# -- secrets -------------------------------------------------------------------------------------------
def login_with_session(session: str):
    """A target whose login answer carries ``session``."""
    body = json.dumps({"inventory": {"uuid": session}}).encode()

    def answer(conn, stop):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    return socket_server(answer)


def test_a_session_with_a_control_character_is_refused_before_any_request():
    for bad in (SESSION + "\r", SESSION + "\n", "OAuth\x1b" + SESSION):
        with pytest.raises(ClientError) as exc:
            ZStackClient("http://127.0.0.1:9/zstack", session=bad)
        assert SESSION not in str(exc.value) and "control character" in str(exc.value)
    with login_with_session(SESSION + "\r") as url:
        client = ZStackClient(url)
        with pytest.raises(ClientError, match="the session of the login answer has a control character") as exc:
            client.login("admin", "password")
        assert SESSION not in str(exc.value) and client.session is None


def test_errors_of_the_http_layer_leave_the_client_redacted_on_one_line():
    """An exception of requests can quote the header or URL it refused."""
    client = ZStackClient("http://127.0.0.1:9/zstack", redactor=Redactor({SESSION}))
    for kwargs in ({"auth": SESSION + "\n"}, {"headers": {"X-Note": SESSION + "\r\nInjected: 1"}}):
        with pytest.raises(ClientError) as exc:
            client.request("GET", "/v1/vm-instances", **kwargs)
        message = str(exc.value)
        assert SESSION not in message and "\n" not in message and "\r" not in message and exc.value.__cause__ is None
    with pytest.raises(ClientError, match=r"^the target's base URL cannot be used: a '\[' or '\]' of an IPv6 host without its pair$"):
        ZStackClient("http://[::1/zstack")


def test_urllib3_log_lines_are_scrubbed(caplog):
    with Simulator(job_delay=0) as sim:
        red = Redactor()
        undo = redact_http_logs(red)
        try:
            with caplog.at_level(logging.DEBUG):
                client = ZStackClient(sim.base_url, redactor=red)
                client.login("admin", "password")
                session = client.session
                client.logout()
        finally:
            undo()
    assert any(f"/accounts/sessions/{FAKE_UUID}" in r.getMessage() for r in caplog.records)
    assert session and not any(session in r.getMessage() for r in caplog.records)


def test_no_secret_anywhere_with_debug_logging_against_clean_and_faulty_targets(tmp_path):
    """pytest output, JUnit with every log line in it, reports and recordings, for a clean and a
    faulty simulator: the sessions and the password's hash appear nowhere."""
    for name, faults in (("clean", ()), ("faulty", ("error-as-text", "truncated-json", "server-error"))):
        record, report, junit = tmp_path / name / "rec", tmp_path / name / "rep", tmp_path / name / "junit.xml"
        with Simulator(faults=faults, job_delay=0.01) as sim:
            r = run_suite("--zstack-url", sim.base_url, "--zstack-record", str(record), "--zstack-report", str(report),
                          f"--junitxml={junit}", "-o", "junit_logging=all", "--log-level=DEBUG", "-rA", "-v", "--showlocals",
                          env={"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password"})
            sessions = {q.headers.get("Authorization", "")[len("OAuth "):].strip() for q in sim.requests}
        sessions.discard("")
        assert sessions, name  # the run did authenticate
        texts = {"stdout": r.stdout + r.stderr, "junit": junit.read_text()}
        assert "DEBUG" in texts["junit"] and f"/accounts/sessions/{FAKE_UUID}" in texts["junit"]  # the log lines are there, scrubbed
        for f in [*record.glob("*.json"), *report.iterdir()]:
            texts[f.name] = f.read_text()
        leaks = {(where, s) for where, text in texts.items() for s in sessions | {password_hash("password")} if s in text}
        assert leaks == set(), name


# -- a run that cannot use its target ------------------------------------------------------------------
def junit_outcomes(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        skipped = case.find("skipped")
        out.append((case.get("name"), "failed" if bad is not None else "skipped" if skipped is not None else "passed",
                    (bad if bad is not None else skipped).get("message", "") if (bad is not None or skipped is not None) else ""))
    return out


@pytest.mark.parametrize("how", ["unreachable", "silent", "wrong-password", "session-with-newline"])
def test_a_run_that_cannot_use_its_target_says_why_in_junit_and_the_reports(tmp_path, how):
    junit, report = tmp_path / "junit.xml", tmp_path / "rep"
    with Simulator(announce=False) as sim, socket_server(silent) as silent_url:
        url = {"unreachable": f"http://127.0.0.1:{free_port()}/zstack", "silent": silent_url}.get(how, sim.base_url)
        env = {"ZSTACK_SESSION": SESSION + "\n"} if how == "session-with-newline" else {"ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "wrong"}
        # a target that accepts and never answers: --zstack-timeout bounds the wait (the message says it did)
        r = run_suite("--zstack-url", url, "--zstack-timeout", "1", f"--junitxml={junit}", "--zstack-report", str(report), env=env)
    out = r.stdout + r.stderr
    assert r.returncode == 2 and "Traceback" not in out and SESSION not in out + junit.read_text()
    why = {"unreachable": "cannot reach http://127.0.0.1:", "silent": "did not answer PUT /v1/accounts/login within 1 s",
           "wrong-password": "log-in as 'admin'",
           "session-with-newline": "--zstack-session has a control character"}[how]
    outcomes = junit_outcomes(junit)
    failed = [o for o in outcomes if o[1] == "failed"]
    assert len(failed) == 1 and why in failed[0][2]  # one test says why; the others were not run
    assert all(o[1] == "skipped" for o in outcomes if o not in failed)
    doc = json.loads((report / "zstack-contract.json").read_text())
    assert [why in e["message"] for e in doc["inputErrors"]] == [True]
    assert why in (report / "zstack-contract.md").read_text()


def test_the_run_has_a_time_limit_and_still_reports(tmp_path):
    """Against a job that never ends: --zstack-max-time ends the run's talk with the target; the
    tests left fail saying so, and the reports are written. A job the run's time cut short is not
    judged (the run, not the target, stopped waiting): the run is incomplete, exit 2."""
    junit = tmp_path / "junit.xml"
    with Simulator(faults=("never-done",)) as sim:  # each job would wait out its five minutes
        r = run_suite("--zstack-url", sim.base_url, "--zstack-max-time", "2", f"--junitxml={junit}", "--zstack-report", str(tmp_path / "r"))
    assert r.returncode == 2
    messages = [o[2] for o in junit_outcomes(junit) if o[1] == "failed"]
    assert any("the run's time is up (--zstack-max-time 2 s)" in m for m in messages)
    doc = json.loads((tmp_path / "r" / "zstack-contract.json").read_text())
    assert doc["summary"]["verdict"] == "incomplete" and "zstack-contract: INCOMPLETE against" in r.stdout
    assert any("the run's time is up" in n["reason"] for n in doc["notDone"]) and doc["summary"]["notDone"] == len(doc["notDone"])


def test_a_simulators_job_gives_up_after_seconds_not_minutes():
    """A simulator's job reports within its job delay: one against it waits seconds, not a node's
    five minutes, unless --zstack-timeout says otherwise (the wait itself: test_client)."""
    from zstack_contract.live.session import SIMULATOR_JOB_TIMEOUT, LiveSession, Target
    from zstack_contract.live.client import ZStackClient as Client

    class Run:
        redactor, recorder = Redactor(), None

    assert SIMULATOR_JOB_TIMEOUT <= 10 < Client("http://127.0.0.1:9").job_timeout
    with Simulator(job_delay=0) as sim:
        for given, expected in ((None, SIMULATOR_JOB_TIMEOUT), (2.5, 2.5)):
            live = LiveSession.open(Target(sim.base_url, sim), Run(), session=None, account=None, password=None, vm=None,
                                    job_timeout=given, allow_destructive=False)
            assert live.client.job_timeout == expected
            live.close()


def test_probing_stops_sending_after_a_hang(tmp_path):
    """Shrinking would otherwise wait out the hang for every body it tries."""
    with Simulator(faults=("never-done",), job_delay=0) as sim:
        r = run_suite("--zstack-url", sim.base_url, "--zstack-timeout", "1", "-k", "does_not_exist", "--zstack-report", str(tmp_path),
                      tests="contract_tests/test_probe.py")
        actions = [q for q in sim.requests if q.method == "PUT" and q.path.endswith("/actions")]
    assert r.returncode == 1 and "not sent: the target hung on an earlier probe" in r.stdout
    hung = [n for n, q in enumerate(actions) if q.status == 202]  # a job, which never ends (bodies refused earlier make none)
    assert hung and hung[0] == len(actions) - 1  # nothing sent after the first hang


def test_a_report_folder_that_is_a_file_is_one_line_and_exit_2(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file")
    for report in (taken, taken / "sub"):
        r = run_suite("--zstack-report", str(report), tests="contract_tests/test_recorded.py")
        out = r.stdout + r.stderr
        assert r.returncode == 2 and "Traceback" not in out and "INTERNALERROR" not in out
        assert f"--zstack-report {report}: " in out
    # a recording that cannot be written: the target cannot be used as asked (the log-in's is the first)
    r = run_suite("--zstack-record", str(taken / "rec"), "--zstack-report", str(tmp_path / "r"), "-k", "missing_authorization")
    assert r.returncode == 2 and "Traceback" not in r.stdout and f"{taken / 'rec'}/" in r.stdout and "cannot write" in r.stdout


def test_a_run_killed_before_its_end_leaves_no_report_of_an_earlier_run(tmp_path):
    """The first contract test of a run removes the previous reports: a run killed later leaves
    none that would pass for its own."""
    report = tmp_path / "r"
    report.mkdir()
    stale = report / "zstack-contract.json"
    stale.write_text('{"summary": {"verdict": "PASS"}}')
    (report / "zstack-contract.md").write_text("PASS")
    with Simulator(faults=("never-done",)) as sim:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", "contract_tests/test_live.py", "-q", "-p", "no:cacheprovider",
                                 "--zstack-url", sim.base_url, "--zstack-report", str(report)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while stale.exists() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert not stale.exists() and not (report / "zstack-contract.md").exists()
        finally:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -9 and list(report.iterdir()) == []
