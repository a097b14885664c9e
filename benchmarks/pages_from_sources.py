"""Every page rendered from a release's doc sources, in both languages, derived in one run and held
to the doc sources: no page may end the run, every page must derive, and agree with its source.

    .venv/bin/python benchmarks/pages_from_sources.py --source DIR [--work /tmp/zstack-contract-pages]

DIR holds a release's ``*Doc_zh_cn.groovy`` files (a ZStack checkout, or them alone: ``git
archive 5.3.0 $(git ls-tree -r --name-only 5.3.0 | grep Doc_zh_cn.groovy$) | tar -x -C DIR``; the
tree is not part of this project). The pages are rendered by ``tests/rendering.py`` (Chinese and
English layouts) into the work folder, then ``zstack-contract derive -q --source DIR PAGES --out
OUT`` derives the sources first and each page after, comparing it with its source. Prints the
summary tables, the wall time and peak memory of the derive run, and counts of its error lines:
internal errors, disagreements with the source, other unusable inputs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from measure import ROOT, compile_package, exe, machine, run  # noqa: E402
from rendering import render_tree  # noqa: E402  (the project's page renderer, written for its tests)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", required=True, type=Path, help="a folder of a release's doc sources")
    p.add_argument("--work", type=Path, default=Path("/tmp/zstack-contract-pages"))
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    compile_package()
    shutil.rmtree(args.work, ignore_errors=True)
    pages = render_tree(str(args.source), args.work / "pages")
    by_language = Counter(page.parent.name for page in pages)
    print(f"rendered {len(pages)} pages ({', '.join(f'{n} {lang}' for lang, n in sorted(by_language.items()))})", flush=True)
    r = run([exe("zstack-contract"), "derive", "-q", "--source", str(args.source), str(args.work / "pages"), "--out", str(args.work / "out")],
            cwd=ROOT)
    errors = [line for line in r.stderr.splitlines() if line.startswith("zstack-contract: error:")]
    kinds = Counter("internal error" if "internal error" in e else "disagrees with its source" if "otherwise than" in e
                    else "unusable" for e in errors)
    print(r.stdout.strip())
    results = {"machine": machine(), "pages": len(pages), "by_language": dict(by_language), "exit": r.returncode,
               "seconds": round(r.seconds, 2), "max_rss_mb": round(r.max_rss_kb / 1024, 1), "errors": dict(kinds),
               "first_errors": errors[:10]}
    print(f"derive: exit {r.returncode}, {r.seconds:.1f} s, peak RSS {results['max_rss_mb']} MB; error lines: {dict(kinds) or 'none'}")
    for line in errors[:10]:
        print("  " + line[:300])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
