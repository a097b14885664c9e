"""The simulator over time and under slow clients: its memory through a long load, and its answers
to a normal client while a thousand slow connections hang on.

    .venv/bin/python benchmarks/soak.py [--clients 50] [--seconds 60] [--slow 1000] [--slow-seconds 45] [--json FILE]

Soak: ``zstack-contract serve --schemas DIR`` (the test pages' schemas) in a process of its own and
the load of ``simulator_load.py`` (``--clients`` clients over 5 processes, each on a kept-alive
connection, repeating a query, a synchronous read, an action answered 202 and the poll of its job)
for ``--seconds``; the server's resident set (``VmRSS`` in ``/proc/PID/status``) is sampled every
half second. Goal: at the end, within 1.2x of what it was 5 s into the load; no unexpected answer.

Slowloris: a fresh server; ``--slow`` connections, opened from one thread with non-blocking
sockets, each sending a request line and one header line at once and then one byte of a header
line every 3 s, so the head never ends; a connection the server drops is opened again at once.
Meanwhile a normal client (``requests``, kept alive) sends a query every 50 ms for
``--slow-seconds`` and each answer is timed. Goal: every answer under 1 s. Also measured: the
server's threads and resident set with the slow connections open, and how long it takes to exit
on SIGTERM with them open.
"""

from __future__ import annotations

import argparse
import errno
import json
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, compile_package, exe, machine  # noqa: E402
from simulator_load import derive_schemas, run_clients, session_and_vm  # noqa: E402

SLOW_HEAD = b"GET /zstack/v1/vm-instances HTTP/1.1\r\nHost: soak\r\n"
SLOW_EVERY = 3.0  # seconds between two bytes of a slow connection


def raise_open_files() -> tuple[int, int]:
    """The soft limit on open files raised to the hard one (a thousand sockets here, as many in the server)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def status_of(pid: int) -> dict[str, int]:
    """``VmRSS`` (KiB) and ``Threads`` of a process, from /proc."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


