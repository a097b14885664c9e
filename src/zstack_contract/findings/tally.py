"""Drift (undocumented fields seen) and coverage (documented fields never seen), by field path,
over a whole run.

Paths are dotted with ``[]`` for list items: ``inventory.vmNics[].usedIpUuid``. A table that refers
to itself (``error.cause``) is followed once: ``error.cause`` is a documented path, its children
are not counted again. A field newer than the node's version (when the run knows it) is not
counted as unseen (:mod:`~zstack_contract.contract.since`). A body's paths come as its :class:`~zstack_contract.contract.places.Shape`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..contract.compiled import Contract
from ..contract.places import Place, Shape
from ..contract.since import expected

MAX_SHAPES = 4096  # distinct file shapes counted per API; a corpus of real answers has a handful


def documented_paths(contract: Contract, node_version: str | None = None) -> list[str]:
    """Every documented field path of the response, in page order; given the version of the node,
    those it is expected to know (:func:`~zstack_contract.contract.since.expected`: a field, and
    what is below it, whose ``x-since`` is newer than the node are not)."""
    return [path for path, known in _paths(contract, node_version) if known]


def _paths(contract: Contract, node_version: str | None) -> list[tuple[str, bool]]:
    """(path, whether a node of ``node_version`` is expected to know it) of every documented field."""
    out: list[tuple[str, bool]] = []

    def visit(place: Place, known: bool) -> None:
        below = {name: sub for name, _is_list, sub in place.children}
        for name, prop in place.properties.items():
            field_known = known and expected(prop, node_version)
            out.append((place.prefix + name, field_known))
            if name in below:
                visit(below[name], field_known)

    visit(contract.places, True)
    return out


@dataclass
class Tally:
    """Drift and coverage over a corpus, per API. Keeps counts, not documents: files are counted
    by their shapes (a handful of distinct ones in a corpus of real answers), and the counts of
    paths worked out from those when asked for."""

    by_shapes: dict[str, Counter] = field(default_factory=dict)  # api -> a file's shape(s) -> files
    _drift: dict[str, Counter] = field(default_factory=dict)  # api -> path -> files, for what is not in by_shapes
    _seen: dict[str, set[str]] = field(default_factory=dict)  # api -> documented paths seen, likewise

    def add_file(self, api: str, shapes: list[Shape]) -> None:
        key = shapes[0] if len(shapes) == 1 else tuple(shapes)  # the usual file: one body
        counts = self.by_shapes.get(api)
        if counts is None:
            counts = self.by_shapes[api] = Counter()
        if key in counts or len(counts) < MAX_SHAPES:
            counts[key] += 1
        else:  # an unusual corpus: as many shapes as files; count its paths directly
            self._add_paths(api, shapes, 1)

    def _add_paths(self, api: str, shapes: list[Shape] | tuple[Shape, ...], files: int) -> None:
        drift, seen = self._drift.setdefault(api, Counter()), self._seen.setdefault(api, set())
        for path in set().union(*(s.undocumented for s in shapes)):
            drift[path] += files
        for shape in shapes:
            seen.update(shape.seen)

    def _flat(self) -> "Tally":
        flat = Tally(_drift={api: Counter(c) for api, c in self._drift.items()}, _seen={api: set(s) for api, s in self._seen.items()})
        for api, counts in self.by_shapes.items():
            for key, files in counts.items():
                flat._add_paths(api, (key,) if isinstance(key, Shape) else key, files)
        return flat

    @property
    def drift_files(self) -> dict[str, Counter]:
        """api -> undocumented path -> files showing it."""
        return {api: c for api, c in self._flat()._drift.items() if c}

    @property
    def seen(self) -> dict[str, set[str]]:
        """api -> documented paths seen."""
        return self._flat()._seen

    def add_counts(self, api: str, drift: dict[str, int], seen: Iterable[str]) -> None:
        """Counts another process worked out (see :meth:`drift_files`, :meth:`seen`)."""
        self._drift.setdefault(api, Counter()).update(drift)
        self._seen.setdefault(api, set()).update(seen)

    def coverage(self, contract: Contract, node_version: str | None = None) -> dict[str, Any]:
        """Documented paths seen and not; a path newer than ``node_version`` (the node's, when the
        run knows it) counts only when seen: it is not held against the node as unseen."""
        seen = self.seen.get(contract.api, set())
        documented = [p for p, known in _paths(contract, node_version) if known or p in seen]
        unseen = [p for p in documented if p not in seen]
        n = len(documented)
        return {
            "documented": n,
            "seen": n - len(unseen),
            "percent": round(100.0 * (n - len(unseen)) / n, 1) if n else 100.0,
            "unseen": unseen,
        }
