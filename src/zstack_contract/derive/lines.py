"""A page's text as logical lines: the export glues a heading to the end of the previous line
(``.../actionsHeaders``, ``uuidCurl示例``, ``structure.Curl``) and a table to the end of a JSON
sample (``}| Name | Type |``); each such line is split back into its pieces, keeping the physical
line number every piece came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .vocabulary import COLUMNS, GLUED

_NAMES = "|".join(re.escape(c) for c, key in COLUMNS.items() if key == "name")
_TYPES = "|".join(re.escape(c) for c, key in COLUMNS.items() if key == "type")
TABLE_HEADER = re.compile(rf"\|\s*(?:{_NAMES})\s*\|\s*(?:{_TYPES})\s*\|", re.I)


@dataclass(frozen=True, slots=True)
class Line:
    no: int  # physical line number, 1-based
    text: str  # stripped of trailing white space


def logical_lines(text: str) -> list[Line]:
    out: list[Line] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        out.extend(Line(no, piece) for piece in _unglue(raw.rstrip()))
    return out


def _unglue(line: str) -> list[str]:
    m = TABLE_HEADER.search(line)
    if m and m.start() > 0 and line[: m.start()].strip():
        return _unglue(line[: m.start()]) + [line[m.start():]]
    for heading in GLUED:
        if line.endswith(heading) and len(line) > len(heading):
            before = line[: -len(heading)]
            last = before[-1]
            if last.isspace() or (line.startswith("|") and last != "|"):
                continue  # "the request Body": prose; in a table row only after its last '|'
            if heading.isascii() and heading[0].isupper() and last.isupper():
                continue  # "HTTPBody": a word, not a glued heading
            return _unglue(before) + [heading]
    return [line]
