"""The reports a person reads: the Markdown and HTML reports (new findings first, a summary table,
baseline reasons, counts in headings, long sections folded, escaped), the pytest plugin's
terminal summary, the words of counts, and stale baseline entries judged only on the cases a run
exercised (also over processes)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from conftest import ROOT
from mutations import server_shaped
from zstack_contract.checks.finding import Finding, Severity
from zstack_contract.checks.probe_answers import judge_invalid
from zstack_contract.checks.registry import LIVE, PROBE
from zstack_contract.contract import load_contracts
from zstack_contract.facts.secrets import Redactor
from zstack_contract.findings.baseline import Baseline, Entry
from zstack_contract.errors import InputError
from zstack_contract.findings.validation import Validation
from zstack_contract.findings.verdict import NotDone
from zstack_contract.inputs.exchange import Exchange, Request, Response, Step, bare_body_exchange
from zstack_contract.reporting import console, html_report, markdown, write_reports
from zstack_contract.reporting.blocks import Bullets, Table, fold
from zstack_contract.reporting.report import build_report
from zstack_contract.reporting.terminal import shown_target, summary_lines
from zstack_contract.facts.words import plural, with_article

API = "ReimageVmInstance"
URL = "http://mn:8080/zstack/v1/vm-instances/" + "a" * 32 + "/actions"
HOSTILE = "rec/a|b<details>\x1b[31m`x`</summary>\u2028&amp;<script>alert(1)</script>.json"


@pytest.fixture(scope="module")
def contracts():
    return load_contracts(ROOT / "schemas")


def finding(n: int, *, file: str | None = None, pointer: str = "/inventory/cpuNum", check: str = "response-schema",
            severity: Severity = Severity.VIOLATION, rule: str | None = "docs/api/ReimageVmInstance.txt:120 cpuNum Integer",
            found: str | None = None) -> Finding:
    return Finding(check=check, file=file or f"rec/{n:04d}.json", pointer=pointer, expected="integer", found=found or f"{n}.5 (number)",
                   api=API, rule=rule, severity=severity)


def run(contracts, findings: list[Finding], baseline: Baseline | None = None) -> Validation:
    v = Validation(contracts, baseline=baseline)
    v.keep(findings)
    return v


BASELINE = Baseline([Entry(API, "response-schema", "/inventory/memorySize", "node 4.1 sends a string; fixed in 4.2"),
                     Entry(API, "date-order", "/inventory/lastOpDate", "no longer seen")])


@pytest.fixture(scope="module")
def mixed(contracts):
    """600 new violations of one page line, 3 known ones, 2 warnings, a stale entry, a hostile name."""
    v = run(contracts, [finding(n) for n in range(600)]
            + [finding(n, pointer="/inventory/memorySize", rule="docs/api/ReimageVmInstance.txt:119 memorySize Long") for n in range(3)]
            + [finding(n, check="my-warning", severity=Severity.WARNING, rule=None) for n in range(2)]
            + [finding(0, file=HOSTILE, pointer="/inventory/uuid", rule="docs/api/ReimageVmInstance.txt:105 uuid String",
                       found="'<b>x</b> & y | z\n<details>'")], BASELINE)
    v.check(bare_body_exchange({"inventory": {"uuid": "a" * 32}}, "rec/ok.json"))  # the API is exercised: date-order's entry is stale
    return build_report(v)


def test_markdown_new_first_summary_table_reasons_counts_and_folding(mixed):
    md = "\n".join(markdown.lines(mixed))
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == ["## Findings by check and API (601 new, 3 known, 1 stale, 2 warnings)",
                     "## Violations by page line (601 new)", "## Violations by page line (3 known, in the baseline)",
                     "## Warnings by page line (2)", "## Stale baseline entries (1, no longer seen)",
                     "## Coverage: documented fields seen (2 of 74 in 1 API)"]
    summary = md[md.index("## Findings by check"):md.index("## Violations")]
    assert summary.splitlines()[2:6] == ["| check | API | new | known | stale | warnings |", "|---|---|---:|---:|---:|---:|",
                                         "| **all** |  | **601** | **3** | **1** | **2** |",
                                         f"| response-schema | {API} | 601 | 3 | 0 | 0 |"]
    assert f"| date-order | {API} | 0 | 0 | 1 | 0 |" in summary and f"| my-warning | {API} | 0 | 0 | 0 | 2 |" in summary
    new = md[md.index("## Violations by page line (601 new)"):md.index("## Violations by page line (3 known")]
    assert "### docs/api/ReimageVmInstance.txt:105 uuid String (1)" in new  # page lines in their numbers' order
    assert new.index(":105 uuid") < new.index(":120 cpuNum Integer (600)") < new.index("<details><summary>500 more rows</summary>")
    assert new.count("\n| `rec/") == 549 and "### docs/api/ReimageVmInstance.txt:120 cpuNum Integer (600) (continued)" in new
    assert "51 more rows not shown here: the JSON report (`zstack-contract.json`) has them all." in new
    assert "| where | step | pointer | expected | found | check |" in new
    known = md[md.index("(3 known, in the baseline)"):md.index("## Warnings")]
    assert "| where | step | pointer | expected | found | check | baseline reason |" in known
    assert known.count("| node 4.1 sends a string; fixed in 4.2 |") == 3 and "<details>" not in known
    assert f"| {API} | date-order | `/inventory/lastOpDate` | no longer seen |" in md
    assert md == "\n".join(markdown.lines(mixed))  # the same report, the same bytes


def test_markdown_texts_of_inputs_cannot_open_tags_or_break_lines(mixed):
    md = "\n".join(markdown.lines(mixed))
    row = next(line for line in md.splitlines() if "a\\|b" in line)
    # in a code span (where a tag is text), on one line; a plain cell has no tag either
    assert row.startswith("| `` rec/a\\|b<details>\\x1b[31m`x`</summary>\\u2028&amp;<script>alert(1)</script>.json `` |")
    assert "| '&lt;b>x&lt;/b> &amp; y \\| z\\n&lt;details>' |" in row
    assert md.count("\n<details>") == md.count("\n</details>") == 1 and "\x1b" not in md and "\u2028" not in md


class Tags(HTMLParser):
    """Checks a document is well formed (every element closed in order) and keeps its text."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.seen: list[str] = []
        self.text: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        self.attributes += attrs
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/> in HTML")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parsed(text: str) -> Tags:
    p = Tags()
    p.feed(text)
    p.close()
    assert p.stack == [], p.stack
    return p