class Sampler(threading.Thread):
    """(seconds since ``t0``, VmRSS KiB, threads) of a process every ``every`` seconds."""

    def __init__(self, pid: int, t0: float, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.t0, self.every = pid, t0, every
        self.samples: list[tuple[float, int, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            s = status_of(self.pid)
            if s:
                self.samples.append((time.time() - self.t0, s.get("VmRSS", 0), s.get("Threads", 0)))
            self.done.wait(self.every)

    def at(self, seconds: float) -> tuple[float, int, int]:
        """The first sample at or after ``seconds``."""
        return next(s for s in self.samples if s[0] >= seconds)


def start_server(schemas: Path) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([exe("zstack-contract"), "serve", "--port", "0", "--schemas", str(schemas)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=raise_open_files)
    return server, server.stdout.readline().strip()


def stop_server(server: subprocess.Popen) -> tuple[float, str]:
    """Seconds from SIGTERM to the server's exit, and what it wrote on stderr."""
    t = time.perf_counter()
    server.terminate()
    _, err = server.communicate(timeout=60)
    return time.perf_counter() - t, err


def soak(schemas: Path, clients: int, seconds: float, processes: int = 5) -> dict:
    server, url = start_server(schemas)
    try:
        session, vm = session_and_vm(url)
        start_at = time.time() + 1.0
        sampler = Sampler(server.pid, start_at)
        sampler.start()
        latencies, bad = run_clients(url, session, vm, clients, processes, seconds, start_at)
        time.sleep(1.0)
        sampler.done.set()
        sampler.join()
    finally:
        exit_seconds, err = stop_server(server)
    during = [s for s in sampler.samples if 0 <= s[0] <= seconds]
    at5, end = sampler.at(5.0), during[-1]
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    results = {
        "clients": clients, "seconds": seconds, "requests": len(latencies), "requests_per_second": round(len(latencies) / seconds),
        "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1),
        "unexpected": len(bad), "unexpected_kinds": sorted(set(bad))[:5],
        "rss_start_mib": round(sampler.samples[0][1] / 1024, 1), "rss_5s_mib": round(at5[1] / 1024, 1),
        "rss_end_mib": round(end[1] / 1024, 1), "rss_max_mib": round(max(s[1] for s in during) / 1024, 1),
        "rss_end_over_5s": round(end[1] / at5[1], 3),
        "rss_every_10s_mib": [round(sampler.at(t)[1] / 1024, 1) for t in range(0, int(seconds) + 1, 10) if t <= end[0]],
        "threads_max": max(s[2] for s in during), "exit_seconds": round(exit_seconds, 2), "stderr_lines": len(err.splitlines()),
    }
    print(f"soak: {clients} clients, {seconds:g} s: {results['requests']} requests ({results['requests_per_second']}/s), "
          f"p50 {results['p50_ms']} ms, p99 {results['p99_ms']} ms, max {results['max_ms']} ms, unexpected {len(bad)}; "
          f"RSS {results['rss_start_mib']} MiB at the start, {results['rss_5s_mib']} at 5 s, {results['rss_end_mib']} at the end "
          f"({results['rss_end_over_5s']}x), every 10 s {results['rss_every_10s_mib']}")
    return results


class Slowloris(threading.Thread):
    """``n`` connections, each sending a request head a byte at a time, reopened when dropped."""

    def __init__(self, host: str, port: int, n: int):
        super().__init__(daemon=True)
        self.host, self.port, self.n = host, port, n
        self.stop = threading.Event()
        self.opened = self.refused = 0
        self.open_counts: list[int] = []  # connections open, once a second
        self.sel = selectors.DefaultSelector()
        self.next_byte: dict[socket.socket, float] = {}  # when each connection sends its next byte
        self.opened_at: dict[socket.socket, float] = {}
        self.drop_ages: list[float] = []  # seconds from opening to the server's dropping it
        self.head_sent: set[socket.socket] = set()

    def open_one(self, first_byte_at: float) -> None:
        s = socket.socket()
        s.setblocking(False)
        code = s.connect_ex((self.host, self.port))
        if code not in (0, errno.EINPROGRESS):
            s.close()
            self.refused += 1
            return
        self.sel.register(s, selectors.EVENT_READ)
        self.next_byte[s] = first_byte_at
        self.opened_at[s] = time.monotonic()
        self.opened += 1

    def close_one(self, s: socket.socket) -> None:
        self.sel.unregister(s)
        del self.next_byte[s]
        del self.opened_at[s]
        self.head_sent.discard(s)
        s.close()

    def run(self) -> None:
        now = time.monotonic()
        for i in range(self.n):  # the first bytes spread over SLOW_EVERY
            self.open_one(now + SLOW_EVERY * i / self.n)
        counted = now
        while not self.stop.is_set():
            for key, _ in self.sel.select(0.05):  # readable: the server closed it (or answered)
                s = key.fileobj
                try:
                    gone = not s.recv(65536)
                except OSError:
                    gone = True
                if gone:
                    self.drop_ages.append(time.monotonic() - self.opened_at[s])
                    self.close_one(s)
                    self.open_one(time.monotonic())
            now = time.monotonic()
            for s, due in list(self.next_byte.items()):
                if due > now:
                    continue
                try:
                    s.send(b"a" if s in self.head_sent else SLOW_HEAD + b"X-Slow: ")
                except OSError:
                    continue  # not connected yet (tried again next round), or closed (the selector tells)
                self.head_sent.add(s)
                self.next_byte[s] = now + SLOW_EVERY
            if now - counted >= 1.0:
                self.open_counts.append(len(self.next_byte))
                counted = now
        for s in list(self.next_byte):
            self.close_one(s)


def slowloris(schemas: Path, n: int, seconds: float) -> dict:
    server, url = start_server(schemas)
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    try:
        session, _ = session_and_vm(url)
        rss_idle = status_of(server.pid)
        loris = Slowloris(host, int(port), n)
        loris.start()
        http = requests.Session()
        headers = {"Authorization": f"OAuth {session}"}
        latencies, bad, peak = [], [], {"VmRSS": 0, "Threads": 0}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                r = http.get(f"{url}/v1/vm-instances", params={"limit": "1"}, headers=headers, timeout=30)
                if r.status_code != 200:
                    bad.append(str(r.status_code))
            except requests.RequestException as exc:
                bad.append(type(exc).__name__)
            latencies.append(time.perf_counter() - t)
            now = status_of(server.pid)
            peak = {k: max(peak[k], now.get(k, 0)) for k in peak}
            time.sleep(0.05)
        open_now, opened, ages = len(loris.next_byte), loris.opened, sorted(loris.drop_ages)
        exit_seconds, err = stop_server(server)  # with the slow connections still open
        loris.stop.set()
        loris.join()
    finally:
        if server.poll() is None:
            server.kill()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    results = {
        "slow_connections": n, "seconds": seconds, "requests": len(latencies), "p50_ms": round(q[49] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1), "over_1s": sum(x >= 1.0 for x in latencies),
        "unexpected": len(bad), "slow_opened": opened, "slow_refused": loris.refused, "slow_dropped_by_server": len(ages),
        "slow_dropped_after_s": [round(ages[0], 1), round(statistics.median(ages), 1), round(ages[-1], 1)] if ages else [],
        "slow_open_min_max": [min(loris.open_counts[5:] or [0]), max(loris.open_counts or [0])], "slow_open_at_stop": open_now,
        "server_threads_max": peak["Threads"], "rss_idle_mib": round(rss_idle.get("VmRSS", 0) / 1024, 1),
        "rss_max_mib": round(peak["VmRSS"] / 1024, 1), "exit_seconds": round(exit_seconds, 2), "stderr_lines": len(err.splitlines()),
    }
    print(f"slowloris: {n} slow connections, {seconds:g} s: {len(latencies)} timed requests, p50 {results['p50_ms']} ms, "
          f"p99 {results['p99_ms']} ms, max {results['max_ms']} ms, {results['over_1s']} over 1 s, unexpected {len(bad)}; "
          f"{opened} slow connections opened, {len(ages)} dropped by the server (after {results['slow_dropped_after_s']} s: "
          f"least, median, most); server threads up to "
          f"{peak['Threads']}, RSS {results['rss_idle_mib']} -> {results['rss_max_mib']} MiB; exit on SIGTERM in {results['exit_seconds']} s")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--slow-seconds", type=float, default=45.0)
    ap.add_argument("--skip", choices=("soak", "slowloris"), help="leave one part out")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    limits = raise_open_files()
    compile_package()
    results: dict = {"machine": machine(), "open_files_limit": list(limits)}
    with tempfile.TemporaryDirectory() as tmp:
        schemas = derive_schemas(Path(tmp))
        if args.skip != "soak":
            results["soak"] = soak(schemas, args.clients, args.seconds)
        if args.skip != "slowloris":
            results["slowloris"] = slowloris(schemas, args.slow, args.slow_seconds)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
