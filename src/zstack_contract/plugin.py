"""The pytest plugin: every option, marker and fixture of zstack-contract is registered here.

Loaded through the ``pytest11`` entry point. Each option can also come from an environment
variable (shown in ``pytest --help``), so CI can keep values out of the command line.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import profiles
from .baseline import Baseline
from .contracts import ContractSet
from .errors import ContractError, InputError
from .exchange import Exchange
from .findings import Finding
from .recorder import Recorder
from .recordings import discover, read_exchanges
from .redaction import Redactor
from .reports import write_reports
from .validation import Validation

# option name -> (environment variable, kwargs for addoption)
OPTIONS: dict[str, tuple[str, dict]] = {
    "--zstack-recordings": ("ZSTACK_RECORDINGS", dict(metavar="DIR", help="recordings to validate (default: contract_tests/recordings)")),
    "--zstack-schemas": ("ZSTACK_SCHEMAS", dict(metavar="DIR", help="derived schemas (default: ./schemas, else the project's schemas/)")),
    "--zstack-strict": ("ZSTACK_STRICT", dict(action="store_true", help="undocumented fields are violations")),
    "--zstack-baseline": ("ZSTACK_BASELINE", dict(metavar="FILE", help="known deviations that do not fail the run")),
    "--zstack-report": ("ZSTACK_REPORT", dict(metavar="DIR", help="folder for zstack-contract.json and .md (default: reports)")),
    "--zstack-url": ("ZSTACK_URL", dict(metavar="URL", help="management node base URL with its context path, e.g. http://mn:8080/zstack (default: start the embedded simulator on a free loopback port)")),
    "--zstack-session": ("ZSTACK_SESSION", dict(metavar="UUID", help="an existing session to use instead of logging in")),
    "--zstack-account": ("ZSTACK_ACCOUNT", dict(metavar="NAME", help="account to log in with (logged out at the end)")),
    "--zstack-password": ("ZSTACK_PASSWORD", dict(metavar="PASSWORD", help="the account's password (sent as its SHA-512 hash)")),
    "--zstack-vm": ("ZSTACK_VM", dict(metavar="UUID", help="the VM the destructive tests may reimage")),
    "--zstack-allow-destructive": ("ZSTACK_ALLOW_DESTRUCTIVE", dict(action="store_true", help="let tests change state on a live node (reimage)")),
    "--zstack-timeout": ("ZSTACK_TIMEOUT", dict(metavar="SECONDS", help="give up on a job after this long (default 300, or the job's apiTimeout if shorter)")),
    "--zstack-record": ("ZSTACK_RECORD", dict(metavar="DIR", help="write every live exchange as a redacted exchange record")),
    "--zstack-max-requests": ("ZSTACK_MAX_REQUESTS", dict(metavar="N", help="send at most N requests to the target (default: 1000 to a live node, no cap to a simulator)")),
    "--zstack-rate": ("ZSTACK_RATE", dict(metavar="R", help="send at most R requests per second (default: 10 to a live node, no cap to a simulator)")),
}

# The project's own known deviations of real nodes (see the file): used when no baseline is given.
DEFAULT_BASELINE = Path(__file__).resolve().parents[2] / "contract_tests" / "baseline.json"

MARKERS = {
    "zstack_live": "talks to the target (a live node or the embedded simulator)",
    "zstack_destructive": "changes state on the target; on a live node runs only with --zstack-allow-destructive",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zstack-contract", "zstack-contract: contract tests of a ZStack REST API")
    for name, (env, kwargs) in OPTIONS.items():
        kwargs = dict(kwargs)
        kwargs["help"] = f"{kwargs['help']} [env {env}]"
        group.addoption(name, dest=_dest(name), default=None, **kwargs)


def _dest(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def option(config: pytest.Config, name: str):
    """An option's value: the command line, else its environment variable."""
    value = config.getoption(_dest(name))
    if value in (None, False):
        env, kwargs = OPTIONS[name]
        raw = os.environ.get(env)
        if raw is not None:
            value = raw.strip().lower() in ("1", "true", "yes", "on") if kwargs.get("action") == "store_true" else raw
    return value