def test_html_is_one_well_formed_page_with_the_findings_escaped(mixed):
    page = "".join(html_report.pieces(mixed))
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and page == "".join(html_report.pieces(mixed))
    p = parsed(page)
    assert "script" not in p.seen and not [a for a in p.attributes if a[0] in ("src", "href")]  # self-contained, no script
    assert p.seen.count("details") == 1 and p.seen.count("section") == 6 and "style" in p.seen and "b" not in p.seen
    text = "".join(p.text)
    assert "zstack-contract: FAIL" in text and "Violations by page line (601 new)" in text
    assert "rec/0548.json" in text and "rec/0549.json" not in text and "node 4.1 sends a string; fixed in 4.2" in text and "no longer seen" in text
    assert "rec/a|b<details>\\x1b[31m`x`</summary>\\u2028&amp;<script>alert(1)</script>.json" in text  # shown as text, on one line
    assert "'<b>x</b> & y | z\\n<details>'" in text
    assert "\x1b" not in page and "\u2028" not in page


def test_html_and_markdown_of_a_clean_run(contracts, tmp_path):
    v = run(contracts, [])
    v.check(bare_body_exchange({"inventory": {"uuid": "a" * 32}}, "rec/ok.json"))
    report = build_report(v)
    md = "\n".join(markdown.lines(report))
    assert md.startswith("# zstack-contract: PASS\n") and "## Findings by check" not in md and "## Coverage" in md
    assert "1 response body checked" in md
    p = parsed("".join(html_report.pieces(report)))
    assert "details" not in p.seen and "zstack-contract: PASS" in "".join(p.text)
    written = write_reports(v, tmp_path)
    assert [w.name for w in written] == ["zstack-contract.json", "zstack-contract.md", "zstack-contract.html"]
    assert (tmp_path / "zstack-contract.html").read_text(encoding="utf-8") == "".join(html_report.pieces(build_report(v)))


