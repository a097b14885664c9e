"""Gson 2.8's lenient ``JsonReader``, ported for :mod:`.gson`: the parts a node's body parsing
takes (``doPeek`` and what it calls, names and values, strings and escapes), so that the positions
and paths of its messages come out as Gson computes them (``at line 1 column 5 path $.``). Its
errors are :class:`GsonError`, worded as the Java exception's ``toString()``."""

from __future__ import annotations

# JsonScope
EMPTY_ARRAY, NONEMPTY_ARRAY, EMPTY_OBJECT, DANGLING_NAME, NONEMPTY_OBJECT, EMPTY_DOCUMENT, NONEMPTY_DOCUMENT = range(1, 8)
# peeked
(NONE, BEGIN_OBJECT, END_OBJECT, BEGIN_ARRAY, END_ARRAY, TRUE, FALSE, NULL, SINGLE_QUOTED, DOUBLE_QUOTED, UNQUOTED, BUFFERED,
 SINGLE_QUOTED_NAME, DOUBLE_QUOTED_NAME, UNQUOTED_NAME, LONG, NUMBER, EOF) = range(18)
_TOKENS = {BEGIN_OBJECT: "BEGIN_OBJECT", END_OBJECT: "END_OBJECT", BEGIN_ARRAY: "BEGIN_ARRAY", END_ARRAY: "END_ARRAY",
           SINGLE_QUOTED_NAME: "NAME", DOUBLE_QUOTED_NAME: "NAME", UNQUOTED_NAME: "NAME", TRUE: "BOOLEAN", FALSE: "BOOLEAN",
           NULL: "NULL", SINGLE_QUOTED: "STRING", DOUBLE_QUOTED: "STRING", UNQUOTED: "STRING", BUFFERED: "STRING",
           LONG: "NUMBER", NUMBER: "NUMBER", EOF: "END_DOCUMENT"}
_NOT_LITERAL = set("{}[]:, \t\f\r\n/\\;#=")  # lenient: / \ ; # = end a literal too
_BUFFER = 1024  # JsonReader's buffer: a number longer than this is read as an unquoted string
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_MIN_INCOMPLETE = _LONG_MIN // 10


class GsonError(Exception):
    """What ``gson.fromJson`` threw, as the servlet's answer shows it (``getMessage()``)."""


