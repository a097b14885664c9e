"""Deriving a folder of reference pages: ``zstack-contract derive FOLDER --out DIR``, start-up included.

    .venv/bin/python benchmarks/pages.py [--sizes 100,1000] [--repeat 3] [--work /tmp/zstack-contract-pages] [--json FILE]

The pages are generated from the project's own test pages (``tests/pages``, English and Chinese,
every kind: action, create, delete, get, query, and pages that disagree with themselves): page
``n`` is a copy of one of them whose API is renamed ``<Api>N<n>`` (title, SDK sample, action key
and body structures), so every page is an API of its own. Each run is a new process; it prints
the seconds (median of ``--repeat``), pages per second and the peak memory at each size, and the
ratio of the peak memory at the largest size to that at the smallest (flat: about 1).
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

TEMPLATES = sorted((ROOT / "tests" / "pages").rglob("*.txt"))
_TITLE_API = re.compile(r"[(（]\s*([A-Z][A-Za-z0-9]*)\s*[)）]\s*$")
_SDK = re.compile(r"\b([A-Z][A-Za-z0-9]*)Action\b")


def api_of(text: str) -> str:
    """The API a template describes: its SDK sample names it on every test page."""
    return _SDK.search(text).group(1)


_URL_LINE = re.compile(r"^(GET|POST|DELETE) zstack/v1/([a-z0-9-]+)", re.M)


def write_pages(n: int, folder: Path, templates: list[Path] = TEMPLATES, own_paths: bool = False) -> None:
    """``n`` pages under ``folder``, 100 a subfolder (derive searches folders recursively).
    ``own_paths``: each page that is not a PUT gets a collection of its own
    (``/v1/vm-instances-n7/...``), so no two pages share a method and path, as on a node."""
    texts = [t.read_text(encoding="utf-8") for t in templates]
    for i in range(n):
        text = texts[i % len(texts)]
        api = api_of(text)
        new = f"{api}N{i}"
        key, new_key = api[:1].lower() + api[1:], new[:1].lower() + new[1:]
        out = re.sub(rf"\b{api}\b", new, text)  # titles, plain ones and in brackets
        out = re.sub(rf"\b{api}Action\b", f"{new}Action", out)  # the SDK samples
        # the action key: body samples, 'contained in the X structure' (in Chinese, between letters \b does not see)
        out = re.sub(rf"(?<![A-Za-z0-9]){key}(?![A-Za-z0-9])", new_key, out)
        if own_paths:
            m = _URL_LINE.search(out)
            if m:
                out = re.sub(rf"(zstack/v1/){m.group(2)}\b", rf"\g<1>{m.group(2)}-n{i}", out)
        target = folder / f"{i // 100:03d}" / f"{new}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(out, encoding="utf-8")


def measure(sizes: list[int], repeat: int, work: Path) -> dict:
    compile_package()
    results: dict = {"machine": machine(), "templates": len(TEMPLATES), "sizes": {}}
    for n in sizes:
        folder = work / f"pages-{n}"
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            write_pages(n, folder)
            (folder / "done").write_text("")
        out = work / f"schemas-{n}"
        seconds, peaks = [], []
        for _ in range(repeat):
            shutil.rmtree(out, ignore_errors=True)
            r = run([exe("zstack-contract"), "derive", "-q", str(folder), "--out", str(out)])
            assert r.returncode == 0, r.stderr[-2000:]
            summary = r.stdout.strip().splitlines()[-1]
            assert summary.startswith(f"| {n} | {n} |"), summary  # every page derived, each an API of its own
            seconds.append(r.seconds)
            peaks.append(r.max_rss_kb)
        med = statistics.median(seconds)
        results["sizes"][n] = {"seconds": round(med, 3), "best": round(min(seconds), 3), "pages_per_second": round(n / med),
                               "peak_rss_kb": max(peaks), "files": len(list(out.iterdir()))}
        print(f"{n:>6} pages: {med:.2f} s (best {min(seconds):.2f}), {n / med:.0f} pages/s, peak RSS {max(peaks) / 1024:.1f} MiB", flush=True)
    small, large = min(sizes), max(sizes)
    results["memory_ratio"] = round(results["sizes"][large]["peak_rss_kb"] / results["sizes"][small]["peak_rss_kb"], 3)
    print(f"peak memory, {large} pages against {small}: {results['memory_ratio']}x")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "zstack-contract-pages"))
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = measure([int(s) for s in args.sizes.split(",")], args.repeat, work)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