# --- one verdict, every report ------------------------------------------------------------------
def verdict_shown(report) -> dict[str, str]:
    """The verdict as each report shows it: the JSON's, the Markdown's and the HTML's headings (and
    the HTML heading's class), the terminal summary's and the console's."""
    page = "".join(html_report.pieces(report))
    heading = page[page.index("<h1"):page.index("</h1>")]
    return {"json": f"{report['summary']['verdict']} {report['summary']['exitCode']}", "markdown": next(markdown.lines(report)),
            "html": heading, "terminal": summary_lines(report, None, [])[0], "console": console.summary_line(report, []).rsplit(" -> ", 1)[1]}


def test_the_worst_outcome_is_the_verdict_of_every_report(contracts, reimage_page):
    """New violations, then unusable input, then work not done: each report and the exit code say the same."""
    drifting = server_shaped(reimage_page.response_sample.value)
    v = run(contracts, [finding(1)])
    v.check_file([bare_body_exchange(drifting, "rec/drift.json")])
    v.add_error(InputError("rec/broken.json", "invalid JSON at line 1 column 2"))
    v.not_done.append(NotDone("test_live.py::test_x", "the request budget of 30 is spent"))
    assert verdict_shown(build_report(v)) == {
        "json": "fail 1", "markdown": "# zstack-contract: FAIL", "html": '<h1 class="fail">zstack-contract: FAIL',
        "terminal": "zstack-contract: FAIL against the embedded simulator", "console": "FAIL; reports: not written"}
    v.findings.clear()
    assert verdict_shown(build_report(v))["html"] == '<h1 class="unusable">zstack-contract: UNUSABLE INPUT' and v.exit_code() == 2
    v.input_errors.clear()
    report = build_report(v)
    assert verdict_shown(report) == {
        "json": "incomplete 2", "markdown": "# zstack-contract: INCOMPLETE", "html": '<h1 class="incomplete">zstack-contract: INCOMPLETE',
        "terminal": "zstack-contract: INCOMPLETE against the embedded simulator", "console": "INCOMPLETE; reports: not written"}
    assert report["notDone"] == [{"where": "test_live.py::test_x", "reason": "the request budget of 30 is spent"}]
    assert "not done: the request budget of 30 is spent (1); the reports list where" in summary_lines(report, None, [])
    md = "\n".join(markdown.lines(report))
    assert "- `test_live.py::test_x`: the request budget of 30 is spent" in md and ", 1 not done, 0 unusable input(s); " in md
    v.not_done.clear()
    assert verdict_shown(build_report(v))["markdown"] == "# zstack-contract: PASS" and v.exit_code() == 0


def test_the_summary_tables_totals_are_the_sentences_counts(contracts, reimage_page):
    """The table under the sentence counts what the sentence counts: undocumented field paths are
    the warnings of its drift rows (strict mode: violations the checks found)."""
    for strict in (False, True):
        v = Validation(contracts, strict=strict, baseline=BASELINE)
        v.keep([finding(1), finding(2, pointer="/inventory/memorySize"), finding(3, check="my-warning", severity=Severity.WARNING)])
        v.check_file([bare_body_exchange(server_shaped(reimage_page.response_sample.value), "rec/drift.json")])
        report = build_report(v)
        s = report["summary"]
        md = "\n".join(markdown.lines(report))
        sentence = md.split("\n\n")[1]
        said = {k: int(n) for n, k in re.findall(r"(\d+) (new violation|known|stale|warning)\(?", sentence)}
        table = re.search(r"## Findings by check and API \((\d+) new, (\d+) known, (\d+) stale, (\d+) warnings?\)", md).groups()
        total = re.search(r"\| \*\*all\*\* \|  \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|", md).groups()
        assert [int(n) for n in table] == [int(n) for n in total] == [said["new violation"], said["known"], said["stale"], said["warning"]]
        assert said["new violation"] == s["newViolations"] and s["undocumentedPaths"] > 0
        assert said["warning"] == (s["warnings"] if strict else s["warnings"] + s["undocumentedPaths"])
        page = "".join(html_report.pieces(report))
        assert f"{said['warning']} warning" in page[page.index("<p>"):page.index("</p>")] and f"<strong>{said['warning']}</strong></td></tr>" in page


