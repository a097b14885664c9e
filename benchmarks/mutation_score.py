"""The mutation score of the contract suite: per named fault of the simulator, the share of the APIs
the fault can change the answers of where some test fails naming the API and a field.

    nice -n 10 .venv/bin/python benchmarks/mutation_score.py [--faults drop-uuid,iso-dates] [--apis 'Query*']
        [--schemas DIR | --release NAME] [--schemathesis] [--results]

For the run without a fault and then each fault: ``zstack-contract serve --fault NAME`` serves the
contract (the newest shipped release, or ``--schemas``/``--release``), and the user suite runs
against it as the README's main job runs it (``pytest contract_tests -n 2``), with
``--zstack-allow-destructive``, the simulator's login and one of its Stopped VMs for the reimage,
and no request cap. What counts, from the JUnit XML the run writes
(:func:`zstack_contract.pytest_plugin.junit.failures`, the self-test's reader):

- **reached**: the APIs the fault can change an answer of, by the contract
  (:mod:`zstack_contract.simulator.fault_reach`), among those ``--apis`` chooses;
- **failing**: reached APIs with a test about them (:func:`zstack_contract.pytest_plugin.junit.api_of`:
  ``test_api[<API>-<case>]``, a test parametrized by the API, the hand-written reimage tests) that
  fails with the fault and passed without it;
- **caught**: of those, the APIs where such a failure names the field: a finding line whose JSON
  pointer goes through the field the fault changes (``step 1: /inventory/uuid: ... [response-schema]``
  for ``drop-uuid``), or into the answer for the faults on dates and Long fields. A fault that
  breaks a whole answer (``server-error``, ``never-done``, ``error-as-text``) has no field: its
  finding names the whole answer (``step 0: /: ... [expected-answer]``). The score is caught / reached.

Positive cases (``test_api[<API>-success]``) and tests parametrized by an API count as they come:
only the test ids and the failure texts are read.

``--schemathesis`` runs Schemathesis beside it on the same faults and target: our OpenAPI export of
the same contract (``zstack-contract contracts export`` + ``zstack-contract openapi``), the
configuration and hook of the "Schemathesis against the export" recipe (read from
docs/tasks/openapi.md, so they are the documented ones), the simulator's session in the
``Authorization`` header, ``--mode positive``, every phase (examples, coverage, fuzzing and the
stateful phase that follows the export's links), ``--max-examples`` small, ``--no-shrink``, a
fixed seed and a time box. An API counts as caught when a failure Schemathesis reports names its
operation (an operation several APIs share names them all) and the run without a fault had no
failure there. Schemathesis is a benchmark-only tool, not a dependency of the project:
``pip install schemathesis`` into the venv (measured with 4.32.5).

``--results`` writes the table into benchmarks/RESULTS.md, section "Mutation score (issue 28)",
with the date, machine, load and command.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, exe, machine

from zstack_contract.facts.ids import password_hash
from zstack_contract.pytest_plugin.junit import api_of, failures
from zstack_contract.simulator import DEFAULT_ACCOUNT, DEFAULT_PASSWORD, FAULTS
from zstack_contract.simulator.fault_reach import FIELD_FAULTS, INVENTORY_FIELD

SECTION = "## Mutation score (issue 28)"
# a finding line of a failure that names a place in the exchange: "<test> step 1: /inventory/uuid: ... [check]"
NAMED_FIELD = re.compile(r" step \d+: (/[^:\s]*): .*\[[a-z0-9-]+\]")
STEP_TIMEOUT = 1800  # seconds: a suite or Schemathesis run that takes longer than this is cut off (a hang)
HAND_WRITTEN_API = "ReimageVmInstance"  # the API the unparametrized tests of contract_tests/test_live.py call


@dataclass
class Score:
    """One fault's: the APIs it reaches, those with a new failing test about them, those whose failure names a field."""

    fault: str
    reached: set[str]
    failing: set[str] | None = field(default_factory=set)  # None: the suite did not run
    caught: set[str] | None = field(default_factory=set)
    seconds: float = 0.0
    st_caught: set[str] | None = None  # Schemathesis', when it ran
    st_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def share(part: set[str] | None, whole: set[str]) -> str:
        if part is None:
            return "-"
        return f"{len(part)}/{len(whole)} ({100 * len(part) / len(whole):.0f}%)" if whole else "0/0"


