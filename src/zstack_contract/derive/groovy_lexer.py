"""The tokens of the doc DSL's Groovy subset (see :mod:`.groovy`): names, strings in every quote
form (escapes and line continuations undone), numbers, ``true``/``false``/``null``, punctuation and
the ends of lines, each with its line; comments are skipped. What is outside the subset (a string
Groovy would interpolate, a character no token starts with) is a :class:`GroovyError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from ..errors import PageError


class GroovyError(PageError):
    """A doc source that is not in the subset read here; names the file and line."""


@dataclass(frozen=True)
class Token:
    kind: str  # name, string, number, punct, newline, end
    value: Any
    line: int


_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?)[lLiIgGdDfF]?")
_PUNCT = "{}()[],:.;+*"
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "\\": "\\", "'": "'", '"': '"', "$": "$", "/": "/"}
_KEYWORDS = {"true": True, "false": False, "null": None}


class Tokenizer:
    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1

    def error(self, message: str, line: int | None = None) -> GroovyError:
        return GroovyError(self.path, line or self.line, message)

    def tokens(self) -> Iterator[Token]:
        text = self.text
        if text.startswith("#!"):
            self._skip_to_line_end()
        previous: Token | None = None
        while True:
            self._skip_blanks()
            if self.pos >= len(text):
                yield Token("end", None, self.line)
                return
            ch = text[self.pos]
            line = self.line
            if ch == "\n":
                self._advance(1)
                token = Token("newline", None, line)
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
                token = Token("string", self._quoted(), line)
            elif text.startswith("$/", self.pos):
                token = Token("string", self._dollar_slashy(), line)
            elif ch == "/" and _value_expected(previous):
                token = Token("string", self._slashy(), line)
            elif ch.isdigit() or (ch == "-" and self.pos + 1 < len(text) and text[self.pos + 1].isdigit()):
                m = _NUMBER.match(text, self.pos)
                self._advance(m.end() - self.pos)
                token = Token("number", _number(m.group()), line)
            elif _NAME.match(text, self.pos):
                m = _NAME.match(text, self.pos)
                self._advance(m.end() - self.pos)
                word = m.group()
                token = Token("keyword", _KEYWORDS[word], line) if word in _KEYWORDS else Token("name", word, line)
            elif ch in _PUNCT:
                self._advance(1)
                token = Token("punct", ch, line)
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


def _value_expected(previous: Token | None) -> bool:
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