class ContractRun:
    """The session's validation: fed by every contract test, written out as reports at the end."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.used = False
        self.redactor = Redactor()
        record = option(config, "--zstack-record")
        self.recorder = Recorder(record, self.redactor) if record else None
        self._validation: Validation | None = None
        self._error: ContractError | None = None

    def contracts(self) -> ContractSet | None:
        """The schemas and baseline, loaded once; None (the error kept) when they are unusable."""
        if self._validation is None and self._error is None:
            try:
                contracts = ContractSet.load(option(self.config, "--zstack-schemas"))
                baseline_file = option(self.config, "--zstack-baseline")
                if not baseline_file and DEFAULT_BASELINE.exists():
                    baseline_file = str(DEFAULT_BASELINE)
                baseline = Baseline.load(baseline_file) if baseline_file else None
            except ContractError as exc:
                self._error = exc
                return None
            self._validation = Validation(contracts, strict=bool(option(self.config, "--zstack-strict")), baseline=baseline, redactor=self.redactor)
        return self._validation.contracts if self._validation else None

    @property
    def validation(self) -> Validation:
        """The run's validation; fails the calling test (one line) when the schemas are unusable."""
        if self.contracts() is None:
            pytest.fail(str(self._error), pytrace=False)
        self.used = True
        return self._validation

    def check(self, exchange: Exchange, extra: list[Finding] = ()) -> list[Finding]:
        """Hold one exchange to the contract (plus ``extra`` findings, e.g. a live test's
        expectations); fail the calling test with each new violation, one per line."""
        return self._verdict(lambda v: v.check(exchange, extra))

    def check_file(self, exchanges: "list[Exchange] | InputError") -> list[Finding]:
        """Hold a recording file's exchanges to the contract (an unusable file fails with one line)."""
        return self._verdict(lambda v: v.check_file(exchanges))

    def _verdict(self, run) -> list[Finding]:
        v = self.validation
        try:
            findings = run(v)
        except InputError as exc:
            if exc not in v.input_errors:
                v.add_error(exc)
            pytest.fail(str(exc), pytrace=False)
        new = [f for f in findings if f.severity == "violation" and not (v.baseline and v.baseline.knows(f))]
        if new:
            pytest.fail("\n".join(f.message() for f in new), pytrace=False)
        return findings

    def write_reports(self) -> None:
        if self.used and self._validation is not None:
            write_reports(self._validation, option(self.config, "--zstack-report") or "reports")


_RUN = pytest.StashKey[ContractRun]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis profiles (zstack_contract.profiles): ``ci`` when CI is set, else ``dev``;
    # --hypothesis-profile picks another (hypothesis' own plugin loads it, after this hook).
    chosen = config.getoption("hypothesis_profile", None)
    profiles.start_with(None if chosen else "ci" if os.environ.get("CI") else "dev")
    if chosen:
        profiles.on_import()  # registered before hypothesis' plugin loads the one chosen
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.stash[_RUN] = ContractRun(config)


_WIRE_KEY = "zstack_contract"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the reports; an xdist worker hands its aggregates to the controller instead."""
    run = session.config.stash.get(_RUN, None)
    if run is None:
        return
    if hasattr(session.config, "workeroutput"):
        if run.used and run._validation is not None:
            session.config.workeroutput[_WIRE_KEY] = run._validation.to_wire()
        return
    run.write_reports()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist controller: merge what a worker's contract tests found into the one report."""
    wire = getattr(node, "workeroutput", {}).get(_WIRE_KEY)
    if wire is None:
        return
    run = node.config.stash[_RUN]
    run.validation.merge_wire(wire)


def pytest_runtest_setup(item: pytest.Item) -> None:
    run = item.config.stash.get(_RUN, None)
    if run is not None and run.recorder is not None:
        run.recorder.current = item.nodeid


