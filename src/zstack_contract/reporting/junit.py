"""JUnit XML of ``validate --junit FILE``: one test case per input file, in the order the files
were read (paths that gave no file first, as the console names them).

- ``classname`` is the file's folder (``.`` for none), ``name`` the file's name;
- a file with new violations fails: ``<failure message="...">`` whose message is its first new
  violation and whose text is every finding of the file, one line each as the console prints it;
- an unusable file (or path) is an error: ``<error message="...">`` with its one-line reason;
- a file whose every exchange is of no known API is skipped (``<skipped message="...">``);
- any other file passes; its known violations, warnings and exchanges of no known API, if any,
  are its ``<system-out>``.

The document has the common shape (``testsuites`` > ``testsuite`` > ``testcase``, with counts
on both) and nothing that changes between runs of the same inputs: every ``time`` is 0, and
there is no timestamp or host name. The test suite's properties are the run's verdict and exit
code and the contract (:func:`suite_properties`: the names the pytest plugin writes into pytest's JUnit XML too).
Every text is shown on one line and escaped (:mod:`.markup`).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..checks.finding import Severity
from ..facts.oneline import one_line
from .console import finding_line
from .markup import escaped as _x
from .report import entry_fields
from .wording import contract_said
from ..facts.words import plural

SUITE = "zstack-contract validate"
VERDICT, EXIT_CODE, CONTRACT = "verdict", "exitCode", "contract"  # the test suite's properties, in every JUnit XML of a run
HAR_ENTRY = "#entries["  # how an exchange of a HAR capture names its place in the file


@dataclass
class Case:
    source: str  # the file as findings name it
    new: list[str] = field(default_factory=list)  # lines of new violations
    lines: list[str] = field(default_factory=list)  # every finding line, in report order
    errors: list[str] = field(default_factory=list)  # reasons it is unusable
    skipped: list[str] = field(default_factory=list)  # its exchanges of no known API (``#entries[N]: ...`` in a HAR capture)
    unchecked: bool = False  # every exchange of it was of no known API

    @property
    def outcome(self) -> str:
        if self.errors:
            return "error"
        if self.new:
            return "failure"
        if self.unchecked and not self.lines:
            return "skipped"
        return "passed"


def cases(report: dict[str, Any], files: Iterable[str], unchecked: Iterable[str]) -> list[Case]:
    """The test cases: one per input file (``files``, as read), with what the report says of
    it; ``unchecked``: the files whose every exchange was of no known API, each named by its
    first exchange (a HAR capture's are ``file#entries[N]``)."""
    by_source: dict[str, Case] = {}
    for name in files:
        shown = one_line(name)
        by_source.setdefault(shown, Case(shown))
    first: dict[str, Case] = {}  # paths that gave no file, named first, as on the console

    def case(source: str, into: dict[str, Case] = by_source) -> Case:
        found = by_source.get(source) or first.get(source)
        if found is None and HAR_ENTRY in source:
            found = by_source.get(source.rpartition(HAR_ENTRY)[0])
        if found is None:  # not an input file (a path that gave none; a finding about something else): a case of its own
            found = into[source] = Case(source)
        return found

    for e in report["inputErrors"]:
        case(e["file"], first).errors.append(e["message"])
    entries = report["findings"]
    for n in range(len(entries)):
        f = entry_fields(entries, n, ("file", "severity", "known"))
        c, line = case(f["file"]), finding_line(entries, n)
        c.lines.append(line)
        if f["severity"] == Severity.VIOLATION and not f["known"]:
            c.new.append(line)
    for e in report["skipped"]:
        c = case(e["file"])
        place = e["file"][len(c.source):] if e["file"].startswith(c.source) else e["file"]  # a HAR entry: #entries[N]
        c.skipped.append(f"{place}: {e['message']}" if place else e["message"])
    for source in unchecked:
        case(source).unchecked = True
    return [*first.values(), *by_source.values()]


def suite_properties(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The test suite's properties: the run's verdict (``pass``, ``fail``, ``unusable input``,
    ``incomplete``), the exit code it gives, and the contract (``5.1.30: the node says 5.1.31``)."""
    s = report["summary"]
    return [(VERDICT, s["verdict"]), (EXIT_CODE, str(s["exitCode"])), (CONTRACT, contract_said(report.get("contract")))]


def pieces(report: dict[str, Any], files: Iterable[str], unchecked: Iterable[str]) -> Iterator[str]:
    """The JUnit XML document, piece by piece (see :func:`cases`)."""
    all_cases = cases(report, files, unchecked)
    counts: dict[str, int] = defaultdict(int)
    for c in all_cases:
        counts[c.outcome] += 1
    totals = (f'tests="{len(all_cases)}" failures="{counts["failure"]}" errors="{counts["error"]}" '
              f'skipped="{counts["skipped"]}" time="0"')
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<testsuites name="zstack-contract" {totals}>\n'
    yield f'  <testsuite name="{_x(SUITE)}" {totals}>\n'
    yield "    <properties>\n"
    for name, value in suite_properties(report):
        yield f'      <property name="{_x(name)}" value="{_x(value)}"/>\n'
    yield "    </properties>\n"
    for c in all_cases:
        yield from _case(c)
    yield "  </testsuite>\n</testsuites>\n"


def _case(c: Case) -> Iterator[str]:
    folder, name = posixpath.split(c.source)
    head = f'    <testcase classname="{_x(folder or ".")}" name="{_x(name or c.source)}" time="0"'
    outcome = c.outcome
    if outcome == "passed" and not (c.lines or c.skipped):
        yield head + "/>\n"
        return
    yield head + ">\n"
    if outcome == "error":
        more = f" (and {plural(len(c.errors) - 1, 'more reason')})" if len(c.errors) > 1 else ""
        yield f'      <error message="{_x(c.errors[0] + more)}" type="unusable input">{_text(c.errors + c.lines)}</error>\n'
    elif outcome == "failure":
        more = f" (and {plural(len(c.new) - 1, 'more new violation')})" if len(c.new) > 1 else ""
        yield f'      <failure message="{_x(c.new[0] + more)}" type="contract violation">{_text(c.lines)}</failure>\n'
    elif outcome == "skipped":
        yield f'      <skipped message="{_x(c.skipped[0])}"/>\n'
    rest = (c.skipped if outcome != "skipped" else c.skipped[1:]) + (c.lines if outcome == "passed" else [])
    if rest:
        yield f"      <system-out>{_text(rest)}</system-out>\n"
    yield "    </testcase>\n"


def _text(lines: list[str]) -> str:
    return "\n".join(map(_x, lines))
