"""ZStack's API doc sources (the ``*Doc_zh_cn.groovy`` files its reference pages are rendered from)
read into the page model, so that the schema builder derives an API from its source as it does
from its page.

An API spreads over several files, each beside the Java class it documents:
``API<Name>MsgDoc_zh_cn.groovy`` (the title, the URLs, the headers, the parameter columns, the
result class), the result's ``API<Name>Event|ReplyDoc_zh_cn.groovy`` and the inventories'
``<X>InventoryDoc_zh_cn.groovy`` (``field`` and ``ref`` entries; a ``ref`` names the class whose
table it refers to). An inner class ``Outer.Inner`` is documented in ``Outer_InnerDoc_zh_cn.groovy``.
A file's class is its ``package`` and its name; a ``clz X.class`` is found as Groovy would find
it (an import, the file's own package, a ``.*`` import) and, failing those, as the one class of
that simple name among the files.

The page the doc generator renders from these is what :func:`page_of` builds, fact by fact: the
result's fields, then its references, each reference (but one to its own class) followed by the
table of its class, depth first, a class met again shown again (the page parser keeps the first);
a reference's description says ``详情参考[name]`` as the rendered page does, unless the entry
overrides it; a result with no field but ``success`` and ``error`` answers ``{}``; a message whose
parameters are ``APIQueryMessage``'s is a query (its page shows the queryable-fields note, no
table). The API's name is its message class's (``APIReimageVmInstanceMsg``), the one the node's
REST layer and the SDKs use; a title that names another is a defect, reported.

The files are read by :mod:`.groovy`, never run. Descriptions are kept in the model only as far as
the page parser reads them (optional markers, references); no schema carries them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import PageError, internal_error
from ..inputs.files import files_in
from . import vocabulary as words
from .groovy import ClassRef, GroovyError, Statement, parse_groovy
from .page import SOURCE, Defect, Endpoint, Field, Page, Table, drop_repeated
from .parser import ENDPOINT, normalise_path
from .types import defects as reference_defects

DOC_SUFFIX = "Doc_zh_cn.groovy"
QUERY_PARAMETERS = "APIQueryMessage"  # the class whose parameters make a message a query
REQUEST_COLUMNS = ("名字", "类型", "位置", "描述", "可选值", "起始版本")
DATA_COLUMNS = ("名字", "类型", "描述", "起始版本")
_MESSAGE_CLASS = re.compile(r"^API([A-Z][A-Za-z0-9]*)Msg$")
_TITLE_API = re.compile(r"[(（]\s*([A-Z][A-Za-z0-9]*)\s*[)）]\s*$")

# What each statement of the DSL holds: the statements read inside it.
GRAMMAR: dict[str, frozenset[str]] = {
    "": frozenset({"doc"}),
    "doc": frozenset({"title", "category", "desc", "rest", "field", "ref"}),
    "rest": frozenset({"request", "response"}),
    "request": frozenset({"url", "header", "clz", "desc", "params", "body"}),
    "params": frozenset({"column", "desc"}),
    "column": frozenset({"name", "enclosedIn", "desc", "location", "type", "optional", "since", "values"}),
    "response": frozenset({"clz", "desc"}),
    "field": frozenset({"name", "desc", "type", "since"}),
    "ref": frozenset({"name", "path", "desc", "type", "since", "clz"}),
}
_OPAQUE = frozenset({"body"})  # read as a whole by the generator (a JSON builder), not by us


def source_files(paths: list[str], on_error: Callable[[PageError], None]) -> Iterator[str]:
    """The doc source files ``paths`` name: files as given, folders searched recursively for
    ``*Doc_zh_cn.groovy``, in a stable order; a path that gives none is an error."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = 0
            for found, path in enumerate(files_in(raw, lambda name: name.endswith(DOC_SUFFIX)), start=1):
                yield path
            if not found:
                on_error(PageError(raw, None, f"folder holds no *{DOC_SUFFIX} doc sources"))
        elif p.is_file():
            yield raw
        else:
            on_error(PageError(raw, None, "no such file or folder"))


@dataclass
class DocFile:
    """One doc source, parsed: the class it documents and its ``doc { }`` block."""

    file: str  # the path to open
    shown: str  # the path errors name (as the user can open it)
    label: str  # the path annotations and warnings name (relative to the tree's root)
    package: str
    name: str  # the file's class name: Outer_Inner for an inner class
    imports: dict[str, str]
    wildcards: tuple[str, ...]
    doc: Statement
    defects: list[Defect] = field(default_factory=list)  # statements not read, each a warning

    @property
    def qualified(self) -> str:
        return f"{self.package}.{self.name}" if self.package else self.name

    def where(self, st: Statement | int) -> str:
        """``label:line`` of a statement (or a line): what annotations and warnings name."""
        return f"{self.label}:{st if isinstance(st, int) else st.line}"

    def is_api(self) -> bool:
        rest = _first(self.doc.block, "rest")
        return rest is not None and _first(rest.block, "request") is not None and _first(rest.block, "response") is not None


