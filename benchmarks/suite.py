"""Wall time of ``pytest contract_tests`` against the embedded simulator, serial and with ``-n 2``.

    .venv/bin/python benchmarks/suite.py [--repeat 3]

Each run is a fresh ``python -m pytest contract_tests -q -p no:cacheprovider`` in the project root
(reports to a temporary folder); prints the median and best wall time of each way and the outcome
line pytest printed, so a faster run that tested less would show.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import compile_package, machine, pytest_run  # noqa: E402

WAYS = {"serial": [], "-n 2": ["-n", "2"]}


def measure(repeat: int) -> dict:
    results: dict = {"machine": machine(), "ways": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in WAYS.items():
            times, outcome = [], ""
            for n in range(repeat):
                r, outcome = pytest_run(["contract_tests", *extra], Path(tmp) / f"{name}-{n}")
                times.append(r.seconds)
            results["ways"][name] = {"seconds_median": round(statistics.median(times), 2), "seconds_best": round(min(times), 2),
                                     "runs": repeat, "outcome": outcome}
            w = results["ways"][name]
            print(f"pytest contract_tests {name:7s} median {w['seconds_median']:6.2f} s, best {w['seconds_best']:6.2f} s  ({w['outcome']})", flush=True)
    s, p = results["ways"]["serial"], results["ways"]["-n 2"]
    results["speedup"] = round(s["seconds_median"] / p["seconds_median"], 2)
    print(f"-n 2 vs serial: {results['speedup']}x")
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    compile_package()
    results = measure(args.repeat)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