def score(fault: str, reached: set[str], clean: dict[str, str], faulty: dict[str, str], apis: set[str]) -> Score:
    """The suite's score on one fault, from the failures of the runs without (``clean``) and with
    it (``faulty``: test name -> failure text, :func:`failures`). A test that failed without the
    fault too counts for nothing."""
    out = Score(fault, reached)
    for test, text in faulty.items():
        if test in clean:
            continue
        api = api_of(test, apis, unparametrized=HAND_WRITTEN_API)
        if api not in reached:
            continue
        out.failing.add(api)
        if names_field(fault, text):
            out.caught.add(api)
    return out


def names_field(fault: str, text: str) -> bool:
    """Whether a failure text names what ``fault`` breaks: for a fault on an inventory's field, a
    pointer through that field (``/inventories/0/uuid``); for one on dates or Long fields, a pointer
    into the answer; for a fault that breaks a whole answer, a finding at all (its pointer is ``/``)."""
    pointers = [m.group(1) for m in NAMED_FIELD.finditer(text)]
    if fault in INVENTORY_FIELD:
        return any(INVENTORY_FIELD[fault] in p.split("/") for p in pointers)
    if fault in FIELD_FAULTS:
        return any(p != "/" for p in pointers)
    return bool(pointers)


# -- the target --------------------------------------------------------------------------------------
class Served:
    """``zstack-contract serve`` on a free loopback port, stopped on exit."""

    def __init__(self, contract_args: list[str], faults: tuple[str, ...], job_delay: str, log: Path):
        self.cmd = [exe("zstack-contract"), "serve", "--port", "0", "--job-delay", job_delay, *contract_args,
                    *(a for f in faults for a in ("--fault", f))]
        self.log = log

    def __enter__(self) -> Self:
        self.err = self.log.open("w")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=ROOT)
        self.url = (self.proc.stdout.readline() or "").strip()
        if not self.url.startswith("http"):
            self.proc.kill()
            raise SystemExit(f"mutation_score: {shlex.join(self.cmd)} did not start: {self.log.read_text()[-500:]}")
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.err.close()

    def session(self) -> str:
        """A session of the simulator's account (the login of the docs' recipe)."""
        import requests

        body = {"logInByAccount": {"accountName": DEFAULT_ACCOUNT, "password": password_hash(DEFAULT_PASSWORD)}}
        return requests.put(f"{self.url}/v1/accounts/login", json=body, timeout=30).json()["inventory"]["uuid"]


def stopped_vm() -> str:
    """A Stopped VM of the simulator's built-in data set: the one the reimage tests may reimage."""
    data = json.loads(subprocess.run([exe("zstack-contract"), "serve", "--print-data"], capture_output=True, text=True, check=True).stdout)
    return next(vm["uuid"] for vm in data["vms"] if vm["state"] == "Stopped")


