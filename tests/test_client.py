"""The ZStack client: login, job polling and its limits, location rebasing, timeouts, redaction.

Against the simulator over real loopback HTTP; ``responses`` only where a real part can't be had.
"""

from __future__ import annotations

import socket
import time

import pytest
import responses

from conftest import free_port

from zstack_contract.facts.ids import new_uuid, password_hash
from zstack_contract.facts.secrets import FAKE_SHA512, FAKE_UUID
from zstack_contract.inputs.records import record_of
from zstack_contract.live import client as client_module
from zstack_contract.live.client import Backoff, JobTimeout, TargetUnreachable, ZStackClient
from zstack_contract.simulator import Simulator


@pytest.fixture(scope="module")
def sim():
    with Simulator(job_delay=0.2) as s:
        yield s


@pytest.fixture
def client(sim):
    c = ZStackClient(sim.base_url)
    assert c.login("admin", "password").final.status == 200
    yield c
    c.logout()


def stopped_vm(sim):
    return next(u for u, vm in sim.vms.items() if vm["state"] == "Stopped")


def test_login_sends_the_sha512_hash_and_keeps_the_session(sim):
    c = ZStackClient(sim.base_url)
    call = c.login("admin", "password")
    assert call.exchange.call.request.body == {"logInByAccount": {"accountName": "admin", "password": password_hash("password")}}
    assert len(password_hash("x")) == 128
    assert c.session and c.session == call.final.body["inventory"]["uuid"]
    assert c.logout().final.status == 200


def test_wrong_password_keeps_no_session(sim):
    c = ZStackClient(sim.base_url)
    call = c.login("admin", "wrong")
    assert call.final.status == 503 and call.final.body["error"]["code"] == "ID.1000"
    assert c.session is None and c.logout() is None


class Clock:
    """The client's ``time`` (``monotonic``, ``sleep``): the waits it asks for are kept, and either
    waited (``real``) or only counted on a clock of its own that no load can slow down."""

    def __init__(self, real: bool = False):
        self.real, self.now, self.slept = real, 0.0, []

    def monotonic(self) -> float:
        return time.monotonic() if self.real else self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.real:
            time.sleep(seconds)
        else:
            self.now += seconds


def test_async_call_is_polled_to_its_end_with_backoff(sim, client, monkeypatch):
    clock = Clock(real=True)
    monkeypatch.setattr(client_module, "time", clock)
    vm = stopped_vm(sim)
    call = client.request("PUT", f"/v1/vm-instances/{vm}/actions", json_body={"reimageVmInstance": {}})
    statuses = [s.response.status for s in call.exchange.steps]
    assert statuses[0] == 202 and statuses[-1] == 200 and set(statuses[1:-1]) <= {202}
    assert call.final.body["inventory"]["uuid"] == vm
    intervals = Backoff().intervals()
    assert clock.slept == [next(intervals) for _ in clock.slept]  # each poll after the next wait of the backoff: 20 ms first
    assert call.error is None


def test_backoff_starts_fast_and_caps_near_a_second():
    it = Backoff().intervals()
    seq = [next(it) for _ in range(40)]
    assert seq[0] <= 0.05 and seq == sorted(seq) and seq[-1] == 1.0
    polls = [sum(seq[: n + 1]) for n in range(len(seq))]
    assert next(t for t in polls if t >= 0.2) <= 0.25  # a job done at 200 ms is seen by 250 ms
    assert next(t for t in polls if t >= 1.0) <= 1.25


def test_sync_call_is_not_polled(sim, client):
    call = client.request("GET", "/v1/vm-instances", params=[("q", "state=Running")])
    assert len(call.exchange.steps) == 1 and call.final.status == 200


def test_location_host_is_replaced_by_the_base_url():
    """Behind NAT the node names an address the client cannot reach: only the path is used."""
    with Simulator(job_delay=0.05, advertise_url="http://10.255.0.1:8080/zstack") as s:
        c = ZStackClient(s.base_url, timeout=(0.5, 5))
        c.login("admin", "password")
        call = c.request("PUT", f"/v1/vm-instances/{stopped_vm(s)}/actions", json_body={"reimageVmInstance": {}})
        assert call.exchange.call.response.body["location"].startswith("http://10.255.0.1:8080/zstack/v1/api-jobs/")
        assert all(step.request.url.startswith(s.base_url) for step in call.exchange.steps)
        assert call.final.status == 200


def endless_job(api_timeout_ms: int, job_timeout: float, monkeypatch):
    """A reimage whose job never ends; (the client's call, the seconds it waited on its clock)."""
    base = "http://mn.example:8080/zstack"
    responses.put(f"{base}/v1/vm-instances/{'a' * 32}/actions", status=202, json={"location": f"{base}/v1/api-jobs/j1", "apiTimeout": api_timeout_ms})
    responses.get(f"{base}/v1/api-jobs/j1", status=202, json={})
    clock = Clock()
    monkeypatch.setattr(client_module, "time", clock)
    c = ZStackClient(base, session="s" * 32, job_timeout=job_timeout)
    call = c.request("PUT", f"/v1/vm-instances/{'a' * 32}/actions", json_body={"reimageVmInstance": {}})
    return call, clock.now


