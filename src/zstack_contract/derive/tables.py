"""Reading one field table of a page, export defects and all, without knowing any API:

* rows whose cells shifted left because a cell was empty (the starting version standing in the
  description or valid-values column), or with a missing or extra trailing cell;
* a cell broken over several physical lines (bullet lists, long descriptions), with stray ``|``
  lines between the pieces; a lone ``|`` before a line that holds only the version (``0.6 |``)
  closes the cell before it;
* optional parameters marked in the name cell (``type (optional)``, ``systemTags (可选)``) or by a
  description that starts with ``Optional.``; ``body (contained in the X structure)`` in either
  language.
"""

from __future__ import annotations

import re
from typing import Callable

from ..errors import PageError
from .lines import TABLE_HEADER, Line
from .page import Field, Table
from . import vocabulary as words

SECTION = re.compile(r"^#([A-Za-z_][A-Za-z0-9_]*)\s*$")
# A row's first cells: a name (with an optional marker), then a type as the doc source wrote it:
# ``String``, ``byte[]``, ``List<String>``, even a description typed in by mistake.
_ROW_START = re.compile(r"^\|\s*([A-Za-z_][A-Za-z0-9_.]*)(?:\s*[(（][^|)）]*[)）])?\s*\|\s*([^|\s][^|]*?)\s*(\||$)")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)+$")
_VERSION_CELL = re.compile(r"^[0-9]+(\.[0-9]+)+\s*\|$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}")
_BULLET = re.compile(r"^(?:[-*\u2022]\s+|<li>)")


def is_table_end(text: str) -> bool:
    """A line no table row continues into: a section, a heading, another table."""
    return bool(SECTION.match(text)) or text in words.HEADINGS or bool(TABLE_HEADER.match(text))


def read_table(lines: list[Line], i: int, name: str, page: str, section_line: int | None = None) -> tuple[Table, int]:
    """The table whose header is ``lines[i]``, and the index of the first line after it."""
    header = lines[i]

    def error(line: int | None, message: str) -> PageError:
        return PageError(page, line, message)

    columns = tuple(c.strip() for c in header.text.strip().strip("|").split("|"))
    keys = []
    for c in columns:
        key = words.COLUMNS.get(c.lower())
        if key is None:
            raise error(header.no, f"unknown table column {c!r}")
        keys.append(key)
    if "name" not in keys or "type" not in keys:
        raise error(header.no, "table header needs Name and Type columns")
    i += 1
    while i < len(lines) and not lines[i].text.strip():
        i += 1
    if i < len(lines) and _SEPARATOR.match(lines[i].text.strip()):
        i += 1

    rows: list[tuple[int, list[str]]] = []  # (line, physical pieces)
    open_row = False
    while i < len(lines):
        ln = lines[i]
        t = ln.text.strip()
        if is_table_end(t):
            break
        if not t:
            if open_row:
                i += 1
                continue
            break
        starts_row = bool(_ROW_START.match(t))
        # A lone '|' keeps a row open (stray export line) but lets a new row start after it.
        if starts_row and (not open_row or rows[-1][1][-1] == "|"):
            rows.append((ln.no, [t]))
        elif rows and (open_row or t.startswith("|")):
            rows[-1][1].append(t)
        elif not rows:
            raise error(ln.no, f"table row should start with '| name | type |', found {t[:60]!r}")
        else:
            break
        last = rows[-1][1][-1]
        open_row = not (last.endswith("|") and last != "|")
        i += 1

    fields = [_field(keys, _cells(pieces), line_no, error) for line_no, pieces in rows]
    return Table(name=name, columns=columns, fields=tuple(fields), line=section_line or header.no), i


def _cells(pieces: list[str]) -> list[str]:
    """Join a row's physical lines and split it into cells (line breaks inside a cell kept).

    A lone '|' line is an export artefact between the pieces of a broken cell, never an empty
    cell of its own: the next cell's boundary is the '|' that starts or ends a piece; except
    before a piece that is only the version (``0.6 |``), which is a cell of its own."""
    kept = []
    for n, piece in enumerate(pieces):
        if piece != "|":
            kept.append(piece)
        elif n + 1 < len(pieces) and _VERSION_CELL.match(pieces[n + 1]):
            kept.append("|")
    text = "\n".join(kept).strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [c.strip() for c in text.split("|")]


def _field(keys: list[str], cells: list[str], line: int, error: Callable[[int, str], PageError]) -> Field:
    n = len(keys)
    while len(cells) > n and cells[-1] == "":
        cells.pop()
    if len(cells) > n:
        raise error(line, f"row has {len(cells)} cells, the table has {n} columns")
    cells = cells + [""] * (n - len(cells))
    row = dict(zip(keys, cells))
    # An empty cell made the export drop a '|': the version slid left. Put it back.
    if "since" in row and not row["since"]:
        for key in reversed(keys):
            if key in ("name", "type", "location", "since"):
                continue
            if row[key]:
                if _VERSION.match(row[key]):
                    row["since"], row[key] = row[key], ""
                break
    name, marked = words.optional_name(" ".join(row["name"].split()))
    description = " ".join(row.get("description", "").split())
    location = " ".join(row.get("location", "").split()) or None
    container = None
    if location:
        container = words.contained_in(location)
        location = re.split(r"[(（]", location, maxsplit=1)[0].strip().lower()
    return Field(
        name=name,
        type=" ".join(row["type"].split()),
        description=description,
        since=row.get("since") or None,
        line=line,
        location=location,
        container=container,
        valid_values=_values(row.get("valid_values", "")),
        optional=marked or words.optional_description(description),
    )


def _values(cell: str) -> tuple[str, ...]:
    """The valid values of a cell: one a line (bullets and list tags dropped)."""
    out = []
    for piece in re.split(r"\n|</li>", cell):
        piece = _BULLET.sub("", re.sub(r"</?ul>", "", piece).strip()).strip()  # <ul><li>a</li><li>b</li></ul>, as the generator writes them
        if piece:
            out.append(piece)
    return tuple(out)
