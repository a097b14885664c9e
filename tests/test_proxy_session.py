"""The proxy's session (issue 25): checks off the forwarding path, secrets by protocol knowledge
only, recordings that never overwrite, and the exit code. Through the real proxy in front of the
simulator (or a socket server playing a node) on loopback, as tests/test_proxy.py starts it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from test_never_hang import socket_server
from test_proxy import proxy as shared_proxy

from conftest import HANG, ROOT
from zstack_contract import check
from zstack_contract.checks import REGISTRY
from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts import secrets
from zstack_contract.facts.ids import new_uuid, password_hash
from zstack_contract.facts.secrets import FAKE_SHA512, FAKE_UUID, MASK, Redactor
from zstack_contract.proxy import run as proxy_run
from zstack_contract.simulator import Simulator

EXE = str(Path(sys.executable).with_name("zstack-contract"))


def proxy(target: str, schemas=None, **session):
    """A proxy to ``target`` in this process (test_proxy's), held to the newest release's contract
    unless told otherwise."""
    return shared_proxy(target, schemas=schemas, **session)


@contextmanager
def held_checks():
    """A check that holds the checks of every exchange whose request has ``X-Hold`` until
    ``release`` is set: (entered, release), two events. A real check, registered as a plugin's."""
    entered, release = threading.Event(), threading.Event()

    @check("held-check", "holds the checks of a marked exchange until released")
    def held(view):
        if "X-Hold" in view.exchange.call.request.headers:
            entered.set()
            release.wait(HANG)
        yield from ()

    try:
        yield entered, release
    finally:
        release.set()
        REGISTRY.remove("held-check")


def login(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"OAuth {sim.create_session()}"}


# -- item 4: checks off the forwarding path ---------------------------------------------------------------
def test_an_exchange_whose_checks_take_long_delays_no_other_clients_bytes():
    """Today one exchange's checks hold a lock every other client's next request waits for (a
    16 MiB answer: seconds); here a check is held until released, and another client's requests
    on one kept-alive connection all come back meanwhile."""
    with Simulator() as sim, held_checks() as (entered, release), proxy(sim.base_url) as (url, run, _out):
        auth = login(sim)
        held = threading.Thread(target=requests.get, args=(f"{url}/v1/vm-instances",), kwargs={"headers": {**auth, "X-Hold": "1"}, "timeout": HANG})
        held.start()
        assert entered.wait(HANG)  # its checks have begun, and hold
        with requests.Session() as other:
            statuses = [other.get(f"{url}/v1/vm-instances", headers=auth, timeout=10).status_code for _ in range(5)]
        assert statuses == [200] * 5
        release.set()
        held.join(HANG)
    assert run.validation.exchanges == 6 and not run.not_checked


def test_a_full_queue_passes_exchanges_on_unchecked_and_counts_them_in_the_summary_and_the_reports(tmp_path):
    with Simulator() as sim, held_checks() as (entered, release), \
            proxy(sim.base_url, queued=2, report=str(tmp_path / "rep")) as (url, run, _out):
        auth = login(sim)
        assert requests.get(f"{url}/v1/vm-instances", headers={**auth, "X-Hold": "1"}, timeout=HANG).status_code == 200
        assert entered.wait(HANG)  # the worker holds it: two more wait in the queue, three more find it full
        assert [requests.get(f"{url}/v1/vm-instances", headers=auth, timeout=10).status_code for _ in range(5)] == [200] * 5
        release.set()
    assert run.validation.exchanges == 3 and run.not_checked == {proxy_run.QUEUE_FULL: 3}
    assert "3 exchange(s) checked" in run.summary() and f"3 not checked (3 {proxy_run.QUEUE_FULL})" in run.summary()
    run.write_reports()
    report = json.loads((tmp_path / "rep" / "zstack-contract.json").read_text())
    assert report["summary"]["notChecked"] == 3 and report["notChecked"] == [{"reason": proxy_run.QUEUE_FULL, "exchanges": 3}]
    assert report["summary"]["verdict"] == "pass"  # counted, not a finding
    assert f"3 exchanges passed on but not checked (nor recorded): 3 {proxy_run.QUEUE_FULL}." in (tmp_path / "rep" / "zstack-contract.md").read_text()


def test_the_sessions_close_checks_what_is_queued_and_counts_what_its_deadline_leaves():
    with Simulator() as sim, held_checks() as (entered, release), proxy(sim.base_url) as (url, run, _out):
        auth = login(sim)
        requests.get(f"{url}/v1/vm-instances", headers={**auth, "X-Hold": "1"}, timeout=HANG)
        assert entered.wait(HANG)
        for _ in range(3):
            requests.get(f"{url}/v1/vm-instances", headers=auth, timeout=HANG)
        threading.Timer(0.2, release.set).start()  # released while the close waits
    assert run.validation.exchanges == 4 and not run.not_checked
    with Simulator() as sim, held_checks() as (entered, release), proxy(sim.base_url, drain_for=0.5) as (url, run, _out):
        auth = login(sim)
        requests.get(f"{url}/v1/vm-instances", headers={**auth, "X-Hold": "1"}, timeout=HANG)
        assert entered.wait(HANG)
        for _ in range(3):
            requests.get(f"{url}/v1/vm-instances", headers=auth, timeout=HANG)
    # released after the close gave up: the three queued and the one held are not checked
    assert run.not_checked == {proxy_run.AT_CLOSE: 4} and "4 not checked" in run.summary()


def test_a_deeply_nested_exchange_the_proxy_checked_is_still_counted_when_its_recording_is_validated(tmp_path):
    """A body nested 198 levels holds to the depth rule of a body (201); its record puts it 4
    levels further down. Today ``validate`` refused the proxy's own recording as nested too deep,
    so the exchange vanished from its counts."""
    vm = new_uuid()
    nested = b'{"a": ' * 196 + b"1" + b"}" * 196
    answer = b'{"inventories": [{"uuid": "%s", "deep": %s}]}' % (vm.encode(), nested)

    def node(conn, stop):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))

    with socket_server(node) as target, proxy(target, record=str(tmp_path / "rec")) as (url, run, _out):
        assert requests.get(f"{url}/v1/vm-instances/{vm}", headers={"Authorization": f"OAuth {new_uuid()}"}, timeout=HANG).content == answer
    assert run.validation.exchanges == 1
    v = subprocess.run([EXE, "validate", str(tmp_path / "rec"), "--release", "5.3.0", "--report", str(tmp_path / "v")], capture_output=True, text=True, cwd=ROOT)
    summary = json.loads((tmp_path / "v" / "zstack-contract.json").read_text())["summary"]
    assert (summary["exchanges"], summary["inputErrors"]) == (1, 0), v.stderr[-2000:]


