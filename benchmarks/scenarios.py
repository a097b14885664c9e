"""Wall time of the positive cases (``test_api[<Api>-success]``) and the stateful scenarios of the
whole shipped contract on the embedded simulator, with ``-n 2`` and the plugin's default examples
and steps (issue 28's bar: under 120 s).

    .venv/bin/python benchmarks/scenarios.py [--repeat 3] [--only scenarios|success] [--json FILE]

Each run is a fresh ``python -m pytest contract_tests/test_api.py contract_tests/test_scenarios.py
-k "success or test_scenario" -n 2 -q -p no:cacheprovider`` in the project root (reports to a
temporary folder); prints the median and best wall time, the
load average before and after (the machine is shared) and the outcome line pytest printed, so a
faster run that tested less would show.
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

from measure import compile_package, machine, pytest_run  # noqa: E402

SELECTIONS = {
    "both": ["contract_tests/test_api.py", "contract_tests/test_scenarios.py", "-k", "success or test_scenario"],
    "success": ["contract_tests/test_api.py", "-k", "success"],
    "scenarios": ["contract_tests/test_scenarios.py"],
}


def measure(repeat: int, only: str = "both") -> dict:
    times, outcome, loads = [], "", []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(repeat):
            before = os.getloadavg()[0]
            r, outcome = pytest_run([*SELECTIONS[only], "-n", "2"], Path(tmp) / str(n))
            times.append(r.seconds)
            loads.append((round(before, 2), round(os.getloadavg()[0], 2)))
    results = {"machine": machine(), "seconds_median": round(statistics.median(times), 2), "seconds_best": round(min(times), 2),
               "runs": repeat, "selection": only, "load_before_after": loads, "outcome": outcome}
    print(f"{only} of the whole contract, -n 2: median {results['seconds_median']:.2f} s, best {results['seconds_best']:.2f} s "
          f"({outcome}); load average before/after each run: {loads}")
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", choices=sorted(SELECTIONS), default="both", help="time one of the two alone (default: both in one run)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    compile_package()
    results = measure(args.repeat, args.only)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
