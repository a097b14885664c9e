"""Parse a ZStack API reference page (plain-text export, any rendering) into a :class:`~.page.Page`.

The parser knows the layout the doc generator gives every page, not any API. In order: a title
(``ReimageVmInstance``, ``Create Account (CreateAccount)``, ``删除云主机Hostname(DeleteVmHostname)``,
or none, the page starting at its request part), the request (URLs, headers, a body sample, a
curl sample, the parameter table or a query API's "queryable fields" note), the response (a sample
and its tables, or the sentence of an API that answers ``{}``), and the SDK samples, where it
stops. The words of each rendering are in :mod:`.vocabulary`; undoing the export's glued lines is
:mod:`.lines`, reading a table :mod:`.tables`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import PageError
from . import vocabulary as words
from .lines import TABLE_HEADER, Line, logical_lines
from .page import Defect, Endpoint, Page, Sample, Table, drop_repeated
from .tables import SECTION, is_table_end, read_table
from .types import defects

_API_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_TITLE_API = re.compile(r"[(（]\s*([A-Z][A-Za-z0-9]*)\s*[)）]\s*$")
ENDPOINT = re.compile(r"^(GET|PUT|POST|DELETE|PATCH)\s+(\S+?)\s*(?:#.*)?$")
_CURL_BODY = re.compile(r"-d\s+'([^']*)'")
_CURL_URL = re.compile(r"https?://\S+")
_SDK_ACTION = re.compile(r"\b([A-Z][A-Za-z0-9]*)Action\s+action\b")


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
    return parse_page_text(text, shown, Path(path).stem)


def parse_page_text(text: str, path: str, stem: str = "") -> Page:
    """``stem``: the file name without its suffix, the API name of a page with no title or SDK sample."""
    return _Parser(path, logical_lines(text), stem).parse()


class _Parser:
    def __init__(self, path: str, lines: list[Line], stem: str):
        self.path = path
        self.lines = lines
        self.stem = stem
        self.endpoints: list[Endpoint] = []
        self.headers: list[tuple[str, str, int]] = []
        self.request: Table | None = None
        self.response: Table | None = None
        self.sections: dict[str, Table] = {}
        self.samples: dict[str, Sample] = {}  # request, curl, response
        self.headings: list[str] = []
        self.marks: dict[str, int] = {}  # empty-response, queryable: the line of each
        self.sdk_api: tuple[str, int] | None = None
        self.defects: list[Defect] = []

    def error(self, line: int | None, message: str) -> PageError:
        return PageError(self.path, line, message)

    def parse(self) -> Page:
        lines = self.lines
        first = next((i for i, ln in enumerate(lines) if ln.text.strip()), None)
        if first is None:
            raise self.error(None, "page is empty")
        title = self._title(lines[first])
        i = first + 1 if title else first
        part = words.TITLE
        while i < len(lines):
            ln = lines[i]
            text = ln.text.strip()
            if not text:
                i += 1
                continue
            sec = SECTION.match(text)
            if sec:
                i = self._section(i, sec.group(1))
                continue
            if TABLE_HEADER.match(text):
                i = self._table(i, part)
                continue
            heading = words.HEADINGS.get(text)
            if heading is not None:
                self.headings.append(text)
                if words.is_queryable_note(text):
                    self.marks["queryable"] = ln.no
                if heading == words.SDK:
                    self._sdk(i + 1)
                    break
                part = words.PARAMS if heading == words.PARAMS else words.RESPONSE if heading == words.SAMPLE else heading
                i += 1
                continue
            i = self._line(i, part, text)
        return self._page(title)

    # -- the parts --------------------------------------------------------------------------------
    def _title(self, ln: Line) -> tuple | None:
        """(API, line) when the first line is a title; None when the page starts with its request."""
        text = ln.text.strip().lstrip("#").strip()
        if text in words.HEADINGS or ENDPOINT.match(text):
            return None
        m = _TITLE_API.search(text)
        if m:
            return m.group(1), ln.no
        if _API_NAME.match(text):
            return text, ln.no
        return ("", ln.no, text)  # a title that names no API: the SDK sample or the file name will

    def _line(self, i: int, part: str, text: str) -> int:
        ln = self.lines[i]
        if part == words.URLS:
            m = ENDPOINT.match(text)
            if not m:
                raise self.error(ln.no, f"expected 'METHOD path' under URLs, found {text[:60]!r}")
            path, _, query = m.group(2).partition("?")
            names = tuple(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", query))
            self.endpoints.append(Endpoint(m.group(1), normalise_path(path), ln.no, names))
        elif part == words.HEADERS and ":" in text:
            name, _, value = text.partition(":")
            self.headers.append((name.strip(), value.strip(), ln.no))
        elif part == words.BODY and text.startswith("{") and "request" not in self.samples:
            return self._json(i, "request", "request body sample")
        elif part == words.CURL:
            m = _CURL_BODY.search(text)
            if m and "curl" not in self.samples:
                try:
                    self.samples["curl"] = Sample(json.loads(m.group(1)), ln.no)
                except ValueError:
                    raise self.error(ln.no, "the curl sample's body (-d '...') is not valid JSON") from None
            url = _CURL_URL.search(text)
            if url and "?" in url.group(0) and "curl-query" not in self.samples:
                self.samples["curl-query"] = Sample(parse_qs(urlsplit(url.group(0)).query, keep_blank_values=True), ln.no)
        elif part == words.RESPONSE:
            if words.says_empty_response(text):
                self.marks["empty-response"] = ln.no
            if text.startswith("{") and "response" not in self.samples:
                return self._json(i, "response", "response sample")
        return i + 1

    def _json(self, i: int, name: str, what: str) -> int:
        """Decode the JSON value starting at line ``i``; the index of the line after it."""
        j = i
        while j < len(self.lines) and not (j > i and is_table_end(self.lines[j].text.strip())):
            j += 1
        chunk = self.lines[i:j]
        joined = "\n".join(ln.text for ln in chunk)
        try:
            value, end = json.JSONDecoder().raw_decode(joined, joined.find("{"))
        except json.JSONDecodeError as exc:
            bad = chunk[min(joined.count("\n", 0, exc.pos), len(chunk) - 1)].no
            raise self.error(bad, f"{what} is not valid JSON: {exc.msg}") from None
        self.samples[name] = Sample(value, chunk[0].no)
        rest = joined.count("\n", 0, end)  # the line the value ends on; what follows it on that line is prose
        return i + rest + 1

    def _section(self, i: int, name: str) -> int:
        no = self.lines[i].no
        i += 1
        while i < len(self.lines) and not self.lines[i].text.strip():
            i += 1
        if i >= len(self.lines) or not TABLE_HEADER.match(self.lines[i].text.strip()):
            raise self.error(no, f"section #{name} has no table header (| Name | Type | ...)")
        table, i = self._read_table(i, name, section_line=no)
        first = self.sections.get(name)
        if first is None:
            self.sections[name] = table
        elif _rows(first) != _rows(table):  # the same table again is how the generator shows a class met twice
            self.defects.append(Defect(self.path_line(no), f"section #{name} again, with other rows than at line {first.line}: "
                                                           "the first is used"))
        return i

    def _table(self, i: int, part: str) -> int:
        no = self.lines[i].no
        if part == words.PARAMS and self.request is None:
            self.request, i = self._read_table(i, "request")
        elif part == words.RESPONSE and self.response is None:
            self.response, i = self._read_table(i, "response")
        elif part == words.RESPONSE:
            raise self.error(no, "a second response table without a #name line before it")
        else:
            i += 1
            while i < len(self.lines) and self.lines[i].text.strip().startswith("|") and not is_table_end(self.lines[i].text.strip()):
                i += 1
            self.defects.append(Defect(self.path_line(no), "a table outside the request-parameter and response parts: not read"))
        return i

    def _read_table(self, i: int, name: str, section_line: int | None = None) -> tuple[Table, int]:
        table, i = read_table(self.lines, i, name, self.path, section_line=section_line)
        table, repeated = drop_repeated(table, lambda f: self.path_line(f.line))
        self.defects += repeated
        return table, i

    def path_line(self, line: int) -> str:
        return f"{self.path}:{line}"

    def _sdk(self, i: int) -> None:
        for ln in self.lines[i:]:
            m = _SDK_ACTION.search(ln.text)
            if m:
                self.sdk_api = (m.group(1), ln.no)
                return

    # -- the page -----------------------------------------------------------------------------
    def _page(self, title: tuple | None) -> Page:
        if not self.headings and not self.endpoints:
            first = next(ln for ln in self.lines if ln.text.strip())
            raise self.error(first.no, "not an API reference page: none of its headings (API Request, URLs, API请求, ...) is here")
        if not self.endpoints:
            raise self.error(None, "no URL line ('PUT zstack/v1/...') under a URLs heading")
        if self.response is None and "empty-response" not in self.marks:
            raise self.error(None, "no response field table (| Name | Type | Description | ...) after the response heading, "
                                   "and no sentence saying the API answers {}")
        api, api_line = self._api(title)
        page = Page(
            path=self.path, api=api, api_line=api_line, language=words.language_of(self.headings),
            endpoints=tuple(self.endpoints), headers=tuple(self.headers), request=self.request, response=self.response,
            sections=self.sections, request_sample=self.samples.get("request"), curl_sample=self.samples.get("curl"),
            response_sample=self.samples.get("response"), curl_query=self.samples.get("curl-query"), empty_response_line=self.marks.get("empty-response"),
            queryable_line=self.marks.get("queryable"),
        )
        return dataclasses.replace(page, defects=tuple(self.defects) + tuple(defects(page)))

    def _api(self, title: tuple | None) -> tuple[str, int]:
        """The API's name: the title's, else the SDK sample's action, else the file name's."""
        if title and title[0]:
            return title[0], title[1]
        if self.sdk_api:
            return self.sdk_api
        if _API_NAME.match(self.stem):
            return self.stem, title[1] if title else self.endpoints[0].line
        line = title[1] if title else None
        found = repr(title[2][:60]) if title else "no title"
        raise self.error(line, f"cannot tell the API: {found} names none ('Name' or 'Title (Name)'), "
                               "and neither an SDK sample nor the file name does")


def _rows(table: Table) -> list[tuple]:
    """What a table says, whatever line it stands on."""
    return [(f.name, f.type, f.description, f.since, f.location, f.container, f.valid_values, f.optional) for f in table.fields]


def normalise_path(path: str) -> str:
    """'zstack/v1/vm-instances/{uuid}/actions' -> '/v1/vm-instances/{uuid}/actions'."""
    p = re.sub(r"^[a-z]+://[^/]+", "", path)
    p = "/" + p.lstrip("/")
    if p.startswith("/zstack/"):
        p = p[len("/zstack"):]
    return p
