"""The reference pages (docs/reference/) are generated from the code and current: every option of
every command and of the pytest plugin, every check, fault, settings key and verdict is in them."""

from __future__ import annotations

import argparse
import subprocess
import sys

from conftest import ROOT

REFERENCE = ROOT / "docs" / "reference"
SCRIPT = ROOT / "scripts" / "generate_reference.py"


def _generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_committed_reference_is_what_the_code_generates():
    r = _generate("--check")
    assert r.returncode == 0, f"stale reference pages (run python scripts/generate_reference.py):\n{r.stderr}"


def test_the_check_names_a_stale_page_and_writes_nothing(tmp_path, monkeypatch):
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import generate_reference
    finally:
        sys.path.remove(str(SCRIPT.parent))
    monkeypatch.setattr(generate_reference, "OUT", tmp_path)
    (tmp_path / "faults.md").write_text("# Simulator faults\n\nout of date\n", encoding="utf-8")
    assert generate_reference.main(["--check"]) == 1
    assert (tmp_path / "faults.md").read_text(encoding="utf-8") == "# Simulator faults\n\nout of date\n"
    assert generate_reference.main([]) == 0
    assert generate_reference.main(["--check"]) == 0
    assert "`drop-uuid`" in (tmp_path / "faults.md").read_text(encoding="utf-8")


def test_the_output_does_not_depend_on_the_terminal():
    import os

    r = subprocess.run([sys.executable, str(SCRIPT), "--check"], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**os.environ, "COLUMNS": "37"})
    assert r.returncode == 0, r.stderr


def test_every_option_of_every_command_is_in_the_reference():
    from zstack_contract.cli import COMMANDS, build_parser

    page = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    sections = {name: page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0] for name in COMMANDS}
    missing = []
    for name in COMMANDS:
        for action in sub.choices[name]._actions:
            words = action.option_strings or [action.metavar or action.dest]
            missing += [f"{name} {w}" for w in words if f"`{w}`" not in sections[name]]
    assert not missing, missing


def test_every_option_of_the_pytest_plugin_is_in_the_reference():
    from zstack_contract.pytest_plugin.options import OPTIONS, PROJECT

    page = (REFERENCE / "pytest.md").read_text(encoding="utf-8")
    missing = [name for name in [PROJECT[0], *OPTIONS] if f"`{name}" not in page]
    assert not missing, missing


def test_every_check_fault_key_and_verdict_is_in_the_reference():
    import zstack_contract.checks  # noqa: F401
    from zstack_contract.checks.registry import REGISTRY
    from zstack_contract.findings.verdict import EXIT_CODES, WORDS
    from zstack_contract.settings import KEYS
    from zstack_contract.simulator.faults import FAULTS

    checks = (REFERENCE / "checks.md").read_text(encoding="utf-8")
    assert all(f"| `{c.name}` | {c.severity.value} |" in checks for c in REGISTRY)
    faults = (REFERENCE / "faults.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in faults for name in FAULTS)
    settings = (REFERENCE / "settings.md").read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in settings for key in KEYS)
    codes = (REFERENCE / "exit-codes.md").read_text(encoding="utf-8")
    assert all(f"| `{WORDS[v]}` | {code} |" in codes for v, code in EXIT_CODES.items())
    schemas = (REFERENCE / "schemas.md").read_text(encoding="utf-8")
    assert all(f"## {p.name}" in schemas for p in (ROOT / "src" / "zstack_contract" / "data").glob("*.schema.json"))


def test_the_help_says_what_validate_reads_and_what_the_suite_writes():
    from zstack_contract.cli import build_parser
    from zstack_contract.pytest_plugin.options import OPTIONS

    sub = next(a for a in build_parser(["validate"])._actions if isinstance(a, argparse._SubParsersAction))
    paths = next(a for a in sub.choices["validate"]._actions if a.dest == "paths")
    assert "*.json" in paths.help and "*.har" in paths.help  # HAR captures are read too (inputs/recordings.SUFFIXES)
    assert ".html" in OPTIONS["--zstack-report"]["help"]  # the suite writes the HTML report beside the JSON and Markdown


def test_a_generated_region_of_a_page_is_checked_and_rewritten(tmp_path, monkeypatch):
    """The VM family's diagram in docs/concepts/graph.md is what ``zstack-contract graph`` draws:
    a page whose region differs is stale (--check writes nothing), and the script rewrites the
    region alone."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import generate_reference
    finally:
        sys.path.remove(str(SCRIPT.parent))
    text = (ROOT / "docs" / "concepts" / "graph.md").read_text(encoding="utf-8")
    assert "```mermaid\nflowchart LR\n" in text and "    a_StopVmInstance[StopVmInstance]\n" in text
    stale = text.replace("    a_StopVmInstance[StopVmInstance]\n", "").replace("# The resource graph", "# The resource graph, edited")
    page = tmp_path / "docs" / "concepts" / "graph.md"
    page.parent.mkdir(parents=True)
    page.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(generate_reference, "ROOT", tmp_path)
    monkeypatch.setattr(generate_reference, "PAGES", {})  # the regions alone (the reference pages read ROOT too)
    assert generate_reference.main(["--check"]) == 1 and page.read_text(encoding="utf-8") == stale
    assert generate_reference.main([]) == 0
    assert page.read_text(encoding="utf-8") == text.replace("# The resource graph", "# The resource graph, edited")
