"""How any text from outside (a file name, a URL, a value of a recording, a key of a body) is
shown in a message, a console line or a report: on one line, readable, short.

- line breaks, other control characters (C0, DEL, C1), the Unicode line and paragraph separators
  and the bidirectional controls (which reorder what a terminal shows) are escaped as Python
  writes them (``\\n``, ``\\x1b``, ``\\u2028``);
- a byte of a file name that is not UTF-8 (which Python holds as a lone surrogate, U+DC80 to
  U+DCFF) is shown as that byte, ``\\xff``; any other lone surrogate as ``\\udXXX``. The result
  can always be encoded as UTF-8;
- a value longer than its limit is cut to a preview that says how long it was.

Escaping is idempotent: text already shown is shown as it is, so a message may pass through
several rooms. A backslash is left as it is (a shown name is for reading, not for parsing back).
"""

from __future__ import annotations

import re

PREVIEW = 80  # characters of a value from an input shown in a message (a method, an API name)
FIELD = 240  # characters of a field of a finding or a report row (a pointer, a drift path, a value found)
MESSAGE = 1000  # characters of a whole message about an input

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line, escaped as the module says, at most ``limit`` characters long: a
    longer one is cut to its start and a note of its length (``... (15000000 characters)``)."""
    head = text if limit is None else text[:limit + 1]  # enough to tell whether it fits
    shown = head if head.isprintable() else _UNSAFE.sub(_escape, head)  # all it escapes is unprintable
    if limit is None or (len(text) <= limit and len(shown) <= limit):
        return shown
    marker = f"... ({len(text)} characters)"
    budget, pieces = max(limit - len(marker), 0), []
    for ch in text[:budget]:  # escapes are kept whole
        piece = ch if ch.isprintable() else _UNSAFE.sub(_escape, ch)
        budget -= len(piece)
        if budget < 0:
            break
        pieces.append(piece)
    return "".join(pieces) + marker


def quoted(text: str, limit: int = PREVIEW) -> str:
    """A value in quotes, one line, cut to a preview: ``'GET'``, ``'a\\nb'``, ``'xxx... (15000000 characters)'``."""
    return f"'{one_line(text, limit)}'"
