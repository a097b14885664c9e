"""The whole API of the newest shipped release, live: what `pytest contract_tests` with no option
costs, and the embedded simulator serving every API.

    .venv/bin/python benchmarks/whole_api.py [--repeat 3] [--json FILE]

- the suite: ``python -m pytest contract_tests -q -n 2`` in the project root with no contract
  chosen (the newest release; ZSTACK_SCHEMAS and ZSTACK_RELEASE removed from the environment),
  wall time of each run and the outcome line pytest printed (goal: under 120 s on 2 cores);
- the simulator: a fresh process loads the newest contract, builds the simulator and starts it
  (goal: under 2 s), then queries every collection once; its peak resident set (goal: under 300 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, compile_package, machine, pytest_run, run  # noqa: E402

SIMULATOR = """
import json, sys, time
import requests
t0 = time.perf_counter()
from zstack_contract.contract.loading import load_contracts
from zstack_contract.simulator import Simulator
contracts = load_contracts()
t1 = time.perf_counter()
sim = Simulator(schemas=contracts).start()
t2 = time.perf_counter()
session = sim.create_session()
answered = 0
with requests.Session() as http:
    for api, collection in contracts.resources.of_query.items():
        r = http.get(sim.base_url + contracts.get(api).routes[0].template, headers={"Authorization": "OAuth " + session}, timeout=60)
        answered += r.status_code == 200
t3 = time.perf_counter()
sim.stop()
print(json.dumps({"apis": len(contracts), "release": contracts.release, "load_s": t1 - t0, "start_s": t2 - t1,
                  "ready_s": t2 - t0, "queries": answered, "queries_s": t3 - t2}))
"""


def suite(repeat: int, env: dict) -> dict:
    times, outcome = [], ""
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(repeat):
            r, outcome = pytest_run(["contract_tests", "-n", "2"], Path(tmp) / str(n), env=env)
            times.append(r.seconds)
            print(f"pytest contract_tests -n 2: {r.seconds:6.1f} s ({outcome})", flush=True)
    return {"seconds": [round(t, 1) for t in times], "seconds_median": round(statistics.median(times), 1), "outcome": outcome}


def simulator(repeat: int, env: dict) -> dict:
    rows = []
    for _ in range(repeat):
        r = run([sys.executable, "-c", SIMULATOR], cwd=ROOT, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        row = json.loads(r.stdout.strip().splitlines()[-1])
        row["max_rss_mb"] = round(r.max_rss_kb / 1024, 1)
        rows.append(row)
        print(f"simulator: {row['apis']} APIs of {row['release']}: loaded in {row['load_s']:.2f} s, started in {row['start_s']:.2f} s "
              f"(ready {row['ready_s']:.2f} s after the start of the process's work), {row['queries']} collections queried in "
              f"{row['queries_s']:.2f} s; peak RSS {row['max_rss_mb']} MB", flush=True)
    med = {k: round(statistics.median(r[k] for r in rows), 2) for k in ("load_s", "start_s", "ready_s", "max_rss_mb")}
    return {"runs": rows, "median": med}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    compile_package()
    env = {k: v for k, v in os.environ.items() if k not in ("ZSTACK_SCHEMAS", "ZSTACK_RELEASE")}
    results = {"machine": machine(), "simulator": simulator(args.repeat, env), "suite": suite(args.repeat, env)}
    print(json.dumps({"simulator": results["simulator"]["median"], "suite": results["suite"]["seconds_median"]}))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
