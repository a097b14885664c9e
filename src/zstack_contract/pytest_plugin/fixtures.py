"""The plugin's fixtures: the session's contract run, recorded files, the live target and session,
and the probers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ..contract.releases import AUTO
from ..errors import ContractError, InputError
from ..inputs.exchange import Exchange
from ..inputs.recordings import discover, read_exchanges
from .options import contract_choice, option
from .run import CLEANUP, ContractRun

RUN = pytest.StashKey[ContractRun]()
REPLAY_URL = "http://zstack-replay.invalid/zstack"  # no such host: nothing of a replay leaves the process


@pytest.fixture(scope="session")
def zstack_contract(request: pytest.FixtureRequest) -> ContractRun:
    """The session's contract run: ``zstack_contract.check(exchange)`` holds an exchange to the contract."""
    return request.config.stash[RUN]


# --- recorded files ----------------------------------------------------------------------------
def parametrize_recordings(metafunc: pytest.Metafunc) -> None:
    """``zstack_recording``: one test per recording file, with its path as the id."""
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


# --- live targets ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def zstack_target(request: pytest.FixtureRequest):
    """The target: recorded answers (``--zstack-replay``), ``--zstack-url``, or the embedded
    simulator on a free loopback port for the run."""
    from ..live.session import Target

    run = request.config.stash[RUN]
    url, replayed = option(request.config, "--zstack-url"), option(request.config, "--zstack-replay")
    if replayed:
        from ..live.replay import Recordings, Replay

        try:
            recordings = Recordings.load([replayed], keep_going=True)  # an unusable file is left out, and named
        except InputError as exc:
            pytest.exit(f"zstack-contract: --zstack-replay {exc}", returncode=2)
        run.recordings_unusable(recordings.unusable)
        with Replay(recordings, current_test=lambda: run.current_test) as replay:
            yield Target(REPLAY_URL, None, replay=replay)
        return
    if url:
        yield Target(url.rstrip("/"), None)
        return
    from ..simulator import Simulator

    contracts = run.contracts()  # unusable schemas: the tests that use them say why
    with Simulator(schemas=contracts, job_delay=0.005) as sim:
        yield Target(sim.base_url, sim)


@pytest.fixture(scope="session")
def zstack_session(request: pytest.FixtureRequest, zstack_target, zstack_contract: ContractRun):
    """A logged-in client for the run, or None when the target cannot be used (the first live test
    fails saying why, the others are skipped, the reports say it and the run exits 2)."""
    from ..live.session import LiveSession

    config = request.config
    timeout, max_requests, rate = (option(config, o) for o in ("--zstack-timeout", "--zstack-max-requests", "--zstack-rate"))
    try:
        job_timeout = float(timeout) if timeout else None
        limits = (int(max_requests) if max_requests else None, float(rate) if rate else None)
        if job_timeout is not None and not (math.isfinite(job_timeout) and job_timeout > 0):
            raise ValueError(timeout)
    except ValueError:
        pytest.exit(f"zstack-contract: --zstack-timeout and --zstack-rate take numbers, --zstack-max-requests a count; "
                    f"got {timeout!r}, {rate!r}, {max_requests!r}", returncode=2)
    deadline = zstack_contract.deadline()
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
            deadline=deadline,
        )
    except ContractError as exc:
        zstack_contract.target_unusable(zstack_contract.redactor.text(str(exc)), zstack_target.base_url)
        yield None
        return
    from ..live.provision import Provisioner

    live.provisioner = Provisioner(zstack_contract.validation.contracts, zstack_target.live_node)
    zstack_contract.cleanup = lambda: live.provisioner.clean_up(live.bind(CLEANUP))
    yield live
    zstack_contract.clean_up()  # at the session's end; an interrupted session's end cleans up in pytest_sessionfinish
    live.close()
    if live.client.budget.ran_out:  # a request was refused (a probe stops sending silently): not all the work was done
        zstack_contract.failed("the live session", live.client.budget.ran_out)


@pytest.fixture
def zstack_live(request: pytest.FixtureRequest, zstack_session, zstack_contract: ContractRun):
    """The run's live session, bound to the calling test (its id names the exchanges).

    A test marked ``zstack_destructive`` is skipped on a live node without --zstack-allow-destructive.
    """
    if zstack_session is None:
        if not zstack_contract.target_failed_once:
            zstack_contract.target_failed_once = True
            zstack_contract.fail_explained(f"zstack-contract: {zstack_contract.target_error}")
        pytest.skip("not run: the target cannot be used (the first live test says why)")
    if request.node.get_closest_marker("zstack_destructive") and not zstack_session.allow_destructive:
        pytest.skip("changes state on a live node: pass --zstack-allow-destructive to run it")
    return zstack_session.bind(request.node.nodeid)


# --- generated tests of every API ---------------------------------------------------------------
def parametrize_api_cases(metafunc: pytest.Metafunc) -> None:
    """``zstack_api_case``: one test per API and case (``DeleteVmHostname-unknown-resource``), of
    the APIs --zstack-api selects (every one by default) and the cases --zstack-case names."""
    from ..live.cases import CASES, matches, select

    config = metafunc.config
    apis, names = option(config, "--zstack-api"), option(config, "--zstack-case")
    unknown = sorted(set(names or ()) - set(CASES))
    if unknown:
        pytest.exit(f"zstack-contract: --zstack-case {', '.join(unknown)}: no such case; cases: {', '.join(CASES)}", returncode=2)
    contracts = config.stash[RUN].contracts()
    if contracts is None:  # the test says why, in one line
        metafunc.parametrize("zstack_api_case", [pytest.param(None, id="unusable-schemas")])
        return
    cases = select(contracts, apis, names)
    if apis and not any(matches(c.api, apis) for c in contracts):
        pytest.exit(f"zstack-contract: --zstack-api {', '.join(apis)} matches no API of the schemas "
                    f"({', '.join(c.api for c in contracts)})", returncode=2)
    params = [pytest.param(c, id=c.id, marks=[pytest.mark.zstack_destructive] if c.destructive else []) for c in cases]
    metafunc.parametrize("zstack_api_case", params)


