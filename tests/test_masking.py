"""What we record, we validate clean: secrets masked where they stand (a session in a header, a
password field, the session a log-in answers, a log-out's path), each keeping its field's shape,
and nothing else touched; so recordings of every API of the newest shipped contract, made on the
simulator, validate and replay with no failure."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess

from conftest import ROOT, child_pytest
from zstack_contract.checks.registry import LIVE
from zstack_contract.cli import main
from zstack_contract.contract.loading import load_contracts
from zstack_contract.facts.ids import password_hash
from zstack_contract.facts.secrets import FAKE_SHA512, FAKE_UUID, MASK, Redactor
from zstack_contract.findings.baseline import Baseline, is_new
from zstack_contract.findings.validation import Validation
from zstack_contract.inputs.exchange import Exchange, Request, Response, Step
from zstack_contract.inputs.records import record_of
from zstack_contract.live import cases
from zstack_contract.live.client import Backoff
from zstack_contract.live.outcomes import Skipped
from zstack_contract.live.recorder import Recorder
from zstack_contract.live.replay import replay
from zstack_contract.live.session import LiveSession, Target
from zstack_contract.pytest_plugin.fixtures import REPLAY_URL
from zstack_contract.pytest_plugin.run import DEFAULT_BASELINE
from zstack_contract.simulator import Simulator

SESSION = "9a8b7c6d5e4f40a1b2c3d4e5f6a7b8c9"
VM = "efb855424e2b38d3bc320f105a13bc0b"
BASE = "http://mn:8080/zstack"
# A random UUID as the protocol describes one: version nibble 1-5 at position 13, variant 8-b at 17.
RANDOM_UUID = re.compile(r"^[0-9a-f]{12}[1-5][0-9a-f]{3}[89ab][0-9a-f]{15}$")


def step(method: str, path: str, body=None, status: int = 200, answer=None, auth: str | None = SESSION) -> Step:
    headers = {"Authorization": f"OAuth {auth}"} if auth else {}
    request = Request(method=method, url=BASE + path, headers=headers, **({"body": body} if body is not None else {}))
    return Step(request, Response(status=status, **({"body": answer} if answer is not None else {})))


def redactor() -> Redactor:
    """One that knows a run's secrets, as the live client's does: the password, its hash, the session."""
    return Redactor({"password", password_hash("password"), SESSION})


# -- where a secret stands -----------------------------------------------------------------------------
def test_the_password_is_masked_in_its_field_not_where_its_text_appears_elsewhere():
    red = redactor()
    read = Exchange([step("GET", f"/v1/vm-instances/{VM}/console-passwords", answer={"password": "s3cret-console"})], "t")
    delete = Exchange([step("DELETE", f"/v1/vm-instances/{VM}/console-password",
                            answer={"error": {"code": "SYS.1007", "details": "field[password] of message is mandatory"}}, status=503)], "t")
    shown = read.redacted(red)
    assert shown.call.request.url == f"{BASE}/v1/vm-instances/{VM}/console-passwords"  # a path, not the password
    assert shown.call.response.body == {"password": MASK}  # a password field: free text
    gone = delete.redacted(red)
    assert gone.call.request.url.endswith("/console-password")
    assert gone.call.response.body["error"]["details"] == "field[password] of message is mandatory"  # a name
    # in free text the password is still masked where it stands as a word of its own
    assert red.text("logged in with password as the password") == "logged in with *** as the ***"
    assert red.text("GET /v1/vm-instances/x/console-passwords") == "GET /v1/vm-instances/x/console-passwords"


def test_a_masked_value_keeps_its_fields_shape_and_the_same_input_the_same_bytes():
    login = Exchange([step("PUT", "/v1/accounts/login", {"logInByAccount": {"accountName": "admin", "password": password_hash("password")}},
                           answer={"inventory": {"uuid": SESSION, "accountUuid": VM}}, auth=None)], "t")
    logout = Exchange([step("DELETE", f"/v1/accounts/sessions/{SESSION}", answer={})], "t")
    shown_in, shown_out = login.redacted(redactor()), logout.redacted(redactor())
    assert shown_in.call.request.body["logInByAccount"] == {"accountName": "admin", "password": FAKE_SHA512}
    assert shown_in.call.response.body["inventory"] == {"uuid": FAKE_UUID, "accountUuid": VM}  # only the session
    assert shown_out.call.request.url == f"{BASE}/v1/accounts/sessions/{FAKE_UUID}"
    assert shown_out.call.request.headers == {"Authorization": f"OAuth {FAKE_UUID}"}
    assert RANDOM_UUID.match(FAKE_UUID) and re.fullmatch(r"[0-9a-f]{128}", FAKE_SHA512)
    again = [json.dumps(record_of(x.redacted(redactor()))) for x in (login, logout)]
    assert again == [json.dumps(record_of(x)) for x in (shown_in, shown_out)]
    assert SESSION not in str(again) and password_hash("password") not in str(again)


def test_secrets_are_masked_by_where_they_stand_even_when_nobody_told_the_redactor():
    """A log-in's answer, a log-out's path, a header and any secret field (sshPassword,
    accessKeySecret, a private key) are masked for what they are, known or not."""
    login = Exchange([step("PUT", "/v1/accounts/users/login", {"logInByUser": {"userName": "u", "password": "plain"}},
                           answer={"inventory": {"uuid": SESSION}}, auth=None)], "t")
    assert login.redacted(Redactor()).call.response.body == {"inventory": {"uuid": FAKE_UUID}}
    assert login.redacted(Redactor()).call.request.body == {"logInByUser": {"userName": "u", "password": MASK}}
    other = Exchange([step("PUT", f"/v1/vm-instances/{VM}/actions", {"updateVmInstance": {"name": "password"}},
                           answer={"inventory": {"uuid": VM, "name": "password"}})], "t")
    assert other.redacted(redactor()).call.response.body == {"inventory": {"uuid": VM, "name": "password"}}  # not a log-in
    body = {"params": {"sshPassword": "x1", "accessKeySecret": "k" * 40, "privateKey": "-----BEGIN", "sshUsername": "root"}}
    masked = Exchange([step("POST", "/v1/hosts", body)], "t").redacted(Redactor()).call.request.body
    assert masked == {"params": {"sshPassword": MASK, "accessKeySecret": MASK, "privateKey": MASK, "sshUsername": "root"}}
    assert Exchange([step("DELETE", f"/v1/accounts/sessions/{SESSION}")], "t").redacted(Redactor()).call.request.url.endswith(FAKE_UUID)


# -- the round trip over every API of the newest shipped contract -----------------------------------
class Run:
    """What the pytest plugin's run is to a live session: the run's redactor and recorder, and its
    checks (with the suite's baseline); every new violation is kept, with its case."""

    def __init__(self, contracts, recorder: Recorder | None = None):
        self.redactor = recorder.redactor if recorder else Redactor()
        self.recorder = recorder
        self.validation = Validation(contracts, baseline=Baseline.load(DEFAULT_BASELINE), redactor=self.redactor)
        self.current = "session"
        self.broken: list[str] = []

    def check(self, exchange, extra=(), origin=LIVE):
        findings = self.validation.check(exchange, extra, origin=origin)
        self.broken += [f"{self.current}: {f.message()}" for f in findings if is_new(f, self.validation.baseline)]
        return findings

    def api_of(self, exchange):
        request = exchange.call.request
        contract = self.validation.contracts.match(request.method, request.url, request.body if request.has_json else None)
        return contract.api if contract else None


def one_case_per_api(contracts, target: Target, run: Run, chosen: dict[str, cases.Case] | None = None) -> dict[str, cases.Case]:
    """Run one generated case of every API on ``target`` (a read where the API has one and a
    resource is found, else its first case); the cases run, by API."""
    live = LiveSession.open(target, run, session=None, account=None, password=None, vm=None, job_timeout=None, allow_destructive=False)
    live.client.backoff = Backoff(first=0.001)  # a job of the simulator with no delay, or a replayed one, is done at once
    ran = {}
    try:
        for contract in contracts:
            options = [chosen[contract.api]] if chosen else sorted(cases.cases_for(contract), key=lambda c: c.name != "read")
            for case in options:
                run.current = f"test_api[{case.id}]"
                if run.recorder is not None:
                    run.recorder.current = run.current
                try:
                    cases.run(case, contracts, live.bind(run.current))
                except Skipped:
                    continue
                ran[contract.api] = case
                break
    finally:
        live.close()
    return ran


def test_every_api_of_the_newest_contract_recorded_on_the_simulator_validates_and_replays_clean(tmp_path):
    newest = load_contracts()
    record = tmp_path / "rec"
    recording = Run(newest, Recorder(record, Redactor()))
    with Simulator(schemas=newest, job_delay=0) as sim:
        ran = one_case_per_api(newest, Target(sim.base_url, sim), recording)
    assert recording.broken == []
    assert set(ran) == set(newest.by_api) and len(ran) > 550
    assert any(c.name == "read" for c in ran.values()) and ran["GetVmConsolePassword"].name == "read"
    files = list(record.glob("*.json"))
    assert len(files) >= len(ran) + 2  # a call of each API, the log-in and the log-out (and the queries of reads)
    assert {json.loads(f.read_text()).get("api") for f in files} >= set(newest.by_api)

    # every recording holds to the newest contract (replay's strict load: validate's checks, no
    # baseline), and each API's case passes again on the replayed answers
    replaying = Run(newest)
    served = replay(record, release=newest.release)
    served.current_test = lambda: replaying.current  # a test's own recordings first, as with --zstack-replay
    with served as replayed:
        again = one_case_per_api(newest, Target(REPLAY_URL, None, replay=replayed), replaying, chosen=ran)
    assert replaying.broken == []
    assert again == ran


def test_the_suite_records_on_the_default_simulator_and_replays_clean(tmp_path, monkeypatch):
    """The user's way, on the APIs whose paths hold the simulator's password as text and the
    log-in: ``pytest contract_tests --zstack-record DIR`` on the newest release, then
    ``--zstack-replay DIR`` and ``zstack-contract validate DIR``."""
    for name in ("ZSTACK_SCHEMAS", "ZSTACK_RELEASE"):  # the newest release, here and in the children
        monkeypatch.delenv(name, raising=False)
    select = ["--zstack-api", "*VmConsolePassword", "--zstack-api", "LogInByAccount"]
    record = tmp_path / "rec"
    for how in (["--zstack-record", str(record)], ["--zstack-replay", str(record)]):
        r = subprocess.run(child_pytest("contract_tests/test_api.py", "contract_tests/test_live.py", *select, *how,
                                        "--zstack-report", str(tmp_path / "rep")),
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 0, r.stdout[-3000:]
        assert " failed" not in r.stdout
    recorded = "".join(p.read_text() for p in record.glob("*.json"))
    assert "/console-passwords" in recorded and "/console-password\"" in recorded and FAKE_UUID in recorded
    assert password_hash("password") not in recorded and MASK in recorded  # the console password the simulator answers
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        assert main(["validate", str(record), "--report", str(tmp_path / "v"), "--jobs", "1"]) == 0, out.getvalue()[-2000:]

