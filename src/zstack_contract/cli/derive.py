"""``zstack-contract derive PAGE_OR_FOLDER... --out DIR [--check] [--overlay FILE] [--quiet]``.

Each page is derived, checked against its own samples (``page-sample`` warnings) and written (or,
with ``--check``, compared with what DIR holds) before the next is read, so a folder of a
thousand pages takes no more memory than one. An unusable page is one line on stderr; a summary
table ends the run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Iterator

from ..atomic import reason, write_atomic
from ..checks.page_samples import check_page
from ..contract.format import SUFFIXES
from ..derive.overlay import load_overlay
from ..derive.schema_files import Apis, derive_page, page_files, shown_path, stale_files
from ..errors import ContractError, OutputError, PageError
from ..facts.oneline import one_line
from ..inputs.files import special_file
from . import fail


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pages", nargs="+", metavar="PAGE", help="API reference page(s), plain-text exports, or folders of them (searched for *.txt)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for <Api>.request.json, <Api>.response.json, <Api>.response.strict.json")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale or missing file")
    p.add_argument("--overlay", metavar="FILE", help="overlay of facts the pages lack (default: the bundled, reviewed overlay.toml)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only unusable pages, stale files and the summary")


def run(args: argparse.Namespace) -> int:
    if overlay_problem(args.overlay):
        fail(overlay_problem(args.overlay))
        return 2
    try:
        overlay = load_overlay(args.overlay)
    except ContractError as exc:
        fail(str(exc))
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        fail(f"--out {args.out}: not a folder")
        return 2
    if not args.check:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"--out {args.out}: cannot create the folder: {reason(exc)}")
            return 2
    counts = {"pages": 0, "apis": 0, "with findings": 0, "unusable": 0, "known defects": 0}
    stale: list[tuple[str, str]] = []
    apis = Apis(overlay)

    def unusable(exc: PageError) -> None:
        counts["unusable"] += 1
        fail(str(exc))

    unwritten = False
    for path in readable_pages(args.pages, unusable):
        try:
            derived = derive_page(path, overlay)
        except PageError as exc:
            counts["pages"] += 1
            unusable(exc)
            continue
        counts["pages"] += 1
        page = derived.page
        first, problem = apis.claim(derived, path)
        if problem:
            unusable(PageError(shown_path(path), page.api_line, problem))
            continue
        found = check_page(page, derived.schemas[page.api + SUFFIXES["request"]], derived.schemas[page.api + SUFFIXES["strict"]],
                           overlay.defect)
        counts["with findings"] += any(f.settled is None for f in found)
        counts["known defects"] += sum(1 for f in found if f.settled is not None)
        for f in found:
            if f.settled is None and not args.quiet:
                print(one_line(f"warning: {f.finding.message()}"))
        if not first:
            continue
        counts["apis"] += 1
        files = derived.files
        if args.check:
            stale += stale_files(out, files)
            continue
        for name, data in sorted(files.items()):
            try:
                write_atomic(out / name, data)
            except OutputError as exc:
                fail(str(exc))
                unwritten = True
                continue
            if not args.quiet:
                print(one_line(str(out / name)))
    for path, why in stale:
        print(one_line(f"{path}: {why}; run: zstack-contract derive {' '.join(args.pages)} --out {args.out}"))
    print("| pages | APIs derived | pages with findings | unusable pages |\n| ---: | ---: | ---: | ---: |\n"
          f"| {counts['pages']} | {counts['apis']} | {counts['with findings']} | {counts['unusable']} |"
          + (f"\n{counts['known defects']} known page defect(s) settled by the overlay." if counts["known defects"] else ""))
    if counts["unusable"] or unwritten:
        return 2
    return 1 if stale else 0


def readable_pages(paths: list[str], on_error: Callable[[PageError], None]) -> Iterator[str]:
    """:func:`~zstack_contract.derive.schema_files.page_files`, without those that are not
    regular files (a FIFO would hold the run): each is an error."""
    for path in page_files(paths, on_error):
        problem = special_file(path)
        if problem:
            on_error(PageError(path, None, problem))
        else:
            yield path


def overlay_problem(overlay: str | None) -> str | None:
    """The one line to print when ``--overlay`` names something that must not be opened."""
    problem = special_file(overlay) if overlay else None
    return f"--overlay {overlay}: {problem}" if problem else None
