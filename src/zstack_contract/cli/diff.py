"""``zstack-contract diff OLD NEW [--fail-on breaking|warning|never] [--levels FILE] [--markdown FILE] [--json FILE] [--junit FILE] [-q]``.

What changed in the API from OLD to NEW, each a shipped release name or a folder of schema files,
pages or doc sources (:mod:`zstack_contract.diff`): every change per API, with its id, kind,
severity and where it stands on both sides; the terminal list, and Markdown, JSON or JUnit XML to
a file (``-`` for stdout, instead of the terminal list). Exit 0 when no change reaches
``--fail-on``, 1 when one does, 2 when a side or an input of one was unusable (each one line on
stderr; the rest is still compared and reported), or a levels file or output could not be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..atomic import write_atomic
from ..errors import ContractError, OutputError
from ..facts.words import plural
from . import fail
from .progress import Progress, progress_for


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the old contract: a shipped release (5.1.30), or a folder of schema files, pages or doc sources")
    p.add_argument("new", metavar="NEW", help="the new contract, as OLD")
    p.add_argument("--fail-on", choices=["breaking", "warning", "never"], default="breaking",
                   help="exit 1 when a change of this severity or worse is found and not accepted (default: breaking)")
    p.add_argument("--levels", metavar="FILE", help="a kind's severity raised or lowered, changes accepted by id (docs/diff.md)")
    p.add_argument("--markdown", metavar="FILE", help="write Markdown for a pull request to FILE (- for stdout)")
    p.add_argument("--json", metavar="FILE", help="write the changes as JSON (zstack-contract.diff/1) to FILE (- for stdout)")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML to FILE (- for stdout): a test case per API that changed")
    p.add_argument("-q", "--quiet", action="store_true", help="print only unusable inputs and the summary line")


def run(args: argparse.Namespace) -> int:
    from ..diff.compare import compare_sets
    from ..diff.levels import judge, load_levels
    from ..diff.sides import read_side
    from ..diff.writers import (
        document,
        json_text,
        junit_pieces,
        markdown_lines,
        summary_line,
        terminal_lines,
    )

    unusable: list[str] = []

    def on_error(exc: ContractError) -> None:
        unusable.append(str(exc))
        fail(str(exc))

    try:
        levels = load_levels(args.levels) if args.levels else None
    except ContractError as exc:
        fail(f"--levels {exc}")
        return 2
    sides = []
    progress = progress_for("diff", quiet=args.quiet)
    with progress.printing():
        for given in (args.old, args.new):
            try:
                sides.append(read_side(given, on_error, _counted(progress, given)))
            except ContractError as exc:
                fail(str(exc))
                return 2
        progress.show(f"comparing {plural(len(sides[0].contracts.by_api | sides[1].contracts.by_api), 'API')}")
        judged = judge(compare_sets(sides[0].contracts, sides[1].contracts), levels)
    doc = document(sides[0].label, sides[1].label, judged, args.fail_on, unusable)
    outputs = {"markdown": lambda: "\n".join(markdown_lines(doc)) + "\n", "json": lambda: json_text(doc),
               "junit": lambda: "".join(junit_pieces(doc))}
    to_stdout = False
    for option, text in outputs.items():
        target = getattr(args, option)
        if target is None:
            continue
        if target == "-":
            sys.stdout.write(text())
            to_stdout = True
            continue
        try:
            write_atomic(Path(target), text().encode("utf-8"))
        except OutputError as exc:
            fail(f"--{option} {exc}")
            return 2
    if not to_stdout:
        for line in terminal_lines(doc) if not args.quiet else [summary_line(doc)]:
            print(line)
    return doc["summary"]["exitCode"]


def _counted(progress: Progress, side: str) -> Callable[[], None]:
    """What :func:`read_side` calls after each input it derives a side from: their count on the
    progress line (a shipped release is read whole: its name alone)."""
    progress.show(f"reading {side}")
    read = 0

    def step() -> None:
        nonlocal read
        read += 1
        progress.show(f"reading {side}: {plural(read, 'input')}")

    return step