# -- item 5: secrets by protocol knowledge only ----------------------------------------------------------
def test_an_authorization_word_is_no_secret_and_masks_nothing_in_findings(tmp_path):
    """``Authorization: OAuth cpuNum`` names no session: today the proxy learned ``cpuNum`` and
    masked it in every finding (``/inventories/0/***``), so baseline fingerprints broke."""
    with Simulator(faults=("float-cpu",)) as sim, proxy(sim.base_url) as (url, run, out):
        requests.get(f"{url}/v1/vm-instances", headers={"Authorization": "OAuth cpuNum"}, timeout=HANG)
        requests.get(f"{url}/v1/vm-instances", headers=login(sim), timeout=HANG)
    pointers = {f.pointer for f in run.validation.findings if f.check == "response-schema"}
    assert any(p.endswith("/cpuNum") for p in pointers) and not any(MASK in p for p in pointers), pointers
    assert "/cpuNum: expected integer" in out.getvalue() and "cpuNum" not in run.redactor.words


@pytest.mark.parametrize("path, body", [
    ("/v1/accounts/login", "{logInByAccount:{accountName:'admin',password:'%s'}}"),
    ("/v1/accounts/login", "/* a comment Gson skips */ {logInByAccount: {accountName: admin, password: %s}}"),
    ("/v1/accounts/users/login", "{'logInByUser': {accountName: 'admin', userName: 'u', password = '%s'}}"),
])
def test_a_login_in_lenient_json_is_recorded_without_its_password_or_its_session(tmp_path, path, body):
    """The node's Gson reads lenient JSON; the proxy records such a body as text. Today that
    text kept the password hash, and the session its answer carried was learned from nothing."""
    hashed = password_hash("password")
    with Simulator(schemas=load_contracts()) as sim, proxy(sim.base_url, record=str(tmp_path / "rec")) as (url, _run, _out):
        answer = requests.put(url + path, data=(body % hashed).encode(), timeout=HANG)
        assert answer.status_code == 200, answer.text
        session = answer.json()["inventory"]["uuid"]
        requests.get(f"{url}/v1/vm-instances", headers={"Authorization": f"OAuth {session}"}, params={"q": f"name={session}"}, timeout=HANG)
    recorded = [json.loads(p.read_text()) for p in sorted((tmp_path / "rec").glob("*.json"))]
    text = json.dumps(recorded)
    assert len(recorded) == 2 and hashed not in text and session not in text
    assert f"'{FAKE_SHA512}'" in recorded[0]["steps"][0]["request"]["text"] or f" {FAKE_SHA512}}}" in recorded[0]["steps"][0]["request"]["text"]
    assert recorded[0]["steps"][0]["response"]["body"]["inventory"]["uuid"] == FAKE_UUID  # the shape kept