# -- the suite ---------------------------------------------------------------------------------------
def run_suite(url: str, vm: str, pytest_contract: list[str], globs: list[str], workers: str, work: Path, name: str) -> tuple[dict[str, str], float, str]:
    junit = work / f"{name}.xml"
    cmd = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", "-n", workers,
           "--zstack-url", url, "--zstack-account", DEFAULT_ACCOUNT, "--zstack-allow-destructive", "--zstack-vm", vm,
           "--zstack-max-requests", "100000000", "--zstack-rate", "1000000", "--zstack-timeout", "1",
           *pytest_contract, *(a for g in globs for a in ("--zstack-api", g)),
           "--zstack-report", str(work / f"{name}-report"), f"--junitxml={junit}"]
    env = {**os.environ, "ZSTACK_PASSWORD": DEFAULT_PASSWORD}
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=STEP_TIMEOUT, check=False)
    seconds = time.perf_counter() - start
    (work / f"{name}.out").write_text(r.stdout + r.stderr)
    if not junit.exists():
        raise SystemExit(f"mutation_score: the suite wrote no JUnit XML ({name}): {(r.stdout + r.stderr)[-1500:]}")
    outcome = next((ln.strip("= ") for ln in reversed(r.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", ln)), "")
    return failures(junit), seconds, outcome


# -- Schemathesis ------------------------------------------------------------------------------------
ST_PHASES = "examples,coverage,fuzzing,stateful"


def st_recipe(folder: Path) -> None:
    """The configuration and hook of docs/tasks/openapi.md's recipe, written into ``folder``."""
    text = (ROOT / "docs" / "tasks" / "openapi.md").read_text()
    config = re.search(r"`schemathesis\.toml`:\n\n```toml\n(.*?)```", text, re.DOTALL)
    hooks = re.search(r"`zstack_hooks\.py`, beside it:\n\n```python\n(.*?)```", text, re.DOTALL)
    if not (config and hooks):
        raise SystemExit("mutation_score: docs/tasks/openapi.md has no Schemathesis recipe (schemathesis.toml, zstack_hooks.py)")
    (folder / "schemathesis.toml").write_text(config.group(1))
    (folder / "zstack_hooks.py").write_text(hooks.group(1))


def st_export(release: str | None, schemas: str | None, folder: Path) -> Path:
    """Our OpenAPI export of a shipped release's contract (exported beside it), or of a folder of schema files."""
    if schemas is None:
        schemas = str(folder / "schemas")
        subprocess.run([exe("zstack-contract"), "contracts", "export", release, "--out", schemas], check=True, capture_output=True)
    out = folder / "api" / "openapi.json"
    args = ["--release", release] if release else []
    r = subprocess.run([exe("zstack-contract"), "openapi", *args, "--schemas", schemas, "--out", str(out)], capture_output=True, text=True, check=False)
    if r.returncode:
        raise SystemExit(f"mutation_score: the OpenAPI export failed: {r.stderr.strip()}")
    return out


def st_operations(contracts) -> dict[str, set[str]]:
    """``METHOD /template`` (Schemathesis' name of an operation) -> the APIs it is."""
    ops: dict[str, set[str]] = {}
    for c in contracts:
        for route in c.routes:
            ops.setdefault(f"{route.method} {route.template}", set()).add(c.api)
    return ops


def st_failures(junit: Path, operations: dict[str, set[str]]) -> set[str] | None:
    """The APIs a Schemathesis JUnit report names in a failure: by the test case (one per
    operation), or for a test case of no one operation (the stateful phase's) by the operations
    its failure text names (an ``<error>``, Schemathesis failing to run a case, names nothing).
    None when there is no report (a run cut off leaves an empty file)."""
    out: set[str] = set()
    try:
        root = ElementTree.parse(junit).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    for case in root.iter("testcase"):
        failed = case.findall("failure")  # not <error>: Schemathesis' own crashes (a runtime error drawing a body)
        if not failed:
            continue
        name = case.get("name", "")
        if name in operations:
            out |= operations[name]
            continue
        text = "\n".join(f"{f.get('message', '')}\n{f.text or ''}" for f in failed)
        out |= {api for op, named in operations.items() if re.search(re.escape(op) + r"(?![\w/{}.-])", text) for api in named}
    return out


def run_st(served: Served, document: Path, folder: Path, chosen: set[str], all_apis: set[str], name: str, args) -> tuple[Path, float, str]:
    junit = folder / f"st-{name}.xml"
    junit.unlink(missing_ok=True)
    select = [] if chosen == all_apis else ["--include-operation-id-regex", "^(" + "|".join(sorted(chosen)) + ")$"]
    cmd = [exe("st"), "--config-file", str(folder / "schemathesis.toml"), "run", str(document), "--url", served.url,
           "--mode", "positive", "--continue-on-failure", "--seed", str(args.st_seed), "--max-examples", str(args.st_max_examples),
           "--no-shrink", "--phases", args.st_phases, "--workers", args.workers, "--report", "junit", "--report-junit-path", str(junit), *select]
    env = {**os.environ, "ZSTACK_SESSION": served.session(), "PYTHONPATH": str(folder)}
    start = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, env=env, timeout=args.st_timeout, check=False)
        (folder / f"st-{name}.out").write_text(r.stdout + r.stderr)
        last = next((ln.strip("= ") for ln in reversed(r.stdout.splitlines()) if ln.strip()), "")
    except subprocess.TimeoutExpired:
        last = f"cut off after {args.st_timeout} s"
    return junit, time.perf_counter() - start, last


# -- the sweep ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> list[Score]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faults", help="comma-separated fault names (default: every one of zstack-contract serve --list-faults)")
    ap.add_argument("--apis", action="append", metavar="GLOB", help="score only the APIs matching GLOB (repeatable; their generated tests only run)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--schemas", metavar="DIR", help="a folder of derived schema files to serve and test (default: the newest shipped contract)")
    where.add_argument("--release", metavar="NAME", help="a shipped release's contract")
    ap.add_argument("--workers", default="2", help="pytest -n (and Schemathesis --workers), default 2")
    ap.add_argument("--job-delay", default="0.01", help="the simulator's --job-delay for the suite (default 0.01; Schemathesis gets 0, as its recipe says)")
    ap.add_argument("--schemathesis", action="store_true", help="run Schemathesis beside it (pip install schemathesis)")
    ap.add_argument("--st-max-examples", type=int, default=5)
    ap.add_argument("--st-seed", type=int, default=1)
    ap.add_argument("--st-timeout", type=int, default=900, help="seconds a Schemathesis run may take (default 900)")
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "zstack-contract-mutation"))
    ap.add_argument("--st-phases", default=ST_PHASES, help=f"Schemathesis --phases (default {ST_PHASES}; keep stateful)")
    ap.add_argument("--reuse", action="store_true", help="score the JUnit files of an earlier sweep in --work instead of running again")
    ap.add_argument("--no-suite", action="store_true", help="no suite runs (with --schemathesis: its sweep alone; with --reuse: score what there is)")
    ap.add_argument("--note", action="append", default=[], help="a line to add to the RESULTS section (what was run, and how)")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--results", action="store_true", help="write the table into benchmarks/RESULTS.md")
    args = ap.parse_args(argv)

    from zstack_contract.contract.loading import load_contracts
    from zstack_contract.simulator.apis import api_from_contract
    from zstack_contract.simulator.fault_reach import reaches

    faults = args.faults.split(",") if args.faults else list(FAULTS)
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        ap.error(f"unknown fault(s) {', '.join(unknown)}; valid: {', '.join(FAULTS)}")
    contracts = load_contracts(args.schemas, args.release)
    all_apis = {c.api for c in contracts}
    chosen = {a for a in all_apis if not args.apis or any(fnmatch.fnmatchcase(a, g) for g in args.apis)}
    if not chosen:
        ap.error(f"no API matches {args.apis}")
    served_apis = [api_from_contract(c, contracts.resources) for c in contracts if c.api in chosen]
    contract_args = ["--schemas", args.schemas] if args.schemas else ["--release", args.release] if args.release else []
    pytest_contract = [f"--zstack-{a[2:]}" if a.startswith("--") else a for a in contract_args]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    vm = stopped_vm()
    started = machine()

    print(f"{len(chosen)} APIs; faults: {', '.join(faults)}", flush=True)
    runs = [None, *faults]

    def suite_sweep() -> dict:
        out = {}
        for fault in runs:
            name = fault or "clean"
            if args.reuse and (work / f"{name}.xml").exists():
                out[fault] = (failures(work / f"{name}.xml"), 0.0, "reused")
                continue
            if args.no_suite:
                continue
            with Served(contract_args, (fault,) if fault else (), args.job_delay, work / f"serve-{name}.log") as sim:
                out[fault] = run_suite(sim.url, vm, pytest_contract, args.apis or [], args.workers, work, name)
            print(f"suite, {name}: {out[fault][2]} ({out[fault][1]:.0f} s)", flush=True)
        return out

    def st_sweep() -> dict:
        st_recipe(work)
        document = st_export(None if args.schemas else contracts.release, args.schemas, work)
        operations = {op: apis & chosen for op, apis in st_operations(contracts).items() if apis & chosen}
        out = {}
        for fault in runs:
            name = fault or "clean"
            junit, seconds, last = work / f"st-{name}.xml", 0.0, "reused"
            if not (args.reuse and junit.exists()):
                with Served(contract_args, (fault,) if fault else (), "0", work / f"serve-st-{name}.log") as sim:
                    junit, seconds, last = run_st(sim, document, work, chosen, all_apis, name, args)
            out[fault] = (st_failures(junit, operations), seconds, last)
            print(f"Schemathesis, {name}: {last} ({seconds:.0f} s)", flush=True)
        return out

    # the two sweeps side by side (each its own simulators): the machine's cores are shared anyway
    with ThreadPoolExecutor(max_workers=2) as pool:
        suite_runs = pool.submit(suite_sweep)
        st_runs = pool.submit(st_sweep) if args.schemathesis else None
        suite_done, st_done = suite_runs.result(), st_runs.result() if st_runs else None
    scores = []
    for fault in faults:
        reached = {a.name for a in served_apis if reaches(fault, a)}
        if None in suite_done and fault in suite_done:
            s = score(fault, reached, suite_done[None][0], suite_done[fault][0], all_apis)
            s.seconds = suite_done[fault][1]
        else:  # not run
            s = Score(fault, reached, failing=None, caught=None)
        if st_done is not None:
            found, s.st_seconds, last = st_done[fault]
            if found is None:
                s.st_caught = set()
                s.notes.append(f"Schemathesis: {last}")
            else:
                s.st_caught = (found - (st_done[None][0] or set())) & reached
        scores.append(s)

    table = render(scores)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps([{"fault": s.fault, "reached": sorted(s.reached), "failing": s.failing and sorted(s.failing),
                                                 "caught": s.caught and sorted(s.caught), "seconds": round(s.seconds, 1),
                                                 "schemathesis": None if s.st_caught is None else sorted(s.st_caught)} for s in scores], indent=2))
    if args.results:
        write_results(table, started, argv if argv is not None else sys.argv[1:], len(chosen), args)
    return scores


