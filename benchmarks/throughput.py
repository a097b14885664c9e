"""Throughput (documents per second) and peak memory of recorded-response validation.

    .venv/bin/python benchmarks/throughput.py [--sizes 1000,10000,100000] [--work /tmp/zstack-contract-bench]

On the same bare response bodies (``benchmarks/corpus.py``) and the same response schema, it runs
in turn, each as its own process, start-up included:

- ours: ``zstack-contract validate`` (default ``--jobs``, the number of cores; and ``--jobs 1``);
- check-jsonschema ``--schemafile`` over the files (in batches that fit a command line);
- python-jsonschema with one validator reused for every file (stdlib json, one process);
- the floor: orjson parsing plus jsonschema-rs ``is_valid``, one process, nothing else.

Every file is read once just before each timed run, so every tool finds them in the page cache.
Timed runs are not watched; the memory of ours comes from one more run, whose process tree is
sampled from /proc (which costs the watched processes time).
Ours and the floor run ``--repeat`` times (median shown), the slow tools as often below 100 000
documents and once at 100 000. It prints seconds, documents/s and the ratios (ours against check-jsonschema and against the
floor), the peak memory of ours, and checks that every tool rejected the same files. The corpus
is written once under ``--work`` and reused; ``--json FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus  # noqa: E402
from measure import ROOT, compile_package, exe, machine, run  # noqa: E402

SCHEMA = ROOT / "schemas" / "ReimageVmInstance.response.json"


def corpus(work: Path, n: int) -> Path:
    """``n`` bare bodies under ``work`` (written once: later runs reuse them)."""
    folder = work / f"bodies-{n}"
    stamp = folder / "corpus.done"
    if not stamp.exists():
        print(f"writing {n} bodies to {folder} ...", flush=True)
        kinds = write_corpus(n, folder, "bodies")
        stamp.write_text(json.dumps(dict(sorted(kinds.items()))))
    return folder


def folders_for(root: Path, n: int) -> list[str]:
    """The first ``n`` files of a corpus: its first n/1000 folders (1000 files each)."""
    return [f"{i:03d}" for i in range((n + 999) // 1000)]


def files_in(root: Path, folders: list[str]) -> list[str]:
    return [f"{d}/{name}" for d in folders for name in sorted(os.listdir(root / d)) if name.endswith(".json")]


def warm(root: Path, files: list[str]) -> None:
    """Read every file once, so each tool finds them in the page cache (the kernel here reclaims
    pages that were not touched for a while)."""
    for f in files:
        with open(root / f, "rb") as fh:
            fh.read()


# --- the tools -------------------------------------------------------------------------------------
def ours(root: Path, folders: list[str], report: Path, jobs: int | None = None, sample_memory: bool = False) -> dict:
    cmd = [exe("zstack-contract"), "validate", "--schemas", str(SCHEMA.parent), "--report", str(report), *folders]
    if jobs:
        cmd[2:2] = ["--jobs", str(jobs)]
    r = run(cmd, cwd=root, sample_every=0.005 if sample_memory else None)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    doc = json.loads((report / "zstack-contract.json").read_text())
    rejected = {f["file"] for f in doc["findings"] if f["check"] == "response-schema"}
    return {"seconds": r.seconds, "cpu_seconds": round(r.cpu_seconds, 3), "max_rss_kb": r.max_rss_kb, "tree_peak_kb": r.tree_peak_kb,
            "documents": doc["summary"]["documents"], "rejected": sorted(rejected)}


def check_jsonschema(root: Path, files: list[str]) -> dict:
    """check-jsonschema over the files, in as few command lines as the system allows."""
    limit = max(64 * 1024, os.sysconf("SC_ARG_MAX") // 2 - 64 * 1024)
    batches, batch, size = [], [], 0
    for f in files:
        if batch and size + len(f) + 1 > limit:
            batches.append(batch)
            batch, size = [], 0
        batch.append(f)
        size += len(f) + 1
    batches.append(batch)
    seconds, rejected = 0.0, set()
    for b in batches:
        r = run([exe("check-jsonschema"), "--schemafile", str(SCHEMA), "-o", "json", *b], cwd=root)
        assert r.returncode in (0, 1), r.stderr[-2000:]
        seconds += r.seconds
        out = json.loads(r.stdout)
        rejected.update(e["filename"] for e in out.get("errors", []))
        assert not out.get("parse_errors"), out["parse_errors"][:3]
    return {"seconds": seconds, "batches": len(batches), "rejected": sorted(rejected)}


def child(kind: str, root: Path, folders: list[str]) -> dict:
    """python-jsonschema or the floor, in a fresh process of its own."""
    r = run([sys.executable, __file__, "--child", kind, "--root", str(root), *folders])
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    out["seconds"], out["cpu_seconds"] = r.seconds, round(r.cpu_seconds, 3)
    return out


def _child_main(kind: str, root: Path, folders: list[str]) -> None:
    started = time.perf_counter()
    schema = json.loads(SCHEMA.read_text())
    files = files_in(root, folders)
    rejected = []
    if kind == "floor":
        import jsonschema_rs
        import orjson

        validator = jsonschema_rs.Draft202012Validator(schema)
        for f in files:
            fd = os.open(root / f, os.O_RDONLY)
            try:
                raw = os.read(fd, os.fstat(fd).st_size + 1)
            finally:
                os.close(fd)
            if not validator.is_valid(orjson.loads(raw)):
                rejected.append(f)
    else:
        import jsonschema

        validator = jsonschema.Draft202012Validator(schema)
        for f in files:
            with open(root / f, "rb") as fh:
                if not validator.is_valid(json.loads(fh.read())):
                    rejected.append(f)
    print(json.dumps({"rejected": rejected, "in_process_seconds": time.perf_counter() - started}))


# --- the report ----------------------------------------------------------------------------------
def median_of(times: int, measure_once) -> dict:
    """The run with the median time of ``times`` runs; memory is the worst of them all."""
    runs = sorted((measure_once() for _ in range(times)), key=lambda r: r["seconds"])
    mid = dict(runs[len(runs) // 2])
    mid["runs"] = times
    mid["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    if "max_rss_kb" in mid:
        mid["max_rss_kb"] = max(r["max_rss_kb"] for r in runs)
    return mid


def measure(work: Path, sizes: list[int], repeat: int = 3) -> dict:
    root = corpus(work, max(sizes))
    results = {"machine": machine(), "corpus": json.loads((root / "corpus.done").read_text()), "sizes": {}}
    for n in sizes:
        folders = folders_for(root, n)
        files = files_in(root, folders)
        assert len(files) == n, (len(files), n)
        print(f"\n== {n} documents ==", flush=True)
        slow_repeat = 1 if n >= 100_000 else repeat

        def warmed(measure_once):
            return lambda: (warm(root, files), measure_once())[1]

        row = {
            "ours": median_of(repeat, warmed(lambda: ours(root, folders, work / "report-default"))),
            "ours_memory": warmed(lambda: ours(root, folders, work / "report-memory", sample_memory=True))(),
            "ours_jobs1": median_of(1, warmed(lambda: ours(root, folders, work / "report-jobs1", jobs=1))),
            "floor": median_of(repeat, warmed(lambda: child("floor", root, folders))),
            "python_jsonschema": median_of(slow_repeat, warmed(lambda: child("python", root, folders))),
            "check_jsonschema": median_of(slow_repeat, warmed(lambda: check_jsonschema(root, files))),
        }
        agree = len({tuple(r.pop("rejected")) for r in row.values()}) == 1
        row["all_rejected_the_same_files"] = agree
        for name, r in row.items():
            if isinstance(r, dict):
                r["docs_per_second"] = round(n / r["seconds"])
        row["ours_vs_check_jsonschema"] = round(row["check_jsonschema"]["seconds"] / row["ours"]["seconds"], 2)
        row["ours_vs_floor"] = round(row["floor"]["seconds"] / row["ours"]["seconds"], 2)
        row["jobs1_vs_floor"] = round(row["floor"]["seconds"] / row["ours_jobs1"]["seconds"], 2)
        results["sizes"][n] = row
        print_row(n, row)
    mem = {n: results["sizes"][n]["ours_memory"] for n in sizes if n in (10_000, 100_000)}
    if len(mem) == 2:
        results["memory_ratio_100k_vs_10k"] = {
            "largest_process": round(mem[100_000]["max_rss_kb"] / mem[10_000]["max_rss_kb"], 3),
            "process_tree": round(mem[100_000]["tree_peak_kb"] / mem[10_000]["tree_peak_kb"], 3),
        }
        print(f"\npeak memory of ours, 100k vs 10k: {results['memory_ratio_100k_vs_10k']} (goal: within 1.2)")
    results["machine_after"] = machine()["load_average"]
    return results


def print_row(n: int, row: dict) -> None:
    names = {"ours": "zstack-contract (default --jobs)", "ours_jobs1": "zstack-contract --jobs 1", "floor": "floor: orjson + jsonschema-rs",
             "python_jsonschema": "python-jsonschema, reused validator", "check_jsonschema": "check-jsonschema",
             "ours_memory": "zstack-contract, memory run"}
    for key, label in names.items():
        r = row[key]
        extra = f"  peak RSS {r['max_rss_kb'] / 1024:.0f} MiB (largest process)" if key.startswith("ours") else ""
        if key == "ours_memory":
            extra += f", {r['tree_peak_kb'] / 1024:.0f} MiB (all processes, PSS)"
        cpu = f"  (CPU {r['cpu_seconds']:.2f} s)" if "cpu_seconds" in r else ""
        print(f"  {label:38s} {r['seconds']:8.2f} s  {r['docs_per_second']:9d} docs/s{cpu}{extra}")
    print(f"  ours vs check-jsonschema: {row['ours_vs_check_jsonschema']}x faster;  ours vs floor: {row['ours_vs_floor']} of its throughput"
          f" (--jobs 1: {row['jobs1_vs_floor']});  same files rejected by all: {row['all_rejected_the_same_files']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="document counts (multiples of 1000)")
    p.add_argument("--work", type=Path, default=Path("/tmp/zstack-contract-bench"), help="where the corpus and reports go")
    p.add_argument("--repeat", type=int, default=3, help="runs of ours and the floor (median reported); the slow tools run this often below 100 000 documents, once at 100 000")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("folders", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child_main(args.child, args.root, args.folders)
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    compile_package()
    print(json.dumps(machine()))
    results = measure(args.work, sizes, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
