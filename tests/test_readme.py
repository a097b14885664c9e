"""The README stays true: short, its links lead somewhere, CI runs the test command it gives (its
tour's commands run in tests/test_docs_pages.py, with the task pages')."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_at_most_200_lines():
    assert len(README.splitlines()) <= 200, len(README.splitlines())


def test_the_readme_links_only_to_files_that_exist():
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    missing = [t for t in targets if not t.startswith("http") and not (ROOT / t).exists()]
    assert not missing, missing


def test_the_readme_and_the_ci_page_give_the_same_main_job():
    def main_job(text: str) -> str:
        return next(line for line in text.splitlines() if line.endswith("pytest contract_tests -n 2"))

    assert main_job(README) == main_job((ROOT / "docs" / "tasks" / "ci-gate.md").read_text(encoding="utf-8"))


def test_ci_runs_the_test_command_the_readme_gives():
    setup = README.split("## Set up and run", 1)[1].split("\n## ", 1)[0]
    test_line = next(line for line in setup.splitlines() if "pytest -n auto" in line)
    command = "&& ".join(test_line.split("&& ")[-2:])  # the install and the test run
    assert command in (ROOT / ".ci" / "run").read_text()


def test_the_exit_code_table_has_every_command_and_each_verdicts_code():
    from zstack_contract.cli import COMMANDS
    from zstack_contract.findings.verdict import EXIT_CODES, WORDS

    doc = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    per_command = doc.split("## Per command", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ")[0].lstrip("| ") for line in per_command.splitlines() if line.startswith("| `")]
    named = {cell.strip("`").removeprefix("zstack-contract ").split()[0] for row in rows for cell in row.split(", ")}
    assert named >= {*COMMANDS, "pytest"}, sorted(named)
    verdicts = doc.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    table = {cells[0].strip("` "): int(cells[2].strip()) for cells in (line.strip("|").split("|") for line in verdicts.splitlines())
             if len(cells) == 3 and cells[0].strip().startswith("`")}
    assert table == {WORDS[v]: code for v, code in EXIT_CODES.items()}
    assert "[docs/exit-codes.md](docs/exit-codes.md)" in README