def test_secret_fields_of_answers_and_the_user_info_of_the_target_are_not_recorded(tmp_path):
    """An access key's ``AccessKeySecret`` (``POST /v1/accesskeys``), and the password of the
    target URL's user info, which today went into every recorded URL."""
    secret = "Zk8wq3LmT1pQ9xYv7Rb2"
    answer = json.dumps({"inventory": {"uuid": new_uuid(), "AccessKeyID": "AKID1234567890", "AccessKeySecret": secret}}).encode()

    def node(conn, stop):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))

    with socket_server(node) as target:
        with_password = target.replace("http://", "http://admin:pw-in-the-url@")
        with proxy(with_password, record=str(tmp_path / "rec"), report=str(tmp_path / "rep")) as (url, run, _out):
            requests.post(f"{url}/v1/accesskeys", json={"params": {}}, headers={"Authorization": f"OAuth {new_uuid()}"}, timeout=HANG)
        run.write_reports()
    written = "".join(p.read_text() for p in (tmp_path / "rec").iterdir()) + "".join(p.read_text() for p in (tmp_path / "rep").iterdir())
    assert secret not in written and "pw-in-the-url" not in written
    assert f"http://admin:{MASK}@127.0.0.1:" in written


def test_the_sessions_a_redactor_learns_are_bounded_and_only_of_a_sessions_shape():
    """Today every learned value was kept for good (30 000 of them slowed the proxy from 1 250 to
    420 requests/s), words too."""
    r = Redactor()
    sessions = [new_uuid() for _ in range(secrets.KEPT_SECRETS + 100)]
    for s in sessions:
        r.learn(s)
    r.learn("cpuNum")
    r.learn("hunter22")
    assert len(r.secrets) == secrets.KEPT_SECRETS and not r.words
    assert r.string(f"a {sessions[-1]} b") == f"a {FAKE_UUID} b"  # the newest kept
    assert r.string(f"x{sessions[-1]}") == f"x{FAKE_UUID}" and r.string("0" * 3 + sessions[-2] + "f") == "000" + FAKE_UUID + "f"
    assert sessions[0] not in r.secrets  # the oldest let go


def test_many_distinct_sessions_through_the_proxy_keep_its_secrets_bounded():
    with Simulator() as sim, proxy(sim.base_url, schemas=ROOT / "schemas") as (url, run, _out):
        run.redactor.kept = 8  # as few as that, to see the bound
        with requests.Session() as client:
            for _ in range(40):
                client.get(f"{url}/v1/vm-instances", headers=login(sim), timeout=HANG)
    assert len(run.redactor.secrets) <= 8


# -- item 6 (recordings): never overwrite; refused at start when they cannot be written ----------------------
def test_a_second_session_recording_into_the_same_folder_continues_the_numbering(tmp_path):
    record = tmp_path / "rec"
    for _ in range(2):
        with Simulator() as sim, proxy(sim.base_url, record=str(record)) as (url, _run, _out):
            requests.get(f"{url}/v1/vm-instances", headers=login(sim), timeout=HANG)
    assert sorted(p.name for p in record.iterdir()) == ["proxy.001.json", "proxy.002.json"]