HEADER = ("| fault | APIs reached | suite: caught (names the field) | suite: failing | Schemathesis: caught | suite s | Schemathesis s |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(s: Score) -> str:
    return (f"| `{s.fault}` | {len(s.reached)} | {Score.share(s.caught, s.reached)} | {Score.share(s.failing, s.reached)} | "
            f"{Score.share(s.st_caught, s.reached)} | {s.seconds:.0f} | {s.st_seconds:.0f} |" + (f" {'; '.join(s.notes)}" if s.notes else ""))


def render(scores: list[Score]) -> str:
    return "\n".join([HEADER, *(row(s) for s in scores)])


def write_results(table: str, started: dict, argv: list[str], apis: int, args) -> None:
    """The section "Mutation score (issue 28)" of RESULTS.md, replaced if there is one."""
    ended = machine()
    st_version = subprocess.run([exe("st"), "--version"], capture_output=True, text=True, check=False).stdout.strip() if args.schemathesis else ""
    lines = [SECTION, "",
             (f"Measured {datetime.date.today().isoformat()} on {started['nproc']} cores ({started['cpu']}), Python {started['python']}, "
              f"a machine shared with other work: load average {started['load_average']} at the start, {ended['load_average']} at the end."),
             f"Command: `nice -n 10 .venv/bin/python benchmarks/mutation_score.py {shlex.join(argv)}`; {apis} APIs.",
             ("The suite: `pytest contract_tests -n 2 --zstack-allow-destructive` against `zstack-contract serve --fault NAME` "
              "(see the script's docstring for what counts)."),
             ]
    if args.schemathesis:
        lines.append(f"Schemathesis ({st_version}): `--mode positive --phases {args.st_phases} --max-examples {args.st_max_examples} "
                     f"--no-shrink --seed {args.st_seed} --workers {args.workers}`, the docs' recipe, a time box of {args.st_timeout} s a run.")
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text()
    if args.reuse:  # scored again: the sweep's own date, load and command stay (else --note says them)
        sweep = [ln for ln in text.split(SECTION, 1)[-1].splitlines() if ln.startswith(("Measured ", "Command: "))][:2] if SECTION in text else []
        lines[2:4] = [*sweep, f"Scored from the JUnit files of the sweep: `benchmarks/mutation_score.py {shlex.join(argv)}`."]
    section = "\n".join([*lines, *args.note, "", table, ""])
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        after = rest.find("\n## ")
        text = head + section + ("\n" + rest[after + 1:] if after >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text)


if __name__ == "__main__":
    main()
