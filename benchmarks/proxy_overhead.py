"""The validation proxy's cost: the same clients to the simulator directly and through
``zstack-contract proxy`` (its checks running), and the proxy's memory over a longer session.

    .venv/bin/python benchmarks/proxy_overhead.py [--clients 50] [--seconds 10] [--repeat 2] [--soak 60]

The simulator (``zstack-contract serve --schemas``, the test pages' schemas) and the proxy run in
processes of their own; the clients are those of ``simulator_load.py`` (a query, a synchronous
read, an action answered 202 and one poll of its job). The two ways alternate, ``--repeat`` times
each. Prints requests per second and the median and 99th percentile latency of each way, the
ratio of the rates and the median added, and the proxy's CPU time per request (read from
``/proc``: what it costs whatever else the machine runs); the median latency of one client alone, each way (what
the proxy adds to a request when nothing waits for a core); then the proxy's resident memory at
5 s and at the end of a ``--soak`` second session in which, beside the clients, 1 000 distinct
sessions log in, query once and log out through it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, compile_package, exe, machine  # noqa: E402
from simulator_load import derive_schemas, run_clients, session_and_vm  # noqa: E402

from zstack_contract.facts.ids import password_hash

SESSIONS = 1000  # distinct sessions logged in and out through the proxy during the soak


def start(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([exe("zstack-contract"), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one(url: str, clients: int, seconds: float, proxy_pid: int | None = None) -> dict:
    session, vm = session_and_vm(url)
    cpu = cpu_seconds(proxy_pid) if proxy_pid else 0.0
    latencies, bad = run_clients(url, session, vm, clients, 5, seconds, time.time() + 1.0)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    out = {"rate": len(latencies) / seconds, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "unexpected": len(bad)}
    if proxy_pid:  # what the proxy costs a request whatever else the machine runs
        out["proxy_cpu_us"] = (cpu_seconds(proxy_pid) - cpu) / len(latencies) * 1e6
    return out


def logins(url: str, count: int, seconds: float) -> int:
    """``count`` log-ins through ``url`` spread over ``seconds`` (each a distinct session the proxy
    sees pass, then uses once and logs out); how many succeeded."""
    import requests

    http = requests.Session()
    http.trust_env = False
    body = {"logInByAccount": {"accountName": "admin", "password": password_hash("password")}}
    done = 0
    started = time.time()
    for n in range(count):
        time.sleep(max(0.0, started + seconds * n / count - time.time()))
        session = http.put(f"{url}/v1/accounts/login", json=body, timeout=30).json()["inventory"]["uuid"]
        auth = {"Authorization": f"OAuth {session}"}
        http.get(f"{url}/v1/vm-instances", params={"limit": "1"}, headers=auth, timeout=30)
        done += http.delete(f"{url}/v1/accounts/sessions/{session}", headers=auth, timeout=30).status_code < 300
    return done


def alone(url: str, n: int = 500) -> float:
    """The median latency (ms) of a query, one client, one request at a time."""
    import requests

    session, _vm = session_and_vm(url)
    http = requests.Session()
    http.trust_env = False
    headers = {"Authorization": f"OAuth {session}"}
    times = []
    for _ in range(n):
        t = time.perf_counter()
        http.get(f"{url}/v1/vm-instances", params={"limit": "1"}, headers=headers)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(clients: int, seconds: float, repeat: int, soak: float, work: Path) -> dict:
    compile_package()
    schemas = derive_schemas(work)
    server, direct = start(["serve", "--port", "0", "--schemas", str(schemas)])
    proxy, through = start(["proxy", "--target", direct, "--listen", "127.0.0.1:0", "--schemas", str(schemas), "--report", str(work / "r")])
    results: dict = {"machine": machine(), "clients": clients, "seconds": seconds, "runs": {"direct": [], "proxy": []}}
    try:
        for _ in range(repeat):
            for name, url in (("direct", direct), ("proxy", through)):
                r = one(url, clients, seconds, proxy.pid if name == "proxy" else None)
                results["runs"][name].append(r)
                cpu = f", the proxy's CPU {r['proxy_cpu_us']:.0f} us a request" if "proxy_cpu_us" in r else ""
                print(f"{name:>6}: {r['rate']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, unexpected {r['unexpected']}{cpu}",
                      flush=True)
        med = {name: {k: statistics.median(run[k] for run in runs) for k in ("rate", "p50_ms", "p99_ms")} for name, runs in results["runs"].items()}
        results["median"] = med
        results["rate_ratio"] = round(med["proxy"]["rate"] / med["direct"]["rate"], 3)
        results["added_p50_ms"] = round(med["proxy"]["p50_ms"] - med["direct"]["p50_ms"], 2)
        print(f"through the proxy: {results['rate_ratio']}x the rate, {results['added_p50_ms']} ms added to the median", flush=True)
        single = {name: statistics.median(alone(url) for _ in range(3)) for name, url in (("direct", direct), ("proxy", through))}
        results["alone_p50_ms"] = {k: round(v, 2) for k, v in single.items()}
        print(f"one client alone: {single['direct']:.2f} ms direct, {single['proxy']:.2f} ms through the proxy "
              f"({single['proxy'] - single['direct']:.2f} ms added)", flush=True)
        if soak:
            session, vm = session_and_vm(through)
            started = time.time() + 1.0
            import threading

            samples = []

            def sample() -> None:
                while time.time() < started + soak + 0.5:
                    samples.append((time.time() - started, rss_mib(proxy.pid)))
                    time.sleep(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            sessions: list[int] = []
            login_thread = threading.Thread(target=lambda: sessions.append(logins(through, SESSIONS, soak - 1)), daemon=True)
            login_thread.start()
            _lat, bad = run_clients(through, session, vm, clients, 5, soak, started)
            sampler.join()
            login_thread.join()
            at5 = next(m for t, m in samples if t >= 5)
            results["soak"] = {"seconds": soak, "rss_at_5s_mib": round(at5, 1), "rss_end_mib": round(samples[-1][1], 1),
                               "ratio": round(samples[-1][1] / at5, 3), "unexpected": len(bad), "sessions": sessions[0] if sessions else 0}
            print(f"soak {soak:g} s through the proxy, {results['soak']['sessions']} distinct sessions logged in and out: "
                  f"RSS {at5:.1f} MiB at 5 s, {samples[-1][1]:.1f} at the end ({results['soak']['ratio']}x), unexpected {len(bad)}", flush=True)
    finally:
        for proc in (proxy, server):
            proc.terminate()
            proc.communicate(timeout=60)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--soak", type=float, default=60.0)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.clients, args.seconds, args.repeat, args.soak, Path(tmp))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