class Reader:
    def __init__(self, text: str):
        self.s = text
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.line = 0
        self.line_start = self.pos
        self.stack = [EMPTY_DOCUMENT]
        self.names: list[str | None] = [None]
        self.indices = [0]
        self.peeked = NONE
        self.peeked_long = 0
        self.number_length = 0

    # -- positions ----------------------------------------------------------------------------
    def location(self) -> str:
        return f" at line {self.line + 1} column {self.pos - self.line_start + 1} path {self.path()}"

    def path(self) -> str:
        out = "$"
        for scope, name, index in zip(self.stack, self.names, self.indices):
            if scope in (EMPTY_ARRAY, NONEMPTY_ARRAY):
                out += f"[{index}]"
            elif scope in (EMPTY_OBJECT, DANGLING_NAME, NONEMPTY_OBJECT):
                out += "." + (name if name is not None else "")
        return out

    def syntax(self, message: str) -> GsonError:
        return GsonError(f"com.google.gson.stream.MalformedJsonException: {message}{self.location()}")

    def state(self, message: str) -> GsonError:
        return GsonError(f"java.lang.IllegalStateException: {message}{self.location()}")

    def push(self, scope: int) -> None:
        self.stack.append(scope)
        self.names.append(None)
        self.indices.append(0)

    # -- characters ---------------------------------------------------------------------------
    def next_non_whitespace(self, throw_on_eof: bool) -> str | None:
        s, n = self.s, len(self.s)
        while self.pos < n:
            c = s[self.pos]
            self.pos += 1
            if c == "\n":
                self.line += 1
                self.line_start = self.pos
            elif c in " \r\t":
                continue
            elif c == "/":
                if self.pos == n:
                    return c
                following = s[self.pos]
                if following == "*":
                    self.pos += 1
                    end = s.find("*/", self.pos)
                    if end < 0:
                        self._count_lines(max(self.pos, n - 1))
                        raise self.syntax("Unterminated comment")
                    self._count_lines(end)
                    self.pos = end + 2
                elif following == "/":
                    self.pos += 1
                    self._skip_line()
                else:
                    return c
            elif c == "#":
                self._skip_line()
            else:
                return c
        if throw_on_eof:
            raise GsonError(f"java.io.EOFException: End of input{self.location()}")
        return None

    def _count_lines(self, end: int) -> None:
        while True:
            nl = self.s.find("\n", self.pos, end)
            if nl < 0:
                self.pos = end
                return
            self.line += 1
            self.pos = self.line_start = nl + 1

    def _skip_line(self) -> None:
        s, n = self.s, len(self.s)
        while self.pos < n:
            c = s[self.pos]
            self.pos += 1
            if c == "\n":
                self.line += 1
                self.line_start = self.pos
                return
            if c == "\r":
                return

    # -- peeking ------------------------------------------------------------------------------
    def do_peek(self) -> int:
        scope = self.stack[-1]
        if scope == EMPTY_ARRAY:
            self.stack[-1] = NONEMPTY_ARRAY
        elif scope == NONEMPTY_ARRAY:
            c = self.next_non_whitespace(True)
            if c == "]":
                self.peeked = END_ARRAY
                return END_ARRAY
            if c not in (",", ";"):
                raise self.syntax("Unterminated array")
        elif scope in (EMPTY_OBJECT, NONEMPTY_OBJECT):
            self.stack[-1] = DANGLING_NAME
            if scope == NONEMPTY_OBJECT:
                c = self.next_non_whitespace(True)
                if c == "}":
                    self.peeked = END_OBJECT
                    return END_OBJECT
                if c not in (",", ";"):
                    raise self.syntax("Unterminated object")
            c = self.next_non_whitespace(True)
            if c == '"':
                self.peeked = DOUBLE_QUOTED_NAME
            elif c == "'":
                self.peeked = SINGLE_QUOTED_NAME
            elif c == "}":
                if scope == NONEMPTY_OBJECT:
                    raise self.syntax("Expected name")
                self.peeked = END_OBJECT
            else:
                self.pos -= 1  # the first character of an unquoted name
                if c in _NOT_LITERAL:
                    raise self.syntax("Expected name")
                self.peeked = UNQUOTED_NAME
            return self.peeked
        elif scope == DANGLING_NAME:
            self.stack[-1] = NONEMPTY_OBJECT
            c = self.next_non_whitespace(True)
            if c == "=":
                if self.pos < len(self.s) and self.s[self.pos] == ">":
                    self.pos += 1
            elif c != ":":
                raise self.syntax("Expected ':'")
        elif scope == EMPTY_DOCUMENT:
            self.next_non_whitespace(True)  # fast-forward, then skip a non-execute prefix
            self.pos -= 1
            if self.s.startswith(")]}'\n", self.pos):
                self.pos += 5
            self.stack[-1] = NONEMPTY_DOCUMENT
        elif scope == NONEMPTY_DOCUMENT:
            c = self.next_non_whitespace(False)
            if c is None:
                self.peeked = EOF
                return EOF
            self.pos -= 1

        c = self.next_non_whitespace(True)
        if c == "]" and scope == EMPTY_ARRAY:
            self.peeked = END_ARRAY
            return END_ARRAY
        if c in ("]", ";", ","):
            if scope in (EMPTY_ARRAY, NONEMPTY_ARRAY):  # a 0-length literal in an array means null
                self.pos -= 1
                self.peeked = NULL
                return NULL
            raise self.syntax("Unexpected value")
        if c == "'":
            self.peeked = SINGLE_QUOTED
        elif c == '"':
            self.peeked = DOUBLE_QUOTED
        elif c == "[":
            self.peeked = BEGIN_ARRAY
        elif c == "{":
            self.peeked = BEGIN_OBJECT
        else:
            self.pos -= 1
            result = self._peek_keyword()
            if result == NONE:
                result = self._peek_number()
            if result == NONE:
                if self.s[self.pos] in _NOT_LITERAL:
                    raise self.syntax("Expected value")
                result = UNQUOTED
            self.peeked = result
        return self.peeked

    def _peek_keyword(self) -> int:
        s, pos = self.s, self.pos
        first = s[pos]
        for lower, upper, kind in (("true", "TRUE", TRUE), ("false", "FALSE", FALSE), ("null", "NULL", NULL)):
            if first in (lower[0], upper[0]):
                break
        else:
            return NONE
        n = len(lower)
        if pos + n > len(s):
            return NONE
        for i in range(1, n):
            if s[pos + i] not in (lower[i], upper[i]):
                return NONE
        if pos + n < len(s) and s[pos + n] not in _NOT_LITERAL:
            return NONE  # "trues", "nullsoft"
        self.pos += n
        return kind

    def _peek_number(self) -> int:
        s, p, n = self.s, self.pos, len(self.s)
        value, negative, fits, last = 0, False, True, "none"
        i = 0
        while p + i < n:
            if i == _BUFFER:
                return NONE
            c = s[p + i]
            if c == "-":
                if last == "none":
                    negative, last = True, "sign"
                elif last == "e":
                    last = "exp-sign"
                else:
                    return NONE
            elif c == "+":
                if last != "e":
                    return NONE
                last = "exp-sign"
            elif c in "eE":
                if last not in ("digit", "fraction"):
                    return NONE
                last = "e"
            elif c == ".":
                if last != "digit":
                    return NONE
                last = "decimal"
            elif "0" <= c <= "9":
                d = ord(c) - 48
                if last in ("sign", "none"):
                    value, last = -d, "digit"
                elif last == "digit":
                    if value == 0:
                        return NONE  # a leading 0 (it could be octal)
                    new = value * 10 - d
                    fits = fits and (value > _MIN_INCOMPLETE or (value == _MIN_INCOMPLETE and new < value))
                    value = new
                elif last == "decimal":
                    last = "fraction"
                elif last in ("e", "exp-sign"):
                    last = "exp-digit"
            elif c in _NOT_LITERAL:
                break
            else:
                return NONE
            i += 1
        if last == "digit" and fits and (value != _LONG_MIN or negative) and (value != 0 or not negative):
            self.peeked_long = value if negative else -value
            self.pos += i
            return LONG
        if last in ("digit", "fraction", "exp-digit"):
            self.number_length = i
            return NUMBER
        return NONE

    def peek(self) -> int:
        return self.peeked if self.peeked != NONE else self.do_peek()

    def token(self) -> str:
        return _TOKENS[self.peek()]

    # -- reading ------------------------------------------------------------------------------
    def begin(self, kind: int) -> None:
        if self.peek() != kind:
            raise self.state(f"Expected {_TOKENS[kind]} but was {self.token()}")
        self.push(EMPTY_ARRAY if kind == BEGIN_ARRAY else EMPTY_OBJECT)
        self.peeked = NONE

    def end(self, kind: int) -> None:
        if self.peek() != kind:
            raise self.state(f"Expected {_TOKENS[kind]} but was {self.token()}")
        self.stack.pop()
        self.names.pop()
        self.indices.pop()
        self.indices[-1] += 1
        self.peeked = NONE

    def has_next(self) -> bool:
        return self.peek() not in (END_OBJECT, END_ARRAY, EOF)

    def next_name(self) -> str:
        p = self.peek()
        if p == UNQUOTED_NAME:
            name = self._unquoted()
        elif p in (SINGLE_QUOTED_NAME, DOUBLE_QUOTED_NAME):
            name = self._quoted("'" if p == SINGLE_QUOTED_NAME else '"')
        else:
            raise self.state(f"Expected a name but was {self.token()}")
        self.peeked = NONE
        self.names[-1] = name
        return name

    def promote_name_to_value(self) -> None:
        p = self.peek()
        promoted = {DOUBLE_QUOTED_NAME: DOUBLE_QUOTED, SINGLE_QUOTED_NAME: SINGLE_QUOTED, UNQUOTED_NAME: UNQUOTED}.get(p)
        if promoted is None:
            raise self.state(f"Expected a name but was {self.token()}")
        self.peeked = promoted

    def next_string(self) -> str:
        p = self.peek()
        if p == UNQUOTED:
            value = self._unquoted()
        elif p in (SINGLE_QUOTED, DOUBLE_QUOTED):
            value = self._quoted("'" if p == SINGLE_QUOTED else '"')
        elif p == LONG:
            value = str(self.peeked_long)
        elif p == NUMBER:
            value = self.s[self.pos:self.pos + self.number_length]
            self.pos += self.number_length
        else:
            raise self.state(f"Expected a string but was {self.token()}")
        self.peeked = NONE
        self.indices[-1] += 1
        return value

    def next_literal(self, kind: int) -> None:
        self.peeked = NONE
        self.indices[-1] += 1

    def _quoted(self, quote: str) -> str:
        s, n = self.s, len(self.s)
        out = []
        start = self.pos
        p = start
        while p < n:
            c = s[p]
            p += 1
            if c == quote:
                out.append(s[start:p - 1])
                self.pos = p
                return "".join(out)
            if c == "\\":
                out.append(s[start:p - 1])
                self.pos = p
                out.append(self._escape())
                p = start = self.pos
            elif c == "\n":
                self.line += 1
                self.line_start = p
        self.pos = p
        raise self.syntax("Unterminated string")

    def _escape(self) -> str:
        s = self.s
        if self.pos >= len(s):
            raise self.syntax("Unterminated escape sequence")
        c = s[self.pos]
        self.pos += 1
        if c == "u":
            if self.pos + 4 > len(s):
                raise self.syntax("Unterminated escape sequence")
            digits = s[self.pos:self.pos + 4]
            if not all(ch in "0123456789abcdefABCDEF" for ch in digits):
                raise GsonError(f"\\u{digits}")  # a NumberFormatException Gson lets through: its bare message
            self.pos += 4
            return chr(int(digits, 16))
        simple = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", "'": "'", '"': '"', "\\": "\\", "/": "/"}
        if c == "\n":
            self.line += 1
            self.line_start = self.pos
            return c
        if c in simple:
            return simple[c]
        raise self.syntax("Invalid escape sequence")

    def _unquoted(self) -> str:
        s, n, start = self.s, len(self.s), self.pos
        end = start
        while end < n and s[end] not in _NOT_LITERAL:
            end += 1
        self.pos = end
        return s[start:end]
