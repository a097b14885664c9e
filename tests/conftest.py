"""Fixtures shared by the project's own tests."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "api" / "ReimageVmInstance.txt"
PAGES = ROOT / "tests" / "pages"


def child_pytest(tests: str, *args: str) -> list[str]:
    """The command line of a pytest run of ``tests`` (relative to the project) in a process of its
    own (never empty: the child would collect these very tests). A suite file that does not use
    hypothesis runs without hypothesis' pytest plugin, which imports hypothesis (half a second) at
    the end of every session; the plugin does not otherwise touch such a run."""
    cmd = [sys.executable, "-m", "pytest", tests, "-q", "-p", "no:cacheprovider"]
    if tests.endswith(".py") and "hypothesis" not in (ROOT / tests).read_text(encoding="utf-8"):
        cmd += ["-p", "no:hypothesispytest"]
    return cmd + list(args)


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores. A quarter of this suite's test time is spent
    waiting (on loopback sockets, deadlines and polls being what many tests are about), during
    which a core would idle: on two cores three workers take 46-50 s where two took 56-58 s."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return usable + 1


def pytest_configure(config):
    """Many tests start the CLI or pytest in a process of their own. Where PYTHONDONTWRITEBYTECODE
    is set (as on the machines this suite runs on) every such start compiled the package anew, and
    every child pytest also rewrote the asserts of the package and of hypothesis (pytest rewrites
    the modules of its plugins' distributions): a few tenths of a CPU second each. So the workers
    (started after this) and every child may cache their bytecode, as an installed wheel's would
    be; this process goes on as it started (Python reads the variable once, at its start)."""
    if not hasattr(config, "workerinput"):  # the controller, before any worker starts
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        # Child runs print as wide as COLUMNS says; a wide CI terminal repeats each failure's message
        # in pytest's short summary. Every child prints 80 columns wide, wherever the suite runs.
        os.environ["COLUMNS"] = "80"
        # Small contracts in tests: a child pytest of the contract suite holds its target to the
        # schemas of the project's own page (schemas/), unless its test names another contract;
        # the whole API of the shipped releases is a benchmark (benchmarks/whole_api.py).
        os.environ["ZSTACK_SCHEMAS"] = str(ROOT / "schemas")


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch):
    """Page paths in annotations are relative to the working directory: pin it."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def overlay():
    from zstack_contract.derive.overlay import load_overlay

    return load_overlay()


@pytest.fixture(scope="session")
def reimage_page():
    from zstack_contract.derive.parser import parse_page

    return parse_page(PAGE, "docs/api/ReimageVmInstance.txt")


# The test pages of every kind (action, create, delete, get, query, the login), for the suites
# generated per API.
API_PAGES = ["docs/api/ReimageVmInstance.txt", *(f"tests/pages/{n}.txt" for n in (
    "CreateAccount", "CreateVmInstance", "DeleteVmHostname", "DestroyVmInstance", "GetVmBootOrder", "GetVmsCapabilities",
    "LogInByAccount", "SetVmQga", "StopVmInstance", "zh/GetVmConsolePassword", "zh/QueryVmInstance", "zh/SetVmRDP"))]


@pytest.fixture(scope="session")
def page_schemas(tmp_path_factory) -> Path:
    """The schemas of every test page under tests/pages (a delete, a create, a query, the VM
    family), derived once per session (per xdist worker)."""
    import contextlib
    import io

    from zstack_contract.cli import main

    out = tmp_path_factory.mktemp("page-schemas")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["derive", "-q", str(PAGES), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def api_schemas(tmp_path_factory) -> Path:
    """The schemas of :data:`API_PAGES`, derived once per session (per xdist worker)."""
    import contextlib
    import io
    import os

    from zstack_contract.cli import main

    out = tmp_path_factory.mktemp("api-schemas")
    here = os.getcwd()
    os.chdir(ROOT)  # page paths in annotations are relative to the project
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["derive", *API_PAGES, "--out", str(out), "-q"]) == 0
    finally:
        os.chdir(here)
    return out


# No test measures how fast something is (that is what benchmarks/ are for: a machine shared by
# others is slow at times). What must not hang is bounded by this many seconds, a deadline meant
# never to be met by a part that works, however loaded the machine.
HANG = 60.0


def finishes(fn, *args, within: float = HANG, **kwargs):
    """``fn(*args, **kwargs)`` run in a thread: its result, or the exception it raised; the test
    fails if it has not returned within ``within`` seconds (it hung)."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001  (handed to the test's thread, whatever it is)
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=f"finishes-{getattr(fn, '__name__', 'call')}", daemon=True)
    thread.start()
    thread.join(within)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)!s} hung: not done after {within:g} s", pytrace=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def free_port() -> int:
    """A loopback port nothing listens on (closed again at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the scores tests recorded with ``record_property("score", ...)`` (the self-test's)."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "score" and getattr(report, "when", "call") == "call":
                    terminalreporter.write_line(str(value))


# The tests that run whole suites in processes of their own take seconds each: started first, they
# are not left for one worker to finish alone at the end of a run with xdist.
SLOW_FIRST = ("test_every_fault_is_caught", "test_the_sweep_of_one_fault", "test_xdist_gives_the_same_verdicts", "test_the_wheel_brings",
              "test_two_runs_send_the_same_bodies", "test_probing_catches_faults", "test_profiles_apply")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.name.startswith(SLOW_FIRST))  # stable: the rest keep their order

