"""The README stays true: its CI recipes' commands run in this repository, and CI runs the test
command it gives."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_ci_recipes_validate_commands_pass_here(tmp_path):
    commands = sorted(set(re.findall(r"zstack-contract validate [^\n`]+", README.split("### CI recipes", 1)[1])))
    assert commands, "the CI recipes name no validate command"
    exe = str(Path(sys.executable).with_name("zstack-contract"))
    for n, command in enumerate(commands):
        args = shlex.split(command)[1:]
        if "--report" in args:
            args[args.index("--report") + 1] = str(tmp_path / str(n))
        r = subprocess.run([exe, *args], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, (command, r.stdout[-1000:], r.stderr[-1000:])


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