def test_fold_shows_then_folds_then_counts():
    rows = [(str(n),) for n in range(7)]
    s = fold("t", [Table(("n",), rows[:4], heading="a"), Bullets(rows[4:], heading="b")], shown=3, folded=2)
    assert [len(b.rows) for b in s.shown] == [3] and [(b.heading, len(b.rows)) for b in s.folded] == [("a (continued)", 1), ("b", 1)]
    assert (s.folded_rows, s.omitted) == (2, 2)


# --- words -------------------------------------------------------------------------------------
def test_plurals_and_articles():
    assert [plural(n, "body") for n in (0, 1, 2)] == ["0 bodies", "1 body", "2 bodies"]
    assert plural(1, "stale entry") == "1 stale entry" and plural(3, "response body") == "3 response bodies"
    assert plural(2, "API") == "2 APIs" and plural(2, "file") == "2 files" and plural(2, "day") == "2 days"
    assert [with_article(w) for w in ("action-not-object", "empty-body", "tags-not-list", "unknown-key", "uuid", "not-json")] == [
        "an action-not-object", "an empty-body", "a tags-not-list", "an unknown-key", "a uuid", "a not-json"]


def test_summary_line_counts_the_drift_warnings_it_printed(contracts, reimage_page):
    v = Validation(contracts)
    v.check_file([bare_body_exchange(server_shaped(reimage_page.response_sample.value), "rec/a.json")])
    report = build_report(v)
    drift = [line for line in console.pieces(report) if line.startswith("drift (warning)")]
    line = console.summary_line(report, [])
    assert drift and f"1 file(s), 1 body: 0 violation(s) (0 new), {len(drift)} warning(s) ({len(drift)} undocumented field path(s), 0 from the checks)" in line
    v.strict = True
    assert "0 warning(s), " in console.summary_line(build_report(v), [])


# --- the terminal summary ----------------------------------------------------------------------
def test_terminal_summary_of_a_built_report(mixed, tmp_path):
    written = [tmp_path / "zstack-contract.json", tmp_path / "zstack-contract.md"]
    lines = summary_lines(mixed, "http://admin:s3cret@mn:8080/zstack?session=x#f", written)
    assert lines == [
        "zstack-contract: FAIL against http://mn:8080/zstack",
        "contract: a folder of schema files",
        "checked: 1 API, 1 exchange, 1 response body",
        "findings: 601 new, 3 known (baseline), 2 warnings; 1 stale baseline entry",
        "drift: no undocumented field seen",
        "coverage: 2 of 74 documented fields seen (2.7%) over 1 API",
        f"reports: {written[0]}, {written[1]}",
    ]
    assert summary_lines(mixed, None, [])[0] == "zstack-contract: FAIL against the embedded simulator"
    assert summary_lines(mixed, None, [])[-1] == "reports: not written"
    assert "***" in summary_lines(mixed, None, [tmp_path / "s3cret-run"], Redactor({"s3cret-run"}))[-1]
    assert shown_target("http://[::1]:8080/zstack") == "http://[::1]:8080/zstack" and shown_target("http://[::1") == "a URL that cannot be parsed"
    assert shown_target("http://mn:8080/zs\x1btack") == "http://mn:8080/zs\\x1btack"


def test_terminal_summary_names_drift_coverage_and_what_was_not_checked(contracts, reimage_page):
    v = Validation(contracts)
    v.check_file([bare_body_exchange(server_shaped(reimage_page.response_sample.value), "rec/a.json")])
    login = Exchange([Step(Request(method="PUT", url="http://mn/zstack/v1/accounts/login"), Response(status=200, body={}))], "rec/login.json")
    v.check(login)
    lines = summary_lines(build_report(v), "http://mn:8080/zstack", [])
    assert lines[2] == "checked: 1 API, 1 exchange (of 1 recording file), 1 response body"
    assert lines[4].startswith("drift: ") and lines[4].endswith(" undocumented field paths in 1 API (warnings)")
    assert lines[6] == "not checked: 0 unusable inputs, 1 exchange of no known API"


