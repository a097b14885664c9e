"""The pytest plugin, loaded through the ``pytest11`` entry point: every option (:mod:`.options`),
marker, hook and fixture (:mod:`.fixtures`) of zstack-contract, and the session's contract run
(:mod:`.run`). Each option can also come from an environment variable (shown in ``pytest --help``),
so CI can keep values out of the command line.

The session's exit code is its contract run's verdict's (:mod:`zstack_contract.findings.verdict`:
0 pass, 1 new violations, 2 unusable input or work not done), when it had a contract run and
pytest itself would have said 0 or 1; pytest's other codes (interrupted, usage, no tests) stand.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest

from ..errors import ContractError, OutputError
from ..live.outcomes import Failed, Skipped
from ..probing import profiles
from .fixtures import (  # noqa: F401  (fixtures are found in the plugin's namespace)
    RUN,
    parametrize_api_cases,
    parametrize_probes,
    parametrize_recordings,
    parametrize_scenarios,
    zstack_contract,
    zstack_live,
    zstack_probe,
    zstack_recording_exchanges,
    zstack_replay,
    zstack_scenario,
    zstack_session,
    zstack_target,
    zstack_vm_probe,
)
from .junit import write_verdict, zstack_property  # noqa: F401  (a fixture)
from .options import add_options, mistyped_option, option, read_settings
from .run import ContractRun

MARKERS = {
    "zstack_live": "talks to the target (a live node or the embedded simulator)",
    "zstack_destructive": "changes state on the target; on a live node runs only with --zstack-allow-destructive",
}
_WIRE_KEY = "zstack_contract"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A live test that ended early (:mod:`zstack_contract.live.outcomes`) ends as pytest's outcome."""
    with _as_pytest_outcomes():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request: pytest.FixtureRequest):
    """The same for a fixture that talks to the target (finding the VM a test needs)."""
    with _as_pytest_outcomes():
        return (yield)


@contextlib.contextmanager
def _as_pytest_outcomes():
    try:
        yield
    except Skipped as exc:
        pytest.skip(exc.reason)
    except Failed as exc:
        pytest.fail(exc.reason, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]):
    """Once the conftests added their options: a mistyped option of this plugin is a usage error
    naming the option meant (pytest itself only says "unrecognized arguments")."""
    result = yield
    _unknown, extras = parser.parse_known_and_unknown_args(args)
    mistyped = mistyped_option(extras)
    if mistyped:
        raise pytest.UsageError(mistyped)
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis profiles (zstack_contract.probing.profiles): ``ci`` when CI is set, else ``dev``;
    # --hypothesis-profile picks another (hypothesis' own plugin loads it, after this hook).
    chosen = config.getoption("hypothesis_profile", None)
    profiles.start_with(None if chosen else "ci" if os.environ.get("CI") else "dev")
    if chosen:
        profiles.on_import()  # registered before hypothesis' plugin loads the one chosen
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    read_settings(config)
    config.stash[RUN] = ContractRun(config)
    _end_on_sigterm(config)


def _end_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM ends the session as Ctrl-C does (KeyboardInterrupt), so that it still cleans up what
    it made and writes its reports; only where nobody else handles SIGTERM, and in the main thread."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)
    config.add_cleanup(lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """After pytest's own summary: the target, what was checked, the findings, drift, coverage and
    the reports (:mod:`zstack_contract.reporting.terminal`)."""
    run = config.stash.get(RUN, None)
    if run is None or hasattr(config, "workerinput"):
        return
    for line in run.left_behind:
        terminalreporter.write_line(f"zstack-contract: {line}", red=True)
    if run.report is None:
        return
    from ..reporting.terminal import summary_lines

    replayed = option(config, "--zstack-replay")
    target = f"the recordings in {replayed}" if replayed else option(config, "--zstack-url")
    terminalreporter.write_sep("-", "zstack-contract")
    for line in summary_lines(run.report, target, run.written, run.redactor):
        terminalreporter.write_line(line)
    for error in run.replay_left_out:
        terminalreporter.write_line(run.redactor.text(f"zstack-contract: --zstack-replay left out {error}"), red=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    """A contract or baseline named that cannot be used ends the session before any test: one
    line, exit 2 (the controller's check stands for its xdist workers)."""
    run = session.config.stash.get(RUN, None)
    if run is not None and not hasattr(session.config, "workerinput"):
        run.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A test that failed or erred for another reason than findings is work the run did not do."""
    outcome = yield
    report = outcome.get_result()
    run = item.config.stash.get(RUN, None)
    if run is not None and report.failed:
        excinfo = call.excinfo
        run.failed(item.nodeid, _reason(excinfo.value) if excinfo is not None else str(report.longrepr or ""))


def _reason(exc: BaseException) -> str:
    """An exception as a reason: its message (a pytest outcome's, or one of ours, as it is)."""
    if isinstance(exc, (pytest.fail.Exception, ContractError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file: the verdict goes into it
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the reports; an xdist worker hands its aggregates to the controller instead. The
    session's exit code is the verdict's (see the module): a target that could not be used and
    recording files the replay left out are unusable inputs of it."""
    run = session.config.stash.get(RUN, None)
    if run is None:
        return
    run.clean_up()  # a session cut short: its live session was not torn down (each xdist worker cleans what it made)
    if hasattr(session.config, "workeroutput"):
        wire = run.to_wire()
        if wire is not None:
            session.config.workeroutput[_WIRE_KEY] = wire
        return
    if session.exitstatus == pytest.ExitCode.INTERRUPTED:
        run.interrupted()
    try:
        run.write_reports()
    except OutputError as exc:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"zstack-contract: --zstack-report {exc}", red=True)
        session.exitstatus = 2
        return
    code = run.exit_code()
    if code is None:
        return
    write_verdict(session.config, run.report)
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        session.exitstatus = code


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist controller: merge what a worker's contract tests found into the one report."""
    wire = getattr(node, "workeroutput", {}).get(_WIRE_KEY)
    if wire is None:
        return
    node.config.stash[RUN].merge_wire(wire)


def pytest_runtest_setup(item: pytest.Item) -> None:
    run = item.config.stash.get(RUN, None)
    if run is None:
        return
    run.current_test = item.nodeid
    if run.recorder is not None:
        run.recorder.current = item.nodeid
    deadline = run.deadline()
    if deadline is not None and time.monotonic() >= deadline and "zstack_live" in getattr(item, "fixturenames", ()):
        pytest.fail(f"not run: the run's time is up (--zstack-max-time {option(item.config, '--zstack-max-time')} s)", pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A contract with no family that has a scenario has no scenario test: deselected, not a
    skipped test of an empty parameter set."""
    def unparametrized(item: pytest.Item) -> bool:  # pytest's own mark of an empty parameter set
        skip = item.get_closest_marker("skip")
        return skip is not None and "empty parameter set" in str(skip.kwargs.get("reason", ""))

    empty = [item for item in items if "zstack_scenario" in getattr(item, "fixturenames", ()) and unparametrized(item)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [item for item in items if item not in empty]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "zstack_api_case" in metafunc.fixturenames:
        parametrize_api_cases(metafunc)
    for fixture in ("zstack_probe", "zstack_vm_probe"):
        if fixture in metafunc.fixturenames:
            parametrize_probes(metafunc, fixture)
    if "zstack_recording" in metafunc.fixturenames:
        parametrize_recordings(metafunc)
    if "zstack_scenario" in metafunc.fixturenames:
        parametrize_scenarios(metafunc)
