"""``zstack-contract contracts [--json]`` and ``zstack-contract contracts export RELEASE --out DIR``.

The contracts the package ships, one per ZStack release, derived from ZStack's own doc sources at
a recorded commit (docs/releases.md). The newest is what every command and the pytest suite use
unless told otherwise (``--release NAME``, ``--schemas DIR``). ``export`` writes a release's schema
files, as ``zstack-contract derive --source`` writes them from that commit's doc sources.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..atomic import reason, write_atomic
from ..contract.releases import load_release, shipped_releases
from ..errors import ContractError, OutputError
from ..facts.oneline import one_line
from . import fail


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["list", "export"], default="list",
                   help="list the shipped contracts (default), or export one as schema files")
    p.add_argument("release", nargs="?", metavar="RELEASE", help="with export: the release (see the list)")
    p.add_argument("--out", metavar="DIR", help="with export: the folder for the schema files")
    p.add_argument("--json", action="store_true", help="list as JSON: [{\"release\", \"commit\", \"apis\"}, ...]")


def run(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(args)
    if args.release or args.out:
        fail("contracts: RELEASE and --out go with export (zstack-contract contracts export RELEASE --out DIR)")
        return 2
    try:
        rows = []
        for release in shipped_releases():
            bundle = load_release(release.name)
            rows.append({"release": bundle.release, "commit": bundle.commit, "apis": len(bundle.apis)})
    except ContractError as exc:
        fail(str(exc))
        return 2
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    newest = rows[-1]["release"] if rows else None
    print("| release | commit | APIs |\n| --- | --- | ---: |")
    for r in rows:
        print(f"| {r['release']}{' (default)' if r['release'] == newest else ''} | {r['commit']} | {r['apis']} |")
    return 0


def _export(args: argparse.Namespace) -> int:
    if not args.release or not args.out:
        fail("contracts export needs a RELEASE and --out DIR")
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        fail(f"--out {args.out}: not a folder")
        return 2
    try:
        bundle = load_release(args.release)
        out.mkdir(parents=True, exist_ok=True)
    except ContractError as exc:
        fail(str(exc))
        return 2
    except OSError as exc:
        fail(f"--out {args.out}: cannot create the folder: {reason(exc)}")
        return 2
    files = bundle.files()
    for name, data in sorted(files.items()):
        try:
            write_atomic(out / name, data)
        except OutputError as exc:
            fail(str(exc))
            return 2
    print(one_line(f"{len(files)} schema files of {len(bundle.apis)} APIs of ZStack {bundle.release} "
                   f"(commit {bundle.commit}) written to {out}"))
    return 0
