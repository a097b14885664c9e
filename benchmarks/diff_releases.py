"""``zstack-contract diff`` of two whole releases: the oldest and the newest shipped (goal: under 5 s
on the machine of RESULTS.md), given by name (the bundles) and as folders of schema files (what
``contracts export`` writes: every file read, checked and held to its bounds).

    .venv/bin/python benchmarks/diff_releases.py [--repeat 3] [--json FILE]

Each run is a fresh process (``python -m zstack_contract.cli diff OLD NEW --json FILE``): start-up,
loading both sides, the comparison and the JSON written, wall time and peak resident set.
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

from measure import ROOT, compile_package, machine, run  # noqa: E402

GOAL_S = 5.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    compile_package()
    sys.path.insert(0, str(ROOT / "src"))
    from zstack_contract.contract.releases import shipped_releases

    releases = shipped_releases()
    oldest, newest = releases[0].name, releases[-1].name
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    results = {"machine": machine(), "oldest": oldest, "newest": newest, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="diff-bench-") as tmp:
        folders = {}
        for name in (oldest, newest):
            folders[name] = str(Path(tmp, name))
            r = run([sys.executable, "-m", "zstack_contract.cli", "contracts", "export", name, "--out", folders[name]], env=env)
            assert r.returncode == 0, r.stderr
        for label, (a, b) in {"release names": (oldest, newest), "schema folders": (folders[oldest], folders[newest])}.items():
            walls, rss, summary = [], [], None
            for _ in range(args.repeat):
                out = Path(tmp, "diff.json")
                r = run([sys.executable, "-m", "zstack_contract.cli", "diff", a, b, "--json", str(out), "-q"], cwd=tmp, env=env)
                assert r.returncode in (0, 1), r.stderr
                walls.append(r.seconds)
                rss.append(r.max_rss_kb)
                summary = json.loads(out.read_text())["summary"]
            results["runs"][label] = {"wall_s": walls, "median_s": statistics.median(walls), "max_rss_mb": max(rss) / 1024,
                                      "changes": summary["changes"], "breaking": summary["breaking"]}
            print(f"{label}: {oldest} -> {newest}: {summary['changes']} changes ({summary['breaking']} breaking); "
                  f"wall {min(walls):.2f}-{max(walls):.2f} s (median {statistics.median(walls):.2f} s, goal < {GOAL_S} s), "
                  f"peak RSS {max(rss) / 1024:.1f} MB")
    results["machine_after"] = machine()
    print(json.dumps({k: results[k] for k in ("machine", "machine_after")}))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["median_s"] < GOAL_S for r in results["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
