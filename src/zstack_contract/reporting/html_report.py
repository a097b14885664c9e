"""The HTML report (``zstack-contract.html``): what :mod:`.sections` says, as one self-contained
page (its style inline, no script, no outside resource), long sections folded with
``<details>``, which needs no script.

Every text is shown on one line and escaped (:mod:`.markup`)."""

from __future__ import annotations

from typing import Any, Iterator

from .blocks import Block, Bullets, Code, Paragraph, Section, Strong, Table
from .markup import escaped as text
from .sections import intro, sections, title
from ..facts.words import plural

FILE_NAME = "zstack-contract.html"
_NUMBER = ' class="n"'  # a cell of a column of numbers

STYLE = """\
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin:0 0 .75rem}h1.pass{color:#1a7f37}h1.fail,h1.unusable{color:#cf222e}h1.incomplete{color:#9a6700}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1rem;margin:1.1rem 0 .4rem}
table{border-collapse:collapse;margin:.25rem 0 .75rem}
th,td{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px;overflow-wrap:anywhere}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
p.omitted{color:#57606a}
"""


def _piece(piece: Any) -> str:
    if isinstance(piece, Code):
        return f"<code>{text(piece.text)}</code>"
    if isinstance(piece, Strong):
        return f"<strong>{text(piece.text)}</strong>"
    if isinstance(piece, tuple):
        return "".join(map(_piece, piece))
    return text(piece)


def _block(block: Block) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield f"<p>{_piece(block.pieces)}</p>\n"
        return
    if block.heading is not None:
        yield f"<h3>{text(block.heading)}</h3>\n"
    if isinstance(block, Bullets):
        yield "<ul>\n"
        yield from (f"<li>{_piece(row)}</li>\n" for row in block.rows)
        yield "</ul>\n"
        return
    yield "<table>\n<thead><tr>" + "".join(_cell("th", n, c, block) for n, c in enumerate(block.columns)) + "</tr></thead>\n<tbody>\n"
    for row in block.rows:
        yield "<tr>" + "".join(_cell("td", n, c, block) for n, c in enumerate(row)) + "</tr>\n"
    yield "</tbody>\n</table>\n"


def _cell(tag: str, n: int, content: Any, table: Table) -> str:
    attributes = _NUMBER if n in table.numeric else ""
    return f"<{tag}{attributes}>{_piece(content)}</{tag}>"


def _section(section: Section) -> Iterator[str]:
    yield f"<section>\n<h2>{text(section.title)}</h2>\n"
    for block in section.shown:
        yield from _block(block)
    if section.folded:
        yield f"<details>\n<summary>{text(plural(section.folded_rows, 'more row'))}</summary>\n"
        for block in section.folded:
            yield from _block(block)
        yield "</details>\n"
    if section.omitted:
        yield (f"<p class=\"omitted\">{text(plural(section.omitted, 'more row'))} not shown here: the JSON report "
               f"(<code>zstack-contract.json</code>) has them all.</p>\n")
    yield "</section>\n"


def pieces(report: dict[str, Any]) -> Iterator[str]:
    head = title(report)
    verdict = report["summary"]["verdict"].split()[0]  # pass, fail, unusable, incomplete
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           f"<title>{text(head)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1 class=\"{verdict}\">{text(head)}</h1>\n")
    for paragraph in intro(report):
        yield from _block(paragraph)
    for section in sections(report):
        yield from _section(section)
    yield "</body>\n</html>\n"
