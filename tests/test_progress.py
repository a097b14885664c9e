"""The progress line of the long commands (``validate``, ``derive``, ``diff``, the proxy): drawn on
stderr when it is a terminal (a real pseudo-terminal here, ``os.openpty``), never when it is not,
when ``CI`` is set, or with ``-q``; wiped before other output and at the end, so the terminal keeps
what a run without it prints; stdout and the files written are the same bytes either way."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import HANG, ROOT
from zstack_contract.cli.progress import Progress, progress_for
from zstack_contract.facts.ids import password_hash
from zstack_contract.simulator import Simulator

SAMPLE = (ROOT / "contract_tests" / "recordings" / "ReimageVmInstance.page-sample.json").read_text()
COMMAND = [sys.executable, "-m", "zstack_contract.cli"]


def environment(**extra: str) -> dict[str, str]:
    """This environment without ``CI`` (a CI runner sets it), the checkout's sources first."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return {**env, **extra}


class Terminal:
    """A pseudo-terminal: its far end is a process's stderr; what the process writes there is read
    as it comes (a full terminal would hold the process)."""

    def __init__(self, columns: int = 0) -> None:
        self.master, self.slave = os.openpty()
        if columns:
            fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, name="test-progress-pty", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: every writer has closed the far end
                return
            if not data:
                return
            self._chunks.append(data)

    def text(self) -> bytes:
        return b"".join(self._chunks)

    def close(self) -> bytes:
        """All the process wrote, once it ended (the far end closed in this process too)."""
        os.close(self.slave)
        self._reader.join(HANG)
        os.close(self.master)
        return self.text()


def run(*args, tty: bool, cwd: Path, **env: str) -> tuple[int, bytes, bytes]:
    """``zstack-contract ARGS`` in a process: exit code, stdout, stderr (a terminal's, with ``tty``)."""
    cmd = [*COMMAND, *map(str, args)]
    if not tty:
        r = subprocess.run(cmd, check=False, capture_output=True, cwd=cwd, env=environment(**env), timeout=HANG)
        return r.returncode, r.stdout, r.stderr
    term = Terminal()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=term.slave, stdin=subprocess.DEVNULL, cwd=cwd, env=environment(**env))
    out = proc.communicate(timeout=HANG)[0]
    return proc.returncode, out, term.close()


def screen(raw: bytes) -> list[str]:
    """The lines a terminal shows after ``raw``: a carriage return goes back to the line's start,
    what follows overwrites it."""
    lines: list[str] = []
    line: list[str] = []
    col = 0
    for ch in raw.decode("utf-8"):
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("".join(line).rstrip())
            line, col = [], 0
        else:
            line[col:col + 1] = [ch]
            col += 1
    if "".join(line).strip():
        lines.append("".join(line).rstrip())
    return lines


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def recordings(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"ReimageVmInstance.{i}.json").write_text(SAMPLE)
    (folder / "empty.json").write_bytes(b"")  # an unusable input: a line on stderr
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_validate_counts_files_on_a_terminal_and_prints_and_writes_the_same_bytes(tmp_path, jobs):
    recordings(tmp_path / "in", 1100)  # more than a chunk: with -j 2, the files are checked by two processes
    args = ("validate", "in", "--report", "rep", "--junit", "junit.xml", "-j", jobs)
    rc, out, raw = run(*args, tty=True, cwd=tmp_path)
    written = files(tmp_path / "rep") | {"junit.xml": (tmp_path / "junit.xml").read_bytes()}
    assert b"\rzstack-contract validate: " in raw and b" files checked" in raw
    rc2, out2, err2 = run(*args, tty=False, cwd=tmp_path)
    assert (rc, out) == (rc2, out2) == (2, out2) and b"1101 file(s)" in out
    assert written == files(tmp_path / "rep") | {"junit.xml": (tmp_path / "junit.xml").read_bytes()}
    assert b"\r" not in err2 and screen(raw) == screen(err2) != []  # the line is gone; the error line stays


@pytest.mark.parametrize(("tty", "env", "quiet"), [(False, {}, False), (True, {"CI": "true"}, False), (True, {"CI": ""}, False), (True, {}, True)],
                         ids=["not-a-terminal", "CI", "CI-empty", "quiet"])
def test_no_line_off_a_terminal_in_ci_or_quiet(tmp_path, tty, env, quiet):
    recordings(tmp_path / "in", 3)
    rc, out, err = run("validate", "in", "--report", "rep", *(["-q"] if quiet else []), tty=tty, cwd=tmp_path, **env)
    assert rc == 2 and b"empty.json" in err
    assert b"\r" not in err.replace(b"\r\n", b"\n") and b"files checked" not in err and b"\r" not in out


