"""Release notes of the API: what ``diff`` finds between the shipped releases, each with the next
and the oldest with the newest, as Markdown (docs/api-changes.md, written by
``scripts/regenerate_contracts.py``; a test holds the committed file to this). The counts table
first, then the breaking changes by kind, then per pair the APIs added and every breaking change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import pairwise

from ..contract.loading import load_contracts
from ..contract.releases import shipped_releases
from .compare import compare_sets
from .kinds import BREAKING, KINDS
from .levels import Judged, judge
from .writers import cell

TITLE = "Changes of the API between the shipped releases"


def release_pairs(names: list[str]) -> list[tuple[str, str]]:
    """Each release with the next, then the oldest with the newest (when they are not a pair already)."""
    pairs = list(pairwise(names))
    if len(names) > 2:
        pairs.append((names[0], names[-1]))
    return pairs


def release_notes(names: list[str] | None = None) -> str:
    names = names if names is not None else [r.name for r in shipped_releases()]
    contracts = {n: load_contracts(release=n) for n in names}
    pairs = release_pairs(names)
    judged = {pair: judge(compare_sets(contracts[pair[0]], contracts[pair[1]])) for pair in pairs}
    return "\n".join(_lines(pairs, judged)) + "\n"


def _lines(pairs: list[tuple[str, str]], judged: dict[tuple[str, str], list[Judged]]) -> Iterator[str]:
    yield f"# {TITLE}"
    yield ""
    yield ("Written by `scripts/regenerate_contracts.py` with `zstack-contract diff OLD NEW` (docs/diff.md); do not edit. "
           "Each release against the next, and the oldest against the newest; severities are the defaults, from a client's point of view.")
    yield ""
    yield "| old | new | APIs added | APIs removed | APIs changed | breaking | warning | info |"
    yield "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (old, new), js in judged.items():
        kinds = Counter(j.change.kind for j in js)
        severities = Counter(j.severity for j in js)
        changed = len({j.change.api for j in js if j.change.kind not in ("api-added", "api-removed")})
        yield (f"| {old} | {new} | {kinds['api-added']} | {kinds['api-removed']} | {changed} | {severities['breaking']} "
               f"| {severities['warning']} | {severities['info']} |")
    breaking_kinds = sorted({j.change.kind for js in judged.values() for j in js if j.severity == BREAKING})
    if breaking_kinds:
        yield ""
        yield "## Breaking changes by kind"
        yield ""
        yield "| kind | " + " | ".join(f"{old} → {new}" for old, new in pairs) + " |"
        yield "| --- | " + " | ".join("---:" for _ in pairs) + " |"
        for kind in breaking_kinds:
            counts = [sum(1 for j in judged[pair] if j.change.kind == kind and j.severity == BREAKING) for pair in pairs]
            yield f"| {kind} ({KINDS[kind].words}) | " + " | ".join(map(str, counts)) + " |"
    for (old, new), js in judged.items():
        yield ""
        yield f"## {old} → {new}"
        added = sorted(j.change.api for j in js if j.change.kind == "api-added")
        yield ""
        yield f"APIs added ({len(added)}): " + (", ".join(added) if added else "none") + "."
        breaking = sorted((j for j in js if j.severity == BREAKING), key=lambda j: (j.change.api, j.change.where, j.change.kind))
        yield ""
        if not breaking:
            yield "No breaking change."
            continue
        yield f"Breaking changes ({len(breaking)}):"
        yield ""
        yield "| API | change | where | old | new | id |"
        yield "| --- | --- | --- | --- | --- | --- |"
        for j in breaking:
            c = j.change
            yield (f"| {cell(c.api)} | {cell(KINDS[c.kind].words)} | {cell(c.where)} | {cell(c.old or '')} | {cell(c.new or '')} "
                   f"| `{c.id}` |")
