"""Regenerate the contracts the package ships, from a clone of ZStack's open-source tree.

    python scripts/regenerate_contracts.py --git-dir PATH/TO/zstack[.git] [--dry-run] [RELEASE ...]
    python scripts/regenerate_contracts.py --notes [--check]

For each release (a branch of github.com/zstackio/zstack; default: the releases listed in
RELEASES below) the doc sources (``*Doc_zh_cn.groovy``) of that branch's newest commit are
copied out of git into a temporary folder, derived exactly as ``zstack-contract derive --source``
derives them, and written as one bundle, ``src/zstack_contract/data/releases/<release>.json.gz``,
recording the commit. ``docs/releases.md`` gets a table per release: the doc files read, the APIs
derived, the APIs skipped and why, the doc defects derivation worked around, and the fields whose
starting version is newer than the release (``since-after-release``: the branch's name is the
release, as ``derive --release-of``). ``--dry-run`` derives and prints the figures, writing nothing.
``docs/api-changes.md`` gets the release notes of the API: ``zstack-contract diff`` between the
shipped releases, pair by pair (:mod:`zstack_contract.diff.notes`). ``--notes`` writes only them,
from the shipped bundles (no ZStack tree needed); with ``--check``, it writes nothing and exits 1
when the committed file is not what it would write.

Maintainers only: the project's tests and CI never need the ZStack tree.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from zstack_contract.contract.bundle import Bundle, read_bundle
from zstack_contract.contract.format import SUFFIXES
from zstack_contract.contract.releases import SUFFIX
from zstack_contract.derive.source_tree import DOC_SUFFIX
from zstack_contract.derive.overlay import load_overlay
from zstack_contract.derive.schema_files import Apis, derive_source, derive_sources, read_sources
from zstack_contract.derive.since import after_release
from zstack_contract.errors import PageError

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "zstack_contract" / "data" / "releases"
DOCS = ROOT / "docs" / "releases.md"
NOTES = ROOT / "docs" / "api-changes.md"
SOURCE = "https://github.com/zstackio/zstack"
# The newest patch of each release line, and the newest release.
RELEASES = ("3.10.40", "4.8.22", "5.1.30", "5.3.0")
_VARIANT = {SUFFIXES["strict"]: "strict", SUFFIXES["response"]: "response", SUFFIXES["request"]: "request"}


def git(git_dir: str, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, *args], input=data, capture_output=True, check=True).stdout


def extract(git_dir: str, ref: str, into: Path) -> str:
    """Write the doc sources of ``ref`` under ``into`` as the tree holds them; the commit's id."""
    commit = git(git_dir, "rev-parse", f"{ref}^{{commit}}").decode().strip()
    listing = git(git_dir, "ls-tree", "-r", "-z", commit).split(b"\0")
    blobs = []
    for entry in listing:
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        if path.decode().endswith(DOC_SUFFIX) and meta.split()[1] == b"blob":
            blobs.append((meta.split()[2].decode(), path.decode()))
    out = git(git_dir, "cat-file", "--batch", data="".join(f"{sha}\n" for sha, _ in blobs).encode())
    pos = 0
    for sha, path in blobs:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(out[header_end + 1: header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return commit


def build(release: str, commit: str, folder: Path) -> tuple[Bundle, dict]:
    overlay = load_overlay()
    errors: list[PageError] = []
    tree = read_sources([str(folder)], errors.append)
    apis: dict[str, dict] = {}
    skipped = [{"where": f"{e.path}:{e.line}" if e.line else e.path, "why": e.message} for e in errors]
    defects = collections.Counter()
    late: dict[str, str] = {}  # file:line -> the since-after-release warning
    claims = Apis()
    for api, result in derive_sources(tree, overlay):
        if isinstance(result, PageError):
            skipped.append({"where": f"{api.label}:{result.line}" if result.line else api.label, "why": result.message})
            continue
        first, problem = claims.claim(result, api.label, lambda api=api: derive_source(api, tree, overlay))
        if problem or not first:
            skipped.append({"where": f"{api.label}:{result.page.api_line}", "why": problem or "a second doc of this API"})
            continue
        for d in result.page.defects:
            defects[_defect_kind(d.message)] += 1
        late.update((d.where, d.message) for d in after_release(result.page, release))
        apis[result.page.api] = {_variant(name): schema for name, schema in result.schemas.items()}
    bundle = Bundle(release, commit, SOURCE, release, len(tree.files), apis, skipped)
    return bundle, {"files": len(tree.files), "apis": len(apis), "skipped": skipped, "defects": defects,
                    "after release": dict(sorted(late.items()))}


def _variant(file: str) -> str:
    return next(v for suffix, v in _VARIANT.items() if file.endswith(suffix))


def _defect_kind(message: str) -> str:
    """A defect's kind, without the names in it."""
    if "has no doc source" in message:
        return "a reference to a class with no doc source (no table)"
    if "'See " in message:
        return "a reference to no table (the generator shows none for a class's reference to itself)"
    if message.startswith("the title names"):
        return "a title naming another API than the message class"
    if "not a statement of the doc DSL" in message:
        return "a statement the DSL does not have (not read)"
    if "again, of" in message or "again, with other rows" in message:
        return "a table name used for two classes (the first is used)"
    if "listed twice in table" in message:
        return "a field listed twice in a table (the first is used)"
    if "refers back" in message:
        return "references that run in a circle (not followed again)"
    return message


def markdown(rows: list[tuple[str, str, dict]]) -> str:
    out = ["# The shipped contracts", "",
           "Written by `scripts/regenerate_contracts.py`; do not edit. Each release is derived from the doc sources",
           f"(`*{DOC_SUFFIX}`) of ZStack's open-source tree ({SOURCE}) at the commit named, exactly as",
           "`zstack-contract derive --source` derives them. What changed in the API from one to the next:",
           "[api-changes.md](api-changes.md).", "",
           "| release | commit | doc files read | APIs derived | skipped | doc defects worked around | fields since after the release |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for release, commit, s in rows:
        out.append(f"| {release} | `{commit}` | {s['files']} | {s['apis']} | {len(s['skipped'])} | {sum(s['defects'].values())} "
                   f"| {len(s['after release'])} |")
    for release, commit, s in rows:
        out += ["", f"## {release}", "", f"Commit `{commit}`: {s['files']} doc files, {s['apis']} APIs.", ""]
        if s["skipped"]:
            out += ["Skipped:", "", "| where | why |", "| --- | --- |"] + [f"| `{x['where']}` | {x['why']} |" for x in s["skipped"]] + [""]
        if s["defects"]:
            out += ["Doc defects worked around (each a warning of `derive --source`):", "", "| defect | count |", "| --- | ---: |"]
            out += [f"| {kind} | {n} |" for kind, n in sorted(s["defects"].items())]
        if s["after release"]:
            out += ["", (f"Fields whose since is newer than {release} (each a `since-after-release` warning of "
                         f"`derive --source --release-of {release}`):"), "", "| where | warning |", "| --- | --- |"]
            out += [f"| `{where}` | {message} |" for where, message in s["after release"].items()]
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", help="a clone of ZStack's tree (its .git, or a bare clone)")
    ap.add_argument("--dry-run", action="store_true", help="derive and print the figures of each release; write no bundle and no docs")
    ap.add_argument("releases", nargs="*", default=list(RELEASES), help=f"branches to ship (default: {' '.join(RELEASES)})")
    ap.add_argument("--notes", action="store_true", help=f"write only {NOTES.relative_to(ROOT)}, from the shipped bundles")
    ap.add_argument("--check", action="store_true", help="with --notes: write nothing; exit 1 when the committed notes are stale")
    args = ap.parse_args()
    if args.notes:
        return write_notes(args.check)
    if not args.git_dir:
        ap.error("--git-dir is needed (or --notes)")
    if not args.dry_run:
        OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for release in args.releases:
        with tempfile.TemporaryDirectory(prefix=f"zstack-{release}-") as tmp:
            commit = extract(args.git_dir, release, Path(tmp))
            bundle, stats = build(release, commit, Path(tmp))
        if args.dry_run:
            print(f"{release} {commit}: {stats['files']} doc files, {stats['apis']} APIs, {len(stats['skipped'])} skipped, "
                  f"{sum(stats['defects'].values())} doc defects, {len(stats['after release'])} fields since after the release")
            for where, message in stats["after release"].items():
                print(f"  {where}: {message}")
            continue
        target = OUT / f"{release}{SUFFIX}"
        target.write_bytes(bundle.to_bytes())
        assert read_bundle(target).files() == bundle.files(), f"{target}: does not read back as written"
        print(f"{release} {commit}: {stats['files']} doc files, {stats['apis']} APIs, {len(stats['skipped'])} skipped, "
              f"{target.stat().st_size} bytes", file=sys.stderr)
        rows.append((release, commit, stats))
    if args.dry_run:
        return 0
    for stale in sorted(set(OUT.glob("*" + SUFFIX)) - {OUT / f"{r}{SUFFIX}" for r in args.releases}):
        print(f"note: {stale} is not among the releases regenerated", file=sys.stderr)
    DOCS.write_text(markdown(rows), encoding="utf-8")
    return write_notes(check=False)


def write_notes(check: bool) -> int:
    """The release notes of the API (docs/api-changes.md) from the shipped bundles."""
    from zstack_contract.diff.notes import release_notes

    text = release_notes()
    if check:
        if not NOTES.exists() or NOTES.read_text(encoding="utf-8") != text:
            print(f"{NOTES}: stale; run: python scripts/regenerate_contracts.py --notes", file=sys.stderr)
            return 1
        return 0
    NOTES.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
