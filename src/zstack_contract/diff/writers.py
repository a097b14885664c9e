"""The outputs of a diff, all made from one document (:func:`document`, the JSON output, format
``zstack-contract.diff/1``, its JSON Schema ``data/diff.schema.json``): the terminal list, Markdown
for a pull request (the summary table first), JSON, and JUnit XML (one test case per API that
changed, failing when one of its changes reaches ``--fail-on``). Changes are listed the worst
first, then by API and place; nothing in an output changes between runs of the same sides."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..facts.oneline import one_line
from ..facts.words import plural
from ..reporting.markup import escaped as _x
from .kinds import KINDS, RANK, SEVERITIES
from .levels import Judged, reaches

FORMAT = "zstack-contract.diff/1"
FAIL_ON = ("breaking", "warning", "never")


def exit_code(judged: list[Judged], fail_on: str, unusable: list[str]) -> int:
    """2 when an input was unusable, else 1 when a change reaches ``fail_on``, else 0."""
    if unusable:
        return 2
    return 1 if any(reaches(j.severity, j.accepted, fail_on) for j in judged) else 0


def document(old: str, new: str, judged: list[Judged], fail_on: str, unusable: list[str]) -> dict[str, Any]:
    ordered = sorted(judged, key=lambda j: (RANK[j.severity], j.change.api, j.change.where, j.change.kind))
    counted = Counter(j.severity for j in judged if j.accepted is None)
    by_kind = Counter(j.change.kind for j in judged)
    changes = []
    for j in ordered:
        c = j.change
        changes.append({
            "id": c.id, "api": c.api, "kind": c.kind, "severity": j.severity, "words": KINDS[c.kind].words, "where": c.where,
            "old": None if c.old is None and c.old_source is None else {"value": c.old, "source": c.old_source},
            "new": None if c.new is None and c.new_source is None else {"value": c.new, "source": c.new_source},
            "accepted": j.accepted,
        })
    summary = {
        "changes": len(judged), **{s: counted[s] for s in SEVERITIES}, "accepted": sum(1 for j in judged if j.accepted is not None),
        "apisAdded": by_kind["api-added"], "apisRemoved": by_kind["api-removed"],
        "apisChanged": len({j.change.api for j in judged if j.change.kind not in ("api-added", "api-removed")}),
        "byKind": dict(sorted(by_kind.items())), "failOn": fail_on, "exitCode": exit_code(judged, fail_on, unusable),
    }
    return {"format": FORMAT, "old": old, "new": new, "changes": changes, "summary": summary, "unusable": list(unusable)}


def json_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _verdict(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    return {0: "PASS", 1: "FAIL", 2: "UNUSABLE INPUT"}[s["exitCode"]]


def summary_line(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    return (f"{doc['old']} -> {doc['new']}: {plural(s['changes'], 'change')} ({s['breaking']} breaking, {s['warning']} warning, "
            f"{s['info']} info, {s['accepted']} accepted); {s['apisAdded']} APIs added, {s['apisRemoved']} removed, "
            f"{s['apisChanged']} changed; --fail-on {s['failOn']} -> {_verdict(doc)}")


def _sides(entry: dict[str, Any]) -> str:
    def one(side: dict[str, Any] | None) -> str:
        return "-" if side is None or side["value"] is None else side["value"]
    return f"{one(entry['old'])} -> {one(entry['new'])}"


def terminal_lines(doc: dict[str, Any]) -> Iterator[str]:
    """One line per change (the worst first), then the summary line."""
    for e in doc["changes"]:
        accepted = f" [accepted: {e['accepted']}]" if e["accepted"] else ""
        yield one_line(f"{e['severity']:8} {e['api']}: {e['words']}: {e['where']}: {_sides(e)} ({e['kind']}, id {e['id']}){accepted}")
    yield one_line(summary_line(doc))


def cell(text: Any) -> str:
    """A Markdown table cell: one line, `&`, `<` and `|` escaped."""
    return one_line(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def markdown_lines(doc: dict[str, Any], heading: str = "#") -> Iterator[str]:
    """Markdown for a pull request: the summary table, the changes by kind, then every change."""
    s = doc["summary"]
    yield f"{heading} API changes: {cell(doc['old'])} → {cell(doc['new'])}"
    yield ""
    yield "| verdict | breaking | warning | info | accepted | APIs added | APIs removed | APIs changed |"
    yield "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    yield (f"| {_verdict(doc)} (--fail-on {s['failOn']}) | {s['breaking']} | {s['warning']} | {s['info']} | {s['accepted']} "
           f"| {s['apisAdded']} | {s['apisRemoved']} | {s['apisChanged']} |")
    for line in doc["unusable"]:
        yield ""
        yield f"Unusable: {cell(line)}"
    if not doc["changes"]:
        yield ""
        yield "No change."
        return
    yield ""
    yield "| kind | severity | changes |"
    yield "| --- | --- | ---: |"
    for kind, n in sorted(s["byKind"].items(), key=lambda kv: (RANK[KINDS[kv[0]].severity], kv[0])):
        yield f"| {kind} | {KINDS[kind].severity} | {n} |"
    yield ""
    yield "| severity | API | change | where | old | new | id |"
    yield "| --- | --- | --- | --- | --- | --- | --- |"
    for e in doc["changes"]:
        severity = e["severity"] + (f" (accepted: {cell(e['accepted'])})" if e["accepted"] else "")
        old = "" if e["old"] is None else cell(e["old"]["value"] if e["old"]["value"] is not None else "")
        new = "" if e["new"] is None else cell(e["new"]["value"] if e["new"]["value"] is not None else "")
        yield f"| {severity} | {cell(e['api'])} | {cell(e['words'])} | {cell(e['where'])} | {old} | {new} | `{e['id']}` |"


def junit_pieces(doc: dict[str, Any]) -> Iterator[str]:
    """JUnit XML: a test case per API with changes (classname ``zstack-contract diff``); it fails
    when one of its changes reaches ``--fail-on``, with every change of the API as its text. The
    suite's properties are the verdict and the exit code, as validate's JUnit XML has them."""
    fail_on = doc["summary"]["failOn"]
    by_api: dict[str, list[dict[str, Any]]] = {}
    for e in doc["changes"]:
        by_api.setdefault(e["api"], []).append(e)
    failing = {api for api, es in by_api.items() if any(reaches(e["severity"], e["accepted"], fail_on) for e in es)}
    unusable = doc["unusable"]
    totals = f'tests="{len(by_api) + len(unusable)}" failures="{len(failing)}" errors="{len(unusable)}" skipped="0" time="0"'
    code = doc["summary"]["exitCode"]
    verdict = {0: "pass", 1: "fail", 2: "unusable input"}[code]
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<testsuites name="zstack-contract" {totals}>\n'
    yield f'  <testsuite name="{_x("zstack-contract diff " + doc["old"] + " " + doc["new"])}" {totals}>\n'
    yield "    <properties>\n"
    yield f'      <property name="verdict" value="{_x(verdict)}"/>\n'
    yield f'      <property name="exitCode" value="{code}"/>\n'
    yield "    </properties>\n"
    for n, line in enumerate(unusable):
        yield f'    <testcase classname="zstack-contract diff" name="unusable input {n + 1}" time="0">\n'
        yield f'      <error message="{_x(line)}"/>\n'
        yield "    </testcase>\n"
    for api in sorted(by_api):
        es = by_api[api]
        text = "\n".join(_x(f"{e['severity']}: {e['words']}: {e['where']}: {_sides(e)} (id {e['id']})") for e in es)
        yield f'    <testcase classname="zstack-contract diff" name="{_x(api)}" time="0">\n'
        if api in failing:
            first = next(e for e in es if reaches(e["severity"], e["accepted"], fail_on))
            yield f'      <failure message="{_x(first["words"] + ": " + first["where"])}">{text}</failure>\n'
        else:
            yield f"      <system-out>{text}</system-out>\n"
        yield "    </testcase>\n"
    yield "  </testsuite>\n</testsuites>\n"
