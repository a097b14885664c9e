"""The words of each rendering of the reference pages: headings, table columns, and the phrases the
parser looks for. Pages are generated from the server's doc sources, first in Chinese, then in
English, with the same layout; a third rendering is one more :class:`Vocabulary` in
:data:`VOCABULARIES`.

A page is read with every vocabulary at once (an English page may keep a Chinese word, and the
other way round); its language is the one whose headings it uses most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a heading starts: the parts of a page.
TITLE, REQUEST, URLS, HEADERS, BODY, CURL, PARAMS, RESPONSE, SAMPLE, SDK = (
    "title", "request", "urls", "headers", "body", "curl", "params", "response", "sample", "sdk")


@dataclass(frozen=True)
class Vocabulary:
    language: str
    headings: dict[str, str]  # heading text -> part
    glued: tuple[str, ...]  # headings the export glues to the end of the previous line
    columns: dict[str, str]  # column title (lower case) -> field key
    optional_name: re.Pattern  # an optional marker in the name cell: "type (optional)"
    optional_description: re.Pattern  # an optional marker opening the description: "Optional."
    contained: re.Pattern  # "body (contained in the X structure)": group 1 is X
    see: re.Pattern  # a reference to a table of the page: "See X.": group 1 is X
    empty_response: re.Pattern  # the sentence that replaces the response table of an API answering {}
    queryable: re.Pattern  # the heading that replaces the parameter table of a query API


_NAME = r"([A-Za-z_][A-Za-z0-9_]*)"

ENGLISH = Vocabulary(
    language="en",
    headings={
        "API Request": REQUEST, "URLs": URLS, "Headers": HEADERS, "Body": BODY,
        "Curl": CURL, "Curl Sample": CURL, "Curl Example": CURL,
        "Request Parameters": PARAMS, "Parameter List": PARAMS, "Parameters": PARAMS,
        "API Response": RESPONSE, "Response Sample": SAMPLE, "Response Example": SAMPLE, "Response example": SAMPLE,
        "Queryable Fields": PARAMS, "SDK Sample": SDK, "SDK Example": SDK,
    },
    glued=("Request Parameters", "Parameter List", "Queryable Fields", "Headers", "Body", "Curl Sample", "Curl Example",
           "Curl", "API Response", "SDK Sample", "Python", "Java"),
    columns={
        "name": "name", "type": "type", "location": "location", "description": "description",
        "optional value": "valid_values", "optional values": "valid_values", "valid value": "valid_values",
        "valid values": "valid_values", "allowed values": "valid_values", "starting version": "since", "since": "since",
    },
    optional_name=re.compile(r"\s*\(\s*optional\s*\)\s*$", re.I),
    optional_description=re.compile(r"^\s*optional\b", re.I),
    contained=re.compile(rf"contained in the\s+{_NAME}\s+structure", re.I),
    see=re.compile(rf"\bsee {_NAME}\s*\.?\s*$", re.I),
    empty_response=re.compile(r"an empty JSON structure\s*\{\s*\}", re.I),
    queryable=re.compile(r"^\s*Queryable Fields\s*$", re.I),
)

CHINESE = Vocabulary(
    language="zh",
    headings={
        "API请求": REQUEST, "URLs": URLS, "Headers": HEADERS, "Body": BODY, "Curl示例": CURL,
        "参数列表": PARAMS, "可查询字段": PARAMS, "API返回": RESPONSE, "返回示例": SAMPLE, "SDK示例": SDK,
    },
    glued=("API请求", "Headers", "Body", "Curl示例", "参数列表", "可查询字段", "API返回", "返回示例", "SDK示例", "Java SDK",
           "Python SDK"),
    columns={
        "名字": "name", "名称": "name", "类型": "type", "位置": "location", "描述": "description",
        "可选值": "valid_values", "起始版本": "since",
    },
    optional_name=re.compile(r"\s*[(（]\s*可选\s*[)）]\s*$"),
    optional_description=re.compile(r"^\s*[(（]?可选[)）]?"),
    contained=re.compile(rf"包含在\s*`?{_NAME}`?\s*结构中"),
    see=re.compile(rf"详情参考\s*\[?{_NAME}\]?"),
    empty_response=re.compile(r"空的JSON结构\s*`?\{\s*\}`?"),
    queryable=re.compile(r"^\s*可查询字段\s*$"),
)

VOCABULARIES: tuple[Vocabulary, ...] = (ENGLISH, CHINESE)

# Every vocabulary at once.
HEADINGS: dict[str, str] = {h: part for v in VOCABULARIES for h, part in v.headings.items()}
GLUED: tuple[str, ...] = tuple(sorted({h for v in VOCABULARIES for h in v.glued}, key=len, reverse=True))
COLUMNS: dict[str, str] = {c: key for v in VOCABULARIES for c, key in v.columns.items()}


def language_of(headings: list[str]) -> str:
    """The language whose headings a page uses most (the first vocabulary's on a tie)."""
    counts = [(sum(1 for h in headings if h in v.headings and not _shared(h)), -n, v.language) for n, v in enumerate(VOCABULARIES)]
    return max(counts)[2]


def _shared(heading: str) -> bool:
    return sum(1 for v in VOCABULARIES if heading in v.headings) > 1


def see_target(description: str) -> str | None:
    """The table a description refers to (``See X.``, ``详情参考X``), if any."""
    for v in VOCABULARIES:
        m = v.see.search(description)
        if m:
            return m.group(1)
    return None


def contained_in(location: str) -> str | None:
    """The structure a body parameter is contained in (``body (contained in the X structure)``)."""
    for v in VOCABULARIES:
        m = v.contained.search(location)
        if m:
            return m.group(1)
    return None


def optional_name(name_cell: str) -> tuple[str, bool]:
    """(name, marked optional) of a name cell: ``type (optional)``, ``systemTags (可选)``."""
    for v in VOCABULARIES:
        m = v.optional_name.search(name_cell)
        if m:
            return name_cell[: m.start()].strip(), True
    return name_cell.strip(), False


def optional_description(description: str) -> bool:
    return any(v.optional_description.match(description) for v in VOCABULARIES)


def says_empty_response(text: str) -> bool:
    return any(v.empty_response.search(text) for v in VOCABULARIES)


def is_queryable_note(text: str) -> bool:
    return any(v.queryable.match(text) for v in VOCABULARIES)
