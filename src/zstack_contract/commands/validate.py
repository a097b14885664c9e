"""``zstack-contract validate [--api NAME] [--schemas DIR] [--strict] [--baseline FILE] [--report DIR] [--jobs N] PATH...``"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from ..baseline import Baseline
from ..contracts import ContractSet
from ..errors import ContractError, InputError
from ..files import write_atomic
from ..parallel import default_jobs, validate_files
from ..recordings import iter_files
from ..reports import write_reports
from ..validation import Validation
from . import fail


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="recorded bodies or exchange records (*.json); folders are searched recursively")
    p.add_argument("--api", metavar="NAME", help="the API of bare response bodies (default: from the file name, or the only API known)")
    p.add_argument("--schemas", metavar="DIR", help="derived schemas (default: ./schemas, else the project's schemas/)")
    p.add_argument("--strict", action="store_true", help="undocumented fields are violations, not warnings")
    p.add_argument("--baseline", metavar="FILE", help="known deviations: reported, but they do not fail the run")
    p.add_argument("--update-baseline", action="store_true", help="write --baseline FILE from this run's violations, keeping existing reasons")
    p.add_argument("--report", metavar="DIR", default="reports", help="folder for zstack-contract.json and zstack-contract.md (default: reports)")
    p.add_argument("-j", "--jobs", metavar="N", type=_jobs, default=None,
                   help="check files in N processes; the findings and reports are the same for any N (default: the number of cores)")
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
    if args.update_baseline and not args.baseline:
        fail("--update-baseline needs --baseline FILE")
        return 2
    try:
        contracts = ContractSet.load(args.schemas)
        if args.api and contracts.get(args.api) is None:
            raise InputError("--api", f"unknown API {args.api!r}; schemas are known for {', '.join(contracts.by_api)}")
        baseline = Baseline.load(args.baseline) if args.baseline and not (args.update_baseline and not Path(args.baseline).exists()) else None
    except ContractError as exc:
        fail(str(exc))
        return 2

    v = Validation(contracts, api=args.api, strict=args.strict, baseline=baseline)
    gc.freeze()  # what lives for the whole run (schemas, validators, modules) is kept out of the collector's walks
    missing: list[InputError] = []
    validate_files(v, iter_files(args.paths, missing), args.jobs or default_jobs())
    v.input_errors[:0] = missing  # paths that gave no file are named first

    if args.update_baseline:
        write_atomic(Path(args.baseline), Baseline.render(v.findings, baseline))
        v.baseline = Baseline.load(args.baseline)
        print(f"zstack-contract: wrote {args.baseline} ({len(v.baseline.entries)} entr(ies))")

    for e in v.input_errors:
        fail(str(e))
    if not args.quiet:
        for f in sorted(v.findings, key=lambda f: (f.file, f.step or 0, f.pointer)):
            tag = "known" if f.severity == "violation" and v.baseline and v.baseline.knows(f) else f.severity
            print(f"{tag}: {f.message()}")
        for d in v.drift():
            print(f"drift ({d['severity']}): {d['api']} {d['path']} undocumented, in {d['files']} file(s)")
        for api, c in v.coverage().items():
            print(f"coverage: {api} {c['seen']}/{c['documented']} documented fields seen ({c['percent']}%)")
        for note in v.skipped_notes:
            print(f"skipped: {note}")
        if v.baseline:
            for e in v.baseline.stale(v.findings):
                print(f"stale baseline entry: {e.fingerprint} ({e.reason})")
    json_path, md_path = write_reports(v, args.report)
    code = v.exit_code()
    new = len(v.new_violations())
    print(
        f"zstack-contract: {v.files} file(s), {v.documents} bod(ies): {len(v.violations)} violation(s) ({new} new), "
        f"{sum(1 for f in v.findings if f.severity != 'violation')} warning(s), {len(v.drift())} undocumented field path(s), "
        f"{len(v.input_errors)} unusable input(s) "
        f"-> {['PASS', 'FAIL', 'UNUSABLE INPUT'][code]}; reports: {json_path}, {md_path}",
        file=sys.stdout,
    )
    return code
