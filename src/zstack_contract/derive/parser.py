"""Parse a ZStack API reference page (plain-text export) into a :class:`~zstack_contract.page.Page`.

The published pages are exports of HTML and carry the export's defects, which this parser undoes
without knowing anything about a particular API:

* headings glued to the end of the previous line (``.../actionsHeaders``, ``uuidBody``,
  ``structure.Curl``) and tables glued to the end of a JSON sample (``}| Name | Type |``);
* rows whose cells shifted left because a cell was empty (the starting version standing in the
  description or optional-value column), or with a missing or extra trailing cell;
* a cell broken over several physical lines (bullet lists, long descriptions), with stray ``|``
  lines between the pieces.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import PageError
from .types import resolve_reference
from .page import Endpoint, Field, Page, Table

# Headings of the page layout, longest first so "Request Parameters" wins over shorter ones.
HEADINGS = (
    "Request Parameters",
    "API Response",
    "API Request",
    "SDK Sample",
    "Headers",
    "Response",
    "Sample",
    "Python",
    "Body",
    "Curl",
    "Java",
    "URLs",
    "SDK",
)
_GLUED_HEADINGS = ("Request Parameters", "Headers", "Body", "Curl", "Python", "Java")
_TABLE_HEADER = re.compile(r"\|\s*Name\s*\|\s*Type\s*\|")
_SECTION = re.compile(r"^#([A-Za-z_][A-Za-z0-9_]*)\s*$")
_ROW_START = re.compile(r"^\|\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\|\s*([A-Za-z][A-Za-z0-9_<>.]*)\s*(\||$)")
_ENDPOINT = re.compile(r"^(GET|PUT|POST|DELETE|PATCH)\s+(\S+)\s*$")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)+$")
_CONTAINED = re.compile(r"contained in the\s+([A-Za-z_][A-Za-z0-9_]*)\s+structure", re.I)
_API_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")

COLUMN_KEYS = {
    "name": "name",
    "type": "type",
    "location": "location",
    "description": "description",
    "optional value": "optional_values",
    "optional values": "optional_values",
    "starting version": "since",
}


@dataclass
class _Line:
    no: int  # physical line number, 1-based
    text: str


def parse_page(path: str | Path, display: str | None = None) -> Page:
    """Read and parse one page file; errors name ``display`` (default: the path as given)."""
    shown = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PageError(shown, None, f"cannot read page: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageError(shown, None, f"page is not UTF-8 (byte {exc.start})") from None
    return parse_page_text(text, shown)


def parse_page_text(text: str, path: str) -> Page:
    return _Parser(path, _logical_lines(text)).parse()


def _logical_lines(text: str) -> list[_Line]:
    """Split physical lines where the export glued a heading or a table onto the previous text."""
    out: list[_Line] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        pieces = _unglue(line)
        out.extend(_Line(no, p) for p in pieces)
    return out


def _unglue(line: str) -> list[str]:
    m = _TABLE_HEADER.search(line)
    if m and m.start() > 0 and line[: m.start()].strip():
        return _unglue(line[: m.start()]) + [line[m.start():]]
    if line.startswith("|"):
        return [line]
    for heading in _GLUED_HEADINGS:
        if line.endswith(heading) and len(line) > len(heading):
            before = line[: -len(heading)]
            if before[-1:].isspace():
                continue  # "the request Body": prose, not a glued heading
            return _unglue(before) + [heading]
    return [line]


class _Parser:
    def __init__(self, path: str, lines: list[_Line]):
        self.path = path
        self.lines = lines
        self.i = 0

    def error(self, line: int | None, message: str) -> PageError:
        return PageError(self.path, line, message)

    # -- driver -------------------------------------------------------------------------------
    def parse(self) -> Page:
        lines = self.lines
        first = next((ln for ln in lines if ln.text.strip()), None)
        if first is None:
            raise self.error(None, "page is empty")
        api = first.text.strip()
        if not _API_NAME.match(api):
            raise self.error(first.no, f"first line should be the API name, found {api[:60]!r}")

        endpoints: list[Endpoint] = []
        headers: list[tuple[str, str, int]] = []
        request_sample = response_sample = None
        request_sample_line = response_sample_line = None
        request: Table | None = None
        response: Table | None = None
        sections: dict[str, Table] = {}

        mode = "start"
        self.i = lines.index(first) + 1
        while self.i < len(lines):
            ln = lines[self.i]
            text = ln.text.strip()
            if not text:
                self.i += 1
                continue
            sec = _SECTION.match(text)
            if sec:
                name = sec.group(1)
                if name in sections:
                    raise self.error(ln.no, f"duplicate section #{name} (first at line {sections[name].line})")
                self.i += 1
                nxt = self._next_nonblank()
                if nxt is None or not _TABLE_HEADER.match(nxt.text.strip()):
                    raise self.error(ln.no, f"section #{name} has no table header (| Name | Type | ...)")
                sections[name] = self._table(name, section_line=ln.no)
                continue
            if _TABLE_HEADER.match(text):
                if mode == "request-params" and request is None:
                    request = self._table("request")
                elif mode == "response" and response is None:
                    response = self._table("response")
                elif mode == "response":
                    raise self.error(ln.no, "a second response table without a #name line before it")
                else:
                    raise self.error(ln.no, "a table outside the request-parameter and response parts")
                continue
            if text in HEADINGS:
                if text == "URLs":
                    mode = "urls"
                elif text == "Headers":
                    mode = "headers"
                elif text == "Body":
                    mode = "body"
                    request_sample, request_sample_line = self._json_sample("request body sample")
                    continue
                elif text == "Request Parameters":
                    mode = "request-params"
                elif text == "API Response":
                    mode = "response"
                    response_sample, response_sample_line = self._json_sample("response sample")
                    continue
                elif text == "SDK Sample":
                    break
                elif text in ("Curl", "API Request"):
                    mode = "other"
                self.i += 1
                continue
            if mode == "urls":
                m = _ENDPOINT.match(text)
                if m:
                    endpoints.append(Endpoint(m.group(1), _normalise_path(m.group(2)), ln.no))
                else:
                    raise self.error(ln.no, f"expected 'METHOD path' under URLs, found {text[:60]!r}")
            elif mode == "headers" and ":" in text:
                name, _, value = text.partition(":")
                headers.append((name.strip(), value.strip(), ln.no))
            self.i += 1

        if not endpoints:
            raise self.error(None, "no URL line ('PUT zstack/v1/...') under a URLs heading")
        if response is None:
            raise self.error(None, "no response field table (| Name | Type | Description | ...) after 'API Response'")
        page = Page(
            path=self.path,
            api=api,
            api_line=first.no,
            endpoints=tuple(endpoints),
            headers=tuple(headers),
            request_sample=request_sample,
            request_sample_line=request_sample_line,
            request=request,
            response_sample=response_sample,
            response_sample_line=response_sample_line,
            response=response,
            sections=sections,
        )
        self._check_references(page)
        return page

    def _next_nonblank(self) -> _Line | None:
        while self.i < len(self.lines) and not self.lines[self.i].text.strip():
            self.i += 1
        return self.lines[self.i] if self.i < len(self.lines) else None

    # -- JSON samples -------------------------------------------------------------------------
    def _json_sample(self, what: str):
        """Decode the first JSON object after the current heading, up to the next table/heading."""
        start = self.i + 1
        j = start
        while j < len(self.lines):
            t = self.lines[j].text.strip()
            if _TABLE_HEADER.match(t) or t in ("Request Parameters", "SDK Sample", "API Response") or _SECTION.match(t):
                break
            j += 1
        chunk = self.lines[start:j]
        self.i = j
        texts = [ln.text for ln in chunk]
        joined = "\n".join(texts)
        brace = joined.find("{")
        if brace < 0:
            return None, None
        line_of = chunk[joined.count("\n", 0, brace)].no
        try:
            value, _end = json.JSONDecoder().raw_decode(joined, brace)
        except json.JSONDecodeError as exc:
            bad = chunk[min(joined.count("\n", 0, exc.pos), len(chunk) - 1)].no
            raise self.error(bad, f"{what} is not valid JSON: {exc.msg}") from None
        return value, line_of

    # -- tables -------------------------------------------------------------------------------
    def _table(self, name: str, section_line: int | None = None) -> Table:
        header = self.lines[self.i]
        columns = tuple(c.strip() for c in header.text.strip().strip("|").split("|"))
        keys = []
        for c in columns:
            key = COLUMN_KEYS.get(c.lower())
            if key is None:
                raise self.error(header.no, f"unknown table column {c!r}")
            keys.append(key)
        if "name" not in keys or "type" not in keys:
            raise self.error(header.no, "table header needs Name and Type columns")
        self.i += 1
        sep = self._next_nonblank()
        if sep is not None and re.match(r"^\|?\s*:?-{3,}", sep.text.strip()):
            self.i += 1

        rows: list[tuple[int, list[str]]] = []  # (line, physical pieces)
        open_row = False
        while self.i < len(self.lines):
            ln = self.lines[self.i]
            t = ln.text.strip()
            if _SECTION.match(t) or t in HEADINGS or _TABLE_HEADER.match(t):
                break
            if not t:
                if open_row:
                    self.i += 1
                    continue
                break
            starts_row = bool(_ROW_START.match(t))
            # A lone '|' keeps a row open (stray export line) but lets a new row start after it.
            if starts_row and (not open_row or rows[-1][1][-1] == "|"):
                rows.append((ln.no, [t]))
            elif rows and (open_row or t.startswith("|")):
                rows[-1][1].append(t)
            elif not rows:
                raise self.error(ln.no, f"table row should start with '| name | type |', found {t[:60]!r}")
            else:
                break
            last = rows[-1][1][-1]
            open_row = not (last.endswith("|") and last != "|")
            self.i += 1

        fields = []
        seen: dict[str, int] = {}
        for line_no, pieces in rows:
            cells = _cells(pieces)
            f = self._field(keys, cells, line_no)
            if f.name in seen:
                raise self.error(line_no, f"field {f.name!r} listed twice in table {name} (first at line {seen[f.name]})")
            seen[f.name] = line_no
            fields.append(f)
        return Table(name=name, columns=columns, fields=tuple(fields), line=section_line or header.no)

    def _field(self, keys: list[str], cells: list[str], line: int) -> Field:
        n = len(keys)
        while len(cells) > n and cells[-1] == "":
            cells.pop()
        if len(cells) > n:
            raise self.error(line, f"row has {len(cells)} cells, the table has {n} columns")
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
        location = row.get("location") or None
        container = None
        if location:
            m = _CONTAINED.search(location)
            container = m.group(1) if m else None
            location = location.split("(")[0].strip().lower()
        return Field(
            name=row["name"],
            type=row["type"],
            description=row.get("description", ""),
            since=row.get("since") or None,
            line=line,
            location=location,
            container=container,
            optional_values=row.get("optional_values") or None,
        )

    # -- references ---------------------------------------------------------------------------
    def _check_references(self, page: Page) -> None:
        for table in [t for t in (page.request, page.response) if t] + list(page.sections.values()):
            for f in table.fields:
                resolve_reference(page, f)  # raises PageError for a dangling 'See X'


def _cells(pieces: list[str]) -> list[str]:
    """Join a row's physical lines and split it into cells.

    A lone '|' line is an export artefact between the pieces of a broken cell, never an empty
    cell of its own: the next cell's boundary is the '|' that starts or ends a piece.
    """
    text = "\n".join(p for p in pieces if p != "|").strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [" ".join(c.split()) for c in text.split("|")]


def _normalise_path(path: str) -> str:
    """'zstack/v1/vm-instances/{uuid}/actions' -> '/v1/vm-instances/{uuid}/actions'."""
    p = re.sub(r"^[a-z]+://[^/]+", "", path)
    p = "/" + p.lstrip("/")
    if p.startswith("/zstack/"):
        p = p[len("/zstack"):]
    return p