def test_derive_counts_pages_and_wipes_the_line_before_its_error_lines(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "tests" / "pages", pages)
    (pages / "SetVmZ.txt").write_text("not a reference page\n")  # unusable: one line on stderr, mid-run (the line is drawn)
    runs = []
    for tty in (True, False):
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        rc, out, err = run("derive", "pages", "--out", "out", tty=tty, cwd=tmp_path)
        runs.append((rc, out, files(tmp_path / "out"), err))
    (rc, out, written, raw), (rc2, out2, written2, err2) = runs
    assert raw.index(b"\rzstack-contract derive: 1 page read, ") < raw.index(b"SetVmZ.txt")
    assert (rc, out, written) == (rc2, out2, written2) and rc == 2 and len(written) == 36
    assert screen(raw) == screen(err2) and any(line.startswith("zstack-contract: error: pages/SetVmZ.txt:1: ") for line in screen(raw))


def test_derive_from_doc_sources_counts_their_apis(tmp_path):
    rc, out, raw = run("derive", "--source", ROOT / "tests" / "doc_sources" / "account", "--out", "out", tty=True, cwd=tmp_path)
    assert rc == 0 and b"\rzstack-contract derive: reading doc sources" in raw and screen(raw) == []
    rc, out2, err = run("derive", "--source", ROOT / "tests" / "doc_sources" / "account", "--out", "out", tty=False, cwd=tmp_path)
    assert out2 == out and err == b""


def test_diff_of_two_releases_says_what_it_reads_and_prints_the_same_bytes(tmp_path):
    args = ("diff", "3.10.40", "5.3.0", "--json", "diff.json")
    rc, out, raw = run(*args, tty=True, cwd=tmp_path)
    written = (tmp_path / "diff.json").read_bytes()
    assert b"\rzstack-contract diff: reading 3.10.40" in raw and screen(raw) == []
    rc2, out2, err2 = run(*args, tty=False, cwd=tmp_path)
    assert (rc, out, written) == (rc2, out2, (tmp_path / "diff.json").read_bytes()) and rc == 1 and out and err2 == b""


def test_the_proxy_shows_its_counts_on_a_terminal_and_no_secret(tmp_path):
    term = Terminal()
    with Simulator(faults=("float-cpu",), job_delay=0.005) as sim:
        proc = subprocess.Popen([*COMMAND, "proxy", "--target", sim.base_url, "--listen", "127.0.0.1:0", "--report", str(tmp_path / "rep")],
                                stdout=subprocess.PIPE, stderr=term.slave, stdin=subprocess.DEVNULL, cwd=ROOT, env=environment())
        try:
            url = proc.stdout.readline().decode().strip()
            login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}})
            session = login.json()["inventory"]["uuid"]
            auth = {"Authorization": f"OAuth {session}"}
            vm = next(u for u, v in sim.vms.items() if v["state"] == "Stopped")
            location = requests.put(f"{url}/v1/vm-instances/{vm}/actions", json={"reimageVmInstance": {}}, headers=auth).json()["location"]
            while requests.get(location, headers=auth).status_code == 202:
                time.sleep(0.01)
            deadline = time.monotonic() + HANG  # a bound on a hang: the line is drawn every half second
            while time.monotonic() < deadline and not re.search(rb"answered, 1 checked, 1 finding", term.text()):
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGINT)
            out = proc.communicate(timeout=HANG)[0]
    raw = term.close()
    assert re.search(rb"\rzstack-contract proxy: [3-9]\d* answered, 1 checked, 1 finding\(s\)", raw)
    assert b"/inventory/cpuNum: expected integer" in out and b"\r" not in out
    shown = screen(raw)  # the summary line is the last; no count line is left
    assert shown[-1].startswith("zstack-contract proxy: 1 exchange(s) checked, 1 new violation(s)") and not any(" answered, " in line for line in shown)
    assert session.encode() not in raw + out and password_hash("password").encode() not in raw + out


def test_the_line_fits_the_terminal_is_one_line_and_is_wiped(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)  # a CI runner sets it, and it turns the line off
    term = Terminal(columns=40)
    stream = os.fdopen(os.dup(term.slave), "w", encoding="utf-8")
    progress = progress_for("validate", stream=stream)
    assert progress.enabled and progress.columns == 40
    progress.show("a\nlong text " + "x" * 100)
    stream.flush()
    with open(os.dup(term.slave), "w", encoding="utf-8") as other:
        progress.guard(other).write("a line of the command's own\n")  # wipes the line first
    progress.show("short")
    progress.clear()
    stream.close()
    raw = term.close().decode()
    drawn = [piece for piece in raw.split("\r") if piece.startswith("zstack-contract")]
    assert drawn[0] == "zstack-contract validate: a\\nlong text xx"[:39] and all(len(p) <= 39 for p in drawn)
    assert screen(raw.encode()) == ["a line of the command's own"]


def test_a_line_not_drawn_leaves_streams_as_they_are(tmp_path):
    with open(tmp_path / "err", "w") as err:
        progress = progress_for("derive", stream=err)
        assert not progress.enabled and progress.guard(sys.stdout) is sys.stdout
        progress.show("1 page read")
        progress.clear()
    assert (tmp_path / "err").read_bytes() == b""
    off, before = Progress("derive", sys.stderr, enabled=False), (sys.stdout, sys.stderr)
    with off.printing():
        assert (sys.stdout, sys.stderr) == before and off.guard(sys.stderr) is sys.stderr
