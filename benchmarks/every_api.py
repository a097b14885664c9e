"""The generated live suite for many derived APIs against the embedded simulator:
``pytest contract_tests/test_api.py --zstack-schemas DIR``, serial and with ``-n 2``.

    .venv/bin/python benchmarks/every_api.py [--apis 100] [--repeat 3] [--work /tmp/zstack-contract-every-api]

The pages are the project's test pages of every kind, copied and renamed as in ``pages.py`` (each
copy an API of its own, with a collection of its own where it is not a PUT, so that no two share a
method and path); SetVmQga is left out (its table names a structure no node reads, so its cases
fail by design). Prints, for each way, the median and best wall time, and the outcome line.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, compile_package, exe, machine, run  # noqa: E402
from pages import TEMPLATES, write_pages  # noqa: E402

WAYS = {"serial": ["-p", "no:xdist"], "-n 2": ["-n", "2"]}


def prepare(apis: int, work: Path) -> Path:
    pages, schemas = work / f"pages-{apis}", work / f"schemas-{apis}"
    shutil.rmtree(pages, ignore_errors=True)
    shutil.rmtree(schemas, ignore_errors=True)
    write_pages(apis, pages, [t for t in TEMPLATES if t.stem != "SetVmQga"], own_paths=True)
    r = run([exe("zstack-contract"), "derive", "-q", str(pages), "--out", str(schemas)], cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1].startswith(f"| {apis} | {apis} |"), r.stdout[-2000:] + r.stderr
    return schemas


def measure(apis: int, repeat: int, work: Path) -> dict:
    compile_package()
    schemas = prepare(apis, work)
    results: dict = {"machine": machine(), "apis": apis, "ways": {}}
    for name, extra in WAYS.items():
        times, outcome = [], ""
        for n in range(repeat):
            r = run([sys.executable, "-m", "pytest", "contract_tests/test_api.py", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                     "--zstack-schemas", str(schemas), "--zstack-report", str(work / f"report-{n}"), *extra], cwd=ROOT)
            assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
            times.append(r.seconds)
            outcome = next((ln for ln in reversed(r.stdout.splitlines()) if re.search(r"\d+ passed", ln)), "")
        results["ways"][name] = {"seconds_median": round(statistics.median(times), 2), "seconds_best": round(min(times), 2),
                                 "outcome": outcome.strip("= ")}
        w = results["ways"][name]
        print(f"{name:>7}: {w['seconds_median']:.2f} s (best {w['seconds_best']:.2f}); {w['outcome']}", flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apis", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "zstack-contract-every-api"))
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = measure(args.apis, args.repeat, work)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
