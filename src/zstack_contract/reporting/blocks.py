"""What the Markdown and HTML reports are made of, whatever the format: sections of paragraphs,
tables and lists, each text tagged with how it is shown (:class:`Code`, :class:`Strong`, plain),
and the folding of long sections.

A text is kept as it came; each writer shows it on one line and escapes it for its format. A
section shows its first :data:`SHOWN` rows (table rows and list items, over all its blocks); the
next :data:`FOLDED` are folded away (``<details>``, closed until opened); the rest are only
counted, and are in the JSON report. Rows are made only when shown (:class:`LazyRows`), so a run
with a hundred thousand findings does not build a hundred thousand rows it will not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Union

SHOWN = 50  # rows of a section shown
FOLDED = 500  # rows of a section after those, folded; the rest are counted (the JSON report has them)


@dataclass(frozen=True)
class Code:
    """A text shown as code: file names, pointers, field paths."""

    text: str


@dataclass(frozen=True)
class Strong:
    text: str


Piece = Union[str, int, Code, Strong]  # a plain text, a number, or a tagged text
Inline = tuple[Piece, ...]  # pieces shown one after the other


@dataclass(frozen=True)
class Paragraph:
    pieces: Inline


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[tuple[Piece | Inline, ...]]  # a cell: a piece, or pieces shown together
    heading: str | None = None  # the heading above it (a group of a section)
    numeric: frozenset[int] = frozenset()  # columns of numbers (aligned right)


@dataclass(frozen=True)
class Bullets:
    rows: Sequence[Inline]  # one item each
    heading: str | None = None


Block = Union[Paragraph, Table, Bullets]


@dataclass
class Section:
    title: str
    shown: list[Block] = field(default_factory=list)
    folded: list[Block] = field(default_factory=list)
    folded_rows: int = 0
    omitted: int = 0  # rows neither shown nor folded


class LazyRows(Sequence):
    """Rows made when read: ``make(item)`` for each of ``items``."""

    def __init__(self, items: Sequence[Any], make: Callable[[Any], Any]):
        self._items, self._make = items, make

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._make(item) for item in self._items[i]]
        return self._make(self._items[i])


def fold(title: str, blocks: list[Block], shown: int = SHOWN, folded: int = FOLDED) -> Section:
    """A section of ``blocks``: its first ``shown`` rows in the open, the next ``folded`` rows
    folded, the rest counted. A table or list cut between the two parts keeps its heading in
    both (``... (continued)``)."""
    section = Section(title)
    for block in blocks:
        if isinstance(block, Paragraph):
            (section.folded if section.folded else section.shown).append(block)
            continue
        n = len(block.rows)
        open_n = min(n, shown)
        shown -= open_n
        fold_n = min(n - open_n, folded)
        folded -= fold_n
        section.omitted += n - open_n - fold_n
        section.folded_rows += fold_n
        if open_n:
            section.shown.append(_part(block, 0, open_n, continued=False))
        if fold_n:
            section.folded.append(_part(block, open_n, open_n + fold_n, continued=open_n > 0))
    return section


def _part(block: Table | Bullets, start: int, end: int, continued: bool) -> Table | Bullets:
    """Rows ``start`` to ``end`` of a block, made."""
    heading = f"{block.heading} (continued)" if continued and block.heading else block.heading
    return replace(block, rows=list(block.rows[start:end]), heading=heading)
