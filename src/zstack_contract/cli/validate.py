"""``zstack-contract validate [--api NAME] [--schemas DIR] [--strict] [--baseline FILE] [--report DIR] [--junit FILE] [--jobs N] PATH...``

PATH, ``--strict``, ``--baseline`` and ``--report`` default to ``recordings``, ``strict``,
``baseline`` and ``report`` of the project's ``[tool.zstack-contract]`` (:data:`SETTINGS`).

The run starts by removing the previous reports from the report folder, and the previous
``--junit`` file (a run that does not end leaves none that would pass for its own), and ends by
writing its own (:mod:`zstack_contract.reporting`; the JUnit XML atomically). A report folder
or JUnit file that cannot be used stops the run at its start; one that cannot be written at its
end is one line, and exit 2, after the findings are printed.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..atomic import reason, write_atomic
from ..checks.registry import load_plugin
from ..errors import ContractError, InputError, OutputError
from ..facts.oneline import one_line
from ..findings.baseline import Baseline
from ..findings.parallel import default_jobs, validate_files
from ..findings.validation import Validation
from ..inputs.files import special_file
from ..inputs.recordings import iter_files
from ..reporting import clear_reports, console, junit, write_reports
from ..reporting.report import build_report
from ..facts.words import plural
from . import fail
from .contract_option import add_contract_options, load_chosen
from .progress import Progress, progress_for


SETTINGS = {"strict": "strict", "baseline": "baseline", "report": "report"}  # option -> key of [tool.zstack-contract]
REPORTS = "reports"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="recorded bodies or exchange records (*.json) and HAR captures (*.har); folders are searched recursively (default: recordings in [tool.zstack-contract])")
    p.add_argument("--api", metavar="NAME", help="the API of bare response bodies (default: from the file name, or the only API known)")
    add_contract_options(p)
    p.add_argument("--strict", action="store_true", default=None, help="undocumented fields are violations, not warnings")
    p.add_argument("--baseline", metavar="FILE", help="known deviations: reported, but they do not fail the run")
    p.add_argument("--update-baseline", action="store_true", help="write --baseline FILE from this run's violations, keeping existing reasons")
    p.add_argument("--report", metavar="DIR",
                   help=f"folder for zstack-contract.json, .md and .html (default: {REPORTS}/ in the current directory)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE: one test case per input file")
    p.add_argument("-j", "--jobs", metavar="N", type=_jobs, default=None,
                   help="check files in N processes; the findings and reports are the same for any N (default: the number of cores)")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="import a module (or a .py file) that registers checks of its own with @zstack_contract.check (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only unusable inputs and the summary line")


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 1 or more, got {text!r}")
    return n


def run(args: argparse.Namespace) -> int:
    args.paths = args.paths or ([args.settings.recordings] if args.settings.recordings else [])
    if not args.paths:
        args._parser.error("the following arguments are required: PATH (or recordings in [tool.zstack-contract])")
    args.report = args.report or REPORTS
    if args.update_baseline and not args.baseline:
        fail("--update-baseline needs --baseline FILE")
        return 2
    try:
        clear_reports(args.report)
    except OutputError as exc:
        fail(f"--report {exc}")
        return 2
    try:
        if args.junit:
            _clear_junit(args.junit)
    except OutputError as exc:
        fail(f"--junit {exc}")
        return 2
    try:
        for plugin in args.plugin:
            if special_file(plugin):
                raise InputError(plugin, special_file(plugin))
            load_plugin(plugin)
        unusable_schemas: list[InputError] = []  # named with the unusable inputs; the other APIs are checked
        contracts = load_chosen(args, unusable_schemas)
        if args.api and contracts.get(args.api) is None:
            raise InputError("--api", f"unknown API {args.api!r}; schemas are known for {', '.join(contracts.by_api)}")
        baseline = Baseline.load(args.baseline) if args.baseline and not (args.update_baseline and not Path(args.baseline).exists()) else None
    except ContractError as exc:
        fail(str(exc))
        return 2

    v = Validation(contracts, api=args.api, strict=bool(args.strict), baseline=baseline)
    gc.freeze()  # what lives for the whole run (schemas, validators, modules) is kept out of the collector's walks
    missing: list[InputError] = []
    files: list[str] = []  # the files read, for --junit
    names = iter_files(args.paths, missing)
    progress = progress_for("validate", quiet=args.quiet)
    with progress.printing():
        validate_files(v, _kept(names, files) if args.junit else names, args.jobs or default_jobs(), done=_counted(progress))
    v.input_errors[:0] = unusable_schemas + missing  # schema files and paths that gave no file are named first

    unwritten = False
    if args.update_baseline:
        try:
            write_atomic(Path(args.baseline), Baseline.render(v.findings, baseline, v.exercised.judge(v.strict)))
            v.baseline = Baseline.load(args.baseline)
            print(f"zstack-contract: wrote {one_line(args.baseline)} ({plural(len(v.baseline.entries), 'entry')})")
        except ContractError as exc:
            fail(f"--baseline {exc}")
            unwritten = True

    for e in v.input_errors:
        fail(str(e))
    report = build_report(v)
    sys.stdout.writelines(console.pieces(report, quiet=args.quiet))
    try:
        written = write_reports(v, args.report, report=report)
    except OutputError as exc:
        fail(f"--report {exc}")
        written, unwritten = [], True
    if args.junit:
        try:
            write_atomic(Path(args.junit), junit.pieces(report, files, v.unchecked_files))
            written.append(Path(args.junit))
        except OutputError as exc:
            fail(f"--junit {exc}")
            unwritten = True
    print(console.summary_line(report, written))
    return 2 if unwritten else report["summary"]["exitCode"]


def _counted(progress: Progress) -> Callable[[int], None] | None:
    """What :func:`validate_files` calls as files are checked: the count on the progress line."""
    if not progress.enabled:
        return None
    checked = 0

    def done(n: int) -> None:
        nonlocal checked
        checked += n
        progress.show(f"{plural(checked, 'file')} checked")

    return done


def _kept(names: Iterable[str], into: list[str]) -> Iterator[str]:
    """``names``, each also kept in ``into`` as it is pulled."""
    for name in names:
        into.append(name)
        yield name


def _clear_junit(path: str) -> None:
    """Remove a previous JUnit file; a path that cannot take one (a folder) stops the run."""
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(path, f"cannot write: {reason(exc)}") from None