class SourceTree:
    """Every doc source of a run, by the class it documents. ``shown(path)`` gives the path errors
    name, ``label(path)`` the one annotations name; a file that cannot be read is ``on_error``'s,
    and is left out."""

    def __init__(self, files: list[str], shown: Callable[[str], str], label: Callable[[str], str],
                 on_error: Callable[[PageError], None]):
        self.files: list[DocFile] = []
        self.by_class: dict[str, DocFile] = {}
        self.by_simple: dict[str, list[DocFile]] = {}
        for path in files:
            doc = _read(path, shown(path), label(path), on_error)
            if doc is None:
                continue
            self.files.append(doc)
            for key in {doc.qualified, doc.qualified.replace("_", ".")}:
                self.by_class.setdefault(key, doc)
            self.by_simple.setdefault(doc.name.rsplit("_", 1)[-1], []).append(doc)

    def apis(self) -> list[DocFile]:
        return [d for d in self.files if d.is_api()]

    def find(self, ref: ClassRef, within: DocFile) -> DocFile | None:
        """The doc of the class ``ref`` names in ``within``, as Groovy resolves the name; else the
        one doc of that simple name."""
        first, _, rest = ref.name.partition(".")
        candidates = []
        if first in within.imports:
            candidates.append(within.imports[first] + (f".{rest}" if rest else ""))
        candidates += [f"{within.package}.{ref.name}", ref.name] + [f"{w}.{ref.name}" for w in within.wildcards]
        for candidate in candidates:
            found = self.by_class.get(candidate)
            if found is not None:
                return found
        same_name = self.by_simple.get(ref.name.rsplit(".", 1)[-1], [])
        return same_name[0] if len(same_name) == 1 else None