# --- replay for client authors -------------------------------------------------------------------
@pytest.fixture
def zstack_replay(request: pytest.FixtureRequest):
    """Recorded answers served to any code that uses ``requests`` while the test runs (see
    :func:`zstack_contract.replay`): those of --zstack-replay, else --zstack-recordings, else
    ``contract_tests/recordings`` of the project. A recording that breaks the contract fails the
    test, naming it."""
    from ..live.replay import replay

    config = request.config
    folder = option(config, "--zstack-replay") or option(config, "--zstack-recordings") or str(Path(config.rootpath) / "contract_tests" / "recordings")
    try:
        schemas, release = contract_choice(config)
        if release == AUTO:  # the run's, as the node it talks to chose it
            contracts = config.stash[RUN].contracts()
            release = contracts.release if contracts is not None else None
        served = replay(folder, strict=True, schemas=schemas, release=release)
    except ContractError as exc:
        pytest.fail(f"zstack-contract: {exc}", pytrace=False)
    with served:
        yield served


# --- probing -----------------------------------------------------------------------------------
def parametrize_probes(metafunc: pytest.Metafunc, fixture: str) -> None:
    """``zstack_probe``: one test per API that can be probed: those with a request body whose
    route takes a resource uuid in its path, of the APIs --zstack-api selects; ``zstack_vm_probe``:
    those of them that act on a VM and whose bodies name no other resource (the designated
    resource of a run is a VM), less those the overlay says need the resource in given states or
    remove it (``Contract.change``: an expunge needs a Destroyed VM; the designated VM is Stopped,
    and must stay for the tests after). Unusable schemas probe nothing here; the tests that use them say why."""
    from ..live.cases import matches
    from ..probing.prober import acts_on, names_other_resources, resource_route

    contracts = metafunc.config.stash[RUN].contracts() or []
    globs = option(metafunc.config, "--zstack-api")
    apis = [c.api for c in contracts
            if c.request and c.request.get("type") == "object" and resource_route(c) and matches(c.api, globs)
            and (fixture == "zstack_probe" or (acts_on(c, contracts) == VMS and not names_other_resources(c)
                                               and not c.change.get("needsState") and not c.change.get("removes")))]
    metafunc.parametrize(fixture, apis, ids=apis, indirect=True)


VMS = "vm-instances"  # the collection of the designated resource


@pytest.fixture
def zstack_probe(request: pytest.FixtureRequest, zstack_live, zstack_contract: ContractRun):
    """Sends generated bodies for one API (parametrized over every API that can be probed)."""
    return _prober(request, zstack_live, zstack_contract)


@pytest.fixture
def zstack_vm_probe(request: pytest.FixtureRequest, zstack_live, zstack_contract: ContractRun):
    """Sends generated bodies for one API that acts on a VM and names no other resource."""
    return _prober(request, zstack_live, zstack_contract)


def _prober(request: pytest.FixtureRequest, live, run: ContractRun):
    from ..probing.prober import Prober

    return Prober(live, run.validation.contracts.get(request.param), run, request.node.nodeid)


# --- stateful scenarios ----------------------------------------------------------------------------
def parametrize_scenarios(metafunc: pytest.Metafunc) -> None:
    """``zstack_scenario``: one test per resource family with a scenario (:mod:`zstack_contract.live.scenarios`),
    of the families with an API --zstack-api selects (every one by default), the type as its id."""
    from ..live.cases import matches
    from ..live.scenarios import scenarios

    contracts = metafunc.config.stash[RUN].contracts()
    globs = option(metafunc.config, "--zstack-api")
    chosen = [s for s in scenarios(contracts)
              if not globs or any(matches(s.api, globs) for s in s.steps())] if contracts is not None else []
    metafunc.parametrize("zstack_scenario", chosen, ids=[s.id for s in chosen], indirect=True)


@pytest.fixture
def zstack_scenario(request: pytest.FixtureRequest, zstack_target, zstack_contract: ContractRun):
    """The scenario of one resource family, ready to play against the target (``.play()``: None,
    or the failure text of the shortest failing sequence). Skipped on a replay: its answers are
    recorded ones, and a scenario's requests (new names, new uuids) are new each run."""
    from ..live.scenario_machine import DEFAULT_EXAMPLES, DEFAULT_STEPS, ScenarioRun

    if zstack_target.replay is not None:
        pytest.skip("a stateful scenario needs a target that keeps state: --zstack-replay serves recorded answers")
    zstack_live = request.getfixturevalue("zstack_live")

    counts = []
    for name, default in (("--zstack-scenario-examples", DEFAULT_EXAMPLES), ("--zstack-scenario-steps", DEFAULT_STEPS)):
        raw = option(request.config, name)
        try:
            value = int(raw) if raw is not None else default
        except ValueError:
            value = 0
        if value < 1:
            pytest.exit(f"zstack-contract: {name} takes a whole number above 0, got {raw!r}", returncode=2)
        counts.append(value)
    return ScenarioRun(zstack_live, zstack_contract, request.param, examples=counts[0], steps=counts[1])
