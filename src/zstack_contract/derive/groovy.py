"""The subset of Groovy that ZStack's API doc sources (``*Doc_zh_cn.groovy``) are written in, read
without running any Groovy: the tokens (:mod:`.groovy_lexer`) parsed into a tree of :class:`Statement` s.

What is read:

* ``package a.b`` and ``import a.b.C`` (``as D``, ``.*``) lines, comments (``//``, ``/* */``, a
  first-line ``#!``) and ``;`` between statements;
* statements in the command form Groovy's DSLs use: a name, then arguments with or without
  parentheses, then an optional ``{ ... }`` block of statements (``doc { ... }``,
  ``name "uuid"``, ``desc "...", false``, ``header (Authorization: 'OAuth ...')``,
  ``values ("a", "b")``, ``clz VmInstanceInventory.class``, ``params APIQueryMessage.class``);
* values: strings in every quote form (``'...'``, ``"..."``, ``'''...'''``, ``\"\"\"...\"\"\"``,
  slashy ``/.../`` and dollar-slashy ``$/.../$``, joined by ``+``), numbers, ``true``, ``false``,
  ``null``, class literals (``X.class``, ``a.b.X.class``), lists ``[...]`` and named arguments
  (``key: value``).

Anything else (string interpolation ``${...}``, method calls on values, operators, closures as
values) is outside the subset: a :class:`GroovyError` naming the line, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .groovy_lexer import GroovyError, Token, Tokenizer


@dataclass(frozen=True)
class ClassRef:
    """A class literal: ``VmInstanceInventory.class`` -> ``VmInstanceInventory``."""

    name: str  # as written, dotted when qualified


@dataclass
class Statement:
    name: str
    line: int
    args: list[Any] = field(default_factory=list)
    named: dict[str, Any] = field(default_factory=dict)  # key: value arguments
    block: list["Statement"] | None = None


@dataclass
class Source:
    """One parsed file: its package, imports (simple name -> qualified), and top-level statements."""

    package: str
    imports: dict[str, str]
    wildcards: tuple[str, ...]  # packages imported with .*
    statements: list[Statement]


# -- statements --------------------------------------------------------------------------------------
def parse_groovy(text: str, path: str) -> Source:
    """Parse one doc source; raises :class:`GroovyError` naming ``path`` and the line."""
    return _Parser(Tokenizer(text, path), path).source()


class _Parser:
    def __init__(self, tokenizer: Tokenizer, path: str):
        self.tokens = list(tokenizer.tokens())
        self.i = 0
        self.path = path

    def error(self, message: str, token: Token | None = None) -> GroovyError:
        return GroovyError(self.path, (token or self.peek()).line, message)

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.peek()
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind: str, value: Any = None, what: str = "") -> Token:
        if not self.at(kind, value):
            raise self.error(f"expected {what or value or kind}, found {_shown(self.peek())}")
        return self.take()

    def skip_separators(self) -> None:
        while self.at("newline") or self.at("punct", ";"):
            self.take()

    def source(self) -> Source:
        package, imports, wildcards = "", {}, []
        self.skip_separators()
        if self.at("name", "package"):
            self.take()
            package = self.qualified()
            self.end_of_statement()
        self.skip_separators()
        while self.at("name", "import"):
            self.take()
            if self.at("name", "static"):
                self.take()
            name = self.qualified(star=True)
            if name.endswith(".*"):
                wildcards.append(name[:-2])
            elif self.at("name", "as"):
                self.take()
                imports[self.expect("name", what="a name after 'as'").value] = name
            else:
                imports[name.rsplit(".", 1)[-1]] = name
            self.end_of_statement()
            self.skip_separators()
        statements = self.statements(top=True)
        return Source(package, imports, tuple(wildcards), statements)

    def qualified(self, star: bool = False) -> str:
        parts = [self.expect("name", what="a name").value]
        while self.at("punct", "."):
            self.take()
            if star and self.at("punct", "*"):
                self.take()
                parts.append("*")
                break
            parts.append(self.expect("name", what="a name after '.'").value)
        return ".".join(parts)

    def end_of_statement(self) -> None:
        if not (self.at("newline") or self.at("punct", ";") or self.at("end") or self.at("punct", "}")):
            raise self.error(f"expected the end of the statement, found {_shown(self.peek())}")

    def statements(self, top: bool = False) -> list[Statement]:
        out = []
        while True:
            self.skip_separators()
            if self.at("end"):
                if not top:
                    raise self.error("a { block that is never closed")
                return out
            if self.at("punct", "}"):
                if top:
                    raise self.error("a } that closes no block")
                return out
            out.append(self.statement())

    def statement(self) -> Statement:
        head = self.expect("name", what="a statement (a name such as doc, title, column)")
        st = Statement(head.value, head.line)
        if self.at("punct", "("):
            self.take()
            self.arguments(st, closing=")")
            self.expect("punct", ")", "')'")
        elif not (self.at("newline") or self.at("end") or self.at("punct", "{") or self.at("punct", "}") or self.at("punct", ";")):
            self.arguments(st, closing=None)
        if self.at("punct", "{"):
            self.take()
            st.block = self.statements()
            self.expect("punct", "}", "'}'")
        self.end_of_statement()
        return st

    def arguments(self, st: Statement, closing: str | None) -> None:
        """Comma-separated arguments, up to ``closing`` (or the end of the line in command form)."""
        if closing and self.at("punct", closing):
            return
        while True:
            if closing:
                self.skip_newlines()
            if self.at("name") and self.peek(1).kind == "punct" and self.peek(1).value == ":":
                key = self.take().value
                self.take()
                st.named[key] = self.value()
            elif self.at("string") and self.peek(1).kind == "punct" and self.peek(1).value == ":":
                key = self.take().value
                self.take()
                st.named[key] = self.value()
            else:
                st.args.append(self.value())
            if closing:
                self.skip_newlines()
            if not self.at("punct", ","):
                return
            self.take()
            self.skip_newlines()

    def skip_newlines(self) -> None:
        while self.at("newline"):
            self.take()

    def value(self) -> Any:
        t = self.peek()
        if t.kind == "string":
            text = self.take().value
            while self.at("punct", "+"):  # "a" + "b"
                self.take()
                self.skip_newlines()
                if not self.at("string"):
                    raise self.error(f"only strings are joined with +, found {_shown(self.peek())}")
                text += self.take().value
            return text
        if t.kind in ("number", "keyword"):
            return self.take().value
        if t.kind == "punct" and t.value == "[":
            self.take()
            items = []
            self.skip_newlines()
            while not self.at("punct", "]"):
                items.append(self.value())
                self.skip_newlines()
                if not self.at("punct", ","):
                    break
                self.take()
                self.skip_newlines()
            self.expect("punct", "]", "']'")
            return items
        if t.kind == "name":
            name = self.qualified()
            if name == "class" or not name.endswith(".class"):
                raise self.error(f"{name!r} is a reference Groovy would have to run; the doc DSL takes strings, numbers, "
                                 "true/false and X.class here", t)
            return ClassRef(name[: -len(".class")])
        raise self.error(f"expected a value, found {_shown(t)}")


def _shown(token: Token) -> str:
    if token.kind == "end":
        return "the end of the file"
    if token.kind == "newline":
        return "the end of the line"
    if token.kind == "string":
        return "a string"
    return repr(token.value)