def _read(path: str, shown: str, label: str, on_error: Callable[[PageError], None]) -> DocFile | None:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        on_error(PageError(shown, None, f"cannot read doc source: {exc.strerror or exc}"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        on_error(PageError(shown, None, f"doc source is not UTF-8 (byte {exc.start})"))
        return None
    try:
        source = parse_groovy(text, shown)
    except GroovyError as exc:
        on_error(exc)
        return None
    except Exception as exc:  # noqa: BLE001  (a fault of ours on one file: one line, and the others are read)
        on_error(internal_error(shown, exc))
        return None
    docs = [s for s in source.statements if s.name == "doc" and s.block is not None]
    if len(docs) != 1:
        on_error(PageError(shown, docs[1].line if len(docs) > 1 else None,
                           "expected one doc { ... } block" + (", found a second" if docs else ", found none")))
        return None
    name = Path(path).name[: -len(DOC_SUFFIX)] if path.endswith(DOC_SUFFIX) else Path(path).stem
    doc = DocFile(path, shown, label, source.package, name, source.imports, source.wildcards, docs[0])
    _check_grammar(doc, source.statements, "")
    return doc


def _check_grammar(doc: DocFile, statements: list[Statement], context: str) -> None:
    """Statements the DSL does not have where they stand are warnings, and are not read."""
    allowed = GRAMMAR.get(context, frozenset())
    for st in statements:
        if st.name not in allowed:
            doc.defects.append(Defect(doc.where(st), f"'{st.name}' is not a statement of the doc DSL "
                                                     f"{'inside ' + context if context else 'at the top'}: not read"))
        elif st.block is not None and st.name not in _OPAQUE:
            _check_grammar(doc, st.block, st.name)


# -- statements ---------------------------------------------------------------------------------
def _all(block: list[Statement] | None, name: str) -> list[Statement]:
    return [s for s in block or () if s.name == name]


def _first(block: list[Statement] | None, name: str) -> Statement | None:
    return next((s for s in block or () if s.name == name), None)


class _Reader:
    """The values of one file's statements, each a PageError naming the line when it is not of its kind."""

    def __init__(self, doc: DocFile):
        self.doc = doc

    def error(self, st: Statement, message: str) -> PageError:
        return PageError(self.doc.shown, st.line, message)

    def text(self, block: list[Statement] | None, name: str, default: str | None = None) -> str | None:
        st = _first(block, name)
        if st is None:
            return default
        if not st.args or not isinstance(st.args[0], str):
            raise self.error(st, f"'{name}' takes a string")
        return st.args[0]

    def flag(self, block: list[Statement] | None, name: str) -> bool:
        st = _first(block, name)
        if st is None:
            return False
        if not st.args or not isinstance(st.args[0], bool):
            raise self.error(st, f"'{name}' takes true or false")
        return st.args[0]

    def clz(self, block: list[Statement] | None) -> tuple[ClassRef, Statement] | None:
        st = _first(block, "clz")
        if st is None:
            return None
        if not st.args or not isinstance(st.args[0], ClassRef):
            raise self.error(st, "'clz' takes a class (X.class)")
        return st.args[0], st


def groovy_text(value: Any) -> str:
    """A value as Groovy's toString writes it into a page: ``true``, ``4``, ``a``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


# -- the page -----------------------------------------------------------------------------------
def page_of(api: DocFile, tree: SourceTree) -> Page:
    """The page the doc generator renders from ``api``'s doc sources (see the module); raises
    PageError naming the file and line when they do not make one."""
    return _PageBuilder(api, tree).page()


class _PageBuilder:
    def __init__(self, api: DocFile, tree: SourceTree):
        self.api = api
        self.tree = tree
        self.read = _Reader(api)
        self.defects: list[Defect] = list(api.defects)
        self.sections: dict[str, Table] = {}
        self.section_class: dict[str, DocFile] = {}

    def page(self) -> Page:
        api, doc = self.api, self.api.doc
        rest = _first(doc.block, "rest")
        request = _first(rest.block, "request")
        response = _first(rest.block, "response")
        name, name_line = self._name(doc, request)
        endpoints = self._endpoints(request)
        headers = tuple(self._headers(request))
        params, queryable = self._params(request)
        result_ref = self.read.clz(response.block)
        if result_ref is None:
            raise self.read.error(response, "the response names no result class (clz X.class)")
        result = self.tree.find(result_ref[0], api)
        if result is None:
            raise self.read.error(result_ref[1], f"the result class {result_ref[0].name} has no doc source ({_doc_name(result_ref[0])}) "
                                                 "among the files read")
        self.defects += [d for d in result.defects if d not in self.defects]
        result_table = self._data_table(result, "response", line=result_ref[1].line)
        answers_empty = all(f.name in ("success", "error") for f in result_table.fields)
        if not answers_empty:
            self._sections(result, {result.qualified})
        page = Page(
            path=api.label, api=name, api_line=name_line, language=SOURCE, endpoints=endpoints, headers=headers,
            request=params, response=None if answers_empty else result_table, sections={} if answers_empty else self.sections,
            empty_response_line=result_ref[1].line if answers_empty else None,
            queryable_line=queryable,
        )
        return dataclasses.replace(page, defects=tuple(self.defects) + tuple(reference_defects(page)))

    def _name(self, doc: Statement, request: Statement) -> tuple[str, int]:
        """The message class's API name; the title's, or the file's, when the class says none."""
        title_st = _first(doc.block, "title")
        title = self.read.text(doc.block, "title", "") or ""
        line = title_st.line if title_st else doc.line
        m = _TITLE_API.search(title)
        titled = m.group(1) if m else title.strip() if re.fullmatch(r"[A-Z][A-Za-z0-9]*", title.strip()) else None
        clz = self.read.clz(request.block)
        named = _MESSAGE_CLASS.match(clz[0].name.rsplit(".", 1)[-1]) if clz else None
        if named:
            if titled and titled != named.group(1):
                self.defects.append(Defect(self.api.where(line), f"the title names {titled}, the message class "
                                                                 f"{clz[0].name} is {named.group(1)}: the class's name is used"))
            return named.group(1), line
        if titled:
            return titled, line
        from_file = _MESSAGE_CLASS.match(self.api.name)
        if from_file:
            return from_file.group(1), line
        raise PageError(self.api.shown, line, "cannot tell the API: no message class (clz APIXxxMsg.class), no API name in the title, "
                                              "and the file is not named API<Name>MsgDoc_zh_cn.groovy")

    def _endpoints(self, request: Statement) -> tuple[Endpoint, ...]:
        out = []
        for st in _all(request.block, "url"):
            text = st.args[0] if st.args and isinstance(st.args[0], str) else None
            m = ENDPOINT.match(text.strip()) if text else None
            if not m:
                raise self.read.error(st, f"expected url \"METHOD /v1/...\", found {text!r}" if text else "'url' takes a string")
            path, _, query = m.group(2).partition("?")
            out.append(Endpoint(m.group(1), normalise_path(path), st.line, tuple(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", query))))
        if not out:
            raise self.read.error(request, "the request has no url \"METHOD /v1/...\"")
        return tuple(out)

    def _headers(self, request: Statement) -> Iterator[tuple[str, str, int]]:
        for st in _all(request.block, "header"):
            for key, value in st.named.items():
                yield str(key), groovy_text(value), st.line

    def _params(self, request: Statement) -> tuple[Table | None, int | None]:
        """(the request table, None), or (None, the line) for a query (APIQueryMessage's parameters)."""
        st = _first(request.block, "params")
        if st is None:
            return None, None
        owner = self.api
        if st.args and isinstance(st.args[0], ClassRef):
            if st.args[0].name.rsplit(".", 1)[-1] == QUERY_PARAMETERS:
                return None, st.line
            owner = self.tree.find(st.args[0], self.api)
            if owner is None:
                raise self.read.error(st, f"the parameters are {st.args[0].name}'s, which has no doc source among the files read")
            rest = _first(owner.doc.block, "rest")
            taken = _first(_first(rest.block, "request").block, "params") if rest and _first(rest.block, "request") else None
            if taken is None or taken.block is None:
                raise self.read.error(st, f"the parameters are {st.args[0].name}'s, and {owner.shown} has no params {{ }} block")
            st = taken
        elif st.block is None:
            raise self.read.error(st, "'params' takes a { } block of columns, or a class (X.class)")
        read = _Reader(owner)
        fields = []
        for col in _all(st.block, "column"):
            name = read.text(col.block, "name")
            if not name:
                raise read.error(col, "a column without a name")
            location = (read.text(col.block, "location", "") or "").strip().lower() or None
            enclosed = (read.text(col.block, "enclosedIn", "") or "").strip()
            description = " ".join((read.text(col.block, "desc", "") or "").split())
            values_st = _first(col.block, "values")
            fields.append(Field(
                name=name, type=(read.text(col.block, "type", "") or "").strip(), description=description,
                since=(read.text(col.block, "since") or "").strip() or None, line=col.line, location=location,
                container=enclosed if location == "body" and enclosed else None,
                valid_values=tuple(groovy_text(v) for v in values_st.args) if values_st else (),
                optional=read.flag(col.block, "optional") or words.optional_description(description),
                source=None if owner is self.api else owner.where(col),
            ))
        table = Table("request", REQUEST_COLUMNS, tuple(fields), st.line, None if owner is self.api else owner.where(st))
        return self._without_repeats(table), None

    def _data_table(self, doc: DocFile, name: str, line: int) -> Table:
        """A result's or an inventory's table: its fields, then its references."""
        read = _Reader(doc)
        fields = []
        for st in _all(doc.doc.block, "field") + _all(doc.doc.block, "ref"):
            fname = read.text(st.block, "name")
            if not fname:
                raise read.error(st, f"a {st.name} without a name")
            desc_st = _first(st.block, "desc")
            description = read.text(st.block, "desc", "") or ""
            if st.name == "ref":
                override = desc_st.args[1] if desc_st and len(desc_st.args) > 1 else None
                see = f"详情参考[{fname}]"
                description = see if override is None else description if override else f"{description}。 {see}"
            fields.append(Field(name=fname, type=(read.text(st.block, "type", "") or "").strip(),
                                description=" ".join(description.split()),
                                since=(read.text(st.block, "since") or "").strip() or None, line=st.line, source=doc.where(st)))
        return self._without_repeats(Table(name, DATA_COLUMNS, tuple(fields), line, doc.where(doc.doc)))

    def _without_repeats(self, table: Table) -> Table:
        table, repeated = drop_repeated(table, lambda f: f.source or self.api.where(f.line))
        self.defects += [d for d in repeated if d not in self.defects]
        return table

    def _sections(self, owner: DocFile, path: set[str]) -> None:
        """The tables ``owner``'s references lead to, depth first (see the module)."""
        read = _Reader(owner)
        for st in _all(owner.doc.block, "ref"):
            name = read.text(st.block, "name")
            ref = read.clz(st.block)
            if ref is None:
                self.defects.append(Defect(owner.where(st), f"{name}: a ref without its class (clz X.class): no table"))
                continue
            target = self.tree.find(ref[0], owner)
            if target is None:
                self.defects.append(Defect(owner.where(ref[1]), f"{name}: the class {ref[0].name} has no doc source "
                                                                f"({_doc_name(ref[0])}) among the files read: no table"))
                continue
            if target is owner:
                continue  # a reference to its own table: the generator shows none
            if target.qualified in path:
                self.defects.append(Defect(owner.where(st), f"{name}: {ref[0].name} refers back to a table that refers to it: "
                                                            "not followed again"))
                continue
            known = self.section_class.get(name)
            if known is None:
                self.sections[name] = self._data_table(target, name, st.line)
                self.section_class[name] = target
                self.defects += [d for d in target.defects if d not in self.defects]
                self._sections(target, path | {target.qualified})
            elif known is not target:
                self.defects.append(Defect(owner.where(st), f"section #{name} again, of {target.qualified} where the first is of "
                                                            f"{known.qualified}: the first is used"))


def _doc_name(ref: ClassRef) -> str:
    return ref.name.rsplit(".", 1)[-1] + DOC_SUFFIX
