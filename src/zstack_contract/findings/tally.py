"""Drift (undocumented fields seen) and coverage (documented fields never seen), by field path,
over a whole run.

Paths are dotted with ``[]`` for list items: ``inventory.vmNics[].usedIpUuid``. A table that refers
to itself (``error.cause``) is followed once: ``error.cause`` is a documented path, its children
are not counted again. A body's paths come as its :class:`~zstack_contract.contract.places.Shape`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..contract.compiled import Contract
from ..contract.places import Place, Shape

MAX_SHAPES = 4096  # distinct file shapes counted per API; a corpus of real answers has a handful


def documented_paths(contract: Contract) -> list[str]:
    """Every documented field path of the response, in page order."""
    out: list[str] = []

    def visit(place: Place) -> None:
        below = {name: sub for name, _is_list, sub in place.children}
        for name in place.properties:
            out.append(place.prefix + name)
            if name in below:
                visit(below[name])

    visit(contract.places)
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

    def coverage(self, contract: Contract) -> dict[str, Any]:
        documented = documented_paths(contract)
        seen = self.seen.get(contract.api, set())
        unseen = [p for p in documented if p not in seen]
        n = len(documented)
        return {
            "documented": n,
            "seen": n - len(unseen),
            "percent": round(100.0 * (n - len(unseen)) / n, 1) if n else 100.0,
            "unseen": unseen,
        }
