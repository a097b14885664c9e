"""The validation proxy's cost: the same clients to the simulator directly and through
``zstack-contract proxy`` (its checks running), and the proxy's memory over a longer session.

    .venv/bin/python benchmarks/proxy_overhead.py [--clients 50] [--seconds 10] [--repeat 2] [--soak 60]

The simulator (``zstack-contract serve --schemas``, the test pages' schemas) and the proxy run in
processes of their own; the clients are those of ``simulator_load.py`` (a query, a synchronous
read, an action answered 202 and one poll of its job). The two ways alternate, ``--repeat`` times
each. Prints requests per second and the median and 99th percentile latency of each way, the
ratio of the rates and the median added; the median latency of one client alone, each way (what
the proxy adds to a request when nothing waits for a core); then the proxy's resident memory at
5 s and at the end of a ``--soak`` second session.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, compile_package, exe, machine  # noqa: E402
from simulator_load import derive_schemas, run_clients, session_and_vm  # noqa: E402


def start(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([exe("zstack-contract"), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(url: str, clients: int, seconds: float) -> dict:
    session, vm = session_and_vm(url)
    latencies, bad = run_clients(url, session, vm, clients, 5, seconds, time.time() + 1.0)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"rate": len(latencies) / seconds, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "unexpected": len(bad)}


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
                r = one(url, clients, seconds)
                results["runs"][name].append(r)
                print(f"{name:>6}: {r['rate']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, unexpected {r['unexpected']}", flush=True)
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
            _lat, bad = run_clients(through, session, vm, clients, 5, soak, started)
            sampler.join()
            at5 = next(m for t, m in samples if t >= 5)
            results["soak"] = {"seconds": soak, "rss_at_5s_mib": round(at5, 1), "rss_end_mib": round(samples[-1][1], 1),
                               "ratio": round(samples[-1][1] / at5, 3), "unexpected": len(bad)}
            print(f"soak {soak:g} s through the proxy: RSS {at5:.1f} MiB at 5 s, {samples[-1][1]:.1f} at the end "
                  f"({results['soak']['ratio']}x), unexpected {len(bad)}", flush=True)
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
