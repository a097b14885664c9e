"""Running a command and measuring it: wall time, exit code, and peak memory.

Peak memory is given two ways: the largest resident set of any one process of the run (the kernel's
``ru_maxrss`` of the command, which covers its waited-for workers, as GNU time reports it), and
the peak of the sum of proportional set sizes (shared pages divided among the processes sharing
them) over the whole process tree, sampled every few milliseconds from /proc.

The command is started through ``/usr/bin/time``: Linux counts into a process's ``ru_maxrss`` the
memory of the image it was forked from, up to its ``exec``, so a command started straight from
this (larger) Python process would report this process's size when that is the larger.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def exe(name: str) -> str:
    return str(VENV_BIN / name)


def compile_package() -> None:
    """Write the package's bytecode, as installing a wheel does: an editable install leaves that
    to the first import, which never happens where PYTHONDONTWRITEBYTECODE is set (as on the
    machine of RESULTS.md), and every start-up would then compile the package anew."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "zstack_contract"), quiet=1)


@dataclass
class Run:
    seconds: float
    returncode: int
    max_rss_kb: int  # largest single process
    tree_peak_kb: int  # largest sum of proportional set sizes over the process tree (sampled)
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the command and all its processes


def run(cmd: list[str], cwd: str | Path | None = None, sample_every: float | None = None, env: dict | None = None) -> Run:
    """Run ``cmd`` to its end (output kept in temporary files, so nothing blocks on a pipe).

    With ``sample_every`` (seconds) the process tree's memory is also sampled from /proc that
    often. Reading ``smaps_rollup`` takes each process's memory-map lock and costs CPU on the same
    cores, so timed runs leave it off (``tree_peak_kb`` is then 0)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        launcher = [TIME, "-q", "-f", "%M", "-o", rss.name] if TIME else []
        start = time.perf_counter()
        proc = subprocess.Popen([*launcher, *cmd], cwd=cwd, stdout=out, stderr=err, env=env)
        peak = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, done, sample_every, bool(TIME)), daemon=True)
        if sample_every:
            sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        if sample_every:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        max_rss = int(rss.read().split()[-1]) if TIME else usage.ru_maxrss
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Run(seconds, proc.returncode, max_rss, peak[0], out.read().decode(errors="replace"), err.read().decode(errors="replace"), cpu)


TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def _sample(pid: int, peak: list[int], done: threading.Event, every: float, skip_root: bool) -> None:
    while not done.is_set():
        tree = _tree(pid)[1:] if skip_root else _tree(pid)  # the launcher itself is not counted
        peak[0] = max(peak[0], sum(_rss_kb(p) for p in tree))
        done.wait(every)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return out


def _rss_kb(pid: int) -> int:
    """The process's proportional set size (pages shared with its forked workers counted once
    over them all), or its resident set where the kernel does not give that."""
    for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(name).read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


def pytest_run(args: list[str], report: Path, env: dict | None = None) -> tuple[Run, str]:
    """One fresh ``python -m pytest ARGS -q -p no:cacheprovider`` in the project root, reports in
    ``report``; it must pass. The run and pytest's outcome line (``2608 passed, 6 skipped in ...``),
    so a faster run that tested less would show."""
    r = run([sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider", "--zstack-report", str(report)], cwd=ROOT, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    outcome = next((ln for ln in reversed(r.stdout.splitlines()) if re.search(r"\d+ passed", ln)), "")
    return r, outcome.strip("= ")


def machine() -> dict:
    """nproc, CPU model, Python version, and the load at the time of the measurement."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
