"""The page the doc generator renders from an API's doc sources (:mod:`.source_tree`), built into
the page model, so that the schema builder derives an API from its source as it does from its page.

What :func:`page_of` builds, fact by fact: the result's fields, then its references, each reference
(but one to its own class) followed by the table of its class, depth first, a class met again shown
again (the page parser keeps the first); a reference's description says ``详情参考[name]`` as the
rendered page does, unless the entry overrides it; a result with no field but ``success`` and
``error`` answers ``{}``; a message whose parameters are ``APIQueryMessage``'s is a query (its page
shows the queryable-fields note, no table). The API's name is its message class's
(``APIReimageVmInstanceMsg``), the one the node's REST layer and the SDKs use; a title that names
another is a defect, reported.

Descriptions are kept in the model only as far as the page parser reads them (optional markers,
references); no schema carries them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterator

from ..errors import PageError
from . import vocabulary as words
from .groovy import ClassRef, Statement
from .page import SOURCE, Defect, Endpoint, Field, Page, Table, drop_repeated
from .parser import ENDPOINT, normalise_path
from .source_tree import DOC_SUFFIX, DocFile, Reader, SourceTree, all_named, first_named, groovy_text
from .types import defects as reference_defects

QUERY_PARAMETERS = "APIQueryMessage"  # the class whose parameters make a message a query
REQUEST_COLUMNS = ("名字", "类型", "位置", "描述", "可选值", "起始版本")
DATA_COLUMNS = ("名字", "类型", "描述", "起始版本")
_MESSAGE_CLASS = re.compile(r"^API([A-Z][A-Za-z0-9]*)Msg$")
_TITLE_API = re.compile(r"[(（]\s*([A-Z][A-Za-z0-9]*)\s*[)）]\s*$")



def page_of(api: DocFile, tree: SourceTree) -> Page:
    """The page the doc generator renders from ``api``'s doc sources (see the module); raises
    PageError naming the file and line when they do not make one."""
    return _PageBuilder(api, tree).page()


class _PageBuilder:
    def __init__(self, api: DocFile, tree: SourceTree):
        self.api = api
        self.tree = tree
        self.read = Reader(api)
        self.defects: list[Defect] = list(api.defects)
        self.sections: dict[str, Table] = {}
        self.section_class: dict[str, DocFile] = {}

    def page(self) -> Page:
        api, doc = self.api, self.api.doc
        rest = first_named(doc.block, "rest")
        request = first_named(rest.block, "request")
        response = first_named(rest.block, "response")
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
        self._note(result.defects)
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
        title_st = first_named(doc.block, "title")
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
        for st in all_named(request.block, "url"):
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
        for st in all_named(request.block, "header"):
            for key, value in st.named.items():
                yield str(key), groovy_text(value), st.line

    def _params(self, request: Statement) -> tuple[Table | None, int | None]:
        """(the request table, None), or (None, the line) for a query (APIQueryMessage's parameters)."""
        st = first_named(request.block, "params")
        if st is None:
            return None, None
        owner = self.api
        if st.args and isinstance(st.args[0], ClassRef):
            if st.args[0].name.rsplit(".", 1)[-1] == QUERY_PARAMETERS:
                return None, st.line
            owner = self.tree.find(st.args[0], self.api)
            if owner is None:
                raise self.read.error(st, f"the parameters are {st.args[0].name}'s, which has no doc source among the files read")
            rest = first_named(owner.doc.block, "rest")
            taken = first_named(first_named(rest.block, "request").block, "params") if rest and first_named(rest.block, "request") else None
            if taken is None or taken.block is None:
                raise self.read.error(st, f"the parameters are {st.args[0].name}'s, and {owner.shown} has no params {{ }} block")
            st = taken
        elif st.block is None:
            raise self.read.error(st, "'params' takes a { } block of columns, or a class (X.class)")
        read = Reader(owner)
        fields = []
        for col in all_named(st.block, "column"):
            name = read.text(col.block, "name")
            if not name:
                raise read.error(col, "a column without a name")
            location = (read.text(col.block, "location", "") or "").strip().lower() or None
            enclosed = (read.text(col.block, "enclosedIn", "") or "").strip()
            description = " ".join((read.text(col.block, "desc", "") or "").split())
            values_st = first_named(col.block, "values")
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
        read = Reader(doc)
        fields = []
        for st in all_named(doc.doc.block, "field") + all_named(doc.doc.block, "ref"):
            fname = read.text(st.block, "name")
            if not fname:
                raise read.error(st, f"a {st.name} without a name")
            desc_st = first_named(st.block, "desc")
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
        self._note(repeated)
        return table

    def _note(self, defects: list[Defect]) -> None:
        """Defects of a file every API that reads it reports, each once."""
        self.defects += [d for d in defects if d not in self.defects]

    def _sections(self, owner: DocFile, path: set[str]) -> None:
        """The tables ``owner``'s references lead to, depth first (see the module)."""
        read = Reader(owner)
        for st in all_named(owner.doc.block, "ref"):
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
                self._note(target.defects)
                self._sections(target, path | {target.qualified})
            elif known is not target:
                self.defects.append(Defect(owner.where(st), f"section #{name} again, of {target.qualified} where the first is of "
                                                            f"{known.qualified}: the first is used"))


def _doc_name(ref: ClassRef) -> str:
    return ref.name.rsplit(".", 1)[-1] + DOC_SUFFIX