@pytest.mark.parametrize("option, make", [
    ("--record", lambda p: p.write_text("a file")),
    ("--record", lambda p: (p.parent / "file").write_text("x") or None),
    ("--report", lambda p: p.write_text("a file")),
])
def test_a_record_or_report_folder_that_cannot_be_written_is_refused_before_listening(tmp_path, option, make):
    """Today ``--record`` naming a file listened, recorded nothing and said nothing of it."""
    where = tmp_path / "out"
    make(where)
    if not where.exists():
        where = tmp_path / "file" / "rec"  # a part of the path is a file
    proc = subprocess.Popen([EXE, "proxy", "--target", "http://127.0.0.1:9/zstack", "--listen", "127.0.0.1:0", option, str(where),
                             *(["--report", str(tmp_path / "rep")] if option == "--record" else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it listens: stop it, and fail below
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=HANG)
    assert proc.returncode == 2 and out == "", (out, err)
    told = [line for line in err.splitlines() if line.startswith("zstack-contract: error: ")]
    assert len(told) == 1 and str(where) in told[0] and "Traceback" not in err, err


# -- item 7: exit ---------------------------------------------------------------------------------------------
def test_a_violation_whose_checks_still_run_when_the_proxy_stops_makes_the_exit_1(tmp_path):
    """A big answer with violations (seconds of checks): the client has it, and the proxy is
    stopped at once. Today the verdict was taken while its checks still ran: exit 0."""
    with Simulator(faults=("float-cpu",)) as sim:
        vm = requests.get(f"{sim.base_url}/v1/vm-instances", headers=login(sim), timeout=HANG).json()["inventories"][0]
    answer = json.dumps({"inventories": [vm] * (12 * 2**20 // len(json.dumps(vm)))}).encode()

    def node(conn, stop):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 \r\nContent-Length: %d\r\n\r\n" % len(answer) + answer)

    with socket_server(node) as target:
        proc = subprocess.Popen([EXE, "proxy", "--target", target, "--listen", "127.0.0.1:0", "--release", "5.3.0", "--report", str(tmp_path / "rep")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = proc.stdout.readline().strip()
            got = requests.get(f"{url}/v1/vm-instances", headers={"Authorization": f"OAuth {new_uuid()}"}, timeout=HANG)
            assert got.content == answer
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=HANG * 2)
    assert proc.returncode == 1, err[-2000:]
    assert "/cpuNum: expected integer" in out and "1 exchange(s) checked" in err


@pytest.mark.parametrize("text, masked", [
    ("{logIn:{password:'p4ss', name:'password: not this'}}", "{logIn:{password:'***', name:'password: not this'}}"),
    ('{"a": "x, password: y", "b": ["password", "z"]}', '{"a": "x, password: y", "b": ["password", "z"]}'),  # words in strings
    ("{a: {sshPassword = \"it\\\"s\"}; accessKeySecret => bare-word, c: 1}", "{a: {sshPassword = \"***\"}; accessKeySecret => ***, c: 1}"),
    ("{'oldPassword': '%s'}" % ("ab" * 64), "{'oldPassword': '%s'}" % FAKE_SHA512),  # the shape kept
    ("{password: ''}", "{password: ''}"),  # empty hides nothing
])
def test_secret_fields_of_a_lenient_json_text_are_masked_where_they_stand(text, masked):
    assert secrets.mask_text(text) == masked


def test_the_password_of_the_targets_user_info_is_neither_sent_nor_shown_when_it_does_not_answer():
    """The user info of ``--target`` never goes to the node (no basic authentication on a node's
    REST API) and its password is masked in the 502 a target that does not answer gives."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with proxy(f"http://admin:pw-in-the-url@127.0.0.1:{port}") as (url, run, out):
        r = requests.get(f"{url}/v1/vm-instances", timeout=HANG)
    assert r.status_code == 502 and "pw-in-the-url" not in r.text and f"admin:{MASK}@127.0.0.1:{port}" in r.text
    assert "pw-in-the-url" not in out.getvalue() + run.summary()
