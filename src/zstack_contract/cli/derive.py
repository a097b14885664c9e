"""``zstack-contract derive PAGE... --out DIR [--check]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..atomic import write_atomic
from ..derive.overlay import load_overlay
from ..derive.schema_files import derive_pages, stale_files
from ..errors import ContractError
from . import fail


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pages", nargs="+", metavar="PAGE", help="API reference page(s), plain-text export")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for <Api>.request.json, <Api>.response.json, <Api>.response.strict.json")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale or missing file")
    p.add_argument("--overlay", metavar="FILE", help="overlay of facts the pages lack (default: the bundled, reviewed overlay.toml)")


def run(args: argparse.Namespace) -> int:
    try:
        overlay = load_overlay(args.overlay)
    except ContractError as exc:
        fail(str(exc))
        return 2
    bad = []

    def on_error(exc):
        bad.append(exc)
        fail(str(exc))

    derived = derive_pages(args.pages, overlay, on_error)
    out = Path(args.out)
    if args.check:
        problems = stale_files(out, derived.files)
        for path, why in problems:
            print(f"{path}: {why}; run: zstack-contract derive {' '.join(args.pages)} --out {args.out}")
        if bad:
            return 2
        return 1 if problems else 0
    for name, data in sorted(derived.files.items()):
        write_atomic(out / name, data)
        print(out / name)
    return 2 if bad else 0
