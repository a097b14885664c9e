"""The subset of Groovy that ZStack's API doc sources (``*Doc_zh_cn.groovy``) are written in, read
without running any Groovy: a tokenizer and a parser into a tree of :class:`Statement` s.

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

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import PageError


class GroovyError(PageError):
    """A doc source that is not in the subset read here; names the file and line."""


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


# -- tokens ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # name, string, number, punct, newline, end
    value: Any
    line: int


_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?)[lLiIgGdDfF]?")
_PUNCT = "{}()[],:.;+*"
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "\\": "\\", "'": "'", '"': '"', "$": "$", "/": "/"}
_KEYWORDS = {"true": True, "false": False, "null": None}


class _Tokenizer:
    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1

    def error(self, message: str, line: int | None = None) -> GroovyError:
        return GroovyError(self.path, line or self.line, message)

    def tokens(self) -> Iterator[_Token]:
        text = self.text
        if text.startswith("#!"):
            self._skip_to_line_end()
        previous: _Token | None = None
        while True:
            self._skip_blanks()
            if self.pos >= len(text):
                yield _Token("end", None, self.line)
                return
            ch = text[self.pos]
            line = self.line
            if ch == "\n":
                self._advance(1)
                token = _Token("newline", None, line)
            elif text.startswith("//", self.pos):
                self._skip_to_line_end()
                continue
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error("a /* comment that never ends")
                self._advance(end + 2 - self.pos)
                continue
            elif ch in "'\"":
                token = _Token("string", self._quoted(), line)
            elif text.startswith("$/", self.pos):
                token = _Token("string", self._dollar_slashy(), line)
            elif ch == "/" and _value_expected(previous):
                token = _Token("string", self._slashy(), line)
            elif ch.isdigit() or (ch == "-" and self.pos + 1 < len(text) and text[self.pos + 1].isdigit()):
                m = _NUMBER.match(text, self.pos)
                self._advance(m.end() - self.pos)
                token = _Token("number", _number(m.group()), line)
            elif _NAME.match(text, self.pos):
                m = _NAME.match(text, self.pos)
                self._advance(m.end() - self.pos)
                word = m.group()
                token = _Token("keyword", _KEYWORDS[word], line) if word in _KEYWORDS else _Token("name", word, line)
            elif ch in _PUNCT:
                self._advance(1)
                token = _Token("punct", ch, line)
            else:
                raise self.error(f"{ch!r} is not part of the doc DSL")
            previous = token
            yield token

    def _advance(self, n: int) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def _skip_blanks(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\f\ufeff":
                self.pos += 1
            elif ch == "\\" and text.startswith("\n", self.pos + 1):  # a line continued
                self._advance(2)
            else:
                return

    def _skip_to_line_end(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def _quoted(self) -> str:
        text, start_line = self.text, self.line
        quote = text[self.pos]
        triple = text.startswith(quote * 3, self.pos)
        delim = quote * 3 if triple else quote
        self._advance(len(delim))
        out: list[str] = []
        while True:
            if self.pos >= len(text):
                raise self.error(f"a string opened with {delim} never ends", start_line)
            if text.startswith(delim, self.pos):
                self._advance(len(delim))
                return "".join(out)
            ch = text[self.pos]
            if ch == "\n" and not triple:
                raise self.error(f"a string opened with {delim} ends at the end of the line", start_line)
            if ch == "\\":
                out.append(self._escape())
                continue
            if quote == '"' and ch == "$" and self.pos + 1 < len(text) and (text[self.pos + 1] == "{" or _NAME.match(text, self.pos + 1)):
                raise self.error("a string with ${...} or $name in it is interpolated by Groovy; the doc DSL is read, not run")
            out.append(ch)
            self._advance(1)

    def _escape(self) -> str:
        text = self.text
        nxt = text[self.pos + 1:self.pos + 2]
        if nxt == "\n":  # a line continued inside the string
            self._advance(2)
            return ""
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[self.pos + 2:self.pos + 6]):
            self._advance(6)
            return chr(int(text[self.pos - 4:self.pos], 16))
        if nxt in _ESCAPES:
            self._advance(2)
            return _ESCAPES[nxt]
        raise self.error(f"unknown escape \\{nxt} in a string")

    def _slashy(self) -> str:
        text, start_line = self.text, self.line
        self._advance(1)
        out = []
        while True:
            if self.pos >= len(text):
                raise self.error("a /slashy/ string never ends", start_line)
            ch = text[self.pos]
            if ch == "/":
                self._advance(1)
                return "".join(out)
            if ch == "\\" and text.startswith("/", self.pos + 1):
                out.append("/")
                self._advance(2)
                continue
            if ch == "$" and self.pos + 1 < len(text) and (text[self.pos + 1] == "{" or _NAME.match(text, self.pos + 1)):
                raise self.error("a slashy string with ${...} or $name in it is interpolated by Groovy; the doc DSL is read, not run")
            out.append(ch)
            self._advance(1)

    def _dollar_slashy(self) -> str:
        text, start_line = self.text, self.line
        self._advance(2)
        out = []
        while True:
            if self.pos >= len(text):
                raise self.error("a $/dollar-slashy/$ string never ends", start_line)
            if text.startswith("/$", self.pos):
                self._advance(2)
                return "".join(out)
            if text.startswith("$$", self.pos) or text.startswith("$/", self.pos):
                out.append(text[self.pos + 1])
                self._advance(2)
                continue
            if text[self.pos] == "$" and self.pos + 1 < len(text) and (text[self.pos + 1] == "{" or _NAME.match(text, self.pos + 1)):
                raise self.error("a dollar-slashy string with ${...} or $name in it is interpolated by Groovy; the doc DSL is read, not run")
            out.append(text[self.pos])
            self._advance(1)


def _value_expected(previous: _Token | None) -> bool:
    """Whether a '/' here starts a slashy string rather than dividing: after a statement's name, an
    opening bracket, a comma, a colon or a '+'."""
    if previous is None:
        return False
    return previous.kind == "name" or (previous.kind == "punct" and previous.value in "([,:+")


def _number(text: str) -> int | float:
    body = text.rstrip("lLiIgGdDfF").replace("_", "")
    if body.lower().startswith(("0x", "-0x")):
        return int(body, 16)
    return float(body) if any(c in body for c in ".eE") else int(body)


# -- statements --------------------------------------------------------------------------------------
def parse_groovy(text: str, path: str) -> Source:
    """Parse one doc source; raises :class:`GroovyError` naming ``path`` and the line."""
    return _Parser(_Tokenizer(text, path), path).source()


class _Parser:
    def __init__(self, tokenizer: _Tokenizer, path: str):
        self.tokens = list(tokenizer.tokens())
        self.i = 0
        self.path = path

    def error(self, message: str, token: _Token | None = None) -> GroovyError:
        return GroovyError(self.path, (token or self.peek()).line, message)

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.peek()
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind: str, value: Any = None, what: str = "") -> _Token:
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


def _shown(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the file"
    if token.kind == "newline":
        return "the end of the line"
    if token.kind == "string":
        return "a string"
    return repr(token.value)
