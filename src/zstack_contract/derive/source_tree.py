"""ZStack's API doc sources (the ``*Doc_zh_cn.groovy`` files its reference pages are rendered from),
found, parsed (by :mod:`.groovy`, never run) and known by the class each documents.

An API spreads over several files, each beside the Java class it documents:
``API<Name>MsgDoc_zh_cn.groovy`` (the title, the URLs, the headers, the parameter columns, the
result class), the result's ``API<Name>Event|ReplyDoc_zh_cn.groovy`` and the inventories'
``<X>InventoryDoc_zh_cn.groovy`` (``field`` and ``ref`` entries; a ``ref`` names the class whose
table it refers to). An inner class ``Outer.Inner`` is documented in ``Outer_InnerDoc_zh_cn.groovy``.
A file's class is its ``package`` and its name; a ``clz X.class`` is found as Groovy would find
it (an import, the file's own package, a ``.*`` import) and, failing those, as the one class of
that simple name among the files (:meth:`SourceTree.find`). A statement the DSL does not have
where it stands is a warning and is not read (:data:`GRAMMAR`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import PageError, internal_error
from ..inputs.files import files_in
from .groovy import ClassRef, GroovyError, Statement, parse_groovy
from .page import Defect

DOC_SUFFIX = "Doc_zh_cn.groovy"

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
        rest = first_named(self.doc.block, "rest")
        return rest is not None and first_named(rest.block, "request") is not None and first_named(rest.block, "response") is not None


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
def all_named(block: list[Statement] | None, name: str) -> list[Statement]:
    return [s for s in block or () if s.name == name]


def first_named(block: list[Statement] | None, name: str) -> Statement | None:
    return next((s for s in block or () if s.name == name), None)


class Reader:
    """The values of one file's statements, each a PageError naming the line when it is not of its kind."""

    def __init__(self, doc: DocFile):
        self.doc = doc

    def error(self, st: Statement, message: str) -> PageError:
        return PageError(self.doc.shown, st.line, message)

    def text(self, block: list[Statement] | None, name: str, default: str | None = None) -> str | None:
        st = first_named(block, name)
        if st is None:
            return default
        if not st.args or not isinstance(st.args[0], str):
            raise self.error(st, f"'{name}' takes a string")
        return st.args[0]

    def flag(self, block: list[Statement] | None, name: str) -> bool:
        st = first_named(block, name)
        if st is None:
            return False
        if not st.args or not isinstance(st.args[0], bool):
            raise self.error(st, f"'{name}' takes true or false")
        return st.args[0]

    def clz(self, block: list[Statement] | None) -> tuple[ClassRef, Statement] | None:
        st = first_named(block, "clz")
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