@responses.activate
def test_job_gives_up_at_the_configured_limit(monkeypatch):
    call, seconds = endless_job(600000, job_timeout=0.3, monkeypatch=monkeypatch)
    assert isinstance(call.error, JobTimeout) and "still running after 0.3 s" in str(call.error)
    assert seconds == pytest.approx(0.3)  # polled until then, and no longer
    assert call.exchange.final.response.status == 202


@responses.activate
def test_job_gives_up_at_its_api_timeout_when_shorter(monkeypatch):
    call, seconds = endless_job(200, job_timeout=60, monkeypatch=monkeypatch)
    assert isinstance(call.error, JobTimeout) and "still running after 0.2 s" in str(call.error)
    assert seconds == pytest.approx(0.2)


def test_expired_job_is_reported_as_such(sim, client):
    c = ZStackClient(sim.base_url, session=client.session)
    call = c.request("PUT", f"/v1/vm-instances/{new_uuid()}/actions", json_body={"reimageVmInstance": {}}, poll=False)
    body = call.final.body
    body["location"] = body["location"].rsplit("/", 1)[0] + "/" + new_uuid()  # a job the node never had
    c._poll(call, c.headers())
    assert call.exchange.final.response.status == 404
    assert "unknown or expired (404)" in str(call.error)


def test_no_location_is_an_error_not_a_poll(sim):
    with Simulator(faults=("no-location",)) as s:
        c = ZStackClient(s.base_url)
        c.login("admin", "password")
        call = c.request("PUT", f"/v1/vm-instances/{new_uuid()}/actions", json_body={"reimageVmInstance": {}})
        assert len(call.exchange.steps) == 1 and "no job location" in str(call.error)


def test_unreachable_target_is_one_clear_error():
    c = ZStackClient(f"http://127.0.0.1:{free_port()}/zstack", timeout=(0.5, 1))
    with pytest.raises(TargetUnreachable) as exc:
        c.login("admin", "password")
    assert str(exc.value).startswith("cannot reach http://127.0.0.1:") and "connection refused" in str(exc.value)


def test_read_timeout_is_one_clear_error():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)  # accepts, never answers
    try:
        c = ZStackClient(f"http://127.0.0.1:{srv.getsockname()[1]}/zstack", timeout=(0.5, 0.3))
        with pytest.raises(TargetUnreachable, match="did not answer PUT /v1/accounts/login within 0.3 s"):
            c.login("admin", "password")
    finally:
        srv.close()


def test_every_secret_is_known_to_the_redactor(sim):
    c = ZStackClient(sim.base_url)
    login = c.login("admin", "password")
    session = c.session
    logout = c.logout()
    red = c.redactor
    for ex in (login.exchange, logout.exchange):
        text = str(record_of(ex.redacted(red)))
        assert session not in text and password_hash("password") not in text
    # each masked where it stands, keeping its shape: the session a fixed fake uuid, the hash a fake hash
    assert logout.exchange.redacted(red).call.request.url.endswith(f"/v1/accounts/sessions/{FAKE_UUID}")
    assert logout.exchange.redacted(red).call.request.headers["Authorization"] == f"OAuth {FAKE_UUID}"
    assert login.exchange.redacted(red).call.request.body["logInByAccount"]["password"] == FAKE_SHA512
    assert login.exchange.redacted(red).final.response.body["inventory"]["uuid"] == FAKE_UUID
    # the captured exchange itself is left as it went over the wire, for the checks
    assert login.exchange.final.response.body["inventory"]["uuid"] == session
    assert "session" not in repr(c).lower() or session not in repr(c)


@pytest.mark.parametrize("given, words", [
    ({"account": "admin", "password": "wrong"}, "log-in as 'admin' at {url} failed: status 503 ID.1000 Unable to authenticate a user: wrong account name or password"),
    ({"session": "0" * 32}, "{url} refused the given session: status 503 ID.1001 The session is invalid, either wrong session id or the session has been expired: Session expired"),
])
def test_a_refused_login_or_session_says_what_the_node_answered(sim, given, words):
    """Not only ``status 503``: the node's error code and its words (never the password)."""
    from zstack_contract.facts.secrets import Redactor
    from zstack_contract.live.client import ClientError
    from zstack_contract.live.session import LiveSession, Target

    class Run:
        redactor, recorder = Redactor(), None

    options = {"session": None, "account": None, "password": None} | given
    with pytest.raises(ClientError) as exc:
        LiveSession.open(Target(sim.base_url, None, simulated=True), Run(), vm=None, job_timeout=None, allow_destructive=False, **options)
    assert str(exc.value).startswith(words.format(url=sim.base_url)), str(exc.value)
    assert "wrong" not in str(exc.value).replace("wrong account", "").replace("wrong session id", "")  # the node's words, not the password