# --- stale baseline entries: only of the cases a run exercised ---------------------------------
ENTRIES = [
    Entry("*", "probe-status:not-json", "/", "a probe of this kind was sent: judged"),
    Entry("*", "probe-status:empty-body", "/", "no probe of this kind was sent"),
    Entry(API, "response-schema", "/inventory/cpuNum", "the API was checked: judged"),
    Entry("CreateAccount", "response-schema", "/inventory/name", "an API this run never checked"),
    Entry(API, "undocumented-field", "/inventory/x", "a strict-only check, not run"),
    Entry(API, "expected-answer", "/", "no live test ran"),
    Entry("-", "unknown-api", "/", "no exchange of no known API in a strict run"),
]


def probe(kind: str, status: int) -> Exchange:
    return Exchange([Step(Request(method="PUT", url=URL, text="not json"), Response(status=status, text="refused"))],
                    source=f"test_probe[{kind}]", api=API, note=f"probe: {kind}")


def feed_recorded(v: Validation) -> None:
    v.check(bare_body_exchange({"inventory": {"uuid": "a" * 32}}, "rec/ok.json"))


def feed_probe(v: Validation) -> None:
    ex = probe("not-json", 400)
    v.check(ex, judge_invalid("not-json", ex, API), origin=PROBE)


def stale(v: Validation) -> list[str]:
    return [e["reason"] for e in build_report(v)["staleBaseline"]]


def test_an_entry_is_stale_only_when_its_case_was_exercised(contracts):
    v = Validation(contracts, baseline=Baseline(ENTRIES))
    assert stale(v) == []  # nothing was exercised
    feed_recorded(v)
    assert stale(v) == ["the API was checked: judged"]
    feed_probe(v)
    assert stale(v) == ["a probe of this kind was sent: judged", "the API was checked: judged"]
    live = Exchange([Step(Request(method="PUT", url=URL, body={"reimageVmInstance": {}}), Response(status=503, body={"error": {"code": "SYS.1003"}}))],
                    source="test_live", api=API)
    v.check(live, origin=LIVE)
    assert "no live test ran" in stale(v)


def test_a_probe_that_broke_its_entry_is_known_not_stale(contracts):
    v = Validation(contracts, baseline=Baseline(ENTRIES))
    ex = probe("not-json", 500)
    found = v.check(ex, judge_invalid("not-json", ex, API), origin=PROBE)
    assert [f.check for f in found] == ["probe-status:not-json"] and build_report(v)["summary"]["knownViolations"] == 1
    assert "a probe of this kind was sent: judged" not in stale(v)


def test_strict_runs_exercise_strict_checks_and_unknown_apis(contracts):
    v = Validation(contracts, strict=True, baseline=Baseline(ENTRIES))
    feed_recorded(v)
    v.check(Exchange([Step(Request(method="GET", url="http://mn/zstack/v1/zones"), Response(status=200, body={}))], "rec/zones.json"))
    assert set(stale(v)) >= {"a strict-only check, not run"}  # undocumented-field ran, found nothing
    assert "no exchange of no known API in a strict run" not in stale(v)  # its finding used the entry


def test_what_was_exercised_merges_over_processes(contracts):
    one, two, merged = (Validation(contracts, baseline=Baseline(ENTRIES)) for _ in range(3))
    feed_recorded(one)
    feed_probe(two)
    for part in (one, two):
        merged.merge_wire(json.loads(json.dumps(part.to_wire())))  # as plain data, as a worker sends it
    serial = Validation(contracts, baseline=Baseline(ENTRIES))
    feed_recorded(serial)
    feed_probe(serial)
    assert stale(merged) == stale(serial) == ["a probe of this kind was sent: judged", "the API was checked: judged"]
    assert merged.exercised.to_wire(False) == serial.exercised.to_wire(False)


def test_update_baseline_keeps_entries_of_cases_not_exercised(contracts):
    v = Validation(contracts, baseline=Baseline(ENTRIES))
    feed_recorded(v)
    kept = json.loads(Baseline.render(v.findings, v.baseline, v.exercised.judge(v.strict)))["entries"]
    assert "the API was checked: judged" not in [e["reason"] for e in kept]  # stale: dropped
    assert len(kept) == len(ENTRIES) - 1
