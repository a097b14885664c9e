"""The pytest plugin's terminal summary: a short block that fits a terminal and a CI log, after
pytest's own summary: the verdict and the target, the contract (a release and why), what was checked, the findings, drift and
coverage in a line each, what was not checked or not done, and the reports written.

The target is shown without what a URL may carry besides the node's place (user info, which
may hold a password, a query, a fragment); every line is on one line, and scrubbed of the run's
secrets when a redactor is given.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..facts.oneline import PREVIEW, one_line
from ..facts.secrets import Redactor
from ..facts.words import plural
from ..findings.verdict import WORDS
from .wording import contract_said

SIMULATOR = "the embedded simulator"
REASONS_SHOWN = 3  # reasons of work not done named on its line; the reports list every test


def summary_lines(report: dict[str, Any], target: str | None, written: list[Path], redactor: Redactor | None = None) -> list[str]:
    """The block's lines (no newline at their ends) for the report of a run against ``target``
    (a base URL; None: the embedded simulator), whose reports are ``written``."""
    s = report["summary"]
    coverage = report["coverage"]
    checked = f"checked: {plural(len(coverage), 'API')}, {plural(s['exchanges'], 'exchange')}"
    if s["files"]:
        checked += f" (of {plural(s['files'], 'recording file')})"
    checked += f", {plural(s['documents'], 'response body')}"
    findings = f"findings: {s['newViolations']} new, {s['knownViolations']} known (baseline), {plural(s['warnings'], 'warning')}"
    if report["baseline"] is not None:
        findings += f"; {plural(s['staleBaseline'], 'stale baseline entry', 'stale baseline entries')}"
    lines = [f"zstack-contract: {WORDS[s['verdict']]} against {shown_target(target)}", f"contract: {contract_said(report.get('contract'))}",
             checked, findings, _drift(report), _coverage(coverage)]
    if s["inputErrors"] or s["skipped"]:
        lines.append(f"not checked: {plural(s['inputErrors'], 'unusable input')}, {plural(s['skipped'], 'exchange')} of no known API")
    if report["notDone"]:
        lines.append(_not_done(report["notDone"]))
    lines.append(f"reports: {', '.join(map(str, written)) or 'not written'}")
    lines = [one_line(line) for line in lines]
    return [redactor.text(line) for line in lines] if redactor is not None else lines


def shown_target(target: str | None) -> str:
    """The target as the summary names it: the simulator, or the URL's scheme, host, port and path."""
    if target is None:
        return SIMULATOR
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "a URL that cannot be parsed"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    shown = f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else parts.path
    return one_line(shown, PREVIEW)


def _not_done(not_done: list[dict[str, str]]) -> str:
    """``not done: the request budget of 30 is spent (51); the reports list where``: the reasons
    of the work not done (failed tests, the live session), the most frequent first."""
    counts = Counter(n["reason"] for n in not_done)
    reasons = sorted(counts, key=lambda r: (-counts[r], r))
    said = ", ".join(f"{r} ({counts[r]})" for r in reasons[:REASONS_SHOWN])
    more = f", and {plural(len(reasons) - REASONS_SHOWN, 'other reason')}" if len(reasons) > REASONS_SHOWN else ""
    return f"not done: {said}{more}; the reports list where"


def _drift(report: dict[str, Any]) -> str:
    drift = report["drift"]
    if not drift:
        return "drift: no undocumented field seen"
    apis = len({d["api"] for d in drift})
    kind = "violations, strict mode" if report["strict"] else "warnings"
    return f"drift: {plural(len(drift), 'undocumented field path')} in {plural(apis, 'API')} ({kind})"


def _coverage(coverage: dict[str, dict]) -> str:
    if not coverage:
        return "coverage: no API checked"
    seen, documented = sum(c["seen"] for c in coverage.values()), sum(c["documented"] for c in coverage.values())
    percent = round(100.0 * seen / documented, 1) if documented else 100.0
    return f"coverage: {seen} of {documented} documented fields seen ({percent}%) over {plural(len(coverage), 'API')}"
