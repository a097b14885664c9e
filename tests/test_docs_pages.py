"""The task pages and the README stay true: every command block marked ``<!-- tested -->`` runs here,
and the output shown right after it is what the commands print.

A marked block is a ```` ```sh ```` fence right after the marker line. Its commands run in order, each
with ``bash -c`` in one scratch folder that holds the repository's files (so ``contract_tests/...``,
``docs/api`` and ``tests/pages`` name this repository's, and whatever the commands write stays in
the scratch folder); a line may end with ``# exit N`` for the exit code it must give (else 0). An
``export`` line sets its variables, except those a test stands in for: ``ZSTACK_URL`` (with
``ZSTACK_ACCOUNT`` and ``ZSTACK_PASSWORD``) names a ``zstack-contract serve`` the test starts on
loopback in the node's place. A command ending in `` &`` runs in the background for the rest of
its block (a server: its first line of output, printed when it listens, is waited for) and is
stopped with SIGINT when the block ends; its ``# exit N`` is the code it must end with then. A plain
fence right after the block is its output: each of its lines but ``...`` must be among the lines the
commands printed.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

MARK = "<!-- tested -->"
TASK_PAGES = sorted((ROOT / "docs" / "tasks").glob("*.md"))
PAGES = [ROOT / "README.md", *TASK_PAGES, ROOT / "docs" / "proxy.md"]  # docs/proxy.md: the proxy's task page
_EXIT = re.compile(r"\s+#\s*exit (\d+)\b.*$")
_BACKGROUND = re.compile(r"\s+&$")
_COMMENT = re.compile(r"\s+#\s.*$")


@dataclass
class Block:
    line: int
    commands: list[tuple[str, int]]  # (command, the exit code it must give)
    output: list[str] = field(default_factory=list)


def marked_blocks(text: str) -> list[Block]:
    """The marked command blocks of a page, each with the output shown after it (if any)."""
    lines = text.splitlines()
    blocks = []
    for n, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        assert lines[n + 1].strip() == "```sh", f"line {n + 2}: {MARK} must stand right before a ```sh fence"
        end = lines.index("```", n + 2)
        commands, pending = [], ""
        for raw in lines[n + 2:end]:
            pending += raw.rstrip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            command, pending = pending.strip(), ""
            if not command or command.startswith("#"):
                continue
            code = _EXIT.search(command)
            command = _COMMENT.sub("", _EXIT.sub("", command))
            commands.append((command, int(code.group(1)) if code else 0))
        block = Block(n + 1, commands)
        after = end + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after < len(lines) and lines[after] == "```":
            block.output = lines[after + 1:lines.index("```", after + 1)]
        blocks.append(block)
    return blocks


def scratch(tmp_path: Path) -> Path:
    """A folder that holds the repository's files (links), where the commands write what they write."""
    work = tmp_path / "work"
    work.mkdir()
    for child in ROOT.iterdir():
        if child.name.startswith(".") or child.name in {"reports", "site"}:
            continue
        (work / child.name).symlink_to(child)
    return work


class StandIn:
    """A ``zstack-contract serve`` on loopback, in the node's place, started when a page asks for one."""

    def __init__(self, env: dict[str, str]):
        self.env, self.process = env, None

    def variables(self) -> dict[str, str]:
        if self.process is None:
            self.process = subprocess.Popen(["zstack-contract", "serve", "--port", "0"], stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True, env=self.env)
            self.url = self.process.stdout.readline().strip()
            assert self.url.startswith("http://127.0.0.1:"), self.url
        return {"ZSTACK_URL": self.url, "ZSTACK_ACCOUNT": "admin", "ZSTACK_PASSWORD": "password"}

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def run_page(page: Path, tmp_path: Path) -> int:
    """Run every marked block of ``page``; the number of commands run."""
    work = scratch(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZSTACK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    node = StandIn(env)
    ran = 0
    try:
        for block in marked_blocks(page.read_text(encoding="utf-8")):
            printed: list[str] = []
            background: list[tuple[subprocess.Popen, str, int]] = []
            try:
                for command, code in block.commands:
                    if command.startswith("export "):
                        assigned = dict(word.split("=", 1) for word in shlex.split(command)[1:])
                        stand_in = node.variables() if "ZSTACK_URL" in assigned else {}
                        env.update({name: stand_in.get(name, value) for name, value in assigned.items()})
                        continue
                    where = f"{_name(page)}:{block.line}: {command}"
                    if _BACKGROUND.search(command):
                        server = subprocess.Popen(["bash", "-c", f"exec {_BACKGROUND.sub('', command)}"], cwd=work, env=env,
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                        background.append((server, where, code))
                        printed.append(server.stdout.readline().rstrip("\n"))  # it listens
                        ran += 1
                        continue
                    r = subprocess.run(["bash", "-c", command], cwd=work, env=env, check=False, capture_output=True, text=True, timeout=600)
                    assert r.returncode == code, (where, r.returncode, r.stdout[-2000:], r.stderr[-2000:])
                    printed += (r.stdout + r.stderr).splitlines()
                    ran += 1
            finally:
                for server, where, code in background:
                    server.send_signal(signal.SIGINT)
                    out, err = server.communicate(timeout=120)
                    assert server.returncode == code, (where, server.returncode, out[-2000:], err[-2000:])
                    printed += (out + err).splitlines()
            for line in block.output:
                if line.strip() != "...":
                    assert line in printed, (f"{_name(page)}:{block.line}: the output shown is not what the commands print", line, printed[-20:])
    finally:
        node.stop()
    return ran


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else page.name


def test_every_task_page_has_commands_run_here():
    assert TASK_PAGES, "no task pages under docs/tasks"
    missing = [p.name for p in TASK_PAGES if not any(b.commands for b in marked_blocks(p.read_text(encoding="utf-8")))]
    assert not missing, f"task pages with no {MARK} command block: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_the_marked_commands_of_a_page_run_and_print_what_it_shows(page, tmp_path):
    assert run_page(page, tmp_path) > 0


def test_a_marked_block_whose_output_has_drifted_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"{MARK}\n```sh\nzstack-contract serve --list-faults\n```\n\n```\ndrop-uuid: every inventory of a success answer has no uuid\nno-such-fault: made up\n```\n")
    with pytest.raises(AssertionError, match="no-such-fault"):
        run_page(page, tmp_path)


def test_a_marked_command_must_give_its_exit_code(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"{MARK}\n```sh\nzstack-contract validate no-such-folder   # exit 2\nzstack-contract validate no-such-folder\n```\n")
    with pytest.raises(AssertionError, match="no-such-folder"):
        run_page(page, tmp_path)
