"""The Markdown summary (``zstack-contract.md``): what :mod:`.sections` says, for a CI page
(GitHub's step summary, a merge request) and for reading as text.

Every text is put in as :func:`_cell` or :func:`_code` has it: on one line, control characters
escaped, ``&`` and ``<`` written as entities (a text of an input cannot open an HTML tag, such as
the ``<details>`` that folds a long section), ``|`` escaped in tables, and code spans fenced with
more backticks than they hold."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..facts.oneline import one_line
from .blocks import Block, Bullets, Code, Paragraph, Section, Strong, Table
from .sections import intro, sections, title
from ..facts.words import plural

FILE_NAME = "zstack-contract.md"
_TICKS = re.compile("`+")


def _cell(text: Any, table: bool = True) -> str:
    """``text`` on one line, ``&`` and ``<`` as entities; in a table cell (``table``), ``|`` escaped."""
    text = one_line(str(text)).replace("&", "&amp;").replace("<", "&lt;")
    return text.replace("|", "\\|") if table else text


def _code(text: Any, table: bool = True) -> str:
    """``text`` as inline code, whatever backticks it holds (a code span shows ``&`` and ``<`` as they are)."""
    text = one_line(str(text))
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _TICKS.findall(text)), default=0)
    fence, pad = "`" * (longest + 1), " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _piece(piece: Any, table: bool) -> str:
    if isinstance(piece, Code):
        return _code(piece.text, table)
    if isinstance(piece, Strong):
        return f"**{_cell(piece.text, table)}**"
    if isinstance(piece, tuple):
        return "".join(_piece(p, table) for p in piece)
    return _cell(piece, table)


def _block(block: Block) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield from [_piece(block.pieces, False), ""]
        return
    if block.heading is not None:
        yield from [f"### {_cell(block.heading, False)}", ""]
    if isinstance(block, Bullets):
        yield from [f"- {_piece(row, False)}" for row in block.rows]
    else:
        yield from _table(block)
    yield ""


def _table(table: Table) -> Iterator[str]:
    yield "| " + " | ".join(_cell(c) for c in table.columns) + " |"
    yield "|" + "|".join("---:" if n in table.numeric else "---" for n in range(len(table.columns))) + "|"
    for row in table.rows:
        yield "| " + " | ".join(_piece(cell, True) for cell in row) + " |"


def _section(section: Section) -> Iterator[str]:
    yield from [f"## {_cell(section.title, False)}", ""]
    for block in section.shown:
        yield from _block(block)
    if section.folded:
        yield from [f"<details><summary>{plural(section.folded_rows, 'more row')}</summary>", ""]
        for block in section.folded:
            yield from _block(block)
        yield from ["</details>", ""]
    if section.omitted:
        yield from [f"{plural(section.omitted, 'more row')} not shown here: the JSON report (`zstack-contract.json`) has them all.", ""]


def lines(report: dict[str, Any]) -> Iterator[str]:
    yield from [f"# {_cell(title(report), False)}", ""]
    for paragraph in intro(report):
        yield from _block(paragraph)
    for section in sections(report):
        yield from _section(section)


def pieces(report: dict[str, Any]) -> Iterator[str]:
    """``"\\n".join(lines(report))``, line by line."""
    for n, line in enumerate(lines(report)):
        yield ("\n" if n else "") + line
