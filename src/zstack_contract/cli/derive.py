"""``zstack-contract derive [PAGE_OR_FOLDER...] [--source PATH...] --out DIR [--check] [--overlay FILE] [--release-of VERSION] [--quiet]``.

Pages (plain-text exports of the reference) and doc sources (the ``*Doc_zh_cn.groovy`` files the
pages are rendered from, in a ZStack source tree or any folder) derive the same schema files.
Each API is derived, checked (a page against its own samples, ``page-sample`` warnings; a page
and its doc source, or its page in the other language, against each other) and written (or, with
``--check``, compared with what DIR holds) before the next: a folder of a thousand pages takes no
more memory than one. Doc sources are derived before pages, so an API given both ways is written
from its source. What an input says that cannot be right but is worked around (a reference to a
table it lacks) is a warning; so is, given the release the inputs are of (``--release-of``), a
field whose starting version is newer than that release (:mod:`~zstack_contract.derive.since`).
Warnings do not change the exit code. An unusable input, and any error of ours on one, is one line on
stderr, and the others are still derived; a summary table ends the run.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..atomic import reason, write_atomic
from ..checks.page_samples import check_page
from ..contract.format import SUFFIXES
from ..contract.releases import is_version
from ..derive.overlay import Overlay, load_overlay
from ..derive.schema_files import Apis, DerivedPage, derive_page, derive_source, derive_sources, page_files, read_sources, shown_path, stale_files
from ..derive.since import CHECK as SINCE_AFTER_RELEASE, after_release
from ..errors import ContractError, OutputError, PageError, internal_error
from ..facts.oneline import one_line
from ..facts.words import plural
from ..inputs.files import special_file
from . import fail
from .progress import Progress, progress_for


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pages", nargs="*", metavar="PAGE", help="API reference page(s), plain-text exports, or folders of them (searched for *.txt)")
    p.add_argument("--source", action="append", default=[], metavar="PATH",
                   help="ZStack's API doc sources: a source tree, a folder (searched for *Doc_zh_cn.groovy) or one such file (repeatable)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for <Api>.request.json, <Api>.response.json, <Api>.response.strict.json")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale or missing file")
    p.add_argument("--overlay", metavar="FILE", help="overlay of facts the pages lack (default: the bundled, reviewed overlay.toml)")
    p.add_argument("--release-of", type=_release, metavar="VERSION",
                   help=f"the ZStack release the inputs are of (5.3.0): a field whose since is newer is a {SINCE_AFTER_RELEASE} warning")
    p.add_argument("-q", "--quiet", action="store_true", help="print only unusable inputs, stale files and the summary")


@dataclass
class _Run:
    """One derive run: where its files go and what it counted."""

    args: argparse.Namespace
    overlay: Overlay
    out: Path
    apis: Apis = field(default_factory=Apis)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # "pages" / "sources" -> counts
    stale: list[tuple[str, str]] = field(default_factory=list)
    unwritten: bool = False
    after_release: set[str] = field(default_factory=set)  # file:line of each field newer than --release-of
    progress: Progress = field(default_factory=lambda: Progress("derive", sys.stderr, enabled=False))

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(kind, {"inputs": 0, "apis": 0, "with findings": 0, "unusable": 0, "known defects": 0})[what] += n

    def unusable(self, kind: str, exc: PageError) -> None:
        self.count(kind, "unusable")
        fail(str(exc))

    def take(self, kind: str, derived: DerivedPage, shown: str, again: Callable[[], DerivedPage]) -> None:
        """Check one derived API, then write its files if it is the first input of its API."""
        page = derived.page
        first, problem = self.apis.claim(derived, shown, again)
        if problem:
            self.unusable(kind, PageError(shown, page.api_line, problem))
            return
        found = []
        if kind == "pages":
            found = check_page(page, derived.schemas[page.api + SUFFIXES["request"]], derived.schemas[page.api + SUFFIXES["strict"]],
                               self.overlay.defect)
        defects = list(page.defects)
        if self.args.release_of:
            late = after_release(page, self.args.release_of)
            self.after_release.update(d.where for d in late)
            defects += late
        warnings = [f"{d.where}: {d.message} [{d.check}]" for d in defects]
        warnings += [f.finding.message() for f in found if f.settled is None]
        self.count(kind, "with findings", bool(warnings))
        self.count(kind, "known defects", sum(1 for f in found if f.settled is not None))
        if not self.args.quiet:
            for w in warnings:
                print(one_line(f"warning: {w}"))
        if not first:
            return
        self.count(kind, "apis")
        files = derived.files
        if self.args.check:
            self.stale += stale_files(self.out, files)
            return
        for name, data in sorted(files.items()):
            try:
                write_atomic(self.out / name, data)
            except OutputError as exc:
                fail(str(exc))
                self.unwritten = True
                continue
            if not self.args.quiet:
                print(one_line(str(self.out / name)))


def run(args: argparse.Namespace) -> int:
    if not args.pages and not args.source:
        fail("derive needs pages (PAGE...) or doc sources (--source PATH)")
        return 2
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
    state = _Run(args, overlay, out, progress=progress_for("derive", quiet=args.quiet))
    with state.progress.printing():
        if args.source:
            _derive_sources(state)
        if args.pages:
            _derive_pages(state)
    again = " ".join([*args.pages, *(f"--source {s}" for s in args.source)])
    for path, why in state.stale:
        print(one_line(f"{path}: {why}; run: zstack-contract derive {again} --out {args.out}"))
    print(summary(state.counts))
    if args.release_of:
        print(f"{len(state.after_release)} field(s) with a since newer than the release {args.release_of} [{SINCE_AFTER_RELEASE}].")
    if any(c["unusable"] for c in state.counts.values()) or state.unwritten:
        return 2
    return 1 if state.stale else 0


def _derive_sources(state: _Run) -> None:
    kind = "sources"
    state.count(kind, "inputs", 0)
    state.progress.show("reading doc sources")
    tree = read_sources(state.args.source, lambda exc: state.unusable(kind, exc))
    state.count(kind, "inputs", len(tree.files))
    total = len(tree.apis()) if state.progress.enabled else 0
    for n, (api, result) in enumerate(derive_sources(tree, state.overlay), start=1):
        state.progress.show(f"doc sources: {n} of {plural(total, 'API')} read")  # derive_sources derived API n before it gave it
        if isinstance(result, PageError):
            state.unusable(kind, result)
            continue
        try:
            state.take(kind, result, api.shown, lambda api=api: derive_source(api, tree, state.overlay))
        except Exception as exc:  # noqa: BLE001  (a fault of ours on one API: one line, and the others go on)
            state.unusable(kind, internal_error(api.shown, exc))


def _derive_pages(state: _Run) -> None:
    kind = "pages"
    state.count(kind, "inputs", 0)
    for path in readable_pages(state.args.pages, lambda exc: state.unusable(kind, exc)):
        state.count(kind, "inputs")
        shown = shown_path(path)
        try:
            derived = derive_page(path, state.overlay)
            state.take(kind, derived, shown, lambda path=path: derive_page(path, state.overlay))
        except PageError as exc:
            state.unusable(kind, exc)
        except Exception as exc:  # noqa: BLE001  (a fault of ours on one page: one line, and the rest derive)
            state.unusable(kind, internal_error(shown, exc))
        state.progress.show(f"{plural(state.counts[kind]['inputs'], 'page')} read, {plural(state.counts[kind]['apis'], 'API')} derived")


def summary(counts: dict[str, dict[str, int]]) -> str:
    """The table that ends a run, one for pages and one for doc sources (those the run had)."""
    heads = {"pages": "| pages | APIs derived | pages with findings | unusable pages |",
             "sources": "| doc source files | APIs derived | APIs with findings | unusable files and APIs |"}
    parts = []
    for kind in ("sources", "pages"):
        c = counts.get(kind)
        if c is None:
            continue
        parts.append(f"{heads[kind]}\n| ---: | ---: | ---: | ---: |\n| {c['inputs']} | {c['apis']} | {c['with findings']} | {c['unusable']} |"
                     + (f"\n{c['known defects']} known page defect(s) settled by the overlay." if c["known defects"] else ""))
    return "\n".join(parts)


def readable_pages(paths: list[str], on_error: Callable[[PageError], None]) -> Iterator[str]:
    """:func:`~zstack_contract.derive.schema_files.page_files`, without those that are not
    regular files (a FIFO would hold the run): each is an error."""
    for path in page_files(paths, on_error):
        problem = special_file(path)
        if problem:
            on_error(PageError(path, None, problem))
        else:
            yield path


def _release(text: str) -> str:
    """``--release-of``'s value: a version of ZStack's numbering."""
    if not is_version(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a ZStack version (like 5.3.0)")
    return text.strip()


def overlay_problem(overlay: str | None) -> str | None:
    """The one line to print when ``--overlay`` names something that must not be opened."""
    problem = special_file(overlay) if overlay else None
    return f"--overlay {overlay}: {problem}" if problem else None
