"""The simulator under load: requests per second and latency with many concurrent clients.

    .venv/bin/python benchmarks/simulator_load.py [--clients 50] [--seconds 10] [--processes 5]

Starts ``zstack-contract serve --schemas DIR`` (the test pages' schemas) in a process of its own,
then ``--clients`` clients, spread over ``--processes`` processes (threads in each, so the clients'
own Python does not cap the rate), each on a kept-alive connection of its own, for ``--seconds``.
Each client repeats a mix of what a suite sends: a query (``limit=1``), a synchronous read of a
VM, an action on a VM that does not exist (answered 202) and the poll of its job. Prints requests
per second, the 50th/99th percentile and the largest latency, and any answer of an unexpected status.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
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
from zstack_contract.facts.ids import password_hash  # noqa: E402


def client_process(url: str, session: str, vm: str, threads: int, seconds: float, start_at: float, out) -> None:
    latencies: list[float] = []
    bad: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        http = requests.Session()
        headers = {"Authorization": f"OAuth {session}"}
        mine, wrong = [], []
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        n = 0
        while time.time() < deadline:
            n += 1
            steps = [("GET", f"{url}/v1/vm-instances", {"params": {"limit": "1"}}, 200),
                     ("GET", f"{url}/v1/vm-instances/{vm}/boot-orders", {}, 200),
                     ("PUT", f"{url}/v1/vm-instances/{'%032x' % n}/actions", {"json": {"stopVmInstance": {}}}, 202)]
            for method, target, kwargs, status in steps:
                t = time.perf_counter()
                r = http.request(method, target, headers=headers, timeout=10, **kwargs)
                mine.append(time.perf_counter() - t)
                if r.status_code != status:
                    wrong.append(f"{method} {status}: {r.status_code}")
                if status == 202:
                    t = time.perf_counter()
                    job = http.get(r.json()["location"], headers=headers, timeout=10)
                    mine.append(time.perf_counter() - t)
                    if job.status_code not in (202, 503):
                        wrong.append(f"job: {job.status_code}")
        with lock:
            latencies.extend(mine)
            bad.extend(wrong)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, bad))


def session_and_vm(url: str) -> tuple[str, str]:
    """A session of the simulator's account, and a VM of its data set."""
    login = requests.put(f"{url}/v1/accounts/login", json={"logInByAccount": {"accountName": "admin", "password": password_hash("password")}})
    session = login.json()["inventory"]["uuid"]
    vm = requests.get(f"{url}/v1/vm-instances", params={"limit": "1"}, headers={"Authorization": f"OAuth {session}"}).json()["inventories"][0]["uuid"]
    return session, vm


def run_clients(url: str, session: str, vm: str, clients: int, processes: int, seconds: float, start_at: float) -> tuple[list[float], list[str]]:
    """``clients`` clients over ``processes`` processes from ``start_at`` (a ``time.time()``) for
    ``seconds``: every request's latency, and the unexpected answers."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [multiprocessing.Process(target=client_process, args=(url, session, vm, n, seconds, start_at, queue)) for n in per]
    for p in procs:
        p.start()
    latencies, bad = [], []
    for _ in procs:
        lat, wrong = queue.get()
        latencies += lat
        bad += wrong
    for p in procs:
        p.join()
    return latencies, bad


def derive_schemas(work: Path) -> Path:
    out = work / "schemas"
    r = subprocess.run([exe("zstack-contract"), "derive", "-q", "tests/pages", "docs/api", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def measure(clients: int, seconds: float, processes: int, work: Path) -> dict:
    compile_package()
    schemas = derive_schemas(work)
    server = subprocess.Popen([exe("zstack-contract"), "serve", "--port", "0", "--schemas", str(schemas)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        session, vm = session_and_vm(url)
        latencies, bad = run_clients(url, session, vm, clients, processes, seconds, time.time() + 1.0)
    finally:
        server.terminate()
        server.communicate(timeout=10)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    results = {"machine": machine(), "clients": clients, "processes": processes, "seconds": seconds, "requests": len(latencies),
               "requests_per_second": round(len(latencies) / seconds), "p50_ms": round(q[49] * 1000, 1),
               "p99_ms": round(q[98] * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1), "unexpected": len(bad)}
    print(f"{clients} clients, {seconds:g} s: {results['requests']} requests, {results['requests_per_second']} req/s; "
          f"latency p50 {results['p50_ms']} ms, p99 {results['p99_ms']} ms, max {results['max_ms']} ms; "
          f"unexpected answers: {len(bad)} {sorted(set(bad))[:5]}")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--processes", type=int, default=5)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.clients, args.seconds, args.processes, Path(tmp))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