@pytest.fixture(scope="session")
def zstack_contract(request: pytest.FixtureRequest) -> ContractRun:
    """The session's contract run: ``zstack_contract.check(exchange)`` holds an exchange to the contract."""
    return request.config.stash[_RUN]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``zstack_recording``: one test per recording file, with its path as the id;
    ``zstack_probe``: one test per API that can be probed."""
    _parametrize_probes(metafunc)
    if "zstack_recording" not in metafunc.fixturenames:
        return
    folder = option(metafunc.config, "--zstack-recordings") or str(Path(metafunc.definition.fspath).parent / "recordings")
    sources, errors = discover([folder])
    base = Path(folder)
    params = [pytest.param(s, id=_rel(s.path, base)) for s in sources]
    params += [pytest.param(e, id=f"unusable:{e.path}") for e in errors]
    metafunc.parametrize("zstack_recording", params)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


@pytest.fixture
def zstack_recording_exchanges(zstack_recording) -> list[Exchange] | InputError:
    """The exchanges recorded in this test's file, or the reason it is unusable."""
    if isinstance(zstack_recording, InputError):
        return zstack_recording
    try:
        return read_exchanges(zstack_recording)
    except InputError as exc:
        return exc


# --- live targets --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def zstack_target(request: pytest.FixtureRequest):
    """The target: ``--zstack-url``, or the embedded simulator on a free loopback port for the run."""
    from .live import Target

    url = option(request.config, "--zstack-url")
    if url:
        yield Target(url.rstrip("/"), None)
        return
    from .simulator import Simulator

    with Simulator() as sim:
        yield Target(sim.base_url, sim)


@pytest.fixture(scope="session")
def zstack_session(request: pytest.FixtureRequest, zstack_target, zstack_contract: ContractRun):
    """A logged-in client for the run (one clear error and the run stops if the target cannot be reached)."""
    from .live import LiveSession

    config = request.config
    timeout, max_requests, rate = (option(config, o) for o in ("--zstack-timeout", "--zstack-max-requests", "--zstack-rate"))
    try:
        job_timeout = float(timeout) if timeout else None
        limits = (int(max_requests) if max_requests else None, float(rate) if rate else None)
    except ValueError:
        pytest.exit(f"zstack-contract: --zstack-timeout and --zstack-rate take numbers, --zstack-max-requests a count; "
                    f"got {timeout!r}, {rate!r}, {max_requests!r}", returncode=2)
    try:
        live = LiveSession.open(
            zstack_target,
            zstack_contract,
            session=option(config, "--zstack-session"),
            account=option(config, "--zstack-account"),
            password=option(config, "--zstack-password"),
            vm=option(config, "--zstack-vm"),
            job_timeout=job_timeout,
            allow_destructive=bool(option(config, "--zstack-allow-destructive")),
            limits=limits,
        )
    except ContractError as exc:
        pytest.exit(f"zstack-contract: {zstack_contract.redactor.text(str(exc))}", returncode=2)
    yield live
    live.close()


@pytest.fixture
def zstack_live(request: pytest.FixtureRequest, zstack_session):
    """The run's live session, bound to the calling test (its id names the exchanges).

    A test marked ``zstack_destructive`` is skipped on a live node without --zstack-allow-destructive.
    """
    if request.node.get_closest_marker("zstack_destructive") and not zstack_session.allow_destructive:
        pytest.skip("changes state on a live node: pass --zstack-allow-destructive to run it")
    return zstack_session.bind(request.node.nodeid)


# --- probing ---------------------------------------------------------------------------------------
def _probe_apis(config: pytest.Config) -> list:
    """APIs to probe: those with a request schema whose endpoint takes a resource uuid in its path.
    (Unusable schemas probe nothing here; the tests that use them say why.)"""
    from .probing import resource_endpoint

    contracts = config.stash[_RUN].contracts() or []
    return [c for c in contracts if c.request and resource_endpoint(c)]


@pytest.fixture
def zstack_probe(request: pytest.FixtureRequest, zstack_live, zstack_contract: ContractRun):
    """Sends generated bodies for one API (parametrized over every API that can be probed)."""
    from .probing import Prober

    contract = zstack_contract.validation.contracts.get(request.param)
    return Prober(zstack_live, contract, zstack_contract, request.node.nodeid)


def _parametrize_probes(metafunc: pytest.Metafunc) -> None:
    if "zstack_probe" in metafunc.fixturenames:
        apis = [c.api for c in _probe_apis(metafunc.config)]
        metafunc.parametrize("zstack_probe", apis, ids=apis, indirect=True)
